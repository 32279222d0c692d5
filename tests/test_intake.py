"""Intake: who is a student (every entry that is a submission gets exactly one row under its own
name), where their outputs go, what is skipped and why, and the instructor mistakes that stop a
run before grading."""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest

from autograder import report
from autograder.intake.submissions import materialize, scan, student_folder
from gradkit import course
from gradkit.page import md_text
from tests.kit import ROOT

A1 = "01_activations"
SOLUTION = (ROOT / "solutions" / A1 / "activations.py").read_text()
NFD_ZOE = unicodedata.normalize("NFD", "Zoë")
# ("=cmd|' /C calc'!A0" cannot be a file name, "/" separates folders: a backslash stands in)
CORRECT = ["张伟", "Иван", "Zoé", "bob", "a b", "=cmd|' \\C calc'!A0", "+1", "@x", ".hidden", "summary.md",
           "gradebook.csv", "x\ty", "Bob"]
EMPTY = ["李娜", "王芳", "Zoë", NFD_ZOE, "Zoè", " bob", "bob?", "a_b", "-x", "_under", "summary.html", "cr\rname",
         "BOB"]
ZIPPED = {"summary.md": True, "bob": False, "alice": True}  # zip stem -> correct?


def _put(root, name, correct):
    folder = root / name / A1
    folder.mkdir(parents=True)
    (folder / "activations.py").write_text(SOLUTION if correct else "import numpy as np\n")


def _zip(root, stem, correct):
    with zipfile.ZipFile(root / f"{stem}.zip", "w") as zf:
        zf.writestr(f"{A1}/activations.py", SOLUTION if correct else "import numpy as np\n")


@pytest.fixture
def klass(tmp_path):
    """A class whose names collide in every way the grader used to get wrong, plus non-students."""
    root = tmp_path / "class"
    root.mkdir()
    for name in CORRECT:
        _put(root, name, True)
    for name in EMPTY:
        _put(root, name, False)
    for stem, correct in ZIPPED.items():
        _zip(root, stem, correct)
    for junk in (".git", "__MACOSX", "__pycache__"):
        (root / junk).mkdir()
    (root / ".DS_Store").write_bytes(b"\0")
    (root / "notes.txt").write_text("not a student")
    (root / "link").symlink_to(root / "bob")
    section = root / "section2"
    for name in ("p", "q"):
        _put(section, name, True)
    return root


def expected_students():
    """{student: 100 or 0}: the NFC name, zips beside a same-named folder keep their ".zip"."""
    out = {}
    for name in CORRECT + EMPTY:
        out.setdefault(unicodedata.normalize("NFC", name), []).append(100 if name in CORRECT else 0)
    out["summary.md.zip"] = [100]
    out["bob.zip"] = [0]
    out["alice"] = [100]
    return out


def test_every_submission_is_one_row_under_its_own_name(klass):
    intake = scan(klass)
    students = [s.student for s in intake.submissions]
    assert len(students) == len(set(students)) == len(CORRECT) + len(EMPTY) + len(ZIPPED)
    assert set(expected_students()) <= set(students)  # every name exactly as on disk (NFC)
    nfd = [s for s in intake.submissions if s.path.name == NFD_ZOE]
    assert nfd[0].student != "Zoë" and "Zoë" in nfd[0].student and ascii(NFD_ZOE) in nfd[0].student
    assert any("another submission has the name" in n for n in nfd[0].notes)
    zipped = {s.student: s.path.name for s in intake.submissions if s.path.suffix == ".zip"}
    assert zipped == {"summary.md.zip": "summary.md.zip", "bob.zip": "bob.zip", "alice": "alice.zip"}


