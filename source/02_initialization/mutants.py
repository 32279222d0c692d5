"""Plausible wrong implementations of initializers.py, each with its mistake in the student's terms."""

# Mistakes several mutants make (each mutant's third item completes "your <function> ...").
NO_RECEPTIVE_FIELD = "computes the fans from shape[0] and shape[1] only; a kernel (out, in, k1, k2, ...) multiplies both by its receptive field k1·k2·... (use compute_fans)"
GLOBAL_RANDOM = "draws from np.random.* instead of the rng argument, so the same seed gives different weights; draw from rng"
FIXED_SEED = "makes a generator with a fixed seed instead of using the rng argument, so other seeds give the same weights; use rng (np.random.default_rng() only when rng is None)"
FLOAT32 = "returns float32 weights; return the float64 array the generator draws"
NORMAL_NOT_UNIFORM = "draws from a normal distribution; draw from the uniform U(−bound, bound)"
UNIFORM_NOT_NORMAL = "draws from a uniform distribution; draw from the normal N(0, std²)"
IGNORES_MODE = "always uses fan_in; with mode=\"fan_out\" use fan_out"
IGNORES_A = "ignores a (calls calculate_gain(nonlinearity) alone); pass a as the gain's param: calculate_gain(nonlinearity, a)"
RELU_GAIN_ALWAYS = "uses relu's gain √2 whatever nonlinearity and a are; use calculate_gain(nonlinearity, a)"
LEAKY_GAIN_ALWAYS = "uses leaky_relu's gain √(2/(1 + a²)) for every nonlinearity; use calculate_gain(nonlinearity, a)"


def _uniform(function: str, params: str, body: str) -> str:
    """A uniform initialiser whose bound is computed by ``body`` (which sets ``bound``)."""
    return f'''
def {function}(shape, {params}rng=None):
    rng = np.random.default_rng() if rng is None else rng
    fan_in, fan_out = compute_fans(shape)
    {body}
    return rng.uniform(-bound, bound, size=tuple(shape))
'''


def _normal(function: str, params: str, body: str) -> str:
    """A normal initialiser whose std is computed by ``body`` (which sets ``std``)."""
    return f'''
def {function}(shape, {params}rng=None):
    rng = np.random.default_rng() if rng is None else rng
    fan_in, fan_out = compute_fans(shape)
    {body}
    return rng.normal(0.0, std, size=tuple(shape))
'''


def _draw(function: str, params: str, body: str, draw: str) -> str:
    """Any initialiser: ``body`` computes what ``draw`` (an expression) needs."""
    return f'''
def {function}(shape, {params}rng=None):
    rng = np.random.default_rng() if rng is None else rng
    fan_in, fan_out = compute_fans(shape)
    {body}
    return {draw}
'''



VS_CHECKS = """if not scale > 0:
        raise ValueError("scale must be positive")
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"unknown mode {mode}")
    if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
        raise ValueError(f"unknown distribution {distribution}")"""
VS_FANS = 'n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]'
TRUNC_STD = "std = math.sqrt(scale / n) / 0.87962566103423978"
RESAMPLE = """bad = np.abs(w) > 2 * std
        while bad.any():
            w[bad] = rng.normal(0.0, std, size=int(bad.sum()))
            bad = np.abs(w) > 2 * std"""


def _vs(truncated_std: str, *, checks: str = VS_CHECKS, fans: str = VS_FANS, cut: str = RESAMPLE,
        untruncated: str = "math.sqrt(scale / n)", bound: str = "math.sqrt(3.0 * scale / n)",
        rng: str = "rng = np.random.default_rng() if rng is None else rng", out: str = "w") -> str:
    """variance_scaling with one part replaced: the argument checks, the fan n, the truncated std,
    the cut, the untruncated std, the uniform bound, the generator or the returned array."""
    return f'''
def variance_scaling(shape, scale=1.0, mode="fan_in", distribution="truncated_normal", rng=None):
    {checks}
    {rng}
    fan_in, fan_out = compute_fans(shape)
    {fans}
    if distribution == "uniform":
        b = {bound}
        w = rng.uniform(-b, b, size=tuple(shape))
    elif distribution == "untruncated_normal":
        w = rng.normal(0.0, {untruncated}, size=tuple(shape))
    else:
        {truncated_std}
        w = rng.normal(0.0, std, size=tuple(shape))
        {cut}
    return {out}
'''

