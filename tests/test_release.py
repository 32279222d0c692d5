"""The student release: generated from source/, runs on its own, leaks no solution or hidden check."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from gradkit import course as assignments
from autograder.build.release import BEGIN, END, differences
from gradkit.course import AUTHOR_FILES, HIDDEN, PUBLIC
from tests import checkout
from tests.kit import ROOT, given_lines, grade_file

AVAILABLE = assignments.available()


def test_generated_trees_match_source():
    """What ``make release`` writes is what the kit committed: assignments/ (as committed: a student's
    own work in it is not the kit's, see tests/checkout.py) and solutions/."""
    fresh = checkout.fresh_build()
    problems = [f"assignments/{p}" for p in differences(fresh / "assignments", checkout.release())]
    problems += [f"solutions/{p}" for p in differences(fresh / "solutions", ROOT / "solutions")]
    assert problems == [], "run `make release` and commit assignments/ and solutions/"


def _release_text() -> str:
    """Every text file of the student release."""
    return "\n".join(p.read_text(errors="replace") for p in checkout.release().rglob("*") if p.is_file()
                     and "__pycache__" not in p.parts)


def _solution_lines(text: str):
    inside = False
    for line in text.splitlines():
        if BEGIN in line:
            inside = True
        elif END in line:
            inside = False
        elif inside and len(line.strip()) >= 12 and not line.strip().startswith("#"):
            yield line.strip()


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_release_holds_no_solution_code(a):
    release = _release_text()
    source = (ROOT / "source" / a.folder / f"{a.module}.py").read_text()
    solution = set(_solution_lines(source))
    given = given_lines()
    leaked = [ln for ln in solution if ln not in given and ln in release]  # lines students get anyway don't count
    assert not leaked, f"solution lines found in assignments/: {leaked[:5]}"
    assert BEGIN not in release and END not in release


def test_release_holds_no_hidden_check():
    release = _release_text()
    for tree in ("assignments", "solutions"):  # no author file (checks, hidden checks, mutants) is released
        released = checkout.release() if tree == "assignments" else ROOT / tree
        assert not [p for p in released.rglob("*.py") if p.name in AUTHOR_FILES], tree
    public = [*(ROOT / "source").glob(f"*/{PUBLIC}"), *(ROOT / "gradkit").glob("*.py")]
    public_code = {ln.strip() for p in public for ln in p.read_text().splitlines()}
    hidden_files = sorted((ROOT / "source").glob(f"*/{HIDDEN}"))
    assert len(hidden_files) == len(AVAILABLE)
    for path in hidden_files:
        # the hidden module's own lines (its inputs, seeds and arguments), not code it shares with public checks
        code = [ln.strip() for ln in path.read_text().splitlines() if len(ln.strip()) >= 25
                and not ln.strip().startswith(("from ", "import ", "#", '"""')) and ln.strip() not in public_code]
        assert code, f"{path}: nothing distinctive to look for"
        leaked = [ln for ln in code if ln in release]
        assert not leaked, f"lines of {path} found in assignments/: {leaked[:3]}"


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_hidden_inputs_differ_from_every_public_input(a):
    """Feedback on public checks shows their inputs; no hidden check may reuse one."""
    def arrays(check):
        case = check.prepared[0]
        cases = case.data.get("calls", [case])
        return [np.asarray(x) for c in cases for x in c.args if isinstance(x, np.ndarray) and x.size > 3]

    public = [x for c in a.public_checks() for x in arrays(c)]
    public_names = {c.name for c in a.public_checks()}
    for check in a.hidden_checks():
        assert check.name not in public_names
        for x in arrays(check):
            assert not any(x.shape == p.shape and np.array_equal(x, p) for p in public), check.name


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_stubs_score_zero_and_solutions_100(a):
    stub = grade_file(a, checkout.release() / a.folder / f"{a.module}.py")
    assert sum(o.points for o in stub) == 0
    assert all("not implemented yet" in o.message for o in stub)
    solution = grade_file(a, ROOT / "solutions" / a.folder / f"{a.module}.py")
    assert sum(o.points for o in solution) == 100


def _pytest(tree):
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], cwd=tree,
                          capture_output=True, text=True, env=env, timeout=600)


def test_release_runs_public_checks_on_its_own_and_prints_points():
    """`pytest` inside assignments/ (stubs) fails every check with 0 points; solutions/ passes all."""
    stub = _pytest(checkout.release())
    assert stub.returncode == 1, stub.stdout[-2000:]
    sol = _pytest(ROOT / "solutions")
    assert sol.returncode == 0, sol.stdout[-3000:]
    for a in AVAILABLE:
        public = sum(c.points for c in a.public_checks())
        assert re.search(rf"^{a.folder}: 0/{public:g}\b", stub.stdout, re.M), stub.stdout[-1500:]
        assert re.search(rf"^{a.folder}: {public:g}/{public:g}\b", sol.stdout, re.M), sol.stdout[-1500:]
    assert "not implemented yet" in stub.stdout
