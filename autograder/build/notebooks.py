"""The assignment notebooks: generated from source/, released through nbgrader, read back by the grader.

One source of truth. The code of an assignment lives only in ``source/<folder>/<module>.py``.
Its notebook is generated from that file and from ``source/<folder>/notebook.md`` (the
narrative, the plots and the written questions), in nbgrader's source format:

- a title and the module docstring (markdown);
- a read-only set-up cell (``templates/notebook_setup.py``: imports ``gradkit.notebook.check``;
  ``%matplotlib inline``) and a read-only cell
  with the module's imports, constants and private helpers;
- per public function: a heading, a solution cell holding the function exactly as in the module
  (with its ``### BEGIN SOLUTION`` markers) and one autograder test cell whose points are the
  function's public + hidden check points. The cell calls ``check(...)`` (the check engine,
  ``gradkit/notebook.py``) and, between ``### BEGIN HIDDEN TESTS`` markers, the hidden
  checks; its value is the points earned (nbgrader's partial credit);
- code cells for plots and demos, and manually graded written questions (markdown answer cells).

notebook.md is markdown cut into cells by directive lines::

    %% docstring                        the title and the module docstring
    %% setup                            the set-up cell and the module's given code
    %% exercise NAME [NAME ...]         heading + solution cell + test cell, per function
    %% markdown                         a markdown cell (text before the first directive is one too)
    %% code                             a code cell (plots, demos): the lines up to the next directive
    %% question ID POINTS               a question graded by hand: the prompt ...
    %% answer                           ... and the model answer (removed from the release)

Every public function of the module appears in exactly one ``%% exercise`` line.

``python -m autograder.build.release`` writes the source notebooks into an nbgrader course directory,
runs nbgrader's own ``generate_assignment`` there (solutions and hidden tests stripped,
checksums added) and copies the result to ``assignments/<folder>/<folder>.ipynb``; the solution
notebook (markers removed, hidden checks kept, so every test cell earns its full points) goes to
``solutions/<folder>/<folder>.ipynb``.

The reverse path, a student's notebook read back as ``<module>.py`` by the batch grader, is
``student_text.module_from_notebook``.
"""

from __future__ import annotations

import ast
import copy
import logging
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from gradkit import course as course_registry
from gradkit.course import KIT

from .. import templates

TEXT_FILE = "notebook.md"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
DIRECTIVE = re.compile(r"^%%\s*([a-z]+)\b\s*(.*?)\s*$")

SETUP = templates.text("notebook_setup.py") + "%matplotlib inline"  # the read-only set-up cell

TEST = '''\
# Checks {function}() against PyTorch: {public} points here; the grader's hidden checks add {hidden} more.
_score = check("{folder}", "{function}", globals())
{begin_hidden}
_score += check("{folder}", "{function}", globals(), hidden=True)
{end_hidden}
_score'''


class NotebookTextError(ValueError):
    """notebook.md does not fit the module (a function missing, twice, or unknown; a bad directive)."""


# --- reading the module ----------------------------------------------------------------------

