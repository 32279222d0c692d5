"""Checks for 02_initialization, against torch.nn.init.

``compute_fans`` and ``calculate_gain`` are exact: torch's ``_calculate_fan_in_and_fan_out``
(on ``torch.empty(shape)``) and ``calculate_gain`` give the expected values, and the cases where
torch raises ValueError must raise ValueError too (seen through the student's error, a
StudentError of kind "exception" whose message starts with "ValueError").

The seven random initialisers cannot match torch value by value (different generators), so they
are checked statistically on one sample of n >= 40,000 weights (at most 2e5 per call):

- the standard deviation std (and the uniform bound b = √3·std) comes from torch's own formula,
  with torch's fans (``_calculate_fan_in_and_fan_out``, ``_calculate_correct_fan``) and gain
  (``calculate_gain``): xavier_*_: std = gain·√(2/(fan_in + fan_out)); kaiming_*_: std =
  gain/√fan; LeCun = kaiming_*_(mode="fan_in", nonlinearity="linear"): std = 1/√fan_in;
- variance_scaling (Keras's VarianceScaling) is drawn in torch by ``torch_variance_scaling``:
  ``nn.init.trunc_normal_(w, 0, s, -2s, 2s)`` with s = √(scale/n)/0.87962566103423978,
  ``nn.init.normal_(w, 0, √(scale/n))`` or ``nn.init.uniform_(w, -b, b)`` with b = √(3·scale/n);
  its σ² is scale/n in all three cases (0.8796... is the std of N(0, 1) cut at ±2, asserted at
  import from erf). The checks named "= glorot_uniform", "= he_normal", "= lecun_normal" draw
  torch's sample from xavier_uniform_ / kaiming_normal_ instead, after asserting that torch's std
  for that initialiser equals √(scale/n) (the identities of the docstring);
- a sample of torch's own initialiser on the same shape (``torch.Generator().manual_seed``) is the
  cross-check: it must pass the very same test (a kit bug otherwise, raised when the reference is
  prepared) and its statistics are shown next to the student's.

The test, with σ = torch's std and w the student's n weights (``_assess``):

1. |mean(w²)/σ² − 1| <= 0.05 (the second moment about 0, i.e. the variance of a zero-mean law;
   tested first, so that a wrong scale is reported as such and not as a stray mean or bound).
   Normal: n·mean(w²)/σ² ~ χ²(n); Chernoff, P(above) <= exp(−n(ε − ln(1+ε))/2) = 3.1e-11,
   P(below) <= exp(−n(−ε − ln(1−ε))/2) = 5.8e-12.
   Uniform: w² ∈ [0, 3σ²], Var(w²) = 0.8σ⁴; Bernstein, P <= 2·exp(−nε²/(2(0.8 + 2ε/3))) < 2e-26.
   Truncated normal (cut at B = 2s = 2.2737σ): w² ∈ [0, 5.17σ²], Var(w²) = 1.366σ⁴; Bernstein,
   P <= 2·exp(−nε²/(2(1.366 + 4.17ε/3))) < 1.5e-15.
2. |mean(w)| <= 0.05·σ (catches U(0, b), whose second moment b²/3 is right).
   Normal: mean ~ N(0, σ²/n), P(|Z| >= 0.05·√40000 = 10) < 2e-23.
   Uniform (|w| <= √3σ): Bernstein, P <= 2·exp(−n t²/(2(σ² + √3σ t/3))) = 2·exp(−48.6) < 2e-21.
   Truncated normal (|w| <= 2.2737σ): the same bound, 2·exp(−48.2) < 3e-21.
3. Shape of the law.
   Uniform: max|w| <= b (U(−b, b) never leaves [−b, b]; 1e-12 relative slack for rounding) and
   max|w| >= (1 − 1e-3)·b: P(all n below) = (1 − 1e-3)^n <= exp(−40) < 5e-18.
   Truncated normal: max|w| <= B (trunc_normal_ never leaves [−B, B]; same slack) and
   max|w| >= (1 − 1e-2)·B: P(|w| > 0.99·B) = 2.31e-3, so P(all n below) <= exp(−92) < 1e-40.
   Normal: the fraction of |w| beyond 2·s (s² = mean(w²), scale-free) is in [0.030, 0.065]
   (a normal has 4.55%; a uniform 0, since its bound √3·s < 2·s). When test 1 passed,
   2s/σ ∈ [1.949, 2.049], so the fraction lies between the fractions beyond the fixed thresholds
   2.049σ and 1.949σ, binomial counts with p = 0.0404 and 0.0513; Chernoff,
   P(fraction > 0.065) <= exp(−δ²μ/(2+δ)) < 1e-28, P(fraction < 0.030) <= exp(−δ²μ/2) < 1e-23.

A correct solution therefore fails a statistical check with probability below 1e-10 for any seed.
Any formula whose variance is off by a factor r outside [0.9, 1.11] fails every time (its own
sample variance is within 5% of r·σ² by the same bounds), and the targeted mistakes are far
outside that on the checks made for them: fan_in vs (fan_in + fan_out)/2 vs fan_out by >= 1.6x on
the "linear"/"default" shapes, √3 vs √6 by 2x, a forgotten receptive field by >= 9x, std vs
variance by orders of magnitude, an ignored gain, a, nonlinearity or mode by >= 1.25x. A normal
drawn for a uniform exceeds the bound b (P(|Z| > √3) = 8%), and a uniform drawn for a normal has
no weight beyond 2 std. For variance_scaling: n = fan_in + fan_out for fan_avg (2x), the
missing 0.8796 (0.77x), a truncated draw without the cut or a clipped one (1.29x, 1.19x), a
forgotten 3 in the uniform bound (1/3), √scale taken as scale (2x at scale 2) and Keras's own fan
convention (fan_in = shape[-2]) on torch's (out, in) shape (5x) all fail the variance test; an
untruncated normal exceeds B (P(|Z| > 2.2737) = 2.3% per weight), and a uniform stays below
0.99·B (its bound is √3σ < 2.2737σ).

Reproducibility: the same ``Recipe("rng", seed=s)`` sent twice must give identical arrays, and
another seed a different one (so every random number comes from ``rng``).
"""

from __future__ import annotations

import math

import numpy as np

