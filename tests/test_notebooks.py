"""The assignment notebooks: generated from source/, released through nbgrader, graded three ways.

- every assignment's notebook is built from its module and notebook.md: 100 auto-graded points
  (each function's test cell = its public + hidden check points) plus written answers by hand;
- the release notebooks (nbgrader's generate_assignment) hold no solution and no hidden test;
- the solution notebooks run top to bottom and every test cell earns its points; the release
  notebook runs too, scoring 0 with "not implemented yet";
- nbgrader's whole cycle (generate_assignment, autograde, export, feedback) on the bundled notebook
  class (correct, wrong, endless loop) gives the scores the fast grader gives;
- the fast grader takes notebooks (folder or zip) next to .py submissions.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import runpy
import shutil
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import nbgrade
from autograder.build import examples, notebooks
from autograder.intake import student_text
from gradkit import course as assignments
from gradkit import notebook as nbcheck
from autograder.grade import Plan, grade_class
from autograder.build.release import BEGIN, END, build
from autograder.sandbox.judge import Limits
from tests.kit import ROOT, given_lines, grade_file

AVAILABLE = assignments.available()
A1 = assignments.by_folder("01_activations")


def _points(a) -> dict[str, tuple[float, float]]:
    out: dict[str, list[float]] = {}
    for c in a.public_checks():
        out.setdefault(c.function, [0.0, 0.0])[0] += c.points
    for c in a.hidden_checks():
        out.setdefault(c.function, [0.0, 0.0])[1] += c.points
    return {f: (p, h) for f, (p, h) in out.items()}


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """assignments/ and solutions/ as `make release` writes them (nbgrader's generate_assignment included)."""
    out = tmp_path_factory.mktemp("release")
    build(out)
    return out


def _cells(path: Path):
    return nbformat.read(str(path), as_version=4).cells


def _role(cell) -> str:
    return cell.metadata.get("gradkit", {}).get("role", "")


# --- the source notebooks ------------------------------------------------------------------------

def test_every_assignment_has_a_notebook():
    missing = [a.folder for a in AVAILABLE if not notebooks.has_notebook(a.folder)]
    assert not missing, f"no source/<folder>/{notebooks.TEXT_FILE} for {missing} (the SPEC wants a notebook each)"


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_source_notebook_has_a_test_cell_per_function_worth_its_checks(a):
    nb = notebooks.source_notebook(a.folder, a.module)
    points = _points(a)
    answers = {c.metadata["gradkit"]["function"]: c for c in nb.cells if _role(c) == "answer"}
    tests = {c.metadata["gradkit"]["function"]: c for c in nb.cells if _role(c) == "test"}
    assert set(answers) == set(tests) == set(points)
    for function, (public, secret) in points.items():
        assert tests[function].metadata["nbgrader"]["points"] == public + secret
        assert notebooks.BEGIN_HIDDEN in tests[function].source
        assert answers[function].metadata["nbgrader"]["solution"] is True
        assert BEGIN in answers[function].source and f"def {function}(" in answers[function].source
    assert notebooks.auto_points(nb) == 100
    assert 5 <= notebooks.manual_points(nb) <= 20  # written answers, graded by hand, on top
    assert any("plt." in c.source or "plot" in c.source for c in nb.cells if _role(c) == "demo")  # a plot


def test_one_source_of_truth_the_answer_cells_are_the_module(tmp_path):
    """The notebook's code cells are the module's code: extracted back, they grade 100."""
    nb = notebooks.solution_notebook(notebooks.source_notebook(A1.folder, A1.module))
    text, notes = student_text.module_from_notebook(nbformat.writes(nb), A1.module)
    assert notes == []
    path = tmp_path / f"{A1.module}.py"
    path.write_text(text)
    assert sum(o.points for o in grade_file(A1, path)) == 100


def test_notebook_text_must_cover_every_function(tmp_path):
    src = tmp_path / "source"
    shutil.copytree(ROOT / "source" / A1.folder, src / A1.folder)
    md = src / A1.folder / notebooks.TEXT_FILE
    text = md.read_text()
    md.write_text(text.replace("%% exercise sigmoid sigmoid_derivative", "%% exercise sigmoid_derivative"))
    with pytest.raises(notebooks.NotebookTextError, match="no %% exercise line for sigmoid"):
        notebooks.source_notebook(A1.folder, A1.module, src)
    md.write_text(text.replace("%% exercise sigmoid ", "%% exercise sigmoid sigmoid_prime "))
    with pytest.raises(notebooks.NotebookTextError, match="no public function sigmoid_prime"):
        notebooks.source_notebook(A1.folder, A1.module, src)
    md.write_text(text + "\n%% plots\n")
    with pytest.raises(notebooks.NotebookTextError, match="unknown directive"):
        notebooks.source_notebook(A1.folder, A1.module, src)


# --- the release -----------------------------------------------------------------------------------

@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_release_notebook_holds_no_solution_and_no_hidden_test(release, a):
    cells = _cells(release / "assignments" / a.folder / f"{a.folder}.ipynb")
    source_nb = notebooks.source_notebook(a.folder, a.module)
    solution_lines = set()
    for cell in source_nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if BEGIN in line or notebooks.BEGIN_HIDDEN in line:
                inside = True
            elif END in line or notebooks.END_HIDDEN in line:
                inside = False
            elif inside and len(line.strip()) >= 12 and not line.strip().startswith("#"):
                solution_lines.add(line.strip())
        if _role(cell) == "written":
            solution_lines |= {ln.strip() for ln in cell.source.splitlines() if len(ln.strip()) >= 12}
    text = "\n".join(c.source for c in cells)
    leaked = [ln for ln in solution_lines - given_lines() if ln in text]  # given code is no leak
    assert not leaked, f"solution or hidden-test lines in the release notebook: {leaked[:3]}"
    for marker in (BEGIN, END, notebooks.BEGIN_HIDDEN, notebooks.END_HIDDEN, "hidden=True"):
        assert marker not in text
    for cell in cells:
        if _role(cell) == "answer":
            assert "raise NotImplementedError()" in cell.source
        if _role(cell) == "written":
            assert cell.source == "YOUR ANSWER HERE"
        if _role(cell) == "test":  # nbgrader locked it and recorded its checksum
            assert cell.metadata["nbgrader"]["locked"] and cell.metadata["nbgrader"]["checksum"]
            assert re.fullmatch(r"(#.*\n)?_score = check\(.*\)\n_score", cell.source), cell.source


def test_release_notebook_runs_from_its_folder_with_the_shipped_library(release, solution_runs):
    """The student's notebook imports gradkit (the kit's venv); the stubs score 0 and say why."""
    nb = solution_runs["release"]
    assert _errors(nb, roles=("setup", "given", "answer", "test")) == []
    for cell in nb.cells:
        if _role(cell) == "test":
            assert _result(cell) == 0.0
            assert "not implemented yet" in _stdout(cell)


# --- the plots: legends, labels, and what the text says about them -------------------------------

def _run_plot_cells(a) -> tuple[dict, list]:
    """Every code cell of ``a``'s notebook.md run in this process on the solution module (as the
    solution notebook runs them, with matplotlib's Agg backend): (the namespace afterwards, the
    figures in the order the notebook shows them: at ``plt.show()``, then those still open at the
    end of a cell, as the inline backend does)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace = runpy.run_path(str(a.path / f"{a.module}.py"))
    shown = []

    def show(*args, **kwargs):
        shown.extend(plt.figure(n) for n in plt.get_fignums())
        plt.close("all")

    real_show, plt.show = plt.show, show
    try:
        for kind, _, body in notebooks.parse_text((a.path / notebooks.TEXT_FILE).read_text(encoding="utf-8")):
            if kind == "code":
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(body, f"{a.folder}/{notebooks.TEXT_FILE}", "exec"), namespace)
                show()
    finally:
        plt.show = real_show
    return namespace, shown


@pytest.fixture(scope="module")
def plot_runs():
    """{folder: (namespace, figures)}, each notebook run once, on demand."""
    cache = {}

    def get(a):
        if a.folder not in cache:
            cache[a.folder] = _run_plot_cells(a)
        return cache[a.folder]
    return get


def _series(ax) -> int:
    """The data an axes draws: curves (more than the two points of a reference line), bar
    containers, histograms drawn as steps, collections (scatter)."""
    curves = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    steps = [p for p in ax.patches if p.get_label() and not p.get_label().startswith("_")]
    return len(curves) + len(ax.containers) + len(steps) + len(ax.collections)


def _figure_problems(fig) -> list[str]:
    out = []
    for ax in fig.axes:
        where = f"{ax.get_title() or 'untitled axes'!r}"
        handles, labels = ax.get_legend_handles_labels()
        legend = ax.get_legend()
        if (_series(ax) >= 2 or len(handles) >= 2) and legend is None and not fig.legends:
            out.append(f"{where}: {_series(ax)} data series, {len(handles)} labelled, and no legend")
        if legend is not None:
            shown = {t.get_text() for t in legend.get_texts()}
            out += [f"{where}: {label!r} is labelled but not in the legend" for label in labels if label not in shown]
        if not ax.get_xlabel() or not ax.get_ylabel():
            out.append(f"{where}: an axis without a label (x: {ax.get_xlabel()!r}, y: {ax.get_ylabel()!r})")
    return out


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_every_plot_labels_its_axes_and_has_a_legend_for_several_lines(plot_runs, a):
    _, figures = plot_runs(a)
    assert figures, f"{a.folder}: notebook.md shows no plot"
    problems = [f"plot {i}: {p}" for i, fig in enumerate(figures, 1) for p in _figure_problems(fig)]
    assert not problems, f"{a.folder}/{notebooks.TEXT_FILE}: " + "; ".join(problems)


def test_figure_problems_sees_a_missing_legend_and_a_missing_label():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (good, bad) = plt.subplots(1, 2)
    for ax in (good, bad):
        ax.plot([0, 1, 2], [0, 1, 2], label="one")
        ax.plot([0, 1, 2], [2, 1, 0], label="two")
    good.set(xlabel="x", ylabel="y")
    good.legend()
    bad.set(xlabel="x", title="bad")
    problems = _figure_problems(fig)
    plt.close(fig)
    assert len(problems) == 2 and all(p.startswith("'bad'") for p in problems), problems


def _question(folder: str, qid: str) -> str:
    blocks = notebooks.parse_text((ROOT / "source" / folder / notebooks.TEXT_FILE).read_text(encoding="utf-8"))
    return next(body for kind, args, body in blocks if kind == "question" and args[:1] == [qid])


def test_07_stall_question_says_what_the_plotted_runs_measure(plot_runs):
    """The question claims: the sigmoid N(0, 1) net's accuracy stays at chance and its loss falls, but
    only to about ln 2 (guessing 50/50); its first layers get far smaller gradients than its last;
    ReLU + He trains and batch norm rescues the sigmoid net (the next question). The notebook's own
    runs (its cell's ``results``, the solution's train) must show each of these."""
    text = " ".join(_question("07_deep_network", "stall").split())
    assert "accuracy stays at chance" in text and "only to about $\\ln 2$" in text, text
    results = plot_runs(assignments.by_folder("07_deep_network"))[0]["results"]
    stall, relu, bn = (results[k] for k in ("sigmoid, N(0, 1)", "ReLU, He", "sigmoid, N(0, 1), batch norm"))
    assert np.nanmax(stall["accuracy"]) <= 0.6, stall["accuracy"]  # chance is 0.5 (128 points of each class)
    assert stall["loss"][0] > stall["loss"][-1] + 0.1, stall["loss"]  # it falls ...
    assert np.log(2) - 0.01 <= np.nanmin(stall["loss"]) and stall["loss"][-1] <= np.log(2) + 0.05, stall["loss"]
    assert stall["grad_norms"][0] < stall["grad_norms"][-1] / 30, stall["grad_norms"]
    assert np.nanmax(relu["accuracy"]) >= 0.8, relu["accuracy"]
    assert bn["accuracy"][-1] >= 0.9, bn["accuracy"]


# --- executing notebooks ---------------------------------------------------------------------------

def _execute(path: Path):
    from nbclient import NotebookClient
    from traitlets.config import Config

    nb = nbformat.read(str(path), as_version=4)
    cfg = Config()
    cfg.NotebookClient.shutdown_kernel = "immediate"
    NotebookClient(nb, config=cfg, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def _errors(nb, roles=None) -> list[str]:
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code" or (roles and _role(cell) not in roles):
            continue
        for o in cell.get("outputs", []):
            if o.output_type == "error":
                out.append(f"{cell.id}: {o.ename}: {o.evalue}")
            elif o.output_type == "stream" and o.name == "stderr" and _role(cell) == "test":
                out.append(f"{cell.id}: stderr: {o.text[:200]}")
    return out


def _result(cell) -> float | None:
    for o in cell.get("outputs", []):
        if o.output_type == "execute_result":
            return float(o.data["text/plain"])
    return None


def _stdout(cell) -> str:
    return "".join(o.text for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stdout")


@pytest.fixture(scope="module")
def solution_runs(release):
    """Every solution notebook, and 01's release notebook, executed top to bottom (3 at a time)."""
    paths = {a.folder: release / "solutions" / a.folder / f"{a.folder}.ipynb" for a in AVAILABLE}
    paths["release"] = release / "assignments" / A1.folder / f"{A1.folder}.ipynb"
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {k: pool.submit(_execute, p) for k, p in paths.items()}
        return {k: f.result() for k, f in futures.items()}


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_solution_notebook_runs_top_to_bottom_and_earns_every_point(solution_runs, a):
    nb = solution_runs[a.folder]
    assert _errors(nb) == []
    tests = [c for c in nb.cells if _role(c) == "test"]
    for cell in tests:  # hidden checks included: the solution notebook keeps them (markers removed)
        assert _result(cell) == cell.metadata["nbgrader"]["points"], _stdout(cell)[-2000:]
    assert sum(_result(c) for c in tests) == 100


# --- nbgrader's own cycle --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def notebook_class(release, tmp_path_factory) -> Path:
    """The bundled notebook class (examples/_notebooks), built from this release."""
    out = tmp_path_factory.mktemp("nbclass")
    examples.build_notebooks(out, release / "assignments" / A1.folder / f"{A1.folder}.ipynb")
    return out


def _expected(notebook: Path, tmp_path: Path) -> float:
    """What the checks give the notebook's functions, graded in-process from the extracted module."""
    text, _ = student_text.module_from_notebook(notebook.read_bytes(), A1.module)
    path = tmp_path / f"{A1.module}.py"
    path.write_text(text)
    return sum(o.points for o in grade_file(A1, path))


@pytest.fixture(scope="module")
def nbgraded(notebook_class, tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    start = time.monotonic()
    with pytest.MonkeyPatch.context() as mp:  # the check library's own deadline in nbgrader's kernels, not the suite's
        mp.setenv("GRADKIT_CALL_TIMEOUT", "5")
        result = nbgrade.run(notebook_class, course, quiet=True)
    result["wall"] = time.monotonic() - start
    return result


def test_nbgrader_cycle_scores_the_bundled_class(nbgraded, notebook_class, tmp_path):
    assert nbgraded["failed"] == []
    exported = nbgrade.exported_scores(nbgraded["csv"])
    loop_points = sum(_points(A1)["relu_derivative"])
    expected = {
        "ada": 100.0,
        "ben": _expected(notebook_class / "ben" / A1.folder / f"{A1.folder}.ipynb", tmp_path),
        "cy": 100.0 - loop_points,  # relu_derivative never returns: its public and hidden checks score 0
    }
    assert 0 < expected["ben"] < 100
    for student, score in expected.items():
        got, out_of = exported[(student, A1.folder)]
        assert got == pytest.approx(score), student
        assert out_of == 110  # 100 auto-graded + 10 for the written answers, graded by hand
        assert (nbgraded["feedback"] / student / A1.folder / f"{A1.folder}.html").is_file()
    with open(nbgraded["csv"], newline="") as fh:
        assert next(csv.reader(fh))[:4] == ["assignment", "duedate", "timestamp", "student_id"]


def test_nbgrader_interrupts_the_endless_loop_and_grades_the_rest(nbgraded):
    course = nbgraded["csv"].parent
    nb = json.loads((course / "autograded" / "cy" / A1.folder / f"{A1.folder}.ipynb").read_text())
    test = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_relu_derivative")
    assert "did not return in time" in "".join("".join(o.get("text", "")) for o in test["outputs"])
    enames = [o.get("ename") for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert enames == ["CellTimeoutError"] or enames == ["KeyboardInterrupt", "CellTimeoutError"], enames
    timed_out = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
                 if "did not return in time" in "".join("".join(o.get("text", "")) for o in c.get("outputs", []))]
    assert timed_out == ["test_relu_derivative"]  # one interruption; the later cells ran and were graded
    seconds = nbgraded["seconds"]
    print(f"\nnbgrader autograde per notebook: ada {seconds[('ada', A1.folder)]:.1f} s, "
          f"ben {seconds[('ben', A1.folder)]:.1f} s, cy (endless loop) {seconds[('cy', A1.folder)]:.1f} s; "
          f"whole cycle {nbgraded['wall']:.1f} s")


# --- the fast grader takes notebooks -------------------------------------------------------------

def test_fast_grader_grades_notebooks_like_modules(notebook_class, nbgraded, tmp_path):
    """A class mixing a .py, notebooks in folders and a notebook in a zip: same sandbox, same
    checks, the same scores as nbgrader's autograde."""
    root = tmp_path / "class"
    for student in ("ada", "ben", "cy"):
        shutil.copytree(notebook_class / student, root / student)
    (root / "py" / A1.folder).mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / A1.folder / f"{A1.module}.py", root / "py" / A1.folder)
    with zipfile.ZipFile(root / "zed.zip", "w") as zf:  # a renamed notebook under a top folder
        zf.write(notebook_class / "ben" / A1.folder / f"{A1.folder}.ipynb", f"homework/{A1.folder}/mine.ipynb")
    looping = root.parent / "looping"  # cy's relu_derivative never returns: cy alone is graded at a 2 s call limit
    looping.mkdir()
    shutil.move(root / "cy", looping / "cy")
    start = time.monotonic()
    plan = Plan.build([A1.folder])
    results = {r.student: r for r in grade_class(root, plan, 2, Limits())}
    results.update((r.student, r) for r in grade_class(looping, plan, 1, Limits(call_timeout=2.0)))
    wall = time.monotonic() - start
    nb_scores = nbgrade.exported_scores(nbgraded["csv"])
    for student in ("ada", "ben", "cy"):
        assert results[student].score(A1.folder) == pytest.approx(nb_scores[(student, A1.folder)][0]), student
        assert any("graded the code cells of the notebook" in n for n in results[student].notes)
    assert results["zed"].score(A1.folder) == results["ben"].score(A1.folder)
    assert results["py"].score(A1.folder) == 100
    print(f"\nfast grader, 5 submissions (4 notebooks, one endless loop at a 2 s call limit): {wall:.1f} s")


# --- extracting a notebook's code ------------------------------------------------------------------

def _nb(*cells) -> str:
    nb = nbformat.v4.new_notebook(cells=list(cells))
    return nbformat.writes(nb)


def test_module_from_notebook_takes_definitions_and_never_runs_anything():
    code = nbformat.v4.new_code_cell
    text, notes = student_text.module_from_notebook(_nb(
        code("%matplotlib inline\nimport numpy as np", metadata={"gradkit": {"role": "setup"}}),
        code("import numpy as np\nK = 2", metadata={"gradkit": {"role": "given"}}),
        code("def f(z):\n    return K * z\nprint(f(3))\nwhile True:\n    pass",
             metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "f"}}),
        code("assert f(1) == 2", metadata={"nbgrader": {"grade": True, "solution": False, "points": 1}}),
        code("import os\nos.system('touch /tmp/pwned')\ndef g(z):\n    return z"),  # a cell of the student's own
        code("def h(z) return z"),
        code("plt.plot(f(np.ones(3)))", metadata={"gradkit": {"role": "demo"}}),
    ), "mod")
    namespace: dict = {}
    exec(compile(text, "mod.py", "exec"), namespace)  # the extracted module imports without running a loop
    assert namespace["f"](2) == 4 and namespace["g"](5) == 5 and "h" not in namespace
    assert "print(" not in text and "while True" not in text and "os.system" not in text
    assert "assert f(1)" not in text and "plt.plot" not in text and "%matplotlib" not in text
    assert any("cell 6" in n and "SyntaxError" in n for n in notes)
    assert any("3 top-level statement(s)" in n for n in notes)


