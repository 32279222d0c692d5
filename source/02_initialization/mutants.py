"""Plausible wrong implementations of initializers.py."""


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
    return shape[0] * r, shape[1] * r'''),
    "compute_fans_no_receptive_field": ("compute_fans", '''
def compute_fans(shape):
    if len(shape) < 2:
        raise ValueError("need 2 dimensions")
    return shape[1], shape[0]'''),
    "compute_fans_2d_kernels_only": ("compute_fans", '''
def compute_fans(shape):
    if len(shape) < 2:
        raise ValueError("need 2 dimensions")
    r = shape[2] * shape[3] if len(shape) == 4 else 1
    return shape[1] * r, shape[0] * r'''),
    "compute_fans_no_check": ("compute_fans", '''
def compute_fans(shape):
    r = math.prod(shape[2:])
    return shape[1] * r, shape[0] * r'''),
    "compute_fans_asserts": ("compute_fans", '''
def compute_fans(shape):
    assert len(shape) >= 2, "need 2 dimensions"
    r = math.prod(shape[2:])
    return shape[1] * r, shape[0] * r'''),
    "compute_fans_checks_1d_only": ("compute_fans", '''
def compute_fans(shape):
    if len(shape) == 1:
        raise ValueError("a bias has no fan_out")
    r = math.prod(shape[2:])
    return shape[1] * r, shape[0] * r'''),
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
    return gains[nonlinearity]'''),
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
    return gains[nonlinearity]'''),
    "calculate_gain_no_conv": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=None):
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75}
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    return gains[nonlinearity]'''),
    "calculate_gain_leaky_ignores_param": ("calculate_gain", '''
def calculate_gain(nonlinearity, param=None):
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75,
             "leaky_relu": math.sqrt(2.0 / (1 + 0.01 ** 2))}
    if nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity not in gains:
        raise ValueError(nonlinearity)
    return gains[nonlinearity]'''),
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
    return gains[nonlinearity]'''),
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
    return gains[nonlinearity]'''),
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
    return 1.0'''),
    # glorot_uniform
    "glorot_uniform_fan_in": ("glorot_uniform", _uniform("glorot_uniform", G, "bound = gain * math.sqrt(3.0 / fan_in)")),
    "glorot_uniform_sqrt3": ("glorot_uniform", _uniform("glorot_uniform", G, "bound = gain * math.sqrt(3.0 / (fan_in + fan_out))")),
    "glorot_uniform_ignores_gain": ("glorot_uniform", _uniform("glorot_uniform", G, "bound = math.sqrt(6.0 / (fan_in + fan_out))")),
    "glorot_uniform_no_receptive_field": ("glorot_uniform", _uniform("glorot_uniform", G, "bound = gain * math.sqrt(6.0 / (shape[0] + shape[1]))")),
    "glorot_uniform_bound_as_std": ("glorot_uniform", _draw("glorot_uniform", G, "bound = gain * math.sqrt(6.0 / (fan_in + fan_out))",
                                                            "rng.normal(0.0, bound / math.sqrt(3.0), size=tuple(shape))")),
    "glorot_uniform_zero_to_bound": ("glorot_uniform", _draw("glorot_uniform", G, "bound = gain * math.sqrt(6.0 / (fan_in + fan_out))",
                                                             "bound * rng.random(size=tuple(shape))")),
    "glorot_uniform_global_random": ("glorot_uniform", _draw("glorot_uniform", G, "bound = gain * math.sqrt(6.0 / (fan_in + fan_out))",
                                                             "np.random.uniform(-bound, bound, size=tuple(shape))")),
    "glorot_uniform_float32": ("glorot_uniform", _draw("glorot_uniform", G, "bound = gain * math.sqrt(6.0 / (fan_in + fan_out))",
                                                       "rng.uniform(-bound, bound, size=tuple(shape)).astype(np.float32)")),
    # glorot_normal
    "glorot_normal_fan_in": ("glorot_normal", _normal("glorot_normal", G, "std = gain * math.sqrt(1.0 / fan_in)")),
    "glorot_normal_variance_as_std": ("glorot_normal", _normal("glorot_normal", G, "std = gain * 2.0 / (fan_in + fan_out)")),
    "glorot_normal_ignores_gain": ("glorot_normal", _normal("glorot_normal", G, "std = math.sqrt(2.0 / (fan_in + fan_out))")),
    "glorot_normal_gain_in_variance": ("glorot_normal", _normal("glorot_normal", G, "std = math.sqrt(gain * 2.0 / (fan_in + fan_out))")),
    "glorot_normal_no_receptive_field": ("glorot_normal", _normal("glorot_normal", G, "std = gain * math.sqrt(2.0 / (shape[0] + shape[1]))")),
    "glorot_normal_uniform": ("glorot_normal", _draw("glorot_normal", G, "std = gain * math.sqrt(2.0 / (fan_in + fan_out))",
                                                     "rng.uniform(-math.sqrt(3) * std, math.sqrt(3) * std, size=tuple(shape))")),
    "glorot_normal_fixed_seed": ("glorot_normal", '''
