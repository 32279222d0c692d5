"""What one hand-in (a student's folder or zip) holds, and reading its files without trusting it.

``open_hand_in(path, modules, notes)`` lists the files that may be graded (``.py`` and ``.ipynb``,
relative posix paths) and reads them one at a time (``HandIn.read``), each only up to the limit of
its own kind. Whatever else the hand-in holds costs a bounded search, never a grade:

- a folder: the expected paths (``<folder>/<module>.py``, ``<folder>/<folder>.ipynb``, also under
  the folder's only sub-folder) are looked at first, directly; then a breadth-first search (folders
  named like an assignment first) looks at no more than ``SEARCH_LIMIT`` entries in all and
  ``FOLDER_LIMIT`` of one folder, and does not enter Python environments, version control or caches
  (``NOT_SEARCHED``). What it did not look at, and every folder it could not read, is noted;
- a zip: its central directory is listed whole (every entry, whatever its order), up to
  ``MAX_ZIP_DIRECTORY`` bytes of it (about 100,000 entries, 100 MB of the judge's memory when
  parsed); absolute, ``..`` and link entries are refused with a note.

Every read is one guarded step: a file that is not a regular file (a FIFO is never opened for
reading: ``O_NONBLOCK``), unreadable, gone, encrypted, damaged (bad CRC, broken deflate data,
truncated) or compressed with a method ``zipfile`` cannot read raises ``Unreadable`` with the reason
in words, and costs that file alone. Symbolic links are never followed (``O_NOFOLLOW``).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import struct
import zipfile
from collections import deque
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path, PurePosixPath

GRADED = (".py", ".ipynb")  # the only files of a hand-in that are ever read
SEARCH_LIMIT = 50_000  # entries of a hand-in folder the search looks at, in all
FOLDER_LIMIT = 5_000  # entries of one folder it looks at
MAX_ZIP_DIRECTORY = 16 << 20  # bytes of a zip's central directory that are parsed
NOT_SEARCHED = {  # folders that are not the student's work (a venv is also known by its pyvenv.cfg)
    "site-packages": "installed packages", "dist-packages": "installed packages",
    "node_modules": "installed packages", ".git": "version control", ".hg": "version control",
    ".svn": "version control", "__pycache__": "Python cache", ".ipynb_checkpoints": "Jupyter autosaves",
    "__MACOSX": "macOS zip metadata", ".tox": "test environments", ".mypy_cache": "a cache",
    ".pytest_cache": "a cache",
}
METADATA = {".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX"}  # not a folder's content
SAMPLE = 5  # files named when a note says what a hand-in holds


class Unreadable(Exception):
    """A file of a hand-in that cannot be read; ``str(exc)`` says why, in words."""


class TooLarge(Unreadable):
    def __init__(self, size: int):
        super().__init__(f"it is {size:,} bytes")
        self.size = size


def some(names: list[str], total: int | None = None, n: int = SAMPLE) -> str:
    """``a, b, c and 4 more``: the first ``n`` of ``names`` (``total`` of them in all)."""
    total = len(names) if total is None else total
    shown = ", ".join(names[:n])
    return shown + (f" and {total - min(n, len(names))} more" if total > min(n, len(names)) else "")


def expected_paths(modules: dict[str, str]) -> list[str]:
    """Where each assignment's files are expected: ``<folder>/<module>.py``, ``<folder>/<folder>.ipynb``."""
    return [p for folder, module in modules.items() for p in (f"{folder}/{module}.py", f"{folder}/{folder}.ipynb")]


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (a named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def _os_reason(exc: OSError) -> str:
    return f"{type(exc).__name__}: {exc.strerror or exc}"


def _os_unreadable(exc: OSError) -> Unreadable:
    if exc.errno == errno.ELOOP:
        return Unreadable("it is a symbolic link, which is never followed")
    return Unreadable(f"it could not be read ({_os_reason(exc)})")


def _zip_reason(exc: BaseException) -> str:
    """Why a zip entry could not be read, in words (``zipfile`` says it in several ways)."""
    text = f"{type(exc).__name__}: {str(exc)[:200]}"
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        return "it is encrypted (the grader has no password); hand it in without one"
    if isinstance(exc, NotImplementedError):
        return f"it is compressed with a method the grader cannot read ({text}); zip it again with the usual one"
    return f"it is damaged ({text}); zip it again"


@dataclass
class HandIn:
    """What a hand-in holds: ``names``, the files that may be graded (sorted); a sample of every
    file seen (``held``, of ``held_count``, in the order found) and the zips inside it (never opened)."""

    names: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    held_count: int = 0
    zips: list[str] = field(default_factory=list)

    def _saw(self, name: str) -> None:
        self.held_count += 1
        if len(self.held) < SAMPLE:
            self.held.append(name)
        if name.lower().endswith(".zip") and len(self.zips) < SAMPLE:
            self.zips.append(name)

    def read(self, name: str, limit: int) -> bytes:
        """At most ``limit + 1`` bytes of the file ``name``; TooLarge when it is known to be larger
        than ``limit``; Unreadable for anything else that goes wrong."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FolderHandIn(HandIn):
    def __init__(self, root: Path, modules: dict[str, str], notes: list[str]):
        super().__init__()
        self.root = root
        self._noted: set[str] = set()
        try:
            os.scandir(root).close()
        except OSError as exc:
            raise Unreadable(f"the folder could not be read ({_os_reason(exc)})") from None
        found: set[str] = set()
        for prefix in dict.fromkeys(["", self._only_folder()]):  # the expected paths first, whatever else it holds
            for rel in expected_paths(modules):
                self._consider(prefix + rel, found, notes)
        self._search({f.casefold() for f in modules}, found, notes)
        self.names = sorted(found)

    def _only_folder(self) -> str:
        """``name/`` when the folder's one entry (metadata aside) is a folder, else ''."""
        try:
            with os.scandir(self.root) as it:
                entries = list(islice((e for e in it if e.name not in METADATA), 2))
            if len(entries) == 1 and entries[0].is_dir(follow_symlinks=False):
                return entries[0].name + "/"
        except OSError:
            pass
        return ""

    def _note_once(self, rel: str, note: str, notes: list[str]) -> None:
        if rel not in self._noted:
            self._noted.add(rel)
            notes.append(note)

    def _consider(self, rel: str, found: set[str], notes: list[str], mode: int | None = None) -> None:
        """Take ``rel`` if it is a regular .py or .ipynb file; say why not if it is named like one."""
        if not rel.endswith(GRADED):
            return
        try:
            mode = os.lstat(self.root / rel).st_mode if mode is None else mode
        except FileNotFoundError:
            return
        except OSError as exc:
            self._note_once(rel, f"{rel} could not be looked at ({_os_reason(exc)}); not graded", notes)
            return
        if stat.S_ISREG(mode):
            found.add(rel)
        elif stat.S_ISLNK(mode):
            self._note_once(rel, f"{rel} is a symbolic link and was not followed", notes)
        elif not stat.S_ISDIR(mode):
            self._note_once(rel, f"{rel} is {_kind(mode)}, not a regular file, and was not graded", notes)

    def _search(self, priority: set[str], found: set[str], notes: list[str]) -> None:
        """Breadth first from the top, folders named like an assignment first; bounded (module doc)."""
        queue, budget = deque([""]), SEARCH_LIMIT
        unreadable, skipped, partial = [], [], []
        while queue:
            rel = queue.popleft()
            if budget <= 0:
                partial += [rel or "./", *queue]
                break
            cap = min(FOLDER_LIMIT, budget)
            try:
                with os.scandir(self.root / rel) as it:
                    entries = list(islice(it, cap + 1))
            except OSError as exc:
                unreadable.append(f"{rel or './'} ({_os_reason(exc)})")
                continue
            if len(entries) > cap:
                entries = entries[:cap]
                partial.append(rel or "./")
            budget -= len(entries)
            first, later = [], []
            for e in sorted(entries, key=lambda e: e.name):
                path = rel + e.name
                try:
                    mode = e.stat(follow_symlinks=False).st_mode
                except OSError as exc:
                    unreadable.append(f"{path} ({_os_reason(exc)})")
                    continue
                if stat.S_ISDIR(mode):
                    why = NOT_SEARCHED.get(e.name) or (
                        "a Python environment" if os.path.lexists(os.path.join(e.path, "pyvenv.cfg")) else None)
                    if why:
                        skipped.append(f"{path}/ ({why})")
                    else:
                        (first if e.name.casefold() in priority else later).append(path + "/")
                    continue
                if stat.S_ISREG(mode):
                    self._saw(path)
                self._consider(path, found, notes, mode)
            queue.extendleft(reversed(first))
            queue.extend(later)
        if skipped:
            notes.append(f"not searched for files to grade (not the student's work): {some(skipped)}")
        if partial:
            notes.append(f"the search for files to grade looked at {SEARCH_LIMIT - budget:,} entries (at most "
                         f"{FOLDER_LIMIT:,} of one folder, {SEARCH_LIMIT:,} in all) after the expected paths; "
                         f"not looked at, or not all: {some(partial)}")
        if unreadable:
            notes.append(f"could not look in {some(unreadable)}; what it holds was not graded")

    def read(self, name: str, limit: int) -> bytes:
        return read_file(self.root / name, limit)


class FilesHandIn(HandIn):
    """A hand-in given as its files by relative path (an LMS download's files of one student,
    ``layouts.py``): nothing is searched; each file is read as a folder's is."""

    def __init__(self, files: dict[str, Path]):
        super().__init__()
        self.files = files
        for name in sorted(files):
            self._saw(name)
        self.names = sorted(n for n in files if n.endswith(GRADED))

    def read(self, name: str, limit: int) -> bytes:
        return read_file(self.files[name], limit)


def read_file(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the regular file at ``path``, never following a symbolic link
    and never blocking on a FIFO; TooLarge when it is larger than ``limit``, Unreadable otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _os_unreadable(exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(f"it is {_kind(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise TooLarge(st.st_size)
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise _os_unreadable(exc) from None
    finally:
        os.close(fd)


def central_directory_size(path: Path) -> int | None:
    """The size in bytes of the zip's central directory, from its end record (zip64 too), or None
    when there is no end record (``zipfile`` then says the file is not a zip)."""
    with open(path, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - (22 + 0xFFFF)))
        tail = fh.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) < at + 22:
            return None
        (cd_size,) = struct.unpack("<I", tail[at + 12:at + 16])
        if cd_size == 0xFFFFFFFF and at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07":
            (record,) = struct.unpack("<Q", tail[at - 12:at - 4])
            fh.seek(record)
            zip64 = fh.read(56)
            if len(zip64) == 56 and zip64[:4] == b"PK\x06\x06":
                (cd_size,) = struct.unpack("<Q", zip64[40:48])
        return cd_size


class ZipHandIn(HandIn):
    def __init__(self, path: Path, notes: list[str]):
        super().__init__()
        cd_size = central_directory_size(path)
        if cd_size is not None and cd_size > MAX_ZIP_DIRECTORY:
            raise Unreadable(f"the zip's list of entries is {cd_size:,} bytes (more than the {MAX_ZIP_DIRECTORY >> 20} MB, "
                             "about 100,000 entries, the grader reads): zip the assignment folders alone")
        self.zf = zipfile.ZipFile(path)
        self.infos: dict[str, zipfile.ZipInfo] = {}
        refused = []
        for info in self.zf.infolist():
            name = info.filename.replace("\\", "/")
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in PurePosixPath(name).parts:
                refused.append(f"refused zip entry {name!r}: absolute path or '..'")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                refused.append(f"refused zip entry {name!r}: a symbolic link")
                continue
            if info.is_dir():
                continue
            self._saw(name)
            if name.endswith(GRADED):
                if name in self.infos:
                    notes.append(f"the zip holds more than one entry named {name!r}; the last one is the file read")
                self.infos[name] = info
        notes += refused[:20] + ([f"and {len(refused) - 20} more refused zip entries"] if len(refused) > 20 else [])
        self.names = sorted(self.infos)

    def read(self, name: str, limit: int) -> bytes:
        info = self.infos[name]
        if info.file_size > limit:
            raise TooLarge(info.file_size)
        try:
            with self.zf.open(info) as fh:  # at most limit + 1 bytes whatever the header claims
                return fh.read(limit + 1)
        except Exception as exc:  # encrypted, bad CRC, broken deflate data, truncated, unknown method, ...
            raise Unreadable(_zip_reason(exc)) from None

    def close(self) -> None:
        self.zf.close()


def open_hand_in(path: Path, modules: dict[str, str], notes: list[str]) -> HandIn:
    """The hand-in at ``path`` (a folder, or else a zip). Raises Unreadable, OSError or
    zipfile.BadZipFile when it cannot be listed at all (then nothing of it can be graded)."""
    if path.is_dir():
        return FolderHandIn(path, modules, notes)
    return ZipHandIn(path, notes)
