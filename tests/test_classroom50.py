"""The Classroom 50 autograder (``make classroom50``, issue 19): its result.json meets the contract
of Classroom 50's wiki page Autograders (the JSON Schema written from its table, and the sums a
schema cannot state), and the built autograder, run as Classroom 50's runner runs it (working
directory at the student's checkout), scores the solution 100, the stub 0 and a broken or partial
file what ``python -m autograder grade`` gives it, hidden checks included."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from autograder.build import classroom50
from gradkit import course
from tests.kit import ROOT
from tests.lms_class import A01, gradebook, grade

ENV = {"CLASSROOM": "dl-fall", "ASSIGNMENT": "activations", "SUBMISSION_TAG": "submit/2026-12-04T10-00-00Z-abc1234",
       "COMMIT_URL": "https://github.com/o/r/commit/abc", "RELEASE_URL": "https://github.com/o/r/releases/tag/x"}
CHECKS = course.by_folder(A01).public_checks() + course.by_folder(A01).hidden_checks()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return classroom50.build(tmp_path_factory.mktemp("dist"), A01)


def run_in_checkout(built: Path, checkout: Path) -> dict:
    """Run the built autograder.py as the runner does; its result.json, checked against the contract."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | ENV  # the bundle alone, not this checkout
    proc = subprocess.run([sys.executable, str(built / "autograder.py")], cwd=checkout, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((checkout / "result.json").read_text())
    jsonschema.validate(data, classroom50.RESULT_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert classroom50.validate_result(data) == []
    return data


def checkout_with(tmp_path: Path, text: str, at: str = f"{A01}/activations.py") -> Path:
    target = tmp_path / "checkout" / at
    target.parent.mkdir(parents=True)
    target.write_text(text)
    return tmp_path / "checkout"


def test_the_schema_is_valid_and_rejects_what_the_table_forbids():
    jsonschema.Draft202012Validator.check_schema(classroom50.RESULT_SCHEMA)
    good = {"schema": "classroom50/result/v1", "score": 4, "max-score": 5,
            "tests": [{"test-name": "compiles", "passed": True, "score": 4, "max-score": 4},
                      {"test-name": "outputs_correct", "passed": False, "score": 0, "max-score": 1}]}
    jsonschema.validate(good, classroom50.RESULT_SCHEMA)  # the wiki's own example
    for bad in ({**good, "schema": "classroom50/result/v2"}, {**good, "score": 4.5},
                {**good, "tests": [{"test-name": "x", "passed": "yes", "score": 0, "max-score": 1}]},
                {k: v for k, v in good.items() if k != "max-score"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, classroom50.RESULT_SCHEMA)
    assert classroom50.validate_result({**good, "score": 5}) == ["score is not the sum of the tests'"]


def test_the_solution_scores_full_marks_with_one_test_per_check_hidden_ones_included(built, tmp_path):
    data = run_in_checkout(built, checkout_with(tmp_path, (ROOT / "solutions" / A01 / "activations.py").read_text()))
    assert (data["score"], data["max-score"]) == (100, 100)
    assert [t["test-name"] for t in data["tests"]] == [f"{A01} / {c.name}" for c in CHECKS]
    assert all(t["passed"] for t in data["tests"]) and any(c.hidden for c in CHECKS)
    assert {k: data[k] for k in ("classroom", "assignment", "submission")} == {
        "classroom": "dl-fall", "assignment": "activations", "submission": ENV["SUBMISSION_TAG"]}


def test_the_stub_scores_zero(built, tmp_path):
    data = run_in_checkout(built, checkout_with(tmp_path, (ROOT / "assignments" / A01 / "activations.py").read_text(),
                                                at="activations.py"))  # the module at the top: found there too
    assert (data["score"], data["max-score"]) == (0, 100) and not any(t["passed"] for t in data["tests"])


def test_a_partial_or_broken_file_earns_what_make_grade_gives_it(built, tmp_path):
    bob = (ROOT / "examples" / "bob" / A01 / "activations.py").read_text()
    (tmp_path / "class" / "bob" / A01).mkdir(parents=True)
    (tmp_path / "class" / "bob" / A01 / "activations.py").write_text(bob)
    assert grade(tmp_path / "class", tmp_path / "out") == 0
    expected = float(gradebook(tmp_path / "out")["bob"][A01])
    data = run_in_checkout(built, checkout_with(tmp_path / "a", bob))
    assert data["score"] == expected and 0 < expected < 100
    broken = run_in_checkout(built, checkout_with(tmp_path / "b", "def sigmoid(z):\n    return (\n"))
    assert (broken["score"], broken["max-score"]) == (0, 100) and len(broken["tests"]) == len(CHECKS)


def test_a_grader_that_cannot_run_still_leaves_a_failed_result_of_the_right_size(built, tmp_path):
    broken_kit = tmp_path / "kit"
    shutil.copytree(built, broken_kit)
    (broken_kit / "gradkit.json").write_text('{"hidden_visibility": "sometimes"}')
    data = run_in_checkout(broken_kit, checkout_with(tmp_path, (ROOT / "solutions" / A01 / "activations.py").read_text()))
    assert (data["score"], data["max-score"]) == (0, 100) and not any(t["passed"] for t in data["tests"])
