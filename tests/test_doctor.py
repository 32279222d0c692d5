"""The gradient doctor (autograder/tools/doctor.py) names the five classic configurations right.

Every network here is built in this file with a fixed seed and diagnosed on 256 points of two
spirals made with NumPy. ``test_mutant_is_caught`` proves each test can fail: it applies a
plausible wrong threshold or metric to the doctor and expects the named test to fail.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from autograder.tools import doctor

DEPTH, WIDTH = 20, 32


def spirals(n=256, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0.25, 1.0, n) * 3 * np.pi
    x = np.stack([t * np.cos(t + np.pi * y), t * np.sin(t + np.pi * y)], axis=1)
    x = x + rng.normal(0, 0.6, x.shape)
    x = (x - x.mean(0)) / x.std(0)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


def mlp(act, init, batchnorm=False, depth=DEPTH, width=WIDTH, seed=0):
    """``depth`` Linear layers 2 -> width -> ... -> 2, zero biases, ``init(weight)`` in place."""
    torch.manual_seed(seed)
    dims = [2] + [width] * (depth - 1) + [2]
    mods = []
    for i in range(depth):
        lin = nn.Linear(dims[i], dims[i + 1])
        with torch.no_grad():
            lin.bias.zero_()
            init(lin.weight)
        mods.append(lin)
        if i < depth - 1:
            mods += [nn.BatchNorm1d(dims[i + 1])] if batchnorm else []
            mods.append(act())
    return nn.Sequential(*mods)


def normal01(w):
    nn.init.normal_(w, 0.0, 1.0)


def he(w):
    nn.init.kaiming_normal_(w, nonlinearity="relu")


def lecun(w):
    nn.init.normal_(w, 0.0, 1.0 / math.sqrt(w.shape[1]))


def identity_1_5(w):
    if w.shape[0] == w.shape[1]:
        w.copy_(1.5 * torch.eye(w.shape[0]))
    else:
        he(w)


CONFIGS = {
    "sigmoid_normal": lambda: mlp(nn.Sigmoid, normal01),
    "relu_he": lambda: mlp(nn.ReLU, he),
    "selu_lecun": lambda: mlp(nn.SELU, lecun),
    "sigmoid_normal_bn": lambda: mlp(nn.Sigmoid, normal01, batchnorm=True),
    "relu_identity_1_5": lambda: mlp(nn.ReLU, identity_1_5),
}


@pytest.fixture(scope="module")
def reports():
    x, y = spirals()
    return {name: doctor.diagnose(build(), x, y, lr=0.01) for name, build in CONFIGS.items()}


# --- the five configurations --------------------------------------------------------------------

def test_sigmoid_normal_vanishes(reports):
    r = reports["sigmoid_normal"]
    assert r.verdict == "vanishing", str(r)
    g = r.grad_norms
    assert g[-1] / g[0] > 1e2, "gradient norms should fall by orders of magnitude toward the input"
    assert r.saturated_fraction > 0.2, str(r)  # measured 0.29-0.31 over seeds 0-4


def test_relu_he_is_healthy(reports):
    r = reports["relu_he"]
    assert r.verdict == "healthy", str(r)


def _self_normalised(r):
    hidden = [s for s in r.layers if s.activation is not None]
    assert len(hidden) == DEPTH - 1
    # measured over seeds 0-4: |mean| <= 0.12, std in [0.80, 1.22]
    assert all(abs(s.act_mean) < 0.2 for s in hidden), [round(s.act_mean, 3) for s in hidden]
    assert all(0.7 < s.act_std < 1.3 for s in hidden), [round(s.act_std, 3) for s in hidden]


def test_selu_lecun_is_healthy_and_self_normalises(reports):
    r = reports["selu_lecun"]
    assert r.verdict == "healthy", str(r)
    _self_normalised(r)


def test_selu_self_normalisation_needs_lecun():
    """The same condition fails with He's variance (2/fan_in): means up to 3, stds up to 6."""
    x, y = spirals()
    with pytest.raises(AssertionError):
        _self_normalised(doctor.diagnose(mlp(nn.SELU, he), x, y))


def test_sigmoid_batchnorm_is_healthy(reports):
    r = reports["sigmoid_normal_bn"]
    assert r.verdict == "healthy", str(r)
    assert r.saturated_fraction < 0.01, str(r)  # batch norm keeps z near N(0, 1): measured < 2e-5


