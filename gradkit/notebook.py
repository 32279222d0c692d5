"""The notebook's front door: run one function's checks against the notebook's own namespace.

Every test cell of an assignment notebook is one call::

    _score = check("01_activations", "sigmoid", globals())
    _score

It runs the public checks of ``sigmoid`` (the same ``Check`` objects ``pytest`` and the batch
grader run) on the ``sigmoid`` defined in the notebook, prints the feedback, and returns the
points earned as a float. nbgrader takes a test cell's numeric result as its partial credit, so
a notebook scores exactly what ``make grade`` gives the same functions. The instructor's copy of
the cell adds ``check(..., hidden=True)`` for the hidden checks (the assignment's ``hidden.py``,
never shipped to students).

The student's functions run in the kernel (it is their notebook), behind the same
request/response path as everywhere else (``protocol.Invoker``). A call that has not returned
after ``CALL_TIMEOUT`` seconds is interrupted (SIGALRM) and fails with "did not return in time";
the other checks of that function are then skipped (the engine loop, ``engine.Run``, whose state
is kept in the notebook's own namespace). Nothing the checks do lands on stderr
(warnings are silenced, stderr is captured), because nbgrader scores a test cell that writes to
stderr 0.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
import sys
import tempfile
import types
import warnings

from .course import HIDDEN, by_folder
from .core import MODULE_KINDS, Call, calls_in_source, chain_from, points_text, returned_from, total
from .engine import Run, failed_all
from .local import CALL_TIMEOUT, handle
from .mistakes import for_assignment
from .protocol import Invoker, forbidden_imports, forbidden_in_namespace, forbidden_message
from .visible import visible

_HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = "__gradkit_runs__"  # the notebook's own record, in its namespace: {folder: engine.Run}


def _trim_traceback(text: str) -> str:
    """Drop the frames of the check library (protocol.py, this file) from a formatted traceback."""
    blocks = re.split(r"(?m)^(?=  File )", text)
    keep = [b for b in blocks if b.strip() and not b.startswith(f'  File "{_HERE}')]
    return "".join(keep)


class NamespaceSession:
    """The notebook's functions, called like a student module (``Invoker.modules[module]``), through
    the same request path as ``pytest_plugin.LocalSession`` (``Invoker.handle``)."""

    def __init__(self, module: str, namespace: dict):
        self.module = module
        self.invoker = Invoker()
        mod = types.ModuleType(f"student_{module}", f"the notebook's namespace, as {module}.py")
        mod.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("__")})
        self.invoker.modules[module] = mod
        self.invoker.files[module] = None

    def call(self, request: dict):
        response = handle(self.invoker, request, CALL_TIMEOUT)
        for r in [response] + list((response or {}).get("results") or []):
            if isinstance(r, dict) and isinstance(r.get("error"), dict):
                r["error"]["traceback"] = _trim_traceback(str(r["error"].get("traceback", "")))
        return chain_from(response) if request.get("op") == "chain" else returned_from(response)


@contextlib.contextmanager
def _quiet():
    """Warnings off; Python's and the C level's stderr captured (yielded as a StringIO)."""
    captured = io.StringIO()
    saved_fd = tmp = None
    try:
        sys.stderr.flush()
        saved_fd, tmp = os.dup(2), tempfile.TemporaryFile()
        os.dup2(tmp.fileno(), 2)
    except (OSError, ValueError, AttributeError):
        saved_fd = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.redirect_stderr(captured):
                yield captured
    finally:
        if saved_fd is not None:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            tmp.seek(0)
            captured.write(tmp.read().decode("utf-8", "replace"))
            tmp.close()


def _checks_of(folder: str, function: str, hidden: bool) -> list:
    a = by_folder(folder)
    checks = a.hidden_checks() if hidden else a.public_checks()
    return [c for c in checks if c.function == function]


def notebook_forbidden(namespace: dict) -> list[str]:
    """Deep-learning frameworks the notebook uses: imported by a code cell run so far (IPython's
    ``In`` history) or reachable from its namespace (``protocol.forbidden_in_namespace``)."""
    cells = namespace.get("In")
    found = []
    for i, cell in enumerate(cells if isinstance(cells, list) else []):
        if isinstance(cell, str):
            found += [f"{f} in cell [{i}]" for f in forbidden_imports(cell)]
    seen = {f.split(" ")[0].split(".")[0] for f in found}
    return found + [f for f in forbidden_in_namespace(namespace) if f.split(".")[0].split(" ")[0] not in seen]


def _notebook_calls(namespace: dict) -> dict[str, set[str]]:
    """``core.calls_in_source`` of the source of the functions the notebook defined."""
    sources = []
    for value in list(namespace.values()):
        if isinstance(value, types.FunctionType) and value.__module__ == namespace.get("__name__", "__main__"):
            try:
                sources.append(inspect.getsource(value))
            except (OSError, TypeError):
                continue
    return calls_in_source("\n\n".join(sources))


def run_of(namespace: dict, folder: str) -> Run:
    """The engine loop's state of ``folder`` in this notebook, kept in the notebook's namespace
    (so it lives as long as the kernel's session and a fresh kernel starts afresh): which
    function timed out (its function object: a redefined function is checked again) and the
    latest outcome of every public check run so far."""
    runs = namespace.setdefault(RUNS, {})
    if not isinstance(runs, dict):  # the student's own variable of that name
        runs = namespace[RUNS] = {}
    if folder not in runs:
        runs[folder] = Run(mistakes=for_assignment(by_folder(folder)))
    return runs[folder]


def check(folder: str, function: str, namespace: dict, hidden: bool = False) -> float:
    """Run the public (or hidden) checks of ``function`` on ``namespace[function]``; print the
    feedback; return the points earned (nbgrader's partial credit for the cell)."""
    if hidden and not (by_folder(folder).path / HIDDEN).is_file():  # a student bundle: the instructor's kit has them
        print(f"{function}: the hidden checks are not available here (they run when the notebook is graded)")
        return 0.0
    kind = "hidden" if hidden else "public"
    with _quiet() as stderr:
        checks = _checks_of(folder, function, hidden)
        for c in checks:
            c.prepared  # noqa: B018  (inputs and torch's answers, computed once)
        module = by_folder(folder).module
        target = namespace.get(function)
        session = NamespaceSession(module, namespace)
        run, calls = run_of(namespace, folder), _notebook_calls(namespace)
        bad = notebook_forbidden(namespace)
        if bad:
            outcomes = failed_all(checks, forbidden_message("the notebook", bad), "forbidden")
        elif not callable(target):
            outcomes = failed_all(checks, f"{function} is not defined: run the cell with your {function}() first.",
                                  "missing")
        else:
            outcomes = [run.evaluate(c, Call(session, module), version=target) for c in checks]
        outcomes = run.judge(outcomes, calls, record=not hidden)
    earned = total(outcomes)
    out_of = sum(c.points for c in checks)
    lines = [f"{function}: {points_text(earned, out_of)} ({kind} checks)"]
    told = set()  # a failure of the whole notebook (a framework import) is printed once
    for o in outcomes:
        if o.passed:
            lines.append(f"  ✓ {o.name} ({o.points:g})")
        else:
            lines.append(f"  ✗ {o.name} (0/{o.max_points:g}): {o.title}")
            if o.kind in MODULE_KINDS and o.message in told:
                continue
            told.add(o.message)
            lines += ["      " + ln for ln in o.message.splitlines()]
    noise = stderr.getvalue().strip()
    if noise:
        lines += ["  (printed on stderr during the checks:)"] + ["      " + ln for ln in noise.splitlines()[-20:]]
    print(visible("\n".join(lines)))  # a message or output of the student's shown as it is
    return float(earned)
