"""Plausible wrong implementations of deep_network.py (07, the capstone).

Few on purpose: every mutant grades the whole capstone (~2 s, training runs included). Each check
is failed by at least one of them; the transfer-learning ones (frozen layers, per-layer rates,
copies) are the mistakes the torch semantics invite: frozen as a zero rate (the buffer still
moves), the rate put into the buffer, a frozen layer that forgets its buffer, copies of the dicts
that share the arrays.
"""

import ast
from pathlib import Path

from gradkit.course import remove_markers

_START = '''if params is None:
    params = init_params(dims, init, gain, seed, batchnorm)
else:
    params = [{k: np.array(v, dtype=np.float64, copy=True) for k, v in layer.items()} for layer in params]'''
_CLIP = '''if clip is not None:
    free = [l for l in range(len(grads)) if l not in frozen]
    clipped, _ = clip_by_global_norm([grads[l] for l in free], clip)
    for l, g in zip(free, clipped):
        grads[l] = g'''
_STEPS = ((_START, 4), (_CLIP, 16))  # the steps a mutant may replace, and their indentation in train


def _indent(code: str, spaces: int) -> str:
    return code.replace("\n", "\n" + " " * spaces)


def _solution_train() -> str:
    """The solution's train (from the master module beside this file), without its docstring."""
    text = remove_markers(Path(__file__).with_name("deep_network.py").read_text())
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == "train")
    lines = text.splitlines()
    doc = node.body[0]
    return "\n".join(lines[node.lineno - 1:doc.lineno - 1] + lines[doc.end_lineno:node.end_lineno])


_TRAIN = _solution_train()


def _train(mistake: str, *, start: str = _START, clip: str = _CLIP) -> tuple:
    """The mutant ("train", source, mistake): the solution's train with its parameter set-up
    (``start``) or its clipping step (``clip``) replaced."""
    source = "\n" + _TRAIN
    for (step, spaces), new in zip(_STEPS, (start, clip)):
        if _indent(step, spaces) not in source:
            raise ValueError(f"the solution's train no longer holds this step; update _STEPS:\n{step}")
        source = source.replace(_indent(step, spaces), _indent(new, spaces))
    return "train", source, mistake


