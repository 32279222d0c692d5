"""Checks for 03_signal_propagation, against a torch stack of bias-free ``nn.Linear`` layers.

The reference for the forward and backward passes is a list of ``nn.Linear(d_in, d_out,
bias=False)`` layers (float64) whose ``.weight`` is set to the weights the check sends; torch
runs the forward pass and ``torch.autograd`` the backward pass (of sum(a_L * grad_output), whose
gradient with respect to a_L is grad_output, with ``retain_grad`` on every activation). Identity
weights come from ``nn.init.eye_``; norms from ``torch.linalg.norm``; the sigmoid chain from
autograd through a chain of ``torch.sigmoid``. The closed forms of the notes (a_L = s^L x,
dL/dx = s^L g, dL/dW_l = s^(L-1) g^T x, ‖a_l‖ = s^l sqrt(dim), σ'(5) ≈ 0.0066) are asserted
against torch's numbers when the reference is computed, so no check expects a value torch does
not give.

``collapse_linear``'s reference multiplies out torch's layers: W = torch.linalg.multi_dot of the
layers' ``.weight`` in reverse order (the one layer's weight for a one-layer list), asserted when
the reference is computed to give ``x @ W.T`` = the nn.Linear stack's output on a random x
(rtol 1e-10, atol 1e-12), so W is what the stack computes.

The checks send each function its inputs themselves (the backward pass gets torch's activations,
not the student's forward), so a wrong function loses only its own points — except
``plot_signal_propagation``, which is meant to call the student's other functions.

Tolerances (``|yours - torch| <= atol + rtol*|torch|``):
- random weights (and collapse_linear's W): ``F64`` (rtol 1e-7, atol 1e-12). Entries are O(1); numpy's and torch's BLAS
  sum in different orders, which moves a result by ~1e-15 absolute; atol 1e-12 absorbs that for
  entries that cancel to near 0. A transposed weight or a missing transpose is off by O(1), and so is a product in the wrong order
  (W_1 ... W_L) or with a layer left out. W = s^L·I for the stacks of s·I: a product of diagonal
  matrices, exact to L x 1.1e-16 relative, with exact zeros off the diagonal.
- forward passes through s·I, identity weights, norms (``EXACT``: rtol 1e-10, atol 0), sigmoid
  chains (``CHAIN``: rtol 1e-7, atol 0), plotted norms (rtol 1e-6, atol 0): relative only,
  because the values span 1e-234..1e9 and any absolute tolerance would accept 0 for the
  vanishing ones. None of them cancels: each is a product or a sum of squares, so float64 gets
  it to (number of operations) x 1.1e-16 relative, below 1e-13 here. Sigmoid chains get 1e-7
  because torch's autograd computes σ'(z) as (1 − σ(z))σ(z), which loses up to 1e-12 relative
  per factor at z ≈ 9 (the largest positive z used where the product is not 0), and a student's
  e^{-|z|}/(1 + e^{-|z|})^2 is exact. Plotted data gets 1e-6 because matplotlib keeps what it is
  given (float32 data would still pass). The smallest wrong answers (an off-by-one depth: a
  factor s; one entry instead of the norm: a factor sqrt(dim)) are >= 10% off.
- backward passes through s·I (``BACK_EXACT``: rtol 1e-10, atol 1e-12): dL/dW_l = g^T a_{l-1}
  sums over the batch and may cancel, so its rounding is relative to the terms (O(1) x s^(L-1)),
  not to the result; the smallest s^(L-1) used is 0.5^19 ≈ 2e-6, where atol 1e-12 is still a
  5e-7 relative tolerance, far below a factor 2 (averaging over a batch of 2) or s (off by one).
"""

from __future__ import annotations

import numpy as np

from gradkit.compare import F64, compare_array, compare_each, picture_each, run_each, show_value
from gradkit.core import Case, Check, Mismatch, StudentError, function_of
from gradkit.pictures import Picture, bars, curves, error_map, side_by_side
from gradkit.protocol import Opaque
from gradkit.references import lazy

torch = lazy("torch")  # imported when a reference is computed (a stored answer needs no torch)
nn = lazy("torch.nn")

MODULE = "signal_propagation"  # the student's file: signal_propagation.py

