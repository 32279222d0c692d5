"""Checks for 06_gradient_clipping, against ``torch.nn.utils``.

References:
- ``clip_by_value``: ``torch.nn.utils.clip_grad_value_`` on parameters whose ``.grad`` are the
  inputs (torch clips in place; the student returns new arrays).
- ``clip_by_global_norm``: ``torch.nn.utils.clip_grad_norm_`` the same way, its return value
  being the total norm before clipping. torch's coefficient is min(1, max_norm / (total + 1e-6)).
- ``clip_by_norm`` (Keras' ``clipnorm``, one tensor): the exact formula
  g * max_norm / ||g||_2 if ||g||_2 > max_norm, computed with ``torch.linalg.vector_norm`` and
  torch ops, as the notes' worked example ([0.9, 100] -> [0.00899964, 0.9999595]) is exact.

References are computed in float64 and cast to the input's dtype.

Tolerances (each element passes when |yours - torch| <= atol + rtol * |torch|):
- clip_by_value: ``compare.F64`` / ``F32``. A clamp is exact; the tolerance only absorbs a
  float32 input clamped against a float64 bound.
- clipped arrays of clip_by_norm and clip_by_global_norm: ``CLIP_TOL`` (rtol 1e-5, atol 1e-12)
  for float64 and ``compare.F32`` for float32. Dividing by ||g|| or by ||g|| + 1e-6 changes the
  result by a relative 1e-6/||g||; every check input that is clipped has ||g|| >= 1, so both
  conventions are within 1e-6 of each other and both pass. That is what clip_by_norm needs (the
  notes' exact formula and torch's clip_grad_norm_ on one tensor are both right). For
  clip_by_global_norm the missing 1e-6 is graded by one check only ("eps in the coefficient",
  total ~ 3e-3, where it changes the result by 3e-4 relative) instead of by every check.
  The subtlest wrong answers we know (norm of each row, sum of per-tensor norms, p ignored)
  are off by 1e-2 or more.
- total_norm: ``compare.F64`` for float64 gradients (a norm is a sum and a root, ~1e-15
  relative), ``compare.F32`` for float32 ones (torch sums in float32; a float64 sum is also fine).
"""

from __future__ import annotations

import numpy as np
import torch

from gradkit.compare import F32, F64, compare_array, compare_each, modified_in_place, run_each, show_value
from gradkit.core import Case, Check, Mismatch
from gradkit.protocol import Opaque

MODULE = "clipping"  # the student's file: clipping.py

INPLACE = ("Build the result from new arrays: np.clip(g, -c, c) or g * coef, never g *= coef, np.clip(g, ..., out=g) "
           "or grads[i] = ...; the caller's gradients must be unchanged after the call.")

CLIP_TOL = dict(rtol=1e-5, atol=1e-12)

HINTS = {
    "clip_by_value": "Return [np.clip(g, -clip_value, clip_value) for g in grads]: both bounds, a new "
                     "array per gradient, float32 kept; do not write into the input arrays.",
    "clip_by_norm": "norm = sqrt(sum of g**2) over ALL entries (not per row); if norm > max_norm return "
                    "g * (max_norm / norm), else an unchanged copy of g. Never scale up, never divide "
                    "by a zero norm: g * (max_norm / max(norm, max_norm)) does both.",
    "clip_by_global_norm": "total = ((Σ over all arrays Σ |g|^p))^(1/p) as if all arrays were one vector "
                           "(for p = inf: the largest |g| anywhere); coef = min(1, max_norm / (total + 1e-6)); "
                           "return ([coef * g for g in grads], total) with total the norm BEFORE clipping.",
}


def _dtype(a) -> np.dtype:
    return np.dtype(np.float32) if np.asarray(a).dtype == np.float32 else np.dtype(np.float64)


def _params(grads):
    params = []
    for g in grads:
        t = torch.tensor(np.asarray(g, dtype=np.float64))
        p = torch.nn.Parameter(torch.zeros_like(t))
        p.grad = t.clone()
        params.append(p)
    return params


