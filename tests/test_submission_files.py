"""Which file of a submission is graded, and what one file can cost the others.

- A notebook student hands in the release folder: the untouched stub ``<module>.py`` beside the
  completed notebook. The grader grades the file the student worked on (the other is still the
  released stub: every graded function raises NotImplementedError); when both were changed it
  grades both and keeps the better; the feedback says which file was graded and why. Folders,
  zips and Gradescope uploads (flat or in folders) go through the same intake.
- One assignment's module cannot change another's score: whatever it does to ``sys.modules``,
  NumPy or builtins at import, each assignment runs in a fresh runner (both isolation modes).
- A module or a notebook cell that exhausts Python's parser (MemoryError, RecursionError) costs
  what a syntax error costs: that file, or that cell, alone; an unexpected error of the grader
  while grading one assignment costs only that assignment.
"""

from __future__ import annotations

import subprocess
import warnings
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import report
from autograder.build import gradescope, notebooks
from autograder.intake import student_text, submissions
from gradkit import course as assignments
from gradkit import engine
from autograder.grade import Plan, grade_class
from autograder.build.release import replace_function
from autograder.sandbox.judge import Limits, bwrap_path
from autograder.intake.submissions import is_untouched_stub
from tests import checkout
from tests.kit import ROOT

AVAILABLE = assignments.available()
A1 = assignments.by_folder("01_activations")
OTHERS = [a for a in AVAILABLE if a.folder != A1.folder]
STUB = (checkout.release() / A1.folder / f"{A1.module}.py").read_text()
SOLUTION = {a.folder: (ROOT / "solutions" / a.folder / f"{a.module}.py").read_text() for a in AVAILABLE}
MODES = ["bwrap", "no-bwrap"] if bwrap_path() else ["no-bwrap"]
# both under gradkit.bounds.MAX_TOKENS (a larger text is refused before it is parsed): they reach the parser
MINUS_BOMB = "_x = " + "-" * 40_000 + "1\n"  # MemoryError in CPython's parser
PLUS_BOMB = "_y = " + "1+" * 20_000 + "1\n"  # RecursionError while building the tree


def release_notebook():
    return nbformat.read(str(checkout.release() / A1.folder / f"{A1.folder}.ipynb"), as_version=4)


def solved_notebook(broken: dict[str, str] | None = None, extra_cells: tuple[str, ...] = ()) -> str:
    """The release notebook of 01 filled in with the solution (``broken`` replaces some answers),
    plus code cells of the student's own."""
    answers = {**notebooks.solution_functions(A1.folder, A1.module), **(broken or {})}
    nb = notebooks.fill_answers(release_notebook(), answers)
    nb.cells += [nbformat.v4.new_code_cell(src) for src in extra_cells]
    return nbformat.writes(nb)


RELU_WRONG = "def relu(z):\n    return z\n"  # wrong for negative inputs
SOFTMAX_WRONG = "def softmax(z, axis=-1):\n    return np.exp(z)\n"


def broken_solution(function: str, new_def: str) -> str:
    return replace_function(SOLUTION[A1.folder], function, new_def)


