"""01 — Activations and their derivatives.

Backpropagation multiplies, layer after layer, by the derivative of the activation. The
sigmoid's derivative is at most 1/4 and nearly 0 once |z| is large (σ'(5) ≈ 0.0066), so a deep
sigmoid network multiplies many small numbers and its early layers stop learning: the gradient
*vanishes*. Non-saturating activations (ReLU, LeakyReLU, ELU, SELU) keep a derivative of 1 for
z > 0; LeakyReLU, ELU and SELU also keep a non-zero derivative for z < 0, so units cannot die.
PReLU learns that negative slope by backpropagation (one per channel); RReLU draws it at random
during training and uses its mean at test time.

Rules for every function here (the checks enforce them against PyTorch):
- NumPy only (no torch, tensorflow or jax); inputs are never modified.
- Any shape, including 0-d and empty arrays. float32 in gives float32 out; any other input
  gives float64.
- No overflow warning and no NaN for |z| up to 1e3.
- Where a function has a kink (ReLU at 0, ...), the derivative there is torch's:
  relu'(0) = 0, leaky_relu'(0) = negative_slope, elu'(0) = alpha, selu'(0) = scale * alpha,
  and PReLU's d/dz at 0 is its weight.

Run the public checks with ``pytest`` in this folder.
"""

import numpy as np

# torch.nn.SELU's constants (Klambauer et al., 2017), to full double precision.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _as_float(z):
    """z as a float array: float32 stays float32, anything else becomes float64."""
    z = np.asarray(z)
    return z.astype(np.float32 if z.dtype == np.float32 else np.float64, copy=False)