MUTANTS = {
    # activation
    "activation_sigmoid_overflows": ("activation", '''
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
    raise ValueError(name)''',
        "computes sigmoid as 1 / (1 + exp(−z)), which overflows (a warning) for z < −709; use exp(−|z|)"),
    "activation_selu_without_scale": ("activation", '''
def activation(z, name):
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "selu":
        return np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))  # an ELU: the scale is missing
    if name == "linear":
        return z.copy()
    raise ValueError(name)''',
        "leaves SELU_SCALE out of selu (what remains is an ELU); selu = SELU_SCALE · elu with α = SELU_ALPHA"),
    # activation_derivative
    "activation_derivative_naive": ("activation_derivative", '''
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
    raise ValueError(name)''',
        "takes relu'(0) = 1 (torch: 0), and σ'(z) = e^(−z) / (1 + e^(−z))², which overflows for z < −709"),
    # init_params
    "init_params_batchnorm_always": ("init_params", '''
def init_params(dims, init="he", gain=1.0, seed=0, batchnorm=False):
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
        if l < len(dims) - 2:  # the batchnorm flag is never read
            layer["gamma"], layer["beta"] = np.ones(fan_out), np.zeros(fan_out)
        params.append(layer)
    return params''',
        "adds gamma and beta to every hidden layer even with batchnorm=False; only batchnorm=True adds them"),
    "init_params_never_batchnorm": ("init_params", '''
def init_params(dims, init="he", gain=1.0, seed=0, batchnorm=False):
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
        params.append({"W": W, "b": np.zeros(fan_out)})  # no gamma/beta: batch norm never happens
    return params''',
        "never adds gamma and beta; with batchnorm=True every hidden layer gets gamma = ones, beta = zeros"),
    "init_params_lecun_uses_fan_out": ("init_params", '''
def init_params(dims, init="he", gain=1.0, seed=0, batchnorm=False):
    rng = np.random.default_rng(seed)
    params = []
    for l in range(len(dims) - 1):
        fan_in, fan_out = dims[l], dims[l + 1]
        if init == "identity" and fan_in == fan_out:
            W = gain * np.eye(fan_in)
        else:
            std = {"normal": 1.0, "he": np.sqrt(2.0 / fan_in), "lecun": np.sqrt(1.0 / fan_out),  # fan_out
                   "glorot": np.sqrt(2.0 / (fan_in + fan_out)), "identity": np.sqrt(2.0 / fan_in)}[init]
            W = rng.normal(0.0, gain * std, (fan_out, fan_in))
        layer = {"W": W, "b": np.zeros(fan_out)}
        if batchnorm and l < len(dims) - 2:
            layer["gamma"], layer["beta"] = np.ones(fan_out), np.zeros(fan_out)
        params.append(layer)
    return params''',
        "draws LeCun weights with std √(1/fan_out); LeCun's std is √(1/fan_in)"),
    # forward
    "forward_activates_the_logits": ("forward", '''
def forward(params, x, activation_name="relu"):
    a = np.asarray(x, dtype=np.float64)
    cache = {"inputs": [], "z": [], "bn": [], "act": [], "name": activation_name}
    for l, layer in enumerate(params):
        cache["inputs"].append(a)
        z = a @ layer["W"].T + layer["b"]
        if l == len(params) - 1:
            return activation(z, activation_name), cache  # the last layer should stay linear
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
    return a, cache''',
        "applies the activation to the last layer too; the logits are the last layer's z, left linear"),
    # cross_entropy
    "cross_entropy_gradient_not_averaged": ("cross_entropy", '''
def cross_entropy(logits, y):
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        shifted = z - z.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = z.shape[0]
    loss = -float(np.mean(logp[np.arange(n), y]))
    d = np.exp(logp)
    d[np.arange(n), y] -= 1.0
    return loss, d  # the loss is a mean, so its gradient needs the 1/N''',
        "returns softmax − onehot without the 1/N; the loss is a mean, so dlogits = (softmax − onehot) / N"),
    # backward
    "backward_forgets_the_activation_derivative": ("backward", '''
def backward(params, cache, dlogits):
    L = len(params)
    g = np.asarray(dlogits, dtype=np.float64)
    grads = [None] * L
    for l in range(L - 1, -1, -1):
        layer = params[l]
        grad = {}
        if l < L - 1 and cache["bn"][l] is not None:
            x_hat, inv = cache["bn"][l]
            grad["gamma"] = np.sum(g * x_hat, axis=0)
            grad["beta"] = np.sum(g, axis=0)
            gx = g * layer["gamma"]
            g = inv * (gx - gx.mean(axis=0) - x_hat * np.mean(gx * x_hat, axis=0))
        grad["W"] = g.T @ cache["inputs"][l]
        grad["b"] = g.sum(axis=0)
        grads[l] = grad
        g = g @ layer["W"]
    return grads''',
        "leaves out the activation's derivative: multiply by activation_derivative(z) at every hidden layer"),
    "backward_batchnorm_ignores_batch_statistics": ("backward", '''
def backward(params, cache, dlogits):
    L = len(params)
    g = np.asarray(dlogits, dtype=np.float64)
    grads = [None] * L
    for l in range(L - 1, -1, -1):
        layer = params[l]
        grad = {}
        if l < L - 1:
            g = g * activation_derivative(cache["z"][l], cache["name"])
            if cache["bn"][l] is not None:
                x_hat, inv = cache["bn"][l]
                grad["gamma"] = np.sum(g * x_hat, axis=0)
                grad["beta"] = np.sum(g, axis=0)
                g = g * layer["gamma"] * inv  # as if the batch mean and variance were constants
        grad["W"] = g.T @ cache["inputs"][l]
        grad["b"] = g.sum(axis=0)
        grads[l] = grad
        g = g @ layer["W"]
    return grads''',
        "treats batch norm's μ and var as constants (g·γ/√(var + eps)); in training add the two mean terms"),
    # clip_by_global_norm
    "clip_by_global_norm_per_layer": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(v * v) for layer in grads for v in layer.values())))
    out = []
    for layer in grads:
        norm = float(np.sqrt(sum(np.sum(v * v) for v in layer.values())))
        scale = min(1.0, max_norm / (norm + CLIP_EPS))  # each layer on its own
        out.append({k: v * scale for k, v in layer.items()})
    return out, total''',
        "clips each layer by its own norm instead of by the total norm over all layers"),
    # sgd_step
    "sgd_step_ignores_nesterov": ("sgd_step", '''
