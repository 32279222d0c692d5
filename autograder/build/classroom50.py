"""The kit as a Classroom 50 autograder: ``python -m autograder.build.classroom50`` (``make
classroom50``) writes ``dist/classroom50/`` (every assignment, 100 points each), and
``--assignment 04_batchnorm`` writes ``dist/classroom50-04_batchnorm/`` (that assignment alone).
Copy the folder's contents to ``<classroom>/autograders/<assignment slug>/`` in the classroom's
config repository (the per-assignment ``autograder.py`` of Classroom 50's wiki page Autograders).

Classroom 50's contract (wiki page Autograders, "Writing an autograder.py"): its runner runs the
bundled ``autograder.py`` once per submission, with the working directory at the student's
checkout and the bundle's other files beside that script (``Path(__file__).parent``), and reads
``./result.json``; exit 0 means the autograder ran (pass or fail is in result.json), any other
exit an infrastructure failure. ``result.json`` (``classroom50/result/v1``): ``schema``, ``score``
and ``max-score`` (integers, the sums over the tests), ``tests`` (``test-name``, ``passed``,
``score``, ``max-score``), and the identity fields the runner's environment gives (``CLASSROOM``,
``ASSIGNMENT``, ``SUBMISSION_TAG``, ``COMMIT_URL``, ``RELEASE_URL``, ``REVIEW_URL``). The table is
the JSON Schema ``templates/classroom50_result.schema.json`` (``RESULT_SCHEMA``); what a schema
cannot say is ``validate_result``'s.

What the folder holds is what the Gradescope zip holds (``gradescope._package_files``: the
grader, the check engine, the public and hidden checks of its assignments, ``gradkit.json``),
plus ``autograder.py`` (``templates/classroom50_autograder.py``). ``run`` grades the checkout
exactly as the Gradescope zip grades an upload (``gradescope.lay_out`` and ``gradescope.grade_one``:
the same ``python -m autograder grade``, bubblewrap where it starts, process limits otherwise) and
turns the student's results.json into result.json: one test per check, named
``<assignment folder> / <check name>`` (what the feedback and the gradebook call it), its points
whole (the checks' points are whole numbers). Whatever goes wrong, a valid result.json with no
tests and score 0 is written and the reason printed to the Actions log.

The hidden checks run on the student's own repository's runner: they stay unreadable to student
code only as long as the sandbox confines it (the log says which isolation was used).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

from gradkit import course
from gradkit.course import KIT
from .. import templates
from ..report import DEFAULT_VISIBILITY, write_atomic
from ..sandbox.judge import CALL_TIMEOUT
from .gradescope import CONFIG, _package_files, choose, config_for, grade_one, lay_out, load_config

SCHEMA = "classroom50/result/v1"
RESULT = "result.json"
ENTRYPOINT = "autograder.py"
RESULT_SCHEMA = json.loads(templates.text("classroom50_result.schema.json"))
ENV_FIELDS = {"classroom": "CLASSROOM", "assignment": "ASSIGNMENT", "submission": "SUBMISSION_TAG",
              "commit": "COMMIT_URL", "release": "RELEASE_URL", "review": "REVIEW_URL"}


def folder_name(assignment: str | None) -> str:
    """``classroom50`` for every assignment, ``classroom50-<folder>`` for one."""
    return f"classroom50-{choose(assignment).folder}" if assignment else "classroom50"


def build(dest: Path, assignment: str | None = None, timeout: float = CALL_TIMEOUT) -> Path:
    """Write the autograder's folder under ``dest`` (replacing one built before); returns it."""
    config = config_for(DEFAULT_VISIBILITY, timeout, assignment)
    target = dest / folder_name(assignment)
    dest.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=dest, prefix=".classroom50-"))
    try:
        for name, path in _package_files(config["assignments"]):
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, work / name)
        (work / ENTRYPOINT).write_text(templates.text("classroom50_autograder.py"), encoding="utf-8")
        (work / CONFIG).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(work), target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _whole(points: float) -> int:
    """Points as the integer result.json wants (a fraction would be rounded down, never up)."""
    return int(math.floor(points + 1e-9))


