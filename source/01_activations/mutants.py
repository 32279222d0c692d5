"""Plausible wrong implementations of activations.py."""


def _loop2d(function: str, expr: str, params: str = "") -> str:
    """A scalar loop over rows and columns: right on 2-d input, broken on any other shape."""
    return f'''
def {function}(z{params}):
    import math
    z = _as_float(z)
    out = np.empty_like(z)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            x = float(z[i, j])
            out[i, j] = {expr}
    return out
'''


def _float64(function: str, body: str, params: str = "") -> str:
    """Right values, but every input is turned into float64 (float32 is lost)."""
    return f'''
def {function}(z{params}):
    z = np.asarray(z, dtype=np.float64)
    {body}
'''


CHANNEL_SUM = ("np.sum(per_entry, axis=None if shared else tuple(i for i in range(z.ndim) if i != 1))"
               ".reshape(np.shape(weight))")


def _prelu_backward(*, grad_z: str = "np.where(z > 0, g, w * g)", per_entry: str = "np.where(z > 0, 0, z * g)",
                    grad_weight: str = CHANNEL_SUM, start: str = "_as_float(z)") -> str:
    """prelu_backward with its steps given as expressions in z, g (grad_output), w (weight lined up
    with axis 1), shared (one weight) and per_entry."""
    return f'''
def prelu_backward(z, weight, grad_output):
    z = {start}
    g = np.asarray(grad_output).astype(z.dtype)
    w = np.asarray(weight).astype(z.dtype).reshape(-1)
    shared = w.size == 1
    w = w.reshape(()) if shared else w.reshape((1, -1) + (1,) * (z.ndim - 2))
    per_entry = {per_entry}
    grad_weight = {grad_weight}
    return ({grad_z}).astype(z.dtype), np.asarray(grad_weight).astype(z.dtype)
'''


def _rrelu(evaluation: str = "(lower + upper) / 2", *, train: str = "rng.uniform(lower, upper, size=z.shape)",
           where: str = "z >= 0", as_float: str = "_as_float(z)") -> str:
    """rrelu with the evaluation slope, the training slopes and the kept entries given as expressions."""
    return f'''
def rrelu(z, lower=1 / 8, upper=1 / 3, training=False, rng=None):
    z = {as_float}
    if training:
        rng = np.random.default_rng() if rng is None else rng
        slope = {train}
    else:
        slope = {evaluation}
    return np.where({where}, z, slope * z).astype(z.dtype)
'''