def sgd_step(params, grads, velocity, lr, momentum=0.9, nesterov=False, frozen=(), lr_scale=None):
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
            p_out[k], v_out[k] = p - lr_l * v, v  # the Nesterov look-ahead is missing
        new_params.append(p_out)
        new_velocity.append(v_out)
    return new_params, new_velocity''',
        "ignores nesterov=True and steps by v; Nesterov's step is p − lr·(g + momentum·v)"),
    "sgd_step_ignores_frozen": ("sgd_step", '''
def sgd_step(params, grads, velocity, lr, momentum=0.9, nesterov=False, frozen=(), lr_scale=None):
    new_params, new_velocity = [], []
    for l, layer in enumerate(params):  # frozen is never read: every layer moves
        old_v = {} if velocity is None else velocity[l]
        lr_l = lr if lr_scale is None else lr * lr_scale[l]
        p_out, v_out = {}, {}
        for k, p in layer.items():
            g = grads[l][k]
            v = momentum * old_v[k] + g if k in old_v else g.copy()
            step = g + momentum * v if nesterov else v
            p_out[k], v_out[k] = p - lr_l * step, v
        new_params.append(p_out)
        new_velocity.append(v_out)
    return new_params, new_velocity''',
        "moves the frozen layers too; a layer in frozen keeps its arrays and its velocity unchanged"),
    "sgd_step_frozen_layer_keeps_momentum": ("sgd_step", '''
def sgd_step(params, grads, velocity, lr, momentum=0.9, nesterov=False, frozen=(), lr_scale=None):
    new_params, new_velocity = [], []
    for l, layer in enumerate(params):
        old_v = {} if velocity is None else velocity[l]
        lr_l = 0.0 if l in frozen else lr if lr_scale is None else lr * lr_scale[l]  # frozen as a zero rate
        p_out, v_out = {}, {}
        for k, p in layer.items():
            g = grads[l][k]
            v = momentum * old_v[k] + g if k in old_v else g.copy()  # the frozen layer's buffer still moves
            step = g + momentum * v if nesterov else v
            p_out[k], v_out[k] = p - lr_l * step, v
        new_params.append(p_out)
        new_velocity.append(v_out)
    return new_params, new_velocity''',
        "freezes a layer with a zero rate, so its buffer still moves; torch leaves a frozen layer's buffer as it was"),
    "sgd_step_frozen_layer_loses_its_buffer": ("sgd_step", '''
def sgd_step(params, grads, velocity, lr, momentum=0.9, nesterov=False, frozen=(), lr_scale=None):
    new_params, new_velocity = [], []
    for l, layer in enumerate(params):
        old_v = {} if velocity is None else velocity[l]
        if l in frozen:
            new_params.append({k: p.copy() for k, p in layer.items()})
            new_velocity.append({})  # torch keeps the buffer of a parameter while it is frozen
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
    return new_params, new_velocity''',
        "drops a frozen layer's buffer ({}); torch keeps it unchanged, for when the layer is unfrozen"),
    "sgd_step_lr_scale_in_the_buffer": ("sgd_step", '''
