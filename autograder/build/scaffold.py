"""A new assignment from the skeleton: ``python -m autograder.build.scaffold NN_name`` (``make
new-assignment NAME=NN_name``) writes ``source/NN_name/`` from ``templates/assignment/``:

- ``<name>.py``: the master, one function (``scale``) with its solution between the markers;
- ``test_<name>.py``: the two-line pytest file students get;
- ``checks.py``: ``MODULE`` and one public check built by a factory (``scale_check``);
- ``hidden.py``: one hidden check from the same factory; ``mutants.py``: two wrong answers.

The student module is the name after the number (``08_dropout`` -> ``dropout.py``). The skeleton
releases, grades and passes the kit's tests as it is; AUTHORING.md walks through making it yours.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gradkit import course

from .. import templates

SKELETON = templates.TEMPLATES / "assignment"
SKELETON_MODULE = "skeleton"  # the file names of the skeleton's master and test file


def new(name: str, source: Path = course.COURSE_DIR) -> Path:
    """Write ``source/name/`` from the skeleton; returns the folder."""
    if not course.FOLDER.match(name):
        raise SystemExit(f"{name!r} is not NN_name (a number, an underscore, a Python name), e.g. 08_dropout")
    module = name.split("_", 1)[1]
    if not module.isidentifier():
        raise SystemExit(f"{module!r} (the student's module, {module}.py) is not a Python name")
    folder = source / name
    taken = [a.folder for a in course.available(source) if a.module == module or a.folder == name]
    if folder.exists() or taken:
        raise SystemExit(f"{folder} or an assignment of module {module!r} exists already ({', '.join(taken)})")
    folder.mkdir(parents=True)
    for path in sorted(SKELETON.glob("*.py")):
        text = path.read_text(encoding="utf-8").replace("__FOLDER__", name).replace("__MODULE__", module)
        (folder / path.name.replace(SKELETON_MODULE, module)).write_text(text, encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.build.scaffold",
                                     description="Write a new assignment, source/NN_name/, from the skeleton "
                                                 "(make new-assignment NAME=NN_name); see AUTHORING.md.")
    parser.add_argument("name", metavar="NN_name", help="the assignment's folder, e.g. 08_dropout (module dropout.py)")
    folder = new(parser.parse_args(argv).name)
    print(f"wrote {folder}/: edit it (see AUTHORING.md), then `make release` and `make test`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
