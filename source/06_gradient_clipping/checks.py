"""Checks for 06_gradient_clipping, against ``torch.nn.utils``, ``torch.autograd`` and ``torch.optim``.

References:
- ``clip_by_value``: ``torch.nn.utils.clip_grad_value_`` on parameters whose ``.grad`` are the
  inputs (torch clips in place; the student returns new arrays).
- ``clip_by_global_norm``: ``torch.nn.utils.clip_grad_norm_`` the same way, its return value
  being the total norm before clipping. torch's coefficient is min(1, max_norm / (total + 1e-6)).
- ``clip_by_norm`` (Keras' ``clipnorm``, one tensor): the exact formula
  g * max_norm / ||g||_2 if ||g||_2 > max_norm, computed with ``torch.linalg.vector_norm`` and
  torch ops, as the notes' worked example ([0.9, 100] -> [0.00899964, 0.9999595]) is exact.
- ``l1_penalty`` / ``l2_penalty`` (Keras' ``L1(l1=lam)`` / ``L2(l2=lam)``): the value
  ``lam * sum(w.abs().sum())`` / ``lam * sum(w.pow(2).sum())`` with torch ops, the gradients from
  ``backward()`` on it (torch.autograd's gradient of |w| is 0 at w = 0; the inputs hold exact
  zeros). The SGD check feeds the student's penalty gradients into the step
  p - lr * (g + grad) and compares it with one ``torch.optim.SGD(lr, weight_decay=2 * lam)`` step
  on the same parameters and loss gradients g.

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
- total_norm and the penalty value: ``compare.F64`` for float64 arrays (a sum of at most a few
  hundred terms and a root or a product: ~1e-15 relative; the penalties measured 0 apart),
  ``compare.F32`` when an input is float32 (torch sums in float32; a float64 sum is also fine).
- the penalty gradients and the SGD step: ``compare.F64`` / ``F32``. lam * sign(w) is exact and
  2 * lam * w is one or two roundings (measured: 0 difference); the step adds two more (2e-16).
  The wrong answers are off by far more: the ½·lam convention by a factor 2 in the gradient and
  by lr * lam * |w| ~ 5e-3 in the step, a missing lam or a subgradient of lam at w = 0 by
  lam or more at some entry.
"""

from __future__ import annotations

import numpy as np

from gradkit.compare import F32, F64, as_array, compare_array, compare_each, modified_in_place, run_each, show_value
from gradkit.core import Case, Check, Mismatch, function_of
from gradkit.pictures import bars, versus
from gradkit.protocol import Opaque
from gradkit.references import lazy

torch = lazy("torch")  # imported when a reference is computed (a stored answer needs no torch)

MODULE = "clipping"  # the student's file: clipping.py

INPLACE = ("Build the result from new arrays: np.clip(g, -c, c), g * coef or lam * np.sign(w), never g *= coef, "
           "np.clip(g, ..., out=g) or grads[i] = ...; the caller's arrays and list must be unchanged after the call.")

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
    "l1_penalty": "value = lam * (sum over ALL arrays of np.sum(np.abs(w))), entry by entry (not a matrix "
                  "norm); grads = [lam * np.sign(w) for w in weights] (0 where w == 0, as torch); "
                  "return (value, grads).",
    "l2_penalty": "value = lam * (sum over ALL arrays of np.sum(w ** 2)) (Keras' convention: no 1/2, no "
                  "square root); grads = [2 * lam * w for w in weights]; return (value, grads).",
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


# the penalty of one tensor, summed over the list and multiplied by lam (Keras' convention)
PENALTY_TERMS = {"l1_penalty": lambda t: t.abs().sum(), "l2_penalty": lambda t: t.pow(2).sum()}


