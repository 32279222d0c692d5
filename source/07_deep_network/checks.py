"""Checks for 07_deep_network (the capstone): torch for every value, measured outcomes for training.

Value checks. The judge makes the parameters (NumPy, seeded) and sends them; torch runs the same
network: ``F.linear``, ``F.batch_norm(training=True, eps=1e-5)``, ``torch.sigmoid`` / ``tanh`` /
``relu`` / ``F.selu``, and ``torch.autograd`` for the backward pass (of sum(logits * dlogits),
so the gradient with respect to the logits is the dlogits the check sends). Cross-entropy
against ``F.cross_entropy``, clipping against ``torch.nn.utils.clip_grad_norm_``, the update
against ``torch.optim.SGD`` (its ``momentum_buffer`` is the velocity), initialisation against
the standard deviation of ``torch.nn.init`` samples of the same shapes. The backward check runs
the student's ``forward`` first and keeps its cache in the student process (a ``Handle``).

Tolerances. Values: ``compare.F64`` (rtol 1e-7, atol 1e-12): every value is a short chain of
matrix products and elementwise functions of O(1) numbers, which float64 NumPy and torch agree
on to ~1e-14. Gradients: per layer, |yours - torch| <= 1e-7 |torch| + 1e-10 max|torch, that layer|,
because the gradients of a 20-layer sigmoid net span 1e-4..1 across layers (a single atol would
accept 0 for the first layers), a sum over the batch may cancel within one array, and under
batch norm dL/db is exactly 0 (rounding leaves ~1e-16, next to a dL/dW of ~0.1). The
wrong answers the checks target are off by >= 1e-3 relative (a missing derivative, batch norm's
mean terms, a missing 1/N, Nesterov's extra term, a per-layer clipping coefficient).
Initialisation: the sample standard deviation of every weight matrix (>= 4000 entries, so a
sampling error <= 1.2%) within 12% of that of torch's initialiser on the same shape; a wrong
fan or gain here changes it by >= 41%.

Outcome checks grade seeded runs of the student's ``train`` on 256 points of two moons
(``moons()``, noise 0.15, standardised) with depth 20, width 32, lr 0.01, momentum 0.9, batch 32;
public checks use init seed 0 on data seed 0, hidden ones init seed 1 on data seed 5. A student's
random numbers differ from the solution's, so every threshold holds for every run of the
solution measured: init seeds 0-9 on data seeds 0, 5, 1, 2 (40 runs), and for the stall
init seeds 0-19 on data seeds 0, 5, 1, 2, 3 (100 runs). Measured on this machine:
- sigmoid N(0, 1), ||dW_1|| / ||dW_20|| at initialisation: 1.6e-4..2.2e-3 (1.1e-4..7.6e-3 over
  40 more seeds on an earlier draw of the data) → threshold 1/30 (>= 4.4x margin). Failing
  variants: no sigmoid derivative in backward 1e13; a constant σ' = 1/4: 70..500; batch norm
  always on: 1.5..16.
- sigmoid N(0, 1), lowest loss within 10 epochs: 0.691..0.693 (it never leaves ln 2 = 0.693)
  → threshold 0.6. Its accuracy is no measure: a constant net flickers up to 0.75.
- ReLU + He, best accuracy within 20 epochs: 0.926..1.0 → threshold 0.85.
- SELU + LeCun at initialisation, every hidden layer: |mean| <= 0.18 and std 0.66..1.14 →
  thresholds |mean| <= 0.4, 0.5 <= std <= 1.6. SELU + He: some layer with |mean| >= 1.6 and
  std >= 4.2 in every run; LeCun on fan_out: the first layer's std ~0.26.
- sigmoid N(0, 1) + batch norm, best accuracy within 6 epochs: 0.961..1.0 (within 10: 0.977..1.0;
  within 5: 0.941..1.0) → threshold 0.9 over 6 epochs, the cheapest run that keeps a margin like
  the others'. Fewer epochs never pass a run that more would fail: the best within 6 is at most the
  best within 10.
- linear, 1.5·I hidden weights, 10 epochs: without clipping the loss is inf/NaN after the first
  epoch in every run; with clip=1.0 every loss is finite (the largest 9.9x the initial one).

Transfer learning. ``sgd_step`` and ``train`` with ``frozen`` and ``lr_scale`` against
``torch.optim.SGD`` with one parameter group per layer (group l's lr = lr * lr_scale[l]) and
``requires_grad=False`` (no .grad) on frozen layers, so SGD skips them: no update and no momentum
buffer; a buffer made before a layer is frozen survives it, and a layer unfrozen without one
starts from v = g. The velocity is compared buffer by buffer, so a scale put into the buffer
instead of the step, or a frozen layer whose buffer still moves, fails even where the parameters
agree. ``train`` from given parameters runs one full batch per epoch (batch_size = len(x), so the
shuffle cannot change the gradient beyond rounding) and every entry of its history is compared
with ``torch_train`` at ``compare.F64``: a few steps of a small net, ~1e-14 apart. The wrong
answers are off by >= 1e-3 relative (a frozen layer that moves, a missing rate factor, clipping
that counts the frozen layers). ``transfer_params``: the reused layers must equal pretrained's
exactly and the fresh ones exactly what the student's own ``init_params(dims, seed=seed)`` gives
(no tolerance: copies and the same random draws); the copies are checked by writing
(``protocol.describe_ties``): every array of the result, then every array of pretrained, is
overwritten in the student's process and restored, and no write may show on the other side.

The transfer experiment: the judge's ``pretrained_net`` (dims [2, 64, 64, 2], ReLU, trained by
torch on 256 points of its own spirals: 100% training accuracy) gives its two hidden layers to
task B, the spirals turned by 30° with the labels exchanged, of which ``train`` sees 64 points
(30 full-batch epochs, lr 0.05, momentum 0.9): from scratch, with the reused layers frozen under a
fresh output layer (``transfer_start``), and with the top reused layer unfrozen at 0.1 x the rate.
The best accuracy within the 30 epochs, measured over 100 runs of the solution (init seeds 0-19 on
data seeds 0, 5, 1, 2, 3; the first 40 of them are init seeds 0-9 on data seeds 0, 5, 1, 2):
- from scratch: mean 0.711, worst 0.625, best 0.875 (40 runs: mean 0.718, 0.656..0.875);
- reused layers frozen: mean 0.963, worst 0.891 (40 runs: mean 0.959, worst 0.922);
- top reused layer fine-tuned: mean 0.970, worst 0.891 (40 runs: mean 0.964, worst 0.922);
- frozen − scratch: worst 0.109 (mean 0.253); fine-tuned − frozen: worst −0.016 (one point of 64).
→ thresholds: frozen >= TRANSFER_ACC = 0.8, frozen >= scratch + TRANSFER_GAP = 0.05, fine-tuned >=
frozen − FINE_SLACK = 0.05 (three points of 64). A train that ignores ``params`` starts from
random layers, freezes them, and stays far below 0.8.

Timing: every check on the solution, public and hidden, through the sandboxed grader: 3.5-4.4 s
of grading (torch references included) and 5.5-6.6 s wall for ``python -m autograder grade``
on this 2-core machine; the student's calls take ~1.2 s of it (12 training runs). The transfer
checks add 6 short training runs per student (the experiment: 0.16-0.18 s in-process on a
loaded machine, against 0.6-2.4 s for each of the older experiments) and, once per grading
process, the pretraining of ``pretrained_net`` (150 Adam steps: ~1-2 s under load); with them
the solution graded in 4.5 s through the sandbox with the machine's load average at 6-8.
"""

from __future__ import annotations

import math

import numpy as np

from gradkit.compare import (F64, close, compare_array, compare_each, modified_in_place, picture_each, run_each,
                             show_value)
from gradkit.core import Case, Check, Mismatch, StudentError, function_of
from gradkit.pictures import Picture, bars, versus
from gradkit.protocol import Handle, Opaque
from gradkit.references import lazy

torch = lazy("torch")  # imported when a reference is computed (a stored answer needs no torch)
F = lazy("torch.nn.functional")

MODULE = "deep_network"
ACTIVATIONS = ("sigmoid", "tanh", "relu", "selu", "linear")
GRAD_RTOL, GRAD_ATOL_REL = 1e-7, 1e-10
INIT_STD_RTOL = 0.12

DEPTH, WIDTH = 20, 32
DIMS = [2] + [WIDTH] * (DEPTH - 1) + [2]
RUN = dict(lr=0.01, momentum=0.9, batch_size=32)
VANISH_RATIO = 1 / 30
RELU_ACC, RELU_EPOCHS = 0.85, 20
STALL_LOSS, STALL_EPOCHS = 0.6, 10
SELU_MEAN, SELU_STD = 0.4, (0.5, 1.6)
BN_ACC, BN_EPOCHS = 0.9, 6
CLIP, CLIP_EPOCHS = 1.0, 10

