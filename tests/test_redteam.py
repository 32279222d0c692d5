"""Red team: hostile and broken submissions get exactly the credit they earn, and nothing else.

Every case is a variant of the 01_activations solution graded in one class by the real grader
(sandboxed runner, judge in this process). A case states the functions whose checks it must
lose (or "all"); its expected score is 100 minus those functions' points, so a case that gains
or loses anything else fails. Run twice, with bubblewrap (CI installs it) and without it: every
case must hold in both modes.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from gradkit import course as assignments
from autograder.grade import Plan, grade_class
from autograder.sandbox.judge import Limits, bwrap_path
from autograder.sandbox.runner import SCRATCH
from tests.kit import ROOT

A = assignments.by_folder("01_activations")
SOLUTION = (ROOT / "solutions" / "01_activations" / "activations.py").read_text()
SOLUTIONS_PATH = ROOT / "solutions" / "01_activations" / "activations.py"
RELU = "def relu(z):\n"
MARKER = "/tmp/gradkit-redteam-marker"
SHARED_MARKERS = (MARKER, "/dev/shm/gradkit-redteam-marker", "/var/tmp/gradkit-redteam-marker")


def with_relu_prefix(code: str) -> str:
    """The solution whose relu() first runs ``code`` (indented into the function)."""
    body = "".join(f"    {ln}\n" for ln in code.strip().splitlines())
    return SOLUTION.replace(RELU, RELU + body, 1)


def at_import(code: str) -> str:
    return SOLUTION.replace("import numpy as np\n", "import numpy as np\n" + code.strip() + "\n", 1)


@dataclass
class Case:
    text: str | None  # activations.py, or None when the case builds its own folder/zip
    loses: tuple | str  # functions whose checks fail, or "all"
    extra: dict | None = None  # other files to put in the student's folder


CASES = {
    "exit_at_import": Case(at_import("import sys; sys.exit(3)"), "all"),
    "os_exit_in_call": Case(with_relu_prefix("import os; os._exit(0)"), ("relu",)),
    "endless_loop": Case(with_relu_prefix("while True: pass"), ("relu",)),
    "sigterm_ignored_loop": Case(at_import("import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN)")
                                 .replace(RELU, RELU + "    while True: pass\n", 1), ("relu",)),
    "memory_hog": Case(with_relu_prefix("hog = bytearray(8 * 1024**3)"), ("relu",)),
    "fork_child_lingers": Case(with_relu_prefix(
        "import os, time\ntry:\n    pid = os.fork()\nexcept OSError:\n    pid = 1\n"
        "if pid == 0:\n    time.sleep(600)\n    os._exit(0)"), ()),
    # 40 busy children would slow every classmate; a child that runs means relu() answers wrong
    "busy_children": Case(with_relu_prefix(
        "import os\nfor _ in range(40):\n    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        while True: pass\nelse:\n    return z * 0 - 1"), ()),
    "busy_threads": Case(with_relu_prefix(
        "import threading\ntry:\n    threading.Thread(target=lambda: None).start()\n    return z * 0 - 1\n"
        "except RuntimeError:\n    pass"), ()),
    # outlive the run: no parent-death signal, own session, os._exit a no-op, then wait for ever
    "daemonizes": Case(at_import(
        "import ctypes, os, signal\nctypes.CDLL(None).prctl(1, 0, 0, 0, 0)\ntry:\n    os.setsid()\n"
        "except OSError:\n    pass\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nos._exit = lambda *a: None")
        .replace(RELU, RELU + "    import time\n    while True: time.sleep(1)\n", 1), ("relu",)),
    # a timer armed in relu() that would kill whatever call runs a second later
    "alarm_kills_a_later_call": Case(with_relu_prefix("import signal\nsignal.alarm(1)"), ()),
    "itimer_kills_a_later_call": Case(with_relu_prefix(
        "import signal\nsignal.signal(signal.SIGALRM, lambda *a: os._exit(1))\nimport os\n"
        "signal.setitimer(signal.ITIMER_REAL, 0.3)"), ()),
    # the socket to the judge: a reply of 45 MB of {},{},... then never reading again
    "forged_huge_frame": Case(with_relu_prefix(
        "import os, struct, time\npayload = b'[' + b'{},' * 15_000_000 + b'{}]'\nfor fd in range(3, 32):\n"
        "    try:\n        os.write(fd, struct.pack('>QQ', len(payload), 0) + payload)\n    except OSError:\n"
        "        pass\ntime.sleep(600)"), ("relu",)),
    "forged_deep_frame": Case(with_relu_prefix(
        "import os, struct\npayload = b'[' * 200_000\nfor fd in range(3, 32):\n    try:\n"
        "        os.write(fd, struct.pack('>QQ', len(payload), 0) + payload)\n    except OSError:\n        pass"),
        ("relu",)),
    # undo the private /tmp, then look for a classmate's file or the solutions
    "umount_tmp_reads_classmate": Case(at_import(
        "import ctypes, os\nctypes.CDLL(None).umount2(b'/tmp', 2)\n"
        "found = [os.path.join(d, 'activations.py') for d, _, fs in os.walk('/tmp')\n"
        "         if d.endswith('shadow_numpy_module/01_activations') and 'activations.py' in fs]\n"
        f"for f in found + [{str(SOLUTIONS_PATH)!r}]:\n"
        "    try:\n        exec(open(f).read())\n    except Exception:\n        pass")
        .replace(RELU, "def relu(z):\n    return z * 0 - 1\n\ndef _old_relu(z):\n", 1), ("relu",)),
    "patches_numpy_isclose": Case(at_import("np.isclose = lambda *a, **k: np.ones(np.broadcast(*a[:2]).shape, bool)\n"
                                            "np.allclose = lambda *a, **k: True")
                                  .replace(RELU, RELU + "    return np.zeros_like(z) - 1.0\n", 1), ("relu",)),
    "patches_builtins": Case(at_import("import builtins; builtins.isinstance = lambda *a: True"), "all"),
    "lying_ndarray_subclass": Case(at_import(
        "class Liar(np.ndarray):\n    def __eq__(self, o): return True\n    def __array__(self, *a, **k): return self\n")
        .replace(RELU, RELU + "    return np.zeros(np.shape(z)).view(Liar)\n", 1), ("relu",)),
    "stack_inspection": Case(with_relu_prefix(
        "import inspect\nfor f in inspect.stack():\n    for k, v in f.frame.f_locals.items():\n"
        "        if 'expect' in k or 'reference' in k: return v\nreturn np.zeros_like(z)"), ("relu",)),
    "reads_solutions_from_disk": Case(at_import(
        f"try:\n    exec(open({str(SOLUTIONS_PATH)!r}).read())\nexcept Exception:\n    pass")
        .replace(RELU, "def relu(z):\n    return z * 0 - 1\n\ndef _old_relu(z):\n", 1), ("relu",)),
    "writes_outside_scratch": Case(at_import(
        f"for p in [*{list(SHARED_MARKERS)!r}, '../../gradebook.csv', '/tmp/gradebook.csv']:\n"
        "    try: open(p, 'w').write('alice,0')\n    except Exception: pass"), ()),
    # Nothing a runner writes is seen by another student's runner: only its own /tmp and /dev/shm
    # are writable. relu breaks if any shared place of the runners' world takes a file.
    "writes_where_others_look": Case(at_import(
        "import os, sys\n_SHARED = []\n_OWN = {os.stat(p).st_dev for p in ('/tmp', '/dev/shm') if os.path.isdir(p)}\n"
        "for d in ('/', '/dev', '/etc', '/root', '/home', '/usr', '/var', '/var/tmp', '/gradkit', *sys.path):\n"
        "    try:\n        open(os.path.join(d or '.', 'scipy.py'), 'w').write('print(\"planted\")')\n"
        "        if os.stat(d or '.').st_dev not in _OWN: _SHARED.append(d)  # its own /tmp: nobody else's\n"
        "    except OSError:\n        pass")
        .replace(RELU, RELU + "    if _SHARED: return z * 0 - 1\n", 1), ()),
    # Memory no rlimit counts: memfds and System V shared memory are refused, tmpfs is sized.
    "shared_memory_hog": Case(at_import(
        "import os, ctypes\n_HELD = []\ntry:\n    for _ in range(64):\n        _fd = os.memfd_create('hog')\n"
        "        os.write(_fd, b'x' * (16 << 20))\n        _HELD.append(_fd)\nexcept OSError:\n    pass\n"
        "_SHM = ctypes.CDLL(None).shmget(0, 1 << 30, 0o1600)\n"
        "try:\n    for _i in range(8):\n        with open(f'/tmp/hog{_i}', 'wb') as _f:\n            _f.write(b'x' * (15 << 20))\n"
        "    _TMPFS_FULL = False\nexcept OSError:\n    _TMPFS_FULL = True")
        .replace(RELU, RELU + "    if _HELD or _SHM >= 0 or not _TMPFS_FULL: return z * 0 - 1\n", 1), ()),
    # Kernel memory no limit counts: empty files until the kernel refuses one. The inode bound of
    # the student's /tmp and /dev/shm (runner.SCRATCH) stops it; relu breaks if it was not stopped.
    "inode_flood": Case(at_import(
        "import os\n_UNSTOPPED = []\nfor _d in ('/tmp', '/dev/shm'):\n    _n = 0\n    try:\n"
        f"        while _n < {4 * max(n for _, _, n in SCRATCH)}:\n"
        "            os.close(os.open(f'{_d}/e{_n}', os.O_CREAT | os.O_WRONLY))\n            _n += 1\n"
        "        _UNSTOPPED.append(_d)\n    except OSError:\n        pass")
        .replace(RELU, RELU + "    if _UNSTOPPED: return z * 0 - 1\n", 1), ()),
    "conftest_and_sitecustomize": Case(SOLUTION.replace(RELU, RELU + "    return None\n", 1), ("relu",), extra={
        "conftest.py": f"open({MARKER!r}, 'w').write('conftest ran')\n",
        "01_activations/conftest.py": f"open({MARKER!r}, 'w').write('conftest ran')\n",
        "01_activations/sitecustomize.py": f"open({MARKER!r}, 'w').write('sitecustomize ran')\n"}),
    "shadow_numpy_module": Case(SOLUTION, (), extra={"01_activations/numpy.py": "raise SystemExit('shadowed')\n"}),
    "output_flood": Case(with_relu_prefix("print('x' * (64 * 1024 * 1024))"), ("relu",)),
    "prints_a_lot_but_right": Case(with_relu_prefix("print('debug ' * 2000)"), ()),
    "syntax_error": Case(SOLUTION.replace("def relu(z):", "def relu(z)", 1), "all"),
    "latin1_encoding": Case(None, "all"),
    "missing_file": Case(None, "all"),
    "wrong_signature": Case(SOLUTION.replace("def relu(z):", "def relu(z, scale):", 1), ("relu",)),
    "returns_none_nan_wrong_shape": Case(
        SOLUTION.replace(RELU, RELU + "    return None\n", 1)
        .replace("def sigmoid(z):\n", "def sigmoid(z):\n    return np.full(np.shape(z), np.nan)\n", 1)
        .replace("def softmax(z, axis=-1):\n", "def softmax(z, axis=-1):\n    return np.zeros(3)\n", 1),
        ("relu", "sigmoid", "softmax")),
    "imports_torch_dynamically": Case(at_import("tt = __import__('to' + 'rch')"), "all"),
    "zip_slip": Case(None, ()),
    "zip_bomb": Case(None, "all"),
    "symlink_to_solution": Case(None, "all"),
    "raises_keyboardinterrupt": Case(with_relu_prefix("raise KeyboardInterrupt"), ("relu",)),
}


def _points_of(functions) -> float:
    return sum(c.points for c in A.public_checks() if c.function in functions) + \
        sum(c.points for c in A.hidden_checks() if c.function in functions)


def _expected(case: Case, callers=None) -> float:
    if case.loses == "all":
        return 0.0
    from tests.kit import callers as solution_callers

    graph = solution_callers(A)
    lost = set()
    for f in case.loses:
        lost |= graph[f]
    return 100.0 - _points_of(lost)


def _build_class(root: Path) -> None:
    for name, case in CASES.items():
        folder = root / name
        if case.text is not None:
            (folder / "01_activations").mkdir(parents=True)
            (folder / "01_activations" / "activations.py").write_text(case.text)
        for rel, text in (case.extra or {}).items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
    (root / "latin1_encoding" / "01_activations").mkdir(parents=True)
    (root / "latin1_encoding" / "01_activations" / "activations.py").write_bytes(
        b"# -*- coding: utf-8 -*-\nAUTHOR = 'Ren\xe9e'  # saved as latin-1\n" + SOLUTION.encode())
    (root / "missing_file").mkdir()
    (root / "missing_file" / "notes.txt").write_text("I forgot")
    with zipfile.ZipFile(root / "zip_slip.zip", "w") as zf:
        zf.writestr("../../evil.py", "print('escaped')")
        zf.writestr("/tmp/gradkit-redteam-abs.py", "print('escaped')")
        zf.writestr("hw/01_activations/activations.py", SOLUTION)
        link = zipfile.ZipInfo("hw/link.py")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    with zipfile.ZipFile(root / "zip_bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("01_activations/activations.py", SOLUTION + "#" + " " * (64 * 1024 * 1024))
    (root / "symlink_to_solution" / "01_activations").mkdir(parents=True)
    os.symlink(SOLUTIONS_PATH, root / "symlink_to_solution" / "01_activations" / "activations.py")


def _orphaned_runners() -> list[str]:
    """Runner processes no grading run owns any more: their parent is no runner, bubblewrap or
    Python process (an escaped runner is re-parented to init). Runs of other graders on the
    machine are not counted."""
    rows = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout.splitlines()
    procs = {int(r.split(None, 2)[0]): (int(r.split(None, 2)[1]), (r.split(None, 2) + [""])[2]) for r in rows}
    owner = ("runner.py", "bwrap", "python")
    return [args for pid, (ppid, args) in procs.items()
            if "runner.py" in args and not any(o in procs.get(ppid, (0, ""))[1] for o in owner)]


MODES = ["bwrap", "no-bwrap"] if bwrap_path() else ["no-bwrap"]


@pytest.fixture(scope="module", params=MODES)
def graded(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    _build_class(root / "class")
    out = root / "grades"
    out.mkdir()
    for marker in SHARED_MARKERS:
        Path(marker).unlink(missing_ok=True)
    plan = Plan.build(["01_activations"])
    limits = Limits(call_timeout=3.0, student_budget=60.0, start_timeout=600.0)  # generous: no case is about it
    results = grade_class(root / "class", plan, jobs=2, limits=limits, use_bwrap=request.param == "bwrap")
    return request.param, {r.student: r for r in results}, root


@pytest.mark.parametrize("name", list(CASES))
def test_each_hostile_submission_earns_exactly_its_credit(graded, name):
    mode, results, _ = graded
    case = CASES[name]
    got = results[name].score("01_activations")
    assert got == pytest.approx(_expected(case)), "\n".join(
        o.name + ": " + o.message[:300] for o in results[name].outcomes["01_activations"] if not o.passed)


def test_whole_class_graded_and_nothing_escaped(graded):
    mode, results, root = graded
    assert set(results) == set(CASES)
    for marker in SHARED_MARKERS:
        assert not Path(marker).exists(), f"{mode}: {marker}: {Path(marker).read_text()}"
    assert not Path("/tmp/gradkit-redteam-abs.py").exists()
    assert not (root / "evil.py").exists() and not (root.parent / "evil.py").exists()
    assert not _orphaned_runners(), "a runner process outlived grading"


def test_feedback_says_what_happened(graded):
    _, results, _ = graded

    def text(name):
        return "\n".join(o.message for o in results[name].outcomes["01_activations"])

    assert "within 3 s" in text("endless_loop")
    assert "died" in text("os_exit_in_call") and "exit" in text("os_exit_in_call")
    assert "torch is not available" in text("imports_torch_dynamically")
    assert "SyntaxError" in text("syntax_error")
    assert "not submitted" in text("missing_file")
    assert any("refused zip entry" in n for n in results["zip_slip"].notes)
    assert any("not graded" in n for n in results["zip_bomb"].notes)
    assert any("symbolic link" in n for n in results["symlink_to_solution"].notes)
    flood = [o for o in results["output_flood"].outcomes["01_activations"] if o.function == "relu"]
    assert all(len(o.output) < 6000 for o in flood)


def test_gradebook_is_whole_after_a_hostile_class(graded, tmp_path):
    from autograder import report

    _, results, _ = graded
    plan = Plan.build(["01_activations"])
    report.write_class(tmp_path, list(results.values()), plan, ["test"], 1.0)
    rows = list(csv.reader(io.StringIO((tmp_path / "gradebook.csv").read_text())))
    assert rows[0] == ["student", "01_activations", "total", "folder"] and len(rows) == len(CASES) + 1


# --- messy and hostile hand-ins of all seven assignments: the intake --------------------------------
# Files at the expected paths are graded whatever else a hand-in holds, and one file that cannot
# be read costs its own assignment only. Built once (sparse files, empty junk), graded in both modes.

from tests.test_intake import LAST, LAST_ENTRY, SEVEN, SOLVED, _flip, _patch_entry, _seven_zip  # noqa: E402

FIRST = next(iter(SEVEN))
MESSY = {  # student -> (assignments that score 0, words one of its notes or messages must hold)
    "venv_beside": ((), "venv/"),
    "junk_zip_first": ((), None),
    "corrupt_entry": ((LAST,), f"{LAST_ENTRY} was not graded: it is damaged"),
    "encrypted_entry": ((LAST,), f"{LAST_ENTRY} was not graded: it is encrypted"),
    "fifo_module": ((FIRST,), "is a FIFO"),
    "zip_in_zip": (tuple(SEVEN), "a zip inside a submission is not opened"),
    "decoys": ((), "larger than"),
    "txt_only": (tuple(SEVEN), "which holds notes.txt"),
}


def _seven(folder: Path) -> None:
    for f, m in SEVEN.items():
        (folder / f).mkdir(parents=True, exist_ok=True)
        (folder / f / f"{m}.py").write_bytes(SOLVED[f])


@pytest.fixture(scope="module")
def messy_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("messy") / "class"
    _seven(root / "venv_beside")
    (root / "venv_beside" / "venv").mkdir()
    for i in range(25_000):  # sorts after every assignment folder; more than one folder's share of the search
        (root / "venv_beside" / "venv" / f"f{i}.txt").touch()
    root.mkdir(exist_ok=True)
    _seven_zip(root / "junk_zip_first.zip", before=[f"data/{i}.txt" for i in range(6000)])
    _seven_zip(root / "corrupt_entry.zip")
    _patch_entry(root / "corrupt_entry.zip", LAST_ENTRY, data=_flip)
    _seven_zip(root / "encrypted_entry.zip")
    _patch_entry(root / "encrypted_entry.zip", LAST_ENTRY, local={6: b"\x01"}, central={8: b"\x01"})
    _seven(root / "fifo_module")
    fifo = root / "fifo_module" / FIRST / f"{SEVEN[FIRST]}.py"
    fifo.unlink()
    os.mkfifo(fifo)
    _seven_zip(root / "inner.zip")
    with zipfile.ZipFile(root / "zip_in_zip.zip", "w") as zf:
        zf.write(root / "inner.zip", "hw.zip")
    (root / "inner.zip").unlink()
    _seven(root / "decoys")
    for f, m in SEVEN.items():  # four 2 GB files named like the module, and a 2 GB notebook, beside each
        for k in range(4):
            (root / "decoys" / f"old{k}" / f).mkdir(parents=True)
            with open(root / "decoys" / f"old{k}" / f / f"{m}.py", "wb") as fh:
                fh.truncate(2 << 30)
        with open(root / "decoys" / f / f"{f}.ipynb", "wb") as fh:
            fh.truncate(2 << 30)
    (root / "txt_only").mkdir()
    (root / "txt_only" / "notes.txt").write_text("I did it on paper\n")
    return root


@pytest.fixture(scope="module", params=MODES)
def messy_graded(request, messy_class):
    limits = Limits(call_timeout=5.0, student_budget=200.0)
    results = grade_class(messy_class, Plan.build(), jobs=2, limits=limits, use_bwrap=request.param == "bwrap")
    return {r.student: r for r in results}


@pytest.mark.parametrize("student", list(MESSY))
def test_a_messy_hand_in_earns_what_its_readable_files_earn(messy_graded, student):
    lost, words = MESSY[student]
    r = messy_graded[student]
    for folder in SEVEN:
        assert r.score(folder) == (0 if folder in lost else 100), (folder, r.status, r.notes)
    said = r.notes + [o.message for outs in r.outcomes.values() for o in outs[:1]]
    assert words is None or any(words in n for n in said), said


def _intake_peak_kb(root: Path, student: str, tmp: Path) -> int:
    program = ("import resource, sys; from pathlib import Path; from gradkit import course; "
               "from autograder.intake.submissions import scan, materialize; "
               "sub = [s for s in scan(Path(sys.argv[1])).submissions if s.student == sys.argv[2]][0]; "
               "files = materialize(sub, {a.folder: a.module for a in course.available()}, Path(sys.argv[3])); "
               "assert len(files) == 7, sub.notes; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    proc = subprocess.run([sys.executable, "-c", program, str(root), student, str(tmp)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(proc.stdout.split()[-1])


def test_decoys_cost_the_intake_no_memory(messy_class, tmp_path):
    """35 sparse 2 GB decoys (each module's name four times, each notebook's once) once cost the
    intake 700 MB: every candidate was read to the notebook limit, all held at once. Now each is
    refused from its size; the intake of the decoys costs what the same hand-in without them does."""
    plain = _intake_peak_kb(messy_class, "junk_zip_first", tmp_path / "plain")
    decoys = _intake_peak_kb(messy_class, "decoys", tmp_path / "decoys")
    assert decoys < plain + 32 * 1024, (plain, decoys)  # the old intake: plain + about 700 MB