HINTS = {
    "scaled_identity_weights": "Return a Python list of n_layers separate arrays, each scale * np.eye(dim) "
                               "(float64, shape (dim, dim), float64 even for an int scale); n_layers == 0 gives [].",
    "linear_forward": "Start the list with a_0 = x, then append a_l = a_{l-1} @ W_l.T for each of the L weights "
                      "(W_l is (out, in), as nn.Linear stores it): L + 1 arrays in all, a Python list.",
    "linear_backward": "Go from the last layer down, starting at g = grad_output: dW_l = g.T @ a_{l-1} (W_l's "
                       "shape), then g = g @ W_l (no transpose on the way back). Return ([dW_1, ..., dW_L], "
                       "[g_0, ..., g_L]) in layer order, grad_activations[-1] = grad_output, no division by "
                       "the batch size.",
    "collapse_linear": "Start from W = W_1 (as float64, a copy) and multiply every later layer on the LEFT: "
                       "W = W_l @ W for l = 2..L, so W = W_L @ ... @ W_1 of shape (d_L, d_0). x @ W.T then "
                       "equals linear_forward(x, weights)[-1]. One layer gives W_1 itself (np.linalg.multi_dot "
                       "needs two arrays); never write into the weights.",
    "layer_norms": "One number per array: np.linalg.norm(a) with no ord and no axis (the 2-norm of all entries; "
                   "norm(a, 2) is a matrix's largest singular value, axis=-1 gives one norm per row). The arrays "
                   "may have different shapes. Return np.array([...], dtype=float64) of shape (len(arrays),).",
    "sigmoid_chain_gradient": "np.prod of σ'(z_i) over the chain, with σ'(z) = e^{-|z|} / (1 + e^{-|z|})^2 so "
                              "no exponent is positive. σ'(0) = 0.25, σ'(5) ≈ 0.0066, an empty chain gives 1.0.",
    "plot_signal_propagation": "One Axes (Figure().subplots() or plt.subplots()); for each s in scales "
                               "ax.plot(np.arange(n_layers + 1), layer_norms(linear_forward(np.ones((1, dim)), "
                               "scaled_identity_weights(n_layers, dim, s))), label=...); then ax.set_yscale('log'), "
                               "ax.set_xlabel, ax.set_ylabel, ax.legend(); return fig (not (fig, ax)).",
}

EXACT = dict(rtol=1e-10, atol=0.0)  # identity stacks (forward) and norms (see the module docstring)
BACK_EXACT = dict(rtol=1e-10, atol=1e-12)  # identity stacks (backward): g^T a_{l-1} may cancel (docstring)
CHAIN = dict(rtol=1e-7, atol=0.0)  # sigmoid chains
PLOT_RTOL = 1e-6  # plotted norms

FORWARD_COUNT = " (a_0 = x, a_1, ..., a_L: one more array than there are layers)"
WEIGHT_COUNT = " (one gradient per layer, W_1 first)"
ACT_COUNT = " (dL/da_0, ..., dL/da_L: one more than there are layers, grad_output last)"


# --- torch references ------------------------------------------------------------------------

def torch_layers(weights) -> list:
    """Bias-free float64 ``nn.Linear`` layers whose ``.weight`` is each of ``weights`` (out, in)."""
    layers = []
    for W in weights:
        W = torch.tensor(np.asarray(W, dtype=np.float64))
        layer = nn.Linear(W.shape[1], W.shape[0], bias=False, dtype=torch.float64)
        with torch.no_grad():
            layer.weight.copy_(W)
        layers.append(layer)
    return layers


def torch_identity_weights(n_layers: int, dim: int, scale) -> list[np.ndarray]:
    """``nn.init.eye_`` on each layer's weight, times ``scale``."""
    out = []
    for _ in range(n_layers):
        layer = nn.Linear(dim, dim, bias=False, dtype=torch.float64)
        with torch.no_grad():
            nn.init.eye_(layer.weight).mul_(scale)
        out.append(layer.weight.detach().numpy().copy())
    return out


def torch_pass(x, weights, grad_output=None) -> dict:
    """torch's activations [a_0..a_L] and, given dL/da_L, autograd's dL/dW_l and dL/da_l."""
    layers = torch_layers(weights)
    a = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    acts = [a]
    for layer in layers:
        h = layer(acts[-1])
        h.retain_grad()
        acts.append(h)
    out = {"activations": [t.detach().numpy().copy() for t in acts]}
    if grad_output is not None:
        # L = sum(a_L * g) has dL/da_L = g exactly. (a_L.backward(g) gives the same numbers, but
        # passing a gradient tensor makes torch import sympy: 2 s on the first call.)
        (acts[-1] * torch.tensor(np.asarray(grad_output, dtype=np.float64))).sum().backward()
        out["grad_weights"] = [layer.weight.grad.numpy().copy() for layer in layers]
        out["grad_activations"] = [t.grad.numpy().copy() for t in acts]
    return out


def torch_norms(arrays) -> np.ndarray:
    """``torch.linalg.norm`` of each array (no ord/dim: the 2-norm of all its entries)."""
    return np.array([torch.linalg.norm(torch.tensor(np.asarray(a, dtype=np.float64))).item() for a in arrays],
                    dtype=np.float64)


def torch_sigmoid_chain(z) -> np.ndarray:
    """d h_L / d h_0 through the chain h_i = σ(h_{i-1} + b_i), with b_i chosen so that layer i's
    pre-activation is exactly z_i (b_i = z_i − h_{i-1}, held constant): autograd multiplies
    σ'(z_1) ... σ'(z_L)."""
    h0 = torch.zeros((), dtype=torch.float64, requires_grad=True)
    h = h0
    for zi in np.asarray(z, dtype=np.float64):
        h = torch.sigmoid(float(zi) + (h - h.detach()))
    (grad,) = torch.autograd.grad(h, h0)  # an empty chain: h is h0 and the gradient is 1
    return grad.numpy().copy()


