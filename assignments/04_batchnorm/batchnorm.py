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
    # YOUR CODE HERE
    raise NotImplementedError()


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
    # YOUR CODE HERE
    raise NotImplementedError()
