"""The student's front door: run an assignment's public checks with plain ``pytest``.

Each assignment folder has a two-line test file::

    from gradkit_checks.pytest_plugin import make_test
    test_activations = make_test("01_activations")

which becomes one pytest test per public check, run against the student's file beside it
(``activations.py``). A failing test prints the same feedback the grader writes: the input,
what came back, what torch gives, and a hint. At the end pytest prints the points::

    gradkit points (public checks)
      01_activations: 45/70  (the grader's hidden checks carry the other 30 of 100)

The student's code runs in the pytest process here (it is their own machine); the batch grader
runs the same checks with the code in a sandbox.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .assignments import by_folder
from .core import Call, StudentError, chain_from, evaluate, returned_from
from .protocol import Invoker

os.environ.setdefault("MPLBACKEND", "Agg")  # student plots render off-screen

_SESSIONS: dict[Path, "LocalSession"] = {}


class LocalSession:
    """Student code in this process, behind the same request/response path as the runner."""

    def __init__(self, module: str, path: Path):
        self.invoker = Invoker()
        self.error: StudentError | None = None
        if not path.exists():
            self.error = StudentError("missing", f"{path.name} is missing from {path.parent}")
            return
        response = self.invoker.load(module, str(path))
        if not response["ok"]:
            err = response["error"]
            self.error = StudentError("exception", f"importing {path.name} failed: {err['type']}: "
                                      f"{err['message']}", err.get("traceback", ""))

    def call(self, request: dict):
        if self.error is not None:
            raise self.error
        response = self.invoker.handle(request)
        return chain_from(response) if request.get("op") == "chain" else returned_from(response)


def session_for(module: str, path: Path) -> LocalSession:
    path = Path(path).resolve()
    if path not in _SESSIONS:
        _SESSIONS[path] = LocalSession(module, path)
    return _SESSIONS[path]


def make_test(folder: str):
    """A parametrized pytest test running every public check of ``folder``."""
    assignment = by_folder(folder)
    checks = assignment.public_checks()

    @pytest.mark.parametrize("check", checks, ids=[c.name for c in checks])
    def test(check, request):
        path = Path(str(request.node.fspath)).parent / f"{assignment.module}.py"
        outcome = evaluate(check, Call(session_for(assignment.module, path), assignment.module))
        request.node.user_properties.append(("gradkit", [folder, outcome.points, check.points]))
        if not outcome.passed:
            pytest.fail(f"[{check.points:g} points] {outcome.message}", pytrace=False)

    test.__doc__ = f"Public checks of {folder}: one test per check, feedback on failure."
    return test


def _hidden_points(folder: str) -> float:
    """Points of the hidden checks: 100 minus the public ones (every assignment is out of 100)."""
    return 100.0 - sum(c.points for c in by_folder(folder).public_checks())


def pytest_terminal_summary(terminalreporter):
    """Collect the points; they are printed last (``pytest_unconfigure``), below pytest's own summary."""
    earned: dict[str, list[float]] = {}
    for reports in terminalreporter.stats.values():
        for rep in reports:
            for key, value in getattr(rep, "user_properties", ()):
                if key == "gradkit" and getattr(rep, "when", "call") == "call":
                    folder, got, out_of = value
                    earned.setdefault(folder, [0.0, 0.0])
                    earned[folder][0] += got
                    earned[folder][1] += out_of
    lines = []
    for folder in sorted(earned):
        got, out_of = earned[folder]
        hidden = _hidden_points(folder)
        extra = f"  (the grader's hidden checks carry the other {hidden:g} of 100)" if hidden > 0 else ""
        lines.append(f"{folder}: {got:g}/{out_of:g}{extra}")
    terminalreporter.config._gradkit_points = lines


def pytest_unconfigure(config):
    lines = getattr(config, "_gradkit_points", None)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if lines and reporter is not None:
        reporter.write_sep("=", "gradkit points (public checks)")
        for line in lines:
            reporter.write_line(line)
