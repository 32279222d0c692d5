"""Checks for 01_activations, against torch's functions and torch.autograd.

Values come from ``torch.sigmoid``, ``F.leaky_relu``, ``F.elu``, ``F.selu``, ``torch.softmax``,
``F.cross_entropy``...; derivatives from ``torch.autograd`` on the same functions, so torch's
convention at a kink (relu'(0) = 0, leaky_relu'(0) = negative_slope, elu'(0) = alpha) is the
expected one. References are computed in float64 and cast to the input's dtype.

The check factories here are shared with the hidden checks (``hidden.py`` beside this file), which call
them with other inputs. Tolerances: ``compare.F64`` / ``compare.F32`` (see compare.py).

PReLU: values against ``F.prelu``, both gradients against ``torch.autograd`` of it (d/dz at z = 0 is
the channel's weight, as torch; every channel of the inputs has an exact 0). F64/F32 tolerances:
grad_weight is a sum, of at most 20 products per weight here; a float64 sum agrees with torch's to
4e-6 of the F64 tolerance (measured on 500 random (2, 4, 3, 3) inputs), a float32 one over 4
products to 0.15 of the F32 tolerance (2,000 random (4, 3) inputs). The wrong answers are off by whole
terms (a channel summed into the others, a factor grad_output or weight missing).

RReLU in evaluation equals ``F.rrelu(training=False)`` bit for bit in float64 (rtol = atol = 0):
torch computes z · ((lower + upper)/2) in double, and so does any correct formula (a division by 2
is exact). In training the output is random; one call is checked statistically
(``rrelu_training_check``, ``_assess_rrelu``). The input has N = 40,000 negative entries, ten exact
zeros and the rest positive. Entries with z >= 0 must be returned unchanged. The slopes s_i = y_i / z_i
of the negative entries (exact up to two roundings) give u_i = (s_i − lower)/(upper − lower), which
for a correct solution are independent U(0, 1). The tests, in order:

1. the slopes are not all equal (to 1e-9·(upper − lower)): one slope for all entries, or a fixed one;
2. every s_i in [lower, upper] (1e-12 slack for rounding): never fails a correct solution;
3. at least N/10 = 4,000 distinct s_i (one slope per row or per channel gives a few hundred).
   Two entries share a ratio only if their slopes lie within a few ulps, i.e. for numpy's 53-bit
   uniform, within 32 of its 2^53 values: P(pair) <= 2^-48, so the expected number of equal pairs
   is E[C] <= N²/2 · 2^-48 < 2.9e-6; failing needs C >= 36,000, and by Markov P <= 8e-11;
4. min u_i <= 1e-3 and max u_i >= 1 − 1e-3 (a range cut short at either end):
   P <= 2·(1 − 1e-3)^N <= 2·exp(−40) < 1e-17;
5. |mean(u) − 1/2| <= 0.02: Hoeffding, P <= 2·exp(−2N·0.02²) = 2·exp(−32) < 3e-14;
6. |mean((u − 1/2)²) − 1/12| <= 0.01 (the spread of a uniform; terms in [0, 1/4]): Hoeffding,
   P <= 2·exp(−2N·0.01²/(1/4)²) = 2·exp(−128) < 1e-55.

A correct solution therefore fails with probability below 1e-10 for any seed (run for 300 seeds
on each of the two checks, the solution's and torch's own samples: no failure; the worst values
seen were min u 1.7e-4 and max u 1 − 2.2e-4, |mean − 1/2| 0.0061, spread 0.0012 from 1/12, and
always 40,000 distinct slopes). torch's own
``F.rrelu(training=True)`` sample on the same input (``torch.manual_seed(seed)``) must pass the same
test (a kit bug otherwise, raised when the reference is prepared) and is shown beside the student's.
A fixed or shared slope fails test 1, a wrong range ([0, upper], [lower, lower + upper], the default
range for other arguments) test 2 or 4, one slope per row test 3: every time, not by chance.
"""

from __future__ import annotations

import numpy as np

from gradkit.compare import (F32, as_array, close, compare_array, compare_each, modified_in_place, picture_each,
                             run_each, seeded, show_value, tolerance_for)
from gradkit.core import Case, Check, Mismatch, function_of
from gradkit.pictures import versus
from gradkit.protocol import Recipe
from gradkit.references import lazy

torch = lazy("torch")  # imported when a reference is computed (a stored answer needs no torch)
F = lazy("torch.nn.functional")

MODULE = "activations"  # the student's file: activations.py

