"""02 — Weight initialisation: Glorot (Xavier), He (Kaiming), LeCun and Keras's VarianceScaling.

A layer computes z_j = Σ_i w_ji x_i over its fan_in inputs. With independent zero-mean weights
and inputs,

    Var(z) = fan_in · Var(w) · E[x²].

If fan_in · Var(w) is larger than 1 the signal grows by that factor at every layer and explodes
after a few dozen layers; if it is smaller it vanishes. The backward pass multiplies gradients
by the same weights transposed, so there fan_out · Var(w) plays the same role. Initialisers pick
Var(w) to keep both factors near 1:

- **LeCun**:  Var(w) = 1 / fan_in. Keeps the forward variance for a linear (or SELU)
  network. With SELU this is what self-normalisation needs.
- **Glorot / Xavier**:  Var(w) = gain² · 2 / (fan_in + fan_out), a compromise between the
  forward (1/fan_in) and the backward (1/fan_out) condition; made for tanh/sigmoid.
- **He / Kaiming**:  Var(w) = gain² / fan, fan = fan_in (mode="fan_in") or fan_out. ReLU zeroes
  half of its inputs, so E[relu(z)²] = Var(z)/2, and the gain √2 puts the lost half back:
  Var(w) = 2 / fan_in.

The *gain* is the factor an activation needs (torch.nn.init.calculate_gain): 1 for linear and
sigmoid, 5/3 for tanh, √2 for ReLU, √(2 / (1 + a²)) for LeakyReLU with negative slope a, 3/4 for
SELU. Gains multiply the standard deviation, so they enter the variance squared.

Every rule gives a standard deviation std; the *normal* variant draws w ~ N(0, std²), the
*uniform* variant w ~ U(−b, b) with the same variance. U(−b, b) has variance b²/3, so
b = √3 · std: for Glorot b = gain · √(6 / (fan_in + fan_out)), for He b = gain · √(3 / fan).

Keras's **VarianceScaling** says all of it in one function: Var(w) = scale / n with n = fan_in,
fan_out or their mean (mode "fan_avg"), drawn from a uniform, a normal, or a normal truncated at
±2 standard deviations. Glorot is scale = gain² with "fan_avg", He scale = gain² with "fan_in",
LeCun scale = 1 with "fan_in".

Shapes follow torch: a Linear weight is (fan_out, fan_in) = (out_features, in_features); a
convolution weight is (out_channels, in_channels, *kernel_size), and every weight of the kernel
counts: fan_in = in_channels · prod(kernel_size), fan_out = out_channels · prod(kernel_size).

Rules for every function here (the checks compare with torch.nn.init):
- NumPy only (no torch, tensorflow or jax).
- ``rng`` is a ``numpy.random.Generator``; when it is None, make a fresh one with
  ``np.random.default_rng()``. Draw every random number from ``rng`` (never from np.random.*),
  so that the same seed gives the same weights.
- Results are float64 arrays of exactly ``shape``.

Random results are checked statistically, against the std torch's formula gives and a sample
from torch's own initialiser on the same shape: mean, variance, bound, shape of the
distribution. Run the public checks with ``pytest`` in this folder.
"""

import math

import numpy as np


def compute_fans(shape):
    """Fan-in and fan-out of a weight of the given shape, as torch computes them.

    fan_in  = shape[1] · receptive_field,  fan_out = shape[0] · receptive_field,
    receptive_field = prod(shape[2:])  (1 for a Linear weight of shape (fan_out, fan_in)).

    Inputs:
    - shape: tuple of ints, (out_features, in_features) for a Linear weight or
      (out_channels, in_channels, k_1, ..., k_d) for a d-dimensional convolution.

    Returns:
    - (fan_in, fan_out), a tuple of two Python ints.

    Raises:
    - ValueError if ``shape`` has fewer than 2 dimensions (a bias vector has no fan-out).
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) < 2:
        raise ValueError("fan_in and fan_out can not be computed for a shape with fewer than "
                         f"2 dimensions (got {shape})")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation, as ``torch.nn.init.calculate_gain``.

    ====================================================  ==========================
    nonlinearity                                          gain
    ====================================================  ==========================
    "linear", "conv1d", "conv2d", "conv3d",               1
    "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "sigmoid"
    "tanh"                                                5/3
    "relu"                                                √2
    "leaky_relu"                                          √(2 / (1 + slope²))
    "selu"                                                3/4
    ====================================================  ==========================

    For "leaky_relu" the negative slope is ``param``, 0.01 when ``param`` is None (note that
    ``param=0`` means slope 0, not the default). Other nonlinearities ignore ``param``.

    Inputs:
    - nonlinearity: one of the names above.
    - param: the negative slope for "leaky_relu" (a number, or None).

    Returns:
    - the gain, a Python float.

    Raises:
    - ValueError for any other name.
    """
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                        "conv_transpose2d", "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def glorot_uniform(shape, gain=1.0, rng=None):
    """Glorot (Xavier) uniform initialisation, as ``torch.nn.init.xavier_uniform_``.

    w ~ U(−b, b),  b = gain · √(6 / (fan_in + fan_out))
    (the variance b²/3 = gain² · 2 / (fan_in + fan_out)).

    Inputs:
    - shape: tuple, the weight's shape, (fan_out, fan_in, *kernel) as in torch.
    - gain: multiplies the standard deviation (e.g. calculate_gain("tanh")).
    - rng: a numpy.random.Generator; None means np.random.default_rng().

    Returns:
    - a float64 array of shape ``shape``.
    """
    rng = np.random.default_rng() if rng is None else rng
    fan_in, fan_out = compute_fans(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=tuple(shape))


