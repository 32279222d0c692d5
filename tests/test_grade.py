"""`python -m autograder grade` on the bundled class: gradebook, results.json, feedback, summary."""

import csv
import os
import json
import subprocess
import sys

import pytest

from autograder import grade
from autograder.sandbox.judge import Limits
from gradkit import course as assignments
from tests.kit import ROOT

FOLDERS = [a.folder for a in assignments.available()]
GENEROUS = ["--timeout", "120"]  # no example loops: a generous call deadline costs nothing, and 07's training
# runs (about 1 s each when idle) pass on a busy machine too


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(ROOT / "examples"), "--out", str(out),
                           *GENEROUS], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stdout


def _gradebook(out):
    with open(out / "gradebook.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}


def test_gradebook_header_rows_and_totals(graded):
    out, stdout = graded
    header, rows = _gradebook(out)
    assert header == ["student"] + FOLDERS + ["total", "folder"]
    assert sorted(rows) == ["alice", "bob", "carol", "dave", "erin", "frank"]
    assert all(row["folder"] == name for name, row in rows.items())  # plain names are their own folder
    for row in rows.values():
        assert float(row["total"]) == pytest.approx(sum(float(row[f]) for f in FOLDERS))
    assert all(float(rows["alice"][f]) == 100 for f in FOLDERS)
    assert all(0 < float(rows["bob"][f]) < 100 for f in FOLDERS)  # partial credit everywhere
    assert float(rows["carol"]["01_activations"]) == 0
    assert float(rows["frank"]["01_activations"]) == 0
    assert 0 < float(rows["erin"]["01_activations"]) < 100
    assert all(float(rows["dave"][f]) == 0 for f in FOLDERS[1:])
    assert "alice" in stdout and "total" in stdout  # the gradebook is printed


def test_results_json_follows_gradescope_format(graded):
    out, _ = graded
    for student in ("alice", "bob", "carol", "dave", "erin", "frank"):
        data = json.loads((out / "students" / student / "results.json").read_text())
        assert isinstance(data["score"], (int, float)) and isinstance(data["tests"], list)
        assert isinstance(data["execution_time"], (int, float)) and isinstance(data["output"], str)
        for t in data["tests"]:
            assert set(t) >= {"name", "score", "max_score", "output", "visibility", "status"}
            assert t["status"] in ("passed", "failed") and t["visibility"] in ("visible", "after_due_date")
            assert 0 <= t["score"] <= t["max_score"]
        assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
        assert sum(t["max_score"] for t in data["tests"]) == 100 * len(FOLDERS)


def test_feedback_explains_each_kind_of_failure(graded):
    out, _ = graded
    carol = (out / "students" / "carol" / "feedback.md").read_text()
    assert "SyntaxError" in carol and "line" in carol
    frank = (out / "students" / "frank" / "feedback.md").read_text()
    assert "imports torch" in frank and "NumPy only" in frank
    if len(FOLDERS) > 1:
        assert "not submitted" in (out / "students" / "dave" / "feedback.md").read_text()
    bob = (out / "students" / "bob" / "feedback.md").read_text()
    assert "✗" in bob and "hint:" in bob
    assert (out / "students" / "bob" / "feedback.html").read_text().startswith("<!doctype html>")
    erin = (out / "students" / "erin" / "feedback.md").read_text()
    assert "not implemented yet" in erin


def test_summary_has_a_plot_per_assignment(graded):
    out, _ = graded
    summary = (out / "summary.md").read_text()
    for f in FOLDERS:
        png = out / "_plots" / f"{f}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"_plots/{f}.png" in summary
    assert not list(out.rglob("*.tmp"))  # atomic writes leave no temporary files


def test_resume_regrades_only_what_changed(graded, tmp_path):
    out, _ = graded
    import shutil

    resumed_out = tmp_path / "grades"
    shutil.copytree(out, resumed_out)
    klass = tmp_path / "class"
    shutil.copytree(ROOT / "examples", klass)
    bob = klass / "bob" / "01_activations" / "activations.py"
    bob.write_text(bob.read_text() + "\n# edited after the deadline\n")
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(klass), "--out", str(resumed_out),
                           "--resume", *GENEROUS], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "5 unchanged submissions taken from the previous run" in proc.stdout
    assert (resumed_out / "gradebook.csv").read_text() == (out / "gradebook.csv").read_text()


def test_a_killed_run_leaves_the_previous_gradebook_intact(graded, tmp_path):
    import shutil
    import signal
    import time

    out, _ = graded
    target = tmp_path / "grades"
    shutil.copytree(out, target)
    before = (target / "gradebook.csv").read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(ROOT / "examples"), "--out",
                             str(target), "--jobs", "1"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(4)  # torch is loaded and some students are being written
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (target / "gradebook.csv").read_bytes() == before
    for path in target.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".md", ".html", ".csv"):
            path.read_text()  # every file is whole (json files parse)
            if path.suffix == ".json":
                json.loads(path.read_text())


def test_a_judge_process_that_dies_costs_only_the_student_it_was_grading(tmp_path, monkeypatch):
    """With --jobs 2 the class is shared among forked judges: one that dies (here: while grading
    bob) leaves bob an internal grader error; the other judge grades everyone else."""
    first = assignments.available()[0]
    solution = (ROOT / "solutions" / first.folder / f"{first.module}.py").read_text()
    for name in ("alice", "bob", "carol", "dave"):
        path = tmp_path / "class" / name / first.folder / f"{first.module}.py"
        path.parent.mkdir(parents=True)
        path.write_text(solution)
    real = grade.grade_student

    def dies_on_bob(sub, *args, **kwargs):
        if sub.student == "bob":
            os._exit(3)
        return real(sub, *args, **kwargs)

    monkeypatch.setattr(grade, "grade_student", dies_on_bob)  # the forked judges inherit it
    results = {r.student: r for r in grade.grade_class(tmp_path / "class", grade.Plan.build([first.folder]), 2,
                                                        Limits(call_timeout=5.0))}
    assert sorted(results) == ["alice", "bob", "carol", "dave"]
    assert results["bob"].status[first.folder] == "grader error" and results["bob"].total == 0
    assert "the judge process died" in results["bob"].notes[0]
    assert all(results[n].status[first.folder] == "graded" and results[n].total == 100
               for n in ("alice", "carol", "dave"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_isolation_probe_s_runner_pool_grades_too(tmp_path, monkeypatch, jobs):
    """A run starts one runner pool (a zygote importing NumPy and matplotlib) per job, the one
    whose runner measured the isolation among them, not one more for the probe."""
    from autograder import __main__ as cli
    from autograder.sandbox import judge

    started = []
    real = judge.Pool.__init__

    def counting(self, *args, **kwargs):
        started.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(judge.Pool, "__init__", counting)
    first = assignments.available()[0]
    for student in ("ann", "bo"):
        path = tmp_path / "class" / student / first.folder / f"{first.module}.py"
        path.parent.mkdir(parents=True)
        path.write_bytes((ROOT / "solutions" / first.folder / path.name).read_bytes())
    code = cli.main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--only", first.folder,
                     "--jobs", str(jobs), "--no-plots"])
    assert code == 0
    assert len(started) == jobs
    _, rows = _gradebook(tmp_path / "out")
    assert {name: row["total"] for name, row in rows.items()} == {"ann": "100", "bo": "100"}
