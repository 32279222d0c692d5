"""Checks for 01_activations, against torch's functions and torch.autograd.

Values come from ``torch.sigmoid``, ``F.leaky_relu``, ``F.elu``, ``F.selu``, ``torch.softmax``,
``F.cross_entropy``...; derivatives from ``torch.autograd`` on the same functions, so torch's
convention at a kink (relu'(0) = 0, leaky_relu'(0) = negative_slope, elu'(0) = alpha) is the
expected one. References are computed in float64 and cast to the input's dtype.

The check factories here are shared with the hidden checks (``hidden.py`` beside this file), which call
them with other inputs. Tolerances: ``compare.F64`` / ``compare.F32`` (see compare.py).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from gradkit.compare import F32, close, compare_each, run_each
from gradkit.core import Case, Check

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
}


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


LARGE = np.array([-1000.0, -710.0, -100.0, -30.0, -5.0, 0.0, 5.0, 30.0, 100.0, 710.0, 1000.0])


def values_check(function: str, points: float, z_fn, *, name: str = "values", hidden: bool = False,
                 kwargs=None, what: str = "random input", tol=None) -> Check:
    """f(z) against torch on one input (float64 unless z_fn makes float32); inputs must stay unmodified."""
    kwargs = dict(kwargs or {})
    tol = tol or {}

    def make_case():
        return Case((z_fn(),), kwargs, ("z",), {"function": function})

    return Check(
        name=f"{function}: {name}", function=function, points=points, hidden=hidden,
        title=f"{function} matches torch on {what}" + (f" ({kwargs})" if kwargs else ""),
        hint=HINTS[function], make_case=make_case, reference=_reference,
        compare=close(**tol, unmodified=True),
    )


def large_check(function: str, points: float, *, hidden: bool = False, kwargs=None, z=None) -> Check:
    """No NaN, no overflow warning, torch's values for |z| up to 1e3."""
    z = LARGE if z is None else np.asarray(z)
    kwargs = dict(kwargs or {})
    return Check(
        name=f"{function}: large |z|", function=function, points=points, hidden=hidden,
        title=f"{function} is finite, warning-free and matches torch for |z| up to 1e3",
        hint=HINTS[function],
        make_case=lambda: Case((z.copy(),), kwargs, ("z",), {"function": function}),
        reference=_reference, compare=close(no_warnings=True, unmodified=True),
    )


def kink_check(function: str, points: float, kwargs=None, *, hidden: bool = False) -> Check:
    """Exact values around the non-differentiable point, torch's convention at 0."""
    kwargs = dict(kwargs or {})
    return Check(
        name=f"{function}: at z = 0", function=function, points=points, hidden=hidden,
        title=f"{function} follows torch's convention at z = 0" + (f" ({kwargs})" if kwargs else ""),
        hint=HINTS[function],
        make_case=lambda: Case((np.array([-2.0, -1e-12, 0.0, 1e-12, 2.0]),), kwargs, ("z",),
                               {"function": function}),
        reference=_reference, compare=close(rtol=1e-12, atol=0.0),
    )


def dtype_shapes_check(function: str, points: float, *, seed: int, hidden: bool = False,
                       kwargs=None, empty_shape=(0,), zero_d: bool = True) -> Check:
    """float32 in -> float32 out (F32 tolerance), a 0-d array, and an empty array."""
    kwargs = dict(kwargs or {})

    def make_case():
        calls = [Case((random_z(seed, (3, 4), dtype=np.float32),), kwargs, ("z",),
                      {"label": "a float32 input", "function": function})]
        if zero_d:
            calls.append(Case((np.array(-1.5),), kwargs, ("z",), {"label": "a 0-d input", "function": function}))
        calls.append(Case((np.zeros(empty_shape),), kwargs, ("z",), {"label": "an empty input", "function": function}))
        return Case(data={"calls": calls, "function": function})

    return Check(
        name=f"{function}: float32, 0-d, empty", function=function, points=points, hidden=hidden,
        title=f"{function} keeps float32, and handles 0-d and empty arrays",
        hint=HINTS[function] + " Keep the input's float dtype (float32 stays float32) and its shape.",
        make_case=make_case, reference=lambda case: [_reference(c) for c in case.data["calls"]],
        run=run_each, compare=compare_each(close(unmodified=True)),
    )


def worked_example_check(points: float) -> Check:
    """The notes' example: σ'(5) ≈ 0.0066, and σ'(0) = 1/4."""
    return Check(
        name="sigmoid_derivative: worked example", function="sigmoid_derivative", points=points,
        title="σ'(0) = 0.25 and σ'(5) ≈ 0.0066, as torch.autograd gives",
        hint=HINTS["sigmoid_derivative"],
        make_case=lambda: Case((np.array([0.0, 5.0, -5.0]),), {}, ("z",), {"function": "sigmoid_derivative"}),
        reference=_reference, compare=close(),
    )


