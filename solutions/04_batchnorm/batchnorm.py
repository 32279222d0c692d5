"""04 — Batch normalisation.

A deep network's layers feed each other: when the distribution of one layer's pre-activations
drifts (a large mean, a large spread), the next layer's units saturate and the gradient through
them vanishes, or the signal grows layer after layer and the gradient explodes. Batch
normalisation (Ioffe & Szegedy, 2015) re-centres and re-scales every feature (every channel of a
convolution) over the mini-batch, then lets the network pick the scale and shift it wants:

    mu    = mean of x over the batch            (per feature / channel)
    var   = mean of (x - mu)^2 over the batch   (the *biased* variance, divide by M)
    x_hat = (x - mu) / sqrt(var + eps)
    out   = gamma * x_hat + beta

For x of shape (N, D) the statistics are over the N rows (one per feature, shape (D,)); for
x of shape (N, C, H, W) they are over N, H and W (one per channel, shape (C,)), so
M = N * H * W values enter each mean. gamma and beta have shape (D,) or (C,).

At test time there may be a single example, so the network uses *running* estimates of mu and
var collected during training. PyTorch updates them with

    running = (1 - momentum) * running + momentum * batch_statistic       (momentum = 0.1)

and the variance it stores there is the *unbiased* one, var * M / (M - 1). Keras writes the same
exponential average the other way round, running = momentum * running + (1 - momentum) * batch
with momentum = 0.99: Keras's 0.99 is torch's 0.01. Here we follow torch.

The backward pass (M values per channel, dxhat = dout * gamma):

    dbeta  = sum of dout                       dgamma = sum of dout * x_hat
    dx     = (1 / sqrt(var + eps)) * (dxhat - mean(dxhat) - x_hat * mean(dxhat * x_hat))

in training, where mu and var depend on x (the two mean terms are their contribution), and
dx = dxhat / sqrt(running_var + eps) in evaluation, where the statistics are constants.
The normalisation keeps each layer's input at mean 0 and variance 1 whatever the layers before
it do, which is why it rescues networks whose activations would otherwise saturate.

Rules (the checks enforce them against torch.nn.functional.batch_norm and torch.autograd):
- NumPy only; inputs are never modified: return new running statistics.
- float32 in gives float32 out; any other input gives float64.

Run the public checks with ``pytest`` in this folder.
"""

import numpy as np


def _float_dtype(a):
    """float32 if ``a`` is a float32 array, float64 otherwise."""
    return np.float32 if np.asarray(a).dtype == np.float32 else np.float64


def _channel_axes(x):
    """The axes to reduce over and the shape that broadcasts a per-channel vector against x.

    (N, D) -> ((0,), (1, D));  (N, C, H, W) -> ((0, 2, 3), (1, C, 1, 1)).
    """
    if x.ndim == 2:
        return (0,), (1, x.shape[1])
    if x.ndim == 4:
        return (0, 2, 3), (1, x.shape[1], 1, 1)
    raise ValueError(f"batch norm expects x of shape (N, D) or (N, C, H, W), got shape {x.shape}")


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    """Batch normalisation, forward pass, as torch.nn.functional.batch_norm.

    Inputs:
    - x: data of shape (N, D), or (N, C, H, W) for per-channel statistics over N, H and W.
    - gamma: scale, shape (D,) or (C,).
    - beta: shift, shape (D,) or (C,).
    - running_mean, running_var: running statistics, shape (D,) or (C,). Not modified.
    - training: True: normalise with the batch's statistics and update the running ones;
      False: normalise with the running statistics and return them unchanged.
    - momentum: torch's convention, new = (1 - momentum) * old + momentum * batch
      (default 0.1; Keras's momentum=0.99 means new = 0.99 * old + 0.01 * batch).
    - eps: added to the variance inside the square root.

    Returns a tuple (out, running_mean, running_var, cache):
    - out: x's shape, gamma * (x - mu) / sqrt(var + eps) + beta.
    - running_mean, running_var: new arrays. In training, mu is the batch mean and
      running_var is updated with the *unbiased* batch variance var * M / (M - 1), M the number
      of values per channel; the normalisation itself uses the *biased* var.
    - cache: anything your batchnorm_backward needs (it is never looked at by anyone else).

    Raises ValueError in training when there is only one value per channel (M == 1), as
    torch does: the variance of one value is 0 and its unbiased variance is undefined.

    Numerics: compute the variance in two passes, mean((x - mu)^2); the one-pass
    mean(x^2) - mu^2 cancels catastrophically when |mu| is much larger than the spread.
    """
    x = np.asarray(x)
    dtype = _float_dtype(x)
    x = x.astype(dtype, copy=False)
    axes, shape = _channel_axes(x)
    gamma, beta = np.asarray(gamma, dtype=dtype), np.asarray(beta, dtype=dtype)
    running_mean = np.asarray(running_mean, dtype=dtype)
    running_var = np.asarray(running_var, dtype=dtype)
    if training:
        m = x.size // x.shape[1]
        if m == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {x.shape}")
        mean = x.mean(axis=axes)
        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * (m / (m - 1))
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    out = gamma.reshape(shape) * x_hat + beta.reshape(shape)
    # The cache holds the inputs; backward recomputes the statistics (one more pass over x).
    cache = (x, gamma, running_mean, running_var, bool(training), eps)
    return out.astype(dtype, copy=False), new_mean.astype(dtype), new_var.astype(dtype), cache


def batchnorm_backward(dout, cache):
    """Batch normalisation, backward pass, in training and in evaluation mode.

    Inputs:
    - dout: upstream gradient dL/dout, x's shape.
    - cache: what your batchnorm_forward returned for this x.

    Returns a tuple (dx, dgamma, dbeta):
    - dx: dL/dx, x's shape.
    - dgamma, dbeta: dL/dgamma and dL/dbeta, shape (D,) or (C,).

    With dxhat = dout * gamma, sums and means over the M values of each channel:
    dbeta = sum(dout), dgamma = sum(dout * x_hat), and
    - training: dx = (dxhat - mean(dxhat) - x_hat * mean(dxhat * x_hat)) / sqrt(var + eps),
      var the biased batch variance (mu and var depend on x: the two mean terms);
    - evaluation: dx = dxhat / sqrt(running_var + eps) (the running statistics are constants).

    Results have dout's dtype (float32 stays float32).
    """
    dout = np.asarray(dout)
    dtype = _float_dtype(dout)
    x, gamma, running_mean, running_var, training, eps = cache
    axes, shape = _channel_axes(x)
    if training:
        mean = x.mean(axis=axes)
        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var.reshape(shape) + eps)
    x_hat = (x - mean.reshape(shape)) * inv_std
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    dxhat = dout * gamma.reshape(shape)
    if training:
        dx = inv_std * (dxhat - dxhat.mean(axis=axes, keepdims=True)
                        - x_hat * (dxhat * x_hat).mean(axis=axes, keepdims=True))
    else:
        dx = dxhat * inv_std
    return dx.astype(dtype, copy=False), dgamma.astype(dtype, copy=False), dbeta.astype(dtype, copy=False)
