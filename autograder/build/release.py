"""Generate the student release (assignments/) and the solutions (solutions/) from source/.

source/ is the one source of truth. For every file under source/:
- ``.py`` files: in assignments/ each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region is
  replaced by nbgrader's own stub (``ClearSolutions``: ``# YOUR CODE HERE`` /
  ``raise NotImplementedError()``, indented like the marker); in solutions/ the marker lines are
  removed and the code kept.
- ``notebook.md`` (the narrative of the assignment's notebook) is not copied: with the module it
  makes the notebook, ``<folder>/<folder>.ipynb``, which nbgrader's own generate_assignment turns
  into the release notebook (solutions and hidden tests stripped) in assignments/; solutions/ gets
  the notebook with the markers removed (see ``autograder/build/notebooks.py``);
- the author's files (``checks.py``, ``hidden.py``, ``mutants.py``: ``gradkit.course.AUTHOR_FILES``)
  are not copied: the public checks run from the installed ``gradkit`` (which reads them in
  source/), the hidden checks and mutants are the instructor's;
- other files are copied.
Both trees also get a ``conftest.py`` that loads gradkit's pytest plugin and a ``pytest.ini``
(``autograder/templates/``), so ``pytest`` runs the checks in either tree, in the kit's venv.

Usage: ``python -m autograder.build.release [--check]`` (``--check``: exit 1 if the committed trees
differ from what source/ generates; nothing is written).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

from gradkit.course import AUTHOR_FILES, BEGIN, END, KIT, remove_markers, replace_function  # noqa: F401 (re-exported)

from .. import templates
from . import notebooks

TREES = ("assignments", "solutions")

ROOT_FILES = ("conftest.py", "pytest.ini")  # templates written at the root of both trees


def strip_solutions(text: str) -> str:
    """The student's version of a source file: nbgrader's ClearSolutions on every solution region."""
    from nbformat.v4 import new_code_cell
    from nbgrader.preprocessors import ClearSolutions

    cell = new_code_cell(text)
    ClearSolutions()._replace_solution_region(cell, "python")
    return cell.source


def build(out: Path, source: Path = KIT / "source") -> None:
    """Write assignments/ and solutions/ under ``out`` from ``source``."""
    for tree in TREES:
        dest = out / tree
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for path in sorted(source.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or ".ipynb_checkpoints" in path.parts:
                continue
            if path.name == notebooks.TEXT_FILE or path.name in AUTHOR_FILES:
                continue
            target = dest / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".py":
                text = path.read_text(encoding="utf-8")
                target.write_text(strip_solutions(text) if tree == "assignments" else remove_markers(text),
                                  encoding="utf-8")
            else:
                shutil.copyfile(path, target)
        for name in ROOT_FILES:
            (dest / name).write_text(templates.text(name), encoding="utf-8")
    notebooks.build(out, source)


def differences(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two trees (ignoring caches)."""
    out = []
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__", ".pytest_cache", ".ipynb_checkpoints"])

    def walk(c, prefix=""):
        out.extend(prefix + n for n in c.left_only + c.right_only + c.funny_files)
        out.extend(prefix + n for n in c.diff_files)
        for name, sub in c.subdirs.items():
            walk(sub, prefix + name + "/")

    walk(cmp)
    # dircmp compares shallowly by stat; confirm byte-for-byte
    return sorted(set(out) | {p for p in _same_name_files(a, b) if not filecmp.cmp(a / p, b / p, shallow=False)})


def _same_name_files(a: Path, b: Path):
    for p in a.rglob("*"):
        rel = p.relative_to(a)
        if p.is_file() and "__pycache__" not in rel.parts and (b / rel).is_file():
            yield str(rel)


def out_of_sync(root: Path = KIT) -> list[str]:
    """What differs between the committed trees and a fresh build from source/."""
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp), root / "source")
        problems = []
        for tree in TREES:
            if not (root / tree).is_dir():
                problems.append(f"{tree}/ is missing")
                continue
            problems += [f"{tree}/{p}" for p in differences(Path(tmp) / tree, root / tree)]
        return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.build.release",
                                     description="Generate assignments/ and solutions/ from source/ (make release).")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the committed trees differ from what source/ generates")
    if parser.parse_args(argv).check:
        problems = out_of_sync()
        if problems:
            print("out of sync with source/ (run `make release`):\n  " + "\n  ".join(problems))
            return 1
        print("assignments/ and solutions/ match source/")
        return 0
    build(KIT)
    print(f"wrote {', '.join(t + '/' for t in TREES)} from source/ (notebooks through nbgrader generate_assignment)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
