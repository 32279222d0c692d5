"""The gradient doctor: measure a network's gradient health on one batch and name the problem.

``diagnose(model, x, y)`` runs a torch model on a batch (forward hooks collect every layer's
pre-activations and activations), back-propagates the loss and reports the signs the notes
list; ``diagnose_numpy(weights, grads, ...)`` does the same for a NumPy MLP (the 07 capstone's)
from arrays you already have. ``python -m autograder.tools.doctor [PNG]`` diagnoses five classic
configurations and draws them.

The signs, per layer that has a weight matrix (``nn.Linear``, ``nn.Conv*``; layer 1 is the
one nearest the input):
- ``grad_norm``: ||dL/dW||_F, and ``Report.grad_ratio`` = grad_norm(first) / grad_norm(last);
- ``update_ratio``: lr * ||dL/dW|| / ||W||, the relative size of one plain SGD step;
- ``dead_fraction`` (after a ReLU): the fraction of units whose pre-activation is <= 0 on every
  example of the batch (they pass no gradient at all);
- ``saturated_fraction`` (after a sigmoid or tanh): the fraction of pre-activations where the
  derivative is below 10% of its maximum (|z| > 3.64 for the sigmoid, |z| > 1.82 for tanh);
- ``act_mean``, ``act_std``: the activations' mean and standard deviation over the batch;
- ``Report.nonfinite``: NaN or inf in the loss, weights, gradients or activations, at any step.

The verdict, first rule that applies:
1. "exploding" if anything is non-finite (in float arithmetic an explosion ends in inf/NaN);
2. "exploding" if ``grad_ratio > EXPLODE_RATIO`` (1e3): the gradient grows toward the input;
3. "exploding" if ``max update_ratio > EXPLODE_UPDATE`` (0.3): one SGD step at this lr would
   change some weight matrix by more than 30% of its norm;
4. "vanishing" if ``grad_ratio < VANISH_RATIO`` (1e-2): the first layer gets less than 1% of
   the last layer's gradient;
5. "healthy" otherwise.
Dead and saturated units are reported as signs (``Report.signs``) whatever the verdict: a fully
dead layer passes no gradient, so rule 4 catches it through the ratio (which is then 0).

Why these numbers. Measured with ``python -m autograder.tools.doctor --measure``: the ``mlp()``
networks below (depth 20, width 32, biases 0), 256 points of ``spirals()``, cross-entropy,
lr 0.01, seeds 0..4, min..max over the seeds:

    configuration              grad_ratio          max update_ratio    verdict
    sigmoid, N(0,1)            3.9e-05..8.5e-04    9.9e-04..3.0e-03    vanishing
    ReLU, He                   8.9e-02..1.2e+00    8.1e-04..4.3e-03    healthy
    SELU, LeCun                1.5e-01..8.1e-01    2.9e-03..1.8e-02    healthy
    sigmoid, N(0,1), BN        2.1e+00..3.4e+01    2.9e-03..2.0e-02    healthy
    tanh, Glorot               9.9e-01..3.7e+00    5.4e-03..1.7e-02    healthy
    ReLU, 1.5*I                2.1e-01..2.5e-01    1.3e+01..1.8e+01    exploding
    ReLU, He x 1.5             7.2e-02..2.7e-01    4.0e+00..1.3e+01    exploding
    sigmoid, N(0,1), depth 10  4.9e-03..3.5e-02    6.9e-04..3.6e-03    vanishing or healthy
    sigmoid, N(0,1), depth 5   4.6e-02..1.7e-01    1.7e-03..3.0e-03    healthy
    ReLU, He, depth 40         1.1e-01..1.2e+00    1.0e-04..1.6e-03    healthy
    ReLU, He x 1.2             7.2e-02..2.6e-01    7.4e-02..2.4e-01    healthy

- VANISH_RATIO 1e-2 lies 12x above the largest ratio of the vanishing 20-layer sigmoid net and
  9x below the smallest of a healthy one (ReLU + He); 10 sigmoid layers sit on the boundary,
  where the problem starts.
- EXPLODE_RATIO 1e3: batch norm at initialisation makes the gradient grow toward the input
  (up to 34x here; a known effect of batch norm, Yang et al. 2019), which is not yet an
  explosion; 1e3 keeps a 30x margin above it.
- EXPLODE_UPDATE 0.3 lies 15x above the largest healthy update ratio (0.02, which the usual
  rule of thumb puts at ~1e-3) and 13x below the smallest exploding one (4). The exploding
  nets need this rule: they are homogeneous (ReLU, no bias), so ||dW_l|| ~ gain^(L-1) for every
  l and the ratio across depth stays near 1 while every gradient is huge. The update ratio
  scales with lr: the numbers are for lr = 0.01.
- SATURATION_LEVEL 0.1 (derivative below 10% of its peak) is where a sigmoid unit passes less
  than a tenth of what it passes at z = 0: 29-31% of the sigmoid N(0,1) net's pre-activations,
  0.0006% with batch norm.
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

VANISH_RATIO = 1e-2  # grad_norm(first) / grad_norm(last) below this: vanishing
EXPLODE_RATIO = 1e3  # ... above this: exploding
EXPLODE_UPDATE = 0.3  # max over layers of lr * ||dL/dW|| / ||W|| above this: exploding
SATURATION_LEVEL = 0.1  # a sigmoid/tanh unit is saturated where its derivative is below 10% of its maximum
SIGN_FRACTION = 0.5  # dead or saturated fraction above this in some layer is listed among the signs
DEFAULT_LR = 0.01
HIST_SAMPLE = 4096  # activation values kept per layer for the histograms

# |z| beyond which the derivative is below SATURATION_LEVEL of its maximum
SIGMOID_SATURATION_Z = 2 * math.acosh(1 / math.sqrt(SATURATION_LEVEL))  # σ'(z) = 1/(4 cosh²(z/2)) → 3.64
TANH_SATURATION_Z = math.acosh(1 / math.sqrt(SATURATION_LEVEL))  # tanh'(z) = 1/cosh²(z) → 1.82
SATURATION_Z = {"sigmoid": SIGMOID_SATURATION_Z, "tanh": TANH_SATURATION_Z}


@dataclass
class LayerStats:
    """The signs of one layer with a weight matrix (and of the activation that follows it)."""

    index: int  # 1 = the layer nearest the input
    name: str
    shape: tuple
    grad_norm: float
    weight_norm: float
    update_ratio: float  # lr * grad_norm / weight_norm
    activation: str | None = None  # "relu", "sigmoid", ... of the activation after it, if any
    act_mean: float = float("nan")
    act_std: float = float("nan")
    dead_fraction: float | None = None  # ReLU only
    saturated_fraction: float | None = None  # sigmoid and tanh only
    values: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)  # activation sample


@dataclass
class Report:
    """What ``diagnose`` measured and what it concludes; ``str(report)`` is a readable table."""

    layers: list[LayerStats]
    losses: list[float]
    lr: float
    nonfinite: list[str] = field(default_factory=list)
    grad_history: list[list[float]] = field(default_factory=list)  # per step, per layer: grad_norm
    title: str = ""

    # --- the numbers the verdict uses ---------------------------------------------------------
    @property
    def grad_norms(self) -> np.ndarray:
        return np.array([s.grad_norm for s in self.layers], dtype=float)

    @property
    def grad_ratio(self) -> float:
        """||dL/dW|| of the first layer over that of the last (nan with fewer than 2 layers)."""
        g = self.grad_norms
        if len(g) < 2:
            return float("nan")
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.float64(g[0]) / np.float64(g[-1]))

    @property
    def max_update_ratio(self) -> float:
        u = np.array([s.update_ratio for s in self.layers], dtype=float)
        return float(np.max(u)) if len(u) else float("nan")

    @property
    def verdict(self) -> str:
        return self.diagnosis()[0]

    @property
    def reasons(self) -> list[str]:
        return self.diagnosis()[1]

    def diagnosis(self, vanish_ratio: float | None = None, explode_ratio: float | None = None,
                  explode_update: float | None = None) -> tuple[str, list[str]]:
        """(verdict, reasons) by the rules in the module docstring; thresholds default to the
        module constants (read at call time)."""
        vanish_ratio = VANISH_RATIO if vanish_ratio is None else vanish_ratio
        explode_ratio = EXPLODE_RATIO if explode_ratio is None else explode_ratio
        explode_update = EXPLODE_UPDATE if explode_update is None else explode_update
        if self.nonfinite:
            return "exploding", [f"non-finite values: {'; '.join(self.nonfinite[:5])}"]
        ratio, update = self.grad_ratio, self.max_update_ratio
        if ratio > explode_ratio:
            return "exploding", [f"the first layer's gradient is {ratio:.3g}x the last layer's (> {explode_ratio:g})"]
        if update > explode_update:
            worst = max(self.layers, key=lambda s: s.update_ratio)
            return "exploding", [f"one SGD step at lr={self.lr:g} would change the weights of {worst.name} by "
                                 f"{update:.3g} times their norm (lr·|dL/dW|/|W|; above {explode_update:g} is "
                                 "exploding)"]
        if ratio < vanish_ratio or ratio != ratio:
            return "vanishing", [f"the first layer's gradient is {ratio:.3g}x the last layer's (< {vanish_ratio:g})"]
        return "healthy", [f"gradient ratio first/last {ratio:.3g} within [{vanish_ratio:g}, {explode_ratio:g}], "
                           f"max update ratio {update:.3g} <= {explode_update:g}"]

    @property
    def signs(self) -> list[str]:
        """Dead ReLUs and saturated units, layer by layer, where more than half are affected."""
        out = []
        for s in self.layers:
            if s.dead_fraction is not None and s.dead_fraction > SIGN_FRACTION:
                out.append(f"{s.name}, layer {s.index} from the input: {s.dead_fraction:.0%} of the ReLU units after "
                           "it are dead (0 for every example of the batch, so no gradient passes them)")
            if s.saturated_fraction is not None and s.saturated_fraction > SIGN_FRACTION:
                out.append(f"{s.name}, layer {s.index} from the input: {s.saturated_fraction:.0%} of the {s.activation} "
                           f"pre-activations after it are saturated (derivative below {SATURATION_LEVEL:.0%} of its "
                           "maximum)")
        return out

    @property
    def dead_fraction(self) -> float:
        """Fraction of all ReLU units (over every ReLU layer) that are dead on the batch."""
        d = [(s.dead_fraction, s.shape[0]) for s in self.layers if s.dead_fraction is not None]
        return float(sum(f * n for f, n in d) / sum(n for _, n in d)) if d else 0.0

    @property
    def saturated_fraction(self) -> float:
        """Mean over sigmoid/tanh layers of their saturated fraction."""
        d = [s.saturated_fraction for s in self.layers if s.saturated_fraction is not None]
        return float(np.mean(d)) if d else 0.0

    # --- output -------------------------------------------------------------------------------
    def __str__(self) -> str:
        head = f"{self.title + ': ' if self.title else ''}{self.verdict} — {'; '.join(self.reasons)}"
        rows = [head, f"loss {', '.join(f'{v:.4g}' for v in self.losses)}",
                "depth: weighted layers counted from the input; module: torch's name for it and its class; act: the "
                "activation after it; lr|g|/|W|: how much one SGD step changes its weights; dead, satur.: its units "
                "that pass no gradient",
                f"{'depth':>5} {'module':<22}{'act':<9}{'|dL/dW|':>11}{'|W|':>10}{'lr|g|/|W|':>11}"
                f"{'mean':>9}{'std':>9}{'dead':>7}{'satur.':>8}"]
        for s in self.layers:
            rows.append(f"{s.index:>5} {s.name[:21]:<22}{(s.activation or '-'):<9}{s.grad_norm:>11.3e}{s.weight_norm:>10.3g}"
                        f"{s.update_ratio:>11.2e}{s.act_mean:>9.3g}{s.act_std:>9.3g}"
                        f"{'' if s.dead_fraction is None else f'{s.dead_fraction:.0%}':>7}"
                        f"{'' if s.saturated_fraction is None else f'{s.saturated_fraction:.0%}':>8}")
        rows += [f"sign: {x}" for x in self.signs]
        return "\n".join(rows)

    def draw(self, ax_grad, ax_hist) -> None:
        """Gradient norms per layer (log y) on ``ax_grad``; one histogram per layer on ``ax_hist``
        (a ridge plot: layer l's histogram of activations drawn at height l, log counts, hidden
        layers only)."""
        from matplotlib.ticker import MaxNLocator

        idx = np.arange(1, len(self.layers) + 1)
        g = self.grad_norms
        ok = np.isfinite(g) & (g > 0)
        ax_grad.plot(idx[ok], g[ok], "o-", label="||dL/dW||")
        u = np.array([s.update_ratio for s in self.layers])
        oku = np.isfinite(u) & (u > 0)
        ax_grad.plot(idx[oku], u[oku], "s--", ms=3, label=f"lr·||dL/dW||/||W|| (lr={self.lr:g})")
        ax_grad.set_yscale("log")
        ax_grad.set_xlabel("layer (1 = input side)")
        ax_grad.set_ylabel("norm")
        ax_grad.set_title(f"{self.title + ': ' if self.title else ''}{self.verdict} "
                          f"(first/last = {self.grad_ratio:.2g})", fontsize=9)
        ax_grad.legend(fontsize=7)
        ax_grad.grid(True, which="major", alpha=0.3)
        hidden = [s for s in self.layers if s.activation is not None] or self.layers
        finite = [s.values[np.isfinite(s.values)] for s in hidden]
        pool = np.concatenate([v for v in finite if v.size] or [np.zeros(1)])
        lo, hi = float(pool.min()), float(pool.max())
        wide = max(abs(lo), abs(hi)) > 50  # activations spanning orders of magnitude: symlog axis
        if not wide:
            lo, hi = np.percentile(pool, [0.2, 99.8])
        if hi <= lo:
            lo, hi = lo - 1, hi + 1
        if wide:
            bins = np.sinh(np.linspace(np.arcsinh(lo), np.arcsinh(hi), 61))
            ax_hist.set_xscale("symlog", linthresh=1.0)
        else:
            bins = np.linspace(lo, hi, 61)
        for s, v in zip(hidden, finite):
            if not v.size:
                continue
            counts, _ = np.histogram(np.clip(v, lo, hi), bins=bins)
            h = np.log1p(counts) / np.log1p(max(counts.max(), 1)) * 0.9  # log counts: tails stay visible
            bad = (s.dead_fraction or 0) > SIGN_FRACTION or (s.saturated_fraction or 0) > SIGN_FRACTION
            ax_hist.stairs(s.index + h, bins, baseline=s.index, fill=True, alpha=0.7,
                           color="C3" if bad else "C0")
        ax_hist.set_xlim(lo, hi)
        ax_hist.set_ylim(0.5, len(self.layers) + 0.5)
        ax_hist.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax_grad.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_hist.set_xlabel("activation value after the nonlinearity" + (" (symlog)" if wide else ""))
        ax_hist.set_ylabel("layer (depth from the input)")
        ax_hist.set_title("activation histograms, log counts (red: > 50% of units dead or saturated)", fontsize=9)

    def figure(self):
        """A matplotlib Figure (no pyplot, Agg canvas) with the two panels of ``draw``."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(11, 4.5), layout="constrained")
        FigureCanvasAgg(fig)
        ax_grad, ax_hist = fig.subplots(1, 2)
        self.draw(ax_grad, ax_hist)
        return fig

    def plot(self, path) -> Path:
        """Save ``figure()`` as a PNG at ``path``; returns the path."""
        path = Path(path)
        self.figure().savefig(path, dpi=110)
        return path


