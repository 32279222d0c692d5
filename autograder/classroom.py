"""The kit as a GitHub Classroom template repository: ``python -m autograder.classroom``
(``make classroom``) writes ``dist/classroom/``.

The template is the student release (``assignments/``: stubs, notebooks, test files,
``conftest.py``), the check engine and the public checks vendored beside it (``bundle.vendor``:
``gradkit/``, ``source/<folder>/checks.py``; never a hidden check), plus a GitHub Actions workflow, ``.github/workflows/classroom.yml``, that GitHub Classroom's
autograding reads: on every push it installs NumPy, PyTorch (CPU) and pytest, runs each
assignment's public checks with plain ``pytest`` and hands the points to
``education/autograding-grading-reporter``, which reports them to Classroom. One step per
assignment; ``.github/gradkit_points.py`` turns the pytest run into the reporter's format (one
test per check, with the points it earned, so partial credit counts) and its max score is that
assignment's public points.

Only the public checks run there: the student's repository holds everything the workflow runs,
so its points are feedback, not a grade to trust. Grade with the hidden checks through
``make grade`` on the collected repositories or through Gradescope (``make gradescope``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from . import bundle

KIT = Path(__file__).resolve().parent.parent
MARKER = Path(".github") / "gradkit_points.py"  # a folder holding this is ours to replace
PYTHON_VERSION = "3.12"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
PACKAGES = ("numpy", "torch", "matplotlib", "pytest")

POINTS_SCRIPT = r'''"""gradkit on GitHub Classroom: run one assignment's public checks, report its points.

    python .github/gradkit_points.py FOLDER MAX_POINTS