HINTS = {
    "activation": "sigmoid with e^{-|z|} only (np.where on the sign); selu = SELU_SCALE * (z if z > 0 else "
                  "SELU_ALPHA * expm1(z)), evaluate expm1 on np.minimum(z, 0); linear returns a copy of z.",
    "activation_derivative": "σ' = σ(1 − σ) from a stable σ; tanh' = 1 − tanh²; relu' = 1 where z > 0, else 0 "
                             "(0 at z = 0, as torch); selu' = SELU_SCALE where z > 0, SELU_SCALE * SELU_ALPHA * e^z "
                             "(on np.minimum(z, 0)) elsewhere; linear' = 1.",
    "init_params": "One dict per layer: W of shape (dims[l+1], dims[l]) from rng.normal(0, gain * std), std 1 "
                   "(normal), sqrt(2/fan_in) (he), sqrt(1/fan_in) (lecun), sqrt(2/(fan_in+fan_out)) (glorot); "
                   "identity: gain * np.eye for square layers, He otherwise; b zeros; gamma ones and beta zeros "
                   "on every layer but the last, and only when batchnorm is true. One rng = "
                   "np.random.default_rng(seed) for the whole call.",
    "forward": "z = a @ W.T + b; on hidden layers batch norm if the layer has gamma (batch mean, biased batch "
               "variance, (z − mean) / sqrt(var + BN_EPS), then gamma * x_hat + beta), then the activation; the "
               "last layer stays linear. Return (logits, cache).",
    "cross_entropy": "Subtract the row max, log-sum-exp, loss = −mean(logp[n, y[n]]); dlogits = (softmax − "
                     "onehot) / N. Return (float(loss), dlogits).",
    "backward": "From the last layer down with g = dlogits: dW = g.T @ a_in, db = g.sum(0), then g = g @ W; on a "
                "hidden layer first multiply g by activation_derivative(z) and, with batch norm, go through its "
                "training-mode backward: dgamma = sum(g * x_hat), dbeta = sum(g), dz = inv_std * (gx − mean(gx) − "
                "x_hat * mean(gx * x_hat)) with gx = g * gamma.",
    "clip_by_global_norm": "total = sqrt(sum of squares of every array of every layer); coef = max_norm / "
                           "(total + CLIP_EPS); scale every array by min(coef, 1); return (new list of dicts, total).",
    "sgd_step": "Per array, torch's convention: v = g when there is no buffer yet (velocity None, or the key "
                "missing from velocity[l]), else momentum * v + g; then p − lr_l * v, or p − lr_l * (g + momentum * "
                "v) with nesterov, where lr_l = lr * lr_scale[l] scales the step only, never v. A frozen layer: "
                "params and velocity dict copied unchanged ({} if it has no buffer). New dicts, inputs untouched.",
    "transfer_params": "Layers below n_reuse: copies of every array of pretrained[l] (v.copy(), not the same "
                       "array or a view); the layers above: init_params(dims, seed=seed, batchnorm=bn)[n_reuse:], "
                       "bn true when pretrained has gamma.",
    "train": "See the docstring: init_params(dims, init, gain, seed, batchnorm); shuffle each epoch; per batch "
             "forward, cross_entropy, backward, clip_by_global_norm when clip is given, sgd_step; record loss and "
             "accuracy on all data before training and after every epoch, grad_norms and activation statistics "
             "at initialisation. With params: start from copies of them; pass frozen and lr_scale to every "
             "sgd_step and clip only the layers that are not frozen.",
}


# --- data and parameters (the judge's, NumPy) ---------------------------------------------------

def moons(n: int = 256, noise: float = 0.15, seed: int = 0):
    """Two interleaving half circles, standardised: x (n, 2) float64, y (n,) int64."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 2)  # balanced, in an order that depends on the seed
    t = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower) + rng.normal(0.0, noise, (n, 2))
    return (x - x.mean(0)) / x.std(0), y.astype(np.int64)


def judge_params(dims, seed: int, std="he", batchnorm: bool = False) -> list[dict]:
    """Random parameters: W ~ N(0, s^2) with s = 1 ("normal") or sqrt(2/fan_in) ("he"), small
    random biases, and (with ``batchnorm``) random gamma and beta on hidden layers."""
    rng = np.random.default_rng(seed)
    params = []
    for l in range(len(dims) - 1):
        s = 1.0 if std == "normal" else math.sqrt(2.0 / dims[l])
        layer = {"W": rng.normal(0, s, (dims[l + 1], dims[l])), "b": rng.normal(0, 0.1, dims[l + 1])}
        if batchnorm and l < len(dims) - 2:
            layer["gamma"] = rng.uniform(0.5, 1.5, dims[l + 1])
            layer["beta"] = rng.normal(0, 0.2, dims[l + 1])
        params.append(layer)
    return params


# --- torch references -------------------------------------------------------------------------

TORCH_ACT = {"sigmoid": lambda t: torch.sigmoid(t), "tanh": lambda t: torch.tanh(t),
             "relu": lambda t: torch.relu(t), "selu": lambda t: F.selu(t), "linear": lambda t: t}


def torch_activation(z, name: str, derivative: bool = False) -> np.ndarray:
    t = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=derivative)
    out = TORCH_ACT[name](t)
    if derivative:
        out.backward(torch.ones_like(out))
        return t.grad.numpy()
    return out.detach().numpy().copy()


def torch_network(params, x, name: str, dlogits=None):
    """Logits of the network (and with ``dlogits`` the gradients of sum(logits * dlogits))."""
    grad = dlogits is not None
    tp = [{k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=grad) for k, v in layer.items()}
          for layer in params]
    a = torch.tensor(np.asarray(x, dtype=np.float64))
    for l, p in enumerate(tp):
        z = F.linear(a, p["W"], p["b"])
        if l == len(tp) - 1:
            break
        if "gamma" in p:
            z = F.batch_norm(z, None, None, p["gamma"], p["beta"], training=True, eps=1e-5)
        a = TORCH_ACT[name](z)
    if not grad:
        return z.detach().numpy()
    (z * torch.tensor(np.asarray(dlogits, dtype=np.float64))).sum().backward()
    return [{k: v.grad.numpy() for k, v in p.items()} for p in tp]


def torch_cross_entropy(logits, y):
    t = torch.tensor(np.asarray(logits, dtype=np.float64), requires_grad=True)
    loss = F.cross_entropy(t, torch.tensor(np.asarray(y), dtype=torch.long))
    loss.backward()
    return {"loss": np.asarray(float(loss.detach())), "dlogits": t.grad.numpy()}


def torch_clip(grads, max_norm):
    ts = [torch.zeros(np.shape(v), dtype=torch.float64, requires_grad=True) for layer in grads for v in layer.values()]
    for t, v in zip(ts, (v for layer in grads for v in layer.values())):
        t.grad = torch.tensor(np.asarray(v, dtype=np.float64))
    total = torch.nn.utils.clip_grad_norm_(ts, max_norm)
    it = iter(ts)
    return {"clipped": [{k: next(it).grad.numpy().copy() for k in layer} for layer in grads],
            "total": np.asarray(float(total))}


def _torch_params(params, requires_grad=True):
    return [{k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=requires_grad) for k, v in layer.items()}
            for layer in params]


def _numpy_params(tp):
    return [{k: t.detach().numpy().copy() for k, t in layer.items()} for layer in tp]


def _sgd_groups(tp, lr, momentum, nesterov):
    """torch.optim.SGD with one parameter group per layer (its own lr: lr_scale)."""
    return torch.optim.SGD([{"params": list(layer.values()), "lr": lr} for layer in tp], lr=lr,
                           momentum=momentum, nesterov=nesterov)


def _set_grads(opt, tp, grads, lr, frozen, lr_scale):
    """Group l's lr is lr * lr_scale[l]; a frozen layer's tensors get requires_grad=False and no
    .grad, so SGD skips them: no update and no momentum buffer, as torch does for frozen layers."""
    for l, (group, layer) in enumerate(zip(opt.param_groups, tp)):
        group["lr"] = lr * (1.0 if lr_scale is None else lr_scale[l])
        for k, t in layer.items():
            t.requires_grad_(l not in frozen)
            t.grad = None if l in frozen or grads is None else torch.tensor(np.asarray(grads[l][k], dtype=np.float64))


def _buffers(opt, tp):
    """The velocity as sgd_step returns it: per layer, the momentum buffer of every tensor that has one."""
    return [{k: opt.state[t]["momentum_buffer"].numpy().copy() for k, t in layer.items()
             if opt.state.get(t, {}).get("momentum_buffer") is not None} for layer in tp]


def torch_sgd(params, grads_per_step, lr, momentum, nesterov, schedule=None):
    """(params, velocity) after each step of torch.optim.SGD with one parameter group per layer;
    ``schedule``: one (frozen, lr_scale) per step, or None (nothing frozen, one rate)."""
    tp = _torch_params(params)
    opt = _sgd_groups(tp, lr, momentum, nesterov)
    out = []
    for step, grads in enumerate(grads_per_step):
        frozen, lr_scale = schedule[step] if schedule else ((), None)
        _set_grads(opt, tp, grads, lr, frozen, lr_scale)
        opt.step()
        out.append((_numpy_params(tp), _buffers(opt, tp)))
    return out


def torch_train(params, x, y, activation_name, epochs, lr, momentum=0.9, nesterov=False, frozen=(),
                lr_scale=None, clip=None):
    """What ``train(x, y, dims, params=params, batch_size=len(x), ...)`` returns, by torch: full-batch
    SGD with parameter groups and frozen layers (requires_grad=False), ``clip_grad_norm_`` over the
    layers that have gradients, loss and accuracy on all of (x, y) before and after every epoch,
    grad_norms and the hidden activations' statistics at the given parameters."""
    x_t, y_t = torch.tensor(np.asarray(x, dtype=np.float64)), torch.tensor(np.asarray(y), dtype=torch.long)

    def run(tp):
        a, acts = x_t, []
        for l, p in enumerate(tp):
            z = F.linear(a, p["W"], p["b"])
            if l == len(tp) - 1:
                return z, acts
            if "gamma" in p:
                z = F.batch_norm(z, None, None, p["gamma"], p["beta"], training=True, eps=1e-5)
            a = TORCH_ACT[activation_name](z)
            acts.append(a)

    start = _torch_params(params)
    logits, acts = run(start)
    F.cross_entropy(logits, y_t).backward()
    out = {"grad_norms": np.array([float(p["W"].grad.norm()) for p in start]),
           "act_mean": np.array([float(a.detach().mean()) for a in acts]),
           "act_std": np.array([float(a.detach().std(unbiased=False)) for a in acts])}
    tp = _torch_params(params)
    opt = _sgd_groups(tp, lr, momentum, nesterov)
    losses, accs = [], []
    for epoch in range(epochs + 1):
        with torch.no_grad():
            logits, _ = run(tp)
            losses.append(float(F.cross_entropy(logits, y_t)))
            accs.append(float((logits.argmax(1) == y_t).double().mean()))
        if epoch == epochs:
            break
        _set_grads(opt, tp, None, lr, frozen, lr_scale)
        logits, _ = run(tp)
        F.cross_entropy(logits, y_t).backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_([t for layer in tp for t in layer.values() if t.grad is not None], clip)
        opt.step()
    out.update(loss=np.array(losses), accuracy=np.array(accs))
    return out