# function -> (torch function of (tensor, **kwargs), whether the student returns its derivative)
TORCH = {
    "sigmoid": (lambda t: torch.sigmoid(t), False),
    "sigmoid_derivative": (lambda t: torch.sigmoid(t), True),
    "tanh_derivative": (lambda t: torch.tanh(t), True),
    "relu": (lambda t: torch.relu(t), False),
    "relu_derivative": (lambda t: torch.relu(t), True),
    "leaky_relu": (lambda t, negative_slope=0.01: F.leaky_relu(t, negative_slope), False),
    "leaky_relu_derivative": (lambda t, negative_slope=0.01: F.leaky_relu(t, negative_slope), True),
    "elu": (lambda t, alpha=1.0: F.elu(t, alpha), False),
    "elu_derivative": (lambda t, alpha=1.0: F.elu(t, alpha), True),
    "selu": (lambda t: F.selu(t), False),
    "selu_derivative": (lambda t: F.selu(t), True),
    "softmax": (lambda t, axis=-1: torch.softmax(t, dim=axis), False),
    "log_softmax": (lambda t, axis=-1: torch.log_softmax(t, dim=axis), False),
    "rrelu": (lambda t, lower=1 / 8, upper=1 / 3: F.rrelu(t, lower, upper, training=False), False),
}

HINTS = {
    "sigmoid": "σ(z) = 1/(1+e^{-z}); for z < 0 write it as e^{z}/(1+e^{z}) so no exponent is positive.",
    "sigmoid_derivative": "σ'(z) = σ(z)(1 − σ(z)); reuse a stable sigmoid. σ'(0) = 0.25, σ'(5) ≈ 0.0066.",
    "tanh_derivative": "tanh'(z) = 1 − tanh(z)^2; np.tanh is stable, (e^z − e^{−z})/(e^z + e^{−z}) is not.",
    "relu": "relu(z) = max(0, z) elementwise: np.maximum or np.where, into a new array.",
    "relu_derivative": "1.0 where z > 0, else 0.0 — including z == 0 (torch's convention).",
    "leaky_relu": "z where z > 0, negative_slope * z elsewhere; use the argument, not a constant 0.01.",
    "leaky_relu_derivative": "1 where z > 0, negative_slope where z <= 0 (torch uses the negative slope at 0).",
    "elu": "z for z > 0, alpha * expm1(z) for z <= 0; evaluate the exponential only on np.minimum(z, 0).",
    "elu_derivative": "1 for z > 0, alpha * e^z for z <= 0 (so alpha at z == 0, as torch).",
    "selu": "SELU_SCALE * elu(z, SELU_ALPHA) with the full-precision constants given in the file.",
    "selu_derivative": "SELU_SCALE for z > 0, SELU_SCALE * SELU_ALPHA * e^z for z <= 0 (z == 0 included).",
    "softmax": "Subtract the max along `axis` (keepdims=True), exponentiate, divide by the sum along `axis`.",
    "log_softmax": "(z − m) − log(sum(exp(z − m))) along `axis`, m the max; never np.log(softmax(z)).",
    "cross_entropy": "−mean of log_softmax(logits, axis=1)[n, labels[n]]; go through log_softmax.",
    "cross_entropy_grad": "(softmax(logits) − onehot(labels)) / N, N the batch size.",
    "prelu": "z where z > 0, weight[c] * z elsewhere, c the index on axis 1: reshape a (C,) weight to "
             "(1, C, 1, ..., 1) (NumPy would line it up with the last axis) and use a 1-entry weight as a "
             "scalar; not np.maximum(z, weight * z), which is wrong once a slope is negative or above 1.",
    "prelu_backward": "grad_z = grad_output where z > 0, weight[c] * grad_output elsewhere (z == 0 included, "
                      "as torch); grad_weight[c] = the sum of grad_output * z over the entries of channel c "
                      "with z <= 0, over every axis but 1 (every entry for a 1-entry weight), shaped like weight.",
    "rrelu": "Evaluation: z where z >= 0, else z * (lower + upper) / 2. Training: slopes = rng.uniform(lower, "
             "upper, size=z.shape), one per entry, and z * slopes where z < 0 (z unchanged elsewhere); make "
             "np.random.default_rng() only when rng is None.",
}

RNG_HINT = (" Draw every slope from the rng argument (rng.uniform), never from np.random.* or a generator of "
            "your own.")


def _float_dtype(x) -> np.dtype:
    return np.dtype(np.float32) if np.asarray(x).dtype == np.float32 else np.dtype(np.float64)


def torch_elementwise(function: str, z, **kwargs) -> np.ndarray:
    """torch's value (or autograd derivative) of ``function`` at z, in z's float dtype."""
    fn, derivative = TORCH[function]
    t = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=derivative)
    out = fn(t, **kwargs)
    if derivative:
        out.backward(torch.ones_like(out))
        out = t.grad
    return out.detach().numpy().astype(_float_dtype(z))


def _reference(case: Case):
    return torch_elementwise(case.data["function"], case.args[0], **case.kwargs)


