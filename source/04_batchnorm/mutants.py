"""Plausible wrong implementations of batchnorm.py.

A forward mutant keeps the solution's cache, (x, gamma, running_mean, running_var, training, eps),
from which the solution's backward recomputes everything: the mutant is wrong in forward only,
and must lose forward's points only.
"""

F, B = "batchnorm_forward", "batchnorm_backward"


def _forward(mistake: str, *,
             train_stats: str = "mean = x.mean(axis=axes)\n"
                                "        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)",
             running: str = "new_mean = (1 - momentum) * running_mean + momentum * mean\n"
                            "        new_var = (1 - momentum) * running_var + momentum * var * (m / (m - 1))",
             check: str = "if m == 1:\n            raise ValueError('one value per channel')",
             eval_stats: str = "mean, var = running_mean, running_var",
             eval_running: str = "new_mean, new_var = running_mean.copy(), running_var.copy()",
             normalise: str = "x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)",
             head: str = "", prologue: str = "dtype = _float_dtype(x)", eval_check: str = "") -> tuple:
    """The mutant (F, source, mistake): the solution's forward with one piece swapped."""
    return F, f'''
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
''', mistake


def _backward(mistake: str, *,
              dx_train: str = "inv_std * (dxhat - dxhat.mean(axis=axes, keepdims=True)"
                              " - x_hat * (dxhat * x_hat).mean(axis=axes, keepdims=True))",
              dx_eval: str = "dxhat * inv_std",
              stats: str = "mean = x.mean(axis=axes)\n        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)",
              eval_stats: str = "mean, var = running_mean, running_var",
              params: str = "dbeta = dout.sum(axis=axes)\n    dgamma = (dout * x_hat).sum(axis=axes)",
              dxhat: str = "dxhat = dout * gamma.reshape(shape)",
              axes: str = "axes, shape = _channel_axes(x)",
              eps: str = "eps", prologue: str = "dtype = _float_dtype(dout)") -> tuple:
    """The mutant (B, source, mistake): the solution's backward with one piece swapped."""
    return B, f'''
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
''', mistake