def test_identity_1_5_explodes(reports):
    r = reports["relu_identity_1_5"]
    assert r.verdict == "exploding", str(r)
    worst = max(r.layers, key=lambda s: s.update_ratio)  # the reason names the layer as torch does, and the measure
    assert f"would change the weights of {worst.name} by" in r.reasons[0] and "(Linear)" in worst.name, r.reasons
    assert "lr·|dL/dW|/|W|" in r.reasons[0] and str(r).splitlines()[2].startswith("depth: weighted layers counted")
    stds = np.array([s.act_std for s in r.layers[1:-1]])  # the 1.5*I layers
    assert np.allclose(stds[1:] / stds[:-1], 1.5, rtol=1e-3)  # every layer multiplies by 1.5


# --- dead units, saturation, NaN ------------------------------------------------------------------

def test_dead_relu_detected():
    model = mlp(nn.ReLU, he)
    with torch.no_grad():
        model[2 * 9].bias.fill_(-10.0)  # layer 10: every pre-activation far below 0
    x, y = spirals()
    r = doctor.diagnose(model, x, y)
    assert r.layers[9].dead_fraction == 1.0, str(r)
    assert r.layers[9].name == f"module {2 * 9} (Linear)"  # torch's name for it (named_modules) and its class
    assert any(sign.startswith(f"module 18 (Linear), layer 10 from the input: 100% of the ReLU units after it are dead")
               for sign in r.signs), r.signs
    assert r.verdict == "vanishing"  # a dead layer passes no gradient: layers 1-10 get exactly 0
    assert r.grad_norms[0] == 0.0


def test_dead_fraction_counts_units_never_active():
    z = np.array([[-1.0, -1.0, 2.0], [-2.0, 3.0, 1.0], [-0.5, -4.0, 0.5], [0.0, -1.0, 1.0]])  # 4 examples, 3 units
    s = doctor.layer_stats(1, "l", np.ones((3, 2)), np.ones((3, 2)), 0.01, "relu", pre=z)
    assert s.dead_fraction == pytest.approx(1 / 3)  # only unit 0 is never > 0


def test_saturated_fraction_uses_the_derivative():
    z = np.array([[0.0, 3.0, 3.7, -3.7, 10.0]])
    s = doctor.layer_stats(1, "l", np.ones((5, 2)), np.ones((5, 2)), 0.01, "sigmoid", pre=z)
    assert s.saturated_fraction == pytest.approx(3 / 5)  # σ'(3) = 0.045 > 0.025 > σ'(3.7) = 0.023
    t = np.array([[0.0, 1.5, 1.9, -3.0]])
    s = doctor.layer_stats(1, "l", np.ones((4, 2)), np.ones((4, 2)), 0.01, "tanh", pre=t)
    assert s.saturated_fraction == pytest.approx(2 / 4)  # tanh'(1.5) = 0.18, tanh'(1.9) = 0.085


def test_nan_in_weights_detected():
    model = mlp(nn.ReLU, he, depth=4)
    with torch.no_grad():
        model[2].weight[0, 0] = float("nan")
    x, y = spirals()
    r = doctor.diagnose(model, x, y)
    assert r.verdict == "exploding"
    assert any("weights 2.weight" in item for item in r.nonfinite), r.nonfinite
    assert any(item.startswith("loss at step 0") for item in r.nonfinite), r.nonfinite


def test_divergence_to_nan_detected():
    """Plain SGD on the 1.5*I net: the loss grows by orders of magnitude, then is NaN."""
    x, y = spirals()
    model = mlp(nn.ReLU, identity_1_5)
    before = [p.detach().clone() for p in model.parameters()]
    r = doctor.diagnose(model, x, y, steps=4, lr=0.01)
    assert r.losses[1] > 1e3 * r.losses[0], r.losses
    assert "loss at step 2" in r.nonfinite, r.nonfinite
    assert r.verdict == "exploding"
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters())), "diagnose changed the model"


def test_numpy_loss_nan_detected():
    w = [np.ones((3, 2)), np.ones((2, 3))]
    r = doctor.diagnose_numpy(w, w, loss=float("nan"))
    assert r.verdict == "exploding" and r.nonfinite == ["loss at step 0"]


# --- the NumPy entry point -------------------------------------------------------------------------

