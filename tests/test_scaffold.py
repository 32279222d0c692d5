"""`make new-assignment NAME=99_demo` in a temporary copy of the kit: the skeleton releases, grades
100 with its solution, passes the kit's tests on it; removing its folder removes the assignment."""

import csv
import os
import shutil
import subprocess
import sys

import pytest

from tests.kit import ROOT

COPIED = ("autograder", "gradkit", "source", "tests", "assignments", "solutions", "pyproject.toml",
          "constraints.txt", "nbgrader_config.py")
NAME, MODULE = "99_demo", "demo"


def _run(kit, *args, check=True):
    env = dict(os.environ, PYTHONPATH=str(kit), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, *args], cwd=kit, capture_output=True, text=True, env=env, timeout=1200)
    if check:
        assert proc.returncode == 0, f"{args}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    kit = tmp_path_factory.mktemp("kit")
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, kit / name, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        else:
            shutil.copy(src, kit / name)
    return kit


def _registry(kit) -> list[str]:
    return _run(kit, "-c", "from gradkit import course; print(' '.join(a.folder for a in course.available()))"
                ).stdout.split()


def test_new_assignment_releases_grades_and_tests_then_goes_with_its_folder(kit):
    _run(kit, "-m", "autograder.build.scaffold", NAME)
    assert sorted(p.name for p in (kit / "source" / NAME).iterdir()) == sorted(
        ["checks.py", "hidden.py", "mutants.py", f"{MODULE}.py", f"test_{MODULE}.py"])
    assert _registry(kit)[-1] == NAME
    assert _run(kit, "-m", "autograder.build.scaffold", NAME, check=False).returncode != 0  # never over an existing one

    _run(kit, "-m", "autograder.build.release")
    assert (kit / "assignments" / NAME / f"{MODULE}.py").is_file() and not (kit / "assignments" / NAME / "hidden.py").exists()
    tests = _run(kit, "-m", "pytest", "tests/test_mutants.py", "tests/test_release.py", "-vv", "-p", "no:cacheprovider",
                 "-k", f"{NAME} or generated_trees or no_hidden_check", check=False)
    assert tests.returncode == 0, tests.stdout[-3000:]
    ran = [ln for ln in tests.stdout.splitlines() if NAME in ln and "PASSED" in ln]
    assert len(ran) >= 6, tests.stdout[-3000:]  # its mutants, points, solution, stubs, hidden inputs

    subs = kit / "class" / "ada" / NAME
    subs.mkdir(parents=True)
    shutil.copy(kit / "solutions" / NAME / f"{MODULE}.py", subs)
    _run(kit, "-m", "autograder", "grade", "class", "--out", "out", "--only", NAME, "--no-bwrap", "--jobs", "1")
    with open(kit / "out" / "gradebook.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert float(row[NAME]) == 100, row

    shutil.rmtree(kit / "source" / NAME)  # removing the folder removes the assignment
    assert NAME not in _registry(kit)
    assert _run(kit, "-m", "autograder.build.release", "--check", check=False).returncode == 1  # the release still has it
    _run(kit, "-m", "autograder.build.release")
    assert not (kit / "assignments" / NAME).exists() and not (kit / "solutions" / NAME).exists()
    _run(kit, "-m", "autograder.build.release", "--check")