def plot_reports(reports: Sequence[Report], path) -> Path:
    """Several reports in one PNG, one row each (gradient norms | activation histograms)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 3.6 * len(reports)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(reports), 2, squeeze=False)
    for r, (a, b) in zip(reports, axes):
        r.draw(a, b)
    path = Path(path)
    fig.savefig(path, dpi=90)
    return path


# --- the shared arithmetic -------------------------------------------------------------------

def _f64(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _unit_axes(z: np.ndarray) -> tuple:
    """Axes over which a unit's values vary: the batch, and for (N, C, ...) the positions too."""
    return (0,) + tuple(range(2, z.ndim)) if z.ndim >= 2 else (0,)


def layer_stats(index: int, name: str, weight, grad, lr: float, activation: str | None = None,
                pre=None, post=None, rng: np.random.Generator | None = None) -> LayerStats:
    """The signs of one layer from its weight, its gradient and (optionally) the pre-activations
    ``pre`` (the activation's input, (N, units, ...)) and activations ``post`` of its batch."""
    w, g = _f64(weight), _f64(grad)
    with np.errstate(all="ignore"):
        gn, wn = float(np.linalg.norm(g)), float(np.linalg.norm(w))
        update = lr * gn / wn if wn > 0 else float("inf")
    s = LayerStats(index, name, tuple(w.shape), gn, wn, update, activation)
    if pre is None and post is None:
        return s
    z = _f64(pre) if pre is not None else None
    a = _f64(post) if post is not None else (z if activation is None else _apply(activation, z))
    with np.errstate(all="ignore"):
        s.act_mean, s.act_std = float(np.mean(a)), float(np.std(a))
        if z is not None and activation == "relu":
            alive = np.any(z > 0, axis=_unit_axes(z)) if z.ndim >= 2 else z > 0
            s.dead_fraction = float(1.0 - np.mean(alive))
        if z is not None and activation in SATURATION_Z:
            s.saturated_fraction = float(np.mean(np.abs(z) > SATURATION_Z[activation]))
    flat = a.ravel()
    if flat.size > HIST_SAMPLE:
        flat = (rng or np.random.default_rng(0)).choice(flat, HIST_SAMPLE, replace=False)
    s.values = flat.copy()
    return s