from gradkit.compare import as_array, close, compare_each, run_each, seeded, show_value
from gradkit.core import Case, Check, Mismatch, StudentError, function_of
from gradkit.pictures import Picture, histograms
from gradkit.protocol import Recipe
from gradkit.references import lazy

torch = lazy("torch")  # imported when a reference is computed (a stored answer needs no torch)

MODULE = "initializers"  # the student's file: initializers.py

MIN_N, MAX_N = 40_000, 200_000  # sample sizes of the statistical checks (see the docstring)
MEAN_TOL = 0.05  # |mean| <= MEAN_TOL · σ
VAR_TOL = 0.05  # |mean(w²)/σ² − 1| <= VAR_TOL
BOUND_SLACK = 1e-3  # uniform: max|w| >= (1 − BOUND_SLACK)·b
TRUNC_SLACK = 1e-2  # truncated normal: max|w| >= (1 − TRUNC_SLACK)·B (the density is lower at B)
FRAC_RANGE = (0.030, 0.065)  # normal: fraction of |w| beyond 2 std
NORMAL_FRAC = math.erfc(2 / math.sqrt(2))  # 0.0455: P(|Z| > 2)

HINTS = {
    "compute_fans": "fan_in = shape[1]·r, fan_out = shape[0]·r with r = prod(shape[2:]) (1 for a Linear "
                    "weight): torch's weights are (fan_out, fan_in, *kernel). Raise ValueError when "
                    "len(shape) < 2.",
    "calculate_gain": "1 for linear, conv*, conv_transpose* and sigmoid; 5/3 for tanh; √2 for relu; "
                      "√(2/(1 + slope²)) for leaky_relu with slope = param (0.01 only when param is None); "
                      "3/4 for selu; ValueError for any other name.",
    "glorot_uniform": "b = gain·√(6/(fan_in + fan_out)) with (fan_in, fan_out) = compute_fans(shape); "
                      "return rng.uniform(-b, b, size=shape).",
    "glorot_normal": "std = gain·√(2/(fan_in + fan_out)) with compute_fans(shape); return "
                     "rng.normal(0.0, std, size=shape) — rng.normal takes the std, not the variance.",
    "he_uniform": "std = calculate_gain(nonlinearity, a)/√fan with fan = fan_in (mode='fan_in') or fan_out "
                  "(mode='fan_out') from compute_fans(shape); b = √3·std; rng.uniform(-b, b, size=shape).",
    "he_normal": "std = calculate_gain(nonlinearity, a)/√fan with fan = fan_in (mode='fan_in') or fan_out "
                 "(mode='fan_out') from compute_fans(shape); rng.normal(0.0, std, size=shape).",
    "lecun_uniform": "Variance 1/fan_in: b = √(3/fan_in) with fan_in from compute_fans(shape); "
                     "rng.uniform(-b, b, size=shape).",
    "lecun_normal": "Variance 1/fan_in: std = 1/√fan_in with fan_in from compute_fans(shape); "
                    "rng.normal(0.0, std, size=shape).",
    "variance_scaling": "n = fan_in, fan_out or (fan_in + fan_out)/2 (mode) from compute_fans(shape); "
                        "'uniform': b = √(3·scale/n), rng.uniform(-b, b, size=shape); 'untruncated_normal': "
                        "rng.normal(0.0, √(scale/n), size=shape); 'truncated_normal': std = √(scale/n) / "
                        "0.87962566103423978, rng.normal(0.0, std, size=shape), then draw every value beyond "
                        "±2·std again until none is left. Raise ValueError for scale <= 0 or another mode or "
                        "distribution.",
}
CONV_HINT = (" For a conv weight (out_channels, in_channels, *kernel) every kernel position counts: "
             "fan_in = in_channels·prod(kernel), fan_out = out_channels·prod(kernel).")
RNG_HINT = (" Draw every number from the rng argument (rng.uniform / rng.normal), never from np.random.* "
            "or a generator of your own; make np.random.default_rng() only when rng is None.")

# function -> (torch initialiser, distribution, family)
INITS = {
    "glorot_uniform": ("xavier_uniform_", "uniform", "glorot"),
    "glorot_normal": ("xavier_normal_", "normal", "glorot"),
    "he_uniform": ("kaiming_uniform_", "uniform", "he"),
    "he_normal": ("kaiming_normal_", "normal", "he"),
    "lecun_uniform": ("kaiming_uniform_", "uniform", "lecun"),
    "lecun_normal": ("kaiming_normal_", "normal", "lecun"),
}
FORMULA = {"glorot": "std = gain·√(2/(fan_in + fan_out))", "he": "std = gain/√fan",
           "lecun": "std = 1/√fan_in"}

# variance_scaling: Keras's VarianceScaling
VS_MODES = ("fan_in", "fan_out", "fan_avg")
VS_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")
TRUNC_STD = 0.87962566103423978  # the std of N(0, 1) cut at ±2
_PHI2 = math.exp(-2.0) / math.sqrt(2 * math.pi)  # the normal density at 2
assert abs(math.sqrt(1 - 4 * _PHI2 / math.erf(2 / math.sqrt(2))) - TRUNC_STD) < 1e-15


# --- torch's side ------------------------------------------------------------------------------

def torch_fans(shape) -> tuple[int, int]:
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(tuple(shape)))
    return int(fan_in), int(fan_out)


def torch_error(fn, *args, **kwargs) -> str:
    """torch's exception for this call, as "Type: message" (the kit is wrong if torch returns)."""
    try:
        fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - we want whatever torch raises
        return f"{type(exc).__name__}: {exc}"
    raise RuntimeError(f"torch did not raise for {args} {kwargs}")


def torch_kwargs(function: str, kwargs: dict) -> dict:
    """The keyword arguments of torch's initialiser that corresponds to ``function(**kwargs)``."""
    family = INITS[function][2]
    if family == "glorot":
        return {"gain": kwargs.get("gain", 1.0)}
    if family == "he":
        return {"a": kwargs.get("a", 0.0), "mode": kwargs.get("mode", "fan_in"),
                "nonlinearity": kwargs.get("nonlinearity", "leaky_relu")}
    return {"a": 0.0, "mode": "fan_in", "nonlinearity": "linear"}  # LeCun: kaiming with gain 1