MUTANTS = {
    # sigmoid
    "sigmoid_overflows": ("sigmoid", "def sigmoid(z):\n    return 1 / (1 + np.exp(-_as_float(z)))"),
    "sigmoid_clips_input_in_place": ("sigmoid", '''
def sigmoid(z):
    z[z < -700] = -700  # avoid overflow... by writing into the caller's array
    return 1 / (1 + np.exp(-z))'''),
    "sigmoid_tanh_without_half": ("sigmoid", "def sigmoid(z):\n    return 0.5 * (1 + np.tanh(_as_float(z)))  # the identity has tanh(z / 2)"),
    "sigmoid_float64": ("sigmoid", _float64("sigmoid", "e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))")),
    "sigmoid_2d_only": ("sigmoid", _loop2d("sigmoid", "1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))")),
    # sigmoid_derivative
    "sigmoid_derivative_overflows": ("sigmoid_derivative", '''
def sigmoid_derivative(z):
    e = np.exp(-_as_float(z))
    return e / (1 + e) ** 2'''),
    "sigmoid_derivative_of_input": ("sigmoid_derivative", "def sigmoid_derivative(z):\n    return sigmoid(z) * (1 - _as_float(z))"),
    "sigmoid_derivative_float64": ("sigmoid_derivative", _float64("sigmoid_derivative", "s = sigmoid(z)\n    return s * (1 - s)")),
    "sigmoid_derivative_2d_only": ("sigmoid_derivative", _loop2d("sigmoid_derivative", "math.exp(-abs(x)) / (1 + math.exp(-abs(x))) ** 2")),
    # tanh_derivative
    "tanh_derivative_by_exp": ("tanh_derivative", '''
def tanh_derivative(z):
    z = _as_float(z)
    t = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    return 1 - t ** 2'''),
    "tanh_derivative_not_squared": ("tanh_derivative", "def tanh_derivative(z):\n    return 1 - np.tanh(_as_float(z))"),
    "tanh_derivative_float64": ("tanh_derivative", _float64("tanh_derivative", "return 1 - np.tanh(z) ** 2")),
    "tanh_derivative_2d_only": ("tanh_derivative", _loop2d("tanh_derivative", "1 - math.tanh(x) ** 2")),
    # relu
    "relu_in_place": ("relu", "def relu(z):\n    z[z < 0] = 0\n    return z"),
    "relu_float64": ("relu", _float64("relu", "return np.maximum(z, 0.0)")),
    "relu_2d_only": ("relu", _loop2d("relu", "max(x, 0.0)")),
    # relu_derivative
    "relu_derivative_one_at_zero": ("relu_derivative", "def relu_derivative(z):\n    z = _as_float(z)\n    return (z >= 0).astype(z.dtype)"),
    "relu_derivative_bool": ("relu_derivative", "def relu_derivative(z):\n    return _as_float(z) > 0"),
    "relu_derivative_float64": ("relu_derivative", _float64("relu_derivative", "return (z > 0).astype(np.float64)")),
    "relu_derivative_2d_only": ("relu_derivative", _loop2d("relu_derivative", "1.0 if x > 0 else 0.0")),
    # leaky_relu
    "leaky_relu_fixed_slope": ("leaky_relu", "def leaky_relu(z, negative_slope=0.01):\n    z = _as_float(z)\n    return np.where(z > 0, z, 0.01 * z).astype(z.dtype)"),
    "leaky_relu_max_with_slope": ("leaky_relu", "def leaky_relu(z, negative_slope=0.01):\n    return np.maximum(negative_slope, _as_float(z))"),
    "leaky_relu_float64": ("leaky_relu", _float64("leaky_relu", "return np.where(z > 0, z, negative_slope * z)", ", negative_slope=0.01")),
    # leaky_relu_derivative
    "leaky_relu_derivative_one_at_zero": ("leaky_relu_derivative", "def leaky_relu_derivative(z, negative_slope=0.01):\n    z = _as_float(z)\n    return np.where(z >= 0, 1.0, negative_slope).astype(z.dtype)"),
    "leaky_relu_derivative_fixed_slope": ("leaky_relu_derivative", "def leaky_relu_derivative(z, negative_slope=0.01):\n    z = _as_float(z)\n    return np.where(z > 0, 1.0, 0.01).astype(z.dtype)"),
    "leaky_relu_derivative_float64": ("leaky_relu_derivative", _float64("leaky_relu_derivative", "return np.where(z > 0, 1.0, negative_slope)", ", negative_slope=0.01")),
    # elu
    "elu_overflows": ("elu", "def elu(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, z, alpha * (np.exp(z) - 1))"),
    "elu_forgets_minus_one": ("elu", "def elu(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, z, alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)"),
    "elu_fixed_alpha": ("elu", "def elu(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, z, np.expm1(np.minimum(z, 0))).astype(z.dtype)"),
    "elu_float64": ("elu", _float64("elu", "return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))", ", alpha=1.0")),
    # elu_derivative
    "elu_derivative_one_at_zero": ("elu_derivative", "def elu_derivative(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z >= 0, 1.0, alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)"),
    "elu_derivative_overflows": ("elu_derivative", "def elu_derivative(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, 1.0, alpha * np.exp(z)).astype(z.dtype)"),
    "elu_derivative_is_elu": ("elu_derivative", "def elu_derivative(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, 1.0, elu(z, alpha)).astype(z.dtype)"),
    "elu_derivative_fixed_alpha": ("elu_derivative", "def elu_derivative(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))).astype(z.dtype)"),
    "elu_derivative_float64": ("elu_derivative", _float64("elu_derivative", "return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0)))", ", alpha=1.0")),
    # selu
    "selu_rounded_constants": ("selu", "def selu(z):\n    return (1.0507 * elu(z, 1.6733)).astype(_as_float(z).dtype)"),
    "selu_overflows": ("selu", "def selu(z):\n    z = _as_float(z)\n    return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * (np.exp(z) - 1))"),
    "selu_float64": ("selu", _float64("selu", "return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0)))")),
    "selu_2d_only": ("selu", _loop2d("selu", "SELU_SCALE * (x if x > 0 else SELU_ALPHA * math.expm1(x))")),
    # selu_derivative
    "selu_derivative_scale_at_zero": ("selu_derivative", "def selu_derivative(z):\n    z = _as_float(z)\n    return np.where(z >= 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(z, 0))).astype(z.dtype)"),
    "selu_derivative_overflows": ("selu_derivative", "def selu_derivative(z):\n    z = _as_float(z)\n    return np.where(z > 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(z)).astype(z.dtype)"),
    "selu_derivative_no_scale_below_zero": ("selu_derivative", "def selu_derivative(z):\n    z = _as_float(z)\n    return np.where(z > 0, SELU_SCALE, SELU_ALPHA * np.exp(np.minimum(z, 0))).astype(z.dtype)"),
    "selu_derivative_float64": ("selu_derivative", _float64("selu_derivative", "return np.where(z > 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(z, 0)))")),
    "selu_derivative_2d_only": ("selu_derivative", _loop2d("selu_derivative", "SELU_SCALE if x > 0 else SELU_SCALE * SELU_ALPHA * math.exp(x)")),
    # softmax
    "softmax_unshifted": ("softmax", "def softmax(z, axis=-1):\n    e = np.exp(_as_float(z))\n    return e / e.sum(axis=axis, keepdims=True)"),
    "softmax_ignores_axis": ("softmax", "def softmax(z, axis=-1):\n    z = _as_float(z)\n    e = np.exp(z - z.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)"),
    "softmax_sums_everything": ("softmax", "def softmax(z, axis=-1):\n    z = _as_float(z)\n    e = np.exp(z - z.max())\n    return e / e.sum()"),
    "softmax_float64": ("softmax", "def softmax(z, axis=-1):\n    z = np.asarray(z, dtype=np.float64)\n    e = np.exp(z - z.max(axis=axis, keepdims=True))\n    return e / e.sum(axis=axis, keepdims=True)"),
    # log_softmax
    "log_softmax_log_of_softmax": ("log_softmax", "def log_softmax(z, axis=-1):\n    return np.log(softmax(z, axis=axis))"),
    "log_softmax_unshifted": ("log_softmax", "def log_softmax(z, axis=-1):\n    z = _as_float(z)\n    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))"),
    "log_softmax_shift_missing_in_logsumexp": ("log_softmax", "def log_softmax(z, axis=-1):\n    z = _as_float(z)\n    s = z - z.max(axis=axis, keepdims=True)\n    return s - np.log(np.exp(z).sum(axis=axis, keepdims=True))"),
    "log_softmax_ignores_axis": ("log_softmax", "def log_softmax(z, axis=-1):\n    z = _as_float(z)\n    s = z - z.max(axis=-1, keepdims=True)\n    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))"),
    "log_softmax_float64": ("log_softmax", "def log_softmax(z, axis=-1):\n    z = np.asarray(z, dtype=np.float64)\n    s = z - z.max(axis=axis, keepdims=True)\n    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))"),
    # cross_entropy
    "cross_entropy_log_of_softmax": ("cross_entropy", "def cross_entropy(logits, labels):\n    p = softmax(logits, axis=1)\n    return -np.mean(np.log(p[np.arange(len(labels)), labels]))"),
    "cross_entropy_sum": ("cross_entropy", "def cross_entropy(logits, labels):\n    logp = log_softmax(logits, axis=1)\n    return -np.sum(logp[np.arange(len(labels)), labels])"),
    "cross_entropy_squeezes": ("cross_entropy", "def cross_entropy(logits, labels):\n    logp = log_softmax(np.squeeze(logits), axis=1)\n    return -np.mean(logp[np.arange(len(labels)), labels])"),
    "cross_entropy_float64": ("cross_entropy", "def cross_entropy(logits, labels):\n    logp = log_softmax(np.asarray(logits, dtype=np.float64), axis=1)\n    return -np.mean(logp[np.arange(len(labels)), labels])"),
    "cross_entropy_five_classes": ("cross_entropy", "def cross_entropy(logits, labels):\n    onehot = np.eye(5)[labels]\n    return -np.mean(np.sum(onehot * log_softmax(logits, axis=1), axis=1))"),
    # cross_entropy_grad
    "cross_entropy_grad_not_averaged": ("cross_entropy_grad", "def cross_entropy_grad(logits, labels):\n    p = softmax(logits, axis=1)\n    p[np.arange(len(labels)), labels] -= 1\n    return p"),
    "cross_entropy_grad_unshifted": ("cross_entropy_grad", "def cross_entropy_grad(logits, labels):\n    e = np.exp(_as_float(logits))\n    p = e / e.sum(axis=1, keepdims=True)\n    p[np.arange(len(labels)), labels] -= 1\n    return p / len(labels)"),
    "cross_entropy_grad_squeezes": ("cross_entropy_grad", "def cross_entropy_grad(logits, labels):\n    p = softmax(np.squeeze(logits), axis=1)\n    p[np.arange(len(labels)), labels] -= 1\n    return p / len(labels)"),
    "cross_entropy_grad_float64": ("cross_entropy_grad", "def cross_entropy_grad(logits, labels):\n    p = softmax(np.asarray(logits, dtype=np.float64), axis=1)\n    p[np.arange(len(labels)), labels] -= 1\n    return p / len(labels)"),
    "cross_entropy_grad_five_classes": ("cross_entropy_grad", "def cross_entropy_grad(logits, labels):\n    return (softmax(logits, axis=1) - np.eye(5)[labels]) / len(labels)"),
    # prelu
    "prelu_last_axis": ("prelu", "def prelu(z, weight):\n    z = _as_float(z)\n    return np.where(z > 0, z, weight * z).astype(z.dtype)  # NumPy lines weight up with the last axis"),
    "prelu_first_weight_only": ("prelu", "def prelu(z, weight):\n    z = _as_float(z)\n    return np.where(z > 0, z, weight[0] * z).astype(z.dtype)"),
    "prelu_max_trick": ("prelu", '''
def prelu(z, weight):
    z = _as_float(z)
    w = np.asarray(weight, dtype=z.dtype).reshape((1, -1) + (1,) * (z.ndim - 2)) if np.size(weight) > 1 else weight[0]
    return np.maximum(z, w * z).astype(z.dtype)  # leaky_relu's trick: right only for slopes in [0, 1]'''),
    "prelu_channel_reshape_always": ("prelu", '''
def prelu(z, weight):
    z = _as_float(z)
    w = np.asarray(weight, dtype=z.dtype).reshape((1, -1) + (1,) * (z.ndim - 2))
    return np.where(z > 0, z, w * z).astype(z.dtype)'''),
    "prelu_in_place": ("prelu", '''
def prelu(z, weight):
    w = np.asarray(weight).reshape((1, -1) + (1,) * (z.ndim - 2)) if np.size(weight) > 1 else weight[0]
    z *= np.where(z > 0, 1.0, w).astype(z.dtype)
    return z'''),
    "prelu_float64": ("prelu", '''
def prelu(z, weight):
    z = np.asarray(z, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64).reshape((1, -1) + (1,) * (z.ndim - 2)) if np.size(weight) > 1 else weight[0]
    return np.where(z > 0, z, w * z)'''),
    # prelu_backward
    "prelu_backward_one_at_zero": ("prelu_backward", _prelu_backward(grad_z="np.where(z >= 0, g, w * g)")),
    "prelu_backward_weight_grad_not_summed": ("prelu_backward", _prelu_backward(grad_weight="per_entry")),
    "prelu_backward_sums_all_channels": ("prelu_backward", _prelu_backward(grad_weight="np.full(np.shape(weight), per_entry.sum())")),
    "prelu_backward_sums_axis_0": ("prelu_backward", _prelu_backward(grad_weight="np.sum(per_entry, axis=None if shared else 0).reshape(np.shape(weight))")),
    "prelu_backward_forgets_grad_output": ("prelu_backward", _prelu_backward(per_entry="np.where(z > 0, 0, z)")),
    "prelu_backward_scalar_weight_grad": ("prelu_backward", _prelu_backward(grad_weight=CHANNEL_SUM.replace(".reshape(np.shape(weight))", ""))),
    "prelu_backward_in_place": ("prelu_backward", '''
def prelu_backward(z, weight, grad_output):
    z = _as_float(z)
    w = np.asarray(weight, dtype=z.dtype).reshape((1, -1) + (1,) * (z.ndim - 2)) if np.size(weight) > 1 else weight[0]
    grad_weight = np.where(z > 0, 0, z * grad_output)
    grad_weight = grad_weight.sum(axis=tuple(i for i in range(z.ndim) if i != 1)) if np.size(weight) > 1 else grad_weight.sum(keepdims=True).reshape(1)
    grad_output *= np.where(z > 0, 1.0, w).astype(grad_output.dtype)  # scales the caller's gradient
    return grad_output, grad_weight.astype(z.dtype)'''),
    "prelu_backward_float64": ("prelu_backward", _prelu_backward(start="np.asarray(z, dtype=np.float64)")),
    # rrelu
    "rrelu_evaluation_uses_lower": ("rrelu", _rrelu("lower")),
    "rrelu_evaluation_default_slope": ("rrelu", _rrelu("(1 / 8 + 1 / 3) / 2")),
    "rrelu_training_fixed_slope": ("rrelu", _rrelu(train="(lower + upper) / 2")),
    "rrelu_training_shared_slope": ("rrelu", _rrelu(train="rng.uniform(lower, upper)")),
    "rrelu_training_slope_per_row": ("rrelu", _rrelu(train="rng.uniform(lower, upper, size=z.shape[:1] + (1,) * (z.ndim - 1))")),
    "rrelu_training_from_zero": ("rrelu", _rrelu(train="rng.uniform(0, upper, size=z.shape)")),
    "rrelu_training_width_is_upper": ("rrelu", _rrelu(train="lower + upper * rng.random(z.shape)")),
    "rrelu_training_default_range": ("rrelu", _rrelu(train="rng.uniform(1 / 8, 1 / 3, size=z.shape)")),
    "rrelu_slope_on_every_entry": ("rrelu", _rrelu(where="False")),
    "rrelu_ignores_rng": ("rrelu", _rrelu(train="np.random.default_rng().uniform(lower, upper, size=z.shape)")),
    "rrelu_float64": ("rrelu", _rrelu(as_float="np.asarray(z, dtype=np.float64)")),
}
