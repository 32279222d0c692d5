"""Plausible wrong implementations of optimizers.py.

Not here because it is not wrong: a velocity initialised to zeros on the first step
(b = β·0 + g = g) gives exactly torch's first buffer, since SGD's dampening is 0 in this API.
The zero start only differs from torch with the (1 − β) factor, which ``momentum_ema_form`` covers.

The mutants of other mistakes apply weight decay correctly (``_DECAY``), so the weight-decay checks
are failed only by the weight-decay mutants: the decay added to the step after the buffer, applied
AdamW-style to the new parameter, with the wrong sign, ignored, or a function written before the
argument existed (the weight-decay checks fail it with a message naming the argument; every other
check passes it).
"""

MOMENTUM, NESTEROV = "momentum_update", "nesterov_update"
_DECAY = "grad = grad + weight_decay * param"


def _update(function: str, mistake: str, body: str, decay: str = _DECAY,
            signature: str = "momentum=0.9, weight_decay=0.0") -> tuple:
    """The mutant (function, source, mistake) of momentum_update or nesterov_update: the solution's
    first line, the weight decay ``decay``, then ``body``."""
    return function, f'''
def {function}(param, grad, velocity, lr, {signature}):
    param, grad = _as_float(param), _as_float(grad)
    {decay}
    {body}
''', mistake


def _lookahead(mistake: str, body: str) -> tuple:
    """The mutant (function, source, mistake) of nesterov_lookahead_step: its first line, then ``body``."""
    return "nesterov_lookahead_step", f'''
def nesterov_lookahead_step(theta, m, grad_fn, lr, momentum=0.9):
    theta, m = _as_float(theta), _as_float(m)
    {body}
''', mistake


def _ewma(mistake: str, loop: str, init: str = "v = np.zeros(x.shape[1:], dtype=x.dtype)",
          prep: str = "x = _as_float(values)", out: str = "out = np.empty_like(x)", ret: str = "return out") -> tuple:
    return "ewma", f'''
def ewma(values, beta=0.9, bias_correction=False):
    {prep}
    {out}
    {init}
    for t in range(x.shape[0]):
        {loop}
    {ret}
''', mistake


_BUF = "buf = grad.copy() if velocity is None else momentum * velocity + grad"
_NO_DECAY = "# (grad is not decayed here)"
_OLD = "momentum=0.9"  # the signature before weight_decay
_IN_PLACE = "updates param in place (param -= ...), changing the caller's array; return a new array"
_FIXED_0_9 = "uses a fixed momentum of 0.9 instead of the momentum argument"
_FLOAT64 = "returns float64 for float32 input; float32 in must give float32 out"
_DECAY_AFTER_BUFFER = ("adds the decay λ·param to the step, after the buffer; torch.optim.SGD adds it to the gradient, "
                       "so it enters the buffer")
_DECOUPLED_DECAY = ("decays the new parameter AdamW-style (new − η·λ·new); torch.optim.SGD adds λ·param to the "
                    "gradient before the buffer")
_DECAY_SIGN = "subtracts λ·param from the gradient; weight decay adds it: g + λ·param"
_IGNORES_WEIGHT_DECAY = "ignores weight_decay; torch.optim.SGD adds λ·param to the gradient before the buffer"
_WITHOUT_WEIGHT_DECAY = "has no weight_decay argument; torch.optim.SGD(weight_decay=λ) adds λ·param to the gradient"
_BENGIO = ("uses the Bengio form (∇J at θ, θ − β·m + (1 + β)·m_new), which moves torch's look-ahead point p; "
           "here ∇J is at θ + β·m and θ_new = θ + m_new")
_STEP = "v = beta * v + (1 - beta) * x[t]\n        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v"

