"""05 — Momentum, Nesterov and exponentially weighted averages.

Plain gradient descent, θ ← θ − η∇J(θ), crawls where gradients are small (a plateau, the
early layers of a deep network whose gradients have partly vanished) and zig-zags where the
loss is ill-conditioned: with Hessian eigenvalues from λ_min to λ_max, a step size η below
2/λ_max is needed for stability, and the flat directions then shrink only by (1 − η λ_min) per
step. Momentum keeps a running sum of past gradients, so consistent directions build up speed
and oscillating ones cancel.

Momentum in PyTorch's form (``torch.optim.SGD(params, lr, momentum=β)``; b is the *momentum
buffer*, the ``velocity`` of this file):

    b_1 = g_1                       (first step: the buffer is a copy of the gradient)
    b_t = β b_{t−1} + g_t           (later steps)
    θ_t = θ_{t−1} − η b_t

Keras and many textbooks write v_t = β v_{t−1} − η g_t, θ_t = θ_{t−1} + v_t. With a constant η
both give the same parameters (v_t = −η b_t), but the velocities differ, and as soon as η
changes between steps (a schedule) the trajectories differ too. Here the convention is torch's.

Weight decay (``SGD(..., weight_decay=λ)``) is an L2 penalty λ/2 ‖θ‖² on the loss: its gradient
λ θ is added to the gradient *before* it enters the momentum buffer,

    g_t ← g_t + λ θ_{t−1}           (then b_t and θ_t as above)

so the decay is accumulated by momentum like any other gradient. AdamW's *decoupled* decay,
θ ← θ − η λ θ applied beside the update, is a different rule: torch's SGD does not do that.

Nesterov's accelerated gradient evaluates the gradient at the point momentum is about to carry
the parameters to. The textbook form (Sutskever et al., 2013), with m_0 = 0:

    m_t = β m_{t−1} − η ∇J(θ_{t−1} + β m_{t−1})
    θ_t = θ_{t−1} + m_t

needs the gradient at a *look-ahead* point, which is awkward in a framework that computes the
gradient at the parameters. PyTorch (``SGD(..., nesterov=True)``) therefore keeps the look-ahead
point itself as its parameter: with p_t = θ_t + β m_t and b_t = −m_t / η it becomes

    b_t = β b_{t−1} + ∇J(p_{t−1})   (b_1 = ∇J(p_0))
    p_t = p_{t−1} − η (∇J(p_{t−1}) + β b_t)

Both forms follow the same path through the change of variables; one gradient per step.

An exponentially weighted moving average smooths a noisy sequence x_1, x_2, ...:

    v_0 = 0,   v_t = β v_{t−1} + (1 − β) x_t

so v_t averages roughly the last 1/(1 − β) values. Because v_0 = 0, the first values are biased
toward 0 (v_1 = (1 − β) x_1); dividing by 1 − β^t removes that bias, as Adam does for its
moment estimates.

Rules for every function here (the checks enforce them against PyTorch):
- NumPy only (no torch, tensorflow or jax); inputs are never modified: return new arrays.
- Parameters of any shape. float32 in gives float32 out; any other input gives float64.

Run the public checks with ``pytest`` in this folder.
"""

import numpy as np


def _as_float(x):
    """x as a float array: float32 stays float32, anything else becomes float64."""
    x = np.asarray(x)
    return x.astype(np.float32 if x.dtype == np.float32 else np.float64, copy=False)


def momentum_update(param, grad, velocity, lr, momentum=0.9, weight_decay=0.0):
    """One step of SGD with momentum, exactly as ``torch.optim.SGD(params, lr, momentum=β, weight_decay=λ)``.

        g = g + λ · param         (weight decay; skipped when λ = 0)
        b = g                     if velocity is None (the first step)
        b = β · velocity + g      otherwise
        param_new = param − η · b

    Inputs:
    - param: array of any shape, the parameters θ_{t−1}.
    - grad: array of param's shape, the gradient ∇J(θ_{t−1}).
    - velocity: None on the first step, else the velocity this function returned on the
      previous step (torch's momentum buffer b_{t−1}, param's shape).
    - lr: the learning rate η (a float; it may change from one step to the next).
    - momentum: β in [0, 1).
    - weight_decay: λ ≥ 0, the L2 penalty's coefficient (torch's ``weight_decay``); the
      default 0 is plain momentum.

    Returns a tuple (param_new, velocity_new):
    - param_new: array of param's shape, θ_t.
    - velocity_new: array of param's shape, the new buffer b_t (torch's
      ``optimizer.state[p]["momentum_buffer"]``); pass it back in on the next step.

    Notes: the velocity is torch's buffer b, not the Keras velocity v = −η b (v ← βv − ηg). Both
    give the same parameters while η is constant, not once it changes. The decay enters the
    gradient, so it is in the buffer too (not a separate param − η λ param, AdamW's decoupled
    decay). Do not update param or velocity in place (no ``-=``): return new arrays.
    """
    param, grad = _as_float(param), _as_float(grad)
    if weight_decay != 0:
        grad = grad + weight_decay * param
    if velocity is None:
        buf = grad.copy()
    else:
        buf = momentum * _as_float(velocity) + grad
    return param - lr * buf, buf