TORCH_INIT = {
    "normal": lambda w, gain: torch.nn.init.normal_(w, 0.0, gain),
    "he": lambda w, gain: torch.nn.init.kaiming_normal_(w, nonlinearity="relu").mul_(gain),
    "lecun": lambda w, gain: torch.nn.init.kaiming_normal_(w, nonlinearity="linear").mul_(gain),
    "glorot": lambda w, gain: torch.nn.init.xavier_normal_(w, gain=gain),
}


def torch_init_stds(dims, init, gain):
    """Per layer: ("eye", gain) for an identity layer, else ("std", std of torch's sample)."""
    torch.manual_seed(0)
    out = []
    for l in range(len(dims) - 1):
        if init == "identity" and dims[l] == dims[l + 1]:
            w = torch.empty(dims[l], dims[l], dtype=torch.float64)
            out.append(("eye", torch.nn.init.eye_(w).mul_(gain).numpy()))
            continue
        w = torch.empty(dims[l + 1], dims[l], dtype=torch.float64)
        TORCH_INIT["he" if init == "identity" else init](w, gain)
        out.append(("std", float(w.std())))
    return out


# --- comparing nested results ----------------------------------------------------------------------

def _layers(value, n: int, keys_of, label: str, why=lambda l: ""):
    """value as a list of n dicts whose keys are keys_of(l); Mismatch otherwise (``why(l)`` adds
    the reason for layer l's keys)."""
    if isinstance(value, Opaque):
        raise Mismatch(f"{label} is a {value.type_name}, not a list of dicts: {value.text}")
    if not isinstance(value, (list, tuple)) or len(value) != n:
        size = f" of length {len(value)}" if isinstance(value, (list, tuple)) else ""
        raise Mismatch(f"{label} is a {type(value).__name__}{size}; expected a list of {n} dicts (one per layer)\n"
                       f"  yours: {show_value(value)[:300]}")
    for l, layer in enumerate(value):
        want = set(keys_of(l))
        if not isinstance(layer, dict) or set(layer) != want:
            got = sorted(layer) if isinstance(layer, dict) else type(layer).__name__
            reason = why(l)
            raise Mismatch(f"{label}[{l}] has keys {got}; expected {sorted(want)}" + (f": {reason}" if reason else ""))
    return value


def compare_layers(value, expected: list[dict], label: str, grad_tol: bool = False) -> None:
    _layers(value, len(expected), lambda l: expected[l].keys(), label)
    for l, (mine, ref) in enumerate(zip(value, expected)):
        # the layer's largest gradient entry: batch norm makes dL/db exactly 0 up to rounding
        scale = max((float(np.max(np.abs(e))) for e in ref.values() if np.size(e)), default=0.0)
        for k, e in ref.items():
            e = np.asarray(e)
            if grad_tol:
                compare_array(mine[k], e, rtol=GRAD_RTOL, atol=GRAD_ATOL_REL * scale + 1e-300,
                              label=f'{label}[{l}]["{k}"] (layer {l + 1})')
            else:
                compare_array(mine[k], e, label=f'{label}[{l}]["{k}"] (layer {l + 1})', **F64)


def _pair(value, function: str, what: str):
    if isinstance(value, Opaque):
        raise Mismatch(f"returned a {value.type_name}, not a tuple {what}: {value.text}")
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Mismatch(f"returned a {type(value).__name__}; {function} must return a tuple {what}\n"
                       f"  yours: {show_value(value)[:300]}")
    return value


def _no_mutation(got):
    if got.mutated:
        raise modified_in_place(got.mutated, "its inputs", "return new arrays")


def _show_params(params) -> str:
    """Layer shapes, runs of identical layers shown once with a count."""
    shapes = ["{" + ", ".join(f'"{k}": {np.shape(v)}' for k, v in layer.items()) + "}" for layer in params]
    runs = []
    for s in shapes:
        if runs and runs[-1][0] == s:
            runs[-1][1] += 1
        else:
            runs.append([s, 1])
    return "[" + ", ".join(s if n == 1 else f"{n} x {s}" for s, n in runs) + f"]  ({len(params)} layers)"


class NetCase(Case):
    """A call whose list-of-dicts arguments are shown by their shapes."""

    def show(self, function: str) -> str:
        def text(v):
            return _show_params(v) if isinstance(v, list) and v and isinstance(v[0], dict) else show_value(v)

        parts = [f"{n} = {text(v)}" for n, v in zip(self.names, self.args)]
        parts += [f"{k} = {text(v)}" for k, v in self.kwargs.items()]
        call = ", ".join(list(self.names[: len(self.args)]) + [f"{k}={k}" for k in self.kwargs])
        return f"{self.data.get('prefix', '')}{function}({call})" + ("\n    with " + "\n         ".join(parts))


class BackwardCase(NetCase):
    """forward's arguments, and dlogits for backward: the feedback shows both calls."""

    def show(self, function: str) -> str:
        head = NetCase.show(self, "forward").replace("forward(", "logits, cache = forward(", 1)
        first, _, rest = head.partition("\n")
        return (f"{first}\n          grads = backward(params, cache, dlogits)\n{rest}"
                f"\n         dlogits = {show_value(self.data['dlogits'])}")


# --- activation and its derivative -------------------------------------------------------------

def _z(seed: int, shape=(3, 7)) -> np.ndarray:
    z = np.random.default_rng(seed).normal(0, 3, shape)
    z.flat[0], z.flat[1] = 0.0, -1e-9
    return z


LARGE_Z = np.array([-1000.0, -710.0, -50.0, 0.0, 50.0, 710.0, 1000.0])


def activation_check(name: str, *, points: float, hidden: bool = False, inputs, no_warnings: bool = False,
                     what: str) -> Check:
    """``inputs() -> [(z, activation name), ...]``: activation or its derivative against torch."""
    function = function_of(name)
    derivative = function == "activation_derivative"

    def make_case():
        calls = [Case((z, act), {}, ("z", "name"), {"label": f'name="{act}"'}) for z, act in inputs()]
        return Case(data={"calls": calls, "function": function})

    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function} matches {'torch.autograd of ' if derivative else ''}torch's activations on {what}",
        hint=HINTS[function], make_case=make_case,
        reference=lambda case: [torch_activation(c.args[0], c.args[1], derivative) for c in case.data["calls"]],
        run=run_each, compare=compare_each(close(no_warnings=no_warnings, unmodified=True)),
        picture=picture_each(close(no_warnings=no_warnings, unmodified=True), lambda got, expected, c: versus(
            got.value, expected, c.args[0], xlabel="z", ylabel=f'{function}(z, "{c.args[1]}")',
            title=f'{function}(z, "{c.args[1]}"): yours and torch\'s')),
    )


