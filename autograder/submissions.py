"""Finding a class's submissions and copying out what may be graded, safely.

A submission is ``SUBMISSIONS/<student>/`` or ``SUBMISSIONS/<student>.zip`` holding assignment
folders (``01_activations/activations.py``, ...), optionally under one top folder, and/or the
assignments' notebooks (``01_activations/01_activations.ipynb``), whose code cells become the module
(``notebooks.module_from_notebook``; nothing is executed). A student's folder is data, never
configuration: only the expected module files are copied out (no conftest.py, sitecustomize.py or
shadow modules come along), symlinks are not followed, and zip entries that are absolute, contain
``..``, are links, or are too large are refused with a note.

The release folder holds both the stub module and the notebook, so a notebook student hands in
both. Of the two, the grader takes the one the student worked on: a file that is still the
released stub (every graded function it defines raises NotImplementedError before it can return,
``is_untouched_stub``; one ``ast.parse``, nothing run) gives way to the other; when both were
changed both are graded and the better kept (``grade.py``). The notes say which file and why.

Student text is parsed only through ``parse_untrusted``: a text that exhausts Python's parser
(MemoryError or RecursionError on deeply nested code) is a SyntaxError like any other.
"""

from __future__ import annotations

import hashlib
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .checks.protocol import FORBIDDEN, forbidden_imports  # noqa: F401  (the NumPy-only rule lives with the checks)

MAX_FILE = 1024 * 1024  # a module file larger than this is refused
MAX_ZIP_ENTRIES = 5000


@dataclass
class Submission:
    student: str  # safe name, used for output folders
    path: Path  # the folder or the zip
    notes: list[str] = field(default_factory=list)


def safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]", "_", name).strip("._") or "student"
    return cleaned[:100]


def discover(root: Path) -> list[Submission]:
    """Every student folder and zip directly inside ``root``, sorted by name."""
    if not root.is_dir():
        raise FileNotFoundError(f"no submissions folder at {root}")
    found: dict[str, Submission] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith((".", "_")) or entry.is_symlink():
            continue
        if entry.is_dir():
            name = entry.name
        elif entry.suffix.lower() == ".zip" and entry.is_file():
            name = entry.stem
        else:
            continue
        student = safe_name(name)
        sub = Submission(student, entry)
        if student in found:  # alice/ and alice.zip: keep both, visibly
            student = f"{student}__{entry.suffix.lstrip('.') or 'dir'}"
            sub = Submission(student, entry, [f"another submission is also named {name!r}"])
        found[student] = sub
    return list(found.values())


def _wanted(modules: dict[str, str]) -> dict[str, str]:
    """{relative posix path in the submission: destination} for each expected module file."""
    return {f"{folder}/{module}.py": f"{folder}/{module}.py" for folder, module in modules.items()}


def _single_top(names: list[str]) -> str:
    """The one top folder every entry lies under, or '' (macOS __MACOSX entries ignored)."""
    tops = {n.split("/", 1)[0] for n in names if n and not n.startswith("__MACOSX")}
    return tops.pop() + "/" if len(tops) == 1 and all("/" in n for n in names if not n.startswith("__MACOSX")) else ""


def _resolve(available: list[str], modules: dict[str, str], notes: list[str]) -> dict[str, list[str]]:
    """Map each expected module to the files of the submission that may be graded for it: the
    module file (exact path first, then the only file of that name) and the assignment's notebook,
    in that order; an assignment with neither is absent."""
    from .notebooks import find_notebook

    chosen = {}
    prefix = _single_top(available)
    for folder, module in modules.items():
        found = []
        exact = [p for p in (f"{folder}/{module}.py", f"{prefix}{folder}/{module}.py") if p in available]
        by_name = [p for p in available if PurePosixPath(p).name == f"{module}.py" and "__MACOSX" not in p]
        if exact:
            found.append(exact[0])
        elif len(by_name) == 1:
            found.append(by_name[0])
            notes.append(f"{folder}: found {by_name[0]} (expected {folder}/{module}.py)")
        elif len(by_name) > 1:
            notes.append(f"{folder}: several files named {module}.py ({', '.join(by_name[:4])}); "
                         f"put the one to grade at {folder}/{module}.py")
        notebook = find_notebook(available, folder)
        if notebook:
            found.append(notebook)
        if found:
            chosen[folder] = found
    return chosen


MAX_NOTEBOOK = 20 * 1024 * 1024  # notebooks carry their outputs (plots); the extracted code is capped at MAX_FILE