def random_z(seed: int, shape, scale: float = 3.0, dtype=np.float64) -> np.ndarray:
    """Normal(0, scale^2) entries with an exact 0 first and none closer to 0 than 1e-3."""
    z = np.random.default_rng(seed).normal(0.0, scale, size=shape)
    z = np.where(np.abs(z) < 1e-3, 1e-3, z)
    z.flat[0] = 0.0
    return z.astype(dtype)


ELEMENTWISE_NOT = ("softmax", "log_softmax")  # TORCH functions whose entries depend on the others


def elementwise_picture(function: str):
    """The picture of a failing elementwise check: the student's f(z) against torch's, over z (the
    kink at 0 as categorical ticks, large |z| on a symlog axis; non-finite values marked); for
    softmax and log_softmax, against the entries' positions."""
    by_z = function not in ELEMENTWISE_NOT

    def picture(got, expected, case):
        return versus(got.value, expected, case.args[0] if by_z else None, xlabel="z" if by_z else "entry (flattened)",
                      ylabel=f"{function}(z)", title=f"{function}: yours and torch's")

    return picture


LARGE = np.array([-1000.0, -710.0, -100.0, -30.0, -5.0, 0.0, 5.0, 30.0, 100.0, 710.0, 1000.0])


def values_check(name: str, *, points: float, z, hidden: bool = False, kwargs=None,
                 what: str = "random input", tol=None) -> Check:
    """f(z) against torch on one input (float64 unless z is float32); inputs must stay unmodified."""
    function = function_of(name)
    kwargs = dict(kwargs or {})
    tol = tol or {}
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} matches torch on {what}" + (f" ({kwargs})" if kwargs else ""),
        hint=HINTS[function],
        make_case=lambda: Case((np.array(z, copy=True),), kwargs, ("z",), {"function": function}),
        reference=_reference, compare=close(**tol, unmodified=True), picture=elementwise_picture(function),
    )


def large_check(name: str, *, points: float, hidden: bool = False, kwargs=None, z=LARGE) -> Check:
    """No NaN, no overflow warning, torch's values for |z| up to 1e3."""
    function = function_of(name)
    kwargs = dict(kwargs or {})
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} is finite, warning-free and matches torch for |z| up to 1e3",
        hint=HINTS[function],
        make_case=lambda: Case((np.array(z, dtype=np.float64),), kwargs, ("z",), {"function": function}),
        reference=_reference, compare=close(no_warnings=True, unmodified=True), picture=elementwise_picture(function),
    )


def kink_check(name: str, *, points: float, hidden: bool = False, kwargs=None) -> Check:
    """Exact values around the non-differentiable point, torch's convention at 0."""
    function = function_of(name)
    kwargs = dict(kwargs or {})
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} follows torch's convention at z = 0" + (f" ({kwargs})" if kwargs else ""),
        hint=HINTS[function],
        make_case=lambda: Case((np.array([-2.0, -1e-12, 0.0, 1e-12, 2.0]),), kwargs, ("z",),
                               {"function": function}),
        reference=_reference, compare=close(rtol=1e-12, atol=0.0), picture=elementwise_picture(function),
    )


def dtype_shapes_check(name: str, *, points: float, seed: int, hidden: bool = False, kwargs=None,
                       empty_shape=(0,), zero_d: bool = True) -> Check:
    """float32 in -> float32 out (F32 tolerance), a 0-d array, and an empty array."""
    function = function_of(name)
    kwargs = dict(kwargs or {})

    def make_case():
        calls = [Case((random_z(seed, (3, 4), dtype=np.float32),), kwargs, ("z",),
                      {"label": "a float32 input", "function": function})]
        if zero_d:
            calls.append(Case((np.array(-1.5),), kwargs, ("z",), {"label": "a 0-d input", "function": function}))
        calls.append(Case((np.zeros(empty_shape),), kwargs, ("z",), {"label": "an empty input", "function": function}))
        return Case(data={"calls": calls, "function": function})

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} keeps float32, and handles 0-d and empty arrays",
        hint=HINTS[function] + " Keep the input's float dtype (float32 stays float32) and its shape.",
        make_case=make_case, reference=lambda case: [_reference(c) for c in case.data["calls"]],
        run=run_each, compare=compare_each(close(unmodified=True)),
        picture=picture_each(close(unmodified=True), elementwise_picture(function)),
    )


def worked_example_check(name: str, *, points: float, hidden: bool = False) -> Check:
    """The notes' example: σ'(5) ≈ 0.0066, and σ'(0) = 1/4."""
    function = function_of(name)
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title="σ'(0) = 0.25 and σ'(5) ≈ 0.0066, as torch.autograd gives",
        hint=HINTS[function],
        make_case=lambda: Case((np.array([0.0, 5.0, -5.0]),), {}, ("z",), {"function": function}),
        reference=_reference, compare=close(), picture=elementwise_picture(function),
    )