# --- init_params -------------------------------------------------------------------------------------

def init_check(name: str, *, points: float, hidden: bool = False, cases, what: str) -> Check:
    """``cases``: list of (dims, kwargs). Structure, dtype, exact identity layers, biases, gamma/beta,
    per-layer std within INIT_STD_RTOL of torch's, the same arrays for the same seed."""

    def make_case():
        return Case(data={"calls": [NetCase((dims,), kw, ("dims",)) for dims, kw in cases]})

    def reference(case):
        return [torch_init_stds(c.args[0], c.kwargs.get("init", "he"), c.kwargs.get("gain", 1.0))
                for c in case.data["calls"]]

    def run(check, call, case):
        out = []
        for c in case.data["calls"]:
            try:
                out.append((call("init_params", *c.args, **c.kwargs), call("init_params", *c.args, **c.kwargs)))
            except StudentError as err:
                err.called = c.show("init_params")
                raise
        return out

    def compare(got, expected, case):
        for (g1, g2), ref, c in zip(got, expected, case.data["calls"]):
            try:
                _compare_init(g1.value, g2.value, ref, c)
            except Mismatch as m:
                err = Mismatch(str(m))
                err.called = c.show("init_params")
                raise err from None

    def picture(got, expected, case):
        for (g1, g2), ref, c in zip(got, expected, case.data["calls"]):
            try:
                _compare_init(g1.value, g2.value, ref, c)
            except Mismatch:
                return init_picture(g1.value, ref, c.args[0])
        return None

    return Check(name=name, function=function_of(name), points=points, hidden=hidden, picture=picture,
                 title=f"init_params gives the shapes, zeros, identities and torch.nn.init's standard deviations "
                       f"({what})", hint=HINTS["init_params"], make_case=make_case, reference=reference,
                 run=run, compare=compare)


def init_picture(value, ref, dims) -> Picture | None:
    """The std of each layer's W, the student's against torch's initialiser's (an identity layer's
    torch value is the std of the identity)."""
    if not (isinstance(value, list) and len(value) == len(ref)
            and all(isinstance(l, dict) and isinstance(l.get("W"), np.ndarray) and l["W"].size for l in value)):
        return None
    torch_std = [float(np.std(r)) if kind == "eye" else float(r) for kind, r in ref]
    yours = np.array([float(np.std(l["W"].astype(np.float64))) for l in value])
    if not (np.abs(yours - torch_std) > INIT_STD_RTOL * np.array(torch_std)).any():
        return None  # the stds are right: the failure is elsewhere (keys, shapes, seeds)
    return bars(yours, np.array(torch_std), labels=[f"{l + 1}\n{dims[l]}→{dims[l + 1]}" for l in range(len(ref))],
                xlabel="layer (fan_in→fan_out)", ylabel="std of W", title="init_params: yours and torch's")


def _compare_init(value, again, ref, case):
    dims = case.args[0]
    bn = case.kwargs.get("batchnorm", False)
    keys = lambda l: ("W", "b", "gamma", "beta") if bn and l < len(dims) - 2 else ("W", "b")  # noqa: E731
    _layers(value, len(dims) - 1, keys, "the result")
    for l, layer in enumerate(value):
        shape = (dims[l + 1], dims[l])
        w = layer["W"]
        if not isinstance(w, np.ndarray) or w.shape != shape or w.dtype != np.float64:
            raise Mismatch(f'layer {l + 1}: W is {show_value(w)[:200]}; expected a float64 array of shape {shape}')
        for k, fill in (("b", 0.0), ("gamma", 1.0), ("beta", 0.0)):
            if k in layer:
                compare_array(layer[k], np.full(dims[l + 1], fill), 0.0, 0.0, label=f'layer {l + 1}: "{k}"')
        kind, r = ref[l]
        if kind == "eye":
            compare_array(w, r, 0.0, 0.0, label=f"layer {l + 1}: W (a square layer of an identity init)")
            continue
        std, mean = float(np.std(w)), float(np.mean(w))
        if not abs(std - r) <= INIT_STD_RTOL * r or not abs(mean) <= 0.1 * r:
            raise Mismatch(f"layer {l + 1} (fan_in {dims[l]}, fan_out {dims[l + 1]}): W has mean {mean:.4g} and "
                           f"std {std:.4g}; torch's initialiser gives mean 0 and std {r:.4g} on this shape "
                           f"(allowed: std within {INIT_STD_RTOL:.0%}, |mean| <= 0.1 std)")
    same = isinstance(again, list) and len(again) == len(value) and all(
        isinstance(a, dict) and all(np.array_equal(a.get(k), v) for k, v in b.items()) for a, b in zip(again, value))
    if not same:
        raise Mismatch("two calls with the same seed gave different parameters; draw everything from "
                       "np.random.default_rng(seed), made once per call")


# --- forward, cross_entropy, backward ------------------------------------------------------------

def _forward(call, case):
    try:
        got = call.keeping([1], "forward", *case.args, **case.kwargs)
    except StudentError as err:
        err.called = case.show("forward")
        raise
    value = _pair(got.value, "forward", "(logits, cache)")
    return got, value


def forward_check(name: str, *, points: float, hidden: bool = False, make, what: str) -> Check:
    """``make() -> (params, x, activation_name)``: the logits against torch."""

    def make_case():
        params, x, act = make()
        return NetCase((params, x, act), {}, ("params", "x", "activation_name"))

    def run(check, call, case):
        return _forward(call, case)

    def compare(got, expected, case):
        returned, (logits, _) = got
        _no_mutation(returned)
        compare_array(logits, expected, label="the logits", **F64)

    return Check(name=name, function=function_of(name), points=points, hidden=hidden,
                 title=f"forward's logits match torch ({what})", hint=HINTS["forward"], make_case=make_case,
                 reference=lambda case: torch_network(*case.args), run=run, compare=compare)


def cross_entropy_check(name: str, *, points: float, hidden: bool = False, make, what: str) -> Check:
    """``make() -> (logits, y)``: the loss and dlogits against F.cross_entropy and autograd."""

    def compare(got, expected, case):
        _no_mutation(got)
        if got.warnings:
            raise Mismatch("NumPy warned during the call: " + "; ".join(got.warnings[:3]))
        loss, dlogits = _pair(got.value, "cross_entropy", "(loss, dlogits)")
        if isinstance(loss, (float, int, np.floating)) and not isinstance(loss, bool):
            loss = np.asarray(float(loss))
        compare_array(loss, expected["loss"], label="the loss", check_dtype=False, **F64)
        compare_array(dlogits, expected["dlogits"], label="dlogits", **F64)

    return Check(name=name, function=function_of(name), points=points, hidden=hidden,
                 title=f"cross_entropy's loss and gradient match F.cross_entropy and autograd ({what})",
                 hint=HINTS["cross_entropy"], make_case=lambda: NetCase(make(), {}, ("logits", "y")),
                 reference=lambda case: torch_cross_entropy(*case.args), compare=compare)


def backward_check(name: str, *, points: float, hidden: bool = False, make, what: str) -> Check:
    """``make() -> (params, x, activation_name, dlogits)``; forward (cache kept), then backward."""

    def make_case():
        params, x, act, dlogits = make()
        return BackwardCase((params, x, act), {}, ("params", "x", "activation_name"), {"dlogits": dlogits})

    def run(check, call, case):
        try:
            _, (_, cache) = _forward(call, case)
        except (StudentError, Mismatch) as err:
            what = ("is not implemented yet" if getattr(err, "kind", "") == "not_implemented"
                    else str(getattr(err, "message", err))[:300])
            raise Mismatch(f"could not be checked: forward, called first to make the cache, {what}") from None
        if not isinstance(cache, Handle):
            raise Mismatch("could not be checked: forward did not return (logits, cache)")
        return call("backward", case.args[0], cache, case.data["dlogits"])

    def compare(got, expected, case):
        _no_mutation(got)
        compare_layers(got.value, expected, "grads", grad_tol=True)

    return Check(name=name, function=function_of(name), points=points, hidden=hidden,
                 title=f"backward's gradients match torch.autograd ({what})", hint=HINTS["backward"],
                 make_case=make_case,
                 reference=lambda case: torch_network(*case.args, dlogits=case.data["dlogits"]),
                 run=run, compare=compare)


# --- clipping and the update -------------------------------------------------------------------------