def torch_penalty(function: str, weights, lam):
    """(value, grads): lam * Σ_j term(w_j) with torch ops, grads by torch.autograd; (0.0, []) for []."""
    ts = [torch.tensor(np.asarray(w, dtype=np.float64), requires_grad=True) for w in weights]
    value = lam * sum((PENALTY_TERMS[function](t) for t in ts), torch.zeros((), dtype=torch.float64))
    if ts:
        value.backward()
    return value.item(), [t.grad.numpy().astype(_dtype(w)) for t, w in zip(ts, weights)]


def torch_sgd_decay(params, grads, lr, lam) -> list:
    """The parameters after one torch.optim.SGD(lr, weight_decay=2 * lam) step with gradients ``grads``."""
    ps = [torch.nn.Parameter(torch.tensor(np.asarray(p, dtype=np.float64))) for p in params]
    for p, g in zip(ps, grads):
        p.grad = torch.tensor(np.asarray(g, dtype=np.float64))
    torch.optim.SGD(ps, lr=lr, weight_decay=2 * lam).step()
    return [p.detach().numpy().astype(_dtype(p0)) for p, p0 in zip(ps, params)]


# --- comparisons -----------------------------------------------------------------------------

def _clean(got, no_warnings: bool = False) -> None:
    """Inputs untouched (arrays and list), and no NumPy warning when ``no_warnings``."""
    if got.mutated:
        raise modified_in_place(got.mutated, advice="functions must leave their inputs untouched: build a new "
                                "list of new arrays (np.clip(g, ...), g * coef, lam * np.sign(w)), never "
                                "g *= ..., np.clip(..., out=g) or grads[i] = ...", hint=INPLACE)
    if no_warnings and got.warnings:
        raise Mismatch("NumPy warned during the call: " + "; ".join(got.warnings[:3]))


def _as_list(value, n: int, label: str) -> list:
    if isinstance(value, Opaque):
        raise Mismatch(f"{label} is a {value.type_name}, not a list of arrays: {value.text}")
    if not isinstance(value, (list, tuple)):
        raise Mismatch(f"{label} is a {type(value).__name__}, not a list of arrays (one per array in the "
                       f"input list; expected {n})\n  yours: {show_value(value)}")
    if len(value) != n:
        raise Mismatch(f"{label} holds {len(value)} arrays; expected {n}, one per array in the input list\n"
                       f"  yours: {show_value(list(value))}")
    return list(value)


def _compare_list(values, expected, inputs, label: str, tol=None) -> None:
    values = _as_list(values, len(expected), label)
    for i, (v, e) in enumerate(zip(values, expected)):
        t = tol if tol is not None and e.dtype != np.float32 else (F32 if e.dtype == np.float32 else F64)
        compare_array(v, e, t["rtol"], t["atol"], label=f"{label}[{i}]", input_at=inputs[i])


def _pair(value, first: str, second: str, what: str) -> tuple:
    """The student's result as the pair (first, second) the function must return."""
    if isinstance(value, Opaque) or not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Mismatch(f"the result is not a pair ({first}, {second}); return a tuple of {what}\n"
                       f"  yours: {show_value(value)}")
    return value[0], value[1]


def _compare_number(value, expected: float, arrays, label: str) -> None:
    """One number (a float or a 0-d array) against torch's, F32 when an input array is float32."""
    tol = F32 if any(np.asarray(a).dtype == np.float32 for a in arrays) else F64
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.shape != ()):
        raise Mismatch(f"{label} should be one number (a float or a 0-d array)\n"
                       f"  yours: {show_value(value)}\n  torch: {expected!r}")
    compare_array(value, np.asarray(expected), tol["rtol"], tol["atol"], label=label, check_dtype=False)


def list_close(no_warnings: bool = False):
    """``compare`` for clip_by_value: a list of arrays, F64/F32, inputs untouched."""

    def compare(got, expected, case):
        _clean(got, no_warnings)
        _compare_list(got.value, expected, case.args[0], "the result")

    return compare


