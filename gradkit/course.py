"""The assignments of the course, found in the course folder: one folder per assignment.

The course folder is ``source/`` beside this package (the kit's masters; a bundle built under
``dist/`` lays out its vendored copy the same way). An assignment is a folder ``NN_name/`` holding:

- ``checks.py``          the public checks, ``CHECKS = [...]``, and ``MODULE = "<module>"``;
- ``<module>.py``        the master module (solution regions marked), the file a student edits;
- ``test_<module>.py``   the two-line pytest file shipped to students;
- ``hidden.py``          the hidden checks, ``CHECKS = [...]`` (optional; never shipped to students);
- ``mutants.py``         plausible wrong implementations, ``MUTANTS = {name: (function, source, mistake)}``
                         (the kit's own tests, and the grader's named mistakes; optional);
- ``notebook.md``        the notebook's text (optional).

The registry is what is there: every folder with a ``checks.py``, ordered by its number. Removing
the folder removes the assignment. The author's files of a folder are imported as the modules
``<PACKAGE_PREFIX><folder>.checks`` (and ``.hidden``, ``.mutants``), so ``hidden.py`` and
``mutants.py`` use the factories of ``checks.py`` with ``from .checks import ...``.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from . import references

KIT = Path(__file__).resolve().parent.parent  # the kit's folder (assignments/, solutions/, examples/ beside source/)
COURSE_DIR = KIT / "source"
FOLDER = re.compile(r"^(\d+)_[A-Za-z0-9_]+$")
PUBLIC, HIDDEN, MUTANTS = "checks.py", "hidden.py", "mutants.py"
# never copied into assignments/ or solutions/ (with torch's stored answers, ``references.STORED``)
AUTHOR_FILES = frozenset({PUBLIC, HIDDEN, MUTANTS}) | references.STORED
PACKAGE_PREFIX = "gradkit_course_"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"  # the solution's markers in a master module


@dataclass(frozen=True)
class Assignment:
    folder: str  # e.g. "01_activations": the gradebook column and the submission folder
    module: str  # e.g. "activations": the student file is <folder>/<module>.py
    path: Path  # the assignment's folder in the course folder

    @property
    def master(self) -> Path:
        """The master module ``<module>.py`` (solution regions marked), the file a student edits."""
        return self.path / f"{self.module}.py"

    def public_checks(self) -> list:
        """The checks shipped to students (``checks.py``), their torch answers stored beside them
        (``references``)."""
        return self._stored(list(self.load(PUBLIC).CHECKS), "public")

    def hidden_checks(self) -> list:
        """The hidden checks (``hidden.py``); [] where the folder has none (a student bundle)."""
        return self._stored(list(self.load(HIDDEN).CHECKS), "hidden") if (self.path / HIDDEN).is_file() else []

    def _stored(self, checks: list, kind: str) -> list:
        student = (f"{self.module}.py", f"test_{self.module}.py")
        return references.attach(checks, references.store_for(self.path, kind, student))

    def mutants(self) -> dict:
        """``{name: (function, source, mistake)}`` of ``mutants.py`` (``mistake``: what the mutant gets
        wrong, completing "your <function> ..."; "" for a mutant written as ``(function, source)``);
        {} where the folder has none."""
        if not (self.path / MUTANTS).is_file():
            return {}
        return {name: (*entry, "")[:3] for name, entry in self.load(MUTANTS).MUTANTS.items()}

    def solution(self) -> str:
        """The master module with its solution kept (the marker lines dropped)."""
        return remove_markers(self.master.read_text(encoding="utf-8"))

    def mutant(self, name: str) -> str:
        """The solution with the function of mutant ``name`` replaced by the mutant's source."""
        function, new_def, _ = self.mutants()[name]
        return replace_function(self.solution(), function, new_def)

    def load(self, filename: str) -> types.ModuleType:
        """The module of the author's file ``filename`` (e.g. ``PUBLIC``) of this folder."""
        return importlib.import_module(f"{_package(self.path)}.{filename[:-3]}")


def remove_markers(text: str) -> str:
    """The solution's version of a source file: the code kept, the marker lines dropped."""
    return "".join(ln for ln in text.splitlines(keepends=True) if BEGIN not in ln and END not in ln)


def replace_function(text: str, name: str, new_def: str) -> str:
    """``text`` with the top-level function ``name`` replaced by the source ``new_def``."""
    tree = ast.parse(text)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
            lines = text.splitlines(keepends=True)
            return "".join(lines[:start]) + new_def.strip("\n") + "\n" + "".join(lines[node.end_lineno:])
    raise KeyError(f"no top-level function {name}() in the source")


def _package(folder: Path) -> str:
    """The name of the package whose modules are the files of ``folder`` (registered on first use)."""
    name = PACKAGE_PREFIX + folder.name
    known = sys.modules.get(name)
    if known is None or list(getattr(known, "__path__", [])) != [str(folder)]:
        for sub in [m for m in sys.modules if m.startswith(name + ".")]:
            del sys.modules[sub]
        package = types.ModuleType(name, f"the author's files of the assignment {folder.name}")
        package.__path__ = [str(folder)]
        sys.modules[name] = package
    return name


_MODULES: dict[tuple, str] = {}  # (checks.py, its mtime and size) -> its MODULE: read once, not per listing


def module_of(folder: Path) -> str:
    """The student module of an assignment folder: ``MODULE = "<name>"`` in its ``checks.py`` (read, not
    imported: listing the assignments does not import torch). Parsed once per version of the file
    (a class's intake lists the assignments once per submission)."""
    stat = (folder / PUBLIC).stat()
    key = (str(folder / PUBLIC), stat.st_mtime_ns, stat.st_size)
    if key not in _MODULES:
        _MODULES[key] = _module_in(folder)
    return _MODULES[key]


def _module_in(folder: Path) -> str:
    tree = ast.parse((folder / PUBLIC).read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["MODULE"]
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return node.value.value
    raise ValueError(f"{folder / PUBLIC} must name the student's module: MODULE = \"<name>\" (the student edits "
                     f"<name>.py)")


def available(course: Path = COURSE_DIR) -> list[Assignment]:
    """The assignments of ``course``: its ``NN_name/`` folders with a ``checks.py``, by number."""
    folders = [p for p in course.iterdir() if p.is_dir() and FOLDER.match(p.name) and (p / PUBLIC).is_file()]
    folders.sort(key=lambda p: (int(FOLDER.match(p.name).group(1)), p.name))
    return [Assignment(p.name, module_of(p), p) for p in folders]


def by_folder(folder: str, course: Path = COURSE_DIR) -> Assignment:
    """The assignment in ``course/folder``."""
    found = {a.folder: a for a in available(course)}
    if folder not in found:
        raise KeyError(f"no assignment named {folder!r} in {course}; known: {', '.join(found) or 'none'}")
    return found[folder]


def named(name: str, course: Path = COURSE_DIR) -> Assignment:
    """The assignment ``name`` names in ``course``: its folder (``04_batchnorm``), its module
    (``batchnorm``) or an unambiguous prefix of its folder (``04``). ValueError saying what
    ``name`` matches and listing the assignments otherwise."""
    known = available(course)
    matches = ([a for a in known if name in (a.folder, a.module)]
               or [a for a in known if name and a.folder.startswith(name)])
    if len(matches) != 1:
        problem = "matches " + ", ".join(a.folder for a in matches) if matches else "is not an assignment"
        raise ValueError(f"{name!r} {problem}; the assignments are: {', '.join(a.folder for a in known)} "
                         "(a number such as 01 is enough)")
    return matches[0]
