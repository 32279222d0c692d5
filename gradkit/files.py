"""Writing the kit's files: whole or not at all, with the permissions the umask gives.

Every file the kit writes for people (the gradebook, summaries, feedback pages, results.json, the
similarity pages, a student's report.html, the bundles under ``dist/``) goes through ``write_atomic``
or ``atomic_path``: the bytes go to a temporary file in the same folder, which then replaces the
target (``os.replace``), so a reader or an interrupted run never sees half a file and the previous
version stays whole until the new one is complete.

A temporary file is created mode 0600 (``tempfile.mkstemp``); before the rename it gets the mode an
ordinary ``open()`` would give, ``0o666 & ~umask`` (0644 under umask 022, 0640 under 027), so a
course group or a web server reads what the instructor's umask lets it read. A caller that must keep
a file private (the stored answers of hidden checks) passes ``mode`` explicitly.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def current_umask() -> int:
    """This process's umask, read without changing it (``/proc/self/status`` on Linux; elsewhere by
    setting it and setting it back, which another thread could see for an instant)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def default_mode() -> int:
    """The mode ``open()`` gives a new file: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_path(path: Path, mode: int | None = None):
    """A temporary path beside ``path`` for a writer that needs a file name (``zipfile.ZipFile``);
    when the block ends without an exception the file gets ``mode`` (default: ``default_mode()``) and
    replaces ``path``; on an exception it is removed and ``path`` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, default_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically, with ``mode`` (default: the umask's,
    ``default_mode()``). A file name that is not UTF-8 reaches text as surrogate escapes; they are
    written as ``\\udcff``."""
    with atomic_path(path, mode) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data)
