"""Reading a student's text without running it.

- ``parse_untrusted``: ``ast.parse`` of student text, contained: a text that exhausts Python's
  parser (MemoryError or RecursionError on deeply nested code) is a SyntaxError like any other
  (``ParserExhausted``);
- ``find_notebook``: which notebook of a submission belongs to an assignment;
- ``module_from_notebook``: the code of a student's notebook as the text of ``<module>.py`` (the
  reverse of ``notebooks``: read with nbformat, never executed).

The intake (``submissions``), the grader (``grade``) and nbgrader's intake (``nbgrade``) use them.
"""

from __future__ import annotations

import ast
import logging
import warnings
from pathlib import PurePosixPath

from gradkit.bounds import SourceTooLarge, check_cells
from gradkit.protocol import parse_python


class ParserExhausted(SyntaxError):
    """Student text nested so deeply that Python's parser gave up (MemoryError or RecursionError)."""


def parse_untrusted(text: str | bytes, filename: str = "<submission>") -> ast.Module:
    """``ast.parse`` of student text, contained: raises SyntaxError (``ParserExhausted`` when the
    text exhausts the parser's stack or the recursion limit) and ValueError (null bytes;
    ``gradkit.bounds.SourceTooLarge`` for a text of more tokens than the kit reads, which is then
    never parsed), nothing else."""
    try:
        return parse_python(text, filename)
    except (MemoryError, RecursionError, SystemError) as exc:
        raise ParserExhausted(f"the code is nested too deeply for Python's parser ({type(exc).__name__})") from None


def find_notebook(names: list[str], folder: str) -> str | None:
    """The submission's notebook for ``folder`` among relative posix paths: ``<folder>/<folder>.ipynb``
    (under at most one top folder), else the only ``.ipynb`` in a ``<folder>/`` directory, else the
    only file named ``<folder>.ipynb`` (an upload of loose files, as Gradescope takes them)."""
    usable = [n for n in names if n.endswith(".ipynb") and ".ipynb_checkpoints" not in n and "__MACOSX" not in n]
    nbs = [n for n in usable if PurePosixPath(n).parent.name == folder and len(PurePosixPath(n).parts) <= 3]
    exact = [n for n in nbs if PurePosixPath(n).name == f"{folder}.ipynb"]
    loose = [n for n in usable if PurePosixPath(n).name == f"{folder}.ipynb"]
    return min(exact, key=len) if exact else nbs[0] if len(nbs) == 1 else loose[0] if len(loose) == 1 else None


KEEP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
        ast.AnnAssign, ast.If, ast.Try)
SKIP_ROLES = ("setup", "test", "demo")
MAX_FILE = 1024 * 1024  # bytes of a module file the grader takes (submissions); characters of a notebook's code
# JSON objects and arrays a notebook may hold before it is parsed: parsing costs the judge about
# 500 bytes each (6.3 million empty objects, 19 MB of text, took 3.5 GB), and a real notebook has
# a few thousand (images and outputs are strings). Counted as "{" and "[" characters: an upper bound.
MAX_CONTAINERS = 100_000


def _without_magics(src: str) -> str:
    """IPython magics and shell escapes commented out (``%matplotlib inline``, ``!pip ...``)."""
    return "\n".join(f"# {ln}" if ln.lstrip().startswith(("%", "!")) else ln for ln in src.split("\n"))


def module_from_notebook(data: bytes | str, module: str, name: str = "the notebook") -> tuple[str, list[str]]:
    """The code of a student's notebook as the text of ``<module>.py``, and notes for the student.

    Taken, in notebook order: the answer cells (nbgrader solution cells), the given code, and any
    code cell the student added; left out: the set-up, test and plot cells the notebook came with.
    Of each cell only the top-level definitions, imports and assignments are kept (no calls, loops
    or prints: those were scratch work in the notebook). A cell that does not parse is left out
    with a note, so one broken cell costs only the functions it defines, as it does under nbgrader.
    A cell that exhausts Python's parser (deeply nested code) is left out like one that does not
    parse. Nothing is executed. Raises ValueError if ``data`` is not a notebook, or if its code cells
    hold more than ``MAX_FILE`` characters (more than the grader takes from a module file) or more
    than ``gradkit.bounds.MAX_TOKENS`` tokens (counted before any cell is parsed).
    """
    import nbformat  # slow to import; only a notebook submission needs it

    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    containers = text.count("{") + text.count("[")
    if containers > MAX_CONTAINERS:
        raise ValueError(f"{name} holds about {containers} JSON objects and arrays, far more than a notebook "
                         f"needs (at most {MAX_CONTAINERS} are read); clear its outputs "
                         "(Kernel > Restart & Clear Output) and hand it in again")
    logging.getLogger("nbformat").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # not JSON, not a notebook, nested too deeply, ...
        raise ValueError(f"{name} is not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})")
    notes, parts, dropped = [], [f'"""{module}.py, extracted by gradkit from {name} (code cells only; nothing '
                                 f'was run)."""\n'], 0
    cells, total = [], 0
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        md = cell.get("metadata") or {}
        nbg = md.get("nbgrader") or {}
        role = (md.get("gradkit") or {}).get("role", "")
        if role in SKIP_ROLES or (nbg.get("grade") and not nbg.get("solution")):
            continue
        src = cell.get("source") or ""
        src = "".join(map(str, src)) if isinstance(src, list) else str(src)
        code = _without_magics(src)
        total += len(code)
        if total > MAX_FILE:  # bounds what is parsed: the grader would refuse the module anyway
            raise ValueError(f"the code cells of {name} hold more than {MAX_FILE // 1024} KB of code; not graded")
        cells.append((i, nbg.get("grade_id") or role or "your cell", code))
    try:  # what would be parsed, bounded before any cell is
        check_cells([code for _, _, code in cells])
    except SourceTooLarge as exc:
        raise ValueError(exc.message(f"the code of {name}", "the notebook was not graded")) from None
    for i, label, code in cells:
        try:
            tree = parse_untrusted(code, f"cell {i + 1}")
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            kind = "SyntaxError" if isinstance(exc, SyntaxError) else type(exc).__name__
            notes.append(f"cell {i + 1} ({label}) was not graded: {kind}: "
                         f"{getattr(exc, 'msg', exc)}" + (f" (line {line} of the cell)" if line else ""))
            parts.append(f"# --- cell {i + 1} ({label}): left out, it does not parse ---\n")
            continue
        lines = code.split("\n")
        kept = []
        for node in tree.body:
            if isinstance(node, KEEP):
                start = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno)
                kept.append("\n".join(lines[start - 1:node.end_lineno]))
            else:
                dropped += 1
        body = code.strip("\n") if len(kept) == len(tree.body) else "\n\n".join(kept)
        if body.strip():
            parts.append(f"# --- cell {i + 1} ({label}) ---\n{body}\n")
    if dropped:
        notes.append(f"{dropped} top-level statement(s) of the notebook that are not definitions, imports or "
                     "assignments (calls, loops, prints) were left out of the graded code")
    return "\n\n".join(parts), notes
