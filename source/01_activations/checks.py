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
from gradkit.core import Case, Check, function_of

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
        reference=_reference, compare=close(**tol, unmodified=True),
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
        reference=_reference, compare=close(no_warnings=True, unmodified=True),
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
        reference=_reference, compare=close(rtol=1e-12, atol=0.0),
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
    )


def worked_example_check(name: str, *, points: float, hidden: bool = False) -> Check:
    """The notes' example: σ'(5) ≈ 0.0066, and σ'(0) = 1/4."""
    function = function_of(name)
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title="σ'(0) = 0.25 and σ'(5) ≈ 0.0066, as torch.autograd gives",
        hint=HINTS[function],
        make_case=lambda: Case((np.array([0.0, 5.0, -5.0]),), {}, ("z",), {"function": function}),
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
    )


def random_logits(seed: int, n: int, c: int, scale: float = 2.0, dtype=np.float64, label_dtype=np.int64):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, scale, (n, c)).astype(dtype), rng.integers(0, c, n).astype(label_dtype))


def large_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 999.0, 1000.0], [5.0, 3.0, -2.0], [-800.0, -800.0, -800.0]])
    return logits, np.array([1, 0, 2, 1])


# --- the public checks ----------------------------------------------------------------------

Z = random_z(1, (4, 5))  # the input of every elementwise "values" row
LARGE_LOGITS = [[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -999.5], [0.0, 1000.0, -1000.0]]
EMPTY = (2, 0, 3)  # the empty input of the elementwise "float32, 0-d, empty" rows

CHECKS = [
    values_check("sigmoid: values", points=3, z=Z),
    large_check("sigmoid: large |z|", points=2),
    dtype_shapes_check("sigmoid: float32, 0-d, empty", points=2, seed=900, empty_shape=EMPTY),
    values_check("sigmoid_derivative: values", points=2, z=Z),
    worked_example_check("sigmoid_derivative: worked example", points=2),
    large_check("sigmoid_derivative: large |z|", points=2),
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
    values_check("softmax: axis=0", points=2, z=random_z(3, (5, 3)), kwargs={"axis": 0}, what="random logits"),
    large_check("softmax: large |z|", points=2, z=LARGE_LOGITS),
    dtype_shapes_check("softmax: float32, 0-d, empty", points=1, seed=811, zero_d=False, empty_shape=(0, 5)),
    values_check("log_softmax: values", points=2, z=random_z(2, (4, 6)), what="random logits, axis=-1"),
    values_check("log_softmax: axis=0", points=2, z=random_z(3, (5, 3)), kwargs={"axis": 0}, what="random logits"),
    large_check("log_softmax: large |z|", points=2, z=LARGE_LOGITS),
    dtype_shapes_check("log_softmax: float32, 0-d, empty", points=1, seed=811, zero_d=False, empty_shape=(0, 5)),
    cross_entropy_check("cross_entropy: values", points=3, inputs=random_logits(4, 8, 5),
                        what="8 random samples, 5 classes"),
    cross_entropy_check("cross_entropy: large logits", points=2, inputs=large_logits(), no_warnings=True,
                        what="logits up to ±1e3 (finite, no warning)"),
    cross_entropy_check("cross_entropy: N=1", points=1, inputs=random_logits(5, 1, 4), what="a batch of one sample"),
    cross_entropy_check("cross_entropy: float32", points=2, inputs=random_logits(821, 6, 4, dtype=np.float32),
                        what="float32 logits (result stays float32)"),
    cross_entropy_check("cross_entropy_grad: values", points=3, inputs=random_logits(4, 8, 5),
                        what="8 random samples, 5 classes"),
    cross_entropy_check("cross_entropy_grad: large logits", points=2, inputs=large_logits(), no_warnings=True,
                        what="logits up to ±1e3 (finite, no warning)"),
    cross_entropy_check("cross_entropy_grad: N=1", points=1, inputs=random_logits(5, 1, 4),
                        what="a batch of one sample"),
    cross_entropy_check("cross_entropy_grad: float32", points=2, inputs=random_logits(821, 6, 4, dtype=np.float32),
                        what="float32 logits (result stays float32)"),
]

__all__ = ["CHECKS", "F32"]
