"""Build examples/: the small class that `make grade` grades by default.

Generated from solutions (source/) and the mutant table, so it follows every change of the
exercises; tests/test_examples.py fails when the committed examples/ is out of date.

- alice/     everything correct
- bob/       every assignment with two plausible mistakes (from tests/mutants)
- carol/     a syntax error in 01_activations, the rest correct
- dave/      handed in 01_activations only
- erin.zip   a zip with one top folder: stubs, a few functions of 01_activations done
- frank/     01_activations imports torch (scores 0 there), the rest correct

Usage: python -m tests.examples_class [OUTDIR]   (default: examples/)
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

from tests.kit import ROOT, mutants, source_file
from autograder.checks import assignments
from autograder.release import remove_markers, replace_function, strip_solutions

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
"""


def _solution(a) -> str:
    return remove_markers(source_file(a).read_text())


def _stub(a) -> str:
    return strip_solutions(source_file(a).read_text())


def _with_mutants(a, count: int) -> str:
    text, used = _solution(a), set()
    for name, (function, new_def) in mutants(a).items():
        if function in used or len(used) >= count:
            continue
        text = replace_function(text, function, new_def)
        used.add(function)
    return text


def _partly_done(a) -> str:
    import ast

    solution = _solution(a)
    text = _stub(a)
    funcs = [n for n in ast.parse(solution).body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    lines = solution.splitlines()
    for node in funcs[:3]:
        text = replace_function(text, node.name, "\n".join(lines[node.lineno - 1:node.end_lineno]))
    return text


def build(out: Path) -> None:
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


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples")
    print("wrote the example class")