def _apply(activation: str, z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        if activation == "relu":
            return np.maximum(z, 0)
        if activation == "sigmoid":
            return 1 / (1 + np.exp(-z))
        if activation == "tanh":
            return np.tanh(z)
        if activation == "selu":
            return 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0)))
        if activation == "elu":
            return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
        if activation == "leaky_relu":
            return np.where(z > 0, z, 0.01 * z)
    return z


def diagnose_numpy(weights: Sequence, grads: Sequence, preactivations: Sequence | None = None,
                   activations: Sequence | None = None, activation: str | Sequence | None = "relu",
                   lr: float = DEFAULT_LR, loss: float | Sequence[float] | None = None,
                   names: Sequence[str] | None = None, title: str = "") -> Report:
    """The doctor for a NumPy MLP: one entry per layer, input side first.

    - ``weights[l]``, ``grads[l]``: W_l and dL/dW_l (any shape; biases are not needed);
    - ``preactivations[l]``: z_l = a_{l-1} W_l^T + b_l on the batch, (N, units) (optional; a
      shorter list covers the first layers, e.g. the capstone's ``cache["z"]`` of hidden layers);
    - ``activations[l]``: a_l = f(z_l) (optional; computed from z_l when only those are given);
    - ``activation``: one name for every hidden layer ("relu", "sigmoid", "tanh", "selu", "elu",
      "leaky_relu"; the last layer is then taken as linear), or one name (or None) per layer;
    - ``loss``: the loss value (or values over steps), checked for NaN/inf.
    """
    n = len(weights)
    if len(grads) != n:
        raise ValueError(f"{n} weights but {len(grads)} gradients")
    acts = [activation] * (n - 1) + [None] if activation is None or isinstance(activation, str) else list(activation)
    if len(acts) != n:
        raise ValueError(f"{n} layers but {len(acts)} activation names")
    # the 07 capstone caches hidden layers only: pad per-layer lists to one entry per layer
    pad = lambda seq: None if seq is None else list(seq) + [None] * (n - len(seq))  # noqa: E731
    preactivations, activations = pad(preactivations), pad(activations)
    losses = [] if loss is None else [float(v) for v in np.atleast_1d(np.asarray(loss, dtype=float))]
    rng = np.random.default_rng(0)
    layers, nonfinite = [], []
    for l in range(n):
        name = names[l] if names is not None else f"layer {l + 1}"
        pre = preactivations[l] if preactivations is not None else None
        post = activations[l] if activations is not None else None
        layers.append(layer_stats(l + 1, name, weights[l], grads[l], lr, acts[l], pre, post, rng))
        for what, arr in (("weights", weights[l]), ("gradient", grads[l]), ("pre-activations", pre),
                          ("activations", post)):
            if arr is not None and not np.all(np.isfinite(_f64(arr))):
                nonfinite.append(f"{what} of {name}")
    nonfinite = [f"loss at step {k}" for k, v in enumerate(losses) if not math.isfinite(v)] + nonfinite
    return Report(layers, losses, lr, nonfinite, [[s.grad_norm for s in layers]], title)


