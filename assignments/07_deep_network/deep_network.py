"""07 — Capstone: a deep network in NumPy, and what each remedy does to its gradients.

You build a deep multilayer perceptron from scratch — activations, initialisation, forward
and backward passes (with optional batch normalisation), cross-entropy, gradient clipping and
SGD with momentum or Nesterov — and train it on two spirals. With your own code you then see
on one data set what the notes claim:

- sigmoid with N(0, 1) weights: the gradient norms fall by orders of magnitude from the last
  layer to the first, and the network does not learn;
- ReLU with He initialisation trains;
- SELU with LeCun initialisation keeps every layer's activations near mean 0 and std 1;
- batch normalisation rescues the sigmoid network with the same N(0, 1) weights;
- with 1.5·I weights the loss overflows, and clipping the global gradient norm keeps it finite;
- on a new task with few labels, the lower layers of a network trained on a related task,
  reused and frozen under a new output layer, beat training from scratch, and unfreezing the
  top reused layer at a lower learning rate does at least as well (transfer learning).

The network. ``params`` is a list with one dict per layer, input side first:
``{"W": (out, in) array, "b": (out,) array}``, plus ``"gamma"`` and ``"beta"`` ((out,) arrays)
on a hidden layer that has batch normalisation. Layer l computes z = a @ W.T + b; a hidden
layer then applies batch normalisation if it has gamma/beta (training mode: the batch's mean
and biased variance, eps = BN_EPS, then gamma * x_hat + beta) and then the activation; the
last layer is linear and its output are the logits. Gradients have the same structure as
``params`` (``grads[l]["W"]`` is dL/dW_l, ...). Layers are numbered from 0 wherever a function
takes layer indices (``frozen``) or one value per layer (``lr_scale``).

Rules (the checks enforce them against PyTorch):
- NumPy only (no torch, tensorflow or jax); float64 throughout; inputs are never modified.
- The loss is the mean cross-entropy over the batch (as ``torch.nn.functional.cross_entropy``).
- Everything random comes from ``np.random.default_rng(seed)``; the checks grade measured
  outcomes (gradient norms, accuracy reached, activation statistics), not your random numbers.
- No warnings for large logits (|z| up to 1e3); a run that overflows returns inf/NaN losses
  rather than raising.

Run the public checks with ``pytest`` in this folder. Each training run in the checks takes
well under a second with a vectorised implementation; loop over layers, never over examples.
"""

import numpy as np

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
BN_EPS = 1e-5
CLIP_EPS = 1e-6  # as torch.nn.utils.clip_grad_norm_: coefficient max_norm / (total_norm + 1e-6)
ACTIVATIONS = ("sigmoid", "tanh", "relu", "selu", "linear")
INITS = ("normal", "he", "lecun", "glorot", "identity")


def make_spirals(n=256, noise=0.2, seed=0):
    """Two interleaved spirals: x (n, 2) float64 (standardised), y (n,) int64 labels 0/1. Given."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0.25, 1.0, n) * 3 * np.pi
    x = np.stack([t * np.cos(t + np.pi * y), t * np.sin(t + np.pi * y)], axis=1)
    x = x + rng.normal(0.0, noise * 3, x.shape)
    x = (x - x.mean(0)) / x.std(0)
    return x, y.astype(np.int64)


def activation(z, name):
    """The activation ``name`` (one of ACTIVATIONS) applied elementwise to z.

    "selu" uses SELU_SCALE and SELU_ALPHA; "linear" is the identity. Stable for |z| up to 1e3
    (no overflow warning): write the sigmoid with e^{-|z|} only. Unknown names raise ValueError.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def activation_derivative(z, name):
    """d activation(z, name) / dz elementwise, with torch's convention at kinks (relu'(0) = 0,
    selu'(0) = SELU_SCALE * SELU_ALPHA)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def init_params(dims, init="he", gain=1.0, seed=0, batchnorm=False):
    """Parameters of an MLP with layer sizes ``dims`` (dims[0] inputs, dims[-1] classes).

    Layer l has W of shape (dims[l+1], dims[l]) and b = zeros. W is drawn from a normal
    distribution with mean 0 and standard deviation ``gain`` times:
    - "normal": 1 (the N(0, 1) weights of the notes);
    - "he": sqrt(2 / fan_in);  "lecun": sqrt(1 / fan_in);  "glorot": sqrt(2 / (fan_in + fan_out));
    - "identity": square layers get exactly ``gain * I`` (no randomness), the others He's.
    fan_in = dims[l], fan_out = dims[l+1]. With ``batchnorm``, every hidden layer (all but the
    last) also gets "gamma" = ones and "beta" = zeros. Random numbers from
    ``np.random.default_rng(seed)``. Returns a list of dicts (see the module docstring).
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def forward(params, x, activation_name="relu"):
    """The forward pass: returns ``(logits, cache)``.

    ``x`` is (batch, dims[0]). ``cache`` is whatever your ``backward`` needs (any Python object;
    the checks never look into it). Also put the hidden layers' activations in it if your
    ``train`` uses them for its statistics.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def cross_entropy(logits, y):
    """Mean cross-entropy of integer labels ``y`` under ``logits`` (batch, classes), and its
    gradient: returns ``(loss, dlogits)`` with loss a Python float and dlogits = (softmax −
    onehot) / batch. Stable for logits up to ±1e3; inf/NaN logits give a NaN loss, no error."""
    # YOUR CODE HERE
    raise NotImplementedError()


def backward(params, cache, dlogits):
    """The backward pass from dL/dlogits: returns ``grads``, one dict per layer with the same
    keys as ``params`` ("W", "b", and "gamma", "beta" where the layer has batch norm).
    Batch norm's backward is the training-mode one (the batch statistics depend on z)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def clip_by_global_norm(grads, max_norm):
    """Scale all gradients together so that their global 2-norm (over every array of every
    layer) is at most ``max_norm``: returns ``(clipped, total_norm)``, the norm before clipping,
    exactly as ``torch.nn.utils.clip_grad_norm_`` (coefficient max_norm / (total_norm + CLIP_EPS),
    applied only when below 1). New arrays; ``grads`` is not modified."""
    # YOUR CODE HERE
    raise NotImplementedError()


