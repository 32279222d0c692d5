"""The kit's tests run this checkout's packages (``autograder``, ``gradkit``), in their own process
(pyproject's ``pythonpath``) and in every process they start (pytest in assignments/, notebook
kernels, the grader): PYTHONPATH names this checkout first, whatever the venv has installed.

Two things make the suite hold on a busy machine and on a self-learner's clone:

- ``GRADKIT_CALL_TIMEOUT`` (the deadline of one call of student code run in-process: the kit's
  tests grade solutions and mutants that way, and a student's pytest) is ``GENEROUS_CALL_TIMEOUT``
  unless the environment sets it: correct code never meets the deadline however loaded the machine
  is. A test about a timeout sets its own, short one, for the looping code alone.
- ``make test`` runs ``--dist loadgroup``: the tests of one file stay in one worker (they share
  module fixtures: one graded class, one built zip, one nbgrader course), except
  ``tests/test_mutants.py``, whose tests go in one group per assignment, so that its mutants
  (most of the suite's CPU) are graded on every core, each assignment's once (``kit.grade_mutant``
  keeps them for the file's later tests).

The run's first and last lines say when assignments/ holds a student's own work
(``tests/checkout.py``): the release tests then read the release as the kit committed it.
"""

import os
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parent.parent)
os.environ["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                                     if p and p != ROOT])
GENEROUS_CALL_TIMEOUT = "120"  # seconds: a call of correct code takes milliseconds, a 07 training run about one
os.environ.setdefault("GRADKIT_CALL_TIMEOUT", GENEROUS_CALL_TIMEOUT)

SPREAD_BY_ASSIGNMENT = ("test_mutants.py",)  # files whose tests are grouped per assignment, not per file


def xdist_group(item) -> str:
    """The worker group of a test: its file, or for SPREAD_BY_ASSIGNMENT its file and assignment."""
    path = Path(str(item.fspath)).name
    params = getattr(getattr(item, "callspec", None), "params", {})
    assignment = getattr(params.get("a"), "folder", None)
    return f"{path}::{assignment}" if path in SPREAD_BY_ASSIGNMENT and assignment else path


def pytest_configure(config):
    config.addinivalue_line("markers", "xdist_group(name): the tests of one group run in one xdist worker")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group(item)))


def own_work_note() -> str:
    """One line naming the files of assignments/ that are a student's own work, or ""."""
    from tests import checkout

    mine = checkout.own_work()
    if not mine:
        return ""
    return (f"assignments/ holds your own work ({len(mine)} file(s) differ from the kit's commit: "
            f"{', '.join(mine[:5])}{', ...' if len(mine) > 5 else ''}); the release tests read the kit's "
            "committed copy of them instead")


def pytest_report_header(config):
    note = own_work_note()
    return [note] if note else []


def pytest_terminal_summary(terminalreporter):
    note = own_work_note()  # again at the end: -q (the kit's addopts) hides the header
    if note:
        terminalreporter.write_line(note)
