"""`make bench`: every row of the kit's performance table, measured in one run, beside anchors.

Rows (each measured here, in this run, on this machine):

- a student's ``pytest`` in one assignment folder of the release, 01 solved, warm (the second run);
- ``python -m autograder grade examples/`` (what ``make grade`` runs), wall;
- what explaining failures costs the judge: examples/ graded with named mistakes and failure
  pictures, and with both turned off (``explaining``);
- Gradescope's ``run_autograder`` in a fake /autograder: one correct submission of all seven, and a
  one-assignment zip (01);
- the batch grader on synthetic classes built from solutions/ and assignments/: 200 students x 01-06,
  a mixed class (half correct, a third partly done, the rest syntax errors, ``exit()`` at import,
  endless loops and output floods), ``--jobs 2``; 100 correct students x 01-06; 20 correct students
  x 07 (the capstone trains networks), in its own row;
- the correct class graded as N shard processes at once (``grade --shard K/N --jobs 1``, N = the
  ``--jobs``), then merged (``python -m autograder merge``), against one ``grade --jobs N`` process of
  the same class: wall seconds of each, processes started included (``sharded``);
- the peak memory of the mixed class run, all processes together: the sum of the proportional set
  sizes (PSS, shared pages divided among the processes sharing them) of the grading process and
  every process under it, sampled every 0.2 s.

Anchors, measured in the same run: a fresh ``pytest`` process per student (the public checks of
01-06, what a naive grader does) and nbgrader's ``autograde`` of one notebook (when nbgrader is
installed). Each row is given with its ratio to them. The class rows time grading only: the torch
references are computed once before (their own row).

``--quick`` (``make bench QUICK=1``) uses classes of 40 / 20 / 5 students and one anchor sample:
a smoke test of the bench, not numbers to quote. Timings on a busy machine are noisy; quote a run
on an idle one.

Usage: python -m autograder.tools.bench [--quick] [--jobs 2] [--timeout S] [--baseline-samples 4]
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from unittest import mock

from gradkit import core, course as registry, references
from gradkit.course import KIT
from .. import grade, nbgrade
from ..build import gradescope
from ..build.release import replace_function
from ..grade import Plan, grade_class
from ..sandbox.judge import Limits, bwrap_path

FULL = {"mixed": 200, "correct": 100, "capstone": 20}
QUICK = {"mixed": 40, "correct": 20, "capstone": 5}


def _functions(text: str) -> list[str]:
    return [n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


def _source_of(text: str, name: str) -> str:
    for n in ast.parse(text).body:
        if isinstance(n, ast.FunctionDef) and n.name == name:
            return "\n".join(text.splitlines()[n.lineno - 1:n.end_lineno])
    raise KeyError(name)


def build_class(root: Path, students: int, folders: list[str], seed: int = 0, mixed: bool = True) -> dict[str, int]:
    """Write ``students`` submissions under ``root``; returns how many of each kind.
    Without ``mixed``, every submission is the solution."""
    rng = random.Random(seed)
    kinds = {"correct": 0, "partial": 0, "syntax_error": 0, "exit_at_import": 0, "endless_loop": 0, "output_flood": 0}
    avail = [a for a in registry.available() if a.folder in folders]
    sol = {a.folder: (KIT / "solutions" / a.folder / f"{a.module}.py").read_text() for a in avail}
    stub = {a.folder: (KIT / "assignments" / a.folder / f"{a.module}.py").read_text() for a in avail}
    for i in range(students):
        r = rng.random() if mixed else 0.0
        kind = ("correct" if r < 0.5 else "partial" if r < 0.85 else "syntax_error" if r < 0.9
                else "exit_at_import" if r < 0.94 else "endless_loop" if r < 0.97 else "output_flood")
        kinds[kind] += 1
        for a in avail:
            text = sol[a.folder]
            if kind == "partial":
                text = stub[a.folder]
                for f in _functions(sol[a.folder]):
                    if rng.random() < 0.7:
                        text = replace_function(text, f, _source_of(sol[a.folder], f))
            elif kind == "syntax_error" and rng.random() < 0.5:
                text = text.replace("):\n", ")\n", 1)
            elif kind == "exit_at_import" and rng.random() < 0.5:
                text = "import sys\nsys.exit(1)\n" + text
            elif kind == "endless_loop" and a.folder == avail[0].folder:
                f = _functions(text)[0]
                text = text.replace(f"def {f}(", f"def {f}(*_a, **_k):\n    while True:\n        pass\n\n\ndef _x(", 1)
            elif kind == "output_flood" and a.folder == avail[0].folder:
                f = _functions(text)[1]
                src = _source_of(text, f)
                body_at = src.index(":\n") + 2
                text = text.replace(src, src[:body_at] + "    print('x' * 100000)\n" + src[body_at:], 1)
            path = root / f"student{i:03d}" / a.folder / f"{a.module}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return {k: v for k, v in kinds.items() if v}


# --- memory of a process tree -------------------------------------------------------------------

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def _pss_kb(pid: int) -> int:
    """Proportional set size of ``pid`` in kB (0 if unreadable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_mb(root: int) -> float:
    """PSS of ``root`` and every process under it, MB."""
    kids, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _pss_kb(pid)
        todo += kids.get(pid, [])
    return total / 1024


class PeakMemory:
    """Samples ``tree_pss_mb(os.getpid())`` every ``every`` seconds while in the ``with`` block."""

    def __init__(self, every: float = 0.2):
        self.every, self.peak = every, 0.0
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, tree_pss_mb(os.getpid()))

    def __enter__(self):
        self.peak = tree_pss_mb(os.getpid())
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- the rows -----------------------------------------------------------------------------------

