"""Named mistakes: a failing answer that behaves like one of the kit's mutants is told which mistake it is.

Every assignment keeps, in ``mutants.py``, plausible wrong implementations of its functions, each
with its mistake in the student's terms (``MUTANTS = {name: (function, source, mistake)}``). When a
check fails, ``Mistakes.named`` runs the mutants of the check's function on the check's own inputs
(``check.run`` through an in-process ``Call`` on the solution with the mutant in place: trusted kit
code, in the judge's process, never in the student's) and names each mutant whose answer the
student's answer matches while it does not match the solution's:

    mistake: your sigmoid_derivative returns σ(z)(1 − z) instead of σ(z)(1 − σ(z)) ...

"Matches" is the check's own comparison (``check.compare``) with the other answer in the place of
torch's (equality up to rounding where the comparison cannot take an answer there: a statistical
one), and the same side effects: NumPy warned in both calls or in neither, the same arguments
written in place. A mutant without a mistake to name is not run; one that raises, does not return
within ``MUTANT_TIMEOUT`` seconds, or whose answer on this case matches the solution's is no candidate. The answers of the solution and of the
mutants are the same for every student: they are computed once per check and process, on the first
failure of the check, and kept (thread-safe).

Named mistakes need the master module and ``mutants.py``: the kit's course folder and the grader
have both; a student's release has neither, and ``for_assignment`` then gives ``None`` (no names).
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from dataclasses import replace
from typing import Any

import numpy as np

from .core import Call, Case, Check, Mismatch, Returned, StudentError, chain_from, returned_from
from .course import MUTANTS, Assignment
from .local import handle
from .protocol import Invoker

MUTANT_TIMEOUT = 5.0  # seconds for one call of a mutant (or of the solution); past it, no candidate
MOST = 3  # mistakes named for one failure at most
SOLUTION = ""  # the key of the solution's answer among the mutants'
RUNNING = threading.Lock()  # held while the solution or a mutant runs in this process
ROUNDING = 1e-9  # relative: answers computed the same way differ by a few roundings, far less than this
WHOLE = 1e-5  # relative: the tie-break between mutants that match a check (float32 roundings pass)


class InProcess:
    """A session over one module's source run in this process (the solution, or it with a mutant in place)."""

    def __init__(self, module: str, source: str, label: str):
        self.invoker = Invoker()
        loaded = self.invoker.load(module, source=source.encode("utf-8"), filename=f"<{label}>")
        if not loaded["ok"]:
            raise RuntimeError(f"{label} does not import: {loaded['error']['message']}")

    def call(self, request: dict):
        response = bounded(self.invoker, request)
        return chain_from(response) if request.get("op") == "chain" else returned_from(response)


def bounded(invoker: Invoker, request: dict, timeout: float = MUTANT_TIMEOUT) -> dict:
    """``invoker.handle(request)`` within ``timeout`` seconds, else StudentError("timeout"). On the
    main thread the call is interrupted (``local.handle``); on another (the grader's workers) it runs in
    a daemon thread that is left behind when it does not return."""
    if threading.current_thread() is threading.main_thread():
        return handle(invoker, request, timeout)
    box: list = []
    worker = threading.Thread(target=lambda: box.append(invoker.handle(request)), daemon=True)
    worker.start()
    worker.join(timeout)
    if not box:
        raise StudentError("timeout", f"no result after {timeout:g} s")
    return box[0]


def plain(got: Any) -> Any:
    """What a check's ``run`` returned, as data in the place of torch's answer: every ``Returned``
    replaced by its value (inside lists, tuples and dicts too)."""
    if isinstance(got, Returned):
        return got.value
    if isinstance(got, (list, tuple)):
        return type(got)(plain(g) for g in got)
    if isinstance(got, dict):
        return {k: plain(v) for k, v in got.items()}
    return got


def quiet(got: Any) -> Any:
    """``got`` with every ``Returned``'s warnings and in-place writes cleared (compared apart, ``effects``)."""
    if isinstance(got, Returned):
        return replace(got, warnings=[], mutated=[])
    if isinstance(got, (list, tuple)):
        return type(got)(quiet(g) for g in got)
    if isinstance(got, dict):
        return {k: quiet(v) for k, v in got.items()}
    return got


def effects(got: Any) -> tuple:
    """The side effects of each call in ``got``: (whether NumPy warned, the arguments written in place)."""
    if isinstance(got, Returned):
        return ((bool(got.warnings), tuple(sorted(got.mutated))),)
    if isinstance(got, (list, tuple)):
        return tuple(e for g in got for e in effects(g))
    if isinstance(got, dict):
        return tuple(e for g in got.values() for e in effects(g))
    return ()


def same(check: Check, got: Any, other: Any, case: Case) -> bool:
    """Whether ``got`` passes ``check``'s comparison with ``other``'s answer in the place of torch's,
    with the same side effects. A comparison that cannot take an answer in the place of torch's (a
    statistical one, whose reference is the law's parameters) is replaced by equality up to rounding
    (``alike``): a seeded draw made the same wrong way gives the same numbers."""
    if effects(got) != effects(other):
        return False
    try:
        check.compare(quiet(got), plain(other), case)
    except Mismatch:
        return False
    except Exception:  # noqa: BLE001 (the comparison cannot hold this answer as its reference)
        return alike(plain(got), plain(other))
    return True


