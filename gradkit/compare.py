"""How a student's answer is compared to torch's, and how a difference is explained.

Every comparison raises ``Mismatch`` whose first line says what is wrong and whose further
lines show the student's value, torch's value and where they differ most. Tolerances follow
``numpy.isclose``: an element passes when ``|yours - torch| <= atol + rtol * |torch|``.

Tolerances used across the kit (each check may state its own):
- ``F64``: rtol 1e-7, atol 1e-12. Correct float64 formulas for these functions agree with
  torch to about 1e-13 relative on the inputs we use; the subtlest wrong answers we know
  (constants rounded to 5 digits, a missing eps) are off by 1e-6 or more.
- ``F32``: rtol 1e-5, atol 1e-6. float32 has eps 1.2e-7; a few roundings through exp/log/div
  give ~1e-6 relative, and comparing against torch's float64 answer cast to float32 accepts
  both a float32 computation and a float64 one cast at the end.
"""

from __future__ import annotations

import numpy as np

from .core import Mismatch, Returned, StudentError, show_around, show_value
from .protocol import Opaque

F64 = dict(rtol=1e-7, atol=1e-12)
F32 = dict(rtol=1e-5, atol=1e-6)


INPLACE_HINT = ("Compute into a new array (np.where, np.maximum, z * c, z.copy() first), never z[...] = ..., "
                "z *= ... or out=z: the caller's arrays must be exactly as they were after your function returns.")


def modified_in_place(mutated, what: str = "its input", advice: str = "functions must leave their inputs "
                      "untouched (compute into a new array)", hint: str = INPLACE_HINT) -> Mismatch:
    """The Mismatch for a call that wrote into its arguments (``Returned.mutated``); it carries
    the in-place hint, since that, not the check's own hint, is the cause."""
    return Mismatch(f"modified {what} in place ({', '.join(mutated)} changed); {advice}", hint=hint)


def tolerance_for(dtype) -> dict:
    return F32 if np.dtype(dtype) == np.float32 else F64


def as_array(value, expected: np.ndarray, label: str = "the result") -> np.ndarray:
    """``value`` as an ndarray, or Mismatch explaining why it is not one."""
    if isinstance(value, Opaque):
        raise Mismatch(f"{label} is a {value.type_name}, not a NumPy array: {value.text}")
    if isinstance(value, np.ndarray):
        return value
    if expected.shape == () and isinstance(value, (np.generic, float, int)) and not isinstance(value, bool):
        return np.asarray(value)  # a NumPy or Python scalar is fine for a 0-d answer
    raise Mismatch(f"{label} is a {type(value).__name__}, not a NumPy array "
                   f"(expected shape {expected.shape}); return np.asarray(...) of it")


def compare_array(value, expected, rtol: float, atol: float, label: str = "the result",
                  check_dtype: bool = True, input_at=None) -> None:
    """Shape, dtype, NaN pattern and values of ``value`` against torch's ``expected``."""
    expected = np.asarray(expected)
    got = as_array(value, expected, label)
    if got.shape != expected.shape:
        raise Mismatch(f"{label} has shape {got.shape}; torch's has shape {expected.shape}\n"
                       f"  yours: {show_value(got)}\n  torch: {show_value(expected)}")
    if check_dtype and got.dtype != expected.dtype:
        why = (" (float32 in must give float32 out; float64 otherwise)"
               if expected.dtype.kind == "f" else "")
        raise Mismatch(f"{label} has dtype {got.dtype}; expected {expected.dtype}{why}\n"
                       f"  yours: {show_value(got)}")
    if got.dtype.kind not in "biufc":
        raise Mismatch(f"{label} has a non-numeric dtype {got.dtype}")
    g = got.astype(np.complex128 if got.dtype.kind == "c" else np.float64)
    e = expected.astype(np.float64) if expected.dtype.kind != "c" else expected
    with np.errstate(all="ignore"):  # fast path, the same test as isclose for finite values
        if (np.abs(g - e) <= atol + rtol * np.abs(e)).all():
            return
    ok = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if ok.all():
        return
    with np.errstate(all="ignore"):
        err = np.abs(g - e) - rtol * np.abs(e)
    err = np.where(np.isnan(err), np.inf, err)
    idx = np.unravel_index(int(np.argmax(np.where(ok, -np.inf, err))), g.shape) if g.ndim else ()
    where = f"index {tuple(int(i) for i in idx)}" if g.ndim else "the value"
    at = ""
    if input_at is not None and np.shape(input_at) == g.shape:
        at = f" (input there: {np.asarray(input_at)[idx].item()!r})"
    bad = int((~ok).sum())
    what = "is not finite" if not np.isfinite(g[idx]) else "differs from torch's"
    raise Mismatch(
        f"{label} {what} at {bad} of {ok.size} entries\n"
        f"  {show_around('yours', got, idx)}\n  {show_around('torch', expected, idx)}\n"
        f"  worst at {where}{at}: yours {g[idx].item()!r}, torch {e[idx].item()!r} "
        f"(allowed: |yours - torch| <= {atol:g} + {rtol:g}*|torch|)")