def torch_std(function: str, shape, kwargs: dict) -> dict:
    """std (and bound) torch's initialiser uses on ``shape``, from torch's own helpers and formula."""
    t = torch.empty(tuple(shape))
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(t)
    tk = torch_kwargs(function, kwargs)
    if INITS[function][2] == "glorot":  # torch.nn.init.xavier_uniform_ / xavier_normal_
        gain, fan = float(tk["gain"]), (fan_in + fan_out) / 2
        std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    else:  # torch.nn.init.kaiming_uniform_ / kaiming_normal_
        fan = torch.nn.init._calculate_correct_fan(t, tk["mode"])
        gain = float(torch.nn.init.calculate_gain(tk["nonlinearity"], tk["a"]))
        std = gain / math.sqrt(fan)
    return {"std": std, "bound": math.sqrt(3.0) * std, "gain": gain, "fan": fan, "mode": tk.get("mode"),
            "fan_in": int(fan_in), "fan_out": int(fan_out)}


def torch_sample(function: str, shape, kwargs: dict, seed: int) -> np.ndarray:
    """torch's own initialiser on torch.empty(shape, float64), seeded."""
    t = torch.empty(tuple(shape), dtype=torch.float64)
    getattr(torch.nn.init, INITS[function][0])(t, **torch_kwargs(function, kwargs),
                                               generator=torch.Generator().manual_seed(int(seed)))
    return t.numpy()


def vs_law(shape, kwargs: dict) -> dict:
    """Keras's VarianceScaling on ``shape`` (torch's fans): σ² = scale/n and the torch call that
    draws it; ValueError, as Keras raises it, for a bad scale, mode or distribution."""
    scale = kwargs.get("scale", 1.0)
    mode, distribution = kwargs.get("mode", "fan_in"), kwargs.get("distribution", "truncated_normal")
    if not scale > 0.0:
        raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
    if mode not in VS_MODES:
        raise ValueError(f"Invalid `mode` argument: expected one of {VS_MODES}. Received: {mode}")
    if distribution not in VS_DISTRIBUTIONS:
        raise ValueError(f"Invalid `distribution` argument: expected one of {VS_DISTRIBUTIONS}. "
                         f"Received: {distribution}")
    fan_in, fan_out = torch_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    std = math.sqrt(scale / n)
    law = {"std": std, "scale": float(scale), "mode": mode, "distribution": distribution, "n": n,
           "fan_in": fan_in, "fan_out": fan_out}
    if distribution == "truncated_normal":
        s = std / TRUNC_STD
        return dict(law, dist="truncated_normal", bound=2 * s, param=s,
                    torch=f"nn.init.trunc_normal_(w, 0, s, -2s, 2s), s = √(scale/n)/{TRUNC_STD} = {s:.5g}")
    if distribution == "untruncated_normal":
        return dict(law, dist="normal", bound=None, param=std, torch=f"nn.init.normal_(w, 0, √(scale/n) = {std:.5g})")
    b = math.sqrt(3.0) * std
    return dict(law, dist="uniform", bound=b, param=b, torch=f"nn.init.uniform_(w, -b, b), b = √(3·scale/n) = {b:.5g}")


def torch_variance_scaling(shape, scale=1.0, mode="fan_in", distribution="truncated_normal", *,
                           seed: int = 0) -> np.ndarray:
    """VarianceScaling drawn by torch's initialisers on torch.empty(shape, float64), seeded
    (raises vs_law's ValueError for bad arguments)."""
    law = vs_law(shape, {"scale": scale, "mode": mode, "distribution": distribution})
    t = torch.empty(tuple(shape), dtype=torch.float64)
    g, s = torch.Generator().manual_seed(int(seed)), law["param"]
    if law["dist"] == "truncated_normal":
        torch.nn.init.trunc_normal_(t, 0.0, s, -2 * s, 2 * s, generator=g)
    elif law["dist"] == "normal":
        torch.nn.init.normal_(t, 0.0, s, generator=g)
    else:
        torch.nn.init.uniform_(t, -s, s, generator=g)
    return t.numpy()


def dist_of(function: str, kwargs: dict) -> str:
    """The family ``law_of(function, shape, kwargs)["dist"]`` names, read from the arguments alone
    (no torch: a check's title needs it before any reference is computed)."""
    if function == "variance_scaling":
        return {"untruncated_normal": "normal"}.get(kwargs.get("distribution", "truncated_normal"),
                                                    kwargs.get("distribution", "truncated_normal"))
    return INITS[function][1]


def law_of(function: str, shape, kwargs: dict) -> dict:
    """The law ``function(shape, **kwargs)`` must draw from: dist ("uniform", "normal",
    "truncated_normal"), σ = √Var(w), bound (None for a normal), and how torch computes it."""
    if function == "variance_scaling":
        return vs_law(shape, kwargs)
    info = torch_std(function, shape, kwargs)
    uniform = INITS[function][1] == "uniform"
    return dict(info, dist=INITS[function][1], bound=info["bound"] if uniform else None)


def torch_draw(function: str, shape, kwargs: dict, seed: int) -> np.ndarray:
    """A seeded sample of torch's counterpart of ``function(shape, **kwargs)``."""
    if function == "variance_scaling":
        return torch_variance_scaling(shape, **kwargs, seed=seed)
    return torch_sample(function, shape, kwargs, seed)


# --- statistics ----------------------------------------------------------------------------------

def _stats(w: np.ndarray) -> dict:
    m2 = float(np.mean(w * w))
    return {"n": int(w.size), "mean": float(np.mean(w)), "var": m2, "max": float(np.max(np.abs(w))),
            "beyond2": float(np.mean(np.abs(w) > 2 * math.sqrt(m2)))}


def _show_stats(st: dict) -> str:
    return (f"n = {st['n']}, mean = {st['mean']:.4g}, var = mean(w²) = {st['var']:.5g} "
            f"(std {math.sqrt(st['var']):.5g}), max|w| = {st['max']:.5g}, "
            f"beyond 2 std: {st['beyond2']:.2%}")