def glorot_normal(shape, gain=1.0, rng=None):
    """Glorot (Xavier) normal initialisation, as ``torch.nn.init.xavier_normal_``.

    w ~ N(0, std²),  std = gain · √(2 / (fan_in + fan_out)).

    Inputs:
    - shape: tuple, the weight's shape, (fan_out, fan_in, *kernel) as in torch.
    - gain: multiplies the standard deviation.
    - rng: a numpy.random.Generator; None means np.random.default_rng().

    Returns:
    - a float64 array of shape ``shape``.

    Note: rng.normal takes the standard deviation (scale), not the variance.
    """
    rng = np.random.default_rng() if rng is None else rng
    fan_in, fan_out = compute_fans(shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, size=tuple(shape))


def he_uniform(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """He (Kaiming) uniform initialisation, as ``torch.nn.init.kaiming_uniform_``.

    w ~ U(−b, b),  b = √3 · std,  std = gain / √fan,
    gain = calculate_gain(nonlinearity, a),  fan = fan_in if mode == "fan_in" else fan_out.

    With the defaults (a = 0, "leaky_relu") the gain is √2 and b = √(6 / fan_in).

    Inputs:
    - shape: tuple, the weight's shape, (fan_out, fan_in, *kernel) as in torch.
    - a: the negative slope of the LeakyReLU after this layer (used by "leaky_relu" only).
    - mode: "fan_in" keeps the variance of the forward pass, "fan_out" that of the backward pass.
    - nonlinearity: the activation's name, as in calculate_gain.
    - rng: a numpy.random.Generator; None means np.random.default_rng().

    Returns:
    - a float64 array of shape ``shape``.

    Raises:
    - ValueError if mode is neither "fan_in" nor "fan_out".
    """
    rng = np.random.default_rng() if rng is None else rng
    fan_in, fan_out = compute_fans(shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', not {mode!r}")
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)
    bound = math.sqrt(3.0) * std
    return rng.uniform(-bound, bound, size=tuple(shape))


def he_normal(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """He (Kaiming) normal initialisation, as ``torch.nn.init.kaiming_normal_``.

    w ~ N(0, std²),  std = gain / √fan,
    gain = calculate_gain(nonlinearity, a),  fan = fan_in if mode == "fan_in" else fan_out.

    With the defaults the variance is 2 / fan_in.

    Inputs:
    - shape, a, mode, nonlinearity, rng: as in he_uniform.

    Returns:
    - a float64 array of shape ``shape``.
    """
    rng = np.random.default_rng() if rng is None else rng
    fan_in, fan_out = compute_fans(shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', not {mode!r}")
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)
    return rng.normal(0.0, std, size=tuple(shape))


def lecun_uniform(shape, rng=None):
    """LeCun uniform initialisation: variance 1 / fan_in.

    w ~ U(−b, b),  b = √(3 / fan_in).

    This is Kaiming with nonlinearity="linear" (gain 1) and mode="fan_in":
    ``torch.nn.init.kaiming_uniform_(w, nonlinearity="linear")``, the initialisation torch
    recommends for SELU networks (calculate_gain("selu") = 3/4 does not self-normalise).

    Inputs:
    - shape: tuple, the weight's shape, (fan_out, fan_in, *kernel) as in torch.
    - rng: a numpy.random.Generator; None means np.random.default_rng().

    Returns:
    - a float64 array of shape ``shape``.
    """
    rng = np.random.default_rng() if rng is None else rng
    fan_in, _ = compute_fans(shape)
    bound = math.sqrt(3.0 / fan_in)
    return rng.uniform(-bound, bound, size=tuple(shape))


def lecun_normal(shape, rng=None):
    """LeCun normal initialisation: variance 1 / fan_in.

    w ~ N(0, std²),  std = 1 / √fan_in.

    This is Kaiming with nonlinearity="linear" (gain 1) and mode="fan_in":
    ``torch.nn.init.kaiming_normal_(w, nonlinearity="linear")``, the initialisation torch
    recommends for SELU networks (calculate_gain("selu") = 3/4 does not self-normalise).

    Inputs:
    - shape: tuple, the weight's shape, (fan_out, fan_in, *kernel) as in torch.
    - rng: a numpy.random.Generator; None means np.random.default_rng().

    Returns:
    - a float64 array of shape ``shape``.
    """
    rng = np.random.default_rng() if rng is None else rng
    fan_in, _ = compute_fans(shape)
    return rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=tuple(shape))


def variance_scaling(shape, scale=1.0, mode="fan_in", distribution="truncated_normal", rng=None):
    """Keras's general initialiser ``VarianceScaling``: Var(w) = scale / n.

    n = fan_in (mode="fan_in"), fan_out (mode="fan_out") or (fan_in + fan_out) / 2
    (mode="fan_avg"), with (fan_in, fan_out) = compute_fans(shape) (torch's shape convention).

    ====================  ===========================================================
    distribution          weights
    ====================  ===========================================================
    "truncated_normal"    N(0, std²) cut at ±2·std (values beyond are drawn again),
                          std = √(scale / n) / 0.87962566103423978
    "untruncated_normal"  N(0, std²),  std = √(scale / n)
    "uniform"             U(−b, b),  b = √(3 · scale / n)
    ====================  ===========================================================

    0.87962566103423978 is the standard deviation of a standard normal cut at ±2: cutting
    shrinks the variance by its square, and dividing std by it puts the variance back to
    scale / n. In torch: ``nn.init.trunc_normal_(w, 0, std, -2 * std, 2 * std)``,
    ``nn.init.normal_(w, 0, std)``, ``nn.init.uniform_(w, -b, b)``.

    Every rule of this assignment is a special case (same law, same variance):

        glorot_uniform(shape, gain=g) = variance_scaling(shape, g², "fan_avg", "uniform")
        he_normal(shape, nonlinearity="relu") = variance_scaling(shape, 2.0, "fan_in", "untruncated_normal")
        lecun_normal(shape) = variance_scaling(shape, 1.0, "fan_in", "untruncated_normal")

    (Glorot: g² / ((fan_in + fan_out)/2) = g² · 2/(fan_in + fan_out); He: 2/fan_in; LeCun: 1/fan_in.)
    The notes' worked example, VarianceScaling(scale=2, mode="fan_avg", distribution="uniform"),
    is Glorot uniform with gain √2.

    Inputs:
    - shape: tuple, the weight's shape, (fan_out, fan_in, *kernel) as in torch.
    - scale: a positive number, the variance's numerator.
    - mode: "fan_in", "fan_out" or "fan_avg".
    - distribution: "truncated_normal", "untruncated_normal" or "uniform".
    - rng: a numpy.random.Generator; None means np.random.default_rng().

    Returns:
    - a float64 array of shape ``shape``.

    Raises:
    - ValueError if scale <= 0, or mode or distribution is not one of the names above.
    """
    if not scale > 0:
        raise ValueError(f"scale must be a positive number, not {scale!r}")
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"mode must be 'fan_in', 'fan_out' or 'fan_avg', not {mode!r}")
    if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
        raise ValueError("distribution must be 'truncated_normal', 'untruncated_normal' or 'uniform', "
                         f"not {distribution!r}")
    rng = np.random.default_rng() if rng is None else rng
    fan_in, fan_out = compute_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    shape = tuple(shape)
    if distribution == "uniform":
        bound = math.sqrt(3.0 * scale / n)
        return rng.uniform(-bound, bound, size=shape)
    if distribution == "untruncated_normal":
        return rng.normal(0.0, math.sqrt(scale / n), size=shape)
    std = math.sqrt(scale / n) / 0.87962566103423978
    w = rng.normal(0.0, std, size=shape)
    outside = np.abs(w) > 2 * std
    while outside.any():  # draw the values beyond ±2·std again until none is left
        w[outside] = rng.normal(0.0, std, size=int(outside.sum()))
        outside = np.abs(w) > 2 * std
    return w
