"""Unit tests of the engine loop (gradkit/engine.py), the comparisons (gradkit/compare.py) and the
check core (gradkit/core.py), on hand-made checks and sessions: no student process, no torch, no
assignment. The end-to-end tests (test_mutants, test_local_checks, the grader's) run the same code
on the kit's assignments."""

from __future__ import annotations

import numpy as np
import pytest

from gradkit.compare import close, compare_array
from gradkit.core import (Call, Case, Check, Mismatch, Outcome, StudentError, attribute_causes, function_of,
                          returned_from)
from gradkit.engine import SKIPPED, Run
from gradkit.protocol import encode


class Session:
    """Answers every call with ``answer(function)``; a function in ``loops`` times out. Counts calls."""

    def __init__(self, loops=()):
        self.loops, self.calls = set(loops), []

    def call(self, request):
        self.calls.append(request["function"])
        if request["function"] in self.loops:
            raise StudentError("timeout", "no result after 1 s (an endless loop?)")
        return returned_from({"ok": True, "value": encode(np.ones(3))})


def check(name: str) -> Check:
    return Check(name=name, function=function_of(name), points=1, title="t", hint="the hint",
                 make_case=lambda: Case((np.zeros(3),), {}, ("z",)), reference=lambda case: np.ones(3),
                 compare=close())


# --- engine.Run --------------------------------------------------------------------------------

def test_a_timed_out_function_costs_one_call_and_its_later_checks_are_skipped():
    checks = [check("f: one"), check("f: two"), check("g: one"), check("f: three")]
    session = Session(loops={"f"})
    outcomes = Run().run(checks, Call(session, "m"), {})
    assert session.calls == ["f", "g"]  # f called once, g still called
    assert [o.kind for o in outcomes] == ["timeout", "timeout", "", "timeout"]
    assert [o.passed for o in outcomes] == [False, False, True, False]
    assert outcomes[1].message == outcomes[3].message == SKIPPED.format(function="f")


def test_a_redefined_function_is_called_again():
    """The notebook passes the function object as the version: a new definition is a new chance."""
    run, session = Run(), Session(loops={"f"})
    old, new = object(), object()
    run.evaluate(check("f: one"), Call(session, "m"), old)
    run.evaluate(check("f: two"), Call(session, "m"), old)
    run.evaluate(check("f: three"), Call(session, "m"), new)
    assert session.calls == ["f", "f"]


def test_points_and_outcomes_of_a_run():
    run = Run()
    run.run([check("f: one"), check("g: one")], Call(Session(loops={"g"}), "m"), {})
    run.run([check("f: one")], Call(Session(), "m"), {})  # a check run again replaces its outcome
    assert sorted(run.outcomes) == ["f: one", "g: one"]
    assert [o.passed for o in run.outcomes.values()] == [True, False]


# --- compare ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("got, passes", [(3.0, True), (1.0, True), (3.0 + 2**-51, False), (1.0 - 2**-52, False)])
def test_the_tolerance_is_atol_plus_rtol_times_torch(got, passes):
    """|yours - torch| <= atol + rtol * |torch|: with torch 2, rtol 0.25 and atol 0.5 the bound is
    exactly 1, so 1 and 3 pass and the floats just beyond them fail (3 + 2^-51 is the next float after 3;
    every difference here is exact in binary)."""
    expected = np.array([2.0])
    if passes:
        compare_array(np.array([got]), expected, rtol=0.25, atol=0.5)
    else:
        with pytest.raises(Mismatch, match="differs from torch's at 1 of 1 entries"):
            compare_array(np.array([got]), expected, rtol=0.25, atol=0.5)


