"""The GitHub Classroom template (`make classroom`): the student release plus a workflow that runs
the public checks and reports points through classroom-resources/autograding-grading-reporter (the
reporter of GitHub Classroom's own generated workflows), valid under GitHub's workflow schema
(check-jsonschema's vendored copy, offline). `--assignment` makes a template of one assignment."""

import base64
import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.build import bundle, classroom
from autograder.build.release import remove_markers
from gradkit import course as assignments
from tests import checkout
from tests.kit import LEFT_BEHIND, ROOT, git_ignored, mutants, mutant_text, source_file

ASSIGNMENTS = checkout.release()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return classroom.build(tmp_path_factory.mktemp("classroom") / "repo", ASSIGNMENTS)


@pytest.fixture(scope="module")
def released():
    return classroom.released(ASSIGNMENTS)


def test_template_is_the_student_release_plus_the_workflow(template, released):
    shipped = sorted(p.relative_to(ASSIGNMENTS) for p in ASSIGNMENTS.rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts)
    for rel in shipped:  # byte for byte: stubs, public checks, conftest.py, pytest.ini
        assert filecmp.cmp(ASSIGNMENTS / rel, template / rel, shallow=False), rel
    extra = sorted(p.relative_to(template).as_posix() for p in template.rglob("*")
                   if p.is_file() and p.relative_to(template) not in shipped)
    vendored = dict(bundle.files())  # the check engine and the public checks, byte for byte; no hidden check
    assert extra == sorted([".github/gradkit_points.py", ".github/workflows/classroom.yml", ".gitignore",
                            "README.md", "requirements.txt", *vendored])
    assert all(filecmp.cmp(path, template / rel, shallow=False) for rel, path in vendored.items())
    assert not list(template.rglob(assignments.HIDDEN)) and not list(template.rglob(assignments.MUTANTS))
    assert [f for f, _, _ in released] == sorted(p.name for p in ASSIGNMENTS.iterdir() if p.name[:2].isdigit())
    readme = (template / "README.md").read_text()
    assert all(f"| {f} | {p:g} |" in readme for f, _, p in released)


def _workflow(template):
    text = (template / ".github" / "workflows" / "classroom.yml").read_text()
    try:
        import yaml
    except ImportError:  # structural checks only
        pytest.skip("PyYAML not installed")
    return text, yaml.safe_load(text)