def test_three_way_collisions_stay_distinct(tmp_path):
    """Three spellings with one NFC form, and a folder, a zip and a folder named like the zip."""
    for name in ("é", "e\u0301", "x.zip"):
        (tmp_path / name).mkdir()
    (tmp_path / "x").mkdir()
    with zipfile.ZipFile(tmp_path / "x.zip.zip", "w"):
        pass
    with zipfile.ZipFile(tmp_path / "é.zip", "w"):
        pass
    subs = scan(tmp_path).submissions
    students = [s.student for s in subs]
    assert len(students) == len(set(students)) == 6
    assert {"é", "x", "x.zip", "x.zip.zip", "é.zip"} <= set(students)
    assert len({s.folder.lower() for s in subs}) == 6


def test_a_plain_name_equal_to_another_students_folder_gets_its_own(tmp_path):
    """``bob-<hash of "Bob">`` is a plain name, and exactly the folder ``Bob`` would get."""
    taken = student_folder("Bob")
    for name in ("Bob", taken, "BOB"):
        (tmp_path / name).mkdir()
    folders = [s.folder.lower() for s in scan(tmp_path).submissions]
    assert len(set(folders)) == 3 and taken in folders


def test_output_folders_are_safe_unique_and_stable(klass):
    subs = scan(klass).submissions
    folders = [s.folder for s in subs]
    assert len({f.lower() for f in folders}) == len(folders)  # unique even on a case-insensitive disk
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9_-]*", f) for f in folders), folders
    assert {s.student: s.folder for s in subs} == {s.student: s.folder for s in scan(klass).submissions}
    assert student_folder("bob") == "bob" and student_folder("Bob") != student_folder("BOB")
    assert student_folder("Bob").startswith("bob-") and student_folder("张伟") != student_folder("李娜")
    assert student_folder("con") != "con"  # a Windows device name


def test_only_what_is_clearly_not_a_student_is_skipped_and_every_skip_says_why(klass):
    skipped = dict(scan(klass).skipped)
    assert set(skipped) == {".git", "__MACOSX", "__pycache__", ".DS_Store", "notes.txt", "link", "section2"}
    assert "symbolic link" in skipped["link"] and "not a .zip" in skipped["notes.txt"]
    assert "2 submissions (p, q)" in skipped["section2"]


def test_the_bundled_class_is_six_students_and_the_notebook_class_is_skipped():
    intake = scan(ROOT / "examples")
    assert [s.student for s in intake.submissions] == ["alice", "bob", "carol", "dave", "erin", "frank"]
    assert "3 submissions (ada, ben, cy)" in dict(intake.skipped)["_notebooks"]


def _grade(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


def test_each_grade_lands_on_its_own_row(klass, tmp_path):
    out = tmp_path / "grades"
    stale = out / "students" / "gone"
    stale.mkdir(parents=True)
    (stale / "feedback.md").write_text("an earlier run")
    (out / "students" / "mine").mkdir()
    (out / "students" / "mine" / "keep.txt").write_text("not the grader's")
    proc = _grade(klass, "--out", out, "--only", "01")
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / "gradebook.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["student", A1, "total", "folder"]
    got = {}
    for student, score, _, folder in rows[1:]:
        name = student[1:] if student[:2] in ("'=", "'+", "'-", "'@", "'\t", "'\r") else student
        got.setdefault(unicodedata.normalize("NFC", name.split(" [on disk:")[0]), []).append(float(score))
        data = json.loads((out / "students" / folder / "results.json").read_text())
        assert data["extra_data"]["student"] == name and data["extra_data"]["folder"] == folder
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in expected_students().items()}
    assert not (out / "students" / "gone").exists() and "removed" in proc.stdout and "gone" in proc.stdout
    assert (out / "students" / "mine" / "keep.txt").exists() and "left alone" in proc.stdout
    summary = (out / "summary.md").read_text()
    for skipped in [md_text(n) for n in ("section2", "notes.txt", "__MACOSX", ".DS_Store")] + ["students/gone"]:
        assert skipped in summary, skipped
    assert "skipped section2" in proc.stdout and "skipped .git" in proc.stdout


