"""Which files of this checkout's assignments/ are a student's own work, and the release as the kit
committed it.

The README invites a self-learner to work in the clone's assignments/. The kit's release tests
(assignments/ is what ``make release`` writes from source/, leaks no solution, its stubs score 0) are
about the release the kit ships, not about that work. A file of assignments/ is the student's own
work when it differs from the commit checked out (HEAD: modified, deleted or new) and is not what
``make release`` writes either (a maintainer's fresh release, not yet committed, is the kit's).

``release()`` is assignments/ as the release tests read it: the folder itself on a clean tree, else a
copy in which each file of own work is HEAD's version again (a new file removed). Without git (a
checkout that is not a repository) there is nothing to tell apart: assignments/ is read as it is.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = "assignments"
CACHES = ("__pycache__", ".pytest_cache", ".ipynb_checkpoints")


def _git(*args: str) -> bytes | None:
    """``git -C ROOT ARGS`` output, or None when git or the repository is not there."""
    try:
        proc = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def changed() -> list[str]:
    """Paths (from the top of the checkout) under assignments/ that differ from HEAD: modified,
    deleted, or new and not ignored."""
    out = _git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", TREE)
    if not out:
        return []
    return sorted({entry[3:].decode() for entry in out.split(b"\0") if len(entry) > 3})


def committed(path: str) -> bytes | None:
    """HEAD's bytes of ``path``, or None when HEAD has no such file."""
    return _git("show", f"HEAD:{path}")


def _scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="gradkit-tests-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@functools.cache
def fresh_build() -> Path:
    """assignments/ and solutions/ as ``make release`` writes them now, built once per process."""
    from autograder.build.release import build

    out = _scratch()
    build(out)
    return out


def _bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


@functools.cache
def own_work() -> list[str]:
    """The files of assignments/ that are the student's own work (see the module's docstring)."""
    edited = changed()
    if not edited:
        return []
    fresh = fresh_build()
    return [p for p in edited if _bytes(ROOT / p) != _bytes(fresh / p)]


@functools.cache
def release() -> Path:
    """assignments/ as the kit committed it (see the module's docstring)."""
    mine = own_work()
    if not mine:
        return ROOT / TREE
    copy = _scratch() / TREE
    shutil.copytree(ROOT / TREE, copy, ignore=shutil.ignore_patterns(*CACHES))
    for path in mine:
        target = copy / Path(path).relative_to(TREE)
        kit = committed(path)
        if kit is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(kit)
    return copy