def in_process_score(text: str, name: str) -> float:
    """01's score of a module (or a notebook's extracted code), graded in-process as a reference."""
    import tempfile

    from tests.kit import grade_file

    if name.endswith(".ipynb"):
        text = student_text.module_from_notebook(text, A1.module)[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{A1.module}.py"
        path.write_text(text)
        return round(sum(o.points for o in grade_file(A1, path)), 4)


def write(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)


PY, NB = f"{A1.folder}/{A1.module}.py", f"{A1.folder}/{A1.folder}.ipynb"
EDITED_STUB = STUB.replace("import numpy as np\n", "import numpy as np  # I did this one in the notebook\n\n\n"
                           "def _scratch(z):\n    return z\n", 1)

# student -> (files, expected score of 01, words the notes must contain, words they must not)
FILE_CASES = {
    "notebook_beside_stub": ({PY: STUB, NB: solved_notebook()}, 100,
                             ["graded the notebook", "released stub"], ["graded both"]),
    "notebook_beside_edited_stub": ({PY: EDITED_STUB, NB: solved_notebook()}, 100,
                                    ["graded the notebook", "NotImplementedError"], ["graded both"]),
    "module_beside_release_notebook": ({PY: SOLUTION[A1.folder], NB: nbformat.writes(release_notebook())}, 100,
                                       [f"graded {PY}", "released stub"], ["graded both"]),
    "both_changed_notebook_better": ({PY: broken_solution("relu", RELU_WRONG), NB: solved_notebook()}, 100,
                                     ["graded both", f"kept the notebook {NB}"], []),
    "both_changed_module_better": ({PY: SOLUTION[A1.folder], NB: solved_notebook({"softmax": SOFTMAX_WRONG})},
                                   100, ["graded both", f"kept {PY}"], []),
    "both_changed_partial": ({PY: broken_solution("relu", RELU_WRONG),
                              NB: solved_notebook({"softmax": SOFTMAX_WRONG})},
                             None, ["graded both"], []),
    "both_untouched": ({PY: STUB, NB: nbformat.writes(release_notebook())}, 0, ["released stub"], ["graded both"]),
}


@pytest.fixture(scope="module")
def files_graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("files") / "class"
    for student, (files, *_) in FILE_CASES.items():
        write(root / student, files)
    with zipfile.ZipFile(root / "zipped.zip", "w") as zf:  # the notebook case as a zip with a top folder
        for rel, text in FILE_CASES["notebook_beside_stub"][0].items():
            zf.writestr(f"homework/{rel}", text)
    for layout, prefix in (("gradescope_flat", ""), ("gradescope_folders", f"{A1.folder}/")):
        upload = tmp_path_factory.mktemp(layout)  # what the student uploads to Gradescope
        write(upload, {f"{prefix}{A1.module}.py": STUB, f"{prefix}{A1.folder}.ipynb": solved_notebook()})
        gradescope.lay_out(upload, root, layout)
    plan = Plan.build([A1.folder])
    results = grade_class(root, plan, 2, Limits(call_timeout=3.0, student_budget=120.0))
    return plan, {r.student: r for r in results}


@pytest.mark.parametrize("student", list(FILE_CASES))
def test_the_file_the_student_worked_on_is_graded(files_graded, student):
    plan, results = files_graded
    _, expected, said, not_said = FILE_CASES[student]
    r = results[student]
    notes = "\n".join(r.notes)
    if expected is None:  # both changed, each with a different mistake: the better of the two
        expected = max(in_process_score(text, rel) for rel, text in FILE_CASES[student][0].items())
    assert r.score(A1.folder) == pytest.approx(expected), notes
    assert r.status[A1.folder] == "graded"
    for words in said:
        assert words in notes, notes
    for words in not_said:
        assert words not in notes, notes
    assert notes.split("\n")[0] in report.results_json(r, plan)["output"]  # students see it


@pytest.mark.parametrize("student", ["zipped", "gradescope_flat", "gradescope_folders"])
def test_zips_and_gradescope_uploads_take_the_notebook_too(files_graded, student):
    _, results = files_graded
    r = results[student]
    assert r.score(A1.folder) == 100, r.notes
    assert any("graded the notebook" in n and "released stub" in n for n in r.notes), r.notes


# --- one assignment's import cannot reach another's ---------------------------------------------

def at_import(code: str) -> str:
    return SOLUTION[A1.folder].replace("import numpy as np\n", "import numpy as np\n" + code + "\n", 1)


POISONED = {
    "numpy_replaced": at_import('import sys, types\nsys.modules["numpy"] = types.ModuleType("numpy")'),
    "numpy_patched": at_import("np.sqrt = np.exp = np.sum = np.mean = np.zeros = np.asarray = lambda *a, **k: 0.0"),
    "builtins_patched": at_import("import builtins\nbuiltins.sum = lambda *a, **k: 0.0"),
    "parser_bomb_minus": MINUS_BOMB + SOLUTION[A1.folder],
    "parser_bomb_plus": SOLUTION[A1.folder] + PLUS_BOMB,
}


@pytest.fixture(scope="module", params=MODES)
def seven_graded(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("seven") / "class"
    rest = {f"{a.folder}/{a.module}.py": SOLUTION[a.folder] for a in OTHERS}
    for student, first in POISONED.items():
        write(root / student, {PY: first, **rest})
    write(root / "parser_bomb_cells", {NB: solved_notebook(extra_cells=(MINUS_BOMB, PLUS_BOMB)), **rest})
    limits = Limits(call_timeout=5.0, student_budget=200.0)
    results = grade_class(root, Plan.build(), 2, limits, use_bwrap=request.param == "bwrap")
    return {r.student: r for r in results}


@pytest.mark.parametrize("student", [*POISONED, "parser_bomb_cells"])
def test_one_module_cannot_change_the_others_scores(seven_graded, student):
    r = seven_graded[student]
    for a in OTHERS:
        assert r.score(a.folder) == 100, (a.folder, r.status, r.notes)
        assert r.status[a.folder] == "graded"


@pytest.mark.parametrize("student", ["parser_bomb_minus", "parser_bomb_plus"])
def test_a_module_that_exhausts_the_parser_costs_that_file_alone(seven_graded, student):
    r = seven_graded[student]
    assert r.score(A1.folder) == 0 and r.status[A1.folder] == "does not parse", r.status
    message = r.outcomes[A1.folder][0].message
    assert f"{A1.module}.py" in message and "too deeply" in message, message
    assert not any("internal grader error" in n for n in r.notes)


def test_a_notebook_cell_that_exhausts_the_parser_costs_that_cell_alone(seven_graded):
    r = seven_graded["parser_bomb_cells"]
    assert r.score(A1.folder) == 100, r.notes
    left_out = [n for n in r.notes if "was not graded" in n and "too deeply" in n]
    assert len(left_out) == 2, r.notes


# --- a grader error in one assignment costs that assignment ------------------------------------

def test_an_unexpected_grader_error_costs_only_that_assignment(tmp_path, monkeypatch):
    real = engine.evaluate  # what the engine loop calls for every check

    def flaky(check, call, *args, **kwargs):
        if check.function == "relu":
            raise RuntimeError("a bug in the grader")
        return real(check, call, *args, **kwargs)

    monkeypatch.setattr(engine, "evaluate", flaky)
    second = OTHERS[0]
    write(tmp_path / "class" / "student", {PY: SOLUTION[A1.folder],
                                           f"{second.folder}/{second.module}.py": SOLUTION[second.folder]})
    [r] = grade_class(tmp_path / "class", Plan.build([A1.folder, second.folder]), 1, Limits(call_timeout=5.0))
    assert r.status[A1.folder] == "grader error: RuntimeError: a bug in the grader" and r.score(A1.folder) == 0
    assert "not graded: grader error" in r.outcomes[A1.folder][0].message
    assert r.status[second.folder] == "graded" and r.score(second.folder) == 100


def test_the_time_budget_covers_the_whole_student_across_runners(tmp_path):
    """Each assignment has a runner of its own, but the student's budget is one: two modules that
    loop at import use it up, and the third assignment is not graded."""
    first, second, third = AVAILABLE[:3]
    loop = "while True:\n    pass\n"
    write(tmp_path / "class" / "looper", {
        f"{first.folder}/{first.module}.py": SOLUTION[first.folder] + loop,
        f"{second.folder}/{second.module}.py": SOLUTION[second.folder] + loop,
        f"{third.folder}/{third.module}.py": SOLUTION[third.folder]})
    limits = Limits(call_timeout=3.0, student_budget=5.0)
    [r] = grade_class(tmp_path / "class", Plan.build([first.folder, second.folder, third.folder]), 1, limits)
    assert r.score(third.folder) == 0, r.status
    assert "5 s time budget" in r.outcomes[third.folder][0].message


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_every_released_stub_is_recognised_and_no_solution_is(a):
    graded = Plan.build([a.folder]).graded_functions[a.folder]
    release = nbformat.read(str(checkout.release() / a.folder / f"{a.folder}.ipynb"), as_version=4)
    solved = notebooks.fill_answers(release, notebooks.solution_functions(a.folder, a.module))
    as_module = {"release": student_text.module_from_notebook(nbformat.writes(release), a.module)[0],
                 "solved": student_text.module_from_notebook(nbformat.writes(solved), a.module)[0]}
    assert is_untouched_stub((checkout.release() / a.folder / f"{a.module}.py").read_text(), graded)
    assert is_untouched_stub(as_module["release"], graded)
    assert not is_untouched_stub(SOLUTION[a.folder], graded)
    assert not is_untouched_stub(as_module["solved"], graded)
    first = sorted(graded)[0]  # the stub with one function done is a change
    stub = (checkout.release() / a.folder / f"{a.module}.py").read_text()
    one_done = replace_function(stub, first, notebooks.solution_functions(a.folder, a.module)[first])
    assert not is_untouched_stub(one_done, graded)


def test_a_notebook_is_bounded_before_it_is_parsed(tmp_path):
    """19 MB of empty JSON objects in a cell's metadata (under the 20 MB notebook cap) cost the judge
    3.5 GB when parsed; it is refused from a count of its brackets, with a message that says why."""
    nb = nbformat.reads(solved_notebook(), as_version=4)
    nb.cells[0].metadata["junk"] = [{}] * 6_300_000
    path = tmp_path / "01_activations.ipynb"
    path.write_text(nbformat.writes(nb, version=4).replace("\n", ""))
    program = ("import resource, sys; from autograder.intake.student_text import module_from_notebook\n"
               "try:\n    module_from_notebook(open(sys.argv[1], 'rb').read(), 'activations')\n"
               "except ValueError as exc:\n    print(exc)\n"
               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    proc = subprocess.run([sys.executable, "-c", program, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    message, peak_kb = proc.stdout.splitlines()[-2:]
    assert "JSON objects and arrays" in message and "clear its outputs" in message
    assert int(peak_kb) < 3 << 19  # 1.5 GB: well under the 3.5 GB the parse took (1.17 GB measured now)


GOOD = (ROOT / "solutions" / "01_activations" / "activations.py").read_text()
STUB = (checkout.release() / "01_activations" / "activations.py").read_text()
CHOICES = {  # zip entries -> (the entry graded, or None for none; words the notes must hold)
    "case_variant_beside_stub": ([("01_Activations/activations.py", GOOD), ("01_activations/activations.py", STUB)],
                                 "01_Activations/activations.py", "the released stub"),
    "module_name_in_another_case": ([("01_activations/Activations.py", GOOD)], "01_activations/Activations.py",
                                    "expected 01_activations/activations.py"),
    "duplicate_entry": ([("01_activations/activations.py", STUB), ("01_activations/activations.py", GOOD)],
                        "01_activations/activations.py", "more than one entry named"),  # the last is read, as unzip
    "two_changed_files_one_expected": ([("01_activations/activations.py", GOOD),
                                        ("old/activations.py", GOOD.replace("np.maximum", "np.fmax"))],
                                       "01_activations/activations.py", "not old/activations.py"),
    "two_changed_files_elsewhere": ([("a/activations.py", GOOD), ("b/activations.py", GOOD + "\n# v2\n")],
                                    None, "several changed files named activations.py"),
}


@pytest.mark.parametrize("case", CHOICES)
def test_the_worked_file_is_found_wherever_and_however_it_is_named(case, tmp_path):
    entries, graded, words = CHOICES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(tmp_path / "s.zip", "w") as zf:
            for name, text in entries:
                zf.writestr(name, text)
    sub = submissions.scan(tmp_path).submissions[0]
    files = submissions.materialize(sub, {"01_activations": "activations"}, tmp_path / "files")
    origins = [c.origin for c in files.get("01_activations", [])]
    assert origins == ([graded] if graded else []) and any(words in n for n in sub.notes), sub.notes
    if graded:
        assert files["01_activations"][0].path.read_text() == dict(entries)[graded]


LYING_RELU = GOOD.replace("import numpy as np\n", "import numpy as np\nimport sys as _s\n"
                          "_s.modules['protocol']._changed = lambda before, values: []\n", 1)


def test_a_file_that_reaches_into_its_runner_is_flagged_for_review(tmp_path):
    """What the runner measures inside the student's process (in-place writes, warnings) can be forged
    by code that patches that process; such code is named for the instructor, and no solution or
    example file is ever named (no false alarms)."""
    folder = tmp_path / "class" / "liar" / "01_activations"
    folder.mkdir(parents=True)
    (folder / "activations.py").write_text(LYING_RELU)
    (result,) = grade_class(tmp_path / "class", Plan.build(["01_activations"]), 1, Limits())
    (note,) = [n for n in result.notes if "for review" in n]
    assert "_s.modules (line " in note and "check this file by hand" in note
    kit_files = [*ROOT.glob("solutions/0*/*.py"), *ROOT.glob("examples/*/0*/*.py")]
    assert kit_files and [f for f in kit_files if submissions.grader_reach(f.read_bytes())] == []