def sgd_step(params, grads, velocity, lr, momentum=0.9, nesterov=False, frozen=(), lr_scale=None):
    new_params, new_velocity = [], []
    for l, layer in enumerate(params):
        old_v = {} if velocity is None else velocity[l]
        if l in frozen:
            new_params.append({k: p.copy() for k, p in layer.items()})
            new_velocity.append({k: v.copy() for k, v in old_v.items()})
            continue
        scale = 1.0 if lr_scale is None else lr_scale[l]
        p_out, v_out = {}, {}
        for k, p in layer.items():
            g = scale * grads[l][k]  # scales the gradient that enters the buffer, not the step
            v = momentum * old_v[k] + g if k in old_v else g.copy()
            step = g + momentum * v if nesterov else v
            p_out[k], v_out[k] = p - lr * step, v
        new_params.append(p_out)
        new_velocity.append(v_out)
    return new_params, new_velocity''',
        "scales the gradient that enters the buffer by lr_scale; the rate lr·lr_scale[l] scales the step only"),
    "sgd_step_ignores_lr_scale": ("sgd_step", '''
def sgd_step(params, grads, velocity, lr, momentum=0.9, nesterov=False, frozen=(), lr_scale=None):
    new_params, new_velocity = [], []
    for l, layer in enumerate(params):
        old_v = {} if velocity is None else velocity[l]
        if l in frozen:
            new_params.append({k: p.copy() for k, p in layer.items()})
            new_velocity.append({k: v.copy() for k, v in old_v.items()})
            continue
        p_out, v_out = {}, {}
        for k, p in layer.items():
            g = grads[l][k]
            v = momentum * old_v[k] + g if k in old_v else g.copy()
            step = g + momentum * v if nesterov else v
            p_out[k], v_out[k] = p - lr * step, v  # one rate for every layer
        new_params.append(p_out)
        new_velocity.append(v_out)
    return new_params, new_velocity''',
        "ignores lr_scale; layer l steps with the rate lr·lr_scale[l]"),
    # transfer_params
    "transfer_params_returns_views": ("transfer_params", '''
def transfer_params(pretrained, n_reuse, dims, seed=0):
    bn = any("gamma" in layer for layer in pretrained)
    fresh = init_params(dims, seed=seed, batchnorm=bn)
    return list(pretrained[:n_reuse]) + fresh[n_reuse:]  # the same dicts, the same arrays''',
        "returns pretrained's own layers; the reused layers must be copies of every array"),
    "transfer_params_copies_only_the_dicts": ("transfer_params", '''
def transfer_params(pretrained, n_reuse, dims, seed=0):
    bn = any("gamma" in layer for layer in pretrained)
    fresh = init_params(dims, seed=seed, batchnorm=bn)
    return [dict(layer) for layer in pretrained[:n_reuse]] + fresh[n_reuse:]  # new dicts, shared arrays''',
        "copies the layer dicts but not their arrays (dict(layer) shares them); copy every array"),
    "transfer_params_reinitialises_everything": ("transfer_params", '''
def transfer_params(pretrained, n_reuse, dims, seed=0):
    bn = any("gamma" in layer for layer in pretrained)
    return init_params(dims, seed=seed, batchnorm=bn)  # nothing of pretrained is kept''',
        "initialises every layer afresh; the first n_reuse layers are copies of pretrained's"),
    "transfer_params_fresh_part_as_its_own_net": ("transfer_params", '''
def transfer_params(pretrained, n_reuse, dims, seed=0):
    bn = any("gamma" in layer for layer in pretrained)
    reused = [{k: v.copy() for k, v in layer.items()} for layer in pretrained[:n_reuse]]
    return reused + init_params(dims[n_reuse:], seed=seed, batchnorm=bn)  # other random draws than init_params(dims)''',
        "draws the fresh layers from init_params(dims[n_reuse:]); they are those of init_params(dims, seed=seed)"),
    # train
    "train_ignores_clip": _train(
        "never clips; with clip set, clip the gradients of the layers not frozen (clip_by_global_norm) at each step",
        clip="# clip is never applied"),
    "train_ignores_params": _train(
        "starts from init_params even when params are given; start from a copy of the given params",
        start="params = init_params(dims, init, gain, seed, batchnorm)  # the given params are never used"),
    "train_clips_the_frozen_layers_too": _train(
        "counts the frozen layers' gradients in the clipping norm; clip the gradients of the other layers only",
        clip="if clip is not None:\n"
             "    grads, _ = clip_by_global_norm(grads, clip)  # the frozen layers' gradients count in the norm"),
}