# --- torch ------------------------------------------------------------------------------------

def _activation_names():
    from torch import nn

    return {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.SELU: "selu", nn.ELU: "elu",
            nn.LeakyReLU: "leaky_relu", nn.GELU: "gelu", nn.SiLU: "silu", nn.Softplus: "softplus",
            nn.Hardtanh: "hardtanh", nn.ReLU6: "relu6"}


def _weighted(module) -> bool:
    w = getattr(module, "weight", None)
    return w is not None and getattr(w, "ndim", 0) >= 2 and w.requires_grad


def _one_step(model, x, y, loss_fn, acts, step: int):
    """Forward with hooks, backward; returns (loss, [(name, module, pre, post, act)], nonfinite)."""
    import torch

    calls = []  # (name, module, input, output) in call order
    hooks = []
    for name, m in model.named_modules():
        if _weighted(m) or type(m) in acts:
            hooks.append(m.register_forward_hook(
                lambda mod, inp, out, name=name: calls.append(
                    (name, mod, inp[0].detach() if inp and torch.is_tensor(inp[0]) else None,
                     out.detach() if torch.is_tensor(out) else None))))
    try:
        model.zero_grad(set_to_none=True)
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
    finally:
        for h in hooks:
            h.remove()
    layers = []  # [name, module, pre, post, activation]
    for name, mod, inp, out_t in calls:
        if _weighted(mod):
            layers.append([name, mod, out_t, out_t, None])
        elif layers and layers[-1][4] is None:  # the first activation after a weighted layer
            layers[-1][2], layers[-1][3], layers[-1][4] = inp, out_t, acts[type(mod)]
    bad = []
    lv = float(loss.detach())
    if not math.isfinite(lv):
        bad.append(f"loss at step {step}")
    for pname, p in model.named_parameters():
        if not torch.isfinite(p.detach()).all():
            bad.append(f"weights {pname} at step {step}")
        elif p.grad is not None and not torch.isfinite(p.grad).all():
            bad.append(f"gradient of {pname} at step {step}")
    for name, _, pre, post, _ in layers:
        if (post is not None and not torch.isfinite(post).all()) or (pre is not None and not torch.isfinite(pre).all()):
            bad.append(f"activations of {name or 'layer'} at step {step}")
    return lv, layers, bad