def torch_clip_value(grads, clip_value) -> list:
    """torch.nn.utils.clip_grad_value_ on the gradients; [] for [] (torch 2.x raises on an empty list)."""
    if len(grads) == 0:
        return []
    params = _params(grads)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    return [p.grad.numpy().astype(_dtype(g)) for p, g in zip(params, grads)]


def torch_clip_global(grads, max_norm, norm_type=2.0):
    """torch.nn.utils.clip_grad_norm_: (clipped arrays, total norm before clipping, float64).

    Empty arrays are left out of torch's call (they contribute nothing to any norm and stay
    empty; torch refuses the inf-norm of an empty tensor).
    """
    keep = [i for i, g in enumerate(grads) if np.size(g) > 0]
    params = _params([grads[i] for i in keep])
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    clipped = [np.asarray(g, dtype=_dtype(g)).copy() for g in grads]
    for i, p in zip(keep, params):
        clipped[i] = p.grad.numpy().astype(_dtype(grads[i]))
    return clipped, float(total)


def torch_clip_norm(grad, max_norm) -> np.ndarray:
    """Keras' clipnorm with torch ops: g * max_norm / ||g||_2 if ||g||_2 > max_norm, else g (no eps)."""
    t = torch.tensor(np.asarray(grad, dtype=np.float64))
    norm = torch.linalg.vector_norm(t)
    out = t * (max_norm / norm) if norm > max_norm else t.clone()
    return out.numpy().astype(_dtype(grad))


# --- comparisons -----------------------------------------------------------------------------

def _unmodified(got) -> None:
    if got.mutated:
        raise modified_in_place(got.mutated, advice="functions must leave their inputs untouched: build a new "
                                "list of new arrays (np.clip(g, ...), g * coef), never g *= ..., "
                                "np.clip(..., out=g) or grads[i] = ...", hint=INPLACE)


def _as_list(value, n: int, label: str) -> list:
    if isinstance(value, Opaque):
        raise Mismatch(f"{label} is a {value.type_name}, not a list of arrays: {value.text}")
    if not isinstance(value, (list, tuple)):
        raise Mismatch(f"{label} is a {type(value).__name__}, not a list of arrays (one per gradient in the "
                       f"input list; expected {n})\n  yours: {show_value(value)}")
    if len(value) != n:
        raise Mismatch(f"{label} holds {len(value)} arrays; expected {n}, one per gradient in the input list\n"
                       f"  yours: {show_value(list(value))}")
    return list(value)


def _compare_list(values, expected, inputs, label: str, tol=None) -> None:
    values = _as_list(values, len(expected), label)
    for i, (v, e) in enumerate(zip(values, expected)):
        t = tol if tol is not None and e.dtype != np.float32 else (F32 if e.dtype == np.float32 else F64)
        compare_array(v, e, t["rtol"], t["atol"], label=f"{label}[{i}]", input_at=inputs[i])


def list_close(no_warnings: bool = False):
    """``compare`` for clip_by_value: a list of arrays, F64/F32, inputs untouched."""

    def compare(got, expected, case):
        _unmodified(got)
        if no_warnings and got.warnings:
            raise Mismatch("NumPy warned during the call: " + "; ".join(got.warnings[:3]))
        _compare_list(got.value, expected, case.args[0], "the result")

    return compare


def norm_close(no_warnings: bool = False):
    """``compare`` for clip_by_norm: one array, CLIP_TOL (float64) or F32, input untouched."""

    def compare(got, expected, case):
        _unmodified(got)
        if no_warnings and got.warnings:
            raise Mismatch("NumPy warned during the call: " + "; ".join(got.warnings[:3]))
        tol = F32 if expected.dtype == np.float32 else CLIP_TOL
        compare_array(got.value, expected, tol["rtol"], tol["atol"], input_at=case.args[0])

    return compare