def glorot_normal(shape, gain=1.0, rng=None):
    rng = np.random.default_rng(0)  # "reproducible"
    fan_in, fan_out = compute_fans(shape)
    return rng.normal(0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), size=tuple(shape))'''),
    "glorot_normal_transposed": ("glorot_normal", _draw("glorot_normal", G, "std = gain * math.sqrt(2.0 / (fan_in + fan_out))",
                                                        "rng.normal(0.0, std, size=tuple(shape)[::-1])")),
    # he_uniform
    "he_uniform_sqrt6_with_gain": ("he_uniform", _uniform("he_uniform", HE, HE_STD + "\n    bound = math.sqrt(6.0) * std")),
    "he_uniform_ignores_mode": ("he_uniform", _uniform("he_uniform", HE, "bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan_in)")),
    "he_uniform_ignores_a": ("he_uniform", _uniform("he_uniform", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    bound = math.sqrt(3.0) * calculate_gain(nonlinearity) / math.sqrt(fan)')),
    "he_uniform_relu_gain_always": ("he_uniform", _uniform("he_uniform", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    bound = math.sqrt(6.0 / fan)')),
    "he_uniform_leaky_formula_always": ("he_uniform", _uniform("he_uniform", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    bound = math.sqrt(3.0) * calculate_gain("leaky_relu", a) / math.sqrt(fan)')),
    "he_uniform_fan_avg": ("he_uniform", _uniform("he_uniform", HE, "bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt((fan_in + fan_out) / 2)")),
    "he_uniform_no_receptive_field": ("he_uniform", _uniform("he_uniform", HE, 'fan = shape[1] if mode == "fan_in" else shape[0]\n    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)')),
    "he_uniform_normal": ("he_uniform", _draw("he_uniform", HE, HE_STD, "rng.normal(0.0, std, size=tuple(shape))")),
    "he_uniform_new_generator": ("he_uniform", _draw("he_uniform", HE, HE_STD,
                                                     "np.random.default_rng().uniform(-math.sqrt(3) * std, math.sqrt(3) * std, size=tuple(shape))")),
    "he_uniform_float32": ("he_uniform", _draw("he_uniform", HE, HE_STD,
                                               "rng.uniform(-math.sqrt(3) * std, math.sqrt(3) * std, size=tuple(shape)).astype(np.float32)")),
    # he_normal
    "he_normal_variance_as_std": ("he_normal", _normal("he_normal", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    std = calculate_gain(nonlinearity, a) ** 2 / fan')),
    "he_normal_ignores_mode": ("he_normal", _normal("he_normal", HE, "std = calculate_gain(nonlinearity, a) / math.sqrt(fan_in)")),
    "he_normal_ignores_a": ("he_normal", _normal("he_normal", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    std = calculate_gain(nonlinearity) / math.sqrt(fan)')),
    "he_normal_relu_gain_always": ("he_normal", _normal("he_normal", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    std = math.sqrt(2.0 / fan)')),
    "he_normal_leaky_formula_always": ("he_normal", _normal("he_normal", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    std = math.sqrt(2.0 / (1 + a ** 2) / fan)')),
    "he_normal_gain_not_squared": ("he_normal", _normal("he_normal", HE, 'fan = fan_in if mode == "fan_in" else fan_out\n    std = math.sqrt(calculate_gain(nonlinearity, a) / fan)')),
    "he_normal_no_receptive_field": ("he_normal", _normal("he_normal", HE, 'fan = shape[1] if mode == "fan_in" else shape[0]\n    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)')),
    "he_normal_uniform": ("he_normal", _draw("he_normal", HE, HE_STD, "rng.uniform(-math.sqrt(3) * std, math.sqrt(3) * std, size=tuple(shape))")),
    "he_normal_global_random": ("he_normal", _draw("he_normal", HE, HE_STD, "np.random.normal(0.0, std, size=tuple(shape))")),
    "he_normal_2d_only": ("he_normal", _draw("he_normal", HE, HE_STD, "rng.normal(0.0, std, size=(shape[0], shape[1]))")),
    # lecun_uniform
    "lecun_uniform_sqrt6": ("lecun_uniform", _uniform("lecun_uniform", "", "bound = math.sqrt(6.0 / fan_in)")),
    "lecun_uniform_fan_avg": ("lecun_uniform", _uniform("lecun_uniform", "", "bound = math.sqrt(6.0 / (fan_in + fan_out))")),
    "lecun_uniform_std_as_bound": ("lecun_uniform", _uniform("lecun_uniform", "", "bound = math.sqrt(1.0 / fan_in)")),
    "lecun_uniform_no_receptive_field": ("lecun_uniform", _uniform("lecun_uniform", "", "bound = math.sqrt(3.0 / shape[1])")),
    "lecun_uniform_normal": ("lecun_uniform", _draw("lecun_uniform", "", "std = 1 / math.sqrt(fan_in)", "rng.normal(0.0, std, size=tuple(shape))")),
    "lecun_uniform_fixed_seed": ("lecun_uniform", '''