# --- comparing lists of arrays ---------------------------------------------------------------

def _shapes(value) -> str:
    if isinstance(value, (list, tuple)):
        items = [f"shape {tuple(v.shape)}" if isinstance(v, np.ndarray) else type(v).__name__ for v in value[:8]]
        more = f", ... ({len(value)} in all)" if len(value) > 8 else ""
        return f"a {type(value).__name__} of {len(value)}: [" + ", ".join(items) + more + "]"
    return show_value(value)


def compare_list(value, expected: list, label: str, rtol: float, atol: float, count: str = "",
                 item: str | None = None) -> None:
    """A list of arrays: a list (or tuple), of torch's length, each array within tolerance.
    ``label`` names the list in messages, ``item`` its elements (``item[i]``)."""
    item = item or label
    if isinstance(value, np.ndarray):
        raise Mismatch(f"{label} is one array of shape {value.shape}, not a list; return a Python list "
                       f"with one array per layer ({len(expected)} arrays here)")
    if isinstance(value, Opaque):
        raise Mismatch(f"{label} is a {value.type_name}, not a list of arrays: {value.text}")
    if not isinstance(value, (list, tuple)):
        raise Mismatch(f"{label} is a {type(value).__name__}, not a list of arrays\n  yours: {show_value(value)}")
    if len(value) != len(expected):
        raise Mismatch(f"{label} holds {len(value)} arrays; torch's holds {len(expected)}{count}\n"
                       f"  yours: {_shapes(value)}\n  torch: {_shapes(list(expected))}")
    for i, (g, e) in enumerate(zip(value, expected)):
        try:
            compare_array(g, e, rtol, atol, label=f"{item}[{i}]")
        except Mismatch as m:
            note = _diagnose(value, expected, i, rtol, atol)
            raise Mismatch(str(m) + (f"\n  note: {note}" if note else "")) from None


def _matches(a, b, rtol, atol) -> bool:
    return (isinstance(a, np.ndarray) and a.shape == np.shape(b) and a.dtype.kind in "biuf"
            and np.allclose(a, b, rtol=rtol, atol=atol))


def _diagnose(value, expected, i, rtol, atol) -> str:
    """A guess at the mistake, when a simple one explains the numbers."""
    in_order = all(_matches(g, e, rtol, atol) for g, e in zip(value, expected))
    if not in_order and all(_matches(g, e, rtol, atol) for g, e in zip(value[::-1], expected)):
        return "your list matches torch's in reverse order: keep layer order (index l holds layer l's array)"
    g, e = value[i], expected[i]
    if _matches(g, e, rtol, atol):  # the values are right: the dtype is not
        return ""
    if isinstance(g, np.ndarray) and g.ndim == 2 and _matches(g.T, e, rtol, atol):
        return "yours is the transpose of torch's"
    return ""


def _check_unmodified(got, names) -> None:
    """Fail when the call wrote into an input array (the session reports "argument i")."""
    if got.mutated:
        which = [names[int(m.split()[-1]) - 1] if m.startswith("argument ") and m.split()[-1].isdigit()
                 and int(m.split()[-1]) <= len(names) else m for m in got.mutated]
        raise Mismatch(f"modified its input in place ({', '.join(which)} changed); functions must leave "
                       f"their inputs untouched (compute into new arrays)")


class MultiCase(Case):
    """A check's several calls (``data["calls"]``); shown as the list of what each call is."""

    def show(self, function: str) -> str:
        calls = self.data["calls"]
        if len(calls) == 1:
            return calls[0].show(function)
        names = ", ".join(calls[0].names) if calls else ""
        return f"{function}({names}) on each of: " + "; ".join(c.data["label"] for c in calls)


def _multi(function: str, calls: list[Case]) -> Case:
    return MultiCase(data={"calls": calls, "function": function})


# --- scaled_identity_weights -----------------------------------------------------------------

def identity_weights_check(name: str, *, points: float, sizes, hidden: bool = False, what: str = "") -> Check:
    """``sizes``: (n_layers, dim, scale) triples; each result against ``nn.init.eye_`` times scale."""
    function = function_of(name)

    def make_case():
        return _multi(function, [Case((n, d, s), {}, ("n_layers", "dim", "scale"),
                                      {"label": f"n_layers={n}, dim={d}, scale={s!r}"}) for n, d, s in sizes])

    def inner(got, expected, c):
        compare_list(got.value, expected, "the list of weights", **EXACT,
                     count=" (one dim x dim array per layer)", item="weights")

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"scaled_identity_weights matches torch's nn.init.eye_ times the scale ({what})",
        hint=HINTS[function], make_case=make_case,
        reference=lambda case: [torch_identity_weights(*c.args) for c in case.data["calls"]],
        run=run_each, compare=compare_each(inner),
    )


