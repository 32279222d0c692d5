"""Finding a class's submissions and copying out what may be graded, safely.

A submission is ``SUBMISSIONS/<student>/`` or ``SUBMISSIONS/<student>.zip`` holding assignment
folders (``01_activations/activations.py``, ...), optionally under one top folder, and/or the
assignments' notebooks (``01_activations/01_activations.ipynb``), whose code cells become the module
(``student_text.module_from_notebook``; nothing is executed). A student's folder is data, never
configuration: only the expected module files are copied out (no conftest.py, sitecustomize.py or
shadow modules come along), symlinks are not followed, and zip entries that are absolute, contain
``..``, are links, or are too large are refused with a note. Listing and reading a hand-in is
``hand_in``'s: files at the expected paths are graded whatever else the hand-in holds (the search
beyond them is bounded, not the grade), and a file that cannot be read costs its own assignment,
with a note naming it.

The release folder holds both the stub module and the notebook, so a notebook student hands in
both. Of the two, the grader takes the one the student worked on: a file that is still the
released stub (every graded function it defines raises NotImplementedError before it can return,
``is_untouched_stub``; one ``ast.parse``, nothing run) gives way to the other; when both were
changed both are graded and the better kept (``grade.py``). The notes say which file and why.

Student text is parsed only through ``student_text.parse_untrusted``: a text that exhausts Python's parser
(MemoryError or RecursionError on deeply nested code) is a SyntaxError like any other.

A student is the entry's own name, NFC-normalised (``scan``): nothing is dropped or replaced, and
two entries never share a student (``alice/`` and ``alice.zip`` become ``alice`` and ``alice.zip``).
Outputs go to a folder derived from that name (``student_folder``). Only what is clearly not a
student is skipped (``.git``, ``__MACOSX``, ``.DS_Store``, files that are not zips, symbolic links,
a folder that itself holds several submissions), and every skipped entry is reported with why.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from anyascii import anyascii

from gradkit import course
from .hand_in import FilesHandIn, TooLarge, Unreadable, open_hand_in, some
from .student_text import MAX_FILE, find_notebook, module_from_notebook, parse_untrusted


@dataclass
class Submission:
    student: str  # the entry's own name (NFC; a zip without ".zip"), unique in the class
    path: Path  # the folder or the zip
    notes: list[str] = field(default_factory=list)
    folder: str = ""  # where its outputs go: student_folder(student)
    held: list[str] = field(default_factory=list)  # a few of the files it holds (``materialize``)
    held_count: int = 0  # how many files the intake saw in it
    files: dict[str, Path] | None = None  # its files by relative path when not ``path``'s own (layouts.py)


@dataclass
class Intake:
    """What ``scan`` found in a class folder: the submissions, and every entry it left out with why."""

    submissions: list[Submission]
    skipped: list[tuple[str, str]]  # (entry name as on disk, reason)


NOT_STUDENTS = {  # entries that are clearly not a student: tools' and file managers' leftovers
    ".git": "version control", ".svn": "version control", ".hg": "version control",
    "__MACOSX": "macOS zip metadata", ".DS_Store": "macOS folder metadata", "Thumbs.db": "Windows metadata",
    "desktop.ini": "Windows metadata", "__pycache__": "Python cache", ".ipynb_checkpoints": "Jupyter autosaves",
}


_PLAIN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def _slug(name: str) -> str:
    """A readable lowercase ASCII rendering of ``name``: transliterated (``anyascii``: ``Zoë`` ->
    ``zoe``, ``张伟`` -> ``zhangwei``, ``Иван`` -> ``ivan``, ``Straße`` -> ``strasse``; invisible
    characters give nothing), then every run of anything but a-z and 0-9 becomes one ``_``; at most
    40 characters, ``student`` when nothing is left."""
    slug = re.sub(r"[^a-z0-9]+", "_", anyascii(name).lower()).strip("_")
    return slug[:40].strip("_") or "student"


def student_folder(student: str) -> str:
    """The output folder of ``student``: the name itself when it is plain (lowercase ASCII letters,
    digits, ``_``/``-``, not a Windows device name), else ``<slug>-<first 8 hex of sha256(name)>``
    (``_slug``: the name transliterated to ASCII, so ``张伟`` -> ``zhangwei-<hash>``).

    It depends on the name alone (stable across runs) and is safe on every file system; a plain
    name is lowercase and every other name carries the hash of its exact spelling, so different
    names do not share a folder, even on a case-insensitive disk (``_unique_folders`` settles the
    rest: a plain name that happens to equal another's hashed folder).
    """
    if _PLAIN.fullmatch(student) and student not in _WINDOWS_RESERVED:
        return student
    return _hashed_folder(student, 8)


def _hashed_folder(student: str, digits: int) -> str:
    return f"{_slug(student)}-{hashlib.sha256(student.encode('utf-8')).hexdigest()[:digits]}"


def _nfc(text: str) -> str:
    """A file name as text: NFC, with bytes that are not UTF-8 (which Python holds as surrogate
    escapes, and no file or terminal can print) shown as ``\\xff``."""
    return unicodedata.normalize("NFC", os.fsencode(text).decode("utf-8", "backslashreplace"))


OUTPUT_MARK = ".gradkit.lock"  # every output folder of the grader holds it (report.locked)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a folder the grader may not look into
        return False


def _skip_reason(entry: Path) -> str | None:
    """Why ``entry`` is not a student, or None if it is a submission."""
    if entry.name in NOT_STUDENTS:
        return f"not a submission ({NOT_STUDENTS[entry.name]})"
    if entry.is_symlink():
        return "a symbolic link (never followed; copy the submission in instead)"
    if entry.is_dir() and _is_file(entry / OUTPUT_MARK):
        return f"an output folder of the grader (it holds {OUTPUT_MARK})"
    if entry.is_dir():
        inner = holds_submissions(entry)
        if inner:
            shown = ", ".join(inner[:5]) + (", ..." if len(inner) > 5 else "")
            return (f"a folder of {len(inner)} submissions ({shown}), not one student's: "
                    f"grade it on its own (python -m autograder grade {entry})")
        return None
    if entry.is_file() and entry.name.lower().endswith(".zip"):
        return None
    return "a file that is not a .zip"


def looks_like_one_submission(folder: Path) -> list[str]:
    """The assignment folders or module files directly in ``folder`` (empty if there are none)."""
    known = course.available()
    names = {a.folder for a in known} | {f"{a.module}.py" for a in known} | {f"{a.folder}.ipynb" for a in known}
    try:
        return sorted(e.name for e in folder.iterdir() if e.name in names)
    except OSError:
        return []


def holds_submissions(folder: Path) -> list[str]:
    """The child folders of ``folder`` that each look like one submission, when there are at least
    two of them and ``folder`` itself holds no assignment folder: then ``folder`` is a class
    (a section, or the bundled notebook class), not a student."""
    if looks_like_one_submission(folder):
        return []
    try:
        inner = sorted(e.name for e in folder.iterdir()
                       if e.is_dir() and not e.is_symlink() and looks_like_one_submission(e))
    except OSError:
        return []
    return inner if len(inner) >= 2 else []


def _labels(entries: list[Path]) -> dict[Path, str]:
    """A unique student name for every entry: its NFC name (a zip without ".zip"); when that is
    taken, the zip's full name (``alice.zip`` beside ``alice/``), then the name followed by its
    exact on-disk spelling (two spellings with one NFC form), then a number. Folders and names
    already in NFC choose first, so the ordinary entry keeps the plain name."""
    taken: set[str] = set()
    labels = {}
    for entry in sorted(entries, key=lambda e: (e.is_file(), _nfc(e.name) != e.name, e.name)):
        base = _nfc(entry.name[:-4] if entry.is_file() else entry.name)
        spelled = f"{_nfc(entry.name)} [on disk: {ascii(entry.name)}]"
        candidates = [base, _nfc(entry.name), spelled] + [f"{spelled} #{k}" for k in range(2, len(entries) + 2)]
        label = next(c for c in candidates if c not in taken)
        taken.add(label)
        labels[entry] = label
    return labels


def _unique_folders(students: list[str]) -> dict[str, str]:
    """A distinct output folder (compared case-insensitively) for each of ``students`` (distinct
    names): ``student_folder``, else the hashed form with more and more of the hash, else a number."""
    folders: dict[str, str] = {}
    used: set[str] = set()
    for s in sorted(students):
        candidates = [student_folder(s)] + [_hashed_folder(s, d) for d in (8, 16, 64)]
        folder = next((c for c in candidates if c.lower() not in used), None)
        k = 2
        while folder is None or folder.lower() in used:
            folder, k = f"{_hashed_folder(s, 64)}-{k}", k + 1
        used.add(folder.lower())
        folders[s] = folder
    return folders


def scan(root: Path) -> Intake:
    """Every student folder and zip directly inside ``root`` (sorted by student), and every other
    entry with the reason it is not graded."""
    if not root.is_dir():
        raise FileNotFoundError(f"no submissions folder at {root}")
    entries, skipped = [], []
    for entry in sorted(root.iterdir()):
        try:
            reason = _skip_reason(entry)
        except OSError:  # graded: its intake says what could not be read
            reason = None
        if reason:
            skipped.append((entry.name, reason))
        else:
            entries.append(entry)
    labels = _labels(entries)
    folders = _unique_folders(list(labels.values()))
    subs = []
    for entry, student in labels.items():
        sub = Submission(student, entry, folder=folders[student])
        if student != _nfc(entry.name[:-4] if entry.is_file() else entry.name):
            sub.notes.append(f"another submission has the name {_nfc(entry.name)!r}; this one ({entry.name!r} "
                             f"on disk) is listed as {student!r}")
        subs.append(sub)
    return Intake(sorted(subs, key=lambda s: s.student), skipped)


def discover(root: Path) -> list[Submission]:
    """The submissions of ``scan(root)``."""
    return scan(root).submissions


def _single_top(names: list[str]) -> str:
    """The one top folder every entry lies under, or '' (macOS __MACOSX entries ignored)."""
    tops = {n.split("/", 1)[0] for n in names if n and not n.startswith("__MACOSX")}
    return tops.pop() + "/" if len(tops) == 1 and all("/" in n for n in names if not n.startswith("__MACOSX")) else ""


MAX_MODULE_CANDIDATES = 4  # files named <module>.py looked at beyond the expected path


def _resolve(available: list[str], modules: dict[str, str]) -> dict[str, list[str]]:
    """Map each expected module to the files of the submission that may be graded for it: the
    files named ``<module>.py`` (the expected path first, then any folder and any case; which of
    them is graded is ``_pick_module_file``'s choice) and the assignment's notebook, in that
    order; an assignment with neither is absent."""
    chosen = {}
    prefix = _single_top(available)
    for folder, module in modules.items():
        exact = [p for p in (f"{folder}/{module}.py", f"{prefix}{folder}/{module}.py") if p in available][:1]
        others = [p for p in available if PurePosixPath(p).name.lower() == f"{module}.py".lower()
                  and "__MACOSX" not in p and p not in exact]  # any folder, any case: 01_Activations/...
        found = exact + others[:MAX_MODULE_CANDIDATES]
        notebook = find_notebook(available, folder)
        if notebook:
            found.append(notebook)
        if found:
            chosen[folder] = found
    return chosen


def missing_message(folder: str, module: str, sub: Submission) -> str:
    """What an assignment with no file to grade is told: what the hand-in holds (``sub.held``) and
    what the grader would have taken."""
    if sub.held_count:
        holds = f"which holds {some(sub.held, sub.held_count)}"
    else:
        holds = "which holds no file the grader could see"
    return (f"not submitted: no {folder}/{module}.py and no notebook {folder}.ipynb in the submission, {holds}. "
            f"The grader takes {module}.py (in {folder}/, or anywhere in the hand-in), the notebook "
            f"{folder}.ipynb, or a zip or a repository holding them")


MAX_NOTEBOOK = 20 * 1024 * 1024  # notebooks carry their outputs (plots); the extracted code is capped at MAX_FILE


def _as_module(folder: str, name: str, data: bytes, modules: dict[str, str],
               notes: list[str]) -> tuple[bytes | None, list[str]]:
    """A module file as it is; a notebook (``name`` ends in .ipynb) as the code of its answer cells.

    Returns (the module's bytes or None, notes that matter only if this file is graded); why a
    notebook could not be read goes to ``notes`` at once.
    """
    if not name.endswith(".ipynb"):
        return data, []
    try:
        text, more = module_from_notebook(data, modules[folder], PurePosixPath(name).name)
    except ValueError as exc:
        notes.append(f"{folder}: {exc}")
        return None, []
    return text.encode("utf-8"), [f"{folder}: {n}" for n in more]


# Names through which code reaches into the process that runs it (its frames, its modules, its
# objects): with them a submission can patch what the runner measures about a call (in-place
# writes, warnings), so the instructor is told to look. Ordinary NumPy code uses none of them.
REACH = {"modules", "_getframe", "f_back", "f_locals", "f_globals", "currentframe", "getouterframes",
         "cell_contents", "__code__", "__builtins__", "get_objects", "get_referrers", "settrace", "setprofile"}
REACH_MODULES = {"gc", "ctypes", "builtins", "inspect", "protocol", "importlib", "runpy", "cffi"}


def grader_reach(source: bytes) -> list[str]:
    """'sys.modules (line 3)'-style descriptions of the places where ``source`` reaches into the
    process that runs it (see REACH); [] when there are none or the text does not parse."""
    try:
        tree = parse_untrusted(source)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in REACH:
            found.append(f"{ast.unparse(node)[:60]} (line {node.lineno})")
        elif isinstance(node, ast.Name) and node.id in REACH:
            found.append(f"{node.id} (line {node.lineno})")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"import {n} (line {node.lineno})" for n in names if n.split(".")[0] in REACH_MODULES]
    return found[:5]


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


def _pick_module_file(folder: str, module: str, found: list[tuple[str, bytes, list[str]]], graded: set[str],
                      notes: list[str]) -> list[tuple[str, bytes, list[str]]]:
    """Of several files named ``<module>.py`` (the expected path first), keep one: the only one the
    student changed (an untouched stub gives way, wherever it lies), else the one at the expected
    path; when several were changed and none lies at the expected path, none (a note asks the
    student to say which). The notebook, if any, is kept as it is. Says what it chose in ``notes``."""
    expected = f"{folder}/{module}.py"
    files = [f for f in found if not f[0].endswith(".ipynb")]
    rest = [f for f in found if f[0].endswith(".ipynb")]
    if not files:
        return rest
    changed = [f for f in files if not is_untouched_stub(f[1], graded)]
    at_expected = [f for f in files if f[0].endswith(expected)]
    if len(changed) == 1:
        pick = changed[0]
    elif changed and at_expected and at_expected[0] in changed:
        pick = at_expected[0]
    elif changed:
        notes.append(f"{folder}: several changed files named {module}.py ({', '.join(f[0] for f in changed)}); "
                     f"put the one to grade at {expected}")
        return rest
    else:
        pick = (at_expected or files)[0]
    if not pick[0].endswith(expected):
        notes.append(f"{folder}: found {pick[0]} (expected {expected})")
    ignored = [f[0] for f in files if f is not pick]
    if ignored:
        notes.append(f"{folder}: graded {pick[0]}, not " + ", ".join(ignored)
                     + (" (the released stub)" if all(f not in changed for f in files if f is not pick) else ""))
    return [pick] + rest


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
    return {c.function for c in course.by_folder(folder).public_checks()}


def materialize(sub: Submission, modules: dict[str, str], dest: Path,
                graded: dict[str, set[str]] | None = None) -> dict[str, list[Candidate]]:
    """Copy the files of ``sub`` to grade into ``dest/<folder>/``, as ``<module>.py``.

    ``graded`` gives each folder's graded functions (default: those its public checks call); it
    tells an untouched stub from a file the student changed. Returns {folder: [files to grade]}
    (one, or two when both the module file and the notebook were changed); what is missing is
    simply absent. What the hand-in holds goes to ``sub.held``; problems and choices go to
    ``sub.notes``. Never raises for bad input: a file that cannot be read costs its assignment
    only, and only a hand-in that cannot be listed at all (not a zip, an unreadable folder) costs
    every assignment.
    """
    dest.mkdir(parents=True, exist_ok=True)
    try:
        hand_in = FilesHandIn(sub.files) if sub.files is not None else open_hand_in(sub.path, modules, sub.notes)
    except Exception as exc:  # not a zip, a truncated zip, an unreadable folder, ...
        sub.notes.append(f"could not read the submission: {_why(exc)}")
        return {}
    out = {}
    with hand_in:
        sub.held, sub.held_count = hand_in.held, hand_in.held_count
        for folder, origins in _resolve(hand_in.names, modules).items():
            try:
                files = _copy_out(hand_in, folder, origins, modules, dest, graded, sub.notes)
            except Exception as exc:  # a bug of ours, a full disk, ...: this assignment only
                sub.notes.append(f"{folder}: the files to grade could not be copied out ({type(exc).__name__}: {exc})")
                continue
            if files:
                out[folder] = files
    missing = [f for f in modules if f not in out]
    if missing and hand_in.zips:
        sub.notes.append(f"nothing to grade for {', '.join(missing)}; the submission holds {some(hand_in.zips)}, "
                         "and a zip inside a submission is not opened: hand in the files themselves, or one zip of them")
    return out


def _why(exc: Exception) -> str:
    if isinstance(exc, Unreadable):
        return str(exc)
    if isinstance(exc, zipfile.BadZipFile):
        return f"it is not a zip, or a damaged one (BadZipFile: {exc}); zip it again"
    return f"{type(exc).__name__}: {exc}"


def _size(limit: int) -> str:
    return f"{limit >> 20} MB" if limit >= 2 << 20 else f"{limit >> 10} KB"


def _candidate(hand_in, folder: str, origin: str, modules: dict[str, str],
               notes: list[str]) -> tuple[str, bytes, list[str]] | None:
    """(origin, the module's bytes, notes that matter only if it is graded) of one file of the
    hand-in, read no further than the limit of its kind; None, with a note saying why, when it
    cannot be read or is too large."""
    limit = MAX_NOTEBOOK if origin.endswith(".ipynb") else MAX_FILE
    try:
        data = hand_in.read(origin, limit)
        if len(data) > limit:  # it grew since it was listed, or a zip header that lied
            raise TooLarge(len(data))
        module, more = _as_module(folder, origin, data, modules, notes)
    except TooLarge as exc:
        notes.append(f"{folder}: {_label(origin)} is larger than {_size(limit)} ({exc.size:,} bytes or more) "
                     "and was not graded")
        return None
    except Exception as exc:  # Unreadable (the reason in words), or a notebook odd in a way nbformat lets by
        why = str(exc) if isinstance(exc, Unreadable) else f"it could not be read ({type(exc).__name__}: {str(exc)[:200]})"
        notes.append(f"{folder}: {_label(origin)} was not graded: {why}")
        return None
    if module is None:  # a notebook that could not be read (the note says why)
        return None
    if len(module) > MAX_FILE:
        notes.append(f"{folder}: the code of {_label(origin)} is larger than {_size(MAX_FILE)} and was not graded")
        return None
    return origin, module, more


def _copy_out(hand_in, folder: str, origins: list[str], modules: dict[str, str], dest: Path,
              graded: dict[str, set[str]] | None, notes: list[str]) -> list[Candidate]:
    """The files of ``folder`` to grade, read one at a time (only those kept are held), chosen
    (``_pick_module_file``, ``_choose``) and written to ``dest/<folder>/``."""
    readable = [c for c in (_candidate(hand_in, folder, o, modules, notes) for o in origins) if c]
    names = (graded or {}).get(folder) or _graded_functions(folder)
    readable = _pick_module_file(folder, modules[folder], readable, names, notes)
    files = []
    for i, (origin, module) in enumerate(_choose(folder, readable, names, notes)):
        target = dest / folder / (f"{modules[folder]}.py" if i == 0 else f"also{i}/{modules[folder]}.py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(module)
        files.append(Candidate(target, origin))
    return files


def content_hash(files: dict[str, Path]) -> str:
    h = hashlib.sha256()
    for folder in sorted(files):
        h.update(folder.encode() + b"\0" + files[folder].read_bytes() + b"\0")
    return h.hexdigest()