@pytest.mark.parametrize("args, needle", [
    (["--only", "08"], "01_activations, 02_initialization"),
    (["--only", "0"], "matches 01_activations"),
    (["--timeout", "0"], "must be greater than 0"),
    (["--timeout", "-1"], "must be greater than 0"),
    (["--timeout", "nan"], "must be greater than 0"),
    (["--jobs", "0"], "must be greater than 0"),
])
def test_bad_options_stop_before_grading(args, needle, tmp_path):
    proc = _grade(ROOT / "examples", "--out", tmp_path / "out", *args)
    assert proc.returncode == 2 and needle in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()


def test_only_accepts_folders_modules_and_unambiguous_prefixes():
    from autograder.__main__ import resolve_only

    assert resolve_only(["01", "initializers", "03_signal_propagation", "01_act"]) == \
        ["01_activations", "02_initialization", "03_signal_propagation"]


def test_one_students_folder_is_not_taken_for_a_class(tmp_path):
    proc = _grade(ROOT / "examples" / "alice", "--out", tmp_path / "out")
    assert proc.returncode == 2 and "looks like one student's submission" in proc.stderr
    assert str(ROOT / "examples") in proc.stderr and not (tmp_path / "out").exists()


def test_an_empty_class_is_an_error_and_writes_nothing(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "README.txt").write_text("hand in here")
    proc = _grade(tmp_path / "class", "--out", tmp_path / "out")
    assert proc.returncode == 2 and "no submissions" in proc.stderr and "README.txt" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_an_output_path_that_is_a_file_or_holds_the_class_is_refused(tmp_path):
    (tmp_path / "out").write_text("a file")
    proc = _grade(ROOT / "examples", "--out", tmp_path / "out")
    assert proc.returncode == 2 and "is a file" in proc.stderr
    shutil.copytree(ROOT / "examples" / "dave", tmp_path / "grades" / "class" / "dave")
    proc = _grade(tmp_path / "grades" / "class", "--out", tmp_path / "grades")
    assert proc.returncode == 2 and "holds the submissions folder" in proc.stderr
    for inside in ("dave", "dave/grades"):  # a student's own folder is not an output folder
        proc = _grade(tmp_path / "grades" / "class", "--out", tmp_path / "grades" / "class" / inside)
        assert proc.returncode == 2 and "lies in dave" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "grades" / "class" / "dave").iterdir()) == ["01_activations"]