def global_close(parts=("clipped", "total"), no_warnings: bool = False):
    """``compare`` for clip_by_global_norm: the pair (clipped list, total norm before clipping)."""

    def compare(got, expected, case):
        _unmodified(got)
        if no_warnings and got.warnings:
            raise Mismatch("NumPy warned during the call: " + "; ".join(got.warnings[:3]))
        value = got.value
        if isinstance(value, Opaque) or not isinstance(value, (tuple, list)) or len(value) != 2:
            raise Mismatch("the result is not a pair (clipped, total_norm); return a tuple of the list of "
                           f"clipped arrays and the total norm before clipping\n  yours: {show_value(value)}")
        clipped, total = value
        exp_clipped, exp_total = expected
        if "clipped" in parts:
            try:
                _compare_list(clipped, exp_clipped, case.args[0], "clipped", tol=CLIP_TOL)
            except Mismatch as m:
                max_norm = case.args[1]
                coef = min(1.0, max_norm / (exp_total + 1e-6))
                raise Mismatch(f"{m}\n  torch: total_norm = {exp_total!r}, coefficient min(1, max_norm / "
                               f"(total_norm + 1e-6)) = {coef!r}") from None
        if "total" in parts:
            f32 = any(np.asarray(g).dtype == np.float32 for g in case.args[0])
            tol = F32 if f32 else F64
            if isinstance(total, (list, tuple)) or (isinstance(total, np.ndarray) and total.shape != ()):
                raise Mismatch(f"total_norm should be one number (a float or a 0-d array)\n"
                               f"  yours: {show_value(total)}\n  torch: {exp_total!r}")
            compare_array(total, np.asarray(exp_total), tol["rtol"], tol["atol"],
                          label="total_norm (the norm before clipping)", check_dtype=False)

    return compare


# --- check factories -------------------------------------------------------------------------

def value_check(points: float, name: str, make, clip_value, *, what: str, hidden: bool = False) -> Check:
    """clip_by_value(make(), clip_value) against clip_grad_value_."""
    return Check(
        name=f"clip_by_value: {name}", function="clip_by_value", points=points, hidden=hidden,
        title=f"clip_by_value matches torch.nn.utils.clip_grad_value_ on {what}",
        hint=HINTS["clip_by_value"],
        make_case=lambda: Case((make(), clip_value), {}, ("grads", "clip_value")),
        reference=lambda case: torch_clip_value(*case.args),
        compare=list_close(),
    )


def norm_check(points: float, name: str, make, max_norm, *, what: str, hidden: bool = False,
               no_warnings: bool = False) -> Check:
    """clip_by_norm(make(), max_norm) against the exact formula with torch ops."""
    return Check(
        name=f"clip_by_norm: {name}", function="clip_by_norm", points=points, hidden=hidden,
        title=f"clip_by_norm matches g * max_norm / ||g|| (torch.linalg.vector_norm) on {what}",
        hint=HINTS["clip_by_norm"],
        make_case=lambda: Case((make(), max_norm), {}, ("grad", "max_norm")),
        reference=lambda case: torch_clip_norm(*case.args),
        compare=norm_close(no_warnings),
    )


def global_check(points: float, name: str, make, max_norm, norm_type=None, *, what: str,
                 parts=("clipped", "total"), hidden: bool = False, hint: str = "") -> Check:
    """clip_by_global_norm(make(), max_norm[, norm_type=...]) against clip_grad_norm_."""
    kwargs = {} if norm_type is None else {"norm_type": norm_type}
    return Check(
        name=f"clip_by_global_norm: {name}", function="clip_by_global_norm", points=points, hidden=hidden,
        title=f"clip_by_global_norm matches torch.nn.utils.clip_grad_norm_ on {what}",
        hint=(hint + " " if hint else "") + HINTS["clip_by_global_norm"],
        make_case=lambda: Case((make(), max_norm), kwargs, ("grads", "max_norm")),
        reference=lambda case: torch_clip_global(*case.args, **case.kwargs),
        compare=global_close(parts),
    )