# --- cross-entropy ---------------------------------------------------------------------------

def torch_cross_entropy(logits, labels, grad: bool):
    t = torch.tensor(np.asarray(logits, dtype=np.float64), requires_grad=grad)
    loss = F.cross_entropy(t, torch.tensor(np.asarray(labels), dtype=torch.long))
    if grad:
        loss.backward()
        return t.grad.numpy().astype(_float_dtype(logits))
    return loss.detach().numpy().astype(_float_dtype(logits))


def cross_entropy_check(name: str, *, points: float, inputs, hidden: bool = False, what: str = "",
                        no_warnings: bool = False) -> Check:
    """``inputs = (logits, labels)``; the loss or its gradient against F.cross_entropy and autograd."""
    function = function_of(name)
    grad = function == "cross_entropy_grad"
    logits, labels = inputs
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} matches {'autograd of ' if grad else ''}F.cross_entropy on {what}",
        hint=HINTS[function],
        make_case=lambda: Case((np.array(logits, copy=True), np.array(labels, copy=True)), {},
                               ("logits", "labels"), {"function": function}),
        reference=lambda case: torch_cross_entropy(*case.args, grad=grad),
        compare=close(unmodified=True, no_warnings=no_warnings, input_arg=None),
        picture=(lambda got, expected, case: versus(got.value, expected, xlabel="entry of logits (flattened)",
                                                   ylabel="dL/dlogits", title=f"{function}: yours and torch's"))
        if grad else None,
    )


def random_logits(seed: int, n: int, c: int, scale: float = 2.0, dtype=np.float64, label_dtype=np.int64):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, scale, (n, c)).astype(dtype), rng.integers(0, c, n).astype(label_dtype))


def large_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 999.0, 1000.0], [5.0, 3.0, -2.0], [-800.0, -800.0, -800.0]])
    return logits, np.array([1, 0, 2, 1])


# --- PReLU ---------------------------------------------------------------------------------------

def torch_prelu(z, weight, grad_output=None):
    """F.prelu(z, weight), or with grad_output its autograd gradients (dL/dz, dL/dweight), in z's dtype."""
    dtype, grad = _float_dtype(z), grad_output is not None
    t = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=grad)
    w = torch.tensor(np.asarray(weight, dtype=np.float64), requires_grad=grad)
    out = F.prelu(t, w)
    if not grad:
        return out.detach().numpy().astype(dtype)
    out.backward(torch.tensor(np.asarray(grad_output, dtype=np.float64)))
    return t.grad.numpy().astype(dtype), w.grad.numpy().astype(dtype)


def channel_z(seed: int, shape, dtype=np.float64) -> np.ndarray:
    """``random_z`` with an exact 0 as the first entry of every channel (axis 1), where torch's
    convention for d/dz (the channel's weight) shows."""
    z = random_z(seed, shape).astype(dtype)
    z[(0, slice(None)) + (0,) * (len(shape) - 2)] = 0.0
    return z


def upstream(seed: int, shape, dtype=np.float64) -> np.ndarray:
    """A grad_output: Normal(0, 1) entries."""
    return np.random.default_rng(seed).normal(0.0, 1.0, size=shape).astype(dtype)


def _describe(inputs: tuple) -> str:
    z, w = np.asarray(inputs[0]), np.asarray(inputs[1])
    kind = "a float32 z" if z.dtype == np.float32 else ("a 0-d z" if z.ndim == 0 else
                                                         ("an empty z" if z.size == 0 else "z"))
    return f"{kind} of shape {z.shape}, weight of shape {w.shape}"


def _compare_gradients(got, expected, case) -> None:
    """(grad_z, grad_weight) against autograd: shapes, dtypes and values (F64/F32 by dtype)."""
    if got.mutated:
        raise modified_in_place(got.mutated, "its inputs")
    value = got.value
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise Mismatch(f"the result is not a pair (grad_z, grad_weight)\n  yours: {show_value(value)}")
    tol = tolerance_for(np.asarray(expected[0]).dtype)
    compare_array(value[0], expected[0], tol["rtol"], tol["atol"], label="grad_z", input_at=case.args[0])
    compare_array(value[1], expected[1], tol["rtol"], tol["atol"], label="grad_weight (one entry per weight)")


def prelu_check(name: str, *, points: float, inputs, hidden: bool = False, what: str = "") -> Check:
    """``prelu`` (inputs: (z, weight) pairs) against F.prelu, or ``prelu_backward`` (inputs:
    (z, weight, grad_output)) against autograd of F.prelu, one call per input; F64/F32 tolerances
    (grad_weight is a sum: see the module docstring for why they hold)."""
    function = function_of(name)
    backward = function == "prelu_backward"
    names = ("z", "weight", "grad_output") if backward else ("z", "weight")

    def make_case():
        calls = [Case(tuple(np.array(x, copy=True) for x in args), {}, names,
                      {"label": _describe(args), "function": function}) for args in inputs]
        return Case(data={"calls": calls, "function": function})

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} matches {'autograd of ' if backward else ''}F.prelu on {what}",
        hint=HINTS[function], make_case=make_case,
        reference=lambda case: [torch_prelu(*c.args) for c in case.data["calls"]],
        run=run_each, compare=compare_each(_compare_gradients if backward else close(unmodified=True)),
    )