G = "gain=1.0, "
HE = 'a=0.0, mode="fan_in", nonlinearity="leaky_relu", '
HE_STD = ('std = calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)')

MUTANTS = {
    # compute_fans
    "compute_fans_swapped": ("compute_fans", '''
def compute_fans(shape):
    if len(shape) < 2:
        raise ValueError("need 2 dimensions")
    r = math.prod(shape[2:])
    return shape[0] * r, shape[1] * r''',
                             "returns (shape[0]·r, shape[1]·r), the fans swapped: fan_in is shape[1]·r (the inputs), fan_out shape[0]·r"),
    "compute_fans_no_receptive_field": ("compute_fans", '''
def compute_fans(shape):
    if len(shape) < 2:
        raise ValueError("need 2 dimensions")
    return shape[1], shape[0]''',
                                        "returns (shape[1], shape[0]) without the receptive field; multiply both by the product of shape[2:]"),
    "compute_fans_2d_kernels_only": ("compute_fans", '''
def compute_fans(shape):
    if len(shape) < 2:
        raise ValueError("need 2 dimensions")
    r = shape[2] * shape[3] if len(shape) == 4 else 1
    return shape[1] * r, shape[0] * r''',
                                     "multiplies by the receptive field only for 4-d shapes; use the product of shape[2:] for any number of axes"),
    "compute_fans_no_check": ("compute_fans", '''
def compute_fans(shape):
    r = math.prod(shape[2:])
    return shape[1] * r, shape[0] * r''',
                              "accepts a shape with fewer than 2 axes; raise ValueError for it, as torch does"),
    "compute_fans_asserts": ("compute_fans", '''
def compute_fans(shape):
    assert len(shape) >= 2, "need 2 dimensions"
    r = math.prod(shape[2:])
    return shape[1] * r, shape[0] * r''',
                             "raises AssertionError for a shape with fewer than 2 axes; raise ValueError, as torch does"),
    "compute_fans_checks_1d_only": ("compute_fans", '''
def compute_fans(shape):
    if len(shape) == 1:
        raise ValueError("a bias has no fan_out")
    r = math.prod(shape[2:])
    return shape[1] * r, shape[0] * r''',
                                    "raises only for a 1-d shape; a 0-d shape () must raise ValueError too (len(shape) < 2)"),
    # calculate_gain
    "calculate_gain_relu_two": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=None):
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": 2.0, "selu": 0.75}
    if nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity not in gains:
        raise ValueError(nonlinearity)
    return gains[nonlinearity]''',
                                "returns 2 for relu; torch's gain is √2"),
    "calculate_gain_rounded_tanh": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=None):
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 1.667, "relu": math.sqrt(2), "selu": 0.75}
    if nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity not in gains:
        raise ValueError(nonlinearity)
    return gains[nonlinearity]''',
                                    "returns 1.667 for tanh; torch's gain is exactly 5/3"),
    "calculate_gain_no_conv": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=None):
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75}
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    return gains[nonlinearity]''',
                               "has no gain for the conv names (conv1d, conv_transpose2d, ...: 1, as linear) and raises KeyError, not ValueError, for an unknown name"),
    "calculate_gain_leaky_ignores_param": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=None):
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75,
             "leaky_relu": math.sqrt(2.0 / (1 + 0.01 ** 2))}
    if nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity not in gains:
        raise ValueError(nonlinearity)
    return gains[nonlinearity]''',
                                           "ignores param for leaky_relu (always the slope 0.01); the gain is √(2/(1 + param²))"),
    "calculate_gain_leaky_not_squared": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=None):
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75}
    if nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope))
    if nonlinearity not in gains:
        raise ValueError(nonlinearity)
    return gains[nonlinearity]''',
                                         "returns √(2/(1 + slope)) for leaky_relu; the slope is squared: √(2/(1 + slope²))"),
    "calculate_gain_param_or_default": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=None):
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75}
    if nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "leaky_relu":
        slope = param or 0.01  # param=0 falls back to the default
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity not in gains:
        raise ValueError(nonlinearity)
    return gains[nonlinearity]''',
                                        "treats param=0 as missing (param or 0.01); only None means the default slope 0.01"),
    "calculate_gain_unknown_is_one": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=None):
    if nonlinearity == "tanh":
        return 5 / 3
    if nonlinearity == "relu":
        return math.sqrt(2)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 0.75
    return 1.0''',
                                      "returns 1 for an unknown nonlinearity; raise ValueError, as torch does"),
    # glorot_uniform
    "glorot_uniform_fan_in": ("glorot_uniform", _uniform("glorot_uniform", G, "bound = gain * math.sqrt(3.0 / fan_in)"),
                              "uses the bound gain·√(3/fan_in) (LeCun's); Glorot's is gain·√(6/(fan_in + fan_out))"),
    "glorot_uniform_sqrt3": ("glorot_uniform", _uniform("glorot_uniform", G, "bound = gain * math.sqrt(3.0 / (fan_in + fan_out))"),
                             "uses the bound gain·√(3/(fan_in + fan_out)); Glorot's is gain·√(6/(fan_in + fan_out))"),
    "glorot_uniform_ignores_gain": ("glorot_uniform", _uniform("glorot_uniform", G, "bound = math.sqrt(6.0 / (fan_in + fan_out))"),
                                    "ignores gain; the bound is gain·√(6/(fan_in + fan_out))"),
    "glorot_uniform_no_receptive_field": ("glorot_uniform", _uniform("glorot_uniform", G, "bound = gain * math.sqrt(6.0 / (shape[0] + shape[1]))"),
                                          NO_RECEPTIVE_FIELD),
    "glorot_uniform_bound_as_std": ("glorot_uniform", _draw("glorot_uniform", G, "bound = gain * math.sqrt(6.0 / (fan_in + fan_out))",
                                                            "rng.normal(0.0, bound / math.sqrt(3.0), size=tuple(shape))"),
                                    NORMAL_NOT_UNIFORM),
    "glorot_uniform_zero_to_bound": ("glorot_uniform", _draw("glorot_uniform", G, "bound = gain * math.sqrt(6.0 / (fan_in + fan_out))",
                                                             "bound * rng.random(size=tuple(shape))"),
                                     "draws from U(0, bound); draw from U(−bound, bound)"),
    "glorot_uniform_global_random": ("glorot_uniform", _draw("glorot_uniform", G, "bound = gain * math.sqrt(6.0 / (fan_in + fan_out))",
                                                             "np.random.uniform(-bound, bound, size=tuple(shape))"),
                                     GLOBAL_RANDOM),
    "glorot_uniform_float32": ("glorot_uniform", _draw("glorot_uniform", G, "bound = gain * math.sqrt(6.0 / (fan_in + fan_out))",
                                                       "rng.uniform(-bound, bound, size=tuple(shape)).astype(np.float32)"),
                               FLOAT32),
    # glorot_normal
    "glorot_normal_fan_in": ("glorot_normal", _normal("glorot_normal", G, "std = gain * math.sqrt(1.0 / fan_in)"),
                             "uses the std gain·√(1/fan_in) (LeCun's); Glorot's is gain·√(2/(fan_in + fan_out))"),
    "glorot_normal_variance_as_std": ("glorot_normal", _normal("glorot_normal", G, "std = gain * 2.0 / (fan_in + fan_out)"),
                                      "uses the variance gain·2/(fan_in + fan_out) as the std; the std is gain·√(2/(fan_in + fan_out))"),
    "glorot_normal_ignores_gain": ("glorot_normal", _normal("glorot_normal", G, "std = math.sqrt(2.0 / (fan_in + fan_out))"),
                                   "ignores gain; the std is gain·√(2/(fan_in + fan_out))"),
    "glorot_normal_gain_in_variance": ("glorot_normal", _normal("glorot_normal", G, "std = math.sqrt(gain * 2.0 / (fan_in + fan_out))"),
                                       "puts gain under the square root, √(gain·2/(fan_in + fan_out)); the std is gain·√(2/(fan_in + fan_out))"),
    "glorot_normal_no_receptive_field": ("glorot_normal", _normal("glorot_normal", G, "std = gain * math.sqrt(2.0 / (shape[0] + shape[1]))"),
                                         NO_RECEPTIVE_FIELD),
    "glorot_normal_uniform": ("glorot_normal", _draw("glorot_normal", G, "std = gain * math.sqrt(2.0 / (fan_in + fan_out))",
                                                     "rng.uniform(-math.sqrt(3) * std, math.sqrt(3) * std, size=tuple(shape))"),
                              UNIFORM_NOT_NORMAL),
    "glorot_normal_fixed_seed": ("glorot_normal", '''