def failed_tests(folders: list[str]) -> list[dict]:
    """Every check of ``folders`` failed with 0 points: what a run that could not grade reports
    (the submission's maximum stays right, and the runner marks it failed, not vacuously passed)."""
    return [{"name": f"{folder} / {c.name}", "status": "failed", "score": 0, "max_score": c.points}
            for folder in folders for a in [course.by_folder(folder)] for c in a.public_checks() + a.hidden_checks()]


def result_from(results: dict, env: dict[str, str], when: dt.datetime) -> dict:
    """``classroom50/result/v1`` of a Gradescope-format results.json (its ``tests``)."""
    tests = [{"test-name": t["name"], "passed": t["status"] == "passed", "score": _whole(t["score"]),
              "max-score": _whole(t["max_score"])} for t in results.get("tests", [])]
    return {"schema": SCHEMA, **{key: env[var] for key, var in ENV_FIELDS.items() if env.get(var)},
            "datetime": when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "score": sum(t["score"] for t in tests), "max-score": sum(t["max-score"] for t in tests), "tests": tests}


def validate_result(data: dict) -> list[str]:
    """What RESULT_SCHEMA cannot say: every score within 0..max-score, the totals the sums of the tests."""
    problems = [f"tests[{i}]: score {t['score']} outside 0..{t['max-score']}"
                for i, t in enumerate(data["tests"]) if not 0 <= t["score"] <= t["max-score"]]
    for key in ("score", "max-score"):
        if data[key] != sum(t[key] for t in data["tests"]):
            problems.append(f"{key} is not the sum of the tests'")
    return problems


def run(checkout: Path, here: Path) -> int:
    """Grade the student's ``checkout`` with the kit in ``here``; always leaves ``checkout/result.json``."""
    print(f"gradkit autograder (Classroom 50): grading {checkout}", flush=True)
    results, folders = None, [a.folder for a in course.available()]  # the bundle's: its assignments only
    try:
        config = load_config(here)
        work = Path(tempfile.mkdtemp(prefix="gradkit-classroom50-"))
        try:
            submissions = work / "submissions"
            only = config["assignments"][0] if len(config.get("assignments", [])) == 1 else None
            print("submission: " + lay_out(checkout, submissions, only=only), flush=True)
            results = grade_one(here, submissions, work / "out", config)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except Exception as exc:  # noqa: BLE001  (whatever it is, the runner gets a result)
        print(f"::error::gradkit could not grade this submission: {type(exc).__name__}: {exc}", file=sys.stderr,
              flush=True)
    result = result_from(results or {"tests": failed_tests(folders)}, dict(os.environ), dt.datetime.now(dt.timezone.utc))
    write_atomic(checkout / RESULT, json.dumps(result, indent=1))
    print(f"wrote {checkout / RESULT}: {result['score']}/{result['max-score']}", flush=True)
    if results is not None:
        print(results.get("output", ""), flush=True)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.build.classroom50", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(KIT / "dist"), help="where the folder goes (default: dist)")
    parser.add_argument("--assignment", metavar="ASSIGNMENT",
                        help="grade this assignment alone (its folder, module or number, e.g. 04); default: all")
    parser.add_argument("--timeout", type=float, default=CALL_TIMEOUT, help=f"seconds for one call (default: {CALL_TIMEOUT:g})")
    args = parser.parse_args(argv)
    target = build(Path(args.out), args.assignment, args.timeout)
    folders = config_for(DEFAULT_VISIBILITY, args.timeout, args.assignment)["assignments"]
    print(f"wrote {target}/: {ENTRYPOINT} and the grader for {', '.join(folders)} (out of {100 * len(folders)})")
    print("Copy its contents to <classroom>/autograders/<assignment slug>/ in the classroom50 config repository.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