def module_label(name: str, module) -> str:
    """How a report names a layer: torch's own name for it (``model.named_modules()``: ``3``,
    ``encoder.fc``; ``print(model)`` shows it as ``(3): Linear(...)``) and its class, e.g.
    ``module 3 (Linear)``; the model itself when it is the layer (``the model (Linear)``)."""
    return f"module {name} ({type(module).__name__})" if name else f"the model ({type(module).__name__})"


def diagnose(model, x, y, loss_fn: Callable | None = None, steps: int = 1, lr: float = DEFAULT_LR,
             title: str = "") -> Report:
    """Diagnose a torch model on one batch ``(x, y)``; the model is not modified.

    Runs ``steps`` forward/backward passes on a copy of the model, with a plain SGD step of size
    ``lr`` between them (``steps - 1`` updates). The per-layer signs are those of the first pass
    (the model as given); ``losses``, ``grad_history`` and ``nonfinite`` cover every pass (the
    weights are checked at each pass, so an update that made them NaN shows at the next one;
    passes stop at the first non-finite value). ``loss_fn`` defaults to cross-entropy for integer
    ``y`` and mean squared error otherwise. Activations are found as modules (``nn.ReLU``,
    ``nn.Sigmoid``, ``nn.Tanh``, ``nn.SELU``, ...) called after a layer with a weight matrix;
    a functional ``F.relu`` inside ``forward`` is invisible to the hooks (that layer then shows
    its raw output).
    """
    import torch

    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32)
    x = torch.as_tensor(x)
    x = x.to(dtype) if torch.is_floating_point(x) else x
    y = torch.as_tensor(y)
    if loss_fn is None:
        loss_fn = torch.nn.CrossEntropyLoss() if not torch.is_floating_point(y) else torch.nn.MSELoss()
    model = copy.deepcopy(model)
    model.train()
    acts = _activation_names()
    params = [p for p in model.parameters() if p.requires_grad]
    rng = np.random.default_rng(0)
    losses, history, nonfinite, first = [], [], [], None
    for step in range(max(1, steps)):
        lv, layers, bad = _one_step(model, x, y, loss_fn, acts, step)
        losses.append(lv)
        history.append([float(m.weight.grad.norm()) if m.weight.grad is not None else 0.0
                        for _, m, _, _, _ in layers])
        if first is None:
            first = [layer_stats(i + 1, module_label(name, m), m.weight.detach().numpy(),
                                 m.weight.grad.numpy() if m.weight.grad is not None else np.zeros(tuple(m.weight.shape)),
                                 lr, act, None if pre is None else pre.numpy(),
                                 None if post is None else post.numpy(), rng)
                     for i, (name, m, pre, post, act) in enumerate(layers)]
        nonfinite += bad
        if bad or step == steps - 1:
            break
        with torch.no_grad():
            for p in params:
                if p.grad is not None:
                    p -= lr * p.grad
    return Report(first, losses, lr, nonfinite, history, title)