def _segments(text: str):
    """(node, source text) for every top-level statement, with the comments just above it."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    prev_end = 0
    out = []
    for node in tree.body:
        start = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno) - 1
        head = lines[prev_end:start]
        while head and not head[0].strip():
            head = head[1:]
        comments = [ln for ln in head if ln.strip().startswith("#")]
        if len(comments) != len([ln for ln in head if ln.strip()]):
            comments = []  # something else lies between: keep only the node
        end = node.end_lineno
        for j in range(end, len(lines)):  # indented comments after the last statement (### END SOLUTION)
            if lines[j].strip() and not (lines[j][:1].isspace() and lines[j].strip().startswith("#")):
                break
            if lines[j].strip():
                end = j + 1
        seg = "".join(comments) + "".join(lines[start:end])
        out.append((node, seg.rstrip("\n")))
        prev_end = end
    return tree, out


def split_module(text: str) -> tuple[str, str, dict[str, str]]:
    """(module docstring, the given code: imports, constants, helpers, {public function: its code})."""
    tree, segments = _segments(text)
    doc = ast.get_docstring(tree) or ""
    given, functions = [], {}
    for i, (node, seg) in enumerate(segments):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant):
            continue  # the module docstring
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and "### BEGIN SOLUTION" in seg:
            functions[node.name] = seg  # an exercise; public functions without a solution are given code
        else:
            given.append((node, seg))
    out, prev = [], None
    defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    imports = (ast.Import, ast.ImportFrom)
    for node, seg in given:  # spaced as PEP 8 spaces a module
        if prev is not None:
            if isinstance(node, defs) or isinstance(prev, defs):
                out.append("\n\n\n")
            elif (isinstance(node, imports) and isinstance(prev, imports)) or (
                    type(node) is type(prev) and not seg.lstrip().startswith("#")):
                out.append("\n")
            else:
                out.append("\n\n")
        out.append(seg)
        prev = node
    return doc, "".join(out), functions


def _signature(code: str) -> str:
    node = ast.parse(code).body[0]
    return f"{node.name}({ast.unparse(node.args)})"


def _first_line(code: str) -> str:
    doc = ast.get_docstring(ast.parse(code).body[0]) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def docstring_markdown(doc: str) -> str:
    """The module docstring as notebook markdown: a title, RST literals as markdown code."""
    title, _, body = doc.strip().partition("\n")
    body = re.sub(r"\s*Run the public checks with ``pytest`` in this folder\.", "", body)
    body = re.sub(r"``([^`]+)``", r"`\1`", body).strip()
    return f"# {title.strip().rstrip('.')}\n\n{body}".rstrip()


# --- notebook.md -----------------------------------------------------------------------------

def parse_text(text: str) -> list[tuple[str, list[str], str]]:
    """[(directive, arguments, body)] of a notebook.md; text before the first directive is markdown."""
    blocks, kind, args, body = [], "markdown", [], []
    for line in text.splitlines():
        m = DIRECTIVE.match(line)
        if m:
            blocks.append((kind, args, "\n".join(body).strip("\n")))
            kind, args, body = m.group(1), m.group(2).split(), []
        else:
            body.append(line)
    blocks.append((kind, args, "\n".join(body).strip("\n")))
    known = {"markdown", "docstring", "setup", "exercise", "code", "question", "answer"}
    for kind, args, body in blocks:
        if kind not in known:
            raise NotebookTextError(f"unknown directive %% {kind} (known: {', '.join(sorted(known))})")
    return [b for b in blocks if b[0] != "markdown" or b[2].strip()]


# --- building the source notebook ------------------------------------------------------------

def _points(x: float):
    return int(x) if float(x).is_integer() else float(x)


def _meta(role: str, nbgrader: dict | None = None, **extra) -> dict:
    md = {"gradkit": {"role": role, **extra}}
    if nbgrader is not None:
        md["nbgrader"] = {"grade": False, "locked": False, "schema_version": 3, "solution": False,
                          "task": False, **nbgrader}
    return md


def _check_points(folder: str, source: Path = KIT / "source") -> tuple[dict[str, float], dict[str, float]]:
    """{function: points} of the public and of the hidden checks of an assignment."""
    a = course_registry.by_folder(folder, source)
    public, secret = {}, {}
    for c in a.public_checks():
        public[c.function] = public.get(c.function, 0) + c.points
    for c in a.hidden_checks():
        secret[c.function] = secret.get(c.function, 0) + c.points
    return public, secret


def source_notebook(folder: str, module: str, source: Path = KIT / "source"):
    """The nbgrader source notebook of one assignment (an nbformat NotebookNode)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    text = (source / folder / f"{module}.py").read_text(encoding="utf-8")
    doc, given, functions = split_module(text)
    blocks = parse_text((source / folder / TEXT_FILE).read_text(encoding="utf-8"))
    public, secret = _check_points(folder, source)
    cells, seen, ids = [], [], set()

    def add(cell, cid: str):
        cid = re.sub(r"[^A-Za-z0-9_-]", "-", cid)[:64]
        if cid in ids:
            raise NotebookTextError(f"{folder}/{TEXT_FILE}: two cells would be called {cid!r}")
        ids.add(cid)
        cell.id = cid
        cells.append(cell)

    question = None
    for n, (kind, args, body) in enumerate(blocks):
        if kind == "markdown":
            add(new_markdown_cell(body, metadata=_meta("text")), f"text-{n}")
        elif kind == "docstring":
            add(new_markdown_cell(docstring_markdown(doc), metadata=_meta("text")), "title")
        elif kind == "setup":
            add(new_code_cell(SETUP, metadata=_meta("setup", {"grade_id": "setup", "locked": True})), "setup")
            solution = BEGIN in given
            add(new_code_cell(f"# Given (from {module}.py): imports, constants and helpers.\n{given}",
                              metadata=_meta("given", {"grade_id": "given", "locked": not solution,
                                                       "solution": solution})), "given")
        elif kind == "exercise":
            for name in args:
                if name not in functions:
                    raise NotebookTextError(f"{folder}/{TEXT_FILE}: %% exercise {name}: {module}.py has no "
                                            f"public function {name}()")
                if name in seen:
                    raise NotebookTextError(f"{folder}/{TEXT_FILE}: {name} appears in two %% exercise lines")
                seen.append(name)
                pub, hid = public.get(name, 0), secret.get(name, 0)
                if pub <= 0:
                    raise NotebookTextError(f"{folder}: {name}() has no public checks")
                code = functions[name]
                add(new_markdown_cell(f"### `{_signature(code)}`\n\n{_first_line(code)}\n\n"
                                      f"Worth **{pub + hid:g} points**: {pub:g} from the public checks in the "
                                      f"cell below it, {hid:g} from hidden checks when your notebook is graded.",
                                      metadata=_meta("text", function=name)), f"about-{name}")
                add(new_code_cell(code, metadata=_meta("answer", {"grade_id": name, "solution": True},
                                                       function=name)), f"answer-{name}")
                test = TEST.format(function=name, folder=folder, public=f"{pub:g}", hidden=f"{hid:g}",
                                   begin_hidden=BEGIN_HIDDEN, end_hidden=END_HIDDEN)
                add(new_code_cell(test, metadata=_meta("test", {"grade_id": f"test_{name}", "grade": True,
                                                                 "locked": True, "points": _points(pub + hid)},
                                                       function=name)), f"test-{name}")
        elif kind == "code":
            add(new_code_cell(body, metadata=_meta("demo")), f"code-{n}")
        elif kind == "question":
            if len(args) != 2:
                raise NotebookTextError(f"{folder}/{TEXT_FILE}: write %% question ID POINTS")
            qid, qpoints = args[0], float(args[1])
            question = (qid, qpoints)
            add(new_markdown_cell(f"**Question ({qpoints:g} points, graded by hand).** {body}",
                                  metadata=_meta("question", question=qid)), f"question-{qid}")
        elif kind == "answer":
            if question is None:
                raise NotebookTextError(f"{folder}/{TEXT_FILE}: %% answer without a %% question before it")
            qid, qpoints = question
            add(new_markdown_cell(body, metadata=_meta("written", {"grade_id": f"answer_{qid}", "grade": True,
                                                                    "solution": True, "points": _points(qpoints)},
                                                       question=qid)), f"written-{qid}")
            question = None
    missing = [f for f in functions if f not in seen]
    if missing:
        raise NotebookTextError(f"{folder}/{TEXT_FILE}: no %% exercise line for {', '.join(missing)}")
    if "setup" not in ids:
        raise NotebookTextError(f"{folder}/{TEXT_FILE}: no %% setup line")
    if question is not None:
        raise NotebookTextError(f"{folder}/{TEXT_FILE}: %% question {question[0]} has no %% answer")
    nb = new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC),
                                             "language_info": {"name": "python"}})
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nb