def edge_check(function: str, points: float, name: str, calls, *, title: str, hint: str = "",
               hidden: bool = False, no_warnings: bool = False) -> Check:
    """Several calls in one check: ``calls`` is a list of (label, args, kwargs)."""
    ref = {"clip_by_value": lambda c: torch_clip_value(*c.args),
           "clip_by_norm": lambda c: torch_clip_norm(*c.args),
           "clip_by_global_norm": lambda c: torch_clip_global(*c.args, **c.kwargs)}[function]
    inner = {"clip_by_value": list_close, "clip_by_norm": norm_close,
             "clip_by_global_norm": lambda no_warnings: global_close(no_warnings=no_warnings)}[function]
    names = {"clip_by_value": ("grads", "clip_value"), "clip_by_norm": ("grad", "max_norm"),
             "clip_by_global_norm": ("grads", "max_norm")}[function]

    def make_case():
        cases = [Case(args, dict(kwargs), names, {"label": label, "function": function})
                 for label, args, kwargs in calls()]
        return Case(data={"calls": cases, "function": function})

    return Check(
        name=f"{function}: {name}", function=function, points=points, hidden=hidden, title=title,
        hint=(hint + " " if hint else "") + HINTS[function], make_case=make_case,
        reference=lambda case: [ref(c) for c in case.data["calls"]],
        run=run_each, compare=compare_each(inner(no_warnings)),
    )


# --- inputs ----------------------------------------------------------------------------------

def normal_arrays(seed: int, shapes, scales, dtype=np.float64) -> list:
    """One N(0, scale^2) array per shape."""
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, s, size=shape).astype(dtype) for shape, s in zip(shapes, scales)]


def value_grads():
    """Three shapes, N(0, 2^2) so most entries lie outside [-1, 1] on both sides, and entries
    exactly at -1 and 1."""
    grads = normal_arrays(61, [(3, 4), (5,), (2, 3, 2)], [2.0, 2.0, 2.0])
    grads[0][0, 0], grads[0][0, 1], grads[1][2] = 1.0, -1.0, 0.0
    return grads


def inside_grads():
    """Every entry in [-0.5, 0.5] (two exactly on the bounds), but each array's L2 norm is > 0.5."""
    rng = np.random.default_rng(62)
    grads = [rng.uniform(-0.5, 0.5, size=(6, 6)), rng.uniform(-0.5, 0.5, size=(10,))]
    grads[0][0, 0], grads[1][0] = 0.5, -0.5
    return grads


def inf_grads():
    """The entry of largest magnitude is negative (-6), the largest entry is below 3."""
    grads = normal_arrays(66, [(3, 4), (5,)], [1.0, 1.0])
    grads[0] = np.clip(grads[0], -2.9, 2.9)
    grads[1] = np.clip(grads[1], -2.9, 2.9)
    grads[1][3] = -6.0
    return grads


# --- the public checks -----------------------------------------------------------------------

def _value_public():
    return [
        value_check(8, "values", value_grads, 1.0,
                    what="three arrays of different shapes, entries inside, outside and on [-1, 1]"),
        value_check(4, "inside the bounds", inside_grads, 0.5,
                    what="entries all within [-0.5, 0.5] (nothing changes, even though the norms exceed 0.5)"),
        edge_check("clip_by_value", 4, "float32, 0-d, empty", _value_edges,
                   title="clip_by_value keeps float32, handles 0-d and empty arrays and an empty list",
                   hint="Keep each array's float dtype and shape; [] gives []."),
    ]


