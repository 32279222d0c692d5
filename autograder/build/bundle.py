"""What a bundle built under ``dist/`` carries of the kit: the check engine and the course's checks.

A bundle lays them out as the kit does, so ``gradkit.course`` finds the checks the same way::

    gradkit/*.py                   the check engine (``engine_files``)
    source/<folder>/checks.py      each assignment's public checks
    source/<folder>/hidden.py      its hidden checks: only with ``hidden=True`` (the Gradescope zip);
                                   never in a bundle students get

``files`` lists them as (path in the bundle, file in the kit); ``vendor`` copies them into a folder;
``student`` builds the bundle an instructor hands out (``python -m autograder.build.bundle``, ``make
student-zip``: ``dist/student/`` and ``dist/student.zip``).
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import gradkit
from gradkit import course
from gradkit.course import KIT

from .. import templates as _templates

ENGINE = Path(gradkit.__file__).resolve().parent
COURSE_NAME = course.COURSE_DIR.name  # "source": where the engine looks for the checks, beside it
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
PACKAGES = ("numpy", "torch", "matplotlib", "pytest")  # what a student bundle needs, pinned by constraints.txt


def pins() -> dict[str, str]:
    """name -> version from constraints.txt, for the packages a student bundle needs."""
    found = {}
    for line in (KIT / "constraints.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line.strip())
        if m and m.group(1).lower() in PACKAGES:
            found[m.group(1).lower()] = m.group(2)
    return found


def requirements() -> str:
    """requirements.txt of a student bundle: ``PACKAGES`` at the versions of constraints.txt."""
    v = pins()
    missing = [p for p in PACKAGES if p not in v]
    if missing:
        raise SystemExit(f"constraints.txt pins no version of {', '.join(missing)}")
    return (f"# NumPy, PyTorch and pytest, as the kit's grader uses them; torch's CPU wheel comes from\n"
            f"# PyTorch's index (2.13.0+cpu sorts above PyPI's CUDA build of the same version).\n"
            f"--extra-index-url {TORCH_INDEX}\n" + "".join(f"{p}=={v[p]}\n" for p in PACKAGES))


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


def student(dest: Path, assignments_dir: Path = KIT / "assignments") -> Path:
    """The bundle an instructor hands out: the student release (``assignments_dir``), the engine and
    the public checks vendored beside it, ``requirements.txt`` (NumPy, torch CPU, pytest: the only
    things it needs), the student's README and a ``.gitignore`` (``templates/gitignore``: what
    running the checks leaves behind, ``report.html`` included, is never committed). ``dest`` is replaced; returns it."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(assignments_dir, dest, ignore=shutil.ignore_patterns(
        "__pycache__", "*.pyc", ".pytest_cache", ".ipynb_checkpoints", ".hypothesis"))
    vendor(dest)
    (dest / "requirements.txt").write_text(requirements(), encoding="utf-8")
    (dest / "README.md").write_text(_templates.text("student_README.md"), encoding="utf-8")
    (dest / ".gitignore").write_text(_templates.text("gitignore"), encoding="utf-8")
    return dest


def zip_folder(folder: Path, target: Path) -> Path:
    """``folder`` as ``target`` (a .zip whose entries start with the folder's name)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(shutil.make_archive(str(target.with_suffix("")), "zip", folder.parent, folder.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.build.bundle",
                                     description="Build dist/student/ and dist/student.zip, the bundle to hand out.")
    parser.add_argument("--out", default=str(KIT / "dist"), help="folder (default: dist/)")
    args = parser.parse_args(argv)
    folder = student(Path(args.out) / "student")
    target = zip_folder(folder, Path(args.out) / "student.zip")
    print(f"wrote {folder}/ and {target}: the student release with its checks; no hidden check")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