def test_module_from_notebook_refuses_what_is_not_a_notebook():
    for data in (b"not json", b'{"cells": 3}', b"[" * 100000):
        with pytest.raises(ValueError, match="not a readable notebook"):
            student_text.module_from_notebook(data, "mod")


# --- the check library's notebook front door -------------------------------------------------------

def test_check_in_a_namespace_scores_reports_and_interrupts(monkeypatch, capsys):
    ns: dict = {}
    exec(notebooks.split_module((ROOT / "source" / A1.folder / f"{A1.module}.py").read_text())[1], ns)
    exec(notebooks.solution_functions(A1.folder, A1.module)["relu"], ns)
    assert nbcheck.check(A1.folder, "relu", ns) == _points(A1)["relu"][0]
    assert nbcheck.check(A1.folder, "relu", ns, hidden=True) == _points(A1)["relu"][1]
    public = f"{_points(A1)['relu'][0]:g}"
    assert f"relu: {public}/{public} points (public checks)" in capsys.readouterr().out
    assert nbcheck.check(A1.folder, "elu", ns) == 0.0
    assert "elu is not defined" in capsys.readouterr().out

    monkeypatch.setattr(nbcheck, "CALL_TIMEOUT", 0.5)
    ns["calls"] = []
    exec("def relu(z):\n    calls.append(1)\n    while True:\n        try:\n            pass\n        except Exception:\n"
         "            pass", ns)
    assert nbcheck.check(A1.folder, "relu", ns) == 0.0
    assert nbcheck.check(A1.folder, "relu", ns, hidden=True) == 0.0
    assert len(ns["calls"]) == 1  # one call interrupted; every later check of relu skipped without calling it
    out = capsys.readouterr().out
    assert "did not return in time: no result after 0.5 s" in out and "skipped" in out