def norm_close(no_warnings: bool = False):
    """``compare`` for clip_by_norm: one array, CLIP_TOL (float64) or F32, input untouched."""

    def compare(got, expected, case):
        _clean(got, no_warnings)
        tol = F32 if expected.dtype == np.float32 else CLIP_TOL
        compare_array(got.value, expected, tol["rtol"], tol["atol"], input_at=case.args[0])

    return compare


def global_close(parts=("clipped", "total"), no_warnings: bool = False):
    """``compare`` for clip_by_global_norm: the pair (clipped list, total norm before clipping)."""

    def compare(got, expected, case):
        _clean(got, no_warnings)
        clipped, total = _pair(got.value, "clipped", "total_norm",
                               "the list of clipped arrays and the total norm before clipping")
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
            _compare_number(total, exp_total, case.args[0], "total_norm (the norm before clipping)")

    return compare


def penalty_close(parts=("value", "grads"), no_warnings: bool = False):
    """``compare`` for l1_penalty / l2_penalty: the pair (value, grads), inputs untouched."""

    def compare(got, expected, case):
        _clean(got, no_warnings)
        value, grads = _pair(got.value, "value", "grads", "the penalty and the list of its gradients")
        exp_value, exp_grads = expected
        weights, lam = case.args
        if "value" in parts:
            _compare_number(value, exp_value, weights, f"the penalty value (lam = {lam!r})")
        if "grads" in parts:
            _compare_list(grads, exp_grads, weights, f"grads (lam = {lam!r})")

    return compare


def sgd_close(got, expected, case) -> None:
    """``compare`` for the SGD check: p - lr * (g + your grad) against torch's step with weight decay."""
    _clean(got)
    params, lam = case.args
    loss_grads, lr = case.data["grads"], case.data["lr"]
    _, grads = _pair(got.value, "value", "grads", "the penalty and the list of its gradients")
    grads = _as_list(grads, len(params), "grads")
    stepped = []
    for i, (p, g, pg) in enumerate(zip(params, loss_grads, grads)):
        pg = as_array(pg, np.asarray(p), f"grads[{i}]")
        if pg.shape != np.shape(p):
            raise Mismatch(f"grads[{i}] has shape {pg.shape}; weights[{i}] has shape {np.shape(p)}")
        stepped.append(p - lr * (g + pg))
    try:
        _compare_list(stepped, expected, params, "new_params")
    except Mismatch as m:
        raise Mismatch(f"one SGD step on loss + l2_penalty, new_params = p - lr * (g + grads) with your grads, "
                       f"is not torch.optim.SGD(lr={lr!r}, weight_decay=2 * lam = {2 * lam!r}): {m}") from None


# --- pictures of a failure --------------------------------------------------------------------

def _flat(arrays, n: int) -> np.ndarray | None:
    """Every entry of a list of ``n`` numeric arrays, in one float64 vector (None for anything else)."""
    if not (isinstance(arrays, (list, tuple)) and len(arrays) == n
            and all(isinstance(a, np.ndarray) and a.dtype.kind in "biuf" for a in arrays)):
        return None
    return np.concatenate([a.astype(np.float64).ravel() for a in arrays]) if n else None


def entries_picture(got, expected, inputs, *, xlabel: str, ylabel: str, title: str):
    """Each entry of the student's result against torch's, over the input entry it came from (the
    clamp of clip_by_value, the slope of clip_by_norm, lam·sign(w) or 2·lam·w): the picture is torch's curve."""
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    got = list(got) if isinstance(got, (list, tuple)) else [got]
    expected = list(expected) if isinstance(expected, (list, tuple)) else [expected]
    yours, torch_, x = _flat(got, len(inputs)), _flat(expected, len(inputs)), _flat(inputs, len(inputs))
    if yours is None or x is None or yours.shape != x.shape:
        return None
    return versus(yours, torch_, x, xlabel=xlabel, ylabel=ylabel, title=title)


def value_picture(got, expected, case):
    return entries_picture(got.value, expected, case.args[0], xlabel="gradient entry g", ylabel="clipped entry",
                           title=f"clip_by_value(clip_value={case.args[1]:g}): yours and torch's")