# --- RReLU ---------------------------------------------------------------------------------------

N_NEGATIVE = 40_000  # negative entries of a statistical check's input (see the module docstring)
RANGE_SLACK = 1e-12  # slopes y/z may leave [lower, upper] by rounding only
SAME_SLOPE = 1e-9  # slopes within 1e-9·(upper − lower) of each other are one slope, rounded differently
MIN_DISTINCT = N_NEGATIVE // 10
COVERAGE = 1e-3  # the smallest and largest u = (slope − lower)/(upper − lower) are within 1e-3 of 0 and 1
MEAN_TOL = 0.02  # |mean(u) − 1/2|
SPREAD_TOL = 0.01  # |mean((u − 1/2)²) − 1/12|


def training_z(seed: int, shape) -> np.ndarray:
    """N_NEGATIVE entries −U(0.5, 4), ten exact zeros, the rest U(0.5, 4), shuffled."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    z = rng.uniform(0.5, 4.0, size=n)
    z[:N_NEGATIVE] *= -1.0
    z[N_NEGATIVE:N_NEGATIVE + 10] = 0.0
    return rng.permutation(z).reshape(shape)


def _slope_stats(y: np.ndarray, z: np.ndarray, lower: float, upper: float) -> dict:
    neg = z < 0
    s = y[neg].astype(np.float64) / z[neg].astype(np.float64)
    u = (s - lower) / (upper - lower)
    return {"n": int(s.size), "min": float(s.min()), "max": float(s.max()), "mean": float(s.mean()),
            "std": float(s.std()), "distinct": int(np.unique(s).size), "u_min": float(u.min()),
            "u_max": float(u.max()), "u_mean": float(u.mean()), "u_spread": float(np.mean((u - 0.5) ** 2))}


def _show_slopes(st: dict) -> str:
    return (f"{st['n']} negative entries, slopes y/z from {st['min']:.6g} to {st['max']:.6g}, mean "
            f"{st['mean']:.5g}, std {st['std']:.4g}, {st['distinct']} distinct")


def _assess_rrelu(y: np.ndarray, z: np.ndarray, lower: float, upper: float) -> str | None:
    """The first failed property of one training-mode output (see the module docstring), or None."""
    kept = z >= 0
    changed = int(np.sum(y[kept] != z[kept]))
    if changed:
        return f"{changed} of the {int(kept.sum())} entries with z >= 0 changed; rrelu leaves them as they are"
    st = _slope_stats(y, z, lower, upper)
    mid, width = (lower + upper) / 2, upper - lower
    if st["max"] - st["min"] <= SAME_SLOPE * width:
        return (f"every negative entry got the same slope {st['min']:.6g}: training draws one slope per "
                f"entry from U({lower:g}, {upper:g}), a new one at every call")
    if st["min"] < lower - RANGE_SLACK or st["max"] > upper + RANGE_SLACK:
        return f"slopes from {st['min']:.6g} to {st['max']:.6g} leave [lower, upper] = [{lower:g}, {upper:g}]"
    if st["distinct"] < MIN_DISTINCT:
        return (f"only {st['distinct']} different slopes for {st['n']} negative entries: draw one slope per "
                f"entry (size=z.shape), not one per row or per channel")
    if st["u_min"] > COVERAGE or st["u_max"] < 1 - COVERAGE:
        return (f"your slopes stay within [{st['min']:.6g}, {st['max']:.6g}]; {st['n']} draws of U({lower:g}, "
                f"{upper:g}) come within {COVERAGE:g}·(upper − lower) of both ends")
    if abs(st["u_mean"] - 0.5) > MEAN_TOL:
        return (f"the mean slope is {st['mean']:.5g}; U(lower, upper)'s is (lower + upper)/2 = {mid:.5g} "
                f"(allowed: within {MEAN_TOL:g}·(upper − lower))")
    if abs(st["u_spread"] - 1 / 12) > SPREAD_TOL:
        return (f"the slopes' standard deviation is {st['std']:.4g}; U(lower, upper)'s is (upper − lower)/√12 "
                f"= {width / np.sqrt(12):.4g}: draw uniformly")
    return None


def torch_rrelu_sample(z: np.ndarray, lower: float, upper: float, seed: int) -> np.ndarray:
    """torch's own F.rrelu(training=True) on z, with torch's generator seeded (restored afterwards)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return F.rrelu(torch.tensor(np.asarray(z, dtype=np.float64)), lower, upper, training=True).numpy()


