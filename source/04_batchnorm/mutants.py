"""Plausible wrong implementations of batchnorm.py.

A forward mutant keeps the solution's cache, (x, gamma, running_mean, running_var, training, eps),
from which the solution's backward recomputes everything: the mutant is wrong in forward only,
and must lose forward's points only.
"""


def _forward(train_stats: str = "mean = x.mean(axis=axes)\n        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)",
             running: str = "new_mean = (1 - momentum) * running_mean + momentum * mean\n"
                            "        new_var = (1 - momentum) * running_var + momentum * var * (m / (m - 1))",
             check: str = "if m == 1:\n            raise ValueError('one value per channel')",
             eval_stats: str = "mean, var = running_mean, running_var",
             eval_running: str = "new_mean, new_var = running_mean.copy(), running_var.copy()",
             normalise: str = "x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)",
             head: str = "", prologue: str = "dtype = _float_dtype(x)", eval_check: str = "") -> str:
    """The solution's forward with one piece swapped."""
    return f'''
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    x = np.asarray(x)
    {prologue}
    x = x.astype(dtype, copy=False)
    axes, shape = _channel_axes(x)
    m = x.size // x.shape[1]
    gamma, beta = np.asarray(gamma, dtype=dtype), np.asarray(beta, dtype=dtype)
    running_mean = np.asarray(running_mean, dtype=dtype)
    running_var = np.asarray(running_var, dtype=dtype)
    {head}
    {eval_check}
    if training:
        {check}
        {train_stats}
        {running}
    else:
        {eval_stats}
        {eval_running}
    {normalise}
    out = gamma.reshape(shape) * x_hat + beta.reshape(shape)
    cache = (x, gamma, running_mean, running_var, bool(training), eps)
    return out.astype(dtype, copy=False), new_mean.astype(dtype), new_var.astype(dtype), cache
'''


def _backward(dx_train: str = "inv_std * (dxhat - dxhat.mean(axis=axes, keepdims=True)"
                              " - x_hat * (dxhat * x_hat).mean(axis=axes, keepdims=True))",
              dx_eval: str = "dxhat * inv_std",
              stats: str = "mean = x.mean(axis=axes)\n        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)",
              eval_stats: str = "mean, var = running_mean, running_var",
              params: str = "dbeta = dout.sum(axis=axes)\n    dgamma = (dout * x_hat).sum(axis=axes)",
              dxhat: str = "dxhat = dout * gamma.reshape(shape)",
              axes: str = "axes, shape = _channel_axes(x)",
              eps: str = "eps", prologue: str = "dtype = _float_dtype(dout)") -> str:
    """The solution's backward with one piece swapped."""
    return f'''
def batchnorm_backward(dout, cache):
    dout = np.asarray(dout)
    {prologue}
    x, gamma, running_mean, running_var, training, eps = cache
    {axes}
    if training:
        {stats}
    else:
        {eval_stats}
    inv_std = 1.0 / np.sqrt(var.reshape(shape) + {eps})
    x_hat = (x - mean.reshape(shape)) * inv_std
    {params}
    {dxhat}
    if training:
        dx = {dx_train}
    else:
        dx = {dx_eval}
    return dx.astype(dtype, copy=False), dgamma.astype(dtype, copy=False), dbeta.astype(dtype, copy=False)
'''


F, B = "batchnorm_forward", "batchnorm_backward"

