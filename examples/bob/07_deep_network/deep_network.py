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
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))  # overflow warning for z < -709
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "selu":
        return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))
    if name == "linear":
        return z.copy()
    raise ValueError(name)


def activation_derivative(z, name):
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        return np.exp(-z) / (1 + np.exp(-z)) ** 2  # overflows for z < -709
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return (z >= 0).astype(np.float64)  # 1 at z == 0; torch says 0
    if name == "selu":
        return SELU_SCALE * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0.0)))
    if name == "linear":
        return np.ones_like(z)
    raise ValueError(name)


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
    rng = np.random.default_rng(seed)
    params = []
    for l in range(len(dims) - 1):
        fan_in, fan_out = dims[l], dims[l + 1]
        if init == "identity" and fan_in == fan_out:
            W = gain * np.eye(fan_in)
        else:
            std = {"normal": 1.0, "he": np.sqrt(2.0 / fan_in), "lecun": np.sqrt(1.0 / fan_in),
                   "glorot": np.sqrt(2.0 / (fan_in + fan_out)), "identity": np.sqrt(2.0 / fan_in)}[init]
            W = rng.normal(0.0, gain * std, (fan_out, fan_in))
        layer = {"W": W, "b": np.zeros(fan_out)}
        if batchnorm and l < len(dims) - 2:
            layer["gamma"], layer["beta"] = np.ones(fan_out), np.zeros(fan_out)
        params.append(layer)
    return params


def forward(params, x, activation_name="relu"):
    """The forward pass: returns ``(logits, cache)``.

    ``x`` is (batch, dims[0]). ``cache`` is whatever your ``backward`` needs (any Python object;
    the checks never look into it). Also put the hidden layers' activations in it if your
    ``train`` uses them for its statistics.
    """
    a = np.asarray(x, dtype=np.float64)
    cache = {"inputs": [], "z": [], "bn": [], "act": [], "name": activation_name}
    for l, layer in enumerate(params):
        cache["inputs"].append(a)
        z = a @ layer["W"].T + layer["b"]
        if l == len(params) - 1:
            return z, cache
        bn = None
        if "gamma" in layer:
            mu, var = z.mean(axis=0), z.var(axis=0)
            inv = 1.0 / np.sqrt(var + BN_EPS)
            x_hat = (z - mu) * inv
            bn = (x_hat, inv)
            z = layer["gamma"] * x_hat + layer["beta"]
        cache["z"].append(z)
        cache["bn"].append(bn)
        a = activation(z, activation_name)
        cache["act"].append(a)
    return a, cache


def cross_entropy(logits, y):
    """Mean cross-entropy of integer labels ``y`` under ``logits`` (batch, classes), and its
    gradient: returns ``(loss, dlogits)`` with loss a Python float and dlogits = (softmax −
    onehot) / batch. Stable for logits up to ±1e3; inf/NaN logits give a NaN loss, no error."""
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        m = z.max(axis=1, keepdims=True)
        shifted = z - m
        logsum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        logp = shifted - logsum
    n = z.shape[0]
    loss = -float(np.mean(logp[np.arange(n), y]))
    d = np.exp(logp)
    d[np.arange(n), y] -= 1.0
    return loss, d / n


def backward(params, cache, dlogits):
    """The backward pass from dL/dlogits: returns ``grads``, one dict per layer with the same
    keys as ``params`` ("W", "b", and "gamma", "beta" where the layer has batch norm).
    Batch norm's backward is the training-mode one (the batch statistics depend on z)."""
    L = len(params)
    g = np.asarray(dlogits, dtype=np.float64)
    grads = [None] * L
    for l in range(L - 1, -1, -1):
        layer = params[l]
        if l < L - 1:
            g = g * activation_derivative(cache["z"][l], cache["name"])
            grad = {}
            if cache["bn"][l] is not None:
                x_hat, inv = cache["bn"][l]
                grad["gamma"] = np.sum(g * x_hat, axis=0)
                grad["beta"] = np.sum(g, axis=0)
                gx = g * layer["gamma"]
                g = inv * (gx - gx.mean(axis=0) - x_hat * np.mean(gx * x_hat, axis=0))
        else:
            grad = {}
        grad["W"] = g.T @ cache["inputs"][l]
        grad["b"] = g.sum(axis=0)
        grads[l] = grad
        g = g @ layer["W"]
    return grads