Runs `pytest FOLDER`, reads the points of every check (pytest's JUnit XML carries them) and the
"FOLDER: x/y" line the checks print, and writes `result=<base64 JSON>` to $GITHUB_OUTPUT in the
format of education/autograding-grading-reporter: one test per check with the points it earned,
max_score = MAX_POINTS (the assignment's public points). It always exits 0: failed checks cost
points, they do not fail the workflow.
"""

import ast
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

TIMEOUT = float(os.environ.get("GRADKIT_TIMEOUT", "600"))


def checks_from(xml_path):
    """[(check name, passed, points earned, message)] from pytest's JUnit XML."""
    out = []
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        earned = None
        for prop in case.iter("property"):
            if prop.get("name") == "gradkit":
                earned = float(ast.literal_eval(prop.get("value"))[1])
        if earned is None:
            continue
        name = re.sub(r"^[^\[]*\[(.*)\]$", r"\1", case.get("name", "?"))
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        out.append((name, bad is None, earned, "" if bad is None else (bad.get("message") or "")[:1500]))
    return out


def main(folder, max_points):
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = os.path.join(tmp, "report.xml")
        cmd = [sys.executable, "-m", "pytest", folder, "-q", "-p", "no:cacheprovider", "--junitxml=" + xml_path]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
            log = proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            log = f"{(exc.stdout or b'')[-20000:]!r}\npytest did not finish within {TIMEOUT:g} s: an endless loop?"
        print(log)
        try:
            checks = checks_from(xml_path)
        except (OSError, ET.ParseError, ValueError, SyntaxError):
            checks = []
    line = re.search(rf"^{re.escape(folder)}: ([0-9.]+)/([0-9.]+)", log, re.M)
    total = min(float(line.group(1)), max_points) if line else 0.0
    if checks and abs(sum(c[2] for c in checks) - total) < 1e-6:
        tests = [{"name": name, "status": "pass" if ok else "fail", "score": points, "message": message,
                  "line_no": 0, "execution_time": "0s"} for name, ok, points, message in checks]
    else:  # no per-check detail (collection failed, timeout): one line for the assignment
        tests = [{"name": folder, "status": "pass" if total >= max_points else "fail", "score": total,
                  "message": log[-3000:] if not line else line.group(0), "line_no": 0, "execution_time": "0s"}]
    result = {"version": 1, "status": "pass" if total >= max_points else "fail", "max_score": max_points,
              "tests": tests}
    print(f"{folder}: {total:g}/{max_points:g} points (public checks)")
    encoded = base64.b64encode(json.dumps(result).encode()).decode()
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a") as fh:
            fh.write(f"result={encoded}\n")
    return result


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
'''

README = """# {title}

Vanishing and exploding gradients, in NumPy, checked against PyTorch. Each folder is one
assignment: fill in the stub file (`activations.py`, ...) between its docstrings.

```sh
python -m pip install -r requirements.txt     # NumPy, PyTorch (CPU), matplotlib, pytest
pytest                                         # every assignment; or: cd 01_activations && pytest
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

WORKFLOW_HEAD = """# GitHub Classroom autograding for gradkit, generated by `make classroom` (edit
# autograder/classroom.py in the kit, not this file). Each step runs one assignment's public
# checks (pytest) and reports its points; max_score = that assignment's public points.
name: Autograding Tests
"on":
  - push
  - workflow_dispatch
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    name: Autograding Tests
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 30
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "{python}"
      - name: Install NumPy, PyTorch (CPU wheel) and pytest
        run: python -m pip install --quiet --disable-pip-version-check -r requirements.txt
"""

WORKFLOW_STEP = """      - name: {folder}
        id: {step}
        timeout-minutes: 15
        run: python .github/gradkit_points.py {folder} {points:g}
"""

WORKFLOW_TAIL = """      - name: Autograding Reporter
        if: always()
        uses: education/autograding-grading-reporter@v1
        env:
{env}        with:
          runners: {runners}
"""


def pins() -> dict[str, str]:
    """name -> version from constraints.txt, for the packages the student repository needs."""
    found = {}
    for line in (KIT / "constraints.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", line.strip())
        if m and m.group(1).lower() in PACKAGES:
            found[m.group(1).lower()] = m.group(2)
    return found


def released(assignments_dir: Path) -> list[tuple[str, str, float]]:
    """(folder, module, public points) of each assignment in the student release, in order."""
    from gradkit import course

    out = []
    for a in course.available():
        if (assignments_dir / a.folder / f"{a.module}.py").is_file():
            out.append((a.folder, a.module, float(sum(c.points for c in a.public_checks()))))
    return out


def workflow(items: list[tuple[str, str, float]]) -> str:
    text = WORKFLOW_HEAD.replace("{python}", PYTHON_VERSION)
    text += "".join(WORKFLOW_STEP.format(folder=f, step=m, points=p) for f, m, p in items)
    env = "".join(f'          {m.upper()}_RESULTS: "${{{{ steps.{m}.outputs.result }}}}"\n' for _, m, _ in items)
    return text + WORKFLOW_TAIL.format(env=env, runners=",".join(m for _, m, _ in items))


def requirements() -> str:
    v = pins()
    missing = [p for p in PACKAGES if p not in v]
    if missing:
        raise SystemExit(f"constraints.txt pins no version of {', '.join(missing)}")
    return (f"# NumPy, PyTorch and pytest, as the kit's grader uses them; torch's CPU wheel comes from\n"
            f"# PyTorch's index (2.13.0+cpu sorts above PyPI's CUDA build of the same version).\n"
            f"--extra-index-url {TORCH_INDEX}\n" + "".join(f"{p}=={v[p]}\n" for p in PACKAGES))


def build(dest: Path, assignments_dir: Path = KIT / "assignments", title: str = "gradkit assignments") -> Path:
    """Write the template repository into ``dest`` (replacing an earlier one); returns ``dest``."""
    items = released(assignments_dir)
    if not items:
        raise SystemExit(f"no assignment found in {assignments_dir}")
    if dest.exists():
        if not (dest / MARKER).is_file() and any(dest.iterdir()):
            raise SystemExit(f"{dest} exists and is not a gradkit classroom template; not replacing it")
        shutil.rmtree(dest)
    shutil.copytree(assignments_dir, dest, ignore=shutil.ignore_patterns(
        "__pycache__", "*.pyc", ".pytest_cache", ".ipynb_checkpoints", ".hypothesis"))
    bundle.vendor(dest)
    (dest / ".github" / "workflows").mkdir(parents=True)
    (dest / ".github" / "workflows" / "classroom.yml").write_text(workflow(items))
    (dest / MARKER).write_text(POINTS_SCRIPT)
    (dest / "requirements.txt").write_text(requirements())
    rows = "\n".join(f"| {f} | {p:g} |" for f, _, p in items)
    (dest / "README.md").write_text(README.format(title=title, rows=rows))
    (dest / ".gitignore").write_text("__pycache__/\n*.pyc\n.pytest_cache/\n.ipynb_checkpoints/\n")
    return dest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.classroom", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(KIT / "dist" / "classroom"), help="template folder (default: dist/classroom)")
    parser.add_argument("--assignments", default=str(KIT / "assignments"), help="the student release to ship")
    args = parser.parse_args(argv)
    dest = build(Path(args.out), Path(args.assignments))
    items = released(Path(args.assignments))
    print(f"wrote {dest}: {', '.join(f'{f} ({p:g} public points)' for f, _, p in items)}")
    print("Push it to a GitHub repository, mark it as a template, and use it as the starter code of a "
          "GitHub Classroom assignment (autograding: the workflow's points).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