def sgd_step(params, grads, velocity, lr, momentum=0.9, nesterov=False, frozen=(), lr_scale=None):
    """One step of ``torch.optim.SGD(lr=lr, momentum=momentum, nesterov=nesterov)`` on every
    array of every layer that is not frozen. For layer l with rate lr_l = lr * lr_scale[l]
    (lr_l = lr when ``lr_scale`` is None) and each of its arrays p with gradient g:

        v = momentum * v + g          (v = g when there is no buffer yet)
        p = p - lr_l * v              (p - lr_l * (g + momentum * v) with Nesterov)

    ``velocity`` is None on the first step, else the velocity this function returned last:
    one dict per layer, holding the momentum buffer of every array that has one. A layer whose
    index is in ``frozen`` is left alone, as torch leaves a parameter with
    ``requires_grad=False``: its arrays are copied unchanged, and so is its velocity dict
    (``{}`` when it has no buffer: a layer frozen from the start never gets one). ``lr_scale``
    is torch's parameter groups, one group per layer with its own lr: it scales the step, never
    the buffer. Returns ``(params, velocity)`` as new lists of dicts; the inputs are not modified.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def transfer_params(pretrained, n_reuse, dims, seed=0):
    """The starting parameters of transfer learning: reuse the lower layers of a trained
    network, initialise the rest afresh (at least the output layer, whose classes are new).

    ``pretrained`` is a list of layer dicts (see the module docstring), ``dims`` the layer sizes
    of the new network; its first n_reuse layers have the shapes of pretrained's
    (W_l is (dims[l+1], dims[l]) for l < n_reuse, 0 <= n_reuse <= len(dims) - 1). Returns a list
    of len(dims) - 1 dicts:
    - layers 0 .. n_reuse - 1: copies of pretrained's, every array copied (writing into the
      result never changes ``pretrained``, nor the reverse: training the new network leaves the
      old one intact);
    - layers n_reuse .. len(dims) - 2: exactly the layers ``init_params(dims, seed=seed,
      batchnorm=bn)`` gives for them (He initialisation, b = 0), where bn says whether
      ``pretrained`` has batch norm (a "gamma" in any layer).
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def train(x, y, dims, activation_name="relu", init="he", epochs=20, lr=0.05, momentum=0.9,
          nesterov=False, batch_size=64, batchnorm=False, clip=None, gain=1.0, seed=0, params=None,
          frozen=(), lr_scale=None):
    """Train an MLP on (x, y) with mini-batch SGD; returns a dict of measurements.

    Parameters from ``init_params(dims, init, gain, seed, batchnorm)``. Each epoch shuffles the
    examples with ``np.random.default_rng(seed + 1)`` (one generator for the whole run) and
    takes one ``sgd_step`` per batch of ``batch_size`` (the last batch may be smaller), after
    ``clip_by_global_norm(grads, clip)`` when ``clip`` is not None. Once the loss is not finite,
    stop and fill the remaining entries with NaN.

    Transfer learning: with ``params`` (a list of layer dicts, e.g. from ``transfer_params``)
    training starts from copies of them instead (init, gain and batchnorm are unused; ``params``
    is not modified). Every step is ``sgd_step(..., frozen=frozen, lr_scale=lr_scale)``: the
    layers in ``frozen`` never change, layer l steps at lr * lr_scale[l]. Clipping then measures
    and scales the gradients of the layers not frozen only (torch: a frozen layer has no
    gradient). "grad_norms" still covers every layer.

    Returns a dict of NumPy arrays:
    - "loss": (epochs + 1,), the mean cross-entropy on all of (x, y) before training and after
      each epoch (batch norm uses the statistics of all of x);
    - "accuracy": (epochs + 1,), the fraction of (x, y) classified right, at the same times;
    - "grad_norms": (L,), ||dL/dW_l|| (Frobenius) of every layer at initialisation, on all of
      (x, y), layer 1 first;
    - "act_mean", "act_std": (L - 1,), the mean and standard deviation (over all entries) of each
      hidden layer's activations at initialisation, on all of x.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
