"""Plausible wrong implementations of activations.py, each with its mistake in the student's terms."""

# Mistakes several mutants make (each mutant's third item completes "your <function> ...").
FLOAT64 = "turns its input into float64, so a float32 input gives a float64 result; keep float32 as float32 (the file's _as_float does)"
SQUEEZES = "squeezes the logits, so a batch of one (shape (1, C)) loses its batch axis; keep the logits 2-d"
FIVE_CLASSES = "builds the one-hot labels with np.eye(5), i.e. for five classes only; index with labels instead (logp[np.arange(N), labels]), or use the number of columns of logits"
LOOP2D = ("loops over z[i, j], so it works on 2-d input only; use whole-array operations (np.where, np.exp) so that "
          "any shape works (0-d, 1-d, 4-d)")


def _loop2d(function: str, expr: str, params: str = "") -> tuple:
    """A scalar loop over rows and columns: right on 2-d input, broken on any other shape.
    The mutant's entry (function, source, mistake)."""
    return function, f'''
def {function}(z{params}):
    import math
    z = _as_float(z)
    out = np.empty_like(z)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            x = float(z[i, j])
            out[i, j] = {expr}
    return out
''', LOOP2D


def _float64(function: str, body: str, params: str = "") -> tuple:
    """Right values, but every input is turned into float64 (float32 is lost).
    The mutant's entry (function, source, mistake)."""
    return function, f'''
def {function}(z{params}):
    z = np.asarray(z, dtype=np.float64)
    {body}
''', FLOAT64


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
    "sigmoid_overflows": ("sigmoid", "def sigmoid(z):\n    return 1 / (1 + np.exp(-_as_float(z)))",
                          "computes 1/(1 + e^(−z)) for every z, and e^(−z) overflows for large negative z (NumPy warns); use e^z/(1 + e^z) where z < 0"),
    "sigmoid_clips_input_in_place": ("sigmoid", '''
def sigmoid(z):
    z[z < -700] = -700  # avoid overflow... by writing into the caller's array
    return 1 / (1 + np.exp(-z))''',
                                     "writes into the caller's array (z[z < −700] = ...); compute into a new array"),
    "sigmoid_tanh_without_half": ("sigmoid", "def sigmoid(z):\n    return 0.5 * (1 + np.tanh(_as_float(z)))  # the identity has tanh(z / 2)",
                                  "returns (1 + tanh(z))/2; the identity is σ(z) = (1 + tanh(z/2))/2"),
    "sigmoid_float64": _float64("sigmoid", "e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))"),
    "sigmoid_2d_only": _loop2d("sigmoid", "1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))"),
    # sigmoid_derivative
    "sigmoid_derivative_overflows": ("sigmoid_derivative", '''
def sigmoid_derivative(z):
    e = np.exp(-_as_float(z))
    return e / (1 + e) ** 2''',
                                     "computes e^(−z)/(1 + e^(−z))², and e^(−z) overflows for large negative z (NumPy warns); use σ(z)(1 − σ(z)) with a stable sigmoid"),
    "sigmoid_derivative_of_input": ("sigmoid_derivative", "def sigmoid_derivative(z):\n    return sigmoid(z) * (1 - _as_float(z))",
                                    "returns σ(z)(1 − z), the derivative taken with respect to the wrong thing: σ'(z) = σ(z)(1 − σ(z))"),
    "sigmoid_derivative_float64": _float64("sigmoid_derivative", "s = sigmoid(z)\n    return s * (1 - s)"),
    "sigmoid_derivative_2d_only": _loop2d("sigmoid_derivative", "math.exp(-abs(x)) / (1 + math.exp(-abs(x))) ** 2"),
    # tanh_derivative
    "tanh_derivative_by_exp": ("tanh_derivative", '''
def tanh_derivative(z):
    z = _as_float(z)
    t = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    return 1 - t ** 2''',
                               "builds tanh from e^z and e^(−z), which overflow for large |z| (inf/inf is NaN); use np.tanh"),
    "tanh_derivative_not_squared": ("tanh_derivative", "def tanh_derivative(z):\n    return 1 - np.tanh(_as_float(z))",
                                    "returns 1 − tanh(z) instead of 1 − tanh(z)²"),
    "tanh_derivative_float64": _float64("tanh_derivative", "return 1 - np.tanh(z) ** 2"),
    "tanh_derivative_2d_only": _loop2d("tanh_derivative", "1 - math.tanh(x) ** 2"),
    # relu
    "relu_in_place": ("relu", "def relu(z):\n    z[z < 0] = 0\n    return z",
                      "zeroes the negative entries of the caller's array (z[z < 0] = 0) and returns it; return a new array (np.maximum(z, 0))"),
    "relu_float64": _float64("relu", "return np.maximum(z, 0.0)"),
    "relu_2d_only": _loop2d("relu", "max(x, 0.0)"),
    # relu_derivative
    "relu_derivative_one_at_zero": ("relu_derivative", "def relu_derivative(z):\n    z = _as_float(z)\n    return (z >= 0).astype(z.dtype)",
                                    "returns 1 at z = 0 (z >= 0); torch's relu'(0) is 0 (1 only where z > 0)"),
    "relu_derivative_bool": ("relu_derivative", "def relu_derivative(z):\n    return _as_float(z) > 0",
                             "returns a boolean array (z > 0); return numbers of z's float dtype ((z > 0).astype(z.dtype))"),
    "relu_derivative_float64": _float64("relu_derivative", "return (z > 0).astype(np.float64)"),
    "relu_derivative_2d_only": _loop2d("relu_derivative", "1.0 if x > 0 else 0.0"),
    # leaky_relu
    "leaky_relu_fixed_slope": ("leaky_relu", "def leaky_relu(z, negative_slope=0.01):\n    z = _as_float(z)\n    return np.where(z > 0, z, 0.01 * z).astype(z.dtype)",
                               "uses the slope 0.01 whatever negative_slope is given; use the argument"),
    "leaky_relu_max_with_slope": ("leaky_relu", "def leaky_relu(z, negative_slope=0.01):\n    return np.maximum(negative_slope, _as_float(z))",
                                  "returns max(negative_slope, z); leaky_relu is z where z > 0 and negative_slope·z elsewhere"),
    "leaky_relu_float64": _float64("leaky_relu", "return np.where(z > 0, z, negative_slope * z)", ", negative_slope=0.01"),
    # leaky_relu_derivative
    "leaky_relu_derivative_one_at_zero": ("leaky_relu_derivative", "def leaky_relu_derivative(z, negative_slope=0.01):\n    z = _as_float(z)\n    return np.where(z >= 0, 1.0, negative_slope).astype(z.dtype)",
                                          "returns 1 at z = 0 (z >= 0); torch gives negative_slope there (1 only where z > 0)"),
    "leaky_relu_derivative_fixed_slope": ("leaky_relu_derivative", "def leaky_relu_derivative(z, negative_slope=0.01):\n    z = _as_float(z)\n    return np.where(z > 0, 1.0, 0.01).astype(z.dtype)",
                                          "returns 0.01 for z <= 0 whatever negative_slope is given; use the argument"),
    "leaky_relu_derivative_float64": _float64("leaky_relu_derivative", "return np.where(z > 0, 1.0, negative_slope)", ", negative_slope=0.01"),
    # elu
    "elu_overflows": ("elu", "def elu(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, z, alpha * (np.exp(z) - 1))",
                      "evaluates e^z on every entry, so it overflows for large positive z (NumPy warns) even where np.where discards it; evaluate np.expm1 on np.minimum(z, 0)"),
    "elu_forgets_minus_one": ("elu", "def elu(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, z, alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)",
                              "returns alpha·e^z for z <= 0; ELU is alpha·(e^z − 1) there"),
    "elu_fixed_alpha": ("elu", "def elu(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, z, np.expm1(np.minimum(z, 0))).astype(z.dtype)",
                        "returns e^z − 1 for z <= 0 whatever alpha is given; ELU is alpha·(e^z − 1) there"),
    "elu_float64": _float64("elu", "return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))", ", alpha=1.0"),
    # elu_derivative
    "elu_derivative_one_at_zero": ("elu_derivative", "def elu_derivative(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z >= 0, 1.0, alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)",
                                   "returns 1 at z = 0 (z >= 0); torch's elu'(0) is alpha (1 only where z > 0)"),
    "elu_derivative_overflows": ("elu_derivative", "def elu_derivative(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, 1.0, alpha * np.exp(z)).astype(z.dtype)",
                                 "evaluates alpha·e^z on every entry, so it overflows for large positive z (NumPy warns); use e^(min(z, 0))"),
    "elu_derivative_is_elu": ("elu_derivative", "def elu_derivative(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, 1.0, elu(z, alpha)).astype(z.dtype)",
                              "returns elu(z) for z <= 0; the derivative there is alpha·e^z (elu(z) + alpha)"),
    "elu_derivative_fixed_alpha": ("elu_derivative", "def elu_derivative(z, alpha=1.0):\n    z = _as_float(z)\n    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))).astype(z.dtype)",
                                   "returns e^z for z <= 0 whatever alpha is given; the derivative there is alpha·e^z"),
    "elu_derivative_float64": _float64("elu_derivative", "return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0)))", ", alpha=1.0"),
    # selu
    "selu_rounded_constants": ("selu", "def selu(z):\n    return (1.0507 * elu(z, 1.6733)).astype(_as_float(z).dtype)",
                               "uses the constants rounded (1.0507, 1.6733); use SELU_SCALE and SELU_ALPHA at full precision"),
    "selu_overflows": ("selu", "def selu(z):\n    z = _as_float(z)\n    return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * (np.exp(z) - 1))",
                       "evaluates e^z on every entry, so it overflows for large positive z (NumPy warns); use np.expm1(np.minimum(z, 0))"),
    "selu_float64": _float64("selu", "return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0)))"),
    "selu_2d_only": _loop2d("selu", "SELU_SCALE * (x if x > 0 else SELU_ALPHA * math.expm1(x))"),
    # selu_derivative
    "selu_derivative_scale_at_zero": ("selu_derivative", "def selu_derivative(z):\n    z = _as_float(z)\n    return np.where(z >= 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(z, 0))).astype(z.dtype)",
                                      "returns SELU_SCALE at z = 0 (z >= 0); torch gives SELU_SCALE·SELU_ALPHA there (SELU_SCALE only where z > 0)"),
    "selu_derivative_overflows": ("selu_derivative", "def selu_derivative(z):\n    z = _as_float(z)\n    return np.where(z > 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(z)).astype(z.dtype)",
                                  "evaluates e^z on every entry, so it overflows for large positive z (NumPy warns); use e^(min(z, 0))"),
    "selu_derivative_no_scale_below_zero": ("selu_derivative", "def selu_derivative(z):\n    z = _as_float(z)\n    return np.where(z > 0, SELU_SCALE, SELU_ALPHA * np.exp(np.minimum(z, 0))).astype(z.dtype)",
                                            "returns SELU_ALPHA·e^z for z <= 0, without SELU_SCALE; the derivative there is SELU_SCALE·SELU_ALPHA·e^z"),
    "selu_derivative_float64": _float64("selu_derivative", "return np.where(z > 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(z, 0)))"),
    "selu_derivative_2d_only": _loop2d("selu_derivative", "SELU_SCALE if x > 0 else SELU_SCALE * SELU_ALPHA * math.exp(x)"),
    # softmax
    "softmax_unshifted": ("softmax", "def softmax(z, axis=-1):\n    e = np.exp(_as_float(z))\n    return e / e.sum(axis=axis, keepdims=True)",
                          "exponentiates z without subtracting its max, so e^z overflows for large z (inf/inf is NaN); subtract z.max(axis=axis, keepdims=True) first"),
    "softmax_ignores_axis": ("softmax", "def softmax(z, axis=-1):\n    z = _as_float(z)\n    e = np.exp(z - z.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)",
                             "always normalises along the last axis; use the axis argument (in the max and in the sum)"),
    "softmax_sums_everything": ("softmax", "def softmax(z, axis=-1):\n    z = _as_float(z)\n    e = np.exp(z - z.max())\n    return e / e.sum()",
                                "divides by the sum of the whole array; sum along axis (keepdims=True) so that each slice sums to 1"),
    "softmax_float64": ("softmax", "def softmax(z, axis=-1):\n    z = np.asarray(z, dtype=np.float64)\n    e = np.exp(z - z.max(axis=axis, keepdims=True))\n    return e / e.sum(axis=axis, keepdims=True)",
                        FLOAT64),
    # log_softmax
    "log_softmax_log_of_softmax": ("log_softmax", "def log_softmax(z, axis=-1):\n    return np.log(softmax(z, axis=axis))",
                                   "returns np.log(softmax(z)), which is log(0) = −inf where a probability underflows; compute (z − m) − log(Σ e^(z − m)), m the max"),
    "log_softmax_unshifted": ("log_softmax", "def log_softmax(z, axis=-1):\n    z = _as_float(z)\n    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))",
                              "computes log(Σ e^z) without subtracting the max, so e^z overflows for large z; use m + log(Σ e^(z − m)), m the max"),
    "log_softmax_shift_missing_in_logsumexp": ("log_softmax", "def log_softmax(z, axis=-1):\n    z = _as_float(z)\n    s = z - z.max(axis=axis, keepdims=True)\n    return s - np.log(np.exp(z).sum(axis=axis, keepdims=True))",
                                               "subtracts the max m from z but not inside the log-sum-exp, so (z − m) − log(Σ e^z) is off by m; use log(Σ e^(z − m))"),
    "log_softmax_ignores_axis": ("log_softmax", "def log_softmax(z, axis=-1):\n    z = _as_float(z)\n    s = z - z.max(axis=-1, keepdims=True)\n    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))",
                                 "always works along the last axis; use the axis argument (in the max and in the sum)"),
    "log_softmax_float64": ("log_softmax", "def log_softmax(z, axis=-1):\n    z = np.asarray(z, dtype=np.float64)\n    s = z - z.max(axis=axis, keepdims=True)\n    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))",
                            FLOAT64),
    # cross_entropy
    "cross_entropy_log_of_softmax": ("cross_entropy", "def cross_entropy(logits, labels):\n    p = softmax(logits, axis=1)\n    return -np.mean(np.log(p[np.arange(len(labels)), labels]))",
                                     "takes np.log of softmax's probabilities, which is −inf where one underflows to 0 (large logits); use log_softmax"),
    "cross_entropy_sum": ("cross_entropy", "def cross_entropy(logits, labels):\n    logp = log_softmax(logits, axis=1)\n    return -np.sum(logp[np.arange(len(labels)), labels])",
                          "returns the sum of the losses over the batch; torch's cross_entropy is their mean"),
    "cross_entropy_squeezes": ("cross_entropy", "def cross_entropy(logits, labels):\n    logp = log_softmax(np.squeeze(logits), axis=1)\n    return -np.mean(logp[np.arange(len(labels)), labels])",
                               SQUEEZES),
    "cross_entropy_float64": ("cross_entropy", "def cross_entropy(logits, labels):\n    logp = log_softmax(np.asarray(logits, dtype=np.float64), axis=1)\n    return -np.mean(logp[np.arange(len(labels)), labels])",
                              FLOAT64),
    "cross_entropy_five_classes": ("cross_entropy", "def cross_entropy(logits, labels):\n    onehot = np.eye(5)[labels]\n    return -np.mean(np.sum(onehot * log_softmax(logits, axis=1), axis=1))",
                                   FIVE_CLASSES),
    # cross_entropy_grad
    "cross_entropy_grad_not_averaged": ("cross_entropy_grad", "def cross_entropy_grad(logits, labels):\n    p = softmax(logits, axis=1)\n    p[np.arange(len(labels)), labels] -= 1\n    return p",
                                        "returns softmax(logits) − onehot(labels) without dividing by the batch size N"),
    "cross_entropy_grad_unshifted": ("cross_entropy_grad", "def cross_entropy_grad(logits, labels):\n    e = np.exp(_as_float(logits))\n    p = e / e.sum(axis=1, keepdims=True)\n    p[np.arange(len(labels)), labels] -= 1\n    return p / len(labels)",
                                     "exponentiates the logits without subtracting their max, which overflows for large logits; use softmax"),
    "cross_entropy_grad_squeezes": ("cross_entropy_grad", "def cross_entropy_grad(logits, labels):\n    p = softmax(np.squeeze(logits), axis=1)\n    p[np.arange(len(labels)), labels] -= 1\n    return p / len(labels)",
                                    SQUEEZES),
    "cross_entropy_grad_float64": ("cross_entropy_grad", "def cross_entropy_grad(logits, labels):\n    p = softmax(np.asarray(logits, dtype=np.float64), axis=1)\n    p[np.arange(len(labels)), labels] -= 1\n    return p / len(labels)",
                                   FLOAT64),
    "cross_entropy_grad_five_classes": ("cross_entropy_grad", "def cross_entropy_grad(logits, labels):\n    return (softmax(logits, axis=1) - np.eye(5)[labels]) / len(labels)",
                                        FIVE_CLASSES),
    # prelu
    "prelu_last_axis": ("prelu", "def prelu(z, weight):\n    z = _as_float(z)\n    return np.where(z > 0, z, weight * z).astype(z.dtype)  # NumPy lines weight up with the last axis",
                        "multiplies by weight as given, so NumPy lines a (C,) weight up with the last axis, not with the channels (axis 1); reshape it to (1, C, 1, ..., 1)"),
    "prelu_first_weight_only": ("prelu", "def prelu(z, weight):\n    z = _as_float(z)\n    return np.where(z > 0, z, weight[0] * z).astype(z.dtype)",
                                "uses weight[0] for every channel; channel c (axis 1) has its own slope weight[c]"),
    "prelu_max_trick": ("prelu", '''
def prelu(z, weight):
    z = _as_float(z)
    w = np.asarray(weight, dtype=z.dtype).reshape((1, -1) + (1,) * (z.ndim - 2)) if np.size(weight) > 1 else weight[0]
    return np.maximum(z, w * z).astype(z.dtype)  # leaky_relu's trick: right only for slopes in [0, 1]''',
                        "returns np.maximum(z, weight·z), which is PReLU only for slopes in [0, 1]; use np.where(z > 0, z, weight·z)"),
    "prelu_channel_reshape_always": ("prelu", '''
def prelu(z, weight):
    z = _as_float(z)
    w = np.asarray(weight, dtype=z.dtype).reshape((1, -1) + (1,) * (z.ndim - 2))
    return np.where(z > 0, z, w * z).astype(z.dtype)''',
                                     "reshapes a 1-entry weight to (1, 1, ...) too, which adds axes to a 0-d or 1-d input; use a 1-entry weight as a scalar"),
    "prelu_in_place": ("prelu", '''
def prelu(z, weight):
    w = np.asarray(weight).reshape((1, -1) + (1,) * (z.ndim - 2)) if np.size(weight) > 1 else weight[0]
    z *= np.where(z > 0, 1.0, w).astype(z.dtype)
    return z''',
                       "multiplies the caller's z in place (z *= ...) and returns it; compute into a new array"),
    "prelu_float64": ("prelu", '''
def prelu(z, weight):
    z = np.asarray(z, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64).reshape((1, -1) + (1,) * (z.ndim - 2)) if np.size(weight) > 1 else weight[0]
    return np.where(z > 0, z, w * z)''',
                      FLOAT64),
    # prelu_backward
    "prelu_backward_one_at_zero": ("prelu_backward", _prelu_backward(grad_z="np.where(z >= 0, g, w * g)"),
                                   "passes grad_output through unscaled at z = 0 (z >= 0); torch scales it by the weight there (grad_output alone only where z > 0)"),
    "prelu_backward_weight_grad_not_summed": ("prelu_backward", _prelu_backward(grad_weight="per_entry"),
                                              "returns grad_weight per entry, shaped like z; sum grad_output·z (where z <= 0) over every axis but 1, shaped like weight"),
    "prelu_backward_sums_all_channels": ("prelu_backward", _prelu_backward(grad_weight="np.full(np.shape(weight), per_entry.sum())"),
                                         "gives every channel the sum over all channels; sum grad_output·z over each channel c (axis 1) separately"),
    "prelu_backward_sums_axis_0": ("prelu_backward", _prelu_backward(grad_weight="np.sum(per_entry, axis=None if shared else 0).reshape(np.shape(weight))"),
                                   "sums grad_weight over axis 0 only; sum over every axis but 1 (the channels)"),
    "prelu_backward_forgets_grad_output": ("prelu_backward", _prelu_backward(per_entry="np.where(z > 0, 0, z)"),
                                           "sums z, not grad_output·z, over the entries with z <= 0 for grad_weight"),
    "prelu_backward_scalar_weight_grad": ("prelu_backward", _prelu_backward(grad_weight=CHANNEL_SUM.replace(".reshape(np.shape(weight))", "")),
                                          "returns grad_weight as the bare sum (0-d for a 1-entry weight); reshape it to weight's shape"),
    "prelu_backward_in_place": ("prelu_backward", '''
def prelu_backward(z, weight, grad_output):
    z = _as_float(z)
    w = np.asarray(weight, dtype=z.dtype).reshape((1, -1) + (1,) * (z.ndim - 2)) if np.size(weight) > 1 else weight[0]
    grad_weight = np.where(z > 0, 0, z * grad_output)
    grad_weight = grad_weight.sum(axis=tuple(i for i in range(z.ndim) if i != 1)) if np.size(weight) > 1 else grad_weight.sum(keepdims=True).reshape(1)
    grad_output *= np.where(z > 0, 1.0, w).astype(grad_output.dtype)  # scales the caller's gradient
    return grad_output, grad_weight.astype(z.dtype)''',
                                "scales the caller's grad_output in place (grad_output *= ...) and returns it; compute grad_z into a new array"),
    "prelu_backward_float64": ("prelu_backward", _prelu_backward(start="np.asarray(z, dtype=np.float64)"),
                               FLOAT64),
    # rrelu
    "rrelu_evaluation_uses_lower": ("rrelu", _rrelu("lower"),
                                    "uses the slope lower in evaluation; torch uses (lower + upper)/2"),
    "rrelu_evaluation_default_slope": ("rrelu", _rrelu("(1 / 8 + 1 / 3) / 2"),
                                       "uses (1/8 + 1/3)/2 in evaluation whatever lower and upper are given; use (lower + upper)/2"),
    "rrelu_training_fixed_slope": ("rrelu", _rrelu(train="(lower + upper) / 2"),
                                   "uses the fixed slope (lower + upper)/2 in training; draw one slope per entry, rng.uniform(lower, upper, size=z.shape)"),
    "rrelu_training_shared_slope": ("rrelu", _rrelu(train="rng.uniform(lower, upper)"),
                                    "draws one slope for the whole array in training; draw one per entry (size=z.shape)"),
    "rrelu_training_slope_per_row": ("rrelu", _rrelu(train="rng.uniform(lower, upper, size=z.shape[:1] + (1,) * (z.ndim - 1))"),
                                     "draws one slope per row in training; draw one per entry (size=z.shape)"),
    "rrelu_training_from_zero": ("rrelu", _rrelu(train="rng.uniform(0, upper, size=z.shape)"),
                                 "draws the training slopes from [0, upper]; draw them from [lower, upper]"),
    "rrelu_training_width_is_upper": ("rrelu", _rrelu(train="lower + upper * rng.random(z.shape)"),
                                      "draws the training slopes from [lower, lower + upper]; draw them from [lower, upper]"),
    "rrelu_training_default_range": ("rrelu", _rrelu(train="rng.uniform(1 / 8, 1 / 3, size=z.shape)"),
                                     "draws the training slopes from [1/8, 1/3] whatever lower and upper are given; use the arguments"),
    "rrelu_slope_on_every_entry": ("rrelu", _rrelu(where="False"),
                                   "multiplies every entry by the slope, the positive ones too; keep z where z >= 0"),
    "rrelu_ignores_rng": ("rrelu", _rrelu(train="np.random.default_rng().uniform(lower, upper, size=z.shape)"),
                          "draws from a new generator, not from the rng argument, so the same seed gives different slopes; draw from rng"),
    "rrelu_float64": ("rrelu", _rrelu(as_float="np.asarray(z, dtype=np.float64)"),
                      FLOAT64),
}