def clip_check(name: str, *, points: float, hidden: bool = False, cases, what: str) -> Check:
    """``cases() -> [(grads, max_norm), ...]``."""

    def make_case():
        return Case(data={"calls": [NetCase((g, m), {}, ("grads", "max_norm")) for g, m in cases()]})

    def run(check, call, case):
        out = []
        for c in case.data["calls"]:
            try:
                out.append(call("clip_by_global_norm", *c.args))
            except StudentError as err:
                err.called = c.show("clip_by_global_norm")
                raise
        return out

    def compare(got, expected, case):
        for g, e, c in zip(got, expected, case.data["calls"]):
            try:
                _no_mutation(g)
                clipped, total = _pair(g.value, "clip_by_global_norm", "(clipped, total_norm)")
                if isinstance(total, (float, int, np.floating)) and not isinstance(total, bool):
                    total = np.asarray(float(total))
                compare_array(total, e["total"], label="total_norm", check_dtype=False, **F64)
                compare_layers(clipped, e["clipped"], "clipped")
            except Mismatch as m:
                err = Mismatch(f"{m} (max_norm = {c.args[1]})")
                err.called = c.show("clip_by_global_norm")
                raise err from None

    return Check(name=name, function=function_of(name), points=points,
                 hidden=hidden, title=f"clip_by_global_norm matches torch.nn.utils.clip_grad_norm_ ({what})",
                 hint=HINTS["clip_by_global_norm"], make_case=make_case,
                 reference=lambda case: [torch_clip(*c.args) for c in case.data["calls"]], run=run, compare=compare)


def sgd_check(name: str, *, points: float, hidden: bool = False, runs, what: str) -> Check:
    """``runs() -> [(params, [grads per step], lr, momentum, nesterov, schedule), ...]``, schedule
    None or one (frozen, lr_scale) per step; step by step, the student's returned params and
    velocity fed back in. ``frozen`` and ``lr_scale`` are passed only where they are not the
    defaults, so a sgd_step written without them is graded on the runs without them as before."""

    def make_case():
        return Case(data={"runs": runs()})

    def reference(case):
        return [torch_sgd(*r) for r in case.data["runs"]]

    def run(check, call, case):
        out = []
        for params, grads_per_step, lr, momentum, nesterov, schedule in case.data["runs"]:
            traj, velocity = [], None
            for k, grads in enumerate(grads_per_step):
                frozen, lr_scale = schedule[k] if schedule else ((), None)
                kwargs = {"momentum": momentum, "nesterov": nesterov}
                if frozen:
                    kwargs["frozen"] = list(frozen)
                if lr_scale is not None:
                    kwargs["lr_scale"] = list(lr_scale)
                c = NetCase((params, grads, velocity, lr), kwargs, ("params", "grads", "velocity", "lr"), {"step": k})
                try:
                    got = call("sgd_step", *c.args, **c.kwargs)
                except StudentError as err:
                    err.called = c.show("sgd_step") + f"\n    (step {k + 1})"
                    raise
                traj.append((got, c))
                try:
                    params, velocity = _pair(got.value, "sgd_step", "(params, velocity)")
                except Mismatch:
                    break
            out.append(traj)
        return out

    def compare(got, expected, case):
        for traj, ref in zip(got, expected):
            for k, ((g, c), (p_ref, v_ref)) in enumerate(zip(traj, ref)):
                try:
                    _no_mutation(g)
                    p, v = _pair(g.value, "sgd_step", "(params, velocity)")
                    compare_layers(p, p_ref, "params")
                    _layers(v, len(v_ref), lambda l: v_ref[l].keys(), "velocity",
                            why=lambda l: "a frozen layer gets no momentum buffer (torch: no gradient, no buffer)"
                            if not v_ref[l] else "")
                    compare_layers(v, v_ref, "velocity")
                except Mismatch as m:
                    extra = "".join(f", {key}={show_value(c.kwargs[key])}" for key in ("frozen", "lr_scale")
                                    if key in c.kwargs)
                    err = Mismatch(f"step {k + 1} (momentum={c.kwargs['momentum']}, "
                                   f"nesterov={c.kwargs['nesterov']}{extra}): {m}")
                    err.called = c.show("sgd_step")
                    raise err from None
            if len(traj) < len(ref):
                raise Mismatch("stopped early")

    return Check(name=name, function=function_of(name), points=points, hidden=hidden,
                 title=f"sgd_step follows torch.optim.SGD step by step ({what})", hint=HINTS["sgd_step"],
                 make_case=make_case, reference=reference, run=run, compare=compare)


# --- experiments through train -----------------------------------------------------------------------

def _history(value, kwargs, dims=DIMS) -> dict:
    epochs = kwargs.get("epochs", 20)
    L = len(dims) - 1
    if isinstance(value, Opaque):
        raise Mismatch(f"train returned a {value.type_name}, not a dict: {value.text}")
    if not isinstance(value, dict):
        raise Mismatch(f"train returned a {type(value).__name__}, not a dict\n  yours: {show_value(value)[:300]}")
    shapes = {"loss": (epochs + 1,), "accuracy": (epochs + 1,), "grad_norms": (L,), "act_mean": (L - 1,),
              "act_std": (L - 1,)}
    for k, shape in shapes.items():
        v = value.get(k)
        if not isinstance(v, np.ndarray) or v.shape != shape or v.dtype.kind != "f":
            raise Mismatch(f'train(...)["{k}"] is {show_value(v)[:200]}; expected a float array of shape {shape}')
    return value


def _fmt(a) -> str:
    return np.array2string(np.asarray(a), precision=3, max_line_width=100, threshold=30)


def _train_each(call, calls) -> list:
    out = []
    for c in calls:
        try:
            out.append(call("train", *c.args, **c.kwargs))
        except StudentError as err:
            err.called = c.show("train")
            raise
    return out


def _experiment(name: str, points: float, hidden: bool, runs, judge, *, title: str, hint: str,
                reference=None) -> Check:
    """A check of seeded ``train`` runs on the moons. ``runs``: list of train kwargs (x, y, dims
    are added; "data_seed" picks the moons); ``judge(histories, kwargs_list, expected)`` raises
    Mismatch with the measured numbers."""

    def make_case():
        calls = []
        for kw in runs:
            kw = dict(kw)
            x, y = moons(seed=kw.pop("data_seed", 0))
            calls.append(NetCase((x, y, list(DIMS)), {**RUN, **kw}, ("x", "y", "dims")))
        return Case(data={"calls": calls})

    def compare(got, expected, case):
        calls = case.data["calls"]
        hs = [_history(g.value, c.kwargs) for g, c in zip(got, calls)]
        try:
            judge(hs, [c.kwargs for c in calls], expected)
        except Mismatch as m:
            m.called = "\n  and ".join(c.show("train") for c in calls)
            raise

    return Check(name=name, function=function_of(name), points=points, hidden=hidden, title=title,
                 hint=hint + " " + HINTS["train"], make_case=make_case,
                 reference=reference or (lambda case: None),
                 run=lambda check, call, case: _train_each(call, case.data["calls"]), compare=compare)


def torch_ratio(case) -> float:
    """||dW_1|| / ||dW_L|| of torch on a sigmoid net with the judge's own N(0, 1) weights (for the feedback)."""
    x, y, dims = case.data["calls"][0].args
    params = judge_params(dims, 7, "normal")
    for layer in params:
        layer["b"] = np.zeros_like(layer["b"])
    logits = torch_network(params, x, "sigmoid")
    grads = torch_network(params, x, "sigmoid", dlogits=torch_cross_entropy(logits, y)["dlogits"])
    return float(np.linalg.norm(grads[0]["W"]) / np.linalg.norm(grads[-1]["W"]))


def judge_vanishing(hs, kws, torch_value):
    g = hs[0]["grad_norms"]
    ratio = g[0] / g[-1] if g[-1] > 0 else float("nan")
    if not (np.all(np.isfinite(g)) and np.all(g > 0) and ratio <= VANISH_RATIO):
        raise Mismatch(f"the gradient does not vanish: ||dW_1|| / ||dW_{len(g)}|| = {ratio:.3g}; a 20-layer sigmoid "
                       f"net with N(0, 1) weights gives at most {VANISH_RATIO:.3g} (torch, on N(0, 1) weights of "
                       f"the same shapes: {torch_value:.3g})\n  yours: grad_norms = {_fmt(g)}")


def judge_best_accuracy(threshold, epochs, at_least=True):
    def judge(hs, kws, expected):
        acc = hs[0]["accuracy"]
        best = float(np.nanmax(acc[: epochs + 1])) if np.any(np.isfinite(acc[: epochs + 1])) else float("nan")
        ok = best >= threshold if at_least else best <= threshold
        if not ok:
            what = "reach" if at_least else "stay below"
            raise Mismatch(f"the best accuracy within {epochs} epochs is {best:.3f}; it should {what} {threshold}\n"
                           f"  yours: accuracy = {_fmt(acc)}\n         loss = {_fmt(hs[0]['loss'])}")
    return judge


def judge_stall(hs, kws, expected):
    loss = hs[0]["loss"]
    if not np.all(np.isfinite(loss)) or float(np.min(loss)) < STALL_LOSS:
        raise Mismatch(f"the loss went below {STALL_LOSS} (or is not finite): this network should not learn in "
                       f"{kws[0]['epochs']} epochs\n  yours: loss = {_fmt(loss)}\n         accuracy = {_fmt(hs[0]['accuracy'])}")