def auto_points(nb) -> float:
    return sum(c.metadata["nbgrader"]["points"] for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")


def manual_points(nb) -> float:
    return sum(c.metadata["nbgrader"]["points"] for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "markdown")


def solution_notebook(nb):
    """The source notebook with the marker lines removed: solutions and hidden checks kept."""
    nb = copy.deepcopy(nb)
    markers = (BEGIN, END, BEGIN_HIDDEN, END_HIDDEN)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = "\n".join(ln for ln in cell.source.split("\n") if not any(m in ln for m in markers))
    return nb


def has_notebook(folder: str, source: Path = KIT / "source") -> bool:
    return (source / folder / TEXT_FILE).is_file()


# --- nbgrader ----------------------------------------------------------------------------------

def nbgrader_config(course: Path, database: bool = True):
    """nbgrader's configuration: the repository's nbgrader_config.py, with the course root set."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = Config()
    if (KIT / "nbgrader_config.py").is_file():
        cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=str(KIT)).load_config())
    cfg.CourseDirectory.root = str(course)
    if not database:
        cfg.SaveCells.enabled = False
        cfg.GenerateAssignment.no_database = True
    return cfg


def ensure_alembic_on_path() -> None:
    """nbgrader shells out to ``alembic`` (found on PATH) when it creates a gradebook."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def nbgrader_api(course: Path, database: bool = True):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    ensure_alembic_on_path()
    cfg = nbgrader_config(course, database)
    api = NbGraderAPI(CourseDirectory(config=cfg), config=cfg)
    api.log.setLevel(logging.WARNING)
    return api


def write_course_source(course: Path, folders: list[tuple[str, str]], source: Path = KIT / "source") -> dict:
    """Write ``course/source/<folder>/<folder>.ipynb`` for each (folder, module); {folder: notebook}."""
    import nbformat

    out = {}
    for folder, module in folders:
        nb = source_notebook(folder, module, source)
        dest = course / "source" / folder
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        nbformat.write(nb, str(dest / f"{folder}.ipynb"))
        out[folder] = nb
    return out


def generate_assignment(api, folder: str) -> None:
    """nbgrader's own generate_assignment (in-process); raise with nbgrader's log on failure."""
    result = api.generate_assignment(folder, force=True, create=True)
    if not result.get("success"):
        raise RuntimeError(f"nbgrader generate_assignment {folder} failed:\n{result.get('error') or ''}\n"
                           f"{result.get('log') or ''}")


def build(out: Path, source: Path = KIT / "source", course: Path | None = None) -> list[str]:
    """Write ``out/assignments/<folder>/<folder>.ipynb`` (nbgrader's release) and
    ``out/solutions/<folder>/<folder>.ipynb`` for every assignment with a notebook.md; returns the
    folders. The nbgrader course (``course``, default a temporary folder) has no gradebook."""
    import nbformat

    todo = [(a.folder, a.module) for a in course_registry.available(source) if has_notebook(a.folder, source)]
    if not todo:
        return []
    with tempfile.TemporaryDirectory(prefix="gradkit-course-") as tmp:
        course = Path(course or tmp)
        notebooks = write_course_source(course, todo, source)
        api = nbgrader_api(course, database=False)
        for folder, _ in todo:
            generate_assignment(api, folder)
            release = course / "release" / folder / f"{folder}.ipynb"
            (out / "assignments" / folder).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(release, out / "assignments" / folder / f"{folder}.ipynb")
            (out / "solutions" / folder).mkdir(parents=True, exist_ok=True)
            nbformat.write(solution_notebook(notebooks[folder]), str(out / "solutions" / folder / f"{folder}.ipynb"))
    return [f for f, _ in todo]


def solution_functions(folder: str, module: str, source: Path = KIT / "source") -> dict[str, str]:
    """{public function: its code, solution markers removed} of an assignment (a student's right answers)."""
    text = (source / folder / f"{module}.py").read_text(encoding="utf-8")
    markers = (BEGIN, END)
    return {name: "\n".join(ln for ln in code.split("\n") if not any(m in ln for m in markers))
            for name, code in split_module(text)[2].items()}


def fill_answers(release_nb, answers: dict[str, str], written: dict[str, str] | None = None):
    """A student's copy of a release notebook: the answer cell of each function in ``answers`` holds
    that code, the answer cell of each question in ``written`` that text (for examples and tests)."""
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        meta = cell.metadata.get("gradkit", {})
        if meta.get("role") == "answer" and meta.get("function") in answers:
            cell.source = answers[meta["function"]]
        elif meta.get("role") == "written" and written and meta.get("question") in written:
            cell.source = written[meta["question"]]
    return nb
