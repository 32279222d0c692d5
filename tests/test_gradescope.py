"""The Gradescope autograder package (`make gradescope`): what the zip holds, run_autograder run in
a temporary folder standing in for /autograder (setup.sh is not run: no network; the current
interpreter stands in for /autograder/venv), and results.json checked against Gradescope's format
for every kind of submission in examples/. The one-assignment zip (`--assignment 04_batchnorm`)
grades every shape of upload a student may hand in for that homework out of 100."""

import json
import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.build import classroom, gradescope
from gradkit import course as assignments
from autograder.build.release import remove_markers
from tests.kit import ROOT, all_checks, source_file

AVAILABLE = assignments.available()
CHECKS = {a.folder: all_checks(a) for a in AVAILABLE}
N_CHECKS = sum(len(c) for c in CHECKS.values())
SOLUTION = {a.folder: remove_markers(source_file(a).read_text()) for a in AVAILABLE}
STUDENTS = ("alice", "bob", "carol", "dave", "erin", "frank")


def schema_problems(data) -> list[str]:
    """The hand-written checker, and jsonschema on the same schema when it is installed."""
    problems = gradescope.validate_results(data)
    try:
        import jsonschema
    except ImportError:
        return problems
    validator = jsonschema.Draft202012Validator(gradescope.RESULTS_SCHEMA)
    return problems + [f"jsonschema: {e.message}" for e in validator.iter_errors(data)]


# --- the zip ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def package(tmp_path_factory):
    return gradescope.build(tmp_path_factory.mktemp("dist"))


def test_zip_has_the_two_scripts_at_its_root_and_the_grader(package):
    assert package.name == "autograder.zip"
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        config = json.loads(zf.read("gradkit.json"))
    for name in ("setup.sh", "run_autograder", "gradkit.json", "pyproject.toml", "constraints.txt",
                 "autograder/__main__.py", "autograder/grade.py", "autograder/sandbox/judge.py", "autograder/sandbox/runner.py",
                 "autograder/build/gradescope.py", "gradkit/protocol.py", "gradkit/core.py"):
        assert name in names, name
    for a in AVAILABLE:  # public and hidden checks of every assignment
        assert f"source/{a.folder}/checks.py" in names
        assert f"source/{a.folder}/hidden.py" in names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert config["hidden_visibility"] == "after_due_date"
    assert config["assignments"] == [a.folder for a in AVAILABLE]


def test_readme_says_what_the_zip_holds(package):
    """The README's list of the zip's top level is the built zip's, and source/ holds only checks."""
    text = (ROOT / "README.md").read_text()
    listed = re.search(r"The zip holds \(its top level\): (.*?) and `source/`", text, re.S).group(1)
    said = set(re.findall(r"`([^`]+)`", listed)) | {"source/"}
    with zipfile.ZipFile(package) as zf:
        names = zf.namelist()
    top = {n.split("/")[0] + ("/" if "/" in n else "") for n in names}
    assert said == top, (said, top)
    assert {n.rsplit("/", 1)[-1] for n in names if n.startswith("source/") and not n.endswith("/")} == \
        {"checks.py", "hidden.py"}


def test_zip_holds_no_solutions_tests_or_examples(package):
    with zipfile.ZipFile(package) as zf:
        names = zf.namelist()
        blob = b"\n".join(zf.read(n) for n in names)
    assert {n.split("/")[0] for n in names} <= {"setup.sh", "run_autograder", "gradkit.json", "pyproject.toml",
                                               "constraints.txt", "autograder", "gradkit", "source"}
    assert {n.rsplit("/", 1)[-1] for n in names if n.startswith("source/")} == {"checks.py", "hidden.py"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    package_files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "autograder").rglob("*.py")
                     if "__pycache__" not in p.parts}
    assert package_files <= set(names)  # the whole grader (in the tests the checkout could fill a gap)
    for a in AVAILABLE:  # not a single solution file, whatever its name
        assert SOLUTION[a.folder].encode() not in blob
        assert (ROOT / "solutions" / a.folder / f"{a.module}.py").read_bytes() not in blob


def test_setup_sh_installs_the_pinned_cpu_torch(package, tmp_path):
    with zipfile.ZipFile(package) as zf:
        setup = zf.read("setup.sh").decode()
        (tmp_path / "setup.sh").write_bytes(zf.read("setup.sh"))
        (tmp_path / "run_autograder").write_bytes(zf.read("run_autograder"))
    for script in ("setup.sh", "run_autograder"):  # bash accepts them (not run: setup.sh needs the network)
        assert subprocess.run(["bash", "-n", str(tmp_path / script)]).returncode == 0
    assert "python3 -m venv" in setup and '-c "$SRC/constraints.txt"' in setup
    assert "--index-url https://download.pytorch.org/whl/cpu" in setup and "bubblewrap" in setup
    pinned = (ROOT / "constraints.txt").read_text()
    for dep in gradescope.RUNTIME:
        assert f"\n{dep}==" in pinned and f" {dep}" in setup, dep


