"""The check engine: what a check is, how it is run, what it reports.

A ``Check`` has a name, points, the student function it tests, a recipe for its inputs
(``make_case``), the torch reference (``reference``), a comparison with a stated tolerance
(``compare``, which raises ``Mismatch`` with the explanation) and a hint. Inputs and the torch
reference are computed once per check and reused for every student (``Check.prepared``).

A check never touches student code directly: it gets a ``Call`` that sends one call to a
session (in-process for a student's own ``pytest``, a sandboxed runner process for the batch
grader) and returns a ``Returned`` holding plain data. The same checks therefore serve both
front doors, and what a student sees locally is what the grader sees.
"""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from .pictures import draw
from .protocol import (BLOBS, PARSE_FAILURES, Handle, Opaque, ProtocolError, Recipe, decode, parse_python,
                       prepare_chain, prepare_request)


class Mismatch(AssertionError):
    """Raised by a comparison: the message says what differs, for the student.

    ``hint``, when given, replaces the check's own hint: a check whose failure can have several
    causes (wrong values, or an input written in place) gives the hint of the cause found."""

    def __init__(self, message: str = "", hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def hint_of(exc: BaseException) -> str | None:
    """The hint a Mismatch carries; a Mismatch raised while handling another (a comparison that
    adds which call or step failed, ``raise Mismatch(...) from None`` in ``except Mismatch``)
    keeps the hint of the one it replaces (``__context__``)."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, Mismatch) and exc.hint:
            return exc.hint
        exc, seen = exc.__context__, seen + 1
    return None


# The kinds of failure that are about the whole module, not the function a check tests: the
# check's hint does not apply, and a local run reports them once (see pytest_plugin).
MODULE_KINDS = ("import", "forbidden", "missing_file")


class StudentError(Exception):
    """The student's code did not return: it raised, timed out, crashed or is missing."""

    def __init__(self, kind: str, message: str, traceback: str = "", output: str = ""):
        super().__init__(message)
        self.kind, self.message, self.traceback, self.output = kind, message, traceback, output


@dataclass
class Returned:
    """What one call gave back, as plain data."""

    value: Any
    warnings: list[str] = field(default_factory=list)
    mutated: list[str] = field(default_factory=list)
    output: str = ""


def counted(n: float, noun: str) -> str:
    """``n`` and the noun, singular for exactly one: "1 point", "0 points", "2.5 points"."""
    return f"{n:g} {noun}" + ("" if n == 1 else "s")


def points_text(earned: float, out_of: float | None = None) -> str:
    """Points as feedback prints them: "1 point", "3 points", "0/1 point", "45/70 points" (the noun
    agrees with the last number)."""
    return counted(earned, "point") if out_of is None else f"{earned:g}/{counted(out_of, 'point')}"


SHOWN = 12  # arrays of more entries are summarised (``show_value``) or cut around a point (``show_around``)


def array_text(arr: np.ndarray, limit: int = SHOWN, indent: int = 9) -> str:
    """``arr`` as NumPy prints it (``limit`` entries at most, else its edges), without the blank lines
    NumPy puts between the blocks of a 3-d or 4-d array; lines after the first indented by ``indent``."""
    body = np.array2string(arr, threshold=limit, edgeitems=3 if arr.ndim < 3 else 1, precision=6,
                           separator=", ", max_line_width=100)
    return ("\n" + " " * indent).join(line for line in body.splitlines() if line.strip())


def show_value(v, limit: int = SHOWN) -> str:
    """A short, readable rendering of an input or output."""
    if isinstance(v, (np.ndarray, np.generic)):
        arr = np.asarray(v)
        kind = "NumPy scalar" if isinstance(v, np.generic) else "array"
        return f"{array_text(arr, limit)}  ({kind}, {arr.dtype}, shape {arr.shape})"
    if isinstance(v, (Handle, Opaque, Recipe)):
        return repr(v)
    if isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(x, np.ndarray) for x in v):
        return "[" + ", ".join(f"array of shape {x.shape}" for x in v) + "]"
    text = repr(v)
    return text if len(text) < 300 else text[:300] + "..."


def window(shape: tuple, at: tuple, radius: int = 2) -> tuple[tuple, str]:
    """The entries around index ``at`` of an array of ``shape``: the leading axes fixed at ``at``, the
    last two (the only one of a 1-d array) from ``at - radius`` to ``at + radius``. Returns the index
    (slices) and its text, e.g. ``[2, 1, 1:5, 2:6]`` (``:`` where the window is the whole axis)."""
    index, text = [], []
    for axis, (n, i) in enumerate(zip(shape, at)):
        if axis < len(shape) - 2:
            index.append(i)
            text.append(str(i))
            continue
        lo, hi = max(0, i - radius), min(n, i + radius + 1)
        index.append(slice(lo, hi))
        text.append(":" if (lo, hi) == (0, n) else f"{lo}:{hi}")
    return tuple(index), "[" + ", ".join(text) + "]"