# --- the demo ---------------------------------------------------------------------------------

def spirals(n: int = 256, seed: int = 0, noise: float = 0.2):
    """Two interleaved spirals in 2-D, standardised: (x float32 (n, 2), y int64 (n,))."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0.25, 1.0, n) * 3 * np.pi
    x = np.stack([t * np.cos(t + np.pi * y), t * np.sin(t + np.pi * y)], axis=1) / (3 * np.pi)
    x = x + rng.normal(0, noise / (3 * np.pi) * 3, x.shape)
    x = (x - x.mean(0)) / x.std(0)
    return x.astype(np.float32), y.astype(np.int64)


def mlp(kind: str, depth: int = 20, width: int = 32, seed: int = 0, gain: float = 1.5):
    """The demo's networks: ``depth`` weight layers, 2 inputs, 2 classes.

    kinds: "sigmoid" (N(0, 1) weights), "relu_he", "selu_lecun", "sigmoid_bn" (N(0, 1) weights,
    batch norm before every sigmoid), "identity" (1.5*I hidden weights, ReLU, ``gain``=scale),
    "relu_gain" (He normal times ``gain``), "tanh_glorot".
    """
    import torch
    from torch import nn

    torch.manual_seed(seed)
    dims = [2] + [width] * (depth - 1) + [2]
    act = {"sigmoid": nn.Sigmoid, "sigmoid_bn": nn.Sigmoid, "relu_he": nn.ReLU, "identity": nn.ReLU,
           "relu_gain": nn.ReLU, "selu_lecun": nn.SELU, "tanh_glorot": nn.Tanh}[kind]
    mods = []
    for l in range(depth):
        lin = nn.Linear(dims[l], dims[l + 1])
        with torch.no_grad():
            lin.bias.zero_()
            if kind in ("sigmoid", "sigmoid_bn"):
                nn.init.normal_(lin.weight, 0.0, 1.0)
            elif kind == "relu_he":
                nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
            elif kind == "relu_gain":
                nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
                lin.weight *= gain
            elif kind == "selu_lecun":
                nn.init.normal_(lin.weight, 0.0, 1.0 / math.sqrt(dims[l]))
            elif kind == "tanh_glorot":
                nn.init.xavier_normal_(lin.weight, gain=nn.init.calculate_gain("tanh"))
            elif kind == "identity":
                if dims[l] == dims[l + 1]:
                    lin.weight.copy_(gain * torch.eye(dims[l]))
                else:
                    nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
        mods.append(lin)
        if l < depth - 1:
            if kind == "sigmoid_bn":
                mods.append(nn.BatchNorm1d(dims[l + 1]))
            mods.append(act())
    return nn.Sequential(*mods)


DEMO = [("sigmoid, N(0,1) weights", "sigmoid"), ("ReLU, He init", "relu_he"),
        ("SELU, LeCun init", "selu_lecun"), ("sigmoid, N(0,1), batch norm", "sigmoid_bn"),
        ("ReLU, 1.5·I weights", "identity")]


def demo(path="doctor_demo.png", seed: int = 0) -> list[Report]:
    x, y = spirals(256, seed)
    reports = [diagnose(mlp(kind, seed=seed), x, y, title=title) for title, kind in DEMO]
    plot_reports(reports, path)
    return reports


def measure(seeds=range(5)) -> str:
    """The table behind the thresholds: grad_ratio and max update_ratio per configuration."""
    rows = [f"{'configuration':<28}{'depth':>6}{'grad_ratio min..max':>24}{'max update min..max':>24}  verdicts"]
    configs = [(k, 20, {}) for k in ("sigmoid", "relu_he", "selu_lecun", "sigmoid_bn", "tanh_glorot",
                                     "identity", "relu_gain")] + [("sigmoid", 10, {}), ("sigmoid", 5, {}),
                                                                  ("relu_he", 40, {}), ("relu_gain", 20, {"gain": 1.2})]
    for kind, depth, kw in configs:
        rs = []
        for seed in seeds:
            x, y = spirals(256, seed)
            rs.append(diagnose(mlp(kind, depth=depth, seed=seed, **kw), x, y))
        g = [r.grad_ratio for r in rs]
        u = [r.max_update_ratio for r in rs]
        rows.append(f"{kind + (str(kw) if kw else ''):<28}{depth:>6}{min(g):>12.2e}..{max(g):<10.2e}"
                    f"{min(u):>12.2e}..{max(u):<10.2e}  {','.join(sorted({r.verdict for r in rs}))}")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.tools.doctor",
                                     description="The gradient doctor's demo: diagnose five classic 20-layer "
                                                 "networks, print the reports and draw them into one PNG.")
    parser.add_argument("png", nargs="?", default="doctor_demo.png",
                        help="the picture to write (default: doctor_demo.png)")
    parser.add_argument("--measure", action="store_true",
                        help="instead, print the table behind the thresholds (eleven configurations x five "
                             "seeds; slow) and write nothing")
    args = parser.parse_args(argv)
    if args.measure:
        print(measure())
        return 0
    for r in demo(args.png):
        print(r, end="\n\n")
    print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