def _rrelu_reference(case: Case) -> dict:
    z, lower, upper, seed = case.args[0], case.kwargs["lower"], case.kwargs["upper"], case.data["seed"]
    sample = torch_rrelu_sample(z, lower, upper, seed)
    problem = _assess_rrelu(sample, z, lower, upper)
    if problem:  # torch's own sample must pass the test the students get
        raise RuntimeError(f"kit bug: torch's F.rrelu sample fails the check (seed {seed}): {problem}")
    return {"shape": z.shape, "lower": lower, "upper": upper, "seed": seed,
            "torch": _slope_stats(sample, z, lower, upper)}


def _compare_training(got, ref: dict, case) -> None:
    if got.mutated:
        raise modified_in_place(got.mutated)
    z = case.args[0]
    y = as_array(got.value, z, "the result")
    if y.shape != z.shape or y.dtype != np.float64:
        raise Mismatch(f"the result has shape {y.shape} and dtype {y.dtype}; expected z's, {z.shape} and "
                       f"float64\n  yours: {show_value(y)}")
    problem = _assess_rrelu(y, z, ref["lower"], ref["upper"])
    if problem:
        raise Mismatch(f"{problem}\n  yours: {_show_slopes(_slope_stats(y, z, ref['lower'], ref['upper']))}"
                       f"\n  torch: F.rrelu(training=True) after torch.manual_seed({ref['seed']}): "
                       f"{_show_slopes(ref['torch'])}")


def rrelu_training_check(name: str, *, points: float, seed: int, shape=(200, 250), lower: float = 1 / 8,
                         upper: float = 1 / 3, hidden: bool = False) -> Check:
    """One training-mode call on ``training_z(seed, shape)``: the slopes y/z of its N_NEGATIVE
    negative entries against U(lower, upper) and torch's own sample (module docstring)."""
    function = function_of(name)
    kwargs = {"lower": lower, "upper": upper, "training": True}
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=(f"{function}(training=True) draws one slope per negative entry from U({lower:g}, {upper:g}), "
               f"as F.rrelu(training=True)"),
        hint=HINTS[function] + RNG_HINT,
        make_case=lambda: Case((training_z(seed, shape),), {**kwargs, "rng": Recipe("rng", seed=seed)}, ("z",),
                               {"function": function, "seed": seed}),
        reference=_rrelu_reference, compare=_compare_training,
    )


def rrelu_seed_check(name: str, *, points: float, seed: int, hidden: bool = False) -> Check:
    """training=True: the same seed twice gives the same output, another seed another one."""
    function = function_of(name)
    seeds = (seed, seed, seed + 1)
    z = random_z(seed, (30, 20))

    def make_case():
        calls = [Case((z.copy(),), {"training": True, "rng": Recipe("rng", seed=s)}, ("z",), {"label": f"seed {s}"})
                 for s in seeds]
        return Case(data={"calls": calls, "function": function, "seeds": seeds})

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=(f"{function}(training=True) draws only from rng: the same seed gives the same output, "
               f"another seed another"),
        hint=HINTS[function] + RNG_HINT, make_case=make_case,
        reference=lambda case: np.zeros(z.shape), run=run_each, compare=seeded(what="outputs"),
    )


def _compare_training_bounds(got, expected, case) -> None:
    """A training-mode call on a small input: z's dtype and shape, z >= 0 unchanged, slopes in
    [lower, upper] (1e-6 relative slack: a float32 product and quotient round twice)."""
    if got.mutated:
        raise modified_in_place(got.mutated)
    z = case.args[0]
    y = as_array(got.value, expected, "the result")
    if y.shape != z.shape or y.dtype != expected.dtype:
        raise Mismatch(f"the result has shape {y.shape} and dtype {y.dtype}; expected {z.shape} and "
                       f"{expected.dtype} (float32 in must give float32 out)\n  yours: {show_value(y)}")
    lower, upper = 1 / 8, 1 / 3
    neg = z < 0
    s = y[neg].astype(np.float64) / z[neg].astype(np.float64)
    if np.any(y[~neg] != z[~neg]) or np.any(s < lower * (1 - 1e-6)) or np.any(s > upper * (1 + 1e-6)):
        raise Mismatch(f"entries with z >= 0 must stay as they are, negative ones get slopes in [1/8, 1/3]"
                       f"\n  yours: {show_value(y)}\n  z:     {show_value(z)}")


def _rules_compare(got, expected, case) -> None:
    if case.kwargs.get("training"):
        _compare_training_bounds(got, expected, case)
    else:
        close(unmodified=True)(got, expected, case)