def _value_edges():
    return [
        ("float32 arrays and an int clip_value", (normal_arrays(601, [(4, 3), (6,)], [3.0, 3.0], np.float32), 2), {}),
        ("0-d arrays", ([np.array(-3.5), np.array(0.25)], 1.0), {}),
        ("empty arrays", ([np.zeros((0, 3)), np.zeros((2, 0))], 1.0), {}),
        ("an empty list", ([], 1.0), {}),
    ]


def _norm_edges():
    return [
        ("a float32 gradient", (normal_arrays(603, [(5, 4)], [3.0], np.float32)[0], 1.5), {}),
        ("a 0-d gradient", (np.array(-3.0), 2.0), {}),
        ("an empty gradient", (np.zeros((0, 4)), 1.0), {}),
    ]


def _norm_public():
    return [
        norm_check(5, "worked example", lambda: np.array([0.9, 100.0]), 1.0,
                   what="the notes' example [0.9, 100] with max_norm 1 -> [0.00899964, 0.9999595]"),
        norm_check(7, "above max_norm", lambda: normal_arrays(63, [(4, 5)], [2.0])[0], 2.5,
                   what="a 4x5 gradient of norm ~9 with max_norm 2.5 (one norm over all entries)"),
        norm_check(5, "below max_norm", lambda: normal_arrays(64, [(3, 4)], [0.1])[0], 1.0,
                   what="a gradient of norm ~0.35 with max_norm 1 (returned unchanged, never scaled up)"),
        norm_check(4, "zero gradient", lambda: np.zeros((2, 3)), 1.0, no_warnings=True,
                   what="an all-zero gradient (unchanged, no NaN, no divide-by-zero warning)"),
        edge_check("clip_by_norm", 5, "float32, 0-d, empty", _norm_edges,
                   title="clip_by_norm keeps float32 and handles 0-d and empty arrays",
                   hint="Keep the input's float dtype and shape; the norm of a 0-d array is its |value|."),
    ]


def _global_public():
    l2 = lambda: normal_arrays(65, [(4, 3), (6,), (2, 2, 2)], [1.0, 3.0, 0.5])  # noqa: E731
    return [
        global_check(7, "L2 clipping", l2, 2.0, parts=("clipped",),
                     what="three arrays, total L2 norm ~8, max_norm 2 (one common factor for all arrays)"),
        global_check(5, "returned total norm",
                     lambda: normal_arrays(67, [(5, 2), (3,)], [2.0, 2.0]), 1.0, parts=("total",),
                     what="the returned total_norm: the L2 norm of all gradients before clipping",
                     hint="Return the total computed before scaling, not the norm of the clipped arrays."),
        global_check(5, "L1 norm", lambda: normal_arrays(68, [(3, 3), (4,)], [1.0, 1.0]), 5.0, 1.0,
                     what="norm_type=1 (sum of |entries| of all arrays), max_norm 5"),
        global_check(5, "inf norm", inf_grads, 1.5, float("inf"),
                     what="norm_type=inf (largest |entry|, here a negative one: -6), max_norm 1.5",
                     hint="For p = inf the norm is max |g| over every entry of every array (np.abs first)."),
        global_check(5, "below max_norm", lambda: normal_arrays(69, [(3,), (2, 4)], [0.1, 0.1]), 1.0,
                     what="total norm ~0.33 with max_norm 1: nothing changes and the total is returned",
                     hint="The coefficient is clamped to 1: clipping never scales a gradient up."),
        global_check(4, "eps in the coefficient", lambda: normal_arrays(70, [(4,), (2, 3)], [1e-3, 1e-3]),
                     1e-3, what="small gradients (total ~3e-3, max_norm 1e-3), where torch's 1e-6 changes "
                                "the result by 3e-4",
                     hint="torch's coefficient is max_norm / (total + 1e-6), clamped to 1."),
        global_check(4, "float32", lambda: normal_arrays(605, [(5, 4), (3,)], [2.0, 2.0], np.float32), 1.0,
                     what="float32 gradients (results stay float32)"),
    ]


CHECKS = _value_public() + _norm_public() + _global_public()