# --- linear_forward / linear_backward ---------------------------------------------------------

def _norms(value, n: int) -> np.ndarray | None:
    """The 2-norm of each of the ``n`` arrays of a student's list (None for anything else)."""
    if not isinstance(value, (list, tuple)) or len(value) != n:
        return None
    if not all(isinstance(a, np.ndarray) and a.dtype.kind in "biuf" for a in value):
        return None
    return np.array([np.linalg.norm(a.astype(np.float64)) for a in value])


def norms_picture(value, expected: list, what: str, first: int = 0) -> Picture | None:
    """Per-layer norms of a list of arrays, the student's against torch's (log scale: signal that
    vanishes or explodes is a straight line); layers numbered from ``first``."""
    yours = _norms(value, len(expected))
    if yours is None:
        return None
    return curves(yours, _norms(list(expected), len(expected)), np.arange(first, first + len(expected)),
                  xlabel="layer l", ylabel=f"‖{what}‖", title=f"‖{what}‖ per layer: yours and torch's",
                  yscale="log")


def random_stack(seed: int, batch: int, dims) -> tuple[np.ndarray, list[np.ndarray]]:
    """x of shape (batch, dims[0]) and weights W_l of shape (dims[l], dims[l-1]), entries
    N(0, 1/d_in) (so activations stay O(1)); random matrices are not symmetric, so a missing
    transpose changes the values."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, dims[0]))
    weights = [rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_out, d_in)) for d_in, d_out in zip(dims, dims[1:])]
    return x, weights


def _forward_calls(stacks) -> list[Case]:
    """``stacks``: (x, weights, label)."""
    return [Case((x, w), {}, ("x", "weights"), {"label": label}) for x, w, label in stacks]


def forward_check(name: str, *, points: float, stacks, hidden: bool = False, what: str = "",
                  tol=None, closed_form: bool = False) -> Check:
    """``stacks() -> [(x, weights, label)]``; every activation against torch's nn.Linear stack.
    With ``closed_form`` every W is s·I and torch's a_L is also asserted to be s^L x."""
    function = function_of(name)
    tol = tol or F64

    def reference(case):
        out = []
        for c in case.data["calls"]:
            acts = torch_pass(*c.args)["activations"]
            if closed_form:
                x, weights = c.args
                s, L = weights[0][0, 0], len(weights)
                assert np.allclose(acts[-1], s**L * x, rtol=1e-12, atol=0), "torch disagrees with a_L = s^L x"
            out.append(acts)
        return out

    def inner(got, expected, c):
        _check_unmodified(got, ("x", "weights"))
        try:
            compare_list(got.value, expected, "the list of activations", **tol, count=FORWARD_COUNT,
                         item="activations")
        except Mismatch as m:
            if closed_form:
                x, weights = c.args
                s, L = weights[0][0, 0], len(weights)
                raise Mismatch(f"{m}\n  closed form: a_l = {s:g}^l x, so a_{L} = {s**L:.6g} x") from None
            raise

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"linear_forward matches a torch stack of bias-free nn.Linear layers ({what})",
        hint=HINTS[function], make_case=lambda: _multi(function, _forward_calls(stacks())),
        reference=reference, run=run_each, compare=compare_each(inner),
        picture=picture_each(inner, lambda got, expected, c: norms_picture(got.value, expected, "a_l")),
    )


def _backward_calls(stacks) -> list[Case]:
    """``stacks``: (x, weights, grad_output, label); the activations are torch's forward pass."""
    return [Case((torch_pass(x, w)["activations"], w, g), {}, ("activations", "weights", "grad_output"),
                 {"label": label}) for x, w, g, label in stacks]


def _backward_pair(value):
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value
    raise Mismatch("the result is not a pair (grad_weights, grad_activations): return two lists\n"
                   f"  yours: {_shapes(value)}")