MUTANTS = {
    # momentum_update
    "momentum_keras_velocity": _update(
        MOMENTUM, "keeps Keras's velocity v = β·v − η·g instead of torch's buffer b = β·b + g (param − η·b)",
        '''v = np.zeros_like(param) if velocity is None else velocity
    v = momentum * v - lr * grad
    return param + v, v'''),
    "momentum_lr_in_buffer": _update(
        MOMENTUM, "puts the learning rate in the buffer, b = β·b + η·g; torch's is b = β·b + g, the step param − η·b",
        '''buf = lr * grad if velocity is None else momentum * velocity + lr * grad
    return param - buf, buf'''),
    "momentum_ema_form": _update(
        MOMENTUM, "averages into the buffer, b = β·b + (1 − β)·g; torch's buffer is b = β·b + g (no 1 − β)",
        '''v = np.zeros_like(param) if velocity is None else velocity
    v = momentum * v + (1 - momentum) * grad
    return param - lr * v, v'''),
    "momentum_skips_first_step": _update(
        MOMENTUM, "does not move on the first step (it only stores the buffer); torch's first step is param − η·g",
        '''if velocity is None:
        return param.copy(), grad.copy()  # "initialise the buffer" and move next time
    buf = momentum * velocity + grad
    return param - lr * buf, buf'''),
    "momentum_returns_input_velocity": _update(
        MOMENTUM, "returns the velocity it was given; return the new buffer b = β·velocity + g", f'''{_BUF}
    return param - lr * buf, velocity'''),
    "momentum_in_place": _update(MOMENTUM, _IN_PLACE, f'''{_BUF}
    param -= lr * buf
    return param, buf'''),
    "momentum_velocity_in_place": _update(
        MOMENTUM, "updates velocity in place (velocity *= β), changing the caller's array; return a new buffer",
        '''if velocity is None:
        velocity = grad.copy()
    else:
        velocity *= momentum
        velocity += grad
    return param - lr * velocity, velocity'''),
    "momentum_fixed_0_9": _update(
        MOMENTUM, _FIXED_0_9, '''buf = grad.copy() if velocity is None else 0.9 * velocity + grad
    return param - lr * buf, buf'''),
    "momentum_flattens": _update(
        MOMENTUM, "returns flattened arrays; param_new and the buffer keep param's shape",
        f'''param, grad = param.ravel(), grad.ravel()
    velocity = None if velocity is None else np.ravel(velocity)
    {_BUF}
    return param - lr * buf, buf'''),
    "momentum_float64": _update(
        MOMENTUM, _FLOAT64, f'''param, grad = param.astype(np.float64), grad.astype(np.float64)
    {_BUF}
    return param - lr * buf, buf'''),
    "momentum_decay_after_buffer": _update(MOMENTUM, _DECAY_AFTER_BUFFER, f'''{_BUF}
    return param - lr * (buf + weight_decay * param), buf''', decay=_NO_DECAY),
    "momentum_decoupled_decay": _update(MOMENTUM, _DECOUPLED_DECAY, f'''{_BUF}
    new = param - lr * buf
    return new - lr * weight_decay * new, buf  # AdamW-style, on the updated parameter''', decay=_NO_DECAY),
    "momentum_decay_sign": _update(MOMENTUM, _DECAY_SIGN, f'''{_BUF}
    return param - lr * buf, buf''', decay="grad = grad - weight_decay * param"),
    "momentum_ignores_weight_decay": _update(MOMENTUM, _IGNORES_WEIGHT_DECAY, f'''{_BUF}
    return param - lr * buf, buf''', decay="# weight_decay accepted and ignored"),
    "momentum_without_weight_decay": _update(MOMENTUM, _WITHOUT_WEIGHT_DECAY, f'''{_BUF}
    return param - lr * buf, buf''', decay="# (written before weight_decay existed)", signature=_OLD),
    # nesterov_update
    "nesterov_steps_with_buffer": _update(
        NESTEROV, "steps by the buffer, param − η·b (plain momentum); Nesterov's step is param − η·(g + β·b)",
        f'''{_BUF}
    return param - lr * buf, buf'''),
    "nesterov_keras_velocity": _update(
        NESTEROV, "keeps Keras's velocity v = β·v − η·g instead of torch's buffer b = β·b + g",
        '''v = np.zeros_like(param) if velocity is None else velocity
    v = momentum * v - lr * grad
    return param + momentum * v - lr * grad, v'''),
    "nesterov_lr_in_buffer": _update(
        NESTEROV, "puts the learning rate in the buffer, b = β·b + η·g; torch's buffer is b = β·b + g",
        '''buf = lr * grad if velocity is None else momentum * velocity + lr * grad
    return param - lr * grad - momentum * buf, buf'''),
    "nesterov_old_buffer": _update(
        NESTEROV, "steps with the old buffer, param − η·(g + β·velocity); torch steps with the new b = β·velocity + g",
        f'''old = np.zeros_like(param) if velocity is None else velocity
    {_BUF}
    return param - lr * (grad + momentum * old), buf'''),
    "nesterov_in_place": _update(NESTEROV, _IN_PLACE, f'''{_BUF}
    param -= lr * (grad + momentum * buf)
    return param, buf'''),
    "nesterov_fixed_0_9": _update(
        NESTEROV, _FIXED_0_9, '''buf = grad.copy() if velocity is None else 0.9 * velocity + grad
    return param - lr * (grad + 0.9 * buf), buf'''),
    "nesterov_float64": _update(
        NESTEROV, _FLOAT64, f'''param, grad = param.astype(np.float64), grad.astype(np.float64)
    {_BUF}
    return param - lr * (grad + momentum * buf), buf'''),
    "nesterov_decay_after_buffer": _update(NESTEROV, _DECAY_AFTER_BUFFER, f'''{_BUF}
    return param - lr * (grad + momentum * buf + weight_decay * param), buf''', decay=_NO_DECAY),
    "nesterov_decoupled_decay": _update(NESTEROV, _DECOUPLED_DECAY, f'''{_BUF}
    new = param - lr * (grad + momentum * buf)
    return new - lr * weight_decay * new, buf  # AdamW-style, on the updated parameter''', decay=_NO_DECAY),
    "nesterov_decay_sign": _update(NESTEROV, _DECAY_SIGN, f'''{_BUF}
    return param - lr * (grad + momentum * buf), buf''', decay="grad = grad - weight_decay * param"),
    "nesterov_ignores_weight_decay": _update(NESTEROV, _IGNORES_WEIGHT_DECAY, f'''{_BUF}
    return param - lr * (grad + momentum * buf), buf''', decay="# weight_decay accepted and ignored"),
    "nesterov_without_weight_decay": _update(NESTEROV, _WITHOUT_WEIGHT_DECAY, f'''{_BUF}
    return param - lr * (grad + momentum * buf), buf''', decay="# (written before weight_decay existed)",
                                             signature=_OLD),
    # nesterov_lookahead_step
    "lookahead_grad_at_theta": _lookahead(
        "takes the gradient at θ (plain momentum); Nesterov takes it at the look-ahead point θ + β·m",
        '''m_new = momentum * m - lr * np.asarray(grad_fn(theta))
    return theta + m_new, m_new'''),
    "lookahead_full_m": _lookahead(
        "takes the gradient at θ + m; the look-ahead point is θ + β·m",
        '''m_new = momentum * m - lr * np.asarray(grad_fn(theta + m))
    return theta + m_new, m_new'''),
    "lookahead_moves_by_old_m": _lookahead(
        "moves θ by the old m; θ_new = θ + m_new, with m_new = β·m − η·∇J(θ + β·m)",
        '''m_new = momentum * m - lr * np.asarray(grad_fn(theta + momentum * m))
    return theta + m, m_new'''),
    "lookahead_sign_flipped_m": _lookahead(
        "flips m's sign (m_new = β·m + η·∇J, θ_new = θ − m_new); the notes' m_new = β·m − η·∇J, θ_new = θ + m_new",
        '''m_new = momentum * m + lr * np.asarray(grad_fn(theta + momentum * m))
    return theta - m_new, m_new'''),
    "lookahead_bengio_form": _lookahead(_BENGIO, '''m_new = momentum * m - lr * np.asarray(grad_fn(theta))
    return theta - momentum * m + (1 + momentum) * m_new, m_new  # torch's p, not theta'''),
    "lookahead_in_place": _lookahead(
        "updates theta in place (theta += m_new), changing the caller's array; return a new array",
        '''m_new = momentum * m - lr * np.asarray(grad_fn(theta + momentum * m))
    theta += m_new
    return theta, m_new'''),
    "lookahead_fixed_0_9": _lookahead(_FIXED_0_9, '''m_new = 0.9 * m - lr * np.asarray(grad_fn(theta + 0.9 * m))
    return theta + m_new, m_new'''),
    # ewma
    "ewma_no_one_minus_beta": _ewma(
        "leaves out the (1 − β) factor: v_t = β·v_{t−1} + (1 − β)·x_t",
        "v = beta * v + x[t]\n        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v"),
    "ewma_beta_on_new_value": _ewma(
        "puts β on the new value; v_t = β·v_{t−1} + (1 − β)·x_t, β on the old average",
        "v = (1 - beta) * v + beta * x[t]\n        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v"),
    "ewma_starts_at_first_value": _ewma(
        "starts the average at x_1; it starts at v_0 = 0, so v_1 = (1 − β)·x_1",
        "v = x[t] if t == 0 else beta * v + (1 - beta) * x[t]\n"
        "        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v"),
    "ewma_correction_t_minus_1": _ewma(
        "corrects with 1 − β^(t−1), counting t from 0 (the first entry divides by 0); v̂_t = v_t / (1 − β^t), t from 1",
        "v = beta * v + (1 - beta) * x[t]\n        out[t] = v / (1 - beta ** t) if bias_correction else v"),
    "ewma_correction_fed_back": _ewma(
        "feeds the corrected average back into the recursion; correct only the output, v̂_t = v_t / (1 − β^t)",
        "v = beta * v + (1 - beta) * x[t]\n        if bias_correction:\n            v = v / (1 - beta ** (t + 1))\n"
        "        out[t] = v"),
    "ewma_correction_final_t": _ewma(
        "corrects every entry with the final t, 1 − β^T; entry t is divided by 1 − β^t",
        "v = beta * v + (1 - beta) * x[t]\n        out[t] = v / (1 - beta ** len(x)) if bias_correction else v"),
    "ewma_last_only": _ewma("returns only the last average; return the whole history, one entry per time step",
                            _STEP, ret="return out[-1]"),
    "ewma_flattens": _ewma(
        "runs one average over all the entries in turn; a (T, D) input is D series, each averaged over time",
        _STEP, prep="x = _as_float(values).ravel()", init="v = 0.0", ret="return out.reshape(np.shape(values))"),
    "ewma_integer_output": _ewma("returns integers for integer input; any input but float32 gives float64",
                                 _STEP, out="out = np.zeros_like(values)"),
    "ewma_empty_fails": _ewma("fails on an empty series (T = 0: no x[0]); an empty input gives an empty output",
                              _STEP, init="v = np.zeros_like(x[0])"),
    "ewma_float64": _ewma(_FLOAT64, _STEP, prep="x = np.asarray(values, dtype=np.float64)"),
    "ewma_in_place": _ewma("writes the averages into the caller's values; return a new array",
                           _STEP.replace("out[t]", "x[t]"), prep="x = values", out="out = values",
                           init="v = np.zeros(np.shape(values)[1:])"),
}
