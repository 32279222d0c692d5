"""Build examples/: the small class that `make grade` grades by default.

Generated from the masters (source/: each assignment's module and its ``mutants.py``), so it
follows every change of the exercises; tests/test_examples.py fails when the committed examples/
is out of date. ``make release`` runs it after ``autograder.build.release``.

- alice/     everything correct
- bob/       every assignment with two plausible mistakes (from each assignment's mutants.py)
- carol/     a syntax error in 01_activations, the rest correct
- dave/      handed in 01_activations only
- erin.zip   a zip with one top folder: stubs, a few functions of 01_activations done
- frank/     01_activations imports torch (scores 0 there), the rest correct
- _notebooks/ a class of notebook submissions of 01_activations for `make nbgrade` (and `make grade`):
  ada (correct), ben (two plausible mistakes), cy (an endless loop in relu_derivative). `make grade`
  on examples/ lists it as skipped: a folder holding several submissions is a class, not a student.

Usage: python -m autograder.build.examples [OUTDIR]   (default: examples/)
"""

from __future__ import annotations

import argparse
import ast
import shutil
import sys
import zipfile
from pathlib import Path

from gradkit import course as assignments
from gradkit.course import KIT
from .notebooks import fill_answers, solution_functions
from .release import remove_markers, replace_function, strip_solutions

README = """# The bundled example class

`make grade` grades these submissions (the kit regenerates them from source/ with `make release`):

| student | what it shows |
|---|---|
| alice/ | a correct submission: 100 on every assignment |
| bob/ | two plausible mistakes per assignment: partial credit and feedback |
| carol/ | a syntax error in 01_activations: 0 there with the error, the rest graded |
| dave/ | only 01_activations handed in: the others are "not submitted" |
| erin.zip | a zip with a top folder, mostly unfinished stubs |
| frank/ | imports torch in 01_activations: 0 there with the reason |

`_notebooks/` holds notebook submissions of 01_activations (the release notebook, filled in) for
`make nbgrade` (nbgrader's autograde) and `make grade SUBMISSIONS=examples/_notebooks`:

| student | what it shows |
|---|---|
| ada/ | correct, the three written answers given: 100 auto-graded points, 10 to grade by hand |
| ben/ | relu_derivative wrong at 0, leaky_relu ignores its slope (only the hidden checks see it) |
| cy/ | an endless loop in relu_derivative: interrupted, that function scores 0, the rest is graded |
"""


def _solution(a) -> str:
    return remove_markers(a.master.read_text())


def _stub(a) -> str:
    return strip_solutions(a.master.read_text())


def _with_mutants(a, count: int) -> str:
    text, used = _solution(a), set()
    for name, (function, new_def, _) in a.mutants().items():
        if function in used or len(used) >= count:
            continue
        text = replace_function(text, function, new_def)
        used.add(function)
    return text


def _partly_done(a) -> str:
    solution = _solution(a)
    text = _stub(a)
    funcs = [n for n in ast.parse(solution).body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    lines = solution.splitlines()
    for node in funcs[:3]:
        text = replace_function(text, node.name, "\n".join(lines[node.lineno - 1:node.end_lineno]))
    return text


def build(out: Path, release: Path | None = None) -> None:
    """The example class in ``out``; ``release`` is the release notebook of 01_activations the
    notebook students start from (default: assignments/'s)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "README.md").write_text(README)
    avail = assignments.available()

    def put(student: str, a, text: str) -> None:
        path = out / student / a.folder / f"{a.module}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    for a in avail:
        put("alice", a, _solution(a))
        put("bob", a, _with_mutants(a, 2))
        put("carol", a, _solution(a) if a.folder != "01_activations"
            else _solution(a).replace("def relu(z):", "def relu(z)", 1))
        if a.folder == "01_activations":
            put("dave", a, _solution(a))
        put("frank", a, _solution(a) if a.folder != "01_activations"
            else _solution(a).replace("import numpy as np", "import numpy as np\nimport torch", 1))
    with zipfile.ZipFile(out / "erin.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for a in avail:
            text = _partly_done(a) if a.folder == "01_activations" else _stub(a)
            info = zipfile.ZipInfo(f"erin-homework/{a.folder}/{a.module}.py", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
    build_notebooks(out / "_notebooks", release)


NOTEBOOK_FOLDER = "01_activations"
LOOPING_RELU_DERIVATIVE = '''def relu_derivative(z):
    """Derivative of ReLU, one entry at a time."""
    z = _as_float(z)
    out = np.zeros_like(z)
    i = 0
    while i < z.size:  # i is never incremented: an endless loop
        out.flat[i] = 1.0 if z.flat[i] > 0 else 0.0
    return out'''
WRITTEN = {
    "depth": "At most (1/4)^20, about 1e-12, because the sigmoid's derivative is at most 1/4. ReLU's "
             "derivative is 1 for active units, but units stuck below 0 die; LeakyReLU keeps a small slope.",
    "selu": "SELU's constants make mean 0 / variance 1 a fixed point only if Var(w) = 1/fan_in (LeCun) "
            "and the inputs start at mean 0, variance 1.",
    "slopes": "PReLU's slope is a parameter that gradient descent fits to the data; RReLU's random slope is "
              "training noise, a regulariser. At test time RReLU uses the mean slope, the expected output, so "
              "the same input always gives the same prediction.",
}


def notebook_students(release: Path | None = None) -> dict[str, object]:
    """{student: notebook} for examples/_notebooks, from the release notebook of 01_activations."""
    import nbformat  # slow to import; only the notebook class needs it

    release = release or KIT / "assignments" / NOTEBOOK_FOLDER / f"{NOTEBOOK_FOLDER}.ipynb"
    nb = nbformat.read(str(release), as_version=4)
    a = assignments.by_folder(NOTEBOOK_FOLDER)
    right = solution_functions(a.folder, a.module)
    mutants = a.mutants()
    wrong = dict(right, **{mutants[m][0]: mutants[m][1].strip()
                           for m in ("relu_derivative_one_at_zero", "leaky_relu_fixed_slope")})
    return {
        "ada": fill_answers(nb, right, WRITTEN),
        "ben": fill_answers(nb, wrong, {"depth": WRITTEN["depth"]}),
        "cy": fill_answers(nb, dict(right, relu_derivative=LOOPING_RELU_DERIVATIVE)),
    }


def build_notebooks(out: Path, release: Path | None = None) -> None:
    """Write ``out/<student>/01_activations/01_activations.ipynb`` for every notebook student."""
    import nbformat  # slow to import; only the notebook class needs it

    for student, nb in notebook_students(release).items():
        path = out / student / NOTEBOOK_FOLDER / f"{NOTEBOOK_FOLDER}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.build.examples",
                                     description="Generate the example class (alice ... frank, _notebooks/) from "
                                                 "source/; make release runs it.")
    parser.add_argument("outdir", nargs="?", type=Path, default=KIT / "examples",
                        help="where the class goes (default: examples/)")
    out = parser.parse_args(argv).outdir
    build(out)
    print(f"wrote the example class in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
