"""Checks for 04_batchnorm, against ``torch.nn.functional.batch_norm`` and ``torch.autograd``.

The reference runs ``F.batch_norm`` in float64 on the same inputs; torch updates its running
statistics tensors in place, and those updated tensors are the expected running statistics
(so torch's unbiased running variance and its momentum convention are what is expected).
Backward references are the autograd gradients of ``F.batch_norm(...)`` with respect to x,
gamma and beta for the upstream gradient ``dout`` (in evaluation mode this is
dx = dout * gamma / sqrt(running_var + eps)). float32 references are cast from float64.

The cache stays in the student process: a backward check calls
``call.keeping([3], "batchnorm_forward", ...)`` and passes the resulting ``Handle`` to
``batchnorm_backward``; the checks never look at it.

Tolerances
- ``F64`` (rtol 1e-7, atol 1e-12) for float64. Measured over 200 random inputs of the shapes used
  here, a two-pass NumPy implementation agrees with torch's float64 batch_norm and autograd to
  ~1e-12 relative (worst at entries near 0, still under rtol * |torch| + 1e-12). The subtlest
  wrong answers are ~1e-6 relative or more: eps added outside the square root (1e-5 / sqrt(var)),
  eps forgotten in evaluation (eps / (2 var) ~ 5e-6), the one-pass variance on offset data.
- ``LARGE_MEAN`` (rtol 1e-7, atol 1e-9) for data of mean 1e4 and spread 0.1: merely rounding x
  (1e4 * 1.1e-16) moves x - mu by ~1e-12, i.e. x_hat by ~1e-11 absolute, so entries near 0 need
  an absolute allowance; the one-pass variance mean(x^2) - mu^2 is off by ~1e-5 relative.
- ``BN32`` (rtol 1e-4, atol 1e-5) for float32: every statistic and gradient is a sum of M
  float32 terms, whose rounding error is up to ~M * 6e-8 * max|term| (measured worst 5e-7 for
  M = 24); the tolerance only has to accept float32 arithmetic, the float64 mistake is caught by
  the dtype.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradkit.compare import F64, compare_array, modified_in_place, show_value
from gradkit.core import Case, Check, Mismatch, StudentError, function_of
from gradkit.pictures import Picture, bars, error_map
from gradkit.protocol import Handle, Opaque
from gradkit.references import lazy

torch = lazy("torch")  # imported when a reference is computed (a stored answer needs no torch)
F = lazy("torch.nn.functional")

MODULE = "batchnorm"  # the student's file: batchnorm.py

LARGE_MEAN = dict(rtol=1e-7, atol=1e-9)
BN32 = dict(rtol=1e-4, atol=1e-5)

FORWARD = "batchnorm_forward"
BACKWARD = "batchnorm_backward"
FORWARD_PARTS = ("out", "running_mean", "running_var")
BACKWARD_PARTS = ("dx", "dgamma", "dbeta")
ARG_NAMES = ("x", "gamma", "beta", "running_mean", "running_var")

_AXES = "axes = (0,) for (N, D), (0, 2, 3) for (N, C, H, W), per-channel vectors reshaped to (1, C, 1, 1)"
HINTS = {
    "train": ("Training: mu = x.mean(axes), var = ((x - mu)**2).mean(axes) (the biased variance: divide by M), "
              f"out = gamma * (x - mu) / np.sqrt(var + eps) + beta, with {_AXES}."),
    "running": ("torch: new running_mean = (1 - momentum) * running_mean + momentum * mu and new running_var = "
                "(1 - momentum) * running_var + momentum * var * M / (M - 1), the UNBIASED batch variance "
                "(M = values per channel: N, or N * H * W). momentum weights the batch (Keras's momentum=0.99 "
                "weights the old value instead)."),
    "eval": ("Evaluation: normalise with the running statistics, not the batch's: out = gamma * (x - running_mean) "
             "/ np.sqrt(running_var + eps) + beta, and return the running statistics unchanged (as new arrays)."),
    "unmodified": ("Compute into new arrays: new_mean = (1 - momentum) * running_mean + momentum * mu, never "
                   "running_mean *= ... or x -= ...; the caller's x, gamma, beta and running statistics must not change."),
    "value_error": ("In training, count the values per channel, M = N for (N, D) and N * H * W for (N, C, H, W); "
                    "if M == 1 raise ValueError (torch: 'Expected more than 1 value per channel when training'). "
                    "Evaluation uses the running statistics and never raises."),
    "momentum_eps": ("Use the momentum and eps arguments (no constants): running = (1 - momentum) * running + "
                     "momentum * batch, and eps inside the square root, np.sqrt(var + eps)."),
    "float32": ("float32 in, float32 out: compute in x's dtype (or cast back) for out and both running statistics; "
                "don't let a float64 constant array or np.float64(...) promote the result."),
    "large_mean": ("Compute the variance in two passes, ((x - mu)**2).mean(axes); the one-pass np.mean(x**2) - mu**2 "
                   "loses about 8 digits when |mu| = 1e4 and the spread is 0.1."),
    "dx": ("Training: dx = (dxhat - mean(dxhat) - x_hat * mean(dxhat * x_hat)) / np.sqrt(var + eps), dxhat = dout * gamma, "
           "means over the M values of each channel; the two mean terms come from mu and var depending on x."),
    "dparams": "dbeta = dout.sum(axes) and dgamma = (dout * x_hat).sum(axes), x_hat the normalised input.",
    "back4d": f"Reduce over the right axes in backward too: {_AXES}; dgamma and dbeta have shape (C,).",
    "back_eval": ("Evaluation: the running statistics are constants, so dx = dout * gamma / np.sqrt(running_var + eps) "
                  "(no mean terms), x_hat = (x - running_mean) / np.sqrt(running_var + eps) in dgamma."),
    "back_float32": "Return dx, dgamma and dbeta in dout's dtype (float32 stays float32).",
    "back_eps": "Keep eps (from the forward call, e.g. in the cache) and use it in backward: np.sqrt(var + eps).",
}


# --- inputs and torch's reference ------------------------------------------------------------

def bn_inputs(seed: int, shape, *, loc: float = 0.0, scale: float = 1.0, dtype=np.float64) -> tuple:
    """(x, gamma, beta, running_mean, running_var): x has per-channel offsets and spreads."""
    rng = np.random.default_rng(seed)
    c = shape[1]
    per_channel = (1, c) + (1,) * (len(shape) - 2)
    x = (loc + rng.normal(0.0, 1.0, c).reshape(per_channel)
         + scale * rng.uniform(0.5, 2.0, c).reshape(per_channel) * rng.normal(0.0, 1.0, shape))
    gamma, beta = rng.uniform(0.5, 2.0, c), rng.normal(0.0, 1.0, c)
    running_mean, running_var = rng.normal(0.0, 1.0, c), rng.uniform(0.5, 2.0, c)
    return tuple(a.astype(dtype) for a in (x, gamma, beta, running_mean, running_var))


@dataclass(frozen=True)
class Batch:
    """A row's inputs, made when the check is first run: ``Batch(seed, shape)()`` is
    ``bn_inputs(seed, shape, loc=..., scale=..., dtype=...)``."""

    seed: int
    shape: tuple
    loc: float = 0.0
    scale: float = 1.0
    dtype: type = np.float64

    def __call__(self) -> tuple:
        return bn_inputs(self.seed, self.shape, loc=self.loc, scale=self.scale, dtype=self.dtype)


def random_dout(seed: int, shape, dtype=np.float64) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 1.0, shape).astype(dtype)


def _kw(kwargs) -> dict:
    return dict(training=kwargs.get("training", True), momentum=kwargs.get("momentum", 0.1),
                eps=kwargs.get("eps", 1e-5))


def torch_batchnorm(args, kwargs, dout=None):
    """F.batch_norm in float64: {"out", "running_mean", "running_var"} (+ "dx", "dgamma", "dbeta"
    from autograd when ``dout`` is given), cast to x's dtype; or torch's ValueError message."""
    dtype = np.float32 if np.asarray(args[0]).dtype == np.float32 else np.float64
    grad = dout is not None
    x, gamma, beta, rm, rv = (torch.tensor(np.asarray(a, dtype=np.float64)) for a in args)
    for t in (x, gamma, beta):
        t.requires_grad_(grad)
    try:
        out = F.batch_norm(x, rm, rv, gamma, beta, **_kw(kwargs))
    except ValueError as exc:
        return f"ValueError: {exc}"
    result = {"out": out, "running_mean": rm, "running_var": rv}
    if grad:
        out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
        result.update(dx=x.grad, dgamma=gamma.grad, dbeta=beta.grad)
    return {k: v.detach().numpy().astype(dtype) for k, v in result.items()}


def show_input(v) -> str:
    """show_value, but a 4-d array shows only its corners (show_value prints every entry of a
    (4, 3, 5, 6) array, since no axis is longer than 2 * 3 edge items)."""
    if isinstance(v, np.ndarray) and v.ndim >= 3 and v.size > 24:
        body = np.array2string(v, threshold=12, edgeitems=1, precision=6, separator=", ", max_line_width=100)
        body = "\n".join(ln for ln in body.splitlines() if ln.strip()).replace("\n", "\n         ")
        return f"{body}  (array, {v.dtype}, shape {v.shape})"
    return show_value(v)


class BNCase(Case):
    """Forward's arguments in ``args``/``kwargs``; for a backward check also ``data["dout"]``,
    and the feedback shows both calls."""

    def show(self, function: str) -> str:
        call = ", ".join(list(ARG_NAMES) + [f"{k}={v!r}" for k, v in self.kwargs.items()])
        parts = [f"{n} = {show_input(v)}" for n, v in zip(ARG_NAMES, self.args)]
        if "dout" not in self.data:
            return f"{FORWARD}({call})\n    with " + "\n         ".join(parts)
        parts.append(f"dout = {show_input(self.data['dout'])}")
        return (f"out, running_mean, running_var, cache = {FORWARD}({call})\n"
                f"          dx, dgamma, dbeta = {BACKWARD}(dout, cache)\n"
                "    with " + "\n         ".join(parts))


# --- running and comparing -------------------------------------------------------------------

def _items(value, n: int, function: str, what: str):
    if isinstance(value, Opaque):
        raise Mismatch(f"returned a {value.type_name}, not a tuple {what}\n  yours: {value.text}")
    if not isinstance(value, (tuple, list)) or len(value) != n:
        size = f" of length {len(value)}" if isinstance(value, (tuple, list)) else ""
        raise Mismatch(f"returned a {type(value).__name__}{size}; {function} must return a tuple {what}\n"
                       f"  yours: {show_value(value)[:300]}")
    return value


def _tolerance(expected: np.ndarray, tol):
    if tol is not None:
        return tol
    return BN32 if expected.dtype == np.float32 else F64


def compare_parts(values, expected: dict, parts, names, tol=None, note: str = "") -> None:
    for part in parts:
        compare_array(values[names.index(part)], expected[part], label=part + note,
                      **_tolerance(expected[part], tol))


def by_channel(a: np.ndarray) -> np.ndarray:
    """(N, C) or (N, C, H, W) as (C, N) or (C, N*H*W): one row per channel."""
    return np.moveaxis(a, 1, 0).reshape(a.shape[1], -1)


def part_picture(part: str, yours, torch_value: np.ndarray) -> Picture | None:
    """A per-channel vector (running statistics, dgamma, dbeta) as bars per channel; out or dx as
    the error map |yours − torch|, one row per channel (the entries of a channel across)."""
    if not isinstance(yours, np.ndarray) or yours.shape != torch_value.shape:
        return None
    if torch_value.ndim == 1:
        return bars(yours, torch_value, labels=range(torch_value.size), xlabel="channel", ylabel=part,
                    title=f"{part} per channel: yours and torch's")
    over = "N" if torch_value.ndim == 2 else "N, H, W"
    return error_map(by_channel(yours), by_channel(torch_value), title=f"{part}: |yours − torch's|",
                     ylabel="channel", xlabel=f"entry of the channel (over {over})")


def parts_picture(parts, names, n: int):
    """The picture of the first of ``parts`` that differs visibly (``part_picture``)."""

    def picture(got, expected, case):
        values = _items(got.value, n, "", "")
        for part in parts:
            shown = part_picture(part, values[names.index(part)], expected[part])
            if shown is not None:
                return shown
        return None

    return picture


def run_forward(check, call, case):
    """One forward call, the cache kept in the student process (it is never sent back)."""
    return call.keeping([3], FORWARD, *case.args, **case.kwargs)


def forward_compare(parts, tol=None, unmodified: bool = False):
    def compare(got, expected, case):
        if unmodified and got.mutated:
            raise modified_in_place(got.mutated, "its inputs", "return new arrays and leave x, gamma, beta, "
                                    "running_mean and running_var as they were", HINTS["unmodified"])
        values = _items(got.value, 4, FORWARD, "(out, running_mean, running_var, cache)")
        note = "" if _kw(case.kwargs)["training"] else " (evaluation)"
        compare_parts(values, expected, parts, FORWARD_PARTS, tol, note)

    return compare


def forward_check(name: str, *, points: float, hidden: bool = False, inputs: Batch, what: str, hint: str,
                  parts=FORWARD_PARTS, kwargs=None, tol=None, unmodified: bool = False) -> Check:
    """``inputs() -> (x, gamma, beta, running_mean, running_var)``; the ``parts`` of the result
    against F.batch_norm (out, and the running statistics torch updated in place)."""
    kwargs = dict(kwargs or {})
    return Check(
        name=name, function=function_of(name), points=points, hidden=hidden,
        title=f"{FORWARD} gives torch's {', '.join(parts)} on {what}", hint=HINTS[hint],
        make_case=lambda: BNCase(inputs(), kwargs, ARG_NAMES),
        reference=lambda case: torch_batchnorm(case.args, case.kwargs),
        run=run_forward, compare=forward_compare(parts, tol, unmodified),
        picture=parts_picture(parts, FORWARD_PARTS, 4),
    )


# --- one value per channel: a ValueError in training ----------------------------------------

def _run_calls(check, call, case):
    """Each call of ``case.data["calls"]``: what it returned, or the StudentError it raised."""
    got = []
    for c in case.data["calls"]:
        try:
            got.append(call.keeping([3], FORWARD, *c.args, **c.kwargs))
        except StudentError as err:
            if err.kind != "exception":  # not implemented, timed out, crashed: report as such
                raise
            got.append(err)
    return got


def _traceback(err: StudentError) -> str:
    lines = err.traceback.rstrip().splitlines()
    return ("\n  traceback (your code):\n" + "\n".join("    " + ln for ln in lines)) if lines else ""


def _compare_calls(got, expected, case):
    for g, e, c in zip(got, expected, case.data["calls"]):
        try:
            if isinstance(e, str):  # torch raised ValueError
                if isinstance(g, StudentError):
                    if not g.message.startswith("ValueError"):
                        raise Mismatch(f"raised {g.message.split(':')[0]}; torch raises ValueError\n"
                                       f"  yours: {g.message[:300]}\n  torch: {e}" + _traceback(g))
                else:
                    raise Mismatch(f"returned instead of raising ValueError\n"
                                   f"  yours: returned {show_value(g.value)[:300]}\n  torch: {e}")
            else:
                if isinstance(g, StudentError):
                    raise Mismatch(f"raised {g.message.split(':')[0]}; torch returns a result here\n"
                                   f"  yours: {g.message[:300]}" + _traceback(g))
                forward_compare(FORWARD_PARTS)(g, e, c)
        except Mismatch as m:
            head, _, rest = str(m).partition("\n")
            err = Mismatch(f"{head} ({c.data['label']})" + (f"\n{rest}" if rest else ""))
            err.called = c.show(FORWARD)
            raise err from None


def one_value_check(name: str, *, points: float, hidden: bool = False, calls, what: str) -> Check:
    """``calls``: list of (label, inputs, kwargs); torch decides whether each raises ValueError."""

    def make_case():
        return Case(data={"calls": [BNCase(inputs(), dict(kwargs), ARG_NAMES, {"label": label})
                                    for label, inputs, kwargs in calls]})

    return Check(
        name=name, function=function_of(name), points=points, hidden=hidden,
        title=f"{FORWARD} raises ValueError exactly when torch does: {what}", hint=HINTS["value_error"],
        make_case=make_case, run=_run_calls, compare=_compare_calls,
        reference=lambda case: [torch_batchnorm(c.args, c.kwargs) for c in case.data["calls"]],
    )


# --- backward --------------------------------------------------------------------------------

def run_backward(check, call, case):
    """Forward keeps its cache in the student process; backward gets the handle."""
    try:
        fwd = call.keeping([3], FORWARD, *case.args, **case.kwargs)
    except StudentError as err:
        what = "is not implemented yet" if err.kind == "not_implemented" else f"raised {err.message[:300]}"
        raise Mismatch(f"could not be checked: {FORWARD}, called first to make the cache, {what}") from None
    value = fwd.value
    if not (isinstance(value, tuple) and len(value) == 4 and isinstance(value[3], Handle)):
        raise Mismatch(f"could not be checked: {FORWARD} must return a tuple (out, running_mean, running_var, "
                       f"cache) whose cache is passed to {BACKWARD}\n  yours: {show_value(value)[:300]}")
    return call(BACKWARD, case.data["dout"], value[3])


def backward_compare(parts, tol=None):
    def compare(got, expected, case):
        if got.mutated:
            raise modified_in_place(got.mutated, "dout", "compute into new arrays")
        values = _items(got.value, 3, BACKWARD, "(dx, dgamma, dbeta)")
        compare_parts(values, expected, parts, BACKWARD_PARTS, tol)

    return compare


def backward_check(name: str, *, points: float, hidden: bool = False, inputs: Batch, dout_seed: int, what: str,
                   hint: str, parts=BACKWARD_PARTS, kwargs=None, tol=None) -> Check:
    """Forward on ``inputs()``, then backward with a random ``dout``; against torch.autograd."""
    kwargs = dict(kwargs or {})

    def make_case():
        args = inputs()
        return BNCase(args, kwargs, ARG_NAMES, {"dout": random_dout(dout_seed, args[0].shape, args[0].dtype)})

    mode = "training" if _kw(kwargs)["training"] else "evaluation"
    return Check(
        name=name, function=function_of(name), points=points, hidden=hidden,
        title=f"{BACKWARD} gives autograd's {', '.join(parts)} of F.batch_norm ({mode}) on {what}",
        hint=HINTS[hint], make_case=make_case,
        reference=lambda case: torch_batchnorm(case.args, case.kwargs, case.data["dout"]),
        run=run_backward, compare=backward_compare(parts, tol), picture=parts_picture(parts, BACKWARD_PARTS, 3),
    )


# --- the public checks -----------------------------------------------------------------------

EVAL = {"training": False}
RUNNING = ("running_mean", "running_var")

CHECKS = [
    forward_check("batchnorm_forward: training output, (N, D)", points=7, inputs=Batch(1, (8, 5)), parts=("out",),
                  what="an (8, 5) batch in training", hint="train"),
    forward_check("batchnorm_forward: running statistics, (N, D)", points=7, inputs=Batch(2, (8, 5)), parts=RUNNING,
                  what="an (8, 5) batch in training (momentum 0.1)", hint="running"),
    forward_check("batchnorm_forward: training output, (N, C, H, W)", points=7, inputs=Batch(3, (4, 3, 5, 6)),
                  parts=("out",), what="a (4, 3, 5, 6) batch in training (statistics per channel over N, H, W)",
                  hint="train"),
    forward_check("batchnorm_forward: running statistics, (N, C, H, W)", points=5, inputs=Batch(4, (2, 3, 4, 5)),
                  parts=RUNNING, what="a (2, 3, 4, 5) batch in training (M = 40 values per channel)", hint="running"),
    forward_check("batchnorm_forward: evaluation, (N, D)", points=5, inputs=Batch(5, (6, 4)), kwargs=EVAL,
                  what="a (6, 4) batch in evaluation", hint="eval"),
    forward_check("batchnorm_forward: evaluation, (N, C, H, W)", points=4, inputs=Batch(6, (3, 2, 4, 5)), kwargs=EVAL,
                  what="a (3, 2, 4, 5) batch in evaluation", hint="eval"),
    forward_check("batchnorm_forward: inputs unmodified", points=4, inputs=Batch(7, (4, 3, 2, 5)), unmodified=True,
                  what="a (4, 3, 2, 5) batch in training, leaving every input unmodified", hint="train"),
    one_value_check("batchnorm_forward: one value per channel", points=4, calls=[
        ("training on a (1, 4) batch", Batch(8, (1, 4)), {}),
        ("evaluation on the same (1, 4) batch", Batch(8, (1, 4)), EVAL),
    ], what="a (1, 4) batch in training (raises), and in evaluation (does not)"),
    forward_check("batchnorm_forward: float32", points=4, inputs=Batch(903, (4, 3, 2, 3), dtype=np.float32),
                  hint="float32", what="float32 inputs, (4, 3, 2, 3), training (results stay float32)"),
    backward_check("batchnorm_backward: dx, training, (N, D)", points=7, inputs=Batch(11, (8, 5)), dout_seed=12,
                   parts=("dx",), what="an (8, 5) batch", hint="dx"),
    backward_check("batchnorm_backward: dgamma and dbeta, training, (N, D)", points=5, inputs=Batch(13, (8, 5)),
                   dout_seed=14, parts=("dgamma", "dbeta"), what="an (8, 5) batch", hint="dparams"),
    backward_check("batchnorm_backward: training, (N, C, H, W)", points=6, inputs=Batch(15, (4, 3, 5, 6)), dout_seed=16,
                   what="a (4, 3, 5, 6) batch", hint="back4d"),
    backward_check("batchnorm_backward: evaluation, (N, D)", points=4, inputs=Batch(17, (6, 4)), dout_seed=18,
                   kwargs=EVAL, what="a (6, 4) batch", hint="back_eval"),
    backward_check("batchnorm_backward: float32", points=3, inputs=Batch(915, (6, 3, 2, 2), dtype=np.float32),
                   dout_seed=916, hint="back_float32", tol=BN32, what="float32 inputs, (6, 3, 2, 2)"),
]