def judge_selu(hs, kws, expected):
    m, s = hs[0]["act_mean"], hs[0]["act_std"]
    bad = [l + 1 for l in range(len(m)) if not (abs(m[l]) <= SELU_MEAN and SELU_STD[0] <= s[l] <= SELU_STD[1])]
    if bad:
        raise Mismatch(f"activations drift from mean 0 / std 1 at hidden layers {bad}; allowed |mean| <= "
                       f"{SELU_MEAN}, {SELU_STD[0]} <= std <= {SELU_STD[1]}\n  yours: act_mean = {_fmt(m)}\n"
                       f"         act_std = {_fmt(s)}")


def judge_clipping(hs, kws, expected):
    free, clipped = hs
    if np.all(np.isfinite(free["loss"])):
        raise Mismatch("without clipping, the 1.5·I network's loss should overflow to inf/NaN within "
                       f"{kws[0]['epochs']} epochs (it does in every seeded run of the solution)\n"
                       f"  yours: loss = {_fmt(free['loss'])}")
    if not np.all(np.isfinite(clipped["loss"])):
        raise Mismatch(f"with clip={kws[1]['clip']} every loss should stay finite\n"
                       f"  yours: loss = {_fmt(clipped['loss'])}")


VANISH = dict(activation_name="sigmoid", init="normal")
RELU = dict(activation_name="relu", init="he")
SELU = dict(activation_name="selu", init="lecun")
BN = dict(activation_name="sigmoid", init="normal", batchnorm=True)
IDENTITY = dict(activation_name="linear", init="identity", gain=1.5)


def vanishing_check(name: str, *, points: float, hidden: bool = False, seed: int, data_seed: int) -> Check:
    return _experiment(
        name, points, hidden, [dict(VANISH, epochs=0, seed=seed, data_seed=data_seed)], judge_vanishing,
        reference=torch_ratio,
        title=f"20 sigmoid layers with N(0, 1) weights: ||dW_1|| / ||dW_20|| <= {VANISH_RATIO:.3g} at initialisation",
        hint="grad_norms[l] = np.linalg.norm(grads[l]['W']) on all of (x, y) before any update; "
             "backward must multiply by the sigmoid's derivative at every hidden layer.")


def relu_trains_check(name: str, *, points: float, hidden: bool = False, seed: int, data_seed: int) -> Check:
    return _experiment(
        name, points, hidden, [dict(RELU, epochs=RELU_EPOCHS, seed=seed, data_seed=data_seed)],
        judge_best_accuracy(RELU_ACC, RELU_EPOCHS),
        title=f"20 ReLU layers with He init reach {RELU_ACC:.0%} accuracy within {RELU_EPOCHS} epochs",
        hint="A correct forward/backward/sgd_step trains this network to > 90% on the moons.")


def stall_check(name: str, *, points: float, hidden: bool = False, seed: int, data_seed: int) -> Check:
    return _experiment(
        name, points, hidden, [dict(VANISH, epochs=STALL_EPOCHS, seed=seed, data_seed=data_seed)], judge_stall,
        title=f"20 sigmoid layers with N(0, 1) weights: the loss stays above {STALL_LOSS} for {STALL_EPOCHS} "
              "epochs (ln 2 = 0.693 is chance)",
        hint="With N(0, 1) weights and no batch norm the sigmoid net should not learn: check that "
             "init='normal' draws N(0, 1) weights and that batch norm is only used when batchnorm=True.")


def selu_check(name: str, *, points: float, hidden: bool = False, seed: int, data_seed: int) -> Check:
    return _experiment(
        name, points, hidden, [dict(SELU, epochs=0, seed=seed, data_seed=data_seed)], judge_selu,
        title=f"20 SELU layers with LeCun init: every hidden layer's activations have |mean| <= "
              f"{SELU_MEAN} and std in [{SELU_STD[0]}, {SELU_STD[1]}]",
        hint="act_mean/act_std are the mean and std over all entries of each hidden layer's "
             "activations (after SELU), at initialisation, on all of x; SELU needs its scale.")


def batchnorm_rescue_check(name: str, *, points: float, hidden: bool = False, seed: int, data_seed: int) -> Check:
    return _experiment(
        name, points, hidden, [dict(BN, epochs=BN_EPOCHS, seed=seed, data_seed=data_seed)],
        judge_best_accuracy(BN_ACC, BN_EPOCHS),
        title=f"the sigmoid N(0, 1) net with batch norm reaches {BN_ACC:.0%} within {BN_EPOCHS} epochs",
        hint="With batchnorm=True every hidden layer gets gamma/beta and forward/backward go "
             "through batch norm; sgd_step updates gamma and beta too.")


def clip_experiment_check(name: str, *, points: float, hidden: bool = False, seed: int, data_seed: int) -> Check:
    s = dict(seed=seed, data_seed=data_seed)
    return _experiment(
        name, points, hidden,
        [dict(IDENTITY, epochs=CLIP_EPOCHS, **s), dict(IDENTITY, epochs=CLIP_EPOCHS, clip=CLIP, **s)],
        judge_clipping,
        title=f"a linear net with 1.5·I weights overflows without clipping and stays finite with clip={CLIP}",
        hint="Clip every batch's gradients with clip_by_global_norm(grads, clip) before sgd_step; "
             "without clipping let the overflow happen (stop at the first non-finite loss and "
             "fill the rest with NaN).")


# --- transfer learning -------------------------------------------------------------------------------