def _env(**extra) -> dict:
    return dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **extra)


def _timed(cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = 900) -> float:
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env or _env())
    seconds = time.monotonic() - start
    if proc.returncode not in (0, 1):  # 1: pytest with failing checks is still a measured run
        raise RuntimeError(f"{' '.join(cmd[:4])} exited with {proc.returncode}: {proc.stderr[-500:]}")
    return seconds


def _release_copy(dest: Path, solved: list[registry.Assignment]) -> Path:
    """assignments/ copied to ``dest`` (no notebooks), with the solution of each of ``solved``."""
    shutil.copytree(KIT / "assignments", dest, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    for a in solved:
        shutil.copy(KIT / "solutions" / a.folder / f"{a.module}.py", dest / a.folder / f"{a.module}.py")
    return dest


def student_pytest(tmp: Path) -> float:
    """Seconds of a student's ``pytest`` in the folder of 01 (solved), the second of two runs."""
    first = registry.available()[0]
    release = _release_copy(tmp / "student-pytest", [first])
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    _timed(cmd, release / first.folder)
    return _timed(cmd, release / first.folder)


def grade_examples(tmp: Path) -> float:
    """Seconds of ``python -m autograder grade examples`` (``make grade``), a process of its own."""
    return _timed([sys.executable, "-m", "autograder", "grade", str(KIT / "examples"), "--out", str(tmp / "grades")],
                  KIT)


def explaining(jobs: int) -> dict:
    """What explaining failures costs: ``grade_class`` on examples/ in this process with named
    mistakes and failure pictures (as graded), then with both turned off; seconds of each, and the
    pictures drawn and mistakes named (the judges compute the mutants' answers afresh each run)."""
    plan = Plan.build()
    plan.prepare()

    def once() -> tuple[float, list]:
        start = time.monotonic()
        results = grade_class(KIT / "examples", plan, jobs, Limits(), bwrap_path() is not None)
        return time.monotonic() - start, [o for r in results for outs in r.outcomes.values() for o in outs]

    explained, outcomes = once()
    with mock.patch.object(grade, "for_assignment", lambda a: None), mock.patch.object(core, "draw", lambda *a: ""):
        plain, _ = once()
    return {"with": explained, "without": plain, "pictures": sum(bool(o.figure) for o in outcomes),
            "named": sum("\n  mistake: " in o.message for o in outcomes)}


def gradescope_run(tmp: Path, assignment: str | None) -> float:
    """Seconds of ``run_autograder`` in a fake /autograder, on one correct submission of every
    assignment (or of ``assignment`` alone, with its one-assignment zip)."""
    name = assignment or "all"
    package = gradescope.build(tmp / f"gradescope-zip-{name}", assignment=assignment)
    root = tmp / f"gradescope-{name}"
    with zipfile.ZipFile(package) as zf:
        zf.extractall(root / "source")
    # what setup.sh does once per image: torch's answers stored beside the checks
    subprocess.run([sys.executable, "-m", "autograder.build.gradescope", "references"], cwd=root / "source",
                   env=_env(PYTHONPATH=str(root / "source")), check=True, capture_output=True)
    shutil.copy2(KIT / "autograder" / "templates" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    for a in registry.available():
        if assignment in (None, a.folder):
            path = root / "submission" / a.folder / f"{a.module}.py"
            path.parent.mkdir(parents=True)
            shutil.copy(KIT / "solutions" / a.folder / f"{a.module}.py", path)
    return _timed([str(root / "run_autograder")], root,
                  _env(GRADKIT_AUTOGRADER_ROOT=str(root), GRADKIT_PYTHON=sys.executable))


def grade_synthetic(tmp: Path, name: str, students: int, folders: list[str], mixed: bool, jobs: int,
                    timeout: float, memory: bool = False) -> dict:
    """Grade a synthetic class in this process (``grade.grade_class``): wall seconds of grading
    (references computed before, timed apart), and the peak PSS of all processes with ``memory``."""
    root = tmp / name
    kinds = build_class(root, students, folders, mixed=mixed)
    plan = Plan.build(folders)
    start = time.monotonic()
    plan.prepare()
    references = time.monotonic() - start
    with PeakMemory() as peak:
        start = time.monotonic()
        results = grade_class(root, plan, jobs, Limits(call_timeout=timeout), bwrap_path() is not None)
        seconds = time.monotonic() - start
    shutil.rmtree(root, ignore_errors=True)
    return {"seconds": seconds, "references": references, "students": len(results), "kinds": kinds,
            "assignments": len(plan.items), "peak_mb": peak.peak if memory else None}


def sharded(tmp: Path, students: int, folders: list[str], n: int, timeout: float) -> dict:
    """Wall seconds of the class of ``students`` correct submissions graded as ``n`` shard processes
    at once and merged, and as one process with ``--jobs n`` (each a process of its own, as a
    cluster's pods or a terminal start them)."""
    root = tmp / "sharded"
    build_class(root, students, folders, mixed=False)
    grade = [sys.executable, "-m", "autograder", "grade", str(root), "--only", *folders, "--timeout", str(timeout)]
    start = time.monotonic()
    procs = [subprocess.Popen(grade + ["--out", str(tmp / f"shard-{k}"), "--shard", f"{k}/{n}", "--jobs", "1"],
                              cwd=KIT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
             for k in range(n)]
    for proc in procs:
        if proc.wait(timeout=900) != 0:
            raise RuntimeError(f"a shard exited with {proc.returncode}: {proc.stderr.read()[-500:]}")
    shards_seconds = time.monotonic() - start
    merge = _timed([sys.executable, "-m", "autograder", "merge", *(str(tmp / f"shard-{k}") for k in range(n)),
                    "--out", str(tmp / "merged")], KIT)
    single = _timed(grade + ["--out", str(tmp / "single"), "--jobs", str(n)], KIT)
    if (tmp / "merged" / "gradebook.csv").read_bytes() != (tmp / "single" / "gradebook.csv").read_bytes():
        raise RuntimeError("the merged gradebook differs from the single run's")
    shutil.rmtree(root, ignore_errors=True)
    return {"shards": shards_seconds, "merge": merge, "single": single}


def pytest_per_submission(tmp: Path, samples: int, folders: list[str]) -> float:
    """Anchor: seconds per student of a fresh ``pytest`` process on the public checks of ``folders``
    (solved), plugins not autoloaded (what a naive grader would run)."""
    avail = [a for a in registry.available() if a.folder in folders]
    start = time.monotonic()
    for i in range(samples):
        release = _release_copy(tmp / f"naive-{i}", avail)
        _timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *folders], release,
               _env(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"))
    return (time.monotonic() - start) / samples


def nbgrader_per_notebook() -> tuple[float | None, str]:
    """Anchor: seconds of nbgrader autograde of one notebook submission, if the kit has notebooks."""
    try:
        return nbgrade.time_one_autograde(), ""
    except Exception as exc:  # the anchor is informative, never fatal
        return None, f"nbgrader anchor not measured: {type(exc).__name__}: {exc}"


def _ratio(value: float | None, anchor: float | None, per: str) -> str:
    if value is None or not anchor:
        return ""
    return f"{anchor / value:.1f}x faster than {per}" if value < anchor else f"{value / anchor:.1f}x {per}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.tools.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small classes, one anchor sample (a smoke test)")
    p.add_argument("--jobs", type=int, default=2, help="students graded in parallel in the class rows (default: 2)")
    p.add_argument("--timeout", type=float, default=2.0, help="per-call timeout of the class rows (endless loops cost this)")
    p.add_argument("--baseline-samples", type=int, default=None,
                   help="students timed with a fresh pytest process each (default: 4, 1 with --quick)")
    args = p.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    samples = args.baseline_samples or (1 if args.quick else 4)
    avail = registry.available()
    six = [a.folder for a in avail[:6]]
    capstone = [a.folder for a in avail[6:7]]
    rows: list[tuple[str, str, str]] = []  # (where someone waits, measured, against the anchors)

    def add(what: str, value: str, ratio: str = "") -> None:
        rows.append((what, value, ratio))
        print(f"  measured: {what}: {value}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="gradkit-bench-") as name:
        tmp = Path(name)
        start = time.monotonic()
        references.build(avail)  # every row then reads torch's answers, as after any first run
        add("torch's answers of every check, stored beside the checks (computed if the kit changed)",
            f"{time.monotonic() - start:.1f} s")
        naive = pytest_per_submission(tmp, samples, six)
        nb, nb_note = nbgrader_per_notebook()
        per_sa_anchor = naive / len(six)
        own = student_pytest(tmp)
        add("a student's pytest in one folder (01 solved, warm)", f"{own:.2f} s",
            _ratio(own, nb, "nbgrader's autograde of one notebook"))
        examples = grade_examples(tmp)
        add("make grade on examples/ (6 students, 01-07), wall", f"{examples:.1f} s",
            _ratio(examples, naive * 6, "a fresh pytest per student (01-06 only)"))
        cost = explaining(args.jobs)
        add("explaining the failures of examples/ (named mistakes, pictures), judge time added",
            f"{cost['with'] - cost['without']:+.1f} s ({cost['with']:.1f} s with, {cost['without']:.1f} s without; "
            f"{cost['named']} failures named a mistake, {cost['pictures']} pictures)")
        every = gradescope_run(tmp, None)
        add("Gradescope run_autograder, all seven (one correct submission)", f"{every:.1f} s",
            _ratio(every, naive, "a fresh pytest of 01-06"))
        one = gradescope_run(tmp, avail[0].folder)
        add(f"Gradescope run_autograder, one-assignment zip ({avail[0].folder})", f"{one:.1f} s",
            _ratio(one, nb, "nbgrader's autograde of one notebook"))
        mixed = grade_synthetic(tmp, "mixed", sizes["mixed"], six, True, args.jobs, args.timeout, memory=True)
        correct = grade_synthetic(tmp, "correct", sizes["correct"], six, False, args.jobs, args.timeout)
        cap = grade_synthetic(tmp, "capstone", sizes["capstone"], capstone, False, args.jobs, args.timeout)
        for label, r in ((f"{sizes['mixed']} students x 01-06, mixed class", mixed),
                         (f"{sizes['correct']} correct students x 01-06", correct),
                         (f"{sizes['capstone']} correct students x 07 (capstone)", cap)):
            per_student = r["seconds"] / r["students"]
            per_sa = r["seconds"] / (r["students"] * r["assignments"])
            ratio = _ratio(per_student, naive, "a fresh pytest per student") if r["assignments"] == len(six) else ""
            if nb:
                ratio += (", " if ratio else "") + _ratio(per_sa, nb, "nbgrader per notebook")
            refs = f"; torch references {r['references']:.1f} s before" if r["references"] >= 0.05 else ""
            add(f"{label}, --jobs {args.jobs}", f"{r['seconds']:.1f} s ({per_sa * 1000:.0f} ms per student-assignment"
                f"{refs})", ratio)
        split = sharded(tmp, sizes["correct"], six, args.jobs, args.timeout)
        add(f"{sizes['correct']} correct students x 01-06 as {args.jobs} shard processes (--jobs 1 each) + merge, "
            f"against one process with --jobs {args.jobs}",
            f"{split['shards'] + split['merge']:.1f} s ({split['shards']:.1f} s shards, {split['merge']:.1f} s merge)",
            f"{(split['shards'] + split['merge']) / split['single']:.2f}x one run ({split['single']:.1f} s), "
            "the same gradebook")
        add(f"peak memory of the {sizes['mixed']}-student class run, all processes (PSS)", f"{mixed['peak_mb']:.0f} MB")
    print(f"gradkit bench{' (quick: not numbers to quote)' if args.quick else ''}; sandbox: "
          f"{'bubblewrap' if bwrap_path() else 'process limits only'}; {os.cpu_count()} cores; "
          f"mixed class: {', '.join(f'{k} {v}' for k, v in mixed['kinds'].items())}")
    print("anchors (same run): a fresh pytest process per student (public checks of 01-06): "
          f"{naive:.2f} s ({per_sa_anchor * 1000:.0f} ms per student-assignment); nbgrader autograde of one notebook: "
          + (f"{nb:.2f} s" if nb is not None else "not measured"))
    print()
    print("| where someone waits | measured | against the anchors |")
    print("|---|---|---|")
    for what, value, ratio in rows:
        print(f"| {what} | {value} | {ratio} |")
    if nb_note:
        print(nb_note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