MUTANTS = {
    # forward: running statistics
    "forward_running_var_biased": _forward(
        "updates running_var with the biased batch variance; torch stores the unbiased var · M/(M − 1)",
        running="new_mean = (1 - momentum) * running_mean + momentum * mean\n"
                "        new_var = (1 - momentum) * running_var + momentum * var"),
    "forward_keras_momentum": _forward(
        "weights the old running value by momentum (Keras's way); torch: (1 − momentum) · old + momentum · batch",
        running="new_mean = momentum * running_mean + (1 - momentum) * mean\n"
                "        new_var = momentum * running_var + (1 - momentum) * var * (m / (m - 1))"),
    "forward_running_stats_in_place": _forward(
        "updates running_mean and running_var in place (running_mean *= ...); return new arrays instead",
        running="running_mean *= 1 - momentum\n        running_mean += momentum * mean\n"
                "        running_var *= 1 - momentum\n        running_var += momentum * var * (m / (m - 1))\n"
                "        new_mean, new_var = running_mean, running_var"),
    "forward_fixed_momentum": _forward(
        "uses a fixed momentum of 0.1 instead of the momentum argument",
        running="new_mean = 0.9 * running_mean + 0.1 * mean\n"
                "        new_var = 0.9 * running_var + 0.1 * var * (m / (m - 1))"),
    "forward_eval_updates_running": _forward(
        "updates the running statistics in evaluation mode; with training=False torch returns them unchanged",
        eval_running="new_mean = 0.9 * running_mean + 0.1 * x.mean(axis=axes)\n"
                     "        new_var = 0.9 * running_var + 0.1 * x.var(axis=axes, ddof=1)"),
    # forward: normalisation
    "forward_eps_outside_sqrt": _forward(
        "adds eps outside the square root, (x − μ) / (√var + eps); torch divides by √(var + eps)",
        normalise="x_hat = (x - mean.reshape(shape)) / (np.sqrt(var.reshape(shape)) + eps)"),
    "forward_normalises_with_unbiased_var": _forward(
        "normalises with the unbiased variance var · M/(M − 1); torch normalises with the biased var (divide by M)",
        normalise="x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) * (m / max(m - 1, 1)) + eps)"),
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
""", "takes a 4-d batch's statistics over N alone (one per c, h, w); torch takes one per channel, over N, H and W"),
    "forward_one_pass_variance": _forward(
        "computes the variance in one pass, mean(x²) − μ², which cancels when |μ| ≫ spread; use mean((x − μ)²)",
        train_stats="mean = x.mean(axis=axes)\n        var = (x ** 2).mean(axis=axes) - mean ** 2"),
    "forward_fixed_eps": _forward(
        "uses a fixed eps of 1e-5 instead of the eps argument",
        normalise="x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-5)"),
    # forward: evaluation mode
    "forward_eval_uses_batch_stats": _forward(
        "normalises with the batch's mean and variance in evaluation mode; torch uses running_mean and running_var",
        eval_stats="mean = x.mean(axis=axes)\n        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)"),
    "forward_eval_ignores_eps": _forward(
        "leaves eps out in evaluation mode; torch divides by √(running_var + eps) there too",
        normalise="x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + (eps if training else 0.0))"),
    # forward: one value per channel
    "forward_no_value_error": _forward(
        "does not check for one value per channel (M = 1) in training; torch raises ValueError there",
        check="pass"),
    "forward_value_error_when_n_is_1": _forward(
        "raises ValueError whenever N = 1; torch raises only when M = N·H·W = 1 (one value per channel)",
        check="if x.shape[0] == 1:\n            raise ValueError('batch of one')"),
    "forward_value_error_in_eval": _forward(
        "raises ValueError for one value per channel in evaluation mode too; torch raises it in training only",
        check="pass", eval_check="if m == 1:\n        raise ValueError('one value per channel')"),
    # forward: dtype
    "forward_float64": _forward("returns float64 results for float32 input; float32 in must give float32 out",
                                prologue="dtype = np.float64"),
    # backward: dx
    "backward_no_mean_terms": _backward(
        "computes dx in training as dxhat / √(var + eps), without the two mean terms (μ and var depend on x)",
        dx_train="dxhat * inv_std"),
    "backward_no_xhat_term": _backward(
        "leaves out dx's term − x̂ · mean(dxhat · x̂), the one that comes from var depending on x",
        dx_train="inv_std * (dxhat - dxhat.mean(axis=axes, keepdims=True))"),
    "backward_unbiased_var": _backward(
        "recomputes the variance unbiased (ddof=1); forward normalised with the biased one, mean((x − μ)²)",
        stats="mean = x.mean(axis=axes)\n        var = x.var(axis=axes, ddof=1)"),
    "backward_dx_without_gamma": _backward("leaves gamma out of dx: dxhat is dout · gamma, not dout",
                                           dxhat="dxhat = dout"),
    "backward_eval_uses_training_formula": _backward(
        "uses the training formula in evaluation mode; there dx = dxhat / √(running_var + eps) (constant statistics)",
        dx_eval="inv_std * (dxhat - dxhat.mean(axis=axes, keepdims=True)"
                " - x_hat * (dxhat * x_hat).mean(axis=axes, keepdims=True))"),
    "backward_eval_uses_batch_stats": _backward(
        "uses the batch's mean and variance in evaluation mode; forward normalised with running_mean and running_var",
        eval_stats="mean = x.mean(axis=axes)\n        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)"),
    "backward_fixed_eps": _backward("uses a fixed eps of 1e-5 instead of the eps given to batchnorm_forward",
                                    eps="1e-5"),
    "backward_2d_axes_only": _backward(
        "sums over axis 0 only, right for (N, D); for (N, C, H, W) its sums and means are over N, H and W",
        axes="axes, shape = _channel_axes(x)\n    axes = (0,)  # the (N, D) case only"),
    # backward: dgamma, dbeta
    "backward_dgamma_without_xhat": _backward(
        "computes dgamma as sum(dout); torch's dgamma is sum(dout · x̂), x̂ the normalised input",
        params="dbeta = dout.sum(axis=axes)\n    dgamma = dout.sum(axis=axes)"),
    "backward_dgamma_times_x": _backward(
        "computes dgamma as sum(dout · x) with the raw x; torch's dgamma is sum(dout · x̂), x̂ the normalised input",
        params="dbeta = dout.sum(axis=axes)\n    dgamma = (dout * x).sum(axis=axes)"),
    "backward_dbeta_mean": _backward(
        "computes dbeta as the mean of dout; it is the sum over the M values of each channel",
        params="dbeta = dout.mean(axis=axes)\n    dgamma = (dout * x_hat).sum(axis=axes)"),
    # backward: dtype, in place
    "backward_float64": _backward("returns float64 gradients for a float32 dout; they must keep dout's dtype",
                                  prologue="dtype = np.float64"),
    "backward_scales_dout_in_place": _backward(
        "scales dout in place (dout *= gamma), changing the caller's array; compute dxhat = dout * gamma anew",
        dxhat="dout *= gamma.reshape(shape)\n    dxhat = dout"),
}