def spirals(n: int, seed: int, turn: float = 0.0, swap: bool = False):
    """Two interleaved spirals (the judge's own draw): arm y is the points at angle t + pi y +
    ``turn`` (radians) and radius t, t uniform in [3pi/4, 3pi], plus N(0, 0.6^2) noise, divided
    by 4.5 (about unit variance); labels exchanged with ``swap``. x (n, 2) float64, y (n,) int64."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 2)
    t = rng.uniform(0.25, 1.0, n) * 3 * np.pi
    angle = t + np.pi * y + turn
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) + rng.normal(0.0, 0.6, (n, 2))
    return x / 4.5, (1 - y if swap else y).astype(np.int64)


TRANSFER_DIMS = [2, 64, 64, 2]
TRANSFER_REUSE = 2  # both hidden layers; the output layer is new
TRANSFER_N = 64  # labelled examples of the new task
TRANSFER_TURN = np.pi / 6  # the new task: the spirals turned by 30 degrees, their labels exchanged
TRANSFER_RUN = dict(activation_name="relu", epochs=30, lr=0.05, momentum=0.9, batch_size=TRANSFER_N)
FINE_SCALE = 0.1  # the unfrozen top reused layer learns at lr * 0.1
TRANSFER_ACC, TRANSFER_GAP, FINE_SLACK = 0.8, 0.05, 0.05
_PRETRAINED: list = []


def pretrained_net() -> list[dict]:
    """The network the new task reuses: TRANSFER_DIMS with ReLU, trained by torch (Adam, lr 0.02,
    150 full-batch steps, float64, torch seed 0) on 256 points of the spirals (data seed 100)
    until it classifies all but a few of them. Trained once per process; a copy each call."""
    if not _PRETRAINED:
        x, y = spirals(256, 100)
        with torch.random.fork_rng():
            torch.manual_seed(0)
            layers = [torch.nn.Linear(a, b).double() for a, b in zip(TRANSFER_DIMS, TRANSFER_DIMS[1:])]
        opt = torch.optim.Adam([p for m in layers for p in m.parameters()], lr=0.02)
        x_t, y_t = torch.tensor(x), torch.tensor(y)
        for _ in range(150):
            a = x_t
            for l, m in enumerate(layers):
                a = m(a) if l == len(layers) - 1 else torch.relu(m(a))
            loss = F.cross_entropy(a, y_t)
            opt.zero_grad()
            loss.backward()
            opt.step()
        _PRETRAINED.extend({"W": m.weight.detach().numpy().copy(), "b": m.bias.detach().numpy().copy()}
                           for m in layers)
    return [{k: v.copy() for k, v in layer.items()} for layer in _PRETRAINED]


def _transfer_cases(cases):
    return Case(data={"calls": [NetCase((p, n, dims), {"seed": seed}, ("pretrained", "n_reuse", "dims"))
                                for p, n, dims, seed in cases()]})


def _transferred(value, pretrained, n_reuse, dims):
    """The result of transfer_params as a list of layer dicts with the right keys and W shapes."""
    bn = any("gamma" in layer for layer in pretrained)
    keys = lambda l: (pretrained[l].keys() if l < n_reuse  # noqa: E731
                      else ("W", "b", "gamma", "beta") if bn and l < len(dims) - 2 else ("W", "b"))
    _layers(value, len(dims) - 1, keys, "the result")
    for l, layer in enumerate(value):
        w, shape = layer["W"], (dims[l + 1], dims[l])
        if not isinstance(w, np.ndarray) or w.shape != shape or w.dtype != np.float64:
            raise Mismatch(f'layer {l + 1}: W is {show_value(w)[:200]}; expected a float64 array of shape {shape}')
    return value


def transfer_check(name: str, *, points: float, hidden: bool = False, cases, what: str) -> Check:
    """``cases() -> [(pretrained, n_reuse, dims, seed), ...]``. Layers below n_reuse equal
    pretrained's exactly; the others equal exactly what the student's own
    ``init_params(dims, seed=seed, batchnorm=bn)`` gives for them (init_params has its own
    checks against torch.nn.init)."""

    def run(check, call, case):
        out = []
        for c in case.data["calls"]:
            pretrained, _, dims = c.args
            bn = any("gamma" in layer for layer in pretrained)
            try:
                got = call("transfer_params", *c.args, **c.kwargs)
            except StudentError as err:
                err.called = c.show("transfer_params")
                raise
            try:
                fresh = call("init_params", dims, seed=c.kwargs["seed"], batchnorm=bn)
            except StudentError as err:
                raise Mismatch(f"could not be checked: init_params(dims, seed={c.kwargs['seed']}, batchnorm={bn}), "
                               f"which gives the fresh layers, failed: {err.message[:300]}") from None
            out.append((got, fresh))
        return out

    def compare(got, expected, case):
        for (g, fresh), c in zip(got, case.data["calls"]):
            pretrained, n_reuse, dims = c.args
            try:
                value = _transferred(g.value, pretrained, n_reuse, dims)
                for l, layer in enumerate(value):
                    source = (f"pretrained[{l}] (a reused layer)" if l < n_reuse
                              else f"init_params(dims, seed={c.kwargs['seed']})[{l}] (a fresh layer)")
                    ref = pretrained[l] if l < n_reuse else (fresh.value[l] if isinstance(fresh.value, list)
                                                             and len(fresh.value) > l else None)
                    if not isinstance(ref, dict) or set(ref) != set(layer):
                        raise Mismatch(f"layer {l + 1} should be {source}, but your init_params gives "
                                       f"{show_value(ref)[:200]} for it")
                    for k, v in ref.items():
                        compare_array(layer[k], v, 0.0, 0.0, label=f'layer {l + 1}: "{k}", which should be {source}')
            except Mismatch as m:
                err = Mismatch(str(m))
                err.called = c.show("transfer_params")
                raise err from None

    return Check(name=name, function=function_of(name), points=points, hidden=hidden,
                 title=f"transfer_params reuses the lower layers and initialises the rest as init_params ({what})",
                 hint=HINTS["transfer_params"], make_case=lambda: _transfer_cases(cases),
                 reference=lambda case: None, run=run, compare=compare)


def transfer_copies_check(name: str, *, points: float, hidden: bool = False, cases, what: str) -> Check:
    """``cases`` as for transfer_check. In the student's process every array of the result is
    overwritten in turn (and restored), then every array of ``pretrained``: no write may show
    through on the other side (``protocol.describe_ties``)."""

    def run(check, call, case):
        out = []
        for c in case.data["calls"]:
            try:
                out.append(call.viewing("ties", "transfer_params", *c.args, **c.kwargs))
            except StudentError as err:
                err.called = c.show("transfer_params")
                raise
        return out

    def compare(got, expected, case):
        for g, c in zip(got, case.data["calls"]):
            tied = g.value.get("tied") if isinstance(g.value, dict) else None
            if tied:
                pairs = ", ".join(f"{r} with {a}" for r, a in tied[:4]) + (", ..." if len(tied) > 4 else "")
                err = Mismatch(f"the result shares memory with pretrained: writing into one changes the other "
                               f"({pairs}; argument 1 is pretrained); training the new network would change the "
                               f"old one", hint="Copy every reused array (np.array(v, copy=True) or v.copy()); "
                                                "dict(layer) or list(pretrained) copies the containers, not the arrays.")
                err.called = c.show("transfer_params")
                raise err

    return Check(name=name, function=function_of(name), points=points, hidden=hidden,
                 title=f"transfer_params copies the reused arrays: writing into the result never changes pretrained, "
                       f"nor the reverse ({what})",
                 hint=HINTS["transfer_params"], make_case=lambda: _transfer_cases(cases),
                 reference=lambda case: None, run=run, compare=compare)


def train_from_params_check(name: str, *, points: float, hidden: bool = False, make, what: str) -> Check:
    """``make() -> (params, x, y, kwargs)``: train(x, y, dims, params=params, batch_size=len(x),
    **kwargs), one full batch per epoch (so the shuffle does not matter), against ``torch_train``:
    every entry of the history within F64 of torch's."""

    def make_case():
        params, x, y, kwargs = make()
        dims = [params[0]["W"].shape[1]] + [layer["W"].shape[0] for layer in params]
        return NetCase((x, y, dims), {**kwargs, "batch_size": len(x), "params": params}, ("x", "y", "dims"))

    def reference(case):
        kw = {k: v for k, v in case.kwargs.items() if k not in ("batch_size", "params")}
        return torch_train(case.kwargs["params"], case.args[0], case.args[1], **kw)

    def compare(got, expected, case):
        value = _history(got.value, case.kwargs, case.args[2])
        for k in ("loss", "accuracy", "grad_norms", "act_mean", "act_std"):
            compare_array(value[k], expected[k], label=f'train(...)["{k}"]', **F64)

    return Check(name=name, function=function_of(name), points=points, hidden=hidden,
                 title=f"train from given parameters follows torch.optim.SGD with parameter groups and frozen "
                       f"layers ({what})", hint=HINTS["train"], make_case=make_case, reference=reference,
                 run=lambda check, call, case: _train_each(call, [case])[0], compare=compare)


def judge_transfer(best: dict, kws) -> None:
    scratch, frozen, fine = best["scratch"], best["frozen"], best["fine-tuned"]
    problems = []
    if not frozen >= TRANSFER_ACC:
        problems.append(f"the reused frozen layers reach {frozen:.3f}, below {TRANSFER_ACC}")
    if not frozen >= scratch + TRANSFER_GAP:
        problems.append(f"the reused frozen layers ({frozen:.3f}) do not beat training from scratch ({scratch:.3f}) "
                        f"by {TRANSFER_GAP}")
    if not fine >= frozen - FINE_SLACK:
        problems.append(f"fine-tuning the top reused layer ({fine:.3f}) does worse than keeping it frozen "
                        f"({frozen:.3f}) by more than {FINE_SLACK}")
    if problems:
        raise Mismatch("; ".join(problems) + "\n  yours, best accuracy within "
                       f"{kws['epochs']} epochs: " + ", ".join(f"{k} {v:.3f}" for k, v in best.items()))


def transfer_start(seed: int) -> list[dict]:
    """The starting parameters of the new task, made by the judge (so that this check grades
    train alone; transfer_params has its own checks): pretrained_net's first TRANSFER_REUSE
    layers and fresh He-initialised layers above (W ~ N(0, 2 / fan_in) from
    np.random.default_rng(seed), b = 0)."""
    rng = np.random.default_rng(seed)
    fresh = [{"W": rng.normal(0.0, math.sqrt(2.0 / a), (b, a)), "b": np.zeros(b)}
             for a, b in zip(TRANSFER_DIMS[TRANSFER_REUSE:], TRANSFER_DIMS[TRANSFER_REUSE + 1:])]
    return pretrained_net()[:TRANSFER_REUSE] + fresh


TRANSFER_RUNS = {  # the extra train kwargs of each run
    "scratch": {},
    "frozen": {"frozen": list(range(TRANSFER_REUSE))},
    "fine-tuned": {"frozen": list(range(TRANSFER_REUSE - 1)),
                   "lr_scale": [1.0] * (TRANSFER_REUSE - 1) + [FINE_SCALE] + [1.0] * (len(TRANSFER_DIMS) - 1 - TRANSFER_REUSE)},
}


def transfer_task(data_seed: int, n: int = TRANSFER_N):
    """The new task: the spirals turned by TRANSFER_TURN with the labels exchanged."""
    return spirals(n, data_seed, turn=TRANSFER_TURN, swap=True)