MUTANTS = {
    # forward: running statistics
    "forward_running_var_biased": (F, _forward(
        running="new_mean = (1 - momentum) * running_mean + momentum * mean\n"
                "        new_var = (1 - momentum) * running_var + momentum * var")),
    "forward_keras_momentum": (F, _forward(
        running="new_mean = momentum * running_mean + (1 - momentum) * mean\n"
                "        new_var = momentum * running_var + (1 - momentum) * var * (m / (m - 1))")),
    "forward_running_stats_in_place": (F, _forward(
        running="running_mean *= 1 - momentum\n        running_mean += momentum * mean\n"
                "        running_var *= 1 - momentum\n        running_var += momentum * var * (m / (m - 1))\n"
                "        new_mean, new_var = running_mean, running_var")),
    "forward_fixed_momentum": (F, _forward(
        running="new_mean = 0.9 * running_mean + 0.1 * mean\n"
                "        new_var = 0.9 * running_var + 0.1 * var * (m / (m - 1))")),
    "forward_eval_updates_running": (F, _forward(
        eval_running="new_mean = 0.9 * running_mean + 0.1 * x.mean(axis=axes)\n"
                     "        new_var = 0.9 * running_var + 0.1 * x.var(axis=axes, ddof=1)")),
    # forward: normalisation
    "forward_eps_outside_sqrt": (F, _forward(
        normalise="x_hat = (x - mean.reshape(shape)) / (np.sqrt(var.reshape(shape)) + eps)")),
    "forward_normalises_with_unbiased_var": (F, _forward(
        normalise="x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) * (m / max(m - 1, 1)) + eps)")),
    "forward_4d_stats_over_n_only": (F, """
def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    x = np.asarray(x)
    dtype = _float_dtype(x)
    x = x.astype(dtype, copy=False)
    axes, shape = _channel_axes(x)
    m = x.size // x.shape[1]
    if training:
        if m == 1:
            raise ValueError('one value per channel')
        mean = x.mean(axis=0, keepdims=True)  # one statistic per (c, h, w): right for (N, D) only
        var = x.var(axis=0, keepdims=True)
        new_mean = (1 - momentum) * running_mean + momentum * mean.mean(axis=axes)
        new_var = (1 - momentum) * running_var + momentum * var.mean(axis=axes) * (m / (m - 1))
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
        new_mean, new_var = running_mean.copy(), running_var.copy()
    out = gamma.reshape(shape) * (x - mean) / np.sqrt(var + eps) + beta.reshape(shape)
    cache = (x, np.asarray(gamma, dtype=dtype), np.asarray(running_mean, dtype=dtype),
             np.asarray(running_var, dtype=dtype), bool(training), eps)
    return out.astype(dtype), new_mean.astype(dtype), new_var.astype(dtype), cache
"""),
    "forward_one_pass_variance": (F, _forward(
        train_stats="mean = x.mean(axis=axes)\n        var = (x ** 2).mean(axis=axes) - mean ** 2")),
    "forward_fixed_eps": (F, _forward(
        normalise="x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-5)")),
    # forward: evaluation mode
    "forward_eval_uses_batch_stats": (F, _forward(
        eval_stats="mean = x.mean(axis=axes)\n        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)")),
    "forward_eval_ignores_eps": (F, _forward(
        normalise="x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + (eps if training else 0.0))")),
    # forward: one value per channel
    "forward_no_value_error": (F, _forward(check="pass")),
    "forward_value_error_when_n_is_1": (F, _forward(
        check="if x.shape[0] == 1:\n            raise ValueError('batch of one')")),
    "forward_value_error_in_eval": (F, _forward(
        check="pass", eval_check="if m == 1:\n        raise ValueError('one value per channel')")),
    # forward: dtype
    "forward_float64": (F, _forward(prologue="dtype = np.float64")),
    # backward: dx
    "backward_no_mean_terms": (B, _backward(dx_train="dxhat * inv_std")),
    "backward_no_xhat_term": (B, _backward(
        dx_train="inv_std * (dxhat - dxhat.mean(axis=axes, keepdims=True))")),
    "backward_unbiased_var": (B, _backward(
        stats="mean = x.mean(axis=axes)\n        var = x.var(axis=axes, ddof=1)")),
    "backward_dx_without_gamma": (B, _backward(dxhat="dxhat = dout")),
    "backward_eval_uses_training_formula": (B, _backward(
        dx_eval="inv_std * (dxhat - dxhat.mean(axis=axes, keepdims=True)"
                " - x_hat * (dxhat * x_hat).mean(axis=axes, keepdims=True))")),
    "backward_eval_uses_batch_stats": (B, _backward(
        eval_stats="mean = x.mean(axis=axes)\n        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)")),
    "backward_fixed_eps": (B, _backward(eps="1e-5")),
    "backward_2d_axes_only": (B, _backward(
        axes="axes, shape = _channel_axes(x)\n    axes = (0,)  # the (N, D) case only")),
    # backward: dgamma, dbeta
    "backward_dgamma_without_xhat": (B, _backward(
        params="dbeta = dout.sum(axis=axes)\n    dgamma = dout.sum(axis=axes)")),
    "backward_dgamma_times_x": (B, _backward(
        params="dbeta = dout.sum(axis=axes)\n    dgamma = (dout * x).sum(axis=axes)")),
    "backward_dbeta_mean": (B, _backward(
        params="dbeta = dout.mean(axis=axes)\n    dgamma = (dout * x_hat).sum(axis=axes)")),
    # backward: dtype, in place
    "backward_float64": (B, _backward(prologue="dtype = np.float64")),
    "backward_scales_dout_in_place": (B, _backward(dxhat="dout *= gamma.reshape(shape)\n    dxhat = dout")),
}