def rrelu_dtype_shapes_check(name: str, *, points: float, seed: int, hidden: bool = False) -> Check:
    """Evaluation (against F.rrelu, F32 tolerance) and training (bounds) on a float32, a 0-d and an
    empty input; one training call leaves rng out (None: a fresh generator)."""
    function = function_of(name)

    def make_case():
        f32 = random_z(seed, (3, 4), dtype=np.float32)
        train = {"training": True, "rng": Recipe("rng", seed=seed)}
        calls = [Case((f32,), {}, ("z",), {"label": "a float32 input"}),
                 Case((np.array(-1.5),), {}, ("z",), {"label": "a 0-d input"}),
                 Case((np.zeros((2, 0, 3)),), {}, ("z",), {"label": "an empty input"}),
                 Case((f32.copy(),), train, ("z",), {"label": "a float32 input, training=True"}),
                 Case((np.array(-1.5),), {"training": True}, ("z",),
                      {"label": "a 0-d input, training=True, rng omitted"}),
                 Case((np.zeros((2, 0, 3)),), train, ("z",), {"label": "an empty input, training=True"})]
        return Case(data={"calls": calls, "function": function})

    def reference(case):
        return [torch_elementwise(function, c.args[0]) if not c.kwargs.get("training")
                else np.zeros(np.shape(c.args[0]), dtype=_float_dtype(c.args[0])) for c in case.data["calls"]]

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} keeps float32, and handles 0-d and empty arrays (evaluation and training)",
        hint=HINTS[function] + " Keep the input's float dtype (float32 stays float32) and its shape.",
        make_case=make_case, reference=reference, run=run_each, compare=compare_each(_rules_compare),
    )


# --- the public checks ----------------------------------------------------------------------

Z = random_z(1, (4, 5))  # the input of every elementwise "values" row
LARGE_LOGITS = [[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -999.5], [0.0, 1000.0, -1000.0]]
EMPTY = (2, 0, 3)  # the empty input of the elementwise "float32, 0-d, empty" rows
W1 = np.array([0.25])  # PReLU's one shared slope (torch's initial value)
W3 = np.array([0.25, -0.5, 1.5])  # one slope per channel; learned slopes may be negative or above 1
PRELU_2D, PRELU_3D = channel_z(42, (6, 3)), channel_z(43, (2, 3, 4))