def glorot_normal(shape, gain=1.0, rng=None):
    rng = np.random.default_rng(0)  # "reproducible"
    fan_in, fan_out = compute_fans(shape)
    return rng.normal(0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), size=tuple(shape))''',
                                 FIXED_SEED),
    "glorot_normal_transposed": ("glorot_normal", _draw("glorot_normal", G, "std = gain * math.sqrt(2.0 / (fan_in + fan_out))",
                                                        "rng.normal(0.0, std, size=tuple(shape)[::-1])"),
                                 "returns an array of the reversed shape; return an array of shape as given"),
    # he_uniform
    "he_uniform_sqrt6_with_gain": ("he_uniform", _uniform("he_uniform", HE, HE_STD + "\n    bound = math.sqrt(6.0) * std"),
                                   "uses the bound √6·gain/√fan, counting relu's factor 2 twice; the bound is √3·gain/√fan, gain = calculate_gain(nonlinearity, a)"),
    "he_uniform_ignores_mode": ("he_uniform", _uniform("he_uniform", HE, "bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan_in)"),
                                IGNORES_MODE),
    "he_uniform_ignores_a": ("he_uniform", _uniform("he_uniform", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    bound = math.sqrt(3.0) * calculate_gain(nonlinearity) / math.sqrt(fan)'),
                             IGNORES_A),
    "he_uniform_relu_gain_always": ("he_uniform", _uniform("he_uniform", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    bound = math.sqrt(6.0 / fan)'),
                                    RELU_GAIN_ALWAYS),
    "he_uniform_leaky_formula_always": ("he_uniform", _uniform("he_uniform", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    bound = math.sqrt(3.0) * calculate_gain("leaky_relu", a) / math.sqrt(fan)'),
                                        LEAKY_GAIN_ALWAYS),
    "he_uniform_fan_avg": ("he_uniform", _uniform("he_uniform", HE, "bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt((fan_in + fan_out) / 2)"),
                           "uses the average of fan_in and fan_out; He's uses fan_in (fan_out with mode=\"fan_out\")"),
    "he_uniform_no_receptive_field": ("he_uniform", _uniform("he_uniform", HE, 'fan = shape[1] if mode == "fan_in" else shape[0]\n    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)'),
                                      NO_RECEPTIVE_FIELD),
    "he_uniform_normal": ("he_uniform", _draw("he_uniform", HE, HE_STD, "rng.normal(0.0, std, size=tuple(shape))"),
                          NORMAL_NOT_UNIFORM),
    "he_uniform_new_generator": ("he_uniform", _draw("he_uniform", HE, HE_STD,
                                                     "np.random.default_rng().uniform(-math.sqrt(3) * std, math.sqrt(3) * std, size=tuple(shape))"),
                                 "draws from a new generator, not from the rng argument, so the same seed gives different weights; draw from rng"),
    "he_uniform_float32": ("he_uniform", _draw("he_uniform", HE, HE_STD,
                                               "rng.uniform(-math.sqrt(3) * std, math.sqrt(3) * std, size=tuple(shape)).astype(np.float32)"),
                           FLOAT32),
    # he_normal
    "he_normal_variance_as_std": ("he_normal", _normal("he_normal", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    std = calculate_gain(nonlinearity, a) ** 2 / fan'),
                                  "uses gain²/fan, the variance, as the std; the std is gain/√fan"),
    "he_normal_ignores_mode": ("he_normal", _normal("he_normal", HE, "std = calculate_gain(nonlinearity, a) / math.sqrt(fan_in)"),
                               IGNORES_MODE),
    "he_normal_ignores_a": ("he_normal", _normal("he_normal", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    std = calculate_gain(nonlinearity) / math.sqrt(fan)'),
                            IGNORES_A),
    "he_normal_relu_gain_always": ("he_normal", _normal("he_normal", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    std = math.sqrt(2.0 / fan)'),
                                   RELU_GAIN_ALWAYS),
    "he_normal_leaky_formula_always": ("he_normal", _normal("he_normal", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    std = math.sqrt(2.0 / (1 + a ** 2) / fan)'),
                                       LEAKY_GAIN_ALWAYS),
    "he_normal_gain_not_squared": ("he_normal", _normal("he_normal", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    std = math.sqrt(calculate_gain(nonlinearity, a) / fan)'),
                                   "uses the std √(gain/fan); it is gain/√fan"),
    "he_normal_no_receptive_field": ("he_normal", _normal("he_normal", HE, 'fan = shape[1] if mode == "fan_in" else shape[0]\n    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)'),
                                     NO_RECEPTIVE_FIELD),
    "he_normal_uniform": ("he_normal", _draw("he_normal", HE, HE_STD, "rng.uniform(-math.sqrt(3) * std, math.sqrt(3) * std, size=tuple(shape))"),
                          UNIFORM_NOT_NORMAL),
    "he_normal_global_random": ("he_normal", _draw("he_normal", HE, HE_STD, "np.random.normal(0.0, std, size=tuple(shape))"),
                                GLOBAL_RANDOM),
    "he_normal_2d_only": ("he_normal", _draw("he_normal", HE, HE_STD, "rng.normal(0.0, std, size=(shape[0], shape[1]))"),
                          "returns an array of shape (shape[0], shape[1]) for a kernel's shape; return an array of the whole shape"),
    # lecun_uniform
    "lecun_uniform_sqrt6": ("lecun_uniform", _uniform("lecun_uniform", "", "bound = math.sqrt(6.0 / fan_in)"),
                            "uses the bound √(6/fan_in) (He's, for relu); LeCun's is √(3/fan_in)"),
    "lecun_uniform_fan_avg": ("lecun_uniform", _uniform("lecun_uniform", "", "bound = math.sqrt(6.0 / (fan_in + fan_out))"),
                              "uses the bound √(6/(fan_in + fan_out)) (Glorot's); LeCun's is √(3/fan_in)"),
    "lecun_uniform_std_as_bound": ("lecun_uniform", _uniform("lecun_uniform", "", "bound = math.sqrt(1.0 / fan_in)"),
                                   "uses the std 1/√fan_in as the bound; the bound is √3 times it, √(3/fan_in)"),
    "lecun_uniform_no_receptive_field": ("lecun_uniform", _uniform("lecun_uniform", "", "bound = math.sqrt(3.0 / shape[1])"),
                                         NO_RECEPTIVE_FIELD),
    "lecun_uniform_normal": ("lecun_uniform", _draw("lecun_uniform", "", "std = 1 / math.sqrt(fan_in)", "rng.normal(0.0, std, size=tuple(shape))"),
                             NORMAL_NOT_UNIFORM),
    "lecun_uniform_fixed_seed": ("lecun_uniform", '''