def _as_module(folder: str, name: str, data: bytes, modules: dict[str, str],
               notes: list[str]) -> tuple[bytes | None, list[str]]:
    """A module file as it is; a notebook (``name`` ends in .ipynb) as the code of its answer cells.

    Returns (the module's bytes or None, notes that matter only if this file is graded); why a
    notebook could not be read goes to ``notes`` at once.
    """
    if not name.endswith(".ipynb"):
        return data, []
    from .notebooks import module_from_notebook

    if len(data) > MAX_NOTEBOOK:
        notes.append(f"{folder}: the notebook {name} is larger than {MAX_NOTEBOOK >> 20} MB and was not graded")
        return None, []
    try:
        text, more = module_from_notebook(data, modules[folder], PurePosixPath(name).name)
    except ValueError as exc:
        notes.append(f"{folder}: {exc}")
        return None, []
    return text.encode("utf-8"), [f"{folder}: {n}" for n in more]


class ParserExhausted(SyntaxError):
    """Student text nested so deeply that Python's parser gave up (MemoryError or RecursionError)."""


def parse_untrusted(text: str | bytes, filename: str = "<submission>") -> ast.Module:
    """``ast.parse`` of student text, contained: raises SyntaxError (``ParserExhausted`` when the
    text exhausts the parser's stack or the recursion limit) and ValueError (null bytes), nothing else."""
    try:
        return ast.parse(text, filename)
    except (MemoryError, RecursionError) as exc:
        raise ParserExhausted(f"the code is nested too deeply for Python's parser ({type(exc).__name__})") from None


def _top_statements(body: list[ast.stmt]):
    """Every statement that runs at module level: ``body`` and the blocks of its if/try/with/for."""
    for node in body:
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for block in ("body", "orelse", "finalbody", "handlers"):
                yield from _top_statements(getattr(node, block, None) or [])


def _bound_names(node: ast.AST) -> list[str]:
    """Names a module-level statement binds (assignment targets, imports, definitions)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [a.asname or a.name.split(".")[0] for a in node.names]
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    else:
        return []
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def _always_raises_not_implemented(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The function's body reaches ``raise NotImplementedError`` before anything that could return."""
    for stmt in fn.body:
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
        if any(isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom)) for n in ast.walk(stmt)):
            return False
    return False


def is_untouched_stub(source: bytes | str, graded: set[str]) -> bool:
    """True if the module is, for grading, still the released stub: it defines at least one of the
    ``graded`` functions, and every graded name it binds at module level is a function that raises
    NotImplementedError before it can return (what ``release.strip_solutions`` leaves). A module
    that does not parse was changed (it is not the stub)."""
    try:
        tree = parse_untrusted(source)
    except (SyntaxError, ValueError):
        return False
    stubs = 0
    for node in _top_statements(tree.body):
        for name in set(_bound_names(node)) & graded:
            if not (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _always_raises_not_implemented(node)):
                return False
            stubs += 1
    return stubs > 0


@dataclass
class Candidate:
    """A file of a submission to grade for one assignment."""

    path: Path  # the copy that is graded (``<dest>/<folder>/...<module>.py``)
    origin: str  # the file in the submission, e.g. ``01_activations/01_activations.ipynb``

    @property
    def label(self) -> str:
        return _label(self.origin)


def _label(origin: str) -> str:
    """How the notes name a file of the submission."""
    return f"the notebook {origin}" if origin.endswith(".ipynb") else origin


def _choose(folder: str, found: list[tuple[str, bytes, list[str]]], graded: set[str],
            notes: list[str]) -> list[tuple[str, bytes]]:
    """Of the readable files found for ``folder`` ((origin, module bytes, notes if graded)), those to
    grade: both when both were changed, else the one the student worked on (the module file when
    neither was); says which in ``notes``."""
    if len(found) > 1:
        stub = [is_untouched_stub(data, graded) for _, data, _ in found]
        (first, *_), (second, *_) = found[0], found[1]
        why = "every graded function raises NotImplementedError"
        if all(stub):
            notes.append(f"{folder}: {first} and {_label(second)} are both still the released stub ({why}); "
                         f"graded {_label(first)}")
            found = found[:1]
        elif any(stub):
            (kept, data, more), (left, *_) = (found[1], found[0]) if stub[0] else (found[0], found[1])
            notes.append(f"{folder}: graded {_label(kept)}: {_label(left)} is still the released stub ({why})")
            notes.extend(more)
            return [(kept, data)]
    if len(found) == 1 and found[0][0].endswith(".ipynb"):
        notes.append(f"{folder}: graded the code cells of the notebook {found[0][0]}")
    for _, _, more in found:
        notes.extend(more)
    return [(origin, data) for origin, data, _ in found]