def show_around(label: str, arr: np.ndarray, at: tuple) -> str:
    """``label: arr``, the whole of ``arr`` if it is small, else the window around index ``at``
    (``window``; every entry of it, so the entry at ``at`` is always printed)."""
    if arr.size <= SHOWN or arr.ndim == 0:
        return f"{label}: {show_value(arr)}"
    index, text = window(arr.shape, at)
    head = f"{label}{text}: "
    part = arr[index]
    return (f"{head}{array_text(part, limit=part.size, indent=len(head) + 2)}  "
            f"(around the worst entry; array, {arr.dtype}, shape {arr.shape})")


@dataclass
class Case:
    """The inputs of one check: positional and keyword arguments, and how to show them."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    names: tuple = ()
    data: dict = field(default_factory=dict)  # anything else the check needs (never sent)

    def show(self, function: str) -> str:
        names = list(self.names) + [f"arg{i}" for i in range(len(self.names), len(self.args))]
        parts = [f"{n} = {show_value(v)}" for n, v in zip(names, self.args)]
        parts += [f"{k} = {show_value(v)}" for k, v in self.kwargs.items()]
        call = ", ".join(list(names[: len(self.args)]) + [f"{k}={k}" for k in self.kwargs])
        return f"{function}({call})" + ("\n    with " + "\n         ".join(parts) if parts else "")


class Call:
    """Calls functions of one student module through a session; returns ``Returned``."""

    def __init__(self, session, module: str):
        self.session, self.module = session, module

    def __call__(self, function: str, *args, **kwargs) -> Returned:
        return self.session.call(prepare_request(self.module, function, args, kwargs))

    def keeping(self, keep, function: str, *args, **kwargs) -> Returned:
        """Like calling, but the result items at positions ``keep`` stay in the student process."""
        return self.session.call(prepare_request(self.module, function, args, kwargs, keep))

    def chain(self, function: str, steps, kwargs, feed, fed_shape=None) -> list[Returned]:
        """Call ``function`` once per entry of ``steps`` (argument tuples) in one request; from the
        second call on, argument ``a`` is the previous result's item ``r`` for each ``(a, r)`` in
        ``feed``. Returns one ``Returned`` per call made; a call that raised raises StudentError
        with ``.step`` (its index) and ``.completed`` (the Returned before it)."""
        return self.session.call(prepare_chain(self.module, function, steps, kwargs, feed, fed_shape))

    def viewing(self, view: str, function: str, *args, **kwargs) -> Returned:
        """Like calling, but the result is first turned into plain data by ``protocol.VIEWS[view]``
        (e.g. "figure": a matplotlib Figure's axes, scales, labels and line data)."""
        return self.session.call(prepare_request(self.module, function, args, kwargs, view=view))


def function_of(name: str) -> str:
    """The student function a check tests, read from its name ``"<function>: <aspect>"``
    (``function_of("sigmoid: large |z|") == "sigmoid"``): a check's name says what it tests, so a
    factory takes the name alone and a report line greps back to the row that made it."""
    function, sep, aspect = name.partition(": ")
    if not (sep and function.isidentifier() and aspect.strip()):
        raise ValueError(f"a check's name is '<function>: <aspect>', e.g. 'sigmoid: values'; got {name!r}")
    return function


def default_run(check: "Check", call: Call, case: Case) -> Returned:
    return call(check.function, *case.args, **case.kwargs)


@dataclass(eq=False)
class Check:
    """One graded property of one function."""

    name: str  # unique within its assignment, e.g. "sigmoid: values"
    function: str  # the student function under test
    points: float
    title: str  # what is checked and against what, one line
    hint: str  # what to look at when it fails
    make_case: Callable[[], Case]
    reference: Callable[[Case], Any]  # torch's answer, computed in the judge only
    compare: Callable[[Any, Any, Case], None]  # raises Mismatch
    run: Callable[["Check", Call, Case], Any] = default_run
    hidden: bool = False
    # a plot of a failure, from the data ``compare`` read: (got, expected, case) -> pictures.Picture
    # or None (see pictures.py); never calls the student's code
    picture: Callable[[Any, Any, Case], Any] | None = None

    def __post_init__(self):
        self._lock = threading.Lock()
        self._prepared = None
        self.store = None  # where torch's answer is stored (``references.Store``; set by ``course``)

    @property
    def prepared(self) -> tuple[Case, Any]:
        """(case, expected), computed once and shared by every student: ``make_case()`` and
        ``reference(case)``, or, when the check has a store (``references.Store``), torch's answer
        (and inputs) as stored there (made and stored on first use)."""
        with self._lock:
            if self._prepared is None:
                if self.store is None:
                    case = self.make_case()
                    self._prepared = (case, self.reference(case))
                else:
                    self._prepared = self.store.prepared(self)
            return self._prepared


@dataclass
class Outcome:
    """The result of one check for one student."""

    name: str
    function: str
    points: float
    max_points: float
    passed: bool
    title: str
    message: str = ""  # on failure: input, yours, torch's, hint
    hidden: bool = False
    output: str = ""  # what the student's code printed during the check
    kind: str = ""  # "", "mismatch", or the StudentError kind
    figure: str = ""  # on a mismatch, a plot of it: "data:image/png;base64,..." (pictures.py), or ""

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"


def outcome_failed(check: Check, message: str, kind: str, output: str = "", figure: str = "") -> Outcome:
    return Outcome(check.name, check.function, 0.0, check.points, False, check.title,
                   message, check.hidden, output, kind, figure)


def explain_error(err: StudentError, check: Check, case: Case | None) -> str:
    called = getattr(err, "called", None) or (case.show(check.function) if case is not None
                                              else f"{check.function}(...)")
    if err.kind == "not_implemented":
        return f"{check.function}() is not implemented yet (it raised NotImplementedError)."
    elif err.kind == "timeout":
        head = f"{check.function}() did not return in time: {err.message}"
    elif err.kind == "missing" or err.kind in MODULE_KINDS:
        head = err.message
    else:
        head = f"{check.function}() raised {err.message}"
    text = head if err.kind in MODULE_KINDS else f"{head}\n  called: {called}"
    if err.traceback:
        text += "\n  traceback (your code):\n" + "\n".join("    " + ln for ln in err.traceback.rstrip().splitlines())
    return text


def evaluate(check: Check, call: Call, mistakes=None, *, pictures: bool = True) -> Outcome:
    """Run one check against one student; never raises. ``mistakes`` (a ``mistakes.Mistakes``, or None)
    names the mistake of a wrong answer before the hint (``mistake_lines``); a mismatch gets the check's
    picture of it (``Outcome.figure``, see pictures.py) unless ``pictures`` is false."""
    case, expected = check.prepared
    output, got = "", None
    try:
        got = check.run(check, call, case)
        if isinstance(got, Returned):
            output = got.output
        check.compare(got, expected, case)
    except StudentError as err:
        msg = explain_error(err, check, case)
        if err.kind not in MODULE_KINDS:
            msg += f"\n  hint: {check.hint}"
        return outcome_failed(check, msg, err.kind, err.output or output)
    except Mismatch as m:
        head, _, rest = str(m).partition("\n")
        called = getattr(m, "called", None) or case.show(check.function)
        msg = (f"{check.function}(): {head}\n  called: {called}"
               + (f"\n{rest}" if rest else "") + mistake_lines(mistakes, check, got, case)
               + f"\n  hint: {hint_of(m) or check.hint}")
        return outcome_failed(check, msg, "mismatch", output, draw(check, got, expected, case) if pictures else "")
    except Exception as exc:  # the comparison choked on what came back: the student's answer is wrong
        msg = (f"{check.function}() returned something the check could not compare "
               f"({type(exc).__name__}: {exc}).\n  called: {case.show(check.function)}"
               + mistake_lines(mistakes, check, got, case) + f"\n  hint: {check.hint}")
        return outcome_failed(check, msg, "mismatch", output)
    return Outcome(check.name, check.function, check.points, check.points, True, check.title,
                   hidden=check.hidden, output=output)


MISTAKE = "  mistake: "  # the line of a named mistake, in a failure's message


def mistake_lines(mistakes, check: Check, got, case: Case) -> str:
    """"\n  mistake: your <function> ..." for each mistake ``mistakes`` names for the answer ``got``
    ("" without ``mistakes``, or when none is named; a failure to name one is no failure of the check)."""
    if mistakes is None or got is None:
        return ""
    try:
        named = mistakes.named(check, got, case)
    except Exception:  # noqa: BLE001 (naming a mistake is a courtesy; the check's verdict stands)
        return ""
    return "".join(f"\n{MISTAKE}{line}" for line in named)


def total(outcomes) -> float:
    return round(sum(o.points for o in outcomes), 6)


def returned_from(response, output: str = "", blobs=None) -> Returned:
    """Turn a runner's (or the in-process invoker's) response into ``Returned``, or raise.

    Everything in ``response`` is untrusted: it is validated here and decoded as plain data.
    """
    if not isinstance(response, dict):
        raise StudentError("crash", "the student process sent something that is not a response", output=output)
    if blobs is None:
        blobs = response.get(BLOBS)
    if blobs is not None and not (isinstance(blobs, list) and all(isinstance(b, bytes) for b in blobs)):
        raise StudentError("bad_output", "malformed response", output=output)
    if response.get("ok") is True:
        try:
            value = decode(response.get("value"), blobs=blobs)
        except (ProtocolError, ValueError, TypeError) as exc:
            raise StudentError("bad_output", f"returned data that is not plain data ({exc})", output=output)
        warns = response.get("warnings") or []
        mutated = response.get("mutated") or []
        if not (isinstance(warns, list) and isinstance(mutated, list)):
            raise StudentError("bad_output", "malformed response", output=output)
        return Returned(value, [str(w)[:300] for w in warns[:20]], [str(m)[:100] for m in mutated[:20]], output)
    err = response.get("error")
    err = err if isinstance(err, dict) else {}
    etype, emsg = str(err.get("type", "Error"))[:100], str(err.get("message", ""))[:2000]
    kind = {"NotImplementedError": "not_implemented", "MissingFunction": "missing"}.get(etype, "exception")
    message = emsg if kind == "missing" else f"{etype}: {emsg}"
    raise StudentError(kind, message, str(err.get("traceback", ""))[:4000], output)


def chain_from(response, output: str = "") -> list[Returned]:
    """The ``Returned`` of each call of a chain (see ``Call.chain``), or StudentError at the failing step."""
    if isinstance(response, dict) and response.get("ok") is False:
        returned_from(response, output)  # raises
    results = response.get("results") if isinstance(response, dict) else None
    blobs = response.get(BLOBS)
    if not isinstance(results, list) or not results:
        raise StudentError("bad_output", "malformed response to a chain of calls", output=output)
    done = []
    for k, r in enumerate(results[:100000]):
        try:
            done.append(returned_from(r, output if k == len(results) - 1 else "", blobs))
        except StudentError as err:
            err.step, err.completed = k, done
            raise
    return done


# --- a failure caused by another function ------------------------------------------------------

MAX_CALL_NODES = 200_000  # an AST walk of a student's module stops after this many nodes
CAUSE_KINDS = ("mismatch", "exception")  # failures another function can be the cause of


def calls_in_source(source) -> dict[str, set[str]]:
    """{top-level function: names of the other top-level functions its body mentions} for a
    module's source (bytes or str); {} when it does not parse (whatever the reason) or when the
    walk would pass ``MAX_CALL_NODES`` nodes."""
    try:
        tree = parse_python(source)
    except PARSE_FAILURES:
        return {}
    funcs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    uses, budget = {}, MAX_CALL_NODES
    for name, node in funcs.items():
        used = set()
        for sub in ast.walk(node):
            budget -= 1
            if budget < 0:
                return {}
            if isinstance(sub, ast.Name) and sub.id in funcs and sub.id != name:
                used.add(sub.id)
        uses[name] = used
    return uses


def attribute_causes(outcomes: list[Outcome], calls, run=None) -> list[Outcome]:
    """``outcomes`` with the hint of each failure replaced when the failing function calls
    another function that fails its own checks in ``run`` (the outcomes of the same run;
    ``outcomes`` by default): "your cross_entropy_grad calls softmax, which fails its own checks
    (softmax: large |z|): fix softmax first", and without the mistakes named for it (they describe
    what the other function's mistake makes it return). ``calls`` is the student's source (bytes or str)
    or what ``calls_in_source`` made of it."""
    calls = calls if isinstance(calls, dict) else calls_in_source(calls)
    run = outcomes if run is None else run
    failing: dict[str, list[str]] = {}
    for o in run:
        if not o.passed:
            failing.setdefault(o.function, []).append(o.name)
    out = []
    for o in outcomes:
        culprits = sorted(f for f in calls.get(o.function, ()) if f in failing and f != o.function)
        if o.passed or o.kind not in CAUSE_KINDS or not culprits:
            out.append(o)
            continue
        hint = "; ".join(f"your {o.function} calls {f}, which fails its own checks "
                         f"({', '.join(failing[f][:3])}{', ...' if len(failing[f]) > 3 else ''}): fix {f} first"
                         for f in culprits)
        head, sep, _ = o.message.rpartition("\n  hint: ")
        head = "\n".join(ln for ln in (head if sep else o.message).split("\n") if not ln.startswith(MISTAKE))
        out.append(replace(o, message=head + f"\n  hint: {hint}"))  # the mistake is the other function's
    return out