def backward_check(name: str, *, points: float, stacks, parts=("grad_weights", "grad_activations"),
                   hidden: bool = False, what: str = "", tol=None, closed_form: bool = False) -> Check:
    """``stacks() -> [(x, weights, grad_output, label)]``; ``parts`` of the result against
    torch.autograd through the nn.Linear stack. With ``closed_form`` (W = s·I) torch's gradients
    are also asserted to be dL/dx = s^L g and dL/dW_l = s^(L-1) g^T x."""
    function = function_of(name)
    tol = tol or F64
    counts = {"grad_weights": WEIGHT_COUNT, "grad_activations": ACT_COUNT}

    def reference(case):
        out = []
        for c in case.data["calls"]:
            acts, weights, g = c.args
            ref = torch_pass(acts[0], weights, g)
            if closed_form:
                s, L, x = weights[0][0, 0], len(weights), acts[0]
                assert np.allclose(ref["grad_activations"][0], s**L * g, rtol=1e-12, atol=0)
                assert all(np.allclose(gw / s ** (L - 1), g.T @ x, rtol=1e-9, atol=1e-12)
                           for gw in ref["grad_weights"])
            out.append({p: ref[p] for p in parts})
        return out

    def inner(got, expected, c):
        _check_unmodified(got, ("activations", "weights", "grad_output"))
        pair = _backward_pair(got.value)
        for part in parts:
            value = pair[0] if part == "grad_weights" else pair[1]
            try:
                compare_list(value, expected[part], part, **tol, count=counts[part])
            except Mismatch as m:
                if closed_form:
                    acts, weights, g = c.args
                    s, L = weights[0][0, 0], len(weights)
                    form = (f"every dL/dW_l = {s:g}^(L-1) g^T x = {s ** (L - 1):.6g} g^T x" if part == "grad_weights"
                            else f"dL/da_l = {s:g}^(L-l) g, so dL/dx = {s**L:.6g} g")
                    raise Mismatch(f"{m}\n  closed form: {form}") from None
                raise

    def picture(got, expected, c):
        pair = _backward_pair(got.value)
        shown = {"grad_weights": (pair[0], "dL/dW_l", 1), "grad_activations": (pair[1], "dL/da_l", 0)}
        return side_by_side(*(norms_picture(shown[p][0], expected[p], shown[p][1], shown[p][2]) for p in parts))

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"linear_backward's {' and '.join(parts)} match torch.autograd through nn.Linear layers ({what})",
        hint=HINTS[function], make_case=lambda: _multi(function, _backward_calls(stacks())),
        reference=reference, run=run_each, compare=compare_each(inner), picture=picture_each(inner, picture),
    )


def identity_stacks(seed: int, scales, depths, batch: int = 2, dim: int = 3, grad: bool = False):
    """For each scale and depth: x ~ N(0, 1) of shape (batch, dim), L copies of s·I (and dL/da_L)."""
    rng = np.random.default_rng(seed)
    out = []
    for s in scales:
        for L in depths:
            x = rng.normal(size=(batch, dim))
            weights = [s * np.eye(dim) for _ in range(L)]
            label = f"W = {s:g}·I, L = {L}"
            out.append((x, weights, rng.normal(size=(batch, dim)), label) if grad else (x, weights, label))
    return out


# --- collapse_linear -------------------------------------------------------------------------

def torch_collapse(weights) -> np.ndarray:
    """The one matrix of torch's stack: multi_dot of the layers' weights, last layer first."""
    ws = [layer.weight.detach() for layer in torch_layers(weights)]
    W = ws[0] if len(ws) == 1 else torch.linalg.multi_dot(ws[::-1])
    return W.numpy().copy()


def _collapse_reference(case) -> list[np.ndarray]:
    out = []
    for c in case.data["calls"]:
        (weights,), x = c.args, c.data["x"]
        W = torch_collapse(weights)
        stack = torch_pass(x, weights)["activations"][-1]
        assert np.allclose(x @ W.T, stack, rtol=1e-10, atol=1e-12), "torch's stack is not x @ W.T"
        out.append(W)
    return out


def _collapse_note(value, weights, rtol, atol) -> str:
    """A guess at the mistake, when a simple one explains the numbers."""
    product = np.array(weights[0], dtype=np.float64)
    forward_order = np.array(weights[0], dtype=np.float64)
    for W_l in weights[1:]:
        product = W_l @ product
        if forward_order.shape[1] == W_l.shape[0]:
            forward_order = forward_order @ W_l
    if _matches(value, product.T, rtol, atol):
        return "yours is the transpose of torch's: W has the shape of a weight, (d_L, d_0) = (out, in)"
    if len(weights) > 1 and _matches(value, forward_order, rtol, atol):
        return "yours is W_1 @ W_2 @ ... @ W_L: the layers act last-to-first on the left, W = W_L @ ... @ W_1"
    return ""


def collapse_check(name: str, *, points: float, stacks, hidden: bool = False, what: str = "") -> Check:
    """``stacks() -> [(x, weights, label)]``; collapse_linear(weights) against multi_dot of torch's
    layers (F64), whose ``x @ W.T`` is asserted to be the nn.Linear stack's output on x."""
    function = function_of(name)

    def make_case():
        return _multi(function, [Case((w,), {}, ("weights",), {"label": label, "x": x}) for x, w, label in stacks()])

    def inner(got, expected, c):
        _check_unmodified(got, ("weights",))
        try:
            compare_array(got.value, expected, **F64, label="W")
        except Mismatch as m:
            note = _collapse_note(got.value, c.args[0], **F64)
            raise Mismatch(str(m) + (f"\n  note: {note}" if note else "")) from None

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"collapse_linear's W gives x @ W.T = a torch stack of bias-free nn.Linear layers ({what})",
        hint=HINTS[function], make_case=make_case, reference=_collapse_reference, run=run_each,
        compare=compare_each(inner),
        picture=picture_each(inner, lambda got, expected, c: error_map(got.value, expected, xlabel="column (d_0)",
                                                                      ylabel="row (d_L)")),
    )


