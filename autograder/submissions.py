"""Finding a class's submissions and copying out what may be graded, safely.

A submission is ``SUBMISSIONS/<student>/`` or ``SUBMISSIONS/<student>.zip`` holding assignment
folders (``01_activations/activations.py``, ...), optionally under one top folder; a folder
without its module file may hold the assignment's notebook instead (``01_activations/01_activations.ipynb``),
whose code cells become the module (``notebooks.module_from_notebook``; nothing is executed). A student's
folder is data, never configuration: only the expected module files are copied out (no
conftest.py, sitecustomize.py or shadow modules come along), symlinks are not followed, and zip
entries that are absolute, contain ``..``, are links, or are too large are refused with a note.
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


def _resolve(available: list[str], modules: dict[str, str], notes: list[str]) -> dict[str, str]:
    """Map each expected module to a file of the submission: exact path first, then by name."""
    chosen = {}
    prefix = _single_top(available)
    for folder, module in modules.items():
        exact = [p for p in (f"{folder}/{module}.py", f"{prefix}{folder}/{module}.py") if p in available]
        if exact:
            chosen[folder] = exact[0]
            continue
        by_name = [p for p in available if PurePosixPath(p).name == f"{module}.py" and "__MACOSX" not in p]
        if len(by_name) == 1:
            chosen[folder] = by_name[0]
            notes.append(f"{folder}: graded {by_name[0]} (expected {folder}/{module}.py)")
        elif len(by_name) > 1:
            notes.append(f"{folder}: several files named {module}.py ({', '.join(by_name[:4])}); "
                         f"put the one to grade at {folder}/{module}.py")
        else:  # no module file: the assignment's notebook, if there is one
            from .notebooks import find_notebook

            notebook = find_notebook(available, folder)
            if notebook:
                chosen[folder] = notebook
    return chosen


MAX_NOTEBOOK = 20 * 1024 * 1024  # notebooks carry their outputs (plots); the extracted code is capped at MAX_FILE


def _as_module(folder: str, name: str, data: bytes, modules: dict[str, str], notes: list[str]) -> bytes | None:
    """A module file as it is; a notebook (``name`` ends in .ipynb) as the code of its answer cells."""
    if not name.endswith(".ipynb"):
        return data
    from .notebooks import module_from_notebook

    if len(data) > MAX_NOTEBOOK:
        notes.append(f"{folder}: the notebook {name} is larger than {MAX_NOTEBOOK >> 20} MB and was not graded")
        return None
    try:
        text, more = module_from_notebook(data, modules[folder], PurePosixPath(name).name)
    except ValueError as exc:
        notes.append(f"{folder}: {exc}")
        return None
    notes.append(f"{folder}: graded the code cells of the notebook {name}")
    notes.extend(f"{folder}: {n}" for n in more)
    return text.encode("utf-8")


def materialize(sub: Submission, modules: dict[str, str], dest: Path) -> dict[str, Path]:
    """Copy the graded module files of ``sub`` into ``dest/<folder>/<module>.py``.

    Returns {folder: path of the copy}; what is missing is simply absent. Problems go to
    ``sub.notes``. Never raises for bad input.
    """
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if sub.path.is_dir():
            files = _folder_files(sub.path, sub.notes)
            chosen = _resolve(sorted(files), modules, sub.notes)
            blobs = {folder: _as_module(folder, rel, files[rel].read_bytes()[: MAX_NOTEBOOK + 1], modules, sub.notes)
                     for folder, rel in chosen.items()}
        else:
            blobs = _zip_blobs(sub.path, modules, sub.notes)
    except Exception as exc:  # unreadable folder, corrupt zip, ...
        sub.notes.append(f"could not read the submission: {type(exc).__name__}: {exc}")
        return {}
    out = {}
    for folder, data in blobs.items():
        if data is None:  # a notebook that could not be read (the note says why)
            continue
        if len(data) > MAX_FILE:
            sub.notes.append(f"{folder}: the file is larger than {MAX_FILE // 1024} KB and was not graded")
            continue
        target = dest / folder / f"{modules[folder]}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        out[folder] = target
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


def _zip_blobs(path: Path, modules: dict[str, str], notes: list[str]) -> dict[str, bytes]:
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
        chosen = _resolve(sorted(safe), modules, notes)
        blobs = {}
        for folder, name in chosen.items():
            info = safe[name]
            limit = MAX_NOTEBOOK if name.endswith(".ipynb") else MAX_FILE
            if info.file_size > limit:
                notes.append(f"{folder}: {name} expands to {info.file_size} bytes; not graded")
                continue
            with zf.open(info) as fh:  # read at most limit + 1 bytes whatever the header claims
                blobs[folder] = _as_module(folder, name, fh.read(limit + 1), modules, notes)
        return blobs


def content_hash(files: dict[str, Path]) -> str:
    h = hashlib.sha256()
    for folder in sorted(files):
        h.update(folder.encode() + b"\0" + files[folder].read_bytes() + b"\0")
    return h.hexdigest()
