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
    x = np.asarray(x)
    dtype = _float_dtype(x)
    x = x.astype(dtype, copy=False)
    axes, shape = _channel_axes(x)
    m = x.size // x.shape[1]
    gamma, beta = np.asarray(gamma, dtype=dtype), np.asarray(beta, dtype=dtype)
    running_mean = np.asarray(running_mean, dtype=dtype)
    running_var = np.asarray(running_var, dtype=dtype)
    
    
    if training:
        if m == 1:
            raise ValueError('one value per channel')
        mean = x.mean(axis=axes)
        var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    x_hat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    out = gamma.reshape(shape) * x_hat + beta.reshape(shape)
    cache = (x, gamma, running_mean, running_var, bool(training), eps)
    return out.astype(dtype, copy=False), new_mean.astype(dtype), new_var.astype(dtype), cache


def batchnorm_backward(dout, cache):
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
        dx = dxhat * inv_std
    else:
        dx = dxhat * inv_std
    return dx.astype(dtype, copy=False), dgamma.astype(dtype, copy=False), dbeta.astype(dtype, copy=False)