def _numbers(a: Any) -> bool:
    return isinstance(a, (np.ndarray, np.generic, float, int)) and not isinstance(a, bool)


def alike(a: Any, b: Any, rtol: float = ROUNDING) -> bool:
    """The same plain data up to rounding (``rtol``): equal shapes, dtypes and types, NaN where NaN."""
    if isinstance(a, (list, tuple)):
        if type(a) is not type(b) or len(a) != len(b):
            return False
        if all(type(x) in (float, int) and type(x) is type(y) for x, y in zip(a, b)):  # a history of numbers
            return _close(np.asarray(a), np.asarray(b), rtol)
        return all(alike(x, y, rtol) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(alike(a[k], b[k], rtol) for k in a)
    if dataclasses.is_dataclass(a) and not isinstance(a, type):  # a check's record of a step (its Case, ...)
        return type(a) is type(b) and alike(vars(a), vars(b), rtol)
    if _numbers(a) and type(a) is type(b):
        return _close(np.asarray(a), np.asarray(b), rtol)
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001
        return False


def _close(x: np.ndarray, y: np.ndarray, rtol: float) -> bool:
    """Equal shapes and dtypes; numbers within ``rtol`` of each other (NaN where NaN, the same infinities)."""
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.dtype.kind in "fc" and x.tobytes() == y.tobytes():  # the same bits: the common case, and fast
        return True
    if x.dtype.kind in "fc":
        return bool(np.allclose(x, y, rtol=rtol, atol=0.0, equal_nan=True))
    return bool(np.array_equal(x, y))


class Mistakes:
    """The mutants of one assignment, and their answers to its checks (computed on first need)."""

    def __init__(self, assignment: Assignment):
        self.assignment = assignment
        self.mutants = assignment.mutants()
        self._lock = threading.Lock()
        self._sessions: dict[str, InProcess] = {}
        self._answers: dict[Check, dict[str, Any]] = {}
        self._locks: dict[Check, threading.Lock] = {}

    def _session(self, name: str) -> InProcess:
        """The in-process session of the solution (``SOLUTION``) or of mutant ``name``."""
        with self._lock:
            if name not in self._sessions:
                a = self.assignment
                source = a.solution() if name == SOLUTION else a.mutant(name)
                self._sessions[name] = InProcess(a.module, source, f"{a.folder} {name or 'solution'}")
            return self._sessions[name]

    def answers(self, check: Check) -> dict[str, Any]:
        """{mutant name: its answer} for the mutants of ``check``'s function that are candidates on its
        case (with a mistake to name, returned in time, and not the solution's answer), and the
        solution's under ``SOLUTION``; {} when no mutant of the function has a mistake to name, or the
        solution itself does not answer."""
        with self._lock:
            lock = self._locks.setdefault(check, threading.Lock())
        with lock:
            if check not in self._answers:
                self._answers[check] = self._compute(check)
            return self._answers[check]

    def run(self, name: str, check: Check) -> Any:
        """The answer of the solution (``SOLUTION``) or of mutant ``name`` to ``check`` (run now, not kept);
        StudentError when it raises or does not return in time."""
        session = self._session(name)
        with RUNNING:  # catching a call's warnings is process-wide: one mutant call at a time
            return check.run(check, Call(session, self.assignment.module), check.prepared[0])

    def _compute(self, check: Check) -> dict[str, Any]:
        case, _ = check.prepared
        found, named = {}, [n for n, (f, _, m) in self.mutants.items() if f == check.function and m]
        if not named:
            return {}
        for name in [SOLUTION] + named:
            try:
                found[name] = self.run(name, check)
            except Exception:  # raised, timed out, or a run that cannot use this answer: no candidate
                if name == SOLUTION:
                    return {}
        solution = found[SOLUTION]
        return {n: got for n, got in found.items() if n == SOLUTION or not same(check, got, solution, case)}

    def named(self, check: Check, got: Any, case: Case) -> list[str]:
        """The mistakes (one line each, at most ``MOST``) of the mutants of ``check`` whose answer the
        student's ``got`` matches, when it does not match the solution's."""
        lines = []
        for name in self.matching(check, got, case):
            line = f"your {check.function} {self.mutants[name][2]}"
            if self.mutants[name][2] and line not in lines:
                lines.append(line)
        return lines[:MOST]

    def matching(self, check: Check, got: Any, case: Case) -> list[str]:
        """The mutants of ``check`` whose answer ``got`` matches; [] when it matches the solution's.
        Where several match what the check compares (the gradient of a penalty, say) and some of them
        also give the rest of the student's answer (the penalty's value), only those are named."""
        answers = self.answers(check)
        if SOLUTION not in answers or same(check, got, answers[SOLUTION], case):
            return []
        found = [n for n, answer in answers.items() if n != SOLUTION and same(check, got, answer, case)]
        if len(found) < 2:
            return found
        whole = [n for n in found if alike(plain(got), plain(answers[n]), WHOLE)]
        return whole or found


@functools.cache
def for_assignment(assignment: Assignment) -> Mistakes | None:
    """The named mistakes of ``assignment``; None where its folder has no ``mutants.py`` or no master
    module (a student's release)."""
    if not ((assignment.path / MUTANTS).is_file() and assignment.master.is_file()):
        return None
    return Mistakes(assignment)