def _assess(st: dict, law: dict) -> str | None:
    """The first failed property of a sample (see the module docstring), or None."""
    dist, std, bound = law["dist"], law["std"], law["bound"]
    var = std * std
    ratio = st["var"] / var
    if abs(ratio - 1) > VAR_TOL:  # first: with a wrong scale the other messages would mislead
        return (f"the variance of your weights is {st['var']:.5g}, {ratio:.3g} times torch's "
                f"{var:.5g} (allowed: within {VAR_TOL:.0%})")
    if abs(st["mean"]) > MEAN_TOL * std:
        return (f"the mean of your weights is {st['mean']:.4g}, not about 0 (allowed: |mean| <= "
                f"{MEAN_TOL:g}·std = {MEAN_TOL * std:.3g}); draw symmetrically around 0")
    if dist == "uniform":
        if st["max"] > bound * (1 + 1e-12):
            return (f"max|w| = {st['max']:.5g} = {st['max'] / std:.3g} std is beyond torch's bound "
                    f"b = √3·std = {bound:.5g}: U(-b, b) never leaves [-b, b] (a normal does: did you "
                    f"draw from a normal?)")
        if st["max"] < bound * (1 - BOUND_SLACK):
            return (f"max|w| = {st['max']:.5g} stays below torch's bound b = √3·std = {bound:.5g}: "
                    f"{st['n']} draws of U(-b, b) come within {BOUND_SLACK:g}·b of it")
    elif dist == "truncated_normal":
        if st["max"] > bound * (1 + 1e-12):
            return (f"max|w| = {st['max']:.5g} = {st['max'] / std:.3g}·σ is beyond the cut B = 2·s = {bound:.5g} "
                    f"(s = √(scale/n)/{TRUNC_STD:.4f}): a truncated normal never leaves [-B, B] (values "
                    f"beyond must be drawn again: did you draw an untruncated normal?)")
        if st["max"] < bound * (1 - TRUNC_SLACK):
            return (f"max|w| = {st['max']:.5g} stays below the cut B = 2·s = {bound:.5g}: {st['n']} draws of "
                    f"the truncated normal come within {TRUNC_SLACK:g}·B of it (cut at ±2·s, where "
                    f"s = √(scale/n)/{TRUNC_STD:.4f} is the std before the cut)")
    else:
        lo, hi = FRAC_RANGE
        if not lo <= st["beyond2"] <= hi:
            why = " (a uniform has none: did you draw from a uniform?)" if st["beyond2"] < lo else ""
            return (f"{st['beyond2']:.2%} of your weights lie beyond 2 standard deviations; a normal "
                    f"has {NORMAL_FRAC:.2%} (allowed: {lo:.1%} to {hi:.1%}){why}")
    return None


def _mistakes(function: str, shape, info: dict) -> list[tuple[str, float]]:
    """(what, variance) of common wrong formulas on this shape, for the feedback only."""
    if function == "variance_scaling":
        return _vs_mistakes(shape, info)
    dist, family = INITS[function][1], INITS[function][2]
    fi, fo, g, var = info["fan_in"], info["fan_out"], info["gain"], info["std"] ** 2
    fi0, fo0 = shape[1], shape[0]
    out = []
    if family == "glorot":
        out += [("gain²/fan_in (fan_in alone; Glorot averages fan_in and fan_out)", g * g / fi),
                ("2·gain²/fan_in (He's rule, not Glorot's)", 2 * g * g / fi),
                ("gain²/fan_out (fan_out alone)", g * g / fo),
                ("2·gain²/(shape[0] + shape[1]) (the kernel's receptive field is missing)", 2 * g * g / (fi0 + fo0)),
                ("2/(fan_in + fan_out) (the gain is ignored)", 2 / (fi + fo)),
                ("2·gain/(fan_in + fan_out) (the gain multiplies the std, so the variance has gain²)",
                 2 * g / (fi + fo))]
    else:
        fan, by_in, gg = info["fan"], info["mode"] == "fan_in", "gain²" if family == "he" else "1"
        out += [(f"{gg}/{'fan_out' if by_in else 'fan_in'} (the other mode's fan)", g * g / (fo if by_in else fi)),
                (f"{gg}/((fan_in + fan_out)/2) (Glorot's average fan)", 2 * g * g / (fi + fo)),
                (f"{gg}/shape[{1 if by_in else 0}] (the kernel's receptive field is missing)",
                 g * g / (fi0 if by_in else fo0))]
        if family == "he":
            out += [("2/fan (a and nonlinearity ignored: relu's gain √2 assumed)", 2 / fan),
                    ("1/fan (the gain is ignored)", 1 / fan),
                    ("gain/fan (the gain multiplies the std, so the variance has gain²)", g / fan)]
        else:
            out += [("2/fan_in (He's rule: LeCun has gain 1)", 2 / fi)]
    if dist == "uniform":
        out += [("half of torch's: √3 where √6 belongs (or 1 where 2 belongs)", var / 2),
                ("twice torch's: √6 where √3 belongs (or 2 where 1 belongs)", var * 2),
                ("3 times torch's: the bound b was used as the std (Var of U(-b, b) is b²/3)", var * 3),
                ("a third of torch's: the std was used as the bound (b = √3·std)", var / 3)]
    else:
        out += [("the variance passed as the std (rng.normal's scale is the std)", var * var),
                ("half of torch's (1 where 2 belongs?)", var / 2), ("twice torch's", var * 2)]
    return [(what, v) for what, v in out if abs(v / var - 1) > 2 * VAR_TOL]