def test_workflow_parses_and_reports_the_public_points(template, released):
    text, wf = _workflow(template)
    assert wf["name"] == "Autograding Tests"
    assert "push" in wf["on"]  # quoted "on": YAML 1.1 would read a bare on as True
    assert wf["permissions"]["checks"] == "write"
    (job,) = wf["jobs"].values()
    assert job["name"] == "Autograding Tests"  # the check run the reporter writes the points to
    steps = job["steps"]
    assert any("actions/checkout" in s.get("uses", "") for s in steps)
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert "requirements.txt" in install["run"]
    graders = [s for s in steps if "gradkit_points.py" in s.get("run", "")]
    assert [(s["name"], s["id"]) for s in graders] == [(f, m) for f, m, _ in released]
    for s, (folder, _, points) in zip(graders, released):
        assert s["run"] == f"python .github/gradkit_points.py {folder} {points:g}"
    reporter = steps[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1" and reporter["if"] == "always()"
    assert reporter["with"]["runners"] == ",".join(m for _, m, _ in released)
    assert reporter["env"] == {f"{m.upper()}_RESULTS": f"${{{{ steps.{m}.outputs.result }}}}"
                               for _, m, _ in released}
    pinned = (ROOT / "constraints.txt").read_text()
    req = (template / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in req
    for line in req.splitlines():
        if "==" in line:
            assert f"\n{line}\n" in pinned, line


def _points(template, tmp_path, folder, max_points):
    out = tmp_path / "github_output"
    proc = subprocess.run([sys.executable, ".github/gradkit_points.py", folder, str(max_points)], cwd=template,
                          capture_output=True, text=True, timeout=300,
                          env={**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},  # its own gradkit
                               "GITHUB_OUTPUT": str(out)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    key, value = out.read_text().strip().split("=", 1)
    assert key == "result"
    return json.loads(base64.b64decode(value)), proc.stdout


def test_points_step_gives_partial_credit_per_check(template, released, tmp_path):
    folder, module, max_points = released[0]
    a = assignments.by_folder(folder)
    name = next(iter(mutants(a)))
    student = template / folder / f"{module}.py"
    original = student.read_text()
    try:
        student.write_text(mutant_text(a, name))  # a correct file but for one plausible mistake
        result, log = _points(template, tmp_path, folder, max_points)
    finally:
        student.write_text(original)
    scores = [t["score"] for t in result["tests"]]
    assert result["max_score"] == max_points and result["status"] == "fail"
    assert 0 < sum(scores) < max_points
    assert {t["status"] for t in result["tests"]} == {"pass", "fail"}
    assert all(t["score"] == 0 for t in result["tests"] if t["status"] == "fail")
    assert all(t["message"] for t in result["tests"] if t["status"] == "fail")
    assert f"{folder}: {sum(scores):g}/{max_points:g}" in log


def test_points_step_reports_zero_when_pytest_cannot_run(template, released, tmp_path):
    result, _ = _points(template, tmp_path, "99_missing", 50)
    assert result["max_score"] == 50 and result["status"] == "fail"
    assert [t["score"] for t in result["tests"]] == [0]


def test_an_existing_folder_that_is_not_a_template_is_not_replaced(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(SystemExit):
        classroom.build(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


# --- GitHub's workflow schema ----------------------------------------------------------------------

def schema_check(path):
    """check-jsonschema against GitHub's workflow schema (vendored in check-jsonschema: no network)."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True, timeout=120)


def test_workflows_follow_githubs_workflow_schema(template, one_template, tmp_path):
    for repo in (template, one_template):
        proc = schema_check(repo / ".github" / "workflows" / "classroom.yml")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (template / ".github" / "workflows" / "classroom.yml").read_text()
    broken = {"no_runner": text.replace("    runs-on: ubuntu-latest\n", ""),  # the schema is really applied
              "no_event": text.replace("  - push\n", "  - pushed\n")}
    for name, body in broken.items():
        (tmp_path / f"{name}.yml").write_text(body)
        proc = schema_check(tmp_path / f"{name}.yml")
        assert proc.returncode == 1 and "Schema validation errors" in proc.stdout, name


# --- one assignment per template: `--assignment 04_batchnorm` ------------------------------------------

ONE = assignments.by_folder("04_batchnorm")


@pytest.fixture(scope="module")
def one_template(tmp_path_factory):
    return classroom.build(tmp_path_factory.mktemp("classroom_one") / "repo", ASSIGNMENTS, assignment="batchnorm")


def test_one_assignment_template_holds_that_assignment_only(one_template):
    folders = sorted(p.name for p in one_template.iterdir() if p.is_dir())
    assert folders == sorted([".github", ONE.folder, "gradkit", bundle.COURSE_NAME])
    assert [p.name for p in (one_template / bundle.COURSE_NAME).iterdir()] == [ONE.folder]
    shipped = [p.relative_to(ASSIGNMENTS) for p in (ASSIGNMENTS / ONE.folder).rglob("*") if p.is_file()
               and "__pycache__" not in p.parts] + [Path("conftest.py"), Path("pytest.ini")]
    for rel in shipped:
        assert filecmp.cmp(ASSIGNMENTS / rel, one_template / rel, shallow=False), rel
    assert not list(one_template.rglob(assignments.HIDDEN)) and not list(one_template.rglob(assignments.MUTANTS))
    points = float(sum(c.points for c in ONE.public_checks()))
    assert classroom.released(ASSIGNMENTS, ONE.folder) == [(ONE.folder, ONE.module, points)]
    readme = (one_template / "README.md").read_text()
    assert f"| {ONE.folder} | {points:g} |" in readme and "| 01_activations |" not in readme
    assert classroom.default_dest(ONE.folder).name == f"classroom-{ONE.folder}"
    assert classroom.default_dest().name == "classroom"


def test_one_assignment_workflow_grades_it_alone(one_template, tmp_path):
    text, wf = _workflow(one_template)
    steps = wf["jobs"]["run-autograding-tests"]["steps"]
    points = float(sum(c.points for c in ONE.public_checks()))
    graders = [s for s in steps if "gradkit_points.py" in s.get("run", "")]
    assert [s["run"] for s in graders] == [f"python .github/gradkit_points.py {ONE.folder} {points:g}"]
    assert steps[-1]["with"]["runners"] == ONE.module
    student = one_template / ONE.folder / f"{ONE.module}.py"
    original = student.read_text()
    try:  # the solution, run as the workflow's step would run it: the full public points
        student.write_text(remove_markers(source_file(ONE).read_text()))
        result, log = _points(one_template, tmp_path, ONE.folder, points)
    finally:
        student.write_text(original)
    assert result["status"] == "pass" and result["max_score"] == points
    assert sum(t["score"] for t in result["tests"]) == pytest.approx(points)


def test_template_ignores_what_running_the_checks_leaves_behind(template, tmp_path):
    """A student who commits everything after `pytest --gradkit-html report.html` commits no
    report.html, venv or cache; the stubs are still committed."""
    repo = tmp_path / "repo"
    shutil.copytree(template, repo)
    ignored = git_ignored(repo, [*LEFT_BEHIND, "01_activations/activations.py", ".gitignore"])
    assert ignored == {**{p: True for p in LEFT_BEHIND}, "01_activations/activations.py": False,
                       ".gitignore": False}
