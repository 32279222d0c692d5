"""The kit as a GitHub Classroom template repository: ``python -m autograder.build.classroom``
(``make classroom``) writes ``dist/classroom/``, every assignment; ``--assignment 04_batchnorm``
writes ``dist/classroom-04_batchnorm/``, a template holding that assignment only (its folder, its
public checks) whose workflow grades it alone: a course makes one Classroom assignment per homework.

The template is the student release (``assignments/``: stubs, notebooks, test files,
``conftest.py``), the check engine and the public checks of its assignments vendored beside it
(``bundle.files``: ``gradkit/``, ``source/<folder>/checks.py``; never a hidden check), plus a
GitHub Actions workflow, ``.github/workflows/classroom.yml``, that GitHub Classroom's autograding
reads: on every push it installs NumPy, PyTorch (CPU) and pytest, runs each assignment's public
checks with plain ``pytest`` and hands the points to
``classroom-resources/autograding-grading-reporter`` (the reporter GitHub Classroom's own
generated workflows use), which reports them to Classroom. One step per assignment;
``.github/gradkit_points.py`` turns the pytest run into the reporter's format (one test per check,
with the points it earned, so partial credit counts) and its max score is that assignment's public
points. The kit's tests validate the workflow against GitHub's workflow schema.

Only the public checks run there: the student's repository holds everything the workflow runs,
so its points are feedback, not a grade to trust. Grade with the hidden checks through
``make grade`` on the collected repositories or through Gradescope (``make gradescope``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from gradkit import course
from gradkit.course import KIT
from .. import templates
from . import bundle
from .gradescope import choose

MARKER = Path(".github") / "gradkit_points.py"  # a folder holding this is ours to replace
PYTHON_VERSION = "3.12"


README = """# {title}

Vanishing and exploding gradients, in NumPy, checked against PyTorch. Each folder is one
assignment: fill in the stub file (`activations.py`, ...) between its docstrings.

```sh
python -m pip install -r requirements.txt     # NumPy, PyTorch (CPU), matplotlib, pytest
pytest                                         # every assignment here; or: cd {first} && pytest
```

A failing check prints the input it used, what your function returned, what torch returns and a
hint; the run ends with your points, e.g. `01_activations: 45/61`.

Every push runs the same public checks on GitHub (the Actions tab, workflow "Autograding Tests")
and reports the points to GitHub Classroom:

| assignment | public points |
|---|---:|
{rows}

Your instructor's grader also runs hidden checks (the same properties on other inputs), which
carry the rest of each assignment's 100 points. Use NumPy only: a file that imports torch,
tensorflow or jax scores 0 for that assignment. Do not edit `gradkit/`, `source/`, `conftest.py` or
`.github/`.
"""


def released(assignments_dir: Path, assignment: str | None = None) -> list[tuple[str, str, float]]:
    """(folder, module, public points) of each assignment in the student release, in order; only
    ``assignment``'s (``gradescope.choose``) when given."""
    out = []
    for a in [choose(assignment)] if assignment else course.available():
        if (assignments_dir / a.folder / f"{a.module}.py").is_file():
            out.append((a.folder, a.module, float(sum(c.points for c in a.public_checks()))))
    return out


def workflow(items: list[tuple[str, str, float]]) -> str:
    """The workflow (``templates/classroom.yml``): one ``templates/classroom_step.yml`` per assignment."""
    step = templates.text("classroom_step.yml")
    steps = "".join(step.replace("__FOLDER__", f).replace("__STEP__", m).replace("__POINTS__", f"{p:g}")
                    for f, m, p in items)
    env = "".join(f'          {m.upper()}_RESULTS: "${{{{ steps.{m}.outputs.result }}}}"\n' for _, m, _ in items)
    return (templates.text("classroom.yml").replace("__PYTHON__", PYTHON_VERSION).replace("__STEPS__\n", steps)
            .replace("__ENV__\n", env).replace("__RUNNERS__", ",".join(m for _, m, _ in items)))


def default_dest(assignment: str | None = None) -> Path:
    """``dist/classroom`` (every assignment) or ``dist/classroom-<folder>`` (one)."""
    return KIT / "dist" / (f"classroom-{choose(assignment).folder}" if assignment else "classroom")


IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".ipynb_checkpoints", ".hypothesis")


def build(dest: Path, assignments_dir: Path = KIT / "assignments", title: str | None = None,
          assignment: str | None = None) -> Path:
    """Write the template repository into ``dest`` (replacing an earlier one); returns ``dest``.

    With ``assignment``, the template holds that assignment's folder, the release's root files
    (``conftest.py``, ``pytest.ini``) and its public checks only, and the workflow grades it alone."""
    items = released(assignments_dir, assignment)
    if not items:
        raise SystemExit(f"no assignment found in {assignments_dir}")
    if dest.exists():
        if not (dest / MARKER).is_file() and any(dest.iterdir()):
            raise SystemExit(f"{dest} exists and is not a gradkit classroom template; not replacing it")
        shutil.rmtree(dest)
    folders = {f for f, _, _ in items}
    if assignment:
        dest.mkdir(parents=True)
        for entry in sorted(assignments_dir.iterdir()):
            if entry.is_dir() and entry.name in folders:
                shutil.copytree(entry, dest / entry.name, ignore=IGNORED)
            elif entry.is_file() and not IGNORED(str(assignments_dir), [entry.name]):
                shutil.copyfile(entry, dest / entry.name)
    else:
        shutil.copytree(assignments_dir, dest, ignore=IGNORED)
    course_dir = bundle.COURSE_NAME + "/"
    for rel, path in bundle.files():  # the engine and the public checks of the assignments shipped
        if not rel.startswith(course_dir) or rel.split("/")[1] in folders:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest / rel)
    (dest / ".github" / "workflows").mkdir(parents=True)
    (dest / ".github" / "workflows" / "classroom.yml").write_text(workflow(items))
    (dest / MARKER).write_text(templates.text("gradkit_points.py"))
    (dest / "requirements.txt").write_text(bundle.requirements())
    rows = "\n".join(f"| {f} | {p:g} |" for f, _, p in items)
    title = title or (f"gradkit: {items[0][0]}" if assignment else "gradkit assignments")
    (dest / "README.md").write_text(README.format(title=title, rows=rows, first=items[0][0]))
    (dest / ".gitignore").write_text(templates.text("gitignore"))
    return dest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.build.classroom", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="template folder (default: dist/classroom, or dist/classroom-<folder> "
                                      "with --assignment)")
    parser.add_argument("--assignments", default=str(KIT / "assignments"), help="the student release to ship")
    parser.add_argument("--assignment", metavar="ASSIGNMENT",
                        help="a template of this assignment alone (its folder, module or number, e.g. 04); "
                             "default: every assignment")
    args = parser.parse_args(argv)
    dest = build(Path(args.out) if args.out else default_dest(args.assignment), Path(args.assignments),
                 assignment=args.assignment)
    items = released(Path(args.assignments), args.assignment)
    print(f"wrote {dest}: {', '.join(f'{f} ({p:g} public points)' for f, _, p in items)}")
    print("Push it to a GitHub repository, mark it as a template, and use it as the starter code of a "
          "GitHub Classroom assignment (autograding: the workflow's points).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