def sigmoid(z):
    """Logistic sigmoid, elementwise: σ(z) = 1 / (1 + e^{-z}).

    Inputs:
    - z: array of any shape.

    Returns:
    - σ(z), an array of z's shape, in (0, 1).

    Numerics: e^{-z} overflows for z < -709 (float64). Use only e^{-|z|} <= 1:
    σ(z) = 1 / (1 + e^{-z}) for z >= 0 and σ(z) = e^{z} / (1 + e^{z}) for z < 0.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def sigmoid_derivative(z):
    """Derivative of the sigmoid: σ'(z) = σ(z) (1 − σ(z)).

    Its maximum is σ'(0) = 1/4, and σ'(5) ≈ 0.0066: ten saturated layers multiply the gradient
    by about 1e-22.

    Inputs:
    - z: array of any shape (pre-activations).

    Returns:
    - σ'(z), an array of z's shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def tanh_derivative(z):
    """Derivative of tanh: tanh'(z) = 1 − tanh(z)^2 (at most 1, at z = 0).

    Inputs:
    - z: array of any shape.

    Returns:
    - tanh'(z), an array of z's shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def relu(z):
    """Rectified linear unit: relu(z) = max(0, z).

    Inputs:
    - z: array of any shape.

    Returns:
    - an array of z's shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def relu_derivative(z):
    """Derivative of ReLU: 1 where z > 0, else 0 (torch's convention: relu'(0) = 0).

    A unit whose pre-activation is negative for every input gets no gradient at all: it is
    "dead" and never recovers.

    Inputs:
    - z: array of any shape.

    Returns:
    - an array of z's shape holding 0.0 and 1.0.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def leaky_relu(z, negative_slope=0.01):
    """Leaky ReLU: z for z > 0, negative_slope * z otherwise.

    Inputs:
    - z: array of any shape.
    - negative_slope: the slope α for z <= 0 (torch's default 0.01).

    Returns:
    - an array of z's shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def leaky_relu_derivative(z, negative_slope=0.01):
    """Derivative of leaky ReLU: 1 for z > 0, negative_slope for z <= 0 (torch's convention at 0).

    Inputs:
    - z: array of any shape.
    - negative_slope: the slope α for z <= 0.

    Returns:
    - an array of z's shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def elu(z, alpha=1.0):
    """Exponential linear unit: z for z > 0, alpha * (e^z − 1) for z <= 0.

    Inputs:
    - z: array of any shape.
    - alpha: the value ELU approaches as z → −∞ is −alpha.

    Returns:
    - an array of z's shape.

    Numerics: evaluate e^z only where z <= 0 (e^{1000} overflows), and prefer np.expm1 to
    np.exp(z) − 1, which loses digits for small |z|.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def elu_derivative(z, alpha=1.0):
    """Derivative of ELU: 1 for z > 0, alpha * e^z for z <= 0 (so elu'(0) = alpha, as torch).

    Inputs:
    - z: array of any shape.
    - alpha: as in ``elu``.

    Returns:
    - an array of z's shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def selu(z):
    """Scaled ELU: selu(z) = SELU_SCALE * elu(z, SELU_ALPHA).

    With LeCun-normal weights and standardised inputs, these two constants make each layer map
    mean 0 / variance 1 activations to mean 0 / variance 1 (self-normalisation).

    Inputs:
    - z: array of any shape.

    Returns:
    - an array of z's shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def selu_derivative(z):
    """Derivative of SELU: SELU_SCALE for z > 0, SELU_SCALE * SELU_ALPHA * e^z for z <= 0.

    Inputs:
    - z: array of any shape.

    Returns:
    - an array of z's shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def softmax(z, axis=-1):
    """Softmax along ``axis``: softmax(z)_i = e^{z_i} / Σ_j e^{z_j}.

    Inputs:
    - z: array of any shape with at least one dimension (logits).
    - axis: the axis that sums to 1.

    Returns:
    - an array of z's shape, non-negative, summing to 1 along ``axis``.

    Numerics: softmax(z) = softmax(z − c) for any constant c; subtract the maximum along
    ``axis`` so that every exponent is <= 0 and nothing overflows for |z| up to 1e3.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def log_softmax(z, axis=-1):
    """log(softmax(z)) along ``axis``, computed without taking the log of a tiny number.

    log_softmax(z)_i = (z_i − m) − log Σ_j e^{z_j − m},  with m = max_j z_j.

    Inputs:
    - z: array of any shape with at least one dimension.
    - axis: the axis of the softmax.

    Returns:
    - an array of z's shape (all entries <= 0).
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def cross_entropy(logits, labels):
    """Mean cross-entropy of integer labels under softmax(logits), as torch's F.cross_entropy.

    loss = −(1/N) Σ_n log softmax(logits_n)[labels_n]

    Inputs:
    - logits: array of shape (N, C), N >= 1, raw scores (not probabilities).
    - labels: integer array of shape (N,), each in [0, C).

    Returns:
    - the loss, a scalar (a 0-d array or NumPy scalar) of logits' float dtype.

    Numerics: go through log_softmax, never log(softmax(...)): softmax can underflow to 0.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def cross_entropy_grad(logits, labels):
    """Gradient of ``cross_entropy`` with respect to the logits.

    d loss / d logits = (softmax(logits) − onehot(labels)) / N

    Inputs:
    - logits: array of shape (N, C).
    - labels: integer array of shape (N,).

    Returns:
    - an array of shape (N, C), logits' float dtype.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def prelu(z, weight):
    """Parametric ReLU (He et al., 2015), as torch.nn.functional.prelu: a leaky ReLU whose negative
    slope is a parameter, learned by backpropagation like the weights.

        prelu(z)[n, c, ...] = z[n, c, ...]               if z[n, c, ...] > 0
                              weight[c] * z[n, c, ...]   otherwise

    Inputs:
    - z: array of shape (N, C, *) (channels on axis 1, as torch); any shape, 0-d and 1-d included,
      when weight has a single entry.
    - weight: array of shape (1,) (one slope for every entry) or (C,) with C = z.shape[1] (one
      slope per channel). A slope may be negative or larger than 1: it is learned.

    Returns:
    - an array of z's shape.

    Broadcasting: NumPy lines a (C,) array up with the *last* axis of z; reshape weight to
    (1, C, 1, ..., 1) so that it lines up with axis 1 (for 2-d z the two coincide).
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def prelu_backward(z, weight, grad_output):
    """Gradients of a loss L through ``prelu``, as torch.autograd gives them.

    With g = dL/dprelu(z) (grad_output) and c the channel of each entry:

        dL/dz[n, c, ...] = g[n, c, ...]               if z[n, c, ...] > 0
                           weight[c] * g[n, c, ...]   otherwise (z == 0 included, as torch)
        dL/dweight[c]    = Σ_{n, ...: z[n, c, ...] <= 0} g[n, c, ...] · z[n, c, ...]

    The weight's gradient sums over every axis but the channel axis 1 (over every entry when weight
    has a single entry): each slope is shared by all the entries of its channel.

    Inputs:
    - z: array of shape (N, C, *), as in ``prelu``.
    - weight: array of shape (1,) or (C,), as in ``prelu``.
    - grad_output: dL/dprelu(z), an array of z's shape.

    Returns a tuple (grad_z, grad_weight):
    - grad_z: dL/dz, an array of z's shape;
    - grad_weight: dL/dweight, an array of weight's shape.
    Both of z's float dtype.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def rrelu(z, lower=1 / 8, upper=1 / 3, training=False, rng=None):
    """Randomized leaky ReLU (Xu et al., 2015), as torch.nn.functional.rrelu.

    Training (training=True): every negative entry gets its own slope, drawn independently from
    U(lower, upper) at every call:

        rrelu(z)_i = z_i           if z_i >= 0
                     a_i · z_i     otherwise,   a_i ~ U(lower, upper)

    Evaluation (training=False): the slope is the mean of that law, a = (lower + upper) / 2, so
    rrelu(z) = leaky_relu(z, (lower + upper) / 2): deterministic, and equal to torch's to the bit.

    Inputs:
    - z: array of any shape.
    - lower, upper: the range of the random slopes, 0 <= lower <= upper (torch's 1/8 and 1/3).
    - training: draw random slopes (True) or use their mean (False).
    - rng: the numpy.random.Generator every slope is drawn from (training only); None makes a
      fresh np.random.default_rng().

    Returns:
    - an array of z's shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