def test_the_zip_is_reproducible_and_visibility_configurable(package, tmp_path):
    assert gradescope.build(tmp_path / "again").read_bytes() == package.read_bytes()
    hidden = gradescope.build(tmp_path / "hidden", hidden_visibility="hidden")
    with zipfile.ZipFile(hidden) as zf:
        assert json.loads(zf.read("gradkit.json"))["hidden_visibility"] == "hidden"
    with pytest.raises(ValueError):
        gradescope.build(tmp_path / "bad", hidden_visibility="sometimes")


# --- run_autograder in a temporary /autograder ----------------------------------------------------

def install(package: Path, root: Path) -> Path:
    """What Gradescope does with the zip (minus setup.sh): source/, run_autograder, submission/."""
    with zipfile.ZipFile(package) as zf:
        zf.extractall(root / "source")
        for info in zf.infolist():
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777 or 0o644)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    return root


def run_autograder(root: Path, python: str = sys.executable, env: dict | None = None):
    """run_autograder as Gradescope runs it. The sandbox may take half the zip's time limit to start
    (gradescope.start_timeout: 270 s of the default 540), so a busy machine costs time, not a fallback."""
    proc = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "GRADKIT_AUTOGRADER_ROOT": str(root), "GRADKIT_PYTHON": python,
                               **(env or {})})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text()), proc.stdout + proc.stderr


def _correct(root):
    for a in AVAILABLE:
        path = root / "submission" / a.folder / f"{a.module}.py"
        path.parent.mkdir(parents=True)
        path.write_text(SOLUTION[a.folder])
    if shutil.which("bwrap"):  # and a bubblewrap that cannot start, as in a container without namespaces
        _bwrap_stub(root, "echo 'bwrap: No permissions to create new namespace' >&2; exit 1")


def _bwrap_stub(root, body):
    """bubblewrap on the run's PATH as a script that runs ``body``, then the real one."""
    (root / "bin").mkdir()
    (root / "bin" / "bwrap").write_text(f"#!/bin/sh\n{body}\nexec {shutil.which('bwrap')} \"$@\"\n")
    (root / "bin" / "bwrap").chmod(0o755)


OLD_START_DEADLINE = 60  # seconds the runner pool had to start before it was taken for a missing sandbox


def _slow_start(root):
    """One correct assignment, and a bubblewrap that sleeps past the old start deadline first: a
    busy container, forced. (The zip's time limit, 540 s, gives the start 270 s.)"""
    first = AVAILABLE[0]
    path = root / "submission" / first.folder / f"{first.module}.py"
    path.parent.mkdir(parents=True)
    path.write_text(SOLUTION[first.folder])
    _bwrap_stub(root, f"sleep {OLD_START_DEADLINE + 5}")


def _broken_zip(root):
    """One uploaded zip with a top folder: a syntax error, a torch import, a '..' entry, one good file."""
    first, good, last = AVAILABLE[0], AVAILABLE[1], AVAILABLE[-1]
    with zipfile.ZipFile(root / "submission" / "hw.zip", "w") as zf:
        zf.writestr(f"hw/{first.folder}/{first.module}.py",
                    re.sub(r"^(def \w+\(.*\)):", r"\1", SOLUTION[first.folder], count=1, flags=re.M))
        zf.writestr(f"hw/{good.folder}/{good.module}.py", SOLUTION[good.folder])
        zf.writestr(f"hw/{last.folder}/{last.module}.py", "import torch\n" + SOLUTION[last.folder])
        zf.writestr(f"../{first.module}.py", SOLUTION[first.folder])


def grade_examples(out: Path) -> Path:
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(ROOT / "examples"), "--out", str(out),
                           "--jobs", "2", "--hidden-visibility", "after_published", "--start-timeout", "600"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def runs(package, tmp_path_factory):
    """Every run_autograder case and the grading of examples/, side by side (each starts torch)."""
    cases = {}

    def case(name, prepare=None, **kw):
        root = install(package, tmp_path_factory.mktemp(name))
        if prepare:
            prepare(root)
        cases[name] = (root, kw)

    case("correct", _correct)
    case("broken", _broken_zip, env={"GRADKIT_HIDDEN_VISIBILITY": "hidden"})
    case("crash", lambda root: (root / "source" / "autograder" / "grade.py").write_text("raise RuntimeError('bug')\n"))
    case("no_python", python="/nonexistent/python3")
    if shutil.which("bwrap"):
        case("slow_start", _slow_start)

    def go(name):
        root, kw = cases[name]
        if (root / "bin").is_dir():
            kw = {**kw, "env": {"PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}"}}
        return name, run_autograder(root, **kw)

    with ThreadPoolExecutor(4) as pool:  # the slow start mostly sleeps
        examples = pool.submit(grade_examples, tmp_path_factory.mktemp("grades"))
        done = dict(pool.map(go, cases))
        done["examples"] = examples.result()
    return done