def test_numpy_entry_point_agrees_with_torch(reports):
    """diagnose_numpy on the arrays of the ReLU + He net gives what diagnose gave."""
    model = CONFIGS["relu_he"]()
    x, y = spirals()
    pre, h = [], x
    for m in model:
        h = m(h)
        if isinstance(m, nn.Linear):
            pre.append(h)
            h.retain_grad()
    nn.functional.cross_entropy(h, y).backward()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    r = doctor.diagnose_numpy([m.weight.detach().numpy() for m in linears],
                              [m.weight.grad.numpy() for m in linears],
                              preactivations=[z.detach().numpy() for z in pre], activation="relu",
                              lr=0.01, loss=float(nn.functional.cross_entropy(h.detach(), y)))
    t = reports["relu_he"]
    np.testing.assert_allclose(r.grad_norms, t.grad_norms, rtol=1e-5)
    assert [s.dead_fraction for s in r.layers] == [s.dead_fraction for s in t.layers]
    np.testing.assert_allclose([s.act_std for s in r.layers], [s.act_std for s in t.layers], rtol=1e-5)
    assert r.verdict == t.verdict == "healthy"
    hidden_only = doctor.diagnose_numpy([m.weight.detach().numpy() for m in linears],
                                        [m.weight.grad.numpy() for m in linears],
                                        preactivations=[z.detach().numpy() for z in pre[:-1]], lr=0.01)
    assert [s.dead_fraction for s in hidden_only.layers] == [s.dead_fraction for s in t.layers]


# --- the plot ------------------------------------------------------------------------------------

def test_plot(reports, tmp_path):
    r = reports["sigmoid_normal"]
    fig = r.figure()
    ax_grad, ax_hist = fig.get_axes()
    assert ax_grad.get_yscale() == "log"
    np.testing.assert_allclose(ax_grad.get_lines()[0].get_ydata(), r.grad_norms)
    assert len(ax_hist.patches) == DEPTH - 1  # one histogram per hidden layer
    path = r.plot(tmp_path / "r.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "vanishing" in str(r) and len(str(r).splitlines()) == 4 + DEPTH  # verdict, loss, legend, header, layers


# --- every test above can fail ----------------------------------------------------------------------

def _inverted_ratio(self):
    g = self.grad_norms
    return float(g[-1] / g[0])


def _update_without_lr(self):
    return max(s.update_ratio for s in self.layers) / self.lr


def _entrywise_dead(original):
    def layer_stats(*args, **kwargs):
        s = original(*args, **kwargs)
        pre = kwargs.get("pre", args[7] if len(args) > 7 else None)
        if s.dead_fraction is not None and pre is not None:
            s.dead_fraction = float(np.mean(np.asarray(pre) <= 0))  # entries, not units
        return s
    return layer_stats


def _no_nonfinite_check(original):
    def one_step(*args, **kwargs):
        lv, layers, bad = original(*args, **kwargs)
        return lv, layers, []
    return one_step


MUTANTS = {  # name: (patch(monkeypatch), the test it must fail)
    "vanish threshold 1e-4": (lambda mp: mp.setattr(doctor, "VANISH_RATIO", 1e-4), test_sigmoid_normal_vanishes),
    "vanish threshold 1": (lambda mp: mp.setattr(doctor, "VANISH_RATIO", 1.0), test_relu_he_is_healthy),
    "explode ratio 10": (lambda mp: mp.setattr(doctor, "EXPLODE_RATIO", 10.0), test_sigmoid_batchnorm_is_healthy),
    "explode update 0.01": (lambda mp: mp.setattr(doctor, "EXPLODE_UPDATE", 0.01), test_sigmoid_batchnorm_is_healthy),
    "explode update 30": (lambda mp: mp.setattr(doctor, "EXPLODE_UPDATE", 30.0), test_identity_1_5_explodes),
    "ratio last/first": (lambda mp: mp.setattr(doctor.Report, "grad_ratio", property(_inverted_ratio)),
                         test_sigmoid_normal_vanishes),
    "update ratio without lr": (lambda mp: mp.setattr(doctor.Report, "max_update_ratio", property(_update_without_lr)),
                                test_selu_lecun_is_healthy_and_self_normalises),
    "saturation at |z| > 1": (lambda mp: mp.setattr(doctor, "SATURATION_Z", {"sigmoid": 1.0, "tanh": 1.0}),
                              test_saturated_fraction_uses_the_derivative),
    "dead = fraction of entries <= 0": (lambda mp: mp.setattr(doctor, "layer_stats", _entrywise_dead(doctor.layer_stats)),
                                        test_dead_fraction_counts_units_never_active),
    "no NaN check in the torch pass": (lambda mp: mp.setattr(doctor, "_one_step", _no_nonfinite_check(doctor._one_step)),
                                       test_divergence_to_nan_detected),
}


@pytest.mark.parametrize("name", list(MUTANTS))
def test_mutant_is_caught(name, reports, monkeypatch):
    patch, test = MUTANTS[name]
    with monkeypatch.context() as mp:
        patch(mp)
        with pytest.raises(AssertionError):
            test(reports) if "reports" in test.__code__.co_varnames[:test.__code__.co_argcount] else test()
