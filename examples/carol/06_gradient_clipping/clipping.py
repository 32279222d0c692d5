"""06 — Gradient clipping.

When gradients *explode* (a recurrent network unrolled over many steps, a deep stack whose
weights multiply the signal by more than 1 per layer, a loss surface with a steep cliff), one
update can throw the parameters far away from everything learned so far. Clipping bounds the
size of the update without touching the rest of training. There are three common forms:

- **By value** (``torch.nn.utils.clip_grad_value_``): clamp every entry of every gradient into
  [−c, c]. Cheap, but it changes the *direction* of the gradient: a vector (0.9, 100) clipped
  at 1 becomes (0.9, 1), which points somewhere else entirely.
- **By norm, per tensor** (Keras' ``clipnorm``): if ‖g‖₂ > max_norm, rescale g to length
  max_norm, g ← g · max_norm / ‖g‖₂. The direction is kept: (0.9, 100) with max_norm 1 becomes
  (0.00899964, 0.9999595).
- **By global norm** (``torch.nn.utils.clip_grad_norm_``, Keras' ``global_clipnorm``): compute
  one norm over *all* gradients of the model, as if they were concatenated into one vector,
  ‖(g₁, …, g_k)‖_p, and scale every gradient by the same factor
  min(1, max_norm / (total + 1e-6)). The update keeps its direction in the full parameter
  space, and the relative sizes of the layers' gradients are preserved.

Clipping only ever scales *down*: a gradient whose norm is already below max_norm is returned
unchanged (a copy of it).

A **weight penalty** acts earlier: an L1 or L2 term added to the loss pulls every weight towards
0 at each step, so the weights cannot grow until the products of the layers' Jacobians blow up.
With Keras' convention (``regularizers.L1(l1=λ)``, ``regularizers.L2(l2=λ)``):

- **L1**: λ Σ|w|, gradient λ sign(w) (0 at w = 0, as torch.autograd);
- **L2**: λ Σw², gradient 2λw. One SGD step on loss + λ Σw² is
  w ← w − η (g + 2λw), exactly ``torch.optim.SGD(lr=η, weight_decay=2λ)``: torch's weight decay
  wd adds wd·w to the gradient, the gradient of (wd/2) Σw².

Rules for every function here (the checks enforce them against PyTorch):
- NumPy only (no torch, tensorflow or jax); inputs are never modified — not the arrays, and
  not the list that holds them. Return new arrays.
- Any shape, including 0-d and empty arrays. float32 in gives float32 out; any other input
  gives float64 (for the returned arrays; a norm or a penalty value may be a float).
- A zero gradient must not produce a NaN or a divide-by-zero warning.

Run the public checks with ``pytest`` in this folder.
"""

import numpy as np

# torch.nn.utils.clip_grad_norm_ adds this to the total norm before dividing by it.
EPS = 1e-6


def _as_float(g):
    """g as a float array: float32 stays float32, anything else becomes float64."""
    g = np.asarray(g)
    return g.astype(np.float32 if g.dtype == np.float32 else np.float64, copy=False)


def clip_by_value(grads, clip_value):
    """Clamp every entry of every gradient into [−clip_value, clip_value].

    As ``torch.nn.utils.clip_grad_value_``, but returning new arrays instead of clipping in place:

        out_i = min(max(g_i, −clip_value), clip_value)   for every entry of every array

    Inputs:
    - grads: a list of arrays, any shapes (one gradient per parameter); may be empty.
    - clip_value: a positive number c.

    Returns:
    - a new list of new arrays, the same length as ``grads``; array i has the shape and float
      dtype of grads[i].
    """
    out = []
    for g in grads:
        g = _as_float(g)
        out.append(np.clip(g, -clip_value, clip_value).astype(g.dtype, copy=False))
    return out


def clip_by_norm(grad, max_norm):
    """Rescale one gradient so that its L2 norm is at most ``max_norm`` (Keras' ``clipnorm``).

        ‖g‖₂ = sqrt(Σ_i g_i²)          over *all* entries of g (not per row)
        out  = g · max_norm / ‖g‖₂       if ‖g‖₂ > max_norm
        out  = g                        otherwise (never scale up)

    Worked example: g = (0.9, 100.0), max_norm = 1: ‖g‖ = sqrt(0.81 + 10000) = 100.00405, so
    out = (0.9, 100) / 100.00405 = (0.00899964, 0.9999595): the direction is kept, the length is 1.

    torch's ``clip_grad_norm_`` on a single tensor computes almost the same thing, but divides by
    ‖g‖ + 1e-6 (to be safe at ‖g‖ = 0). This function uses the exact formula above; the two
    differ by a relative 1e-6/‖g‖ (1e-8 in the worked example), and the checks accept both.

    Inputs:
    - grad: an array of any shape (0-d and empty included).
    - max_norm: a positive number.

    Returns:
    - a new array of grad's shape and float dtype.

    Numerics: do not divide by ‖g‖ when it is 0 (a zero gradient is returned unchanged, with no
    warning); e.g. compute the factor max_norm / max(‖g‖, max_norm).
    """
    g = _as_float(grad)
    norm = np.sqrt(np.sum(np.square(g, dtype=np.float64)))
    if norm > max_norm:
        return (g * (max_norm / norm)).astype(g.dtype, copy=False)
    return g.copy()