# --- layer_norms -----------------------------------------------------------------------------

def norms_check(name: str, *, points: float, lists, hidden: bool = False, what: str = "") -> Check:
    """``lists() -> [(arrays, label)]``; each result against torch.linalg.norm of every array."""
    function = function_of(name)

    def inner(got, expected, c):
        _check_unmodified(got, ("arrays",))
        compare_array(got.value, expected, **EXACT, label="the array of norms")

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"layer_norms matches torch.linalg.norm of each array ({what})",
        hint=HINTS[function],
        make_case=lambda: _multi(function, [Case((arrays,), {}, ("arrays",), {"label": label})
                                            for arrays, label in lists()]),
        reference=lambda case: [torch_norms(c.args[0]) for c in case.data["calls"]],
        run=run_each, compare=compare_each(inner),
        picture=picture_each(inner, lambda got, expected, c: bars(got.value, expected, xlabel="array", ylabel="norm",
                                                                 title="layer_norms: yours and torch's")),
    )


def random_arrays(seed: int, shapes, scale: float = 1.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, scale, size=s) for s in shapes]


# --- sigmoid_chain_gradient ------------------------------------------------------------------

def chain_check(name: str, *, points: float, zs, hidden: bool = False, what: str = "",
                no_warnings: bool = False, worked_example: bool = False) -> Check:
    """``zs() -> [(z, label)]``; Π σ'(z_i) against autograd through a chain of torch.sigmoid.

    Every positive z_i used is <= 9 unless the product is exactly 0 (a z_i = ±1000 in the chain):
    there torch's (1 − σ)σ is accurate to 1e-12 relative, so the exact value and torch's agree.
    """
    function = function_of(name)

    def reference(case):
        out = [torch_sigmoid_chain(c.args[0]) for c in case.data["calls"]]
        if worked_example:
            assert round(float(torch_sigmoid_chain(np.array([5.0]))), 4) == 0.0066  # the notes' σ'(5)
        return out

    def inner(got, expected, c):
        _check_unmodified(got, ("z",))
        if no_warnings and got.warnings:
            raise Mismatch("NumPy warned during the call: " + "; ".join(got.warnings[:3]))
        compare_array(got.value, expected, **CHAIN, label="the product")

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"sigmoid_chain_gradient matches torch.autograd through a chain of sigmoids ({what})",
        hint=HINTS[function],
        make_case=lambda: _multi(function, [Case((np.asarray(z, dtype=np.float64),), {}, ("z",), {"label": label})
                                            for z, label in zs()]),
        reference=reference, run=run_each, compare=compare_each(inner),
    )


# --- plot_signal_propagation -----------------------------------------------------------------

DEFAULTS = {"n_layers": 50, "dim": 2, "scales": (0.5, 1.0, 1.5)}


def _figure_reference(case):
    """For every call: torch's ‖a_l‖, l = 0..n_layers, for x = ones(1, dim) through n_layers of s·I."""
    out = []
    for c in case.data["calls"]:
        p = {**DEFAULTS, **c.kwargs}
        n, dim = p["n_layers"], p["dim"]
        norms = []
        for s in p["scales"]:
            acts = torch_pass(np.ones((1, dim)), torch_identity_weights(n, dim, s))["activations"]
            y = torch_norms(acts)
            assert np.allclose(y, np.sqrt(dim) * float(s) ** np.arange(n + 1), rtol=1e-12, atol=0)
            norms.append(y)
        out.append({"n_layers": n, "dim": dim, "scales": list(p["scales"]), "norms": norms})
    return out


def _axes(view) -> list[dict]:
    axes = view.get("axes") if isinstance(view, dict) else None
    if not isinstance(axes, list) or not axes:
        raise Mismatch("the figure has no Axes: create one with ax = fig.subplots() (or fig, ax = plt.subplots()) "
                       "and plot on it")
    return axes


def _line_text(line) -> str:
    x, y = np.asarray(line["x"]), np.asarray(line["y"])
    xs = f"x = {x[0]:g}..{x[-1]:g}" if x.size else "no points"
    return f"label {line['label']!r}: {x.size} points, {xs}, y = {show_value(y, limit=6)}"


def _figure_axes(view, expected) -> None:
    axes = _axes(view)
    if len(axes) != 1:
        raise Mismatch(f"the figure has {len(axes)} Axes; draw every line on one Axes")
    ax = axes[0]
    if ax["yscale"] != "log":
        raise Mismatch(f"the y axis is {ax['yscale']!r}, not 'log': the norms span "
                       f"{min(y.min() for y in expected['norms']):.2g} to "
                       f"{max(y.max() for y in expected['norms']):.2g}; call ax.set_yscale('log') (or plot with "
                       "ax.semilogy) and plot the norms themselves, not their log")