def test_a_module_file_is_read_no_further_than_its_limit(tmp_path):
    """A sparse 3 GB activations.py costs the judge at most MAX_NOTEBOOK + 1 bytes of memory."""
    folder = tmp_path / "class" / "huge" / "01_activations"
    folder.mkdir(parents=True)
    with open(folder / "activations.py", "wb") as fh:
        fh.truncate(3 << 30)
    program = ("import resource, sys; from pathlib import Path; from autograder.intake.submissions import scan, materialize; "
               "sub = scan(Path(sys.argv[1])).submissions[0]; "
               "materialize(sub, {'01_activations': 'activations'}, Path(sys.argv[2])); print(sub.notes); "
               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    proc = subprocess.run([sys.executable, "-c", program, tmp_path / "class", tmp_path / "files"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    notes, peak_kb = proc.stdout.splitlines()[-2:]
    assert "larger than" in notes and int(peak_kb) < 1 << 20  # well under the 3 GB a whole read takes


def test_a_second_run_on_the_same_output_refuses(tmp_path):
    out = tmp_path / "out"
    with report.locked(out):
        proc = _grade(ROOT / "examples", "--out", out)
    assert proc.returncode == 2 and "another grading run" in proc.stderr
    assert not (out / "gradebook.csv").exists()
    with report.locked(out):  # released: the lock is free again
        pass


def test_a_partial_run_never_replaces_the_grades_of_other_assignments(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "gradebook.csv").write_text("student,01_activations,02_initialization,total,folder\nbob,100,90,190,bob\n")
    proc = _grade(ROOT / "examples", "--out", out, "--only", "01")
    assert proc.returncode == 2 and "already holds grades of 02_initialization" in proc.stderr
    assert "02_initialization" in (out / "gradebook.csv").read_text()  # the record is intact


def test_names_that_are_not_utf8_are_graded_and_shown_escaped(tmp_path):
    """Linux allows any bytes in a file name; such a student (and a stray file of that kind in a
    student's folder) is graded and written as \\xff text, and the run writes its gradebook."""
    root = tmp_path / "class"
    root.mkdir()
    bad = os.fsdecode(os.fsencode(str(root)) + b"/bad\xffname")
    shutil.copytree(ROOT / "examples" / "dave", bad)
    shutil.copytree(ROOT / "examples" / "dave", root / "dave")
    (root / "dave" / "01_activations" / os.fsdecode(b"scratch\xfe.py")).write_text("x = 1\n")
    proc = _grade(root, "--out", tmp_path / "out", "--only", "01")
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {r["student"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open(encoding="utf-8"))}
    assert rows["bad\\xffname"]["01_activations"] == rows["dave"]["01_activations"] == "100"


@pytest.mark.parametrize("folder", ["assignments", "solutions", "source"])
def test_the_kits_own_folders_are_named_for_what_they_are(folder, tmp_path):
    """``grade assignments`` once suggested grading the kit's own root as the class."""
    proc = _grade(ROOT / folder, "--out", tmp_path / "out")
    assert proc.returncode == 2 and "the kit's" in proc.stderr and "not a class" in proc.stderr, proc.stderr
    assert f"grade {ROOT / 'examples'}" in proc.stderr and f"grade {ROOT}\n" not in proc.stderr + "\n"
    assert not (tmp_path / "out").exists()


# --- reading a hand-in: every read guarded, expected paths first ------------------------------------

SEVEN = {a.folder: a.module for a in course.available()}
SOLVED = {f: (ROOT / "solutions" / f / f"{m}.py").read_bytes() for f, m in SEVEN.items()}
LAST = list(SEVEN)[-1]
LAST_ENTRY = f"{LAST}/{SEVEN[LAST]}.py"


def _seven_zip(path, method=zipfile.ZIP_DEFLATED, before=()):
    with zipfile.ZipFile(path, "w", method) as zf:
        for name in before:
            zf.writestr(name, b"")
        for f, m in SEVEN.items():
            zf.writestr(f"{f}/{m}.py", SOLVED[f])


def _patch_entry(path, entry, local=None, central=None, data=None):
    """Rewrite bytes of one zip entry: ``local``/``central`` {offset in its header: bytes},
    ``data`` a function of its stored bytes (same length)."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(entry)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for off, b in (local or {}).items():
        raw[info.header_offset + off:info.header_offset + off + len(b)] = b
    if data:
        raw[start:start + info.compress_size] = data(bytes(raw[start:start + info.compress_size]))
    name, at = entry.encode(), raw.find(b"PK\x01\x02")
    while at >= 0:
        if raw[at + 46:at + 46 + len(name)] == name:
            for off, b in (central or {}).items():
                raw[at + off:at + off + len(b)] = b
        at = raw.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(raw))


def _flip(data):
    return bytes(b ^ 0xFF if 10 <= i < 60 else b for i, b in enumerate(data))


DAMAGE = {  # zip -> (how it is damaged, words the note on LAST_ENTRY says)
    "broken_deflate": (lambda p: _patch_entry(p, LAST_ENTRY, data=_flip), "damaged"),
    "bad_crc": (lambda p: _patch_entry(p, LAST_ENTRY, data=lambda d: d[:-1] + bytes([d[-1] ^ 1])), "damaged"),
    "encrypted": (lambda p: _patch_entry(p, LAST_ENTRY, local={6: b"\x01"}, central={8: b"\x01"}), "encrypted"),
    "unknown_method": (lambda p: _patch_entry(p, LAST_ENTRY, local={8: b"\x09\x00"}, central={10: b"\x09\x00"}),
                       "compressed with a method"),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_one_unreadable_zip_entry_costs_its_own_assignment(case, tmp_path):
    damage, words = DAMAGE[case]
    (tmp_path / "class").mkdir()
    path = tmp_path / "class" / "s.zip"
    _seven_zip(path, zipfile.ZIP_STORED if case == "bad_crc" else zipfile.ZIP_DEFLATED)
    damage(path)
    sub = scan(tmp_path / "class").submissions[0]
    files = materialize(sub, SEVEN, tmp_path / "files")
    assert sorted(files) == [f for f in SEVEN if f != LAST], sub.notes
    (note,) = [n for n in sub.notes if LAST_ENTRY in n]
    assert words in note and "not graded" in note, note


def test_a_truncated_zip_says_so(tmp_path):
    (tmp_path / "class").mkdir()
    path = tmp_path / "class" / "s.zip"
    _seven_zip(path)
    path.write_bytes(path.read_bytes()[:-100])  # its list of entries cut off
    sub = scan(tmp_path / "class").submissions[0]
    assert materialize(sub, SEVEN, tmp_path / "files") == {}
    assert any("could not read the submission" in n and "damaged" in n for n in sub.notes), sub.notes


def test_junk_before_the_modules_costs_nothing(tmp_path):
    (tmp_path / "class").mkdir()
    _seven_zip(tmp_path / "class" / "s.zip", before=[f"data/{i}.txt" for i in range(6000)])
    sub = scan(tmp_path / "class").submissions[0]
    assert sorted(materialize(sub, SEVEN, tmp_path / "files")) == list(SEVEN), sub.notes


def _as_nobody(fn, *args):
    """``fn(*args)`` (JSON-able) in a child process run as user and group 65534 when this one is
    root (as most instructors grade: not as root), else as this user."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        os.close(r)
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setresgid(65534, 65534, 65534)
                os.setresuid(65534, 65534, 65534)
            out = json.dumps(fn(*args)).encode()
        except BaseException as exc:  # noqa: BLE001
            out = json.dumps({"error": repr(exc)}).encode()
        while out:
            out = out[os.write(w, out):]
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 1 << 16):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data)


def _intake(root):
    """{student: ([folders with a file to grade], notes)} of the class at ``root``."""
    import tempfile

    out = {}
    for sub in scan(Path(root)).submissions:
        with tempfile.TemporaryDirectory() as tmp:
            out[sub.student] = (sorted(materialize(sub, SEVEN, Path(tmp))), sub.notes)
    return out


@pytest.fixture
def shared_tmp():
    """A folder user 65534 can read (pytest's own is its owner's alone)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="gradkit-intake-"))
    path.chmod(0o755)
    yield path
    for p in path.rglob("*"):
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o755)
    shutil.rmtree(path)


def test_an_unreadable_folder_or_file_costs_only_what_it_holds(shared_tmp):
    root = shared_tmp / "class"
    for student in ("private_folder", "private_file", "locked"):
        for f, m in SEVEN.items():
            (root / student / f).mkdir(parents=True)
            (root / student / f / f"{m}.py").write_bytes(SOLVED[f])
    (root / "private_folder" / "zz_private").mkdir()
    (root / "private_folder" / "zz_private" / "x.py").write_text("x = 1\n")
    (root / "private_folder" / "zz_private").chmod(0)
    (root / "private_file" / LAST_ENTRY).chmod(0)
    (root / "locked").chmod(0)
    as_root = _intake(root)  # warms every import the child needs, too
    got = _as_nobody(_intake, str(root))
    assert "error" not in got, got
    assert got["private_folder"][0] == list(SEVEN) and any("zz_private/" in n for n in got["private_folder"][1])
    if os.geteuid() == 0:  # root reads everything: the same hand-ins are whole
        assert as_root["private_file"][0] == as_root["locked"][0] == list(SEVEN)
    assert got["private_file"][0] == [f for f in SEVEN if f != LAST]
    assert any(LAST_ENTRY in n and "PermissionError" in n for n in got["private_file"][1]), got["private_file"]
    assert got["locked"][0] == [] and any("could not be read" in n for n in got["locked"][1])
