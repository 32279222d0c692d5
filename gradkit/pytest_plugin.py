"""The student's front door: run an assignment's public checks with plain ``pytest``.

Each assignment folder has a two-line test file::

    from gradkit.pytest_plugin import make_test
    test_activations = make_test("01_activations")

which becomes one pytest test per public check, run against the student's file beside it
(``activations.py``). A failing test prints the same feedback the grader writes: the input,
what came back, what torch gives, and a hint. At the end pytest prints the points::

    gradkit points (public checks)
      01_activations: 45/70  (the grader's hidden checks carry the other 30 of 100)

``pytest --gradkit-html report.html`` also writes the feedback page the grader writes
(``gradkit.page``), for the public checks that ran: one self-contained HTML file to open in a
browser instead of scrolling the terminal.

The student's code runs in the pytest process here (it is their own machine); the batch grader
runs the same checks with the code in a sandbox.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from . import page
from .bounds import SourceTooLarge, check_size
from .course import by_folder
from .core import (MODULE_KINDS, Call, Outcome, StudentError, calls_in_source, chain_from, outcome_failed,
                   points_text, returned_from)
from .engine import Run
from .files import write_atomic
from .local import handle
from .mistakes import for_assignment
from .protocol import Invoker, forbidden_imports, forbidden_message
from .visible import visible

os.environ.setdefault("MPLBACKEND", "Agg")  # student plots render off-screen


class LocalSession:
    """Student code in this process, behind the same request/response path as the runner.

    A module that cannot be graded at all (missing, too large to parse, importing a framework,
    failing to import)
    sets ``error``, a StudentError of a ``core.MODULE_KINDS`` kind, with the grader's message.
    ``run`` is the engine loop's state for this file (``engine.Run``: timeouts, outcomes so far; named
    mistakes where ``mistakes`` is given, ``mistakes.for_assignment``)."""

    def __init__(self, module: str, path: Path, mistakes=None):
        self.invoker = Invoker()
        self.error: StudentError | None = None
        self.run = Run(mistakes=mistakes)
        self.first_failure: str | None = None  # the test that reported ``error``
        self.first_outcome: Outcome | None = None  # its outcome (the other checks failed the same way)
        self.calls: dict[str, set[str]] = {}
        if not path.exists():
            self.error = StudentError("missing_file", f"{path.name} is missing from {path.parent}")
            return
        source = path.read_bytes()
        try:
            check_size(source)  # before anything parses it, as the grader does
        except SourceTooLarge as exc:
            self.error = StudentError("import", exc.message(path.name))
            return
        bad = forbidden_imports(source)
        if bad:
            self.error = StudentError("forbidden", forbidden_message(path.name, bad))
            return
        try:
            response = handle(self.invoker, {"op": "load", "module": module, "path": str(path)})
        except StudentError as err:  # an endless loop at import
            self.error = StudentError("import", f"importing {path.name} failed: {err.message}")
            return
        if not response["ok"]:
            err = response["error"]
            self.error = StudentError("import", f"importing {path.name} failed: {err['type']}: "
                                      f"{err['message']}", err.get("traceback", ""))
            return
        self.calls = calls_in_source(source)

    def call(self, request: dict):
        if self.error is not None:
            raise self.error
        response = handle(self.invoker, request)
        return chain_from(response) if request.get("op") == "chain" else returned_from(response)


SESSIONS = pytest.StashKey[dict]()  # in the pytest run's stash: {path: LocalSession}
OUTCOMES = pytest.StashKey[dict]()  # {folder: {check name: Outcome}}, for --gradkit-html


def pytest_addoption(parser):
    parser.getgroup("gradkit").addoption(
        "--gradkit-html", metavar="PATH", default=None,
        help="also write the feedback page of the public checks run (one self-contained HTML file) to PATH")


def record(config, folder: str, outcome: Outcome) -> None:
    """Keep ``outcome`` for the report page (the latest of a check that ran twice)."""
    config.stash.setdefault(OUTCOMES, {}).setdefault(folder, {})[outcome.name] = outcome


def session_for(config, module: str, path: Path, mistakes=None) -> LocalSession:
    """The session of the student file at ``path``, one per file for the whole pytest run (naming
    mistakes with ``mistakes``: in the kit's own folder, where the mutants are)."""
    sessions = config.stash.setdefault(SESSIONS, {})
    path = Path(path).resolve()
    if path not in sessions:
        sessions[path] = LocalSession(module, path, mistakes)
    return sessions[path]


# How a check name's symbols read in a pytest id (pytest escapes what is not ASCII: 1.5\xb7I).
ASCII_FOR = {"·": "*", "×": "x", "−": "-", "–": "-", "—": "-", "≤": "<=", "≥": ">=", "≈": "~",
             "→": "->", "‖": "||", "√": "sqrt", "²": "^2", "…": "...", "σ": "sigma", "ε": "eps", "λ": "lambda",
             "α": "alpha", "β": "beta", "γ": "gamma", "μ": "mu"}


def test_id(name: str) -> str:
    """A check's name as a readable ASCII pytest id: ``linear_forward: 1.5·I`` -> ``linear_forward: 1.5*I``
    (accents dropped; a symbol with no ASCII spelling is left for pytest to escape)."""
    text = "".join(ASCII_FOR.get(ch, ch) for ch in name)
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def make_test(folder: str):
    """A parametrized pytest test running every public check of ``folder``.

    When the module cannot be graded at all (a syntax error, a failed import, a framework
    import, no file), the first test run says why, once, with the line; the other tests of the
    assignment are skipped with a one-line pointer to it (and count 0 points)."""
    assignment = by_folder(folder)
    checks = assignment.public_checks()

    @pytest.mark.parametrize("check", checks, ids=[test_id(c.name) for c in checks])
    def test(check, request):
        path = Path(str(request.node.fspath)).parent / f"{assignment.module}.py"
        session = session_for(request.config, assignment.module, path, for_assignment(assignment))
        request.node.user_properties.append(("gradkit", [folder, 0.0, check.points]))
        if session.error is not None and session.first_failure is not None:
            first = session.first_outcome
            record(request.config, folder, outcome_failed(check, first.message, first.kind))
            pytest.skip(visible(f"[{points_text(0, check.points)}] {path.name} could not be graded: "
                                f"see the failure of {session.first_failure}"))
        outcome, = session.run.run([check], Call(session, assignment.module), session.calls)
        record(request.config, folder, outcome)
        request.node.user_properties[-1] = ("gradkit", [folder, outcome.points, check.points])
        if not outcome.passed:
            if outcome.kind in MODULE_KINDS:
                session.first_failure, session.first_outcome = request.node.name, outcome
            pytest.fail(visible(f"[{points_text(check.points)}] {outcome.message}"), pytrace=False)

    test.__doc__ = f"Public checks of {folder}: one test per check, feedback on failure."
    return test


def _hidden_points(folder: str) -> float:
    """Points of the hidden checks: 100 minus the public ones (every assignment is out of 100)."""
    return 100.0 - sum(c.points for c in by_folder(folder).public_checks())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """What the student's code printed during a check (pytest's "Captured stdout/stderr" sections)
    is shown as it is (``visible``): an ESC or a right-to-left override in it cannot drive the
    terminal or make the failure read other than it is."""
    outcome = yield
    rep = outcome.get_result()
    if any(key == "gradkit" for key, _ in getattr(item, "user_properties", ())):
        rep.sections = [(title, visible(text)) for title, text in rep.sections]


def pytest_terminal_summary(terminalreporter):
    """Collect the points; they are printed last (``pytest_unconfigure``), below pytest's own summary.

    A run that did not run every public check of an assignment (``pytest -k``, one test id)
    says so: its points are out of the checks that ran, not the assignment's."""
    earned: dict[str, list[float]] = {}
    for reports in terminalreporter.stats.values():
        for rep in reports:
            for key, value in getattr(rep, "user_properties", ()):
                if key == "gradkit" and getattr(rep, "when", "call") == "call":
                    folder, got, out_of = value
                    earned.setdefault(folder, [0.0, 0.0, 0])
                    earned[folder][0] += got
                    earned[folder][1] += out_of
                    earned[folder][2] += 1
    terminalreporter.config._gradkit_points = [points_line(folder, *earned[folder]) for folder in sorted(earned)]


def points_line(folder: str, got: float, out_of: float, run: int) -> str:
    """One assignment's line of the points summary, after ``run`` of its public checks ran."""
    public = by_folder(folder).public_checks()
    hidden = _hidden_points(folder)
    if run < len(public):
        return (f"{folder}: {got:g}/{out_of:g}  (a partial run: {run} of {len(public)} public checks run; "
                f"all of them carry {100 - hidden:g} points, the grader's hidden checks the other {hidden:g} of 100)")
    extra = f"  (the grader's hidden checks carry the other {hidden:g} of 100)" if hidden > 0 else ""
    return f"{folder}: {got:g}/{out_of:g}{extra}"


STATUS = {"import": "import failed", "forbidden": "imports a framework", "missing_file": "file missing"}


def report_page(outcomes: dict[str, dict[str, Outcome]]) -> page.Page:
    """The feedback page of a local run: one section per assignment whose public checks ran, out of
    the points of the checks that ran (the hidden checks, which only the grader runs, are named)."""
    sections = []
    for folder in sorted(outcomes):
        order = {c.name: i for i, c in enumerate(by_folder(folder).public_checks())}
        outs = sorted(outcomes[folder].values(), key=lambda o: order.get(o.name, len(order)))
        ran = sum(o.max_points for o in outs)
        module = next((o.kind for o in outs if o.kind in MODULE_KINDS), "")
        status = STATUS[module] if module else "checked" if len(outs) == len(order) else \
            f"a partial run: {len(outs)} of {len(order)} public checks"
        hidden = _hidden_points(folder)
        note = f"The public checks; the grader's hidden checks carry the other {hidden:g} of 100." if hidden > 0 else ""
        sections.append(page.Section(folder, outs, status, ran, note))
    return page.feedback("", sections, title="Your public checks")


def write_report(config, path: str) -> Path | None:
    """Write the local report page to ``path`` (relative to where pytest was started); its path."""
    outcomes = config.stash.get(OUTCOMES, {})
    if not outcomes:
        return None
    target = (Path(config.invocation_params.dir) / path).resolve()
    write_atomic(target, page.html_page(report_page(outcomes)))
    return target


def pytest_unconfigure(config):
    lines = getattr(config, "_gradkit_points", None)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if lines and reporter is not None:
        reporter.write_sep("=", "gradkit points (public checks)")
        for line in lines:
            reporter.write_line(line)
    path = config.getoption("gradkit_html", None)
    if path:
        written = write_report(config, path)
        if reporter is not None:
            reporter.write_line(f"report: {written}" if written else "report: no gradkit check ran, nothing written")