def close(rtol: float | None = None, atol: float | None = None, *, no_warnings: bool = False,
          unmodified: bool = False, check_dtype: bool = True, input_arg: int | None = 0):
    """A ``compare`` for one array result: shape, dtype, values within tolerance.

    With no rtol/atol the tolerance follows the expected dtype (F64 or F32 above).
    ``no_warnings`` also fails when NumPy warned (overflow, invalid value, divide by zero);
    ``unmodified`` also fails when the function wrote into its input arrays.
    """

    def compare(got: Returned, expected, case) -> None:
        if unmodified and got.mutated:
            raise modified_in_place(got.mutated)
        if no_warnings and got.warnings:
            raise Mismatch("NumPy warned during the call: " + "; ".join(got.warnings[:3]))
        tol = tolerance_for(np.asarray(expected).dtype)
        r = tol["rtol"] if rtol is None else rtol
        a = tol["atol"] if atol is None else atol
        at = case.args[input_arg] if input_arg is not None and len(case.args) > input_arg else None
        compare_array(got.value, expected, r, a, check_dtype=check_dtype, input_at=at)

    return compare


def seeded(read=as_array, what: str = "results"):
    """The comparison of three calls that differ only in their ``rng``, seeds (s, s, t) in
    ``case.data["seeds"]``: the same seed must give the same ``what``, another seed other ones.
    ``read(value, expected, label)`` turns each returned value into an array (or raises Mismatch)."""

    def compare(got, expected, case) -> None:
        seeds = case.data["seeds"]
        a, b, c = (read(g.value, expected, f"the result for seed {s}") for g, s in zip(got, seeds))
        s1, s2 = seeds[0], seeds[2]
        if not np.array_equal(a, b):
            err = Mismatch(f"the same seed gave different {what}: two calls with rng=np.random.default_rng({s1}) "
                           f"differ (are you drawing from np.random.* or a generator of your own?)\n"
                           f"  first:  {show_value(a)}\n  second: {show_value(b)}")
        elif np.array_equal(a, c):
            err = Mismatch(f"seeds {s1} and {s2} gave the same {what}: the rng argument is not used "
                           f"(a generator with a fixed seed?)\n  both: {show_value(a)}")
        else:
            return
        err.called = (case.data["calls"][0].show(case.data["function"])
                      + f"\n    twice with seed {s1}, then once with seed {s2}")
        raise err

    return compare


def run_each(check, call, case):
    """``run`` for a check made of several calls (``case.data["calls"]``: a list of Case).

    When one call raises, the error says which call it was (``err.called``, read by
    ``core.explain_error``)."""
    out = []
    for c in case.data["calls"]:
        try:
            out.append(call(check.function, *c.args, **c.kwargs))
        except StudentError as err:
            err.called = (c.show(check.function)
                          + (f"\n    ({c.data['label']})" if c.data.get("label") else ""))
            raise
    return out


def compare_each(inner):
    """``compare`` for ``run_each``: ``expected`` is a list; the first failing call is reported."""

    def compare(got, expected, case):
        for g, e, c in zip(got, expected, case.data["calls"]):
            try:
                inner(g, e, c)
            except Mismatch as m:
                head, _, rest = str(m).partition("\n")
                err = Mismatch(f"{head} (for {c.data.get('label', 'one of the inputs')})" + (f"\n{rest}" if rest else ""))
                err.called = c.show(case.data.get("function", "f"))
                raise err from None

    return compare


def picture_each(inner, picture):
    """``picture`` hook for ``run_each``/``compare_each`` checks: ``picture(got, expected, case)``
    of the first call that fails ``inner`` (the comparison ``compare_each`` wraps), as that call's
    data; None when none fails."""

    def hook(got, expected, case):
        for g, e, c in zip(got, expected, case.data["calls"]):
            try:
                inner(g, e, c)
            except Exception:  # noqa: BLE001  (whatever made compare fail: this call is the one)
                return picture(g, e, c)
        return None

    return hook
