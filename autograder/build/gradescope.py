"""The kit as a Gradescope autograder: ``python -m autograder.build.gradescope`` builds
``dist/gradescope/autograder.zip`` (every assignment, out of 100 each), and
``python -m autograder.build.gradescope --assignment 04_batchnorm`` builds
``dist/gradescope/04_batchnorm.zip``, which grades that assignment alone, out of 100 (a course makes
one Gradescope assignment per homework); inside Gradescope's container ``run_autograder`` calls
``python -m autograder.build.gradescope run``.

Gradescope's autograder specification: the zip holds ``setup.sh`` (run once, as root, when the
image is built on Ubuntu) and ``run_autograder`` (run once per submission, working directory
``/autograder``); the zip is unpacked into ``/autograder/source``, the student's files arrive in
``/autograder/submission`` and the result must be written to ``/autograder/results/results.json``.

What the zip holds: this package (the sandboxed runner, the reports), the check engine
``gradkit/`` and the public and hidden checks (``source/<folder>/checks.py``, ``hidden.py``:
``bundle.files(hidden=True)``) of every assignment, or of the one assignment it grades (then the
engine's registry knows that one only), ``pyproject.toml``, ``constraints.txt``, ``setup.sh``,
``run_autograder`` and ``gradkit.json`` (settings: the assignments graded, the visibility of the
hidden checks, the per-call timeout). Never solutions/, tests/, examples/, assignments/, nor any
other file of source/.

One container is one student: ``run`` lays ``/autograder/submission`` out as
``SUBMISSIONS/student/`` (or ``SUBMISSIONS/student.zip`` when the student uploaded a single zip),
runs the same ``python -m autograder grade`` as ``make grade`` (same checks, same sandbox:
bubblewrap when it can start in the container, the runner's own namespaces otherwise) and copies
that student's ``results.json`` to ``results/results.json``. A slow start (a busy container) is
waited for, up to half the time limit (``start_timeout``), and is never taken for a sandbox that
cannot start: only one that stops (exit status 3) is graded again without bubblewrap; one still
starting at the deadline (status 5) gets an error result saying so. Whatever goes wrong, a valid results.json with
score 0 and the error in ``output`` is written (``run_autograder`` writes one itself if Python
cannot even start).

What a student may upload to a one-assignment zip (``lay_out``, then the grader's intake, which
looks for ``<module>.py`` in any folder and for the assignment's notebook): the single module file
(``batchnorm.py``) at the upload's root, the notebook (``04_batchnorm.ipynb``, or the only notebook
of the upload whatever its name, e.g. ``Copy of 04_batchnorm.ipynb``), a zip of either or of the
assignment folder, or a GitHub repository (Gradescope copies it into the submission folder: the
Classroom template with the assignment folder inside, or the file at the top).

``GRADKIT_AUTOGRADER_ROOT`` replaces ``/autograder`` (the kit's tests run the whole package in a
temporary folder) and ``GRADKIT_PYTHON`` the interpreter (default ``/autograder/venv/bin/python``,
the virtual environment ``setup.sh`` creates).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import autograder
from gradkit import course as assignments
from gradkit import references
from gradkit.course import KIT
from gradkit.files import atomic_path, write_atomic
from gradkit.visible import visible
from .. import templates
from ..report import DEFAULT_VISIBILITY, HIDDEN_VISIBILITY
from ..intake.student_text import find_notebook
from ..sandbox.judge import CALL_TIMEOUT
from . import bundle

PACKAGE = Path(autograder.__file__).resolve().parent  # the grader, shipped whole in the zip
CONFIG = "gradkit.json"
DEFAULTS = {"hidden_visibility": DEFAULT_VISIBILITY, "timeout": CALL_TIMEOUT, "time_limit": 540}
# what `python -m autograder grade` imports; setup.sh installs these, pinned by constraints.txt
RUNTIME = ("numpy", "torch", "matplotlib", "rich")
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis"}

# --- results.json: Gradescope's format, as a JSON Schema and as a checker without dependencies ---

_NUMBER = {"type": "number"}
RESULTS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Gradescope autograder results.json (the fields gradkit writes)",
    "type": "object",
    "required": ["score", "execution_time", "output", "visibility", "stdout_visibility", "tests"],
    "properties": {
        "score": _NUMBER,
        "execution_time": _NUMBER,
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": {"enum": list(HIDDEN_VISIBILITY)},
        "stdout_visibility": {"enum": list(HIDDEN_VISIBILITY)},
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "output", "visibility"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "score": _NUMBER,
                    "max_score": _NUMBER,
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "visibility": {"enum": list(HIDDEN_VISIBILITY)},
                    "number": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "extra_data": {"type": "object"},
                },
            },
        },
    },
}


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def validate_results(data) -> list[str]:
    """Every way ``data`` breaks RESULTS_SCHEMA, plus what a schema cannot say (finite numbers,
    0 <= score <= max_score, the total is the sum of the tests); [] when it is valid."""
    problems = []
    if not isinstance(data, dict):
        return ["results.json is not a JSON object"]

    def check(obj, schema, where):
        for key in schema.get("required", []):
            if key not in obj:
                problems.append(f"{where}: missing {key!r}")
        for key, rule in schema["properties"].items():
            if key not in obj:
                continue
            value, at = obj[key], f"{where}.{key}"
            if rule.get("type") == "number" and not _is_number(value):
                problems.append(f"{at}: {value!r} is not a finite number")
            elif rule.get("type") == "string" and not isinstance(value, str):
                problems.append(f"{at}: {value!r} is not a string")
            elif rule.get("type") == "string" and len(value) < rule.get("minLength", 0):
                problems.append(f"{at}: empty")
            elif rule.get("type") == "object" and not isinstance(value, dict):
                problems.append(f"{at}: not an object")
            elif "enum" in rule and value not in rule["enum"]:
                problems.append(f"{at}: {value!r} is not one of {rule['enum']}")
            elif rule.get("type") == "array" and not isinstance(value, list):
                problems.append(f"{at}: not a list")
            elif key == "tags" and not all(isinstance(v, str) for v in value):
                problems.append(f"{at}: not a list of strings")

    check(data, RESULTS_SCHEMA, "results")
    tests = data.get("tests")
    if isinstance(tests, list):
        item = RESULTS_SCHEMA["properties"]["tests"]["items"]
        for i, t in enumerate(tests):
            if not isinstance(t, dict):
                problems.append(f"tests[{i}]: not an object")
                continue
            check(t, item, f"tests[{i}]")
            if _is_number(t.get("score")) and _is_number(t.get("max_score")) \
                    and not 0 <= t["score"] <= t["max_score"]:
                problems.append(f"tests[{i}]: score {t['score']} outside 0..{t['max_score']}")
        if tests and _is_number(data.get("score")) and all(isinstance(t, dict) and _is_number(t.get("score"))
                                                          for t in tests):
            if abs(sum(t["score"] for t in tests) - data["score"]) > 1e-6 * max(1.0, abs(data["score"])):
                problems.append("score is not the sum of the tests' scores")
    return problems


def error_results(message: str, seconds: float = 0.0, extra: dict | None = None) -> dict:
    """A valid results.json for a submission that could not be graded: score 0, the reason."""
    return {"score": 0, "execution_time": round(seconds, 3),
            "output": "The autograder could not grade this submission, so it scores 0 for now. "
                      "Resubmit; if this happens again, tell your instructor (the error is below).\n\n"
                      + visible(message),
            "visibility": "visible", "stdout_visibility": "hidden", "tests": [], "extra_data": extra or {}}


# --- the package -----------------------------------------------------------------------------------


def _package_files(folders: list[str]) -> list[tuple[str, Path]]:
    """(name in the zip, file) for the grading package, the checks of ``folders`` and the project files."""
    files = []
    for path in sorted(PACKAGE.rglob("*")):
        rel = path.relative_to(KIT)
        if path.is_file() and not SKIP_PARTS & set(rel.parts) and path.suffix not in (".pyc", ".pyo"):
            files.append((rel.as_posix(), path))
    course_dir = bundle.COURSE_NAME + "/"
    files += [(name, path) for name, path in bundle.files(hidden=True)
              if not name.startswith(course_dir) or name.split("/")[1] in folders]
    for name in ("pyproject.toml", "constraints.txt"):
        files.append((name, KIT / name))
    return files


def choose(name: str) -> assignments.Assignment:
    """The assignment ``name`` names (``gradkit.course.named``: a folder, a module or a number such
    as ``04``). SystemExit listing the assignments otherwise."""
    try:
        return assignments.named(name)
    except ValueError as exc:
        raise SystemExit(f"--assignment {exc}") from None


def zip_name(assignment: str | None) -> str:
    """``autograder.zip`` for every assignment, ``<folder>.zip`` for one."""
    return f"{choose(assignment).folder}.zip" if assignment else "autograder.zip"


def config_for(hidden_visibility: str, timeout: float, assignment: str | None = None) -> dict:
    if hidden_visibility not in HIDDEN_VISIBILITY:
        raise ValueError(f"hidden visibility must be one of {', '.join(HIDDEN_VISIBILITY)}")
    graded = [choose(assignment)] if assignment else assignments.available()
    return {**DEFAULTS, "hidden_visibility": hidden_visibility, "timeout": timeout,
            "assignments": [a.folder for a in graded],
            "_comment": "assignments: the assignments graded, 100 points each. "
                        "hidden_visibility: after_due_date (students see the hidden checks' results "
                        "after the due date), after_published, hidden (never) or visible (at once). "
                        "timeout: seconds for one call of a student's function. time_limit: seconds for "
                        "the whole run (set Gradescope's own limit above it)."}


def build(dest: Path, hidden_visibility: str = DEFAULT_VISIBILITY, timeout: float = CALL_TIMEOUT,
          assignment: str | None = None) -> Path:
    """Write ``dest/autograder.zip`` (every assignment), or ``dest/<folder>.zip`` grading only
    ``assignment`` (``choose``); files at the root, as Gradescope wants. Returns its path."""
    config = config_for(hidden_visibility, timeout, assignment)
    entries: list[tuple[str, bytes, int]] = [
        ("setup.sh", templates.text("setup.sh").replace("__RUNTIME__", " ".join(RUNTIME)).encode(), 0o755),
        ("run_autograder", templates.text("run_autograder").encode(), 0o755),
        (CONFIG, (json.dumps(config, indent=1) + "\n").encode(), 0o644),
    ]
    entries += [(name, path.read_bytes(), 0o644) for name, path in _package_files(config["assignments"])]
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / zip_name(assignment)
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:  # fixed dates: the same kit gives the same zip
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | mode) << 16
            info.create_system = 3  # unix, so the modes count
            zf.writestr(info, data)
    return target


# --- inside Gradescope's container -------------------------------------------------------------------

def load_config(source: Path) -> dict:
    config = dict(DEFAULTS)
    try:
        config.update(json.loads((source / CONFIG).read_text()))
    except FileNotFoundError:
        pass
    if os.environ.get("GRADKIT_HIDDEN_VISIBILITY"):
        config["hidden_visibility"] = os.environ["GRADKIT_HIDDEN_VISIBILITY"]
    if config["hidden_visibility"] not in HIDDEN_VISIBILITY:
        raise ValueError(f"{CONFIG}: hidden_visibility {config['hidden_visibility']!r} is not one of "
                         f"{', '.join(HIDDEN_VISIBILITY)}")
    return config


GRADED_SUFFIXES = (".py", ".ipynb")  # what the grader reads from an upload (a module or a notebook)


def lay_out(submission: Path, submissions: Path, student: str = "student", only: str | None = None) -> str:
    """Copy Gradescope's submission folder into the grader's layout; returns what was done.

    A single uploaded zip (and no .py or .ipynb file beside it) becomes ``<student>.zip``, for the
    grader's safe unzipping; anything else is copied as ``<student>/``: directories, .py files and
    notebooks, and every other regular file by its name alone (empty: the grader reads only .py and
    .ipynb files, and says what an upload with none of them held), symbolic links kept as links
    (the grader never follows them). When the zip
    grades one assignment (``only``, its folder), a module file at the upload's top
    (``batchnorm.py``) is where that assignment expects it, and one notebook that the intake would
    not recognise by its name (``Copy of 04_batchnorm.ipynb``) is graded as that assignment's
    notebook (``_one_assignment``).
    """
    submissions.mkdir(parents=True, exist_ok=True)
    if not submission.is_dir():
        (submissions / student).mkdir()
        return "no submission folder: graded as empty"
    files = [Path(d) / f for d, _, names in os.walk(submission) if "__MACOSX" not in Path(d).parts for f in names]
    zips = [p for p in files if p.suffix.lower() == ".zip" and p.is_file() and not p.is_symlink()]
    if len(zips) == 1 and not any(p.suffix in GRADED_SUFFIXES for p in files):
        shutil.copyfile(zips[0], submissions / f"{student}.zip")
        return f"graded the uploaded zip {zips[0].relative_to(submission)}"

    def ignore(folder, names):
        keep = []
        for n in names:
            p = os.path.join(folder, n)
            if os.path.islink(p):
                keep.append(n.endswith(".py"))  # copied as a link: the grader refuses it with a note
            else:
                keep.append(os.path.isdir(p) or os.path.isfile(p))
        return [n for n, k in zip(names, keep) if not k]

    def copy(src, dst):  # any other file by its name alone, so that the grader's notes can name it
        if src.endswith(GRADED_SUFFIXES):
            shutil.copy2(src, dst)
        else:
            open(dst, "xb").close()

    shutil.copytree(submission, submissions / student, symlinks=True, ignore=ignore, copy_function=copy)
    count = sum(1 for p in (submissions / student).rglob("*.py"))
    done = f"graded the uploaded folder ({count} .py files)"
    if only:
        done += _one_assignment(submissions / student, only)
    return done


def _one_assignment(folder: Path, assignment: str) -> str:
    """Lay an upload for the one ``assignment`` out as its folder: ``<module>.py`` at the top moves
    to ``<assignment>/<module>.py`` (unless that exists), and the only notebook of ``folder`` to
    ``<assignment>/<assignment>.ipynb`` if the intake would not find it under its own name.
    Returns what was done ('' if nothing)."""
    done = ""
    module = assignments.by_folder(assignment).module + ".py"
    top, expected = folder / module, folder / assignment / module
    if top.is_file() and not top.is_symlink() and not expected.exists():
        expected.parent.mkdir(exist_ok=True)
        top.rename(expected)
        done += f"; {module} (at the top) graded as {assignment}/{module}"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.ipynb")
                   if p.is_file() and not p.is_symlink())
    usable = [n for n in names if ".ipynb_checkpoints" not in n and "__MACOSX" not in n]
    if len(usable) == 1 and not find_notebook(usable, assignment):
        target = folder / assignment / f"{assignment}.ipynb"
        target.parent.mkdir(exist_ok=True)
        (folder / usable[0]).rename(target)
        done += f"; the notebook {usable[0]} is graded as {assignment}'s notebook"
    return done


def start_timeout(config: dict) -> float:
    """Seconds the sandbox may take to start in the container: half of the run's time limit (at
    least a minute). A busy container is slow, not without a sandbox: it is waited for, and the
    other half is left for grading (or, if the sandbox cannot start at all, for grading again)."""
    return max(60.0, float(config["time_limit"]) / 2)


def _grade(python: str, source: Path, submissions: Path, out: Path, config: dict, no_bwrap: bool,
           allow_unconfined: bool = False, deadline: float | None = None):
    """``python -m autograder grade`` on ``submissions``, killed at ``deadline`` (time.monotonic())."""
    cmd = [python, "-m", "autograder", "grade", str(submissions), "--out", str(out), "--jobs", "1", "--no-plots",
           "--timeout", str(config["timeout"]), "--hidden-visibility", config["hidden_visibility"],
           "--start-timeout", f"{start_timeout(config):g}"]
    if config.get("assignments"):
        cmd += ["--only", *config["assignments"]]
    if no_bwrap:
        cmd.append("--no-bwrap")
    if allow_unconfined:
        cmd.append("--allow-unconfined")
    env = {**os.environ, "PYTHONPATH": str(source), "PYTHONDONTWRITEBYTECODE": "1"}
    left = float(config["time_limit"]) if deadline is None else deadline - time.monotonic()
    return subprocess.run(cmd, cwd=source, env=env, capture_output=True, text=True, timeout=max(1.0, left))


def grade_one(source: Path, submissions: Path, out: Path, config: dict, deadline: float | None = None) -> dict:
    """Grade the one student in ``submissions`` into ``out`` with the kit in ``source`` and return
    their results.json (checked by ``validate_results``), all of it by ``deadline`` (time.monotonic();
    default: the configured time limit from now): bubblewrap first, then the runner's own namespaces
    where bubblewrap cannot start (status 3), then unconfined where nothing can confine student code
    (status 4: one student in a container of its own). A sandbox still starting at the start-up
    deadline (status 5) is a busy container, not a missing sandbox: nothing is graded with less
    isolation. Raises RuntimeError when no valid result came out."""
    if deadline is None:
        deadline = time.monotonic() + float(config["time_limit"])
    proc = _grade(sys.executable, source, submissions, out, config, no_bwrap=False, deadline=deadline)
    if proc.returncode == 3:  # the sandbox cannot start here (e.g. bubblewrap without namespaces)
        print(proc.stdout + proc.stderr + "\nbubblewrap cannot start in this container (not a slow start: "
              "it stopped, saying why above): grading again with the runner's own namespaces", flush=True)
        proc = _grade(sys.executable, source, submissions, out, config, no_bwrap=True, deadline=deadline)
    if proc.returncode == 4:  # no user namespaces either: one student, hidden checks unreadable here
        print(proc.stdout + proc.stderr + "\nstudent code cannot be confined in this container: grading "
              "unconfined (one student; the hidden checks are not readable by user nobody)", flush=True)
        proc = _grade(sys.executable, source, submissions, out, config, no_bwrap=True, allow_unconfined=True,
                      deadline=deadline)
    if proc.returncode == 5:  # a slow start: grading with less isolation would be as slow
        print(proc.stdout + proc.stderr, flush=True)
        raise RuntimeError(f"the sandbox was still starting after {start_timeout(config):g} s: the container "
                           "is too busy (a slow start, not a missing sandbox); nothing is wrong with the "
                           "submission: resubmit")
    print(proc.stdout, end="", flush=True)
    print(proc.stderr, end="", file=sys.stderr, flush=True)
    found = sorted(out.glob("students/*/results.json")) if out.is_dir() else []
    if proc.returncode != 0 or len(found) != 1:
        raise RuntimeError(f"`python -m autograder grade` exited with status {proc.returncode} "
                           f"and wrote {len(found)} results.json files\n{proc.stderr[-3000:]}")
    data = json.loads(found[0].read_text())
    problems = validate_results(data)
    if problems:
        raise RuntimeError("the grader's results.json is not valid: " + "; ".join(problems[:5]))
    return data


def run(root: Path) -> int:
    """Grade ``root/submission``; always leaves a valid ``root/results/results.json``."""
    start = time.monotonic()
    source, results = root / "source", root / "results" / "results.json"
    extra: dict = {}
    try:
        meta = json.loads((root / "submission_metadata.json").read_text())
        extra["gradescope_submission_id"] = meta.get("id")
    except (OSError, ValueError, AttributeError):
        pass
    print(f"gradkit autograder: package {PACKAGE}, python {sys.executable}", flush=True)
    try:
        if os.geteuid() == 0 and (source / bundle.COURSE_NAME).is_dir():
            os.chmod(source / bundle.COURSE_NAME, 0o700)  # the checks, hidden ones too: not readable by user nobody
        config = load_config(source)
        work = Path(tempfile.mkdtemp(prefix="gradkit-gradescope-"))
        try:
            submissions, out = work / "submissions", work / "out"
            only = config["assignments"][0] if len(config.get("assignments", [])) == 1 else None
            print("submission: " + lay_out(root / "submission", submissions, only=only), flush=True)
            data = grade_one(source, submissions, out, config, deadline=start + float(config["time_limit"]))
            data.setdefault("extra_data", {}).update(extra)
            write_atomic(results, json.dumps(data, indent=1, allow_nan=False))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except Exception as exc:  # noqa: BLE001  (whatever it is, Gradescope gets a result)
        message = f"{type(exc).__name__}: {exc}"
        print("gradkit autograder failed: " + message, file=sys.stderr, flush=True)
        write_atomic(results, json.dumps(error_results(message, time.monotonic() - start, extra), indent=1))
        return 1
    print(f"wrote {results}: score {data['score']:g} in {time.monotonic() - start:.1f} s", flush=True)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.build.gradescope", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    b = parser  # `python -m autograder.build.gradescope [options]` builds
    b.add_argument("--out", default=str(KIT / "dist" / "gradescope"),
                   help="folder for the zip (default: dist/gradescope)")
    b.add_argument("--assignment", metavar="ASSIGNMENT",
                   help="grade this assignment alone, out of 100 (its folder, module or number, e.g. 04): "
                        "writes <folder>.zip; default: every assignment, autograder.zip")
    b.add_argument("--hidden-visibility", choices=HIDDEN_VISIBILITY,
                   default=os.environ.get("GRADKIT_HIDDEN_VISIBILITY", DEFAULT_VISIBILITY),
                   help=f"when students see the hidden checks (default: {DEFAULT_VISIBILITY}, or "
                        "$GRADKIT_HIDDEN_VISIBILITY)")
    b.add_argument("--timeout", type=float, default=CALL_TIMEOUT, help=f"seconds for one call (default: {CALL_TIMEOUT:g})")
    r = sub.add_parser("run", help="grade /autograder/submission (what run_autograder calls)")
    r.add_argument("--root", default=os.environ.get("GRADKIT_AUTOGRADER_ROOT", "/autograder"))
    sub.add_parser("references", help="compute and store torch's answers of every check beside them, once "
                                      "(what setup.sh runs; gradkit.references)")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(Path(args.root))
    if args.command == "references":
        print("\n".join(references.build(assignments.available())), flush=True)
        return 0
    target = build(Path(args.out), args.hidden_visibility, args.timeout, args.assignment)
    with zipfile.ZipFile(target) as zf:
        names = zf.namelist()
    config = config_for(args.hidden_visibility, args.timeout, args.assignment)
    print(f"wrote {target} ({target.stat().st_size // 1024} KB, {len(names)} files): "
          f"{', '.join(config['assignments'])}, out of {100 * len(config['assignments'])}; "
          f"hidden checks' visibility: {args.hidden_visibility}")
    print("Upload it as the assignment's autograder (Configure Autograder > Zip file upload), "
          f"with the Ubuntu 24.04 base image; the assignment's points: {100 * len(config['assignments'])}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