def test_shape_dtype_and_type_are_checked_before_values():
    e = np.zeros((2, 3))
    with pytest.raises(Mismatch, match=r"has shape \(3, 2\); torch's has shape \(2, 3\)"):
        compare_array(np.zeros((3, 2)), e, rtol=1e-7, atol=0)
    with pytest.raises(Mismatch, match="has dtype float32; expected float64"):
        compare_array(e.astype(np.float32), e, rtol=1e-7, atol=0)
    compare_array(e.astype(np.float32), e, rtol=1e-7, atol=0, check_dtype=False)
    with pytest.raises(Mismatch, match="is a list, not a NumPy array"):
        compare_array([[0.0] * 3] * 2, e, rtol=1e-7, atol=0)
    compare_array(np.float64(1.0), np.array(1.0), rtol=0, atol=0)  # a scalar is fine for a 0-d answer


def test_nan_must_be_where_torch_has_nan():
    expected = np.array([np.nan, 1.0])
    compare_array(np.array([np.nan, 1.0]), expected, rtol=0, atol=0)
    with pytest.raises(Mismatch, match="is not finite at 1 of 2 entries"):
        compare_array(np.array([np.nan, np.nan]), expected, rtol=0, atol=0)
    with pytest.raises(Mismatch, match="at 1 of 2 entries"):
        compare_array(np.array([0.0, 1.0]), expected, rtol=0, atol=0)


def test_close_refuses_warnings_and_in_place_writes_when_asked():
    case = Case((np.zeros(3),))
    quiet = returned_from({"ok": True, "value": encode(np.ones(3)), "warnings": ["RuntimeWarning: overflow"],
                           "mutated": ["argument 1"]})
    close()(quiet, np.ones(3), case)  # neither asked: the values decide
    with pytest.raises(Mismatch, match="NumPy warned"):
        close(no_warnings=True)(quiet, np.ones(3), case)
    with pytest.raises(Mismatch, match="modified its input in place"):
        close(unmodified=True)(quiet, np.ones(3), case)


# --- core ------------------------------------------------------------------------------------------

def test_a_check_name_says_its_function():
    assert function_of("sigmoid: large |z|") == "sigmoid"
    for bad in ("sigmoid", "sigmoid:values", "two words: x", "f: ", ": x"):
        with pytest.raises(ValueError):
            function_of(bad)


@pytest.mark.parametrize("response, kind", [
    ({"ok": False, "error": {"type": "NotImplementedError", "message": ""}}, "not_implemented"),
    ({"ok": False, "error": {"type": "MissingFunction", "message": "m.py defines no function f()"}}, "missing"),
    ({"ok": False, "error": {"type": "ValueError", "message": "no"}}, "exception"),
    ({"ok": True, "value": {"__pickle__": "gASV"}}, "bad_output"),
    ({"ok": True, "value": 1, "warnings": "not a list"}, "bad_output"),
    (["not", "a", "dict"], "crash"),
])
def test_a_response_that_is_not_a_result_is_a_student_error(response, kind):
    with pytest.raises(StudentError) as err:
        returned_from(response)
    assert err.value.kind == kind


def test_a_response_decodes_to_plain_data():
    r = returned_from({"ok": True, "value": encode((np.arange(3.0), 2)), "warnings": ["w"], "mutated": []})
    assert isinstance(r.value, tuple) and np.array_equal(r.value[0], np.arange(3.0)) and r.value[1] == 2
    assert r.warnings == ["w"]


def _failed(name: str, kind: str = "mismatch") -> Outcome:
    return Outcome(name, function_of(name), 0, 1, False, "t", f"{function_of(name)}(): wrong\n  hint: own hint",
                   kind=kind)


def test_a_failure_caused_by_a_failing_callee_says_so():
    calls = "def f(x):\n    return g(x)\n\ndef g(x):\n    return x\n\ndef h(x):\n    return x\n"
    outcomes = [_failed("f: one"), _failed("g: one"), _failed("h: one"), _failed("f: two", "timeout")]
    blamed = {o.name: o.message for o in attribute_causes(outcomes, calls)}
    assert blamed["f: one"].endswith("hint: your f calls g, which fails its own checks (g: one): fix g first")
    assert blamed["g: one"].endswith("hint: own hint") and blamed["h: one"].endswith("hint: own hint")
    assert blamed["f: two"].endswith("hint: own hint")  # a timeout is f's own, whatever g does