def norm_picture(got, expected, case):
    return entries_picture(got.value, expected, case.args[0], xlabel="gradient entry g", ylabel="clipped entry",
                           title=f"clip_by_norm(max_norm={case.args[1]:g}): yours and torch's")


def global_picture(got, expected, case):
    """The norm of each clipped array, the student's against torch's."""
    clipped, n = _pair(got.value, "clipped", "total_norm", "")[0], len(expected[0])
    if _flat(clipped, n) is None or any(c.shape != e.shape for c, e in zip(clipped, expected[0])):
        return None
    norms = [np.array([np.linalg.norm(a.astype(np.float64).ravel(), ord=case.kwargs.get("norm_type", 2.0))
                       for a in arrays]) for arrays in (clipped, expected[0])]
    return bars(*norms, labels=[f"grads[{i}]" for i in range(n)], ylabel="norm of the clipped array",
                title="clip_by_global_norm: yours and torch's")


def penalty_picture(function: str):
    def picture(got, expected, case):
        grads = _pair(got.value, "value", "grads", "")[1]
        return entries_picture(grads, expected[1], case.args[0], xlabel="weight w", ylabel="dpenalty/dw",
                               title=f"{function} gradient (lam={case.args[1]:g}): yours and torch's")

    return picture


# --- check factories -------------------------------------------------------------------------
# Every factory reads `xxx_check("<function>: <aspect>", points=..., <inputs>..., hidden=...)`;
# an input given as a function (grads=value_grads) is called when the check is prepared.

def value_check(name: str, *, points: float, grads, clip_value, what: str, hidden: bool = False) -> Check:
    """clip_by_value(grads(), clip_value) against clip_grad_value_."""
    return Check(
        name=name, function=function_of(name), points=points, hidden=hidden,
        title=f"clip_by_value matches torch.nn.utils.clip_grad_value_ on {what}",
        hint=HINTS["clip_by_value"],
        make_case=lambda: Case((grads(), clip_value), {}, ("grads", "clip_value")),
        reference=lambda case: torch_clip_value(*case.args),
        compare=list_close(), picture=value_picture,
    )


def norm_check(name: str, *, points: float, grad, max_norm, what: str, hidden: bool = False,
               no_warnings: bool = False) -> Check:
    """clip_by_norm(grad(), max_norm) against the exact formula with torch ops."""
    return Check(
        name=name, function=function_of(name), points=points, hidden=hidden,
        title=f"clip_by_norm matches g * max_norm / ||g|| (torch.linalg.vector_norm) on {what}",
        hint=HINTS["clip_by_norm"],
        make_case=lambda: Case((grad(), max_norm), {}, ("grad", "max_norm")),
        reference=lambda case: torch_clip_norm(*case.args),
        compare=norm_close(no_warnings), picture=norm_picture,
    )


def global_check(name: str, *, points: float, grads, max_norm, norm_type=None, what: str,
                 parts=("clipped", "total"), hidden: bool = False, hint: str = "") -> Check:
    """clip_by_global_norm(grads(), max_norm[, norm_type=...]) against clip_grad_norm_."""
    kwargs = {} if norm_type is None else {"norm_type": norm_type}
    return Check(
        name=name, function=function_of(name), points=points, hidden=hidden,
        title=f"clip_by_global_norm matches torch.nn.utils.clip_grad_norm_ on {what}",
        hint=(hint + " " if hint else "") + HINTS["clip_by_global_norm"],
        make_case=lambda: Case((grads(), max_norm), kwargs, ("grads", "max_norm")),
        reference=lambda case: torch_clip_global(*case.args, **case.kwargs),
        compare=global_close(parts), picture=global_picture if "clipped" in parts else None,
    )