def _vs_mistakes(shape, law: dict) -> list[tuple[str, float]]:
    """(what, variance) of common wrong variance_scaling formulas on this shape."""
    scale, n, var, fi, fo = law["scale"], law["n"], law["std"] ** 2, law["fan_in"], law["fan_out"]
    r = math.prod(shape[:-2])  # Keras's receptive field: its kernels are (*kernel, in, out)
    fans = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2}
    out = [(f"scale/{m} (mode {m!r})", scale / fans[m]) for m in VS_MODES if m != law["mode"]]
    keras = {"fan_in": shape[-2] * r, "fan_out": shape[-1] * r, "fan_avg": (shape[-2] + shape[-1]) * r / 2}
    out += [("scale/n with Keras's fans (fan_in = shape[-2]·r, fan_out = shape[-1]·r, r = prod(shape[:-2])); "
             "torch's weight is (fan_out, fan_in, *kernel): use compute_fans", scale / keras[law["mode"]]),
            ("scale²/n (scale multiplies the std; it is the variance's numerator)", scale * scale / n)]
    if law["mode"] == "fan_avg":
        out += [("scale/(fan_in + fan_out) (fan_avg is their mean, not their sum)", scale / (fi + fo))]
    if law["dist"] == "truncated_normal":
        out += [(f"(scale/n)·{TRUNC_STD:.4f}²: the std was not divided by {TRUNC_STD} (cutting at ±2 std "
                 f"shrinks the variance by that factor squared)", var * TRUNC_STD ** 2),
                (f"(scale/n)/{TRUNC_STD:.4f}²: a normal with the truncated std that was not cut", var / TRUNC_STD ** 2),
                ("1.19·scale/n: values beyond ±2 std clipped to ±2 std instead of drawn again",
                 var * (TRUNC_STD ** 2 * math.erf(2 / math.sqrt(2)) + 4 * math.erfc(2 / math.sqrt(2))) / TRUNC_STD ** 2)]
    elif law["dist"] == "uniform":
        out += [("scale/(3n): b = √(scale/n), the 3 is missing (Var of U(-b, b) is b²/3)", var / 3),
                ("3·scale/n: b²= 3·scale/n used as the variance", var * 3)]
    else:
        out += [(f"(scale/n)/{TRUNC_STD:.4f}²: the truncated normal's std for the untruncated one",
                 var / TRUNC_STD ** 2),
                ("the variance passed as the std (rng.normal's scale is the std)", var * var)]
    return [(what, v) for what, v in out if abs(v / var - 1) > 2 * VAR_TOL]


# --- fans, gain, errors ------------------------------------------------------------------------

def _number(x):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        return None
    return float(x)


def _compare_fans(got, expected, case) -> None:
    v, shape = got.value, case.args[0]
    ok = isinstance(v, (tuple, list)) or (isinstance(v, np.ndarray) and v.ndim == 1)
    pair = [_number(x) for x in v] if ok and len(v) == 2 else None
    if pair is None or None in pair:
        raise Mismatch(f"the result is not a pair of numbers (fan_in, fan_out)\n  yours: {show_value(v)}\n"
                       f"  torch: {expected}")
    if tuple(pair) == tuple(float(e) for e in expected):
        return
    why = ""
    if tuple(pair) == (float(expected[1]), float(expected[0])):
        why = "\n  fan_in and fan_out are swapped: torch's weight is (fan_out, fan_in, *kernel)"
    elif len(shape) > 2 and tuple(pair) == (float(shape[1]), float(shape[0])):
        why = "\n  the receptive field prod(shape[2:]) is missing"
    raise Mismatch(f"(fan_in, fan_out) differs from torch's\n  yours: {show_value(v)}\n  torch: {expected}{why}")


def fans_check(name: str, *, points: float, shapes, hidden: bool = False, what: str = "") -> Check:
    """compute_fans on several shapes against torch's _calculate_fan_in_and_fan_out."""
    function = function_of(name)

    def make_case():
        calls = [Case((tuple(s),), {}, ("shape",), {"label": f"shape={tuple(s)}"}) for s in shapes]
        return Case(data={"calls": calls, "function": function})

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} matches torch's _calculate_fan_in_and_fan_out on {what}",
        hint=HINTS[function] + (CONV_HINT if any(len(s) > 2 for s in shapes) else ""),
        make_case=make_case, reference=lambda case: [torch_fans(c.args[0]) for c in case.data["calls"]],
        run=run_each, compare=compare_each(_compare_fans),
    )


def gain_check(name: str, *, points: float, calls, hidden: bool = False, what: str = "") -> Check:
    """calculate_gain(*args, **kwargs) for each call against torch.nn.init.calculate_gain (F64).

    torch returns the int 1 for linear layers, so the dtype is not checked; the values are
    exact constants (1, 5/3, √2, √(2/(1+s²)), 3/4), and F64's 1e-7 relative tolerance rejects
    rounded constants such as 1.667 or 1.414.
    """
    function = function_of(name)

    def make_case():
        cases = [Case(tuple(args), dict(kw), ("nonlinearity", "param"),
                      {"label": ", ".join([repr(x) for x in args] + [f"{k}={v!r}" for k, v in kw.items()])})
                 for args, kw in calls]
        return Case(data={"calls": cases, "function": function})

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} matches torch.nn.init.calculate_gain for {what}", hint=HINTS[function],
        make_case=make_case,
        reference=lambda case: [np.float64(torch.nn.init.calculate_gain(*c.args, **c.kwargs))
                                for c in case.data["calls"]],
        run=run_each, compare=compare_each(close(check_dtype=False, input_arg=None)),
    )


def _run_expecting(check, call, case):
    """Each call's result: ("raised", message) for the expected exception, else ("returned", value)
    or ("other", StudentError). Not-implemented, timeouts and crashes propagate as usual."""
    out = []
    for c in case.data["calls"]:
        try:
            out.append(("returned", call(check.function, *c.args, **c.kwargs).value))
        except StudentError as err:
            if err.kind != "exception":
                raise
            out.append(("raised" if err.message.startswith(case.data["error"] + ":") else "other", err))
    return out


def _compare_raised(got, expected, case) -> None:
    for (status, value), torch_says, c in zip(got, expected, case.data["calls"]):
        if status == "raised":
            continue
        if status == "returned":
            head, yours = f"returned instead of raising {case.data['error']}", f"returned {show_value(value)}"
        else:
            head, yours = f"raised {value.message.split(':')[0]}, not {case.data['error']}", f"raised {value.message}"
            if value.traceback:
                yours += "\n  traceback (your code):\n" + "\n".join("    " + ln for ln in value.traceback.rstrip().splitlines())
        err = Mismatch(f"{head} (for {c.data['label']})\n  yours: {yours}\n  torch: raises {torch_says}")
        err.called = c.show(case.data["function"])
        raise err


ARG_NAMES = {"compute_fans": ("shape",), "calculate_gain": ("nonlinearity", "param"),
             "variance_scaling": ("shape", "scale", "mode", "distribution")}