def lecun_uniform(shape, rng=None):
    rng = np.random.default_rng(42)
    fan_in, _ = compute_fans(shape)
    b = math.sqrt(3.0 / fan_in)
    return rng.uniform(-b, b, size=tuple(shape))'''),
    "lecun_uniform_float32": ("lecun_uniform", _draw("lecun_uniform", "", "b = math.sqrt(3.0 / fan_in)", "rng.uniform(-b, b, size=tuple(shape)).astype(np.float32)")),
    # lecun_normal
    "lecun_normal_variance_as_std": ("lecun_normal", _normal("lecun_normal", "", "std = 1.0 / fan_in")),
    "lecun_normal_fan_out": ("lecun_normal", _normal("lecun_normal", "", "std = 1.0 / math.sqrt(fan_out)")),
    "lecun_normal_he_gain": ("lecun_normal", _normal("lecun_normal", "", "std = math.sqrt(2.0 / fan_in)")),
    "lecun_normal_no_receptive_field": ("lecun_normal", _normal("lecun_normal", "", "std = 1.0 / math.sqrt(shape[1])")),
    "lecun_normal_uniform": ("lecun_normal", _draw("lecun_normal", "", "b = math.sqrt(3.0 / fan_in)", "rng.uniform(-b, b, size=tuple(shape))")),
    "lecun_normal_global_random": ("lecun_normal", _draw("lecun_normal", "", "std = 1 / math.sqrt(fan_in)", "np.random.normal(0.0, std, size=tuple(shape))")),
    "lecun_normal_list": ("lecun_normal", _draw("lecun_normal", "", "std = 1 / math.sqrt(fan_in)", "rng.normal(0.0, std, size=tuple(shape)).tolist()")),
    # variance_scaling
    "variance_scaling_no_truncation_factor": ("variance_scaling", _vs("std = math.sqrt(scale / n)")),
    "variance_scaling_truncated_not_cut": ("variance_scaling", _vs(TRUNC_STD, cut="")),
    "variance_scaling_clipped": ("variance_scaling", _vs(TRUNC_STD, cut="w = np.clip(w, -2 * std, 2 * std)")),
    "variance_scaling_untruncated_divided": ("variance_scaling", _vs(TRUNC_STD, untruncated="std")),
    "variance_scaling_uniform_without_3": ("variance_scaling", _vs(TRUNC_STD, bound="math.sqrt(scale / n)")),
    "variance_scaling_fan_sum": ("variance_scaling", _vs(TRUNC_STD, fans=VS_FANS.replace("(fan_in + fan_out) / 2", "fan_in + fan_out"))),
    "variance_scaling_mode_ignored": ("variance_scaling", _vs(TRUNC_STD, fans="n = fan_in")),
    "variance_scaling_keras_fans": ("variance_scaling", _vs(TRUNC_STD, fans=(
        "fan_in, fan_out = math.prod(shape[:-2]) * shape[-2], math.prod(shape[:-2]) * shape[-1]\n    " + VS_FANS))),
    "variance_scaling_scale_on_std": ("variance_scaling", _vs("std = scale / math.sqrt(n) / 0.87962566103423978",
                                                             untruncated="scale / math.sqrt(n)",
                                                             bound="scale * math.sqrt(3.0 / n)")),
    "variance_scaling_no_checks": ("variance_scaling", _vs(TRUNC_STD, checks="")),
    "variance_scaling_scale_zero_allowed": ("variance_scaling", _vs(TRUNC_STD, checks=VS_CHECKS.replace("not scale > 0", "scale < 0"))),
    "variance_scaling_mode_lowered": ("variance_scaling", _vs(TRUNC_STD, checks="mode = mode.lower()\n    " + VS_CHECKS)),
    "variance_scaling_global_random": ("variance_scaling", _vs(TRUNC_STD, rng="rng = np.random")),
    "variance_scaling_float32": ("variance_scaling", _vs(TRUNC_STD, out="w.astype(np.float32)")),
}