def penalty_check(name: str, *, points: float, weights, lam, what: str, parts=("value", "grads"),
                  hidden: bool = False, hint: str = "") -> Check:
    """l1_penalty or l2_penalty (the function the name says) of (weights(), lam) against torch.autograd."""
    function = function_of(name)
    formula = {"l1_penalty": "lam * Σ|w|", "l2_penalty": "lam * Σ w²"}[function]
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} matches {formula} with torch ops and its torch.autograd gradient on {what}",
        hint=(hint + " " if hint else "") + HINTS[function],
        make_case=lambda: Case((weights(), lam), {}, ("weights", "lam")),
        reference=lambda case: torch_penalty(function, *case.args),
        compare=penalty_close(parts), picture=penalty_picture(function) if "grads" in parts else None,
    )


def sgd_check(name: str, *, points: float, params, grads, lr, lam, what: str, hidden: bool = False) -> Check:
    """p - lr * (g + l2_penalty(params(), lam) gradient) against torch.optim.SGD(lr, weight_decay=2 * lam)."""
    def make_case():
        ps = params()
        return Case((ps, lam), {}, ("weights", "lam"), data={"grads": grads(), "lr": lr})

    return Check(
        name=name, function=function_of(name), points=points, hidden=hidden,
        title=f"one SGD step on loss + l2_penalty, p - lr * (g + grad), equals torch.optim.SGD(lr={lr}, "
              f"weight_decay=2 * lam) on {what}",
        hint="torch's weight_decay wd adds wd * p to the gradient: the gradient of (wd / 2) * Σ p², so "
             "Keras' lam * Σ p² is weight_decay = 2 * lam. " + HINTS["l2_penalty"],
        make_case=make_case,
        reference=lambda case: torch_sgd_decay(case.args[0], case.data["grads"], case.data["lr"], case.args[1]),
        compare=sgd_close,
    )


# function -> (torch reference of one call, compare factory of (no_warnings), argument names)
EDGES = {
    "clip_by_value": (lambda c: torch_clip_value(*c.args), list_close, ("grads", "clip_value")),
    "clip_by_norm": (lambda c: torch_clip_norm(*c.args), norm_close, ("grad", "max_norm")),
    "clip_by_global_norm": (lambda c: torch_clip_global(*c.args, **c.kwargs),
                            lambda no_warnings: global_close(no_warnings=no_warnings), ("grads", "max_norm")),
    "l1_penalty": (lambda c: torch_penalty("l1_penalty", *c.args),
                   lambda no_warnings: penalty_close(no_warnings=no_warnings), ("weights", "lam")),
    "l2_penalty": (lambda c: torch_penalty("l2_penalty", *c.args),
                   lambda no_warnings: penalty_close(no_warnings=no_warnings), ("weights", "lam")),
}