def _figure_lines(view, expected) -> None:
    lines = [ln for ax in _axes(view) for ln in ax["lines"]]
    n, scales = expected["n_layers"], expected["scales"]
    layers = np.arange(n + 1, dtype=float)
    yours = "\n".join(f"    - {_line_text(ln)}" for ln in lines) or "    (no lines)"
    if len(lines) < len(scales):
        raise Mismatch(f"the figure has {len(lines)} line(s); expected one per scale, {len(scales)} for scales "
                       f"{scales}\n  yours:\n{yours}")
    used = set()
    for s, y in zip(scales, expected["norms"]):
        found = None
        for i, ln in enumerate(lines):
            x_ok = ln["x"].shape == layers.shape and np.allclose(ln["x"], layers, rtol=0, atol=1e-9)
            if i not in used and x_ok and ln["y"].shape == y.shape and np.allclose(ln["y"], y, rtol=PLOT_RTOL, atol=0):
                found = i
                break
        if found is None:
            note = _line_note(lines, y, expected["dim"])
            raise Mismatch(f"no line shows ‖a_l‖ against l = 0..{n} for W = {s:g}·I\n  yours:\n{yours}\n"
                           f"  torch: x = 0..{n}, y = {show_value(y, limit=6)}" + note)
        used.add(found)


def _line_note(lines, y, dim) -> str:
    """A guess at why no line matches torch's norms ``y``."""
    def like(target):
        return any(ln["y"].shape == y.shape and np.allclose(ln["y"], target, rtol=PLOT_RTOL, atol=1e-12)
                   for ln in lines)

    if like(y):
        return "\n  note: a line has these y values, but its x values are not 0, 1, ..., n_layers"
    if dim > 1 and like(y / np.sqrt(dim)):
        return ("\n  note: a line is ‖a_l‖ / sqrt(dim), i.e. one entry of a_l: plot the norm of the whole "
                "activation (layer_norms), not its entries")
    if like(np.log10(y)) or like(np.log(y)):
        return ("\n  note: a line is the log of the norms: plot the norms themselves and let the axis be "
                "logarithmic (ax.set_yscale('log'))")
    return ""


def _figure_labels(view, expected) -> None:
    ax = _axes(view)[0]
    for axis in ("x", "y"):
        if not str(ax[f"{axis}label"]).strip():
            raise Mismatch(f"the {axis} axis has no label: call ax.set_{axis}label(...)"
                           + (" (e.g. 'layer l')" if axis == "x" else " (e.g. '‖a_l‖')"))
    if not ax["legend"]:
        raise Mismatch("the Axes has no legend: give each line label=... and call ax.legend()")
    labels = [ln["label"] for ln in ax["lines"] if not ln["label"].startswith("_")]
    if len(set(labels)) < len(expected["scales"]):
        raise Mismatch(f"the legend cannot tell the {len(expected['scales'])} scales apart: the labelled lines "
                       f"are {labels}; pass label=f'W = {{s}}·I' (one distinct label per scale) to ax.plot")


ASPECTS = {
    "axes": (_figure_axes, "draws on one Axes with a logarithmic y axis"),
    "lines": (_figure_lines, "has one line per scale: ‖a_l‖ as torch computes it, against l = 0..n_layers"),
    "labels": (_figure_labels, "labels both axes and has a legend with one label per scale"),
}


def figure_check(name: str, *, points: float, aspects, calls=({},), hidden: bool = False) -> Check:
    """The Figure (seen through ``call.viewing("figure", ...)``) for each kwargs in ``calls``."""
    function = function_of(name)

    def make_case():
        cases = [Case((), dict(kw), (), {"label": ", ".join(f"{k}={v!r}" for k, v in kw.items()) or "the defaults"})
                 for kw in calls]
        return _multi(function, cases)

    def run(check, call, case):
        out = []
        for c in case.data["calls"]:
            try:
                out.append(call.viewing("figure", function, *c.args, **c.kwargs))
            except StudentError as err:
                if err.kind == "exception" and err.message.startswith("WrongType:"):
                    returned = err.message.partition("(")[2].partition(":")[0] or "something else"
                    m = Mismatch(f"returned a {returned}, not a matplotlib Figure: return fig itself "
                                 f"(not (fig, ax), not the Axes, not None)")
                    m.called = c.show(function)
                    raise m from None
                raise StudentError(err.kind, f"{err.message} (for {c.data['label']})", err.traceback,
                                   err.output) from None
        return out

    def inner(got, expected, c):
        for aspect in aspects:
            ASPECTS[aspect][0](got.value, expected)

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title="the Figure " + " and ".join(ASPECTS[a][1] for a in aspects),
        hint=HINTS[function], make_case=make_case, reference=_figure_reference, run=run,
        compare=compare_each(inner),
    )


# --- the public checks -----------------------------------------------------------------------