def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    """Scale all gradients by one common factor so that their joint norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_`` (which clips in place; here the result is new arrays):

        total = ‖(g_1, ..., g_k)‖_p       the p-norm of all entries of all arrays, as one vector:
                                          (Σ_arrays Σ_i |g_i|^p)^(1/p), and max_i |g_i| for p = inf
        coef  = min(1, max_norm / (total + 1e-6))
        out_j = coef · g_j                for every array j (the same coef for all of them)

    The 1e-6 is torch's: it keeps coef finite when total = 0, and it makes the clipped norm
    slightly below max_norm. It matters when the norms are small (total ~ 1e-3).

    Inputs:
    - grads: a list of arrays, any shapes (0-d and empty included); may be empty.
    - max_norm: a positive number.
    - norm_type: p, any number >= 1, or float('inf') for the max-norm max_i |g_i| (the absolute
      value: −7 has size 7).

    Returns a tuple (clipped, total_norm):
    - clipped: a new list of new arrays, shapes and float dtypes as in ``grads``.
    - total_norm: the norm *before* clipping, a float (or 0-d array); 0.0 for an empty list.
      An empty array contributes nothing (also for p = inf).
    """
    p = float(norm_type)
    flat = [np.abs(np.asarray(g, dtype=np.float64)).ravel() for g in grads]
    if p == np.inf:
        total = max((float(np.max(a)) for a in flat if a.size), default=0.0)
    else:
        total = float(sum(np.sum(a ** p) for a in flat)) ** (1.0 / p)
    coef = min(1.0, max_norm / (total + EPS))
    clipped = []
    for g in grads:
        g = _as_float(g)
        clipped.append((g * coef).astype(g.dtype, copy=False))
    return clipped, total


def l1_penalty(weights, lam):
    """The L1 penalty λ Σ|w| over a list of weight arrays, and its gradient (Keras' ``L1(l1=lam)``).

        value  = λ · Σ_j Σ_i |w_ji|       over every entry of every array
        grad_j = λ · sign(w_j)            elementwise, with sign(0) = 0

    |w| has no derivative at w = 0: any number in [−λ, λ] is a subgradient there. torch.autograd
    (the gradient of ``lam * w.abs().sum()``) and ``np.sign`` both take 0, and so does this
    function: the penalty alone leaves a weight that is exactly 0 where it is.

    Inputs:
    - weights: a list of arrays, any shapes (0-d and empty included); may be empty.
    - lam: λ >= 0, the strength of the penalty.

    Returns a tuple (value, grads):
    - value: the penalty, a float (or a 0-d array); 0.0 for an empty list, and an empty array
      adds nothing to it.
    - grads: a new list of new arrays, grads[j] with the shape and float dtype of weights[j].
    """
    total, grads = 0.0, []
    for w in weights:
        w = _as_float(w)
        total += float(np.sum(np.abs(w), dtype=np.float64))
        grads.append((lam * np.sign(w)).astype(w.dtype, copy=False))
    return lam * total, grads


def l2_penalty(weights, lam):
    """The L2 penalty λ Σw² over a list of weight arrays, and its gradient (Keras' ``L2(l2=lam)``).

        value  = λ · Σ_j Σ_i w_ji²        over every entry of every array (no ½, no square root)
        grad_j = 2λ · w_j

    Hence one SGD step on loss + penalty, w ← w − η (g + 2λ w), is
    ``torch.optim.SGD(lr=η, weight_decay=2λ)``. The other common convention, ½λ Σw² (gradient λw),
    is ``weight_decay=λ``: same idea, a penalty half as strong for the same λ.

    Inputs:
    - weights: a list of arrays, any shapes (0-d and empty included); may be empty.
    - lam: λ >= 0, the strength of the penalty.

    Returns a tuple (value, grads):
    - value: the penalty, a float (or a 0-d array); 0.0 for an empty list, and an empty array
      adds nothing to it.
    - grads: a new list of new arrays, grads[j] with the shape and float dtype of weights[j].
    """
    total, grads = 0.0, []
    for w in weights:
        w = _as_float(w)
        total += float(np.sum(np.square(w, dtype=np.float64)))
        grads.append(((2.0 * lam) * w).astype(w.dtype, copy=False))
    return lam * total, grads