def transfer_experiment_check(name: str, *, points: float, hidden: bool = False, seed: int,
                              data_seed: int) -> Check:
    """The notes' recipe on a new task with few labels: three runs of train on TRANSFER_N points
    of transfer_task(data_seed), from scratch (init seed ``seed``), and from transfer_start(seed)
    with the reused layers frozen, and with the top reused layer unfrozen at FINE_SCALE x the rate."""

    def make_case():
        x, y = transfer_task(data_seed)
        start = transfer_start(seed)
        calls = [NetCase((x, y, list(TRANSFER_DIMS)), {**TRANSFER_RUN, "seed": seed, **kw,
                                                        **({"params": start} if kw else {})}, ("x", "y", "dims"))
                 for kw in TRANSFER_RUNS.values()]
        return Case(data={"calls": calls})

    def compare(got, expected, case):
        best = {}
        for k, g, c in zip(TRANSFER_RUNS, got, case.data["calls"]):
            acc = _history(g.value, c.kwargs, TRANSFER_DIMS)["accuracy"]
            best[k] = float(np.nanmax(acc)) if np.any(np.isfinite(acc)) else float("nan")
        try:
            judge_transfer(best, TRANSFER_RUN)
        except Mismatch as m:
            m.called = "\n  and ".join(c.show("train") for c in case.data["calls"])
            raise

    return Check(name=name, function=function_of(name), points=points, hidden=hidden,
                 title=f"on a new task with {TRANSFER_N} labels, reused frozen layers beat training from scratch "
                       f"and fine-tuning the top one at {FINE_SCALE} x the rate does at least as well",
                 hint="train starts from copies of params when they are given, never updates a frozen layer, and "
                      "scales each layer's step by lr_scale. " + HINTS["train"], make_case=make_case,
                 reference=lambda case: None, run=lambda check, call, case: _train_each(call, case.data["calls"]),
                 compare=compare)


# --- the public checks -------------------------------------------------------------------------------

def _act_inputs(seed):
    return lambda: [(_z(seed + i), a) for i, a in enumerate(ACTIVATIONS)]


def _large_inputs():
    return [(LARGE_Z.copy(), a) for a in ACTIVATIONS if a != "linear"]


def _small_net(seed, act, dims=(2, 16, 16, 16, 3), batch=10, bn=False, std="he"):
    def make():
        params = judge_params(list(dims), seed, std, bn)
        x = np.random.default_rng(seed + 1).normal(0, 1, (batch, dims[0]))
        return params, x, act
    return make


def _with_dlogits(make, seed):
    def wrapped():
        params, x, act = make()
        return params, x, act, np.random.default_rng(seed + 2).normal(0, 1, (x.shape[0], len(params[-1]["b"])))
    return wrapped


def _deep_sigmoid():
    params = judge_params(DIMS, 11, "normal")
    x, y = moons(64, seed=3)
    return params, x, "sigmoid"


def _logits(seed, n=8, c=4):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 2, (n, c)), rng.integers(0, c, n)


def _large_logits():
    return (np.array([[1000.0, -1000.0, 0.0], [-1000.0, 999.0, 1000.0], [5.0, 3.0, -2.0], [-800.0, -800.0, -800.0]]),
            np.array([1, 0, 2, 1]))


def _grads(seed, dims=(4, 8, 6, 3), scale=1.0, bn=False):
    params = judge_params(list(dims), seed, "he", bn)
    rng = np.random.default_rng(seed + 5)
    return [{k: rng.normal(0, scale, np.shape(v)) for k, v in layer.items()} for layer in params]


def _sgd_runs(seed, steps, bn=False, schedules=(None, None)):
    """Two runs on the same parameters and gradients: momentum 0.9, and Nesterov with momentum 0.8;
    ``schedules``: each run's (frozen, lr_scale) per step, or None."""
    def runs():
        params = judge_params([3, 5, 4, 2], seed, "he", bn)
        grads = [_grads(seed + 10 + k, (3, 5, 4, 2), bn=bn) for k in range(steps)]
        return [(params, grads, 0.1, 0.9, False, schedules[0]), (params, grads, 0.05, 0.8, True, schedules[1])]
    return runs


def _train_from(seed, dims, act, n, bn=False, **kwargs):
    """Judge's parameters for ``dims`` and n examples: the moons for 2 inputs, else N(0, 1) points
    with random labels; the train kwargs as given."""
    def make():
        params = judge_params(list(dims), seed, "he", bn)
        if dims[0] == 2:
            x, y = moons(n, seed=seed + 1)
        else:
            rng = np.random.default_rng(seed + 1)
            x, y = rng.normal(0, 1, (n, dims[0])), rng.integers(0, dims[-1], n)
        return params, x, y, dict(activation_name=act, **kwargs)
    return make


def _transfer_inputs(seed, cases, bn=False):
    """``cases``: (pretrained dims, n_reuse, new dims, seed); pretrained from the judge's parameters."""
    return lambda: [(judge_params(list(old), seed + i, "he", bn), n, list(new), s)
                    for i, (old, n, new, s) in enumerate(cases)]


TRANSFER_CASES = _transfer_inputs(71, [((4, 12, 10, 3), 2, (4, 12, 10, 6, 5), 3), ((4, 12, 10, 3), 1, (4, 12, 7, 2), 0)])


CHECKS = [
    activation_check("activation: values", points=3, inputs=_act_inputs(1),
                     what="random z for every name (z = 0 included)"),
    activation_check("activation: large |z|", points=2, inputs=_large_inputs, no_warnings=True,
                     what="|z| up to 1e3, finite and warning-free"),
    activation_check("activation_derivative: values", points=3, inputs=_act_inputs(2),
                     what="random z for every name, torch's convention at z = 0"),
    init_check("init_params: shapes and statistics", points=4,
               cases=[([20, 200, 100, 50], {"init": i, "seed": 3}) for i in ("normal", "he", "lecun", "glorot")]
               + [([20, 50, 50, 50, 3], {"init": "identity", "gain": 1.5, "seed": 4, "batchnorm": True})],
               what='every init on dims [20, 200, 100, 50]; "identity" with gain 1.5 and batch norm'),
    forward_check("forward: ReLU, 4 layers", points=4, make=_small_net(21, "relu"),
                  what="ReLU, dims [2, 16, 16, 16, 3], batch 10"),
    forward_check("forward: batch norm", points=3, make=_small_net(22, "sigmoid", bn=True, std="normal"),
                  what="sigmoid with batch norm on every hidden layer, random gamma and beta"),
    cross_entropy_check("cross_entropy: values", points=2, make=lambda: _logits(31), what="8 samples, 4 classes"),
    cross_entropy_check("cross_entropy: large logits", points=2, make=_large_logits,
                        what="logits up to ±1e3 (finite, no warning)"),
    backward_check("backward: 20 sigmoid layers, N(0,1)", points=4,
                   make=lambda: (*_deep_sigmoid(), np.random.default_rng(4).normal(0, 1, (64, 2))),
                   what="20 sigmoid layers with N(0, 1) weights: the gradients that vanish toward the input"),
    backward_check("backward: batch norm", points=3, make=_with_dlogits(_small_net(23, "tanh", bn=True), 23),
                   what="tanh with batch norm, random gamma and beta"),
    clip_check("clip_by_global_norm: values", points=3, cases=lambda: [(_grads(41), 1.0), (_grads(42, scale=0.01), 1.0)],
               what="one list of layer gradients clipped (norm ~6 > 1), one left alone (norm ~0.06)"),
    sgd_check("sgd_step: momentum and Nesterov", points=3, runs=_sgd_runs(51, 3),
              what="3 steps with momentum 0.9, 3 with Nesterov and momentum 0.8"),
    sgd_check("sgd_step: frozen layers and per-layer rates", points=3,
              runs=_sgd_runs(52, 3, schedules=[[((0,), (1.0, 0.3, 1.0))] * 3, [((2,), (2.0, 0.5, 1.0))] * 3]),
              what="layer 1 frozen and lr_scale [1, 0.3, 1] with momentum; the output layer frozen and "
                   "lr_scale [2, 0.5, 1] with Nesterov"),
    transfer_check("transfer_params: reused layers and fresh ones", points=2, cases=TRANSFER_CASES,
                   what="2 of 3 layers reused under a deeper head; 1 reused under a narrower one"),
    transfer_copies_check("transfer_params: copies, not views", points=2, cases=TRANSFER_CASES,
                          what="the same two calls"),
    train_from_params_check("train: from given parameters, frozen, per-layer rates", points=3,
                            make=_train_from(61, (2, 16, 16, 2), "relu", 48, epochs=5, lr=0.1,
                                             frozen=[0], lr_scale=[1.0, 0.5, 1.0]),
                            what="ReLU, dims [2, 16, 16, 2], 5 full-batch epochs, layer 1 frozen, lr_scale [1, 0.5, 1]"),
    vanishing_check("train: sigmoid N(0,1) gradients vanish (seed 0)", points=3, seed=0, data_seed=0),
    relu_trains_check("train: ReLU + He trains (seed 0)", points=3, seed=0, data_seed=0),
    stall_check("train: sigmoid N(0,1) does not learn (seed 0)", points=3, seed=0, data_seed=0),
    selu_check("train: SELU + LeCun self-normalises (seed 0)", points=3, seed=0, data_seed=0),
    batchnorm_rescue_check("train: batch norm rescues sigmoid (seed 0)", points=3, seed=0, data_seed=0),
    clip_experiment_check("train: clipping keeps 1.5·I finite (seed 0)", points=2, seed=0, data_seed=0),
    transfer_experiment_check("train: reused layers beat training from scratch (seed 0)", points=3,
                              seed=0, data_seed=0),
]

__all__ = ["CHECKS"]
