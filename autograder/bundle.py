"""What a bundle built under ``dist/`` carries of the kit: the check engine and the course's checks.

A bundle lays them out as the kit does, so ``gradkit.course`` finds the checks the same way::

    gradkit/*.py                   the check engine (``engine_files``)
    source/<folder>/checks.py      each assignment's public checks
    source/<folder>/hidden.py      its hidden checks: only with ``hidden=True`` (the Gradescope zip);
                                   never in a bundle students get

``files`` lists them as (path in the bundle, file in the kit); ``vendor`` copies them into a folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import gradkit
from gradkit import course

ENGINE = Path(gradkit.__file__).resolve().parent
COURSE_NAME = course.COURSE_DIR.name  # "source": where the engine looks for the checks, beside it


def engine_files() -> list[tuple[str, Path]]:
    """(path in the bundle, file) of the check engine's modules."""
    return [(f"{ENGINE.name}/{p.name}", p) for p in sorted(ENGINE.glob("*.py"))]


def course_files(hidden: bool) -> list[tuple[str, Path]]:
    """(path in the bundle, file) of every assignment's public checks (and hidden checks if ``hidden``)."""
    names = (course.PUBLIC, course.HIDDEN) if hidden else (course.PUBLIC,)
    return [(f"{COURSE_NAME}/{a.folder}/{name}", a.path / name)
            for a in course.available() for name in names if (a.path / name).is_file()]


def files(hidden: bool = False) -> list[tuple[str, Path]]:
    """Everything of the kit that ``gradkit`` needs to run the checks in a bundle."""
    return engine_files() + course_files(hidden)


def vendor(dest: Path, hidden: bool = False) -> list[str]:
    """Copy ``files(hidden)`` into ``dest``; returns the paths written (relative to ``dest``)."""
    written = []
    for rel, path in files(hidden):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest / rel)
        written.append(rel)
    return written
