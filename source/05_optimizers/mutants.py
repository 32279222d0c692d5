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

_DECAY = "grad = grad + weight_decay * param"


def _update(function: str, body: str, decay: str = _DECAY, signature: str = "momentum=0.9, weight_decay=0.0") -> str:
    return f'''
def {function}(param, grad, velocity, lr, {signature}):
    param, grad = _as_float(param), _as_float(grad)
    {decay}
    {body}
'''


def _lookahead(body: str) -> str:
    return f'''
def nesterov_lookahead_step(theta, m, grad_fn, lr, momentum=0.9):
    theta, m = _as_float(theta), _as_float(m)
    {body}
'''


def _ewma(loop: str, init: str = "v = np.zeros(x.shape[1:], dtype=x.dtype)", prep: str = "x = _as_float(values)",
          out: str = "out = np.empty_like(x)", ret: str = "return out") -> str:
    return f'''
def ewma(values, beta=0.9, bias_correction=False):
    {prep}
    {out}
    {init}
    for t in range(x.shape[0]):
        {loop}
    {ret}
'''


_BUF = "buf = grad.copy() if velocity is None else momentum * velocity + grad"
_NO_DECAY = "# (grad is not decayed here)"
_OLD = "momentum=0.9"  # the signature before weight_decay
_STEP = "v = beta * v + (1 - beta) * x[t]\n        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v"