def raises_check(name: str, *, points: float, calls, torch_fn, hidden: bool = False, what: str = "",
                 error: str = "ValueError") -> Check:
    """Each call (args, kwargs, label) must raise ``error``, as ``torch_fn`` does on it (torch's own
    function, or for variance_scaling ``torch_variance_scaling``, which raises Keras's errors)."""
    function = function_of(name)

    def make_case():
        cases = [Case(tuple(args), dict(kw), ARG_NAMES[function], {"label": label}) for args, kw, label in calls]
        return Case(data={"calls": cases, "function": function, "error": error})

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} raises {error} for {what}, as {'Keras' if function == 'variance_scaling' else 'torch'} does",
        hint=HINTS[function],
        make_case=make_case,
        reference=lambda case: [torch_error(torch_fn, *c.args, **c.kwargs) for c in case.data["calls"]],
        run=_run_expecting, compare=_compare_raised,
    )


# --- random initialisers -----------------------------------------------------------------------

def _weights(value, shape, label: str = "the result") -> np.ndarray:
    """The student's weights as a float64 array of torch's shape, or Mismatch."""
    w = as_array(value, np.empty(tuple(shape)), label)
    if w.shape != tuple(shape):
        raise Mismatch(f"{label} has shape {w.shape}; torch's weight has shape {tuple(shape)} "
                       f"(the shape argument, in torch's order (fan_out, fan_in, *kernel))\n"
                       f"  yours: {show_value(w)}")
    if w.dtype != np.float64:
        raise Mismatch(f"{label} has dtype {w.dtype}; initialisers return float64\n  yours: {show_value(w)}")
    if not np.isfinite(w).all():
        raise Mismatch(f"{label} is not finite everywhere\n  yours: {show_value(w)}")
    return w


def _describe_torch(ref: dict) -> str:
    if ref["function"] == "variance_scaling":
        text = (f"Var = scale/n = {ref['scale']:g}/{ref['n']:g} = {ref['std'] ** 2:.5g} (σ = {ref['std']:.5g}), "
                f"n = {ref['mode']}, with fan_in = {ref['fan_in']}, fan_out = {ref['fan_out']}; {ref['torch']}")
    else:
        family, uniform = INITS[ref["function"]][2], INITS[ref["function"]][1] == "uniform"
        fan = {"glorot": "", "lecun": ""}.get(family, f", fan = {ref['fan']}")
        text = (f"{FORMULA[family]} = {ref['std']:.5g} (var {ref['std'] ** 2:.5g}"
                + (f", bound b = √3·std = {ref['bound']:.5g}" if uniform else "")
                + f"), with fan_in = {ref['fan_in']}, fan_out = {ref['fan_out']}{fan}, gain = {ref['gain']:.5g}")
    return text + f"\n  torch's own sample ({ref['source']}, seed {ref['seed']}): " + _show_stats(ref["torch_stats"])


def _show_call(function: str, kwargs: dict) -> str:
    return f"{function}(shape" + "".join(f", {k}={v!r}" for k, v in kwargs.items()) + ")"


def _stats_reference(case: Case) -> dict:
    function, shape, seed, same_as = case.data["function"], case.args[0], case.data["seed"], case.data["same_as"]
    kwargs = {k: v for k, v in case.kwargs.items() if k != "rng"}
    ref = dict(law_of(function, shape, kwargs), function=function, shape=shape, seed=seed)
    if same_as is None:
        sample = torch_draw(function, shape, kwargs, seed)
        ref["source"] = _torch_name(function, kwargs)
    else:  # an identity of the docstring: torch's initialiser for the special case has the same law
        other, other_kwargs = same_as
        theirs = law_of(other, shape, other_kwargs)
        if theirs["dist"] != ref["dist"] or abs(theirs["std"] / ref["std"] - 1) > 1e-12:
            raise RuntimeError(f"kit bug: {_show_call(function, kwargs)} is not {_show_call(other, other_kwargs)} "
                               f"({ref['dist']}, σ = {ref['std']}) vs ({theirs['dist']}, σ = {theirs['std']})")
        sample = torch_draw(other, shape, other_kwargs, seed)
        ref["source"] = f"nn.init.{INITS[other][0]}, the torch counterpart of {_show_call(other, other_kwargs)}"
    ref["torch_stats"], ref["sample"] = _stats(sample), sample
    problem = _assess(ref["torch_stats"], ref)
    if problem:  # torch's own sample must pass the test the students get
        raise RuntimeError(f"kit bug: torch's sample fails the check for {function}{shape}: {problem}")
    ref["mistakes"] = _mistakes(function, shape, ref)
    return ref


def _compare_stats(got, ref: dict, case) -> None:
    w = _weights(got.value, ref["shape"])
    st = _stats(w)
    problem = _assess(st, ref)
    if problem is None:
        return
    matches = [what for what, v in ref["mistakes"] if abs(st["var"] / v - 1) <= VAR_TOL]
    why = ("\n  your variance is what this gives: " + "; or ".join(matches)) if matches and "variance" in problem else ""
    raise Mismatch(f"{problem}\n  yours: {_show_stats(st)}\n  torch: {_describe_torch(ref)}{why}")


def _stats_picture(got, ref: dict, case) -> Picture | None:
    """Histograms of the student's weights and of torch's own sample (the same shape and seed)."""
    return histograms(_weights(got.value, ref["shape"]), ref["sample"], xlabel="weight",
                      title=f"{ref['function']}{tuple(ref['shape'])}: yours and torch's sample")


def _torch_name(function: str, kwargs: dict) -> str:
    if function in INITS:
        return f"nn.init.{INITS[function][0]}"
    return {"truncated_normal": "nn.init.trunc_normal_", "untruncated_normal": "nn.init.normal_",
            "uniform": "nn.init.uniform_"}[kwargs.get("distribution", "truncated_normal")]