# --- cross-entropy ---------------------------------------------------------------------------

def torch_cross_entropy(logits, labels, grad: bool):
    t = torch.tensor(np.asarray(logits, dtype=np.float64), requires_grad=grad)
    loss = F.cross_entropy(t, torch.tensor(np.asarray(labels), dtype=torch.long))
    if grad:
        loss.backward()
        return t.grad.numpy().astype(_float_dtype(logits))
    return loss.detach().numpy().astype(_float_dtype(logits))


def cross_entropy_check(function: str, points: float, name: str, make, *, hidden: bool = False,
                        what: str = "", no_warnings: bool = False) -> Check:
    """``make() -> (logits, labels)``; loss or its gradient against F.cross_entropy and autograd."""
    grad = function == "cross_entropy_grad"
    return Check(
        name=f"{function}: {name}", function=function, points=points, hidden=hidden,
        title=f"{function} matches {'autograd of ' if grad else ''}F.cross_entropy on {what}",
        hint=HINTS[function],
        make_case=lambda: Case(make(), {}, ("logits", "labels"), {"function": function}),
        reference=lambda case: torch_cross_entropy(*case.args, grad=grad),
        compare=close(unmodified=True, no_warnings=no_warnings, input_arg=None),
    )


def random_logits(seed: int, n: int, c: int, scale: float = 2.0, dtype=np.float64, label_dtype=np.int64):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, scale, (n, c)).astype(dtype), rng.integers(0, c, n).astype(label_dtype))


def large_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 999.0, 1000.0], [5.0, 3.0, -2.0], [-800.0, -800.0, -800.0]])
    return logits, np.array([1, 0, 2, 1])


# --- the public checks -----------------------------------------------------------------------

ELEMENTWISE_POINTS = [("sigmoid", 3), ("sigmoid_derivative", 2), ("tanh_derivative", 2), ("relu", 2),
                      ("relu_derivative", 2), ("leaky_relu", 2), ("leaky_relu_derivative", 1), ("elu", 2),
                      ("elu_derivative", 2), ("selu", 2), ("selu_derivative", 2)]  # points of "values"


def _elementwise_public():
    checks = []
    for i, (function, points) in enumerate(ELEMENTWISE_POINTS):
        checks.append(values_check(function, points, lambda: random_z(1, (4, 5))))
        if function == "sigmoid_derivative":
            checks.append(worked_example_check(2))
        if function in ("sigmoid", "sigmoid_derivative"):
            checks.append(large_check(function, 2))
        elif function in ("tanh_derivative", "elu", "elu_derivative", "selu", "selu_derivative"):
            checks.append(large_check(function, 1))
        if function == "relu_derivative" or function == "leaky_relu_derivative" or function == "selu_derivative":
            checks.append(kink_check(function, 1))
        if function == "elu_derivative":
            checks.append(kink_check(function, 1, {"alpha": 0.5}))
        checks.append(dtype_shapes_check(function, 2 if function == "sigmoid" else 1, seed=900 + i,
                                         empty_shape=(2, 0, 3)))
    return checks


def _softmax_public():
    checks = []
    for function in ("softmax", "log_softmax"):
        checks.append(values_check(function, 2, lambda: random_z(2, (4, 6)), what="random logits, axis=-1"))
        checks.append(values_check(function, 2, lambda: random_z(3, (5, 3)), name="axis=0",
                                   kwargs={"axis": 0}, what="random logits"))
        checks.append(large_check(function, 2, z=[[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -999.5],
                                                   [0.0, 1000.0, -1000.0]]))
        checks.append(dtype_shapes_check(function, 1, seed=811, zero_d=False, empty_shape=(0, 5)))
    return checks


def _cross_entropy_public():
    checks = []
    for function in ("cross_entropy", "cross_entropy_grad"):
        checks.append(cross_entropy_check(function, 3, "values", lambda: random_logits(4, 8, 5),
                                          what="8 random samples, 5 classes"))
        checks.append(cross_entropy_check(function, 2, "large logits", large_logits, no_warnings=True,
                                          what="logits up to ±1e3 (finite, no warning)"))
        checks.append(cross_entropy_check(function, 1, "N=1", lambda: random_logits(5, 1, 4),
                                          what="a batch of one sample"))
        checks.append(cross_entropy_check(function, 2, "float32", lambda: random_logits(821, 6, 4, dtype=np.float32),
                                          what="float32 logits (result stays float32)"))
    return checks


CHECKS = _elementwise_public() + _softmax_public() + _cross_entropy_public()

__all__ = ["CHECKS", "F32"]