def nesterov_update(param, grad, velocity, lr, momentum=0.9, weight_decay=0.0):
    """One step of Nesterov momentum, exactly as ``torch.optim.SGD(..., momentum=β, nesterov=True,
    weight_decay=λ)``.

        g = g + λ · param         (weight decay; skipped when λ = 0)
        b = g                     if velocity is None (the first step)
        b = β · velocity + g      otherwise
        param_new = param − η · (g + β · b)

    Here ``param`` is the look-ahead point of the textbook form (see the module docstring), so
    the gradient you are given is already the look-ahead gradient.

    Inputs:
    - param: array of any shape, torch's parameters p_{t−1}.
    - grad: array of param's shape, ∇J(p_{t−1}).
    - velocity: None on the first step, else the velocity returned on the previous step
      (torch's momentum buffer b_{t−1}).
    - lr: the learning rate η (a float; it may change from one step to the next).
    - momentum: β in [0, 1).
    - weight_decay: λ ≥ 0, as in ``momentum_update``.

    Returns a tuple (param_new, velocity_new), both arrays of param's shape: p_t and the new
    buffer b_t. On the first step param_new = param − η (1 + β) g.

    Notes: the step uses g + β b, not b (that would be plain momentum); with weight decay, g is
    the decayed gradient g + λ · param in both the buffer and the step. Return new arrays.
    """
    param, grad = _as_float(param), _as_float(grad)
    if weight_decay != 0:
        grad = grad + weight_decay * param
    if velocity is None:
        buf = grad.copy()
    else:
        buf = momentum * _as_float(velocity) + grad
    return param - lr * (grad + momentum * buf), buf


def nesterov_lookahead_step(theta, m, grad_fn, lr, momentum=0.9):
    """One step of Nesterov momentum in the textbook (look-ahead) form.

        m_new = β m − η ∇J(θ + β m)
        θ_new = θ + m_new

    Start with m = zeros (θ's shape). The gradient is taken at the look-ahead point θ + βm,
    not at θ (that would be plain momentum).

    Relation to torch (``SGD(nesterov=True)``, constant η), the change of variables: torch's
    parameter is the look-ahead point p_t = θ_t + β m_t and its momentum buffer is
    b_t = −m_t / η. Conversely θ_t = p_t + β η b_t and m_t = −η b_t.

    Inputs:
    - theta: array of shape (D,), the parameters θ.
    - m: array of shape (D,), the momentum (zeros on the first step, then what this function
      returned).
    - grad_fn: a function taking an array of shape (D,) and returning ∇J there, shape (D,).
      Call it once per step.
    - lr: the learning rate η.
    - momentum: β in [0, 1).

    Returns a tuple (theta_new, m_new), both arrays of shape (D,). Return new arrays: do not
    update theta or m in place.
    """
    theta, m = _as_float(theta), _as_float(m)
    g = np.asarray(grad_fn(theta + momentum * m))
    m_new = momentum * m - lr * g
    return theta + m_new, m_new


def ewma(values, beta=0.9, bias_correction=False):
    """Exponentially weighted moving average along the first axis (time).

        v_0 = 0,   v_t = β v_{t−1} + (1 − β) x_t             for t = 1..T
        with bias_correction:  v̂_t = v_t / (1 − β^t)

    Inputs:
    - values: array of shape (T, ...): x_1..x_T are values[0]..values[T−1]; each x_t may itself
      be an array (shape ``values.shape[1:]``, averaged elementwise), e.g. (T,) for one series,
      (T, D) for D series side by side. T may be 0.
    - beta: β in [0, 1); about the last 1/(1 − β) values carry the average.
    - bias_correction: divide v_t by 1 − β^t (t counts from 1), as Adam does.

    Returns:
    - an array of values' shape: entry t − 1 along the first axis is v_t (or v̂_t), i.e. the
      whole history of the average, not only its last value.

    Notes: v_1 = (1 − β) x_1 without correction and v̂_1 = x_1 with it. float32 in gives
    float32 out; any other input (including integers) gives float64. A 0-d input raises
    ValueError (there is no time axis).
    """
    x = _as_float(values)
    if x.ndim == 0:
        raise ValueError("values must have a time axis first: shape (T, ...)")
    out = np.empty_like(x)
    v = np.zeros(x.shape[1:], dtype=x.dtype)
    for t in range(x.shape[0]):
        v = beta * v + (1 - beta) * x[t]
        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v
    return out