def _graded_functions(folder: str) -> set[str]:
    """The functions the public checks of ``folder`` call."""
    from .checks import assignments

    return {c.function for c in assignments.by_folder(folder).public_checks()}


def materialize(sub: Submission, modules: dict[str, str], dest: Path,
                graded: dict[str, set[str]] | None = None) -> dict[str, list[Candidate]]:
    """Copy the files of ``sub`` to grade into ``dest/<folder>/``, as ``<module>.py``.

    ``graded`` gives each folder's graded functions (default: those its public checks call); it
    tells an untouched stub from a file the student changed. Returns {folder: [files to grade]}
    (one, or two when both the module file and the notebook were changed); what is missing is
    simply absent. Problems and choices go to ``sub.notes``. Never raises for bad input.
    """
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if sub.path.is_dir():
            files = _folder_files(sub.path, sub.notes)
            found = {folder: [(rel, files[rel].read_bytes()[: MAX_NOTEBOOK + 1]) for rel in rels]
                     for folder, rels in _resolve(sorted(files), modules, sub.notes).items()}
        else:
            found = _zip_blobs(sub.path, modules, sub.notes)
    except Exception as exc:  # unreadable folder, corrupt zip, ...
        sub.notes.append(f"could not read the submission: {type(exc).__name__}: {exc}")
        return {}
    out = {}
    for folder, raw in found.items():
        readable = []
        for origin, data in raw:
            module, more = _as_module(folder, origin, data, modules, sub.notes)
            if module is None:  # a notebook that could not be read (the note says why)
                continue
            if len(module) > MAX_FILE:
                sub.notes.append(f"{folder}: {origin} is larger than {MAX_FILE // 1024} KB and was not graded")
                continue
            readable.append((origin, module, more))
        names = (graded or {}).get(folder) or _graded_functions(folder)
        for i, (origin, module) in enumerate(_choose(folder, readable, names, sub.notes)):
            target = dest / folder / (f"{modules[folder]}.py" if i == 0 else f"also{i}/{modules[folder]}.py")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(module)
            out.setdefault(folder, []).append(Candidate(target, origin))
    return out


def _folder_files(root: Path, notes: list[str]) -> dict[str, Path]:
    """Regular files under ``root`` by relative posix path; symlinks are skipped, not followed."""
    files, count = {}, 0
    stack = [root]
    while stack:
        d = stack.pop()
        for entry in sorted(d.iterdir()):
            count += 1
            if count > 20000:
                notes.append("the folder has too many files; the rest were not looked at")
                return files
            rel = entry.relative_to(root).as_posix()
            if entry.is_symlink():
                if entry.suffix == ".py":
                    notes.append(f"{rel} is a symbolic link and was not followed")
                continue
            if entry.is_dir():
                stack.append(entry)
            elif entry.is_file() and entry.suffix in (".py", ".ipynb"):
                files[rel] = entry
    return files


def _zip_blobs(path: Path, modules: dict[str, str], notes: list[str]) -> dict[str, list[tuple[str, bytes]]]:
    """{folder: [(entry name, its bytes)]} of the files to grade in the zip at ``path`` (safe entries only)."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            notes.append(f"the zip has {len(infos)} entries; only the first {MAX_ZIP_ENTRIES} were read")
            infos = infos[:MAX_ZIP_ENTRIES]
        safe = {}
        for info in infos:
            name = info.filename.replace("\\", "/")
            mode = info.external_attr >> 16
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in PurePosixPath(name).parts:
                notes.append(f"refused zip entry {name!r}: absolute path or '..'")
                continue
            if stat.S_ISLNK(mode):
                notes.append(f"refused zip entry {name!r}: a symbolic link")
                continue
            if not info.is_dir() and name.endswith((".py", ".ipynb")):
                safe[name] = info
        blobs: dict[str, list[tuple[str, bytes]]] = {}
        for folder, names in _resolve(sorted(safe), modules, notes).items():
            for name in names:
                info = safe[name]
                limit = MAX_NOTEBOOK if name.endswith(".ipynb") else MAX_FILE
                if info.file_size > limit:
                    notes.append(f"{folder}: {name} expands to {info.file_size} bytes; not graded")
                    continue
                with zf.open(info) as fh:  # read at most limit + 1 bytes whatever the header claims
                    blobs.setdefault(folder, []).append((name, fh.read(limit + 1)))
        return blobs


def content_hash(files: dict[str, Path]) -> str:
    h = hashlib.sha256()
    for folder in sorted(files):
        h.update(folder.encode() + b"\0" + files[folder].read_bytes() + b"\0")
    return h.hexdigest()