def test_correct_submission_scores_full_marks(runs):
    data, log = runs["correct"]
    assert not schema_problems(data)
    assert data["score"] == pytest.approx(100 * len(AVAILABLE))
    assert len(data["tests"]) == N_CHECKS and all(t["status"] == "passed" for t in data["tests"])
    hidden = {t["name"] for t in data["tests"] if t["visibility"] != "visible"}
    assert hidden and {t["visibility"] for t in data["tests"] if t["name"] in hidden} == {"after_due_date"}
    assert "isolation:" in log and "/source/autograder" in log  # the zip's grader ran, not the checkout's
    if shutil.which("bwrap"):  # bubblewrap cannot start: said so, with its reason, and graded again
        assert "bubblewrap cannot start in this container (not a slow start" in log
        assert "could not start" in log and "No permissions to create new namespace" in log
        assert "grading again with the runner's own namespaces" in log


@pytest.mark.skipif(not shutil.which("bwrap"), reason="needs bubblewrap")
def test_a_slow_start_is_waited_for_not_graded_again_without_bubblewrap(runs):
    data, log = runs["slow_start"]
    assert not schema_problems(data)
    assert data["score"] == pytest.approx(100), data["output"][-500:]
    assert "grading again" not in log and "bubblewrap;" in log  # graded in bubblewrap, the first time
    seconds = float(re.search(r"runner pool started in ([0-9.]+) s", log).group(1))
    assert seconds > OLD_START_DEADLINE


def test_broken_zip_submission_gets_credit_only_where_due(runs):
    data, log = runs["broken"]
    assert not schema_problems(data)
    first, good, last = AVAILABLE[0], AVAILABLE[1], AVAILABLE[-1]
    assert data["score"] == pytest.approx(100) and len(data["tests"]) == N_CHECKS
    assert "uploaded zip" in log and "grading again" not in log
    out = {t["name"].split(" / ")[0]: t["output"] for t in data["tests"] if t["status"] == "failed"}
    assert "SyntaxError" in out[first.folder] and "imports torch" in out[last.folder] and good.folder not in out
    assert "refused zip entry" in data["output"]
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert hidden and all(t["visibility"] == "hidden" for t in hidden)  # GRADKIT_HIDDEN_VISIBILITY


def test_a_crashing_grader_still_writes_valid_results(runs):
    for name, needle in (("crash", "RuntimeError: bug"), ("no_python", "exited with status")):
        data, _ = runs[name]
        assert not schema_problems(data), name
        assert data["score"] == 0 and data["tests"] == [] and needle in data["output"], name


# --- results.json of every kind of submission in examples/ -------------------------------------------

@pytest.mark.parametrize("student", STUDENTS)
def test_results_json_of_every_example_follows_gradescope_schema(runs, student):
    data = json.loads((runs["examples"] / "students" / student / "results.json").read_text())
    assert not schema_problems(data)
    assert len(data["tests"]) == N_CHECKS
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(100 * len(AVAILABLE))
    assert {t["visibility"] for t in data["tests"]} == {"visible", "after_published"}  # --hidden-visibility


def test_the_schema_checker_rejects_what_gradescope_would():
    good = {"score": 3, "execution_time": 1.5, "output": "", "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [{"name": "a", "score": 3, "max_score": 4, "status": "failed", "output": "x",
                       "visibility": "after_due_date"}]}
    assert not schema_problems(good)
    bad = [
        {k: v for k, v in good.items() if k != "tests"},
        {**good, "score": math.nan},
        {**good, "score": True},
        {**good, "visibility": "later"},
        {**good, "tests": [{**good["tests"][0], "status": "ok"}]},
        {**good, "tests": [{**good["tests"][0], "score": 5}], "score": 5},
        {**good, "tests": [{**good["tests"][0], "name": 7}]},
        {**good, "score": 2},  # not the sum of the tests
        [good],
    ]
    for doc in bad:
        assert gradescope.validate_results(doc), doc
    assert not gradescope.validate_results(gradescope.error_results("boom"))


# --- one assignment per zip: `--assignment 04_batchnorm` ----------------------------------------------

ONE = assignments.by_folder("04_batchnorm")


@pytest.fixture(scope="module")
def one_package(tmp_path_factory):
    return gradescope.build(tmp_path_factory.mktemp("dist_one"), assignment="04")  # a number is enough