def lecun_uniform(shape, rng=None):
    rng = np.random.default_rng(42)
    fan_in, _ = compute_fans(shape)
    b = math.sqrt(3.0 / fan_in)
    return rng.uniform(-b, b, size=tuple(shape))''',
                                 FIXED_SEED),
    "lecun_uniform_float32": ("lecun_uniform", _draw("lecun_uniform", "", "b = math.sqrt(3.0 / fan_in)", "rng.uniform(-b, b, size=tuple(shape)).astype(np.float32)"),
                              FLOAT32),
    # lecun_normal
    "lecun_normal_variance_as_std": ("lecun_normal", _normal("lecun_normal", "", "std = 1.0 / fan_in"),
                                     "uses 1/fan_in, the variance, as the std; the std is 1/√fan_in"),
    "lecun_normal_fan_out": ("lecun_normal", _normal("lecun_normal", "", "std = 1.0 / math.sqrt(fan_out)"),
                             "uses fan_out; LeCun's std is 1/√fan_in"),
    "lecun_normal_he_gain": ("lecun_normal", _normal("lecun_normal", "", "std = math.sqrt(2.0 / fan_in)"),
                             "uses the std √(2/fan_in) (He's, for relu); LeCun's is 1/√fan_in"),
    "lecun_normal_no_receptive_field": ("lecun_normal", _normal("lecun_normal", "", "std = 1.0 / math.sqrt(shape[1])"),
                                        NO_RECEPTIVE_FIELD),
    "lecun_normal_uniform": ("lecun_normal", _draw("lecun_normal", "", "b = math.sqrt(3.0 / fan_in)", "rng.uniform(-b, b, size=tuple(shape))"),
                             UNIFORM_NOT_NORMAL),
    "lecun_normal_global_random": ("lecun_normal", _draw("lecun_normal", "", "std = 1 / math.sqrt(fan_in)", "np.random.normal(0.0, std, size=tuple(shape))"),
                                   GLOBAL_RANDOM),
    "lecun_normal_list": ("lecun_normal", _draw("lecun_normal", "", "std = 1 / math.sqrt(fan_in)", "rng.normal(0.0, std, size=tuple(shape)).tolist()"),
                          "returns a Python list (.tolist()); return the NumPy array"),
    # variance_scaling
    "variance_scaling_no_truncation_factor": ("variance_scaling", _vs("std = math.sqrt(scale / n)"),
                                              "draws the truncated normal with std √(scale/n); divide it by 0.87962566103423978 so that the cut normal keeps the variance scale/n"),
    "variance_scaling_truncated_not_cut": ("variance_scaling", _vs(TRUNC_STD, cut=""),
                                           "never cuts the truncated normal; redraw the entries beyond 2 std until none is left"),
    "variance_scaling_clipped": ("variance_scaling", _vs(TRUNC_STD, cut="w = np.clip(w, -2 * std, 2 * std)"),
                                 "clips the entries beyond 2 std to ±2 std, piling weights at the edges; redraw them instead"),
    "variance_scaling_untruncated_divided": ("variance_scaling", _vs(TRUNC_STD, untruncated="std"),
                                             "divides the untruncated normal's std by 0.8796... too; only the truncated one needs it"),
    "variance_scaling_uniform_without_3": ("variance_scaling", _vs(TRUNC_STD, bound="math.sqrt(scale / n)"),
                                           "uses the bound √(scale/n) for the uniform; it is √(3·scale/n)"),
    "variance_scaling_fan_sum": ("variance_scaling", _vs(TRUNC_STD, fans=VS_FANS.replace("(fan_in + fan_out) / 2", "fan_in + fan_out")),
                                 "uses fan_in + fan_out for mode=\"fan_avg\"; use their average (fan_in + fan_out)/2"),
    "variance_scaling_mode_ignored": ("variance_scaling", _vs(TRUNC_STD, fans="n = fan_in"),
                                      "always uses fan_in; use fan_out or (fan_in + fan_out)/2 as mode says"),
    "variance_scaling_keras_fans": ("variance_scaling", _vs(TRUNC_STD, fans=(
        "fan_in, fan_out = math.prod(shape[:-2]) * shape[-2], math.prod(shape[:-2]) * shape[-1]\n    " + VS_FANS)),
                                    "computes the fans as Keras does (a kernel shaped (k1, k2, in, out)); use compute_fans (shape (out, in, k1, k2, ...))"),
    "variance_scaling_scale_on_std": ("variance_scaling", _vs("std = scale / math.sqrt(n) / 0.87962566103423978",
                                                             untruncated="scale / math.sqrt(n)",
                                                             bound="scale * math.sqrt(3.0 / n)"),
                                      "multiplies the std by scale; scale multiplies the variance: std = √(scale/n)"),
    "variance_scaling_no_checks": ("variance_scaling", _vs(TRUNC_STD, checks=""),
                                   "accepts a non-positive scale, an unknown mode or an unknown distribution; raise ValueError for them"),
    "variance_scaling_scale_zero_allowed": ("variance_scaling", _vs(TRUNC_STD, checks=VS_CHECKS.replace("not scale > 0", "scale < 0")),
                                            "accepts scale = 0; scale must be positive (ValueError otherwise)"),
    "variance_scaling_mode_lowered": ("variance_scaling", _vs(TRUNC_STD, checks="mode = mode.lower()\n    " + VS_CHECKS),
                                      "accepts a mode in any case (\"FAN_IN\"); only fan_in, fan_out and fan_avg are valid (ValueError otherwise)"),
    "variance_scaling_global_random": ("variance_scaling", _vs(TRUNC_STD, rng="rng = np.random"),
                                       GLOBAL_RANDOM),
    "variance_scaling_float32": ("variance_scaling", _vs(TRUNC_STD, out="w.astype(np.float32)"),
                                 FLOAT32),
}