MUTANTS = {
    # momentum_update
    "momentum_keras_velocity": ("momentum_update", _update("momentum_update", '''v = np.zeros_like(param) if velocity is None else velocity
    v = momentum * v - lr * grad
    return param + v, v''')),
    "momentum_lr_in_buffer": ("momentum_update", _update("momentum_update", '''buf = lr * grad if velocity is None else momentum * velocity + lr * grad
    return param - buf, buf''')),
    "momentum_ema_form": ("momentum_update", _update("momentum_update", '''v = np.zeros_like(param) if velocity is None else velocity
    v = momentum * v + (1 - momentum) * grad
    return param - lr * v, v''')),
    "momentum_skips_first_step": ("momentum_update", _update("momentum_update", '''if velocity is None:
        return param.copy(), grad.copy()  # "initialise the buffer" and move next time
    buf = momentum * velocity + grad
    return param - lr * buf, buf''')),
    "momentum_returns_input_velocity": ("momentum_update", _update("momentum_update", f'''{_BUF}
    return param - lr * buf, velocity''')),
    "momentum_in_place": ("momentum_update", _update("momentum_update", f'''{_BUF}
    param -= lr * buf
    return param, buf''')),
    "momentum_velocity_in_place": ("momentum_update", _update("momentum_update", '''if velocity is None:
        velocity = grad.copy()
    else:
        velocity *= momentum
        velocity += grad
    return param - lr * velocity, velocity''')),
    "momentum_fixed_0_9": ("momentum_update", _update("momentum_update", '''buf = grad.copy() if velocity is None else 0.9 * velocity + grad
    return param - lr * buf, buf''')),
    "momentum_flattens": ("momentum_update", _update("momentum_update", f'''param, grad = param.ravel(), grad.ravel()
    velocity = None if velocity is None else np.ravel(velocity)
    {_BUF}
    return param - lr * buf, buf''')),
    "momentum_float64": ("momentum_update", _update("momentum_update", f'''param, grad = param.astype(np.float64), grad.astype(np.float64)
    {_BUF}
    return param - lr * buf, buf''')),
    "momentum_decay_after_buffer": ("momentum_update", _update("momentum_update", f'''{_BUF}
    return param - lr * (buf + weight_decay * param), buf''', decay=_NO_DECAY)),
    "momentum_decoupled_decay": ("momentum_update", _update("momentum_update", f'''{_BUF}
    new = param - lr * buf
    return new - lr * weight_decay * new, buf  # AdamW-style, on the updated parameter''', decay=_NO_DECAY)),
    "momentum_decay_sign": ("momentum_update", _update("momentum_update", f'''{_BUF}
    return param - lr * buf, buf''', decay="grad = grad - weight_decay * param")),
    "momentum_ignores_weight_decay": ("momentum_update", _update("momentum_update", f'''{_BUF}
    return param - lr * buf, buf''', decay="# weight_decay accepted and ignored")),
    "momentum_without_weight_decay": ("momentum_update", _update("momentum_update", f'''{_BUF}
    return param - lr * buf, buf''', decay="# (written before weight_decay existed)", signature=_OLD)),
    # nesterov_update
    "nesterov_steps_with_buffer": ("nesterov_update", _update("nesterov_update", f'''{_BUF}
    return param - lr * buf, buf''')),
    "nesterov_keras_velocity": ("nesterov_update", _update("nesterov_update", '''v = np.zeros_like(param) if velocity is None else velocity
    v = momentum * v - lr * grad
    return param + momentum * v - lr * grad, v''')),
    "nesterov_lr_in_buffer": ("nesterov_update", _update("nesterov_update", '''buf = lr * grad if velocity is None else momentum * velocity + lr * grad
    return param - lr * grad - momentum * buf, buf''')),
    "nesterov_old_buffer": ("nesterov_update", _update("nesterov_update", f'''old = np.zeros_like(param) if velocity is None else velocity
    {_BUF}
    return param - lr * (grad + momentum * old), buf''')),
    "nesterov_in_place": ("nesterov_update", _update("nesterov_update", f'''{_BUF}
    param -= lr * (grad + momentum * buf)
    return param, buf''')),
    "nesterov_fixed_0_9": ("nesterov_update", _update("nesterov_update", '''buf = grad.copy() if velocity is None else 0.9 * velocity + grad
    return param - lr * (grad + 0.9 * buf), buf''')),
    "nesterov_float64": ("nesterov_update", _update("nesterov_update", f'''param, grad = param.astype(np.float64), grad.astype(np.float64)
    {_BUF}
    return param - lr * (grad + momentum * buf), buf''')),
    "nesterov_decay_after_buffer": ("nesterov_update", _update("nesterov_update", f'''{_BUF}
    return param - lr * (grad + momentum * buf + weight_decay * param), buf''', decay=_NO_DECAY)),
    "nesterov_decoupled_decay": ("nesterov_update", _update("nesterov_update", f'''{_BUF}
    new = param - lr * (grad + momentum * buf)
    return new - lr * weight_decay * new, buf  # AdamW-style, on the updated parameter''', decay=_NO_DECAY)),
    "nesterov_decay_sign": ("nesterov_update", _update("nesterov_update", f'''{_BUF}
    return param - lr * (grad + momentum * buf), buf''', decay="grad = grad - weight_decay * param")),
    "nesterov_ignores_weight_decay": ("nesterov_update", _update("nesterov_update", f'''{_BUF}
    return param - lr * (grad + momentum * buf), buf''', decay="# weight_decay accepted and ignored")),
    "nesterov_without_weight_decay": ("nesterov_update", _update("nesterov_update", f'''{_BUF}
    return param - lr * (grad + momentum * buf), buf''', decay="# (written before weight_decay existed)", signature=_OLD)),
    # nesterov_lookahead_step
    "lookahead_grad_at_theta": ("nesterov_lookahead_step", _lookahead('''m_new = momentum * m - lr * np.asarray(grad_fn(theta))
    return theta + m_new, m_new''')),
    "lookahead_full_m": ("nesterov_lookahead_step", _lookahead('''m_new = momentum * m - lr * np.asarray(grad_fn(theta + m))
    return theta + m_new, m_new''')),
    "lookahead_moves_by_old_m": ("nesterov_lookahead_step", _lookahead('''m_new = momentum * m - lr * np.asarray(grad_fn(theta + momentum * m))
    return theta + m, m_new''')),
    "lookahead_sign_flipped_m": ("nesterov_lookahead_step", _lookahead('''m_new = momentum * m + lr * np.asarray(grad_fn(theta + momentum * m))
    return theta - m_new, m_new''')),
    "lookahead_bengio_form": ("nesterov_lookahead_step", _lookahead('''m_new = momentum * m - lr * np.asarray(grad_fn(theta))
    return theta - momentum * m + (1 + momentum) * m_new, m_new  # torch's p, not theta''')),
    "lookahead_in_place": ("nesterov_lookahead_step", _lookahead('''m_new = momentum * m - lr * np.asarray(grad_fn(theta + momentum * m))
    theta += m_new
    return theta, m_new''')),
    "lookahead_fixed_0_9": ("nesterov_lookahead_step", _lookahead('''m_new = 0.9 * m - lr * np.asarray(grad_fn(theta + 0.9 * m))
    return theta + m_new, m_new''')),
    # ewma
    "ewma_no_one_minus_beta": ("ewma", _ewma("v = beta * v + x[t]\n        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v")),
    "ewma_beta_on_new_value": ("ewma", _ewma("v = (1 - beta) * v + beta * x[t]\n        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v")),
    "ewma_starts_at_first_value": ("ewma", _ewma(
        "v = x[t] if t == 0 else beta * v + (1 - beta) * x[t]\n        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v")),
    "ewma_correction_t_minus_1": ("ewma", _ewma("v = beta * v + (1 - beta) * x[t]\n        out[t] = v / (1 - beta ** t) if bias_correction else v")),
    "ewma_correction_fed_back": ("ewma", _ewma(
        "v = beta * v + (1 - beta) * x[t]\n        if bias_correction:\n            v = v / (1 - beta ** (t + 1))\n        out[t] = v")),
    "ewma_correction_final_t": ("ewma", _ewma(
        "v = beta * v + (1 - beta) * x[t]\n        out[t] = v / (1 - beta ** len(x)) if bias_correction else v")),
    "ewma_last_only": ("ewma", _ewma(_STEP, ret="return out[-1]")),
    "ewma_flattens": ("ewma", _ewma(_STEP, prep="x = _as_float(values).ravel()", init="v = 0.0",
                                    ret="return out.reshape(np.shape(values))")),
    "ewma_integer_output": ("ewma", _ewma(_STEP, out="out = np.zeros_like(values)")),
    "ewma_empty_fails": ("ewma", _ewma(_STEP, init="v = np.zeros_like(x[0])")),
    "ewma_float64": ("ewma", _ewma(_STEP, prep="x = np.asarray(values, dtype=np.float64)")),
    "ewma_in_place": ("ewma", _ewma(_STEP.replace("out[t]", "x[t]"), prep="x = values", out="out = values",
                                    init="v = np.zeros(np.shape(values)[1:])")),
}