def test_one_assignment_zip_holds_that_assignment_only(package, one_package):
    assert one_package.name == "04_batchnorm.zip"
    with zipfile.ZipFile(one_package) as zf:
        names = set(zf.namelist())
        config = json.loads(zf.read("gradkit.json"))
    with zipfile.ZipFile(package) as zf:
        everything = set(zf.namelist())
    assert config["assignments"] == [ONE.folder]
    assert {n for n in names if n.startswith("source/")} == {f"source/{ONE.folder}/checks.py",
                                                            f"source/{ONE.folder}/hidden.py"}
    assert names == {n for n in everything if not n.startswith("source/") or n.startswith(f"source/{ONE.folder}/")}
    assert gradescope.choose("batchnorm") == gradescope.choose("04_batchnorm") == ONE  # module, folder
    with pytest.raises(SystemExit, match="is not an assignment"):
        gradescope.choose("99")
    with pytest.raises(SystemExit, match="matches"):  # ambiguous
        gradescope.choose("0")


def _notebook_with_solution() -> bytes:
    return (ROOT / "solutions" / ONE.folder / f"{ONE.folder}.ipynb").read_bytes()


def _upload_file_at_root(sub):
    (sub / f"{ONE.module}.py").write_text(SOLUTION[ONE.folder])


def _upload_renamed_notebook(sub):
    (sub / f"Copy of {ONE.folder}.ipynb").write_bytes(_notebook_with_solution())


def _upload_zip(sub):
    """A zip of the released folder, the stub replaced by the solution (the notebook still a stub)."""
    with zipfile.ZipFile(sub / "hw4.zip", "w") as zf:
        for path in sorted((ROOT / "assignments" / ONE.folder).iterdir()):
            data = SOLUTION[ONE.folder].encode() if path.name == f"{ONE.module}.py" else path.read_bytes()
            zf.writestr(f"{ONE.folder}/{path.name}", data)


def _upload_classroom_repository(sub):
    """A student's repository made from the one-assignment Classroom template (as Gradescope copies
    a GitHub repository in): the assignment folder inside, the vendored engine and checks beside it."""
    repo = classroom.build(sub.parent / "repo", assignment=ONE.folder)
    (repo / ONE.folder / f"{ONE.module}.py").write_text(SOLUTION[ONE.folder])
    shutil.rmtree(sub)
    shutil.copytree(repo, sub)


def _upload_repository_with_file_at_top(sub):
    (sub / "README.md").write_text("# my batch norm\n")
    (sub / ".github" / "workflows").mkdir(parents=True)
    (sub / f"{ONE.module}.py").write_text(SOLUTION[ONE.folder])
    (sub / "test_mine.py").write_text("import batchnorm\n")


UPLOADS = {"file_at_root": _upload_file_at_root, "renamed_notebook": _upload_renamed_notebook,
           "zip": _upload_zip, "classroom_repository": _upload_classroom_repository,
           "repository_file_at_top": _upload_repository_with_file_at_top}


def _upload_text_only(sub):
    (sub / "answers.txt").write_text("batchnorm: see my notebook\n")


NOT_GRADED = {"text_only": _upload_text_only}


@pytest.fixture(scope="module")
def one_runs(one_package, tmp_path_factory):
    roots = {}
    for name, prepare in {**UPLOADS, **NOT_GRADED}.items():
        roots[name] = install(one_package, tmp_path_factory.mktemp(name))
        prepare(roots[name] / "submission")
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(roots, pool.map(run_autograder, roots.values())))


@pytest.mark.parametrize("upload", sorted(UPLOADS))
def test_one_assignment_zip_grades_each_upload_out_of_100(one_runs, upload):
    data, log = one_runs[upload]
    assert not schema_problems(data)
    n_checks = len(CHECKS[ONE.folder])
    assert len(data["tests"]) == n_checks and {t["name"].split(" / ")[0] for t in data["tests"]} == {ONE.folder}
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(100)  # the assignment's points
    assert data["score"] == pytest.approx(100), [t["name"] for t in data["tests"] if t["status"] == "failed"]
    assert "not submitted" not in data["output"]
    if upload in ("file_at_root", "repository_file_at_top"):
        assert f"graded as {ONE.folder}/{ONE.module}.py" in log
    if upload == "renamed_notebook":
        assert f"Copy of {ONE.folder}.ipynb is graded as {ONE.folder}'s notebook" in log


def test_an_upload_with_nothing_to_grade_is_told_what_it_held_and_what_is_taken(one_runs):
    data, _ = one_runs["text_only"]
    assert not schema_problems(data) and data["score"] == 0 and data["tests"]
    for t in data["tests"]:
        out = t["output"]
        assert "not submitted" in out and "which holds answers.txt" in out, out
        assert f"{ONE.module}.py" in out and f"{ONE.folder}.ipynb" in out and "a zip or a repository" in out, out