def clip_by_global_norm(grads, max_norm):
    """Scale all gradients together so that their global 2-norm (over every array of every
    layer) is at most ``max_norm``: returns ``(clipped, total_norm)``, the norm before clipping,
    exactly as ``torch.nn.utils.clip_grad_norm_`` (coefficient max_norm / (total_norm + CLIP_EPS),
    applied only when below 1). New arrays; ``grads`` is not modified."""
    total = float(np.sqrt(sum(np.sum(v * v) for layer in grads for v in layer.values())))
    coef = max_norm / (total + CLIP_EPS)
    scale = coef if coef < 1.0 else 1.0
    return [{k: v * scale for k, v in layer.items()} for layer in grads], total


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
    new_params, new_velocity = [], []
    for l, layer in enumerate(params):
        old_v = {} if velocity is None else velocity[l]
        if l in frozen:
            new_params.append({k: p.copy() for k, p in layer.items()})
            new_velocity.append({k: v.copy() for k, v in old_v.items()})
            continue
        lr_l = lr if lr_scale is None else lr * lr_scale[l]
        p_out, v_out = {}, {}
        for k, p in layer.items():
            g = grads[l][k]
            v = momentum * old_v[k] + g if k in old_v else g.copy()
            step = g + momentum * v if nesterov else v
            p_out[k], v_out[k] = p - lr_l * step, v
        new_params.append(p_out)
        new_velocity.append(v_out)
    return new_params, new_velocity


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
    bn = any("gamma" in layer for layer in pretrained)
    fresh = init_params(dims, seed=seed, batchnorm=bn)
    reused = [{k: np.array(v, dtype=np.float64, copy=True) for k, v in layer.items()} for layer in pretrained[:n_reuse]]
    return reused + fresh[n_reuse:]


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
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y)
    if params is None:
        params = init_params(dims, init, gain, seed, batchnorm)
    else:
        params = [{k: np.array(v, dtype=np.float64, copy=True) for k, v in layer.items()} for layer in params]
    rng = np.random.default_rng(seed + 1)
    losses, accs = np.full(epochs + 1, np.nan), np.full(epochs + 1, np.nan)

    def evaluate(p):
        with np.errstate(all="ignore"):
            logits, cache = forward(p, x, activation_name)
            loss, dlogits = cross_entropy(logits, y)
        return logits, cache, loss, dlogits

    logits, cache, loss, dlogits = evaluate(params)
    grads = backward(params, cache, dlogits)
    history = {"grad_norms": np.array([np.linalg.norm(gr["W"]) for gr in grads]),
               "act_mean": np.array([a.mean() for a in cache["act"]]),
               "act_std": np.array([a.std() for a in cache["act"]])}
    losses[0], accs[0] = loss, np.mean(np.argmax(logits, axis=1) == y)
    velocity = None
    n = len(x)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        with np.errstate(all="ignore"):
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                logits, cache = forward(params, x[idx], activation_name)
                _, dlogits = cross_entropy(logits, y[idx])
                grads = backward(params, cache, dlogits)
                if clip is not None:
                    free = [l for l in range(len(grads)) if l not in frozen]
                    clipped, _ = clip_by_global_norm([grads[l] for l in free], clip)
                    for l, g in zip(free, clipped):
                        grads[l] = g
                params, velocity = sgd_step(params, grads, velocity, lr, momentum, nesterov, frozen, lr_scale)
        logits, _, loss, _ = evaluate(params)
        losses[epoch], accs[epoch] = loss, np.mean(np.argmax(logits, axis=1) == y)
        if not np.isfinite(loss):
            break
    history.update(loss=losses, accuracy=accs)
    return history