def _output_grad(seed: int, batch: int = 4, dim: int = 5) -> np.ndarray:
    """A random dL/da_L of shape (batch, dim)."""
    return np.random.default_rng(seed).normal(size=(batch, dim))


CHECKS = [
    identity_weights_check("scaled_identity_weights: values", points=3, sizes=[(4, 3, 1.5)],
                           what="4 layers of 1.5·I, dim 3"),
    identity_weights_check("scaled_identity_weights: several sizes", points=2,
                           sizes=[(1, 1, 0.5), (6, 2, 0.9), (3, 5, 1.0)],
                           what="one layer of dim 1, six of dim 2, three of dim 5"),

    forward_check("linear_forward: random weights", points=5,
                  stacks=lambda: [(*random_stack(31, 4, (5, 5, 5, 5)), "3 random 5x5 layers")],
                  what="3 random non-symmetric 5x5 layers, batch 4"),
    forward_check("linear_forward: 1.5·I and 0.5·I", points=5,
                  stacks=lambda: identity_stacks(32, (1.5, 0.5), (1, 5, 20, 50)), tol=EXACT, closed_form=True,
                  what="W = 1.5·I and 0.5·I for 1, 5, 20 and 50 layers: a_L = s^L x"),

    backward_check("linear_backward: grad_weights", points=6,
                   stacks=lambda: [(*random_stack(33, 4, (5, 5, 5, 5)), _output_grad(34), "3 random 5x5 layers")],
                   parts=("grad_weights",), what="3 random non-symmetric 5x5 layers, batch 4"),
    backward_check("linear_backward: grad_activations", points=6,
                   stacks=lambda: [(*random_stack(35, 4, (5, 5, 5, 5)), _output_grad(36), "3 random 5x5 layers")],
                   parts=("grad_activations",), what="3 random non-symmetric 5x5 layers, batch 4"),
    backward_check("linear_backward: 1.5·I and 0.5·I", points=5,
                   stacks=lambda: identity_stacks(37, (1.5, 0.5), (1, 5, 20), grad=True), tol=BACK_EXACT,
                   closed_form=True, what="W = 1.5·I and 0.5·I for 1, 5 and 20 layers: dL/dx = s^L g"),

    collapse_check("collapse_linear: square layers", points=3,
                   stacks=lambda: [(*random_stack(45, 4, (5, 5, 5, 5)), "3 random 5x5 layers")],
                   what="3 random non-symmetric 5x5 layers"),
    collapse_check("collapse_linear: non-square layers", points=2,
                   stacks=lambda: [(*random_stack(46, 4, (4, 6, 3, 2)), "layers 4 -> 6 -> 3 -> 2")],
                   what="3 random layers 4 -> 6 -> 3 -> 2"),
    collapse_check("collapse_linear: one layer", points=2,
                   stacks=lambda: [(*random_stack(47, 4, (3, 4)), "one 3 -> 4 layer"),
                                   (*random_stack(48, 4, (5, 5)), "one 5x5 layer")],
                   what="a list of one layer: W = W_1"),

    norms_check("layer_norms: values", points=4,
                lists=lambda: [(random_arrays(38, [(3, 4), (5,), (2, 3, 2), (1, 6)]),
                                "arrays of shapes (3, 4), (5,), (2, 3, 2), (1, 6)")],
                what="arrays of different shapes"),
    norms_check("layer_norms: activations of a stack", points=3,
                lists=lambda: [(torch_pass(*random_stack(39, 3, (4,) * 7))["activations"],
                                "the 7 activations of 6 random 4x4 layers, batch 3")],
                what="the activations of a 6-layer stack, batch 3"),

    chain_check("sigmoid_chain_gradient: values", points=4,
                zs=lambda: [(np.clip(np.random.default_rng(40).normal(0, 3, 12), -9, 9), "12 random pre-activations")],
                what="12 random pre-activations"),
    chain_check("sigmoid_chain_gradient: worked example", points=3,
                zs=lambda: [(np.array([5.0]), "z = [5]: σ'(5) ≈ 0.0066"), (np.full(10, 5.0), "ten layers at z = 5"),
                            (np.zeros(4), "four layers at z = 0: 0.25^4")],
                worked_example=True, what="σ'(5) ≈ 0.0066, ten layers at z = 5, 0.25^4"),
    chain_check("sigmoid_chain_gradient: large |z|", points=3,
                zs=lambda: [(np.array([-1000.0, 1000.0, 2.0, -3.0]), "z = ±1000 in the chain"),
                            (np.array([-400.0, -30.0, 0.5, -3.0, -100.0]), "z down to -400")],
                no_warnings=True, what="|z| up to 1e3, finite and warning-free"),

    figure_check("plot_signal_propagation: one log-scale Axes", points=4, aspects=("axes",)),
    figure_check("plot_signal_propagation: one line per scale", points=5, aspects=("lines",)),
    figure_check("plot_signal_propagation: labels and legend", points=4, aspects=("labels",)),
]