def edge_check(name: str, *, points: float, calls, title: str, hint: str = "", hidden: bool = False,
               no_warnings: bool = False) -> Check:
    """Several calls in one check: ``calls()`` is a list of (label, args, kwargs)."""
    function = function_of(name)
    ref, inner, names = EDGES[function]

    def make_case():
        cases = [Case(args, dict(kwargs), names, {"label": label, "function": function})
                 for label, args, kwargs in calls()]
        return Case(data={"calls": cases, "function": function})

    return Check(
        name=name, function=function, points=points, hidden=hidden, title=title,
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


def l2_grads():
    return normal_arrays(65, [(4, 3), (6,), (2, 2, 2)], [1.0, 3.0, 0.5])


def value_edges():
    return [
        ("float32 arrays and an int clip_value", (normal_arrays(601, [(4, 3), (6,)], [3.0, 3.0], np.float32), 2), {}),
        ("0-d arrays", ([np.array(-3.5), np.array(0.25)], 1.0), {}),
        ("empty arrays", ([np.zeros((0, 3)), np.zeros((2, 0))], 1.0), {}),
        ("an empty list", ([], 1.0), {}),
    ]


def norm_edges():
    return [
        ("a float32 gradient", (normal_arrays(603, [(5, 4)], [3.0], np.float32)[0], 1.5), {}),
        ("a 0-d gradient", (np.array(-3.0), 2.0), {}),
        ("an empty gradient", (np.zeros((0, 4)), 1.0), {}),
    ]


def layer_weights(seed: int, shapes, zeros: int = 3, dtype=np.float64) -> list:
    """N(0, 1) weights of a small network with ``zeros`` entries of each array of two or more entries
    set to exactly 0 (where |w| has its kink: torch's L1 gradient is 0 there)."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, 1.0, size=shape) for shape in shapes]
    for w in weights:
        if w.size >= 2:
            w.flat[rng.choice(w.size, size=min(zeros, w.size - 1), replace=False)] = 0.0
    return [w.astype(dtype) for w in weights]


def penalty_weights():
    """A 4x3 and a 2x2x3 weight array and a bias of 6, three exact zeros in each."""
    return layer_weights(71, [(4, 3), (6,), (2, 2, 3)])


def penalty_edges():
    """float32 weights, 0-d arrays (one of them 0), empty arrays, and an empty list."""
    return [
        ("float32 weights", (layer_weights(611, [(5, 3), (4,)], dtype=np.float32), 0.01), {}),
        ("0-d arrays", ([np.array(-2.0), np.array(0.0), np.array(0.5)], 0.5), {}),
        ("an empty array beside a full one", ([np.zeros((0, 3)), np.array([1.5, -2.0, 0.0])], 0.1), {}),
        ("an empty list", ([], 0.1), {}),
    ]


def sgd_params():
    """The weights and biases of a 3-5-2 network."""
    return layer_weights(73, [(5, 3), (5,), (2, 5), (2,)], zeros=0)


def sgd_grads():
    """The loss gradients for sgd_params(), of the same shapes."""
    return normal_arrays(74, [(5, 3), (5,), (2, 5), (2,)], [0.5, 0.5, 0.5, 0.5])


# --- the public checks: one row per check ----------------------------------------------------

CHECKS = [
    value_check("clip_by_value: values", points=6, grads=value_grads, clip_value=1.0,
                what="three arrays of different shapes, entries inside, outside and on [-1, 1]"),
    value_check("clip_by_value: inside the bounds", points=3, grads=inside_grads, clip_value=0.5,
                what="entries all within [-0.5, 0.5] (nothing changes, even though the norms exceed 0.5)"),
    edge_check("clip_by_value: float32, 0-d, empty", points=3, calls=value_edges,
               title="clip_by_value keeps float32, handles 0-d and empty arrays and an empty list",
               hint="Keep each array's float dtype and shape; [] gives []."),

    norm_check("clip_by_norm: worked example", points=4, grad=lambda: np.array([0.9, 100.0]), max_norm=1.0,
               what="the notes' example [0.9, 100] with max_norm 1 -> [0.00899964, 0.9999595]"),
    norm_check("clip_by_norm: above max_norm", points=5, grad=lambda: normal_arrays(63, [(4, 5)], [2.0])[0],
               max_norm=2.5, what="a 4x5 gradient of norm ~9 with max_norm 2.5 (one norm over all entries)"),
    norm_check("clip_by_norm: below max_norm", points=4, grad=lambda: normal_arrays(64, [(3, 4)], [0.1])[0],
               max_norm=1.0, what="a gradient of norm ~0.35 with max_norm 1 (returned unchanged, never scaled up)"),
    norm_check("clip_by_norm: zero gradient", points=3, grad=lambda: np.zeros((2, 3)), max_norm=1.0,
               no_warnings=True, what="an all-zero gradient (unchanged, no NaN, no divide-by-zero warning)"),
    edge_check("clip_by_norm: float32, 0-d, empty", points=4, calls=norm_edges,
               title="clip_by_norm keeps float32 and handles 0-d and empty arrays",
               hint="Keep the input's float dtype and shape; the norm of a 0-d array is its |value|."),

    global_check("clip_by_global_norm: L2 clipping", points=5, grads=l2_grads, max_norm=2.0, parts=("clipped",),
                 what="three arrays, total L2 norm ~8, max_norm 2 (one common factor for all arrays)"),
    global_check("clip_by_global_norm: returned total norm", points=4,
                 grads=lambda: normal_arrays(67, [(5, 2), (3,)], [2.0, 2.0]), max_norm=1.0, parts=("total",),
                 what="the returned total_norm: the L2 norm of all gradients before clipping",
                 hint="Return the total computed before scaling, not the norm of the clipped arrays."),
    global_check("clip_by_global_norm: L1 norm", points=4,
                 grads=lambda: normal_arrays(68, [(3, 3), (4,)], [1.0, 1.0]), max_norm=5.0, norm_type=1.0,
                 what="norm_type=1 (sum of |entries| of all arrays), max_norm 5"),
    global_check("clip_by_global_norm: inf norm", points=4, grads=inf_grads, max_norm=1.5, norm_type=float("inf"),
                 what="norm_type=inf (largest |entry|, here a negative one: -6), max_norm 1.5",
                 hint="For p = inf the norm is max |g| over every entry of every array (np.abs first)."),
    global_check("clip_by_global_norm: below max_norm", points=4,
                 grads=lambda: normal_arrays(69, [(3,), (2, 4)], [0.1, 0.1]), max_norm=1.0,
                 what="total norm ~0.33 with max_norm 1: nothing changes and the total is returned",
                 hint="The coefficient is clamped to 1: clipping never scales a gradient up."),
    global_check("clip_by_global_norm: eps in the coefficient", points=3,
                 grads=lambda: normal_arrays(70, [(4,), (2, 3)], [1e-3, 1e-3]), max_norm=1e-3,
                 what="small gradients (total ~3e-3, max_norm 1e-3), where torch's 1e-6 changes the result by 3e-4",
                 hint="torch's coefficient is max_norm / (total + 1e-6), clamped to 1."),
    global_check("clip_by_global_norm: float32", points=3,
                 grads=lambda: normal_arrays(605, [(5, 4), (3,)], [2.0, 2.0], np.float32), max_norm=1.0,
                 what="float32 gradients (results stay float32)"),

    penalty_check("l1_penalty: value", points=3, weights=penalty_weights, lam=0.01, parts=("value",),
                  what="a 4x3, a 6 and a 2x2x3 array, lam 0.01 (the value: every entry of every array)"),
    penalty_check("l1_penalty: gradients", points=3, weights=penalty_weights, lam=0.1, parts=("grads",),
                  what="the same arrays with lam 0.1, three exact zeros in each (the gradient there is 0)",
                  hint="At w == 0 torch's gradient of |w| is 0 (np.sign(0) == 0), not 1 or -1."),
    edge_check("l1_penalty: float32, 0-d, empty", points=3, calls=penalty_edges,
               title="l1_penalty keeps float32, handles 0-d and empty arrays and an empty list",
               hint="Keep each array's float dtype and shape; [] gives (0.0, []); an empty array adds 0."),

    penalty_check("l2_penalty: value", points=3, weights=penalty_weights, lam=0.01, parts=("value",),
                  what="a 4x3, a 6 and a 2x2x3 array, lam 0.01 (lam * Σ w², Keras' convention)"),
    penalty_check("l2_penalty: gradients", points=3, weights=penalty_weights, lam=0.1, parts=("grads",),
                  what="the same arrays with lam 0.1 (2 * lam * w)"),
    edge_check("l2_penalty: float32, 0-d, empty", points=2, calls=penalty_edges,
               title="l2_penalty keeps float32, handles 0-d and empty arrays and an empty list",
               hint="Keep each array's float dtype and shape; [] gives (0.0, []); an empty array adds 0."),
    sgd_check("l2_penalty: SGD step is weight_decay 2 lam", points=3, params=sgd_params, grads=sgd_grads,
              lr=0.1, lam=0.05, what="the four weight and bias arrays of a 3-5-2 network, lam 0.05"),
]