def stats_check(name: str, *, points: float, shape, seed: int, kwargs=None, same_as=None, hidden: bool = False,
                what: str = "", hint: str = "") -> Check:
    """One seeded sample of ``function(shape, **kwargs)``: mean, variance and shape of the law
    against torch's formula (see the module docstring for the tolerances and their reasoning).

    ``same_as=(other, other_kwargs)`` (variance_scaling only): the identity
    ``function(shape, **kwargs)`` = ``other(shape, **other_kwargs)``; the reference asserts that
    torch's std for ``other`` is this call's and draws torch's sample with ``other``'s initialiser."""
    function = function_of(name)
    kwargs = dict(kwargs or {})
    n = math.prod(shape)
    assert MIN_N <= n <= MAX_N, f"{function}{shape}: the tolerances need {MIN_N} <= n <= {MAX_N}"
    shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    dist = dist_of(function, kwargs)
    torch_name = _torch_name(*same_as) if same_as else _torch_name(function, kwargs)
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=(f"{function}({tuple(shape)}{', ' + shown if shown else ''}): mean, variance and "
               f"{'tails' if dist == 'normal' else 'bound'} match {torch_name}"
               + (f" ({what})" if what else "")),
        hint=HINTS[function] + hint,
        make_case=lambda: Case((tuple(shape),), {**kwargs, "rng": Recipe("rng", seed=seed)}, ("shape",),
                               {"function": function, "seed": seed, "same_as": same_as}),
        reference=_stats_reference, compare=_compare_stats, picture=_stats_picture,
    )


SMALL_SHAPES = [(3, 5), (6, 4, 3), (2, 3, 3, 3), (4, 2, 2, 3, 2)]


def _shape_reference(function: str, c: Case):
    kwargs = {k: v for k, v in c.kwargs.items() if k != "rng"}
    w = torch_draw(function, c.args[0], kwargs, 0)
    return w.shape, w.dtype


def _compare_shape(got, expected, c) -> None:
    shape, _ = expected
    w = _weights(got.value, shape)
    if w.size > 1 and np.all(w == w.flat[0]):
        raise Mismatch(f"all your weights are equal; an initialiser draws random values\n  yours: {show_value(w)}")


def shape_check(name: str, *, points: float, seed: int, kwargs=None, shapes=None,
                hidden: bool = False) -> Check:
    """float64 arrays of exactly torch's shape for Linear and 1-, 2-, 3-d conv weights; also
    with rng omitted (the default None makes a fresh generator)."""
    function = function_of(name)
    kwargs = dict(kwargs or {})
    shapes = shapes or SMALL_SHAPES

    def make_case():
        calls = [Case((s,), {**kwargs, "rng": Recipe("rng", seed=seed + i)}, ("shape",),
                      {"label": f"shape={s}"}) for i, s in enumerate(shapes)]
        calls.append(Case(((5, 7),), dict(kwargs), ("shape",), {"label": "rng omitted (None)"}))
        return Case(data={"calls": calls, "function": function})

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} returns float64 arrays of torch's shape (Linear and conv weights, rng given or not)",
        hint=HINTS[function] + " Return an array of exactly `shape` (rng.uniform/rng.normal take size=shape), "
                               "float64, and make np.random.default_rng() when rng is None.",
        make_case=make_case,
        reference=lambda case: [_shape_reference(function, c) for c in case.data["calls"]],
        run=run_each, compare=compare_each(_compare_shape),
    )


def seed_check(name: str, *, points: float, seed: int, kwargs=None, shape=(30, 20),
               hidden: bool = False) -> Check:
    """The same seed twice gives the same array, another seed a different one."""
    function = function_of(name)
    kwargs = dict(kwargs or {})
    seeds = (seed, seed, seed + 1)

    def make_case():
        calls = [Case((tuple(shape),), {**kwargs, "rng": Recipe("rng", seed=s)}, ("shape",),
                      {"label": f"seed {s}"}) for s in seeds]
        return Case(data={"calls": calls, "function": function, "seeds": seeds})

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} draws only from rng: the same seed gives the same weights, another seed other ones",
        hint=HINTS[function] + RNG_HINT, make_case=make_case,
        reference=lambda case: tuple(torch.empty(tuple(shape)).shape),
        run=run_each, compare=seeded(_weights, "weights"),
    )


# --- the public checks -------------------------------------------------------------------------

STANDARD_GAINS = [((n,), {}) for n in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                                      "conv_transpose3d", "sigmoid", "tanh", "relu", "selu")]


def torch_fans_of(shape):
    """torch's _calculate_fan_in_and_fan_out on torch.empty(shape) (raises for fewer than 2 dims)."""
    return torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def torch_gain(*args, **kwargs):
    """torch.nn.init.calculate_gain (raises for a name it does not know)."""
    return torch.nn.init.calculate_gain(*args, **kwargs)