CHECKS = [
    values_check("sigmoid: values", points=2, z=Z),
    large_check("sigmoid: large |z|", points=2),
    dtype_shapes_check("sigmoid: float32, 0-d, empty", points=1, seed=900, empty_shape=EMPTY),
    values_check("sigmoid_derivative: values", points=2, z=Z),
    worked_example_check("sigmoid_derivative: worked example", points=1),
    large_check("sigmoid_derivative: large |z|", points=1),
    dtype_shapes_check("sigmoid_derivative: float32, 0-d, empty", points=1, seed=901, empty_shape=EMPTY),
    values_check("tanh_derivative: values", points=2, z=Z),
    large_check("tanh_derivative: large |z|", points=1),
    dtype_shapes_check("tanh_derivative: float32, 0-d, empty", points=1, seed=902, empty_shape=EMPTY),
    values_check("relu: values", points=2, z=Z),
    dtype_shapes_check("relu: float32, 0-d, empty", points=1, seed=903, empty_shape=EMPTY),
    values_check("relu_derivative: values", points=2, z=Z),
    kink_check("relu_derivative: at z = 0", points=1),
    dtype_shapes_check("relu_derivative: float32, 0-d, empty", points=1, seed=904, empty_shape=EMPTY),
    values_check("leaky_relu: values", points=2, z=Z),
    dtype_shapes_check("leaky_relu: float32, 0-d, empty", points=1, seed=905, empty_shape=EMPTY),
    values_check("leaky_relu_derivative: values", points=1, z=Z),
    kink_check("leaky_relu_derivative: at z = 0", points=1),
    dtype_shapes_check("leaky_relu_derivative: float32, 0-d, empty", points=1, seed=906, empty_shape=EMPTY),
    values_check("elu: values", points=2, z=Z),
    large_check("elu: large |z|", points=1),
    dtype_shapes_check("elu: float32, 0-d, empty", points=1, seed=907, empty_shape=EMPTY),
    values_check("elu_derivative: values", points=2, z=Z),
    large_check("elu_derivative: large |z|", points=1),
    kink_check("elu_derivative: at z = 0", points=1, kwargs={"alpha": 0.5}),
    dtype_shapes_check("elu_derivative: float32, 0-d, empty", points=1, seed=908, empty_shape=EMPTY),
    values_check("selu: values", points=2, z=Z),
    large_check("selu: large |z|", points=1),
    dtype_shapes_check("selu: float32, 0-d, empty", points=1, seed=909, empty_shape=EMPTY),
    values_check("selu_derivative: values", points=2, z=Z),
    large_check("selu_derivative: large |z|", points=1),
    kink_check("selu_derivative: at z = 0", points=1),
    dtype_shapes_check("selu_derivative: float32, 0-d, empty", points=1, seed=910, empty_shape=EMPTY),
    values_check("softmax: values", points=2, z=random_z(2, (4, 6)), what="random logits, axis=-1"),
    values_check("softmax: axis=0", points=1, z=random_z(3, (5, 3)), kwargs={"axis": 0}, what="random logits"),
    large_check("softmax: large |z|", points=1, z=LARGE_LOGITS),
    dtype_shapes_check("softmax: float32, 0-d, empty", points=1, seed=811, zero_d=False, empty_shape=(0, 5)),
    values_check("log_softmax: values", points=2, z=random_z(2, (4, 6)), what="random logits, axis=-1"),
    values_check("log_softmax: axis=0", points=1, z=random_z(3, (5, 3)), kwargs={"axis": 0}, what="random logits"),
    large_check("log_softmax: large |z|", points=1, z=LARGE_LOGITS),
    dtype_shapes_check("log_softmax: float32, 0-d, empty", points=1, seed=811, zero_d=False, empty_shape=(0, 5)),
    cross_entropy_check("cross_entropy: values", points=2, inputs=random_logits(4, 8, 5),
                        what="8 random samples, 5 classes"),
    cross_entropy_check("cross_entropy: large logits", points=1, inputs=large_logits(), no_warnings=True,
                        what="logits up to ±1e3 (finite, no warning)"),
    cross_entropy_check("cross_entropy: N=1", points=1, inputs=random_logits(5, 1, 4), what="a batch of one sample"),
    cross_entropy_check("cross_entropy: float32", points=1, inputs=random_logits(821, 6, 4, dtype=np.float32),
                        what="float32 logits (result stays float32)"),
    cross_entropy_check("cross_entropy_grad: values", points=2, inputs=random_logits(4, 8, 5),
                        what="8 random samples, 5 classes"),
    cross_entropy_check("cross_entropy_grad: large logits", points=1, inputs=large_logits(), no_warnings=True,
                        what="logits up to ±1e3 (finite, no warning)"),
    cross_entropy_check("cross_entropy_grad: N=1", points=1, inputs=random_logits(5, 1, 4),
                        what="a batch of one sample"),
    cross_entropy_check("cross_entropy_grad: float32", points=1, inputs=random_logits(821, 6, 4, dtype=np.float32),
                        what="float32 logits (result stays float32)"),
    prelu_check("prelu: one weight", points=1, inputs=[(Z, W1), (random_z(41, (7,)), W1)],
                what="one weight shared by every entry (2-d and 1-d z)"),
    prelu_check("prelu: per channel", points=2, inputs=[(PRELU_2D, W3), (PRELU_3D, W3)],
                what="one weight per channel (axis 1) of a 2-d and a 3-d z"),
    prelu_check("prelu: float32, 0-d, empty", points=1,
                inputs=[(channel_z(44, (4, 3), np.float32), W3.astype(np.float32)), (np.array(-1.5), W1),
                        (np.zeros((0, 3)), W3), (np.zeros((2, 3, 0)), W3)],
                what="float32 (result stays float32), a 0-d and empty z"),
    prelu_check("prelu_backward: one weight", points=1,
                inputs=[(Z, W1, upstream(50, (4, 5))), (random_z(41, (7,)), W1, upstream(51, (7,)))],
                what="one weight: grad_weight sums every entry, shape (1,)"),
    prelu_check("prelu_backward: per channel", points=2,
                inputs=[(PRELU_2D, W3, upstream(52, (6, 3))), (PRELU_3D, W3, upstream(53, (2, 3, 4)))],
                what="one weight per channel, z = 0 in every channel"),
    prelu_check("prelu_backward: float32, 0-d, empty", points=1,
                inputs=[(channel_z(44, (4, 3), np.float32), W3.astype(np.float32), upstream(54, (4, 3), np.float32)),
                        (np.array(-1.5), W1, np.array(0.7)), (np.array(0.0), W1, np.array(2.0)),
                        (np.zeros((0, 3)), W3, np.zeros((0, 3)))],
                what="float32 (results stay float32), 0-d and empty z"),
    values_check("rrelu: evaluation", points=1, z=Z, kwargs={"lower": 0.1, "upper": 0.3},
                 tol={"rtol": 0.0, "atol": 0.0}, what="random input in evaluation mode, to the bit"),
    rrelu_training_check("rrelu: training", points=2, seed=61),
    rrelu_seed_check("rrelu: rng reproducible", points=1, seed=62),
    rrelu_dtype_shapes_check("rrelu: float32, 0-d, empty", points=1, seed=63),
]

__all__ = ["CHECKS", "F32"]