CHECKS = [
    # compute_fans, calculate_gain
    fans_check("compute_fans: linear", points=2, shapes=[(5, 3), (10, 20), (1, 1), (128, 784)],
               what="Linear weights (out, in)"),
    fans_check("compute_fans: conv", points=2, shapes=[(8, 4, 3), (16, 8, 3, 3), (4, 2, 3, 5, 7), (6, 3, 1, 1)],
               what="conv1d/2d/3d weights (out, in, *kernel)"),
    raises_check("compute_fans: fewer than 2 dims", points=2, calls=[(((5,),), {}, "shape=(5,)")],
                 torch_fn=torch_fans_of, what="a 1-d shape (a bias vector)"),
    gain_check("calculate_gain: standard", points=3, calls=STANDARD_GAINS,
               what="linear, conv*, sigmoid, tanh, relu, selu"),
    gain_check("calculate_gain: leaky_relu", points=2,
               calls=[(("leaky_relu",), {}), (("leaky_relu", 0.2), {}), (("leaky_relu",), {"param": math.sqrt(5)})],
               what="leaky_relu with the default slope, 0.2 and √5"),

    # glorot_uniform: fan_in 100 / fan_out 500 (fan_in alone: 3x, fan_out alone: 0.6x)
    shape_check("glorot_uniform: shape and dtype", points=2, seed=11),
    seed_check("glorot_uniform: rng reproducible", points=1, seed=12),
    stats_check("glorot_uniform: linear", points=2, shape=(500, 100), seed=13, what="fan_in ≠ fan_out"),
    stats_check("glorot_uniform: conv", points=2, shape=(64, 32, 5, 5), seed=14, hint=CONV_HINT),
    stats_check("glorot_uniform: gain", points=2, shape=(128, 400), kwargs={"gain": 2.0}, seed=15,
                hint=" The gain multiplies b (and the std), so the variance gets gain²."),
    # glorot_normal
    shape_check("glorot_normal: shape and dtype", points=1, seed=21),
    seed_check("glorot_normal: rng reproducible", points=1, seed=22),
    stats_check("glorot_normal: linear", points=2, shape=(100, 500), seed=23, what="fan_in ≠ fan_out"),
    stats_check("glorot_normal: conv", points=2, shape=(32, 64, 5, 5), seed=24, hint=CONV_HINT),
    stats_check("glorot_normal: gain", points=2, shape=(400, 128), kwargs={"gain": 5 / 3}, seed=25,
                hint=" The gain multiplies the std, so the variance gets gain²."),
    # he_uniform: fan_in 500, fan_out 100
    shape_check("he_uniform: shape and dtype", points=1, seed=31),
    seed_check("he_uniform: rng reproducible", points=1, seed=32),
    stats_check("he_uniform: default", points=2, shape=(100, 500), seed=33,
                what="a=0, fan_in, leaky_relu: Var = 2/fan_in"),
    stats_check("he_uniform: mode=fan_out", points=2, shape=(100, 500), kwargs={"mode": "fan_out"}, seed=34,
                hint=" mode='fan_out' divides by fan_out = shape[0]·receptive field."),
    stats_check("he_uniform: a", points=2, shape=(200, 300), kwargs={"a": math.sqrt(5)}, seed=35,
                what="nn.Linear's a = √5", hint=" With 'leaky_relu' the gain is √(2/(1 + a²))."),
    stats_check("he_uniform: nonlinearity", points=2, shape=(300, 200), kwargs={"nonlinearity": "tanh"}, seed=36,
                hint=" The gain is calculate_gain(nonlinearity, a): 5/3 for tanh."),
    # he_normal
    shape_check("he_normal: shape and dtype", points=1, seed=41),
    seed_check("he_normal: rng reproducible", points=1, seed=42),
    stats_check("he_normal: default", points=2, shape=(100, 500), seed=43,
                what="a=0, fan_in, leaky_relu: Var = 2/fan_in"),
    stats_check("he_normal: mode=fan_out", points=2, shape=(100, 500), kwargs={"mode": "fan_out"}, seed=44,
                hint=" mode='fan_out' divides by fan_out = shape[0]·receptive field."),
    stats_check("he_normal: a", points=1, shape=(300, 200), kwargs={"a": 1.0}, seed=45,
                hint=" With 'leaky_relu' the gain is √(2/(1 + a²))."),
    stats_check("he_normal: nonlinearity", points=1, shape=(200, 300), kwargs={"nonlinearity": "selu"}, seed=46,
                hint=" The gain is calculate_gain(nonlinearity, a): 3/4 for selu."),
    # lecun
    shape_check("lecun_uniform: shape and dtype", points=1, seed=51),
    seed_check("lecun_uniform: rng reproducible", points=1, seed=52),
    stats_check("lecun_uniform: linear", points=2, shape=(100, 500), seed=53, what="Var = 1/fan_in"),
    stats_check("lecun_uniform: conv", points=2, shape=(64, 16, 7, 7), seed=54, hint=CONV_HINT),
    shape_check("lecun_normal: shape and dtype", points=1, seed=61),
    seed_check("lecun_normal: rng reproducible", points=1, seed=62),
    stats_check("lecun_normal: linear", points=2, shape=(500, 100), seed=63, what="Var = 1/fan_in"),
    stats_check("lecun_normal: conv", points=2, shape=(16, 64, 7, 7), seed=64, hint=CONV_HINT),

    # variance_scaling: fan_in 500 / fan_out 100 on (100, 500); 100 / 400 on (400, 100)
    shape_check("variance_scaling: shape and dtype", points=1, seed=71),
    seed_check("variance_scaling: rng reproducible", points=1, seed=72),
    stats_check("variance_scaling: truncated_normal, fan_in", points=2, shape=(100, 500), seed=73,
                what="the defaults: Var = 1/fan_in, cut at ±2 std"),
    stats_check("variance_scaling: untruncated_normal, fan_out", points=2, shape=(400, 100),
                kwargs={"scale": 3.0, "mode": "fan_out", "distribution": "untruncated_normal"}, seed=74,
                what="Var = 3/fan_out"),
    stats_check("variance_scaling: uniform, fan_avg", points=2, shape=(64, 32, 5, 5),
                kwargs={"scale": 2.0, "mode": "fan_avg", "distribution": "uniform"}, seed=75,
                what="the notes' VarianceScaling(scale=2, mode='fan_avg', distribution='uniform')", hint=CONV_HINT),
    stats_check("variance_scaling: = glorot_uniform", points=1, shape=(128, 400),
                kwargs={"scale": 4.0, "mode": "fan_avg", "distribution": "uniform"}, seed=76,
                same_as=("glorot_uniform", {"gain": 2.0}), what="glorot_uniform(shape, gain=2)"),
    stats_check("variance_scaling: = he_normal", points=1, shape=(100, 500),
                kwargs={"scale": 2.0, "mode": "fan_in", "distribution": "untruncated_normal"}, seed=77,
                same_as=("he_normal", {"nonlinearity": "relu"}), what="he_normal(shape, nonlinearity='relu')"),
    stats_check("variance_scaling: = lecun_normal", points=1, shape=(16, 64, 7, 7),
                kwargs={"scale": 1.0, "mode": "fan_in", "distribution": "untruncated_normal"}, seed=78,
                same_as=("lecun_normal", {}), what="lecun_normal(shape)", hint=CONV_HINT),
    raises_check("variance_scaling: bad mode or distribution", points=1,
                 calls=[(((30, 20),), {"mode": "fan_sum"}, "mode='fan_sum'"),
                        (((30, 20),), {"distribution": "gaussian"}, "distribution='gaussian'")],
                 torch_fn=torch_variance_scaling, what="an unknown mode or distribution"),
    raises_check("variance_scaling: scale <= 0", points=1,
                 calls=[(((30, 20),), {"scale": 0.0}, "scale=0.0"), (((30, 20),), {"scale": -2.0}, "scale=-2.0")],
                 torch_fn=torch_variance_scaling, what="scale = 0 and scale < 0"),
]
