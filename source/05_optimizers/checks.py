"""Checks for 05_optimizers, against torch.optim.SGD (momentum, nesterov=True) and torch.optim.Adam.

Update rules are checked on whole trajectories. The check runs the student's loop itself: at
every step it computes the gradient (torch.autograd, in the judge) at the parameters the student
returned on the previous step, sends one plain-data call ``momentum_update(param, grad, velocity,
lr, momentum=...)`` and feeds the returned velocity back in (None on the first step, as torch's
momentum buffer). torch.optim.SGD runs the same problem; parameters and velocities are compared
step by step, and the first step that differs is reported with the inputs it was called with.

``nesterov_lookahead_step`` is the textbook form (gradient at θ + βm). It is checked against
torch's SGD(nesterov=True) through the change of variables between the two forms: torch's
parameter is the look-ahead point p_t = θ_t + β m_t and its buffer is b_t = −m_t / η, so the
expected values are θ_t = p_t + β η b_t and m_t = −η b_t (constant η). The gradient function is
sent as a ``Recipe`` (a quadratic's matrix, or Rosenbrock's constants) and built in the student's
process; the judge's torch objective is the same function, differentiated by autograd.

``ewma`` is checked against the first-moment average torch.optim.Adam keeps (``exp_avg``, zero at
the start, ``exp_avg.lerp_(grad, 1 − β1)`` = β v + (1 − β) x), fed the values as gradients;
bias correction divides by Adam's ``bias_correction1 = 1 − β1^t``.

Tolerances
- ``TRAJ`` (rtol 1e-9, atol 1e-9), float64 trajectories of 50+ steps. A correct NumPy loop and
  torch differ only in rounding (operation order, fused multiply-add): measured ≤ 1e-15 on the
  parameters and ≤ 4e-13 on velocities of size up to ~1e3. Rounding errors do not grow: on the
  quadratic (condition number 100, η λ_max ≤ 1, β = 0.9) every mode of the momentum iteration is
  a damped rotation with spectral radius √β ≈ 0.95, so a perturbation decays; on Rosenbrock a
  1e-12 perturbation of the start was measured to grow at most ~7x over 60 steps. The wrong
  conventions the checks target change the parameters or velocities by ≥ 1e-4 (usually O(η g)).
- ``FIRST`` (rtol 1e-12, atol 1e-14): one step from velocity None is p − η g and b = g; only
  the last bit of p − η g can differ (torch may fuse the multiply-add).
- ``TRAJ32`` (rtol 1e-4, atol 1e-4) for float32 trajectories of 20 steps on a quadratic with
  condition number 10 (values up to ~10) against torch run in float32. The velocity is a sum
  of gradients that partly cancel, so its error is relative to the size of the terms, not of
  the result: measured over 200 seeds, |NumPy float32 − torch float32| ≤ 4.8e-6 (and ≤ 1.8e-6
  beyond rtol 1e-4), a 50x margin under atol 1e-4. This check is about float32 staying
  float32; wrong conventions are caught (by ≥ 1e-2) in float64.
- ``compare.F64`` / ``F32`` for ``ewma``: a correct loop agrees with Adam's lerp to ~1e-15; the
  average contracts errors by β each step, so they stay within a few ulp / (1 − β).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gradkit.compare import close, compare_array, compare_each, modified_in_place, run_each, show_value
from gradkit.core import Case, Check, Mismatch, Returned, StudentError
from gradkit.protocol import Recipe

MODULE = "optimizers"  # the student's file: optimizers.py

INPLACE = ("Return new arrays: param - lr * v, momentum * velocity + grad, never param -= ..., velocity *= ... "
           "or param[...] = ...; the caller's param, grad and velocity must be unchanged after the call.")

TRAJ = dict(rtol=1e-9, atol=1e-9)
FIRST = dict(rtol=1e-12, atol=1e-14)
TRAJ32 = dict(rtol=1e-4, atol=1e-4)

HINTS = {
    "momentum_update": (
        "torch's convention: on the first step (velocity None) the buffer is a copy of grad; after "
        "that b = momentum * velocity + grad; then param_new = param - lr * b; return (param_new, b). "
        "The velocity is torch's momentum buffer b, not the Keras v = momentum * v - lr * grad, and "
        "there is no (1 - momentum) factor. Use the momentum argument; return new arrays (no -=)."),
    "nesterov_update": (
        "Same buffer as momentum_update (b = grad on the first step, else momentum * velocity + grad), "
        "then param_new = param - lr * (grad + momentum * b) with the NEW b; return (param_new, b). "
        "First step: param - lr * (1 + momentum) * grad. Return new arrays (no -=)."),
    "nesterov_lookahead_step": (
        "m_new = momentum * m - lr * grad_fn(theta + momentum * m); theta_new = theta + m_new. The "
        "gradient is taken at the look-ahead point theta + momentum * m (not at theta), once per step; "
        "theta moves by the NEW m. Return (theta_new, m_new) as new arrays (no +=)."),
    "ewma": (
        "v_0 = 0 and v_t = beta * v_{t-1} + (1 - beta) * x_t along the first axis (time), returning "
        "every v_t in an array of values' shape; with bias_correction, entry t is v_t / (1 - beta**t) "
        "with t counted from 1 (so entry 0 equals x_1). Keep v itself uncorrected in the recursion. "
        "float32 stays float32; integers give float64."),
}


# --- test problems: a torch objective in the judge, its gradient, and (if any) its Recipe ---------

@dataclass(eq=False)
class Problem:
    """A loss J whose gradient the judge computes with torch.autograd at the student's parameters."""

    label: str  # shown in titles and messages
    kind: str  # "quadratic", "rosenbrock" or "logcosh"
    params: dict  # the objective's constants (NumPy arrays or floats)
    x0: np.ndarray  # the starting point; its dtype is the problem's dtype

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        c = {k: (torch.tensor(v, dtype=x.dtype) if isinstance(v, np.ndarray) else v) for k, v in self.params.items()}
        if self.kind == "quadratic":  # J = 1/2 x.A x - b.x, grad A x - b
            return 0.5 * x @ c["A"] @ x - c["b"] @ x
        if self.kind == "rosenbrock":  # J = sum_i (a - x_i)^2 + b (x_{i+1} - x_i^2)^2
            return ((c["a"] - x[:-1]) ** 2 + c["b"] * (x[1:] - x[:-1] ** 2) ** 2).sum()
        if self.kind == "logcosh":  # J = sum s * log cosh(x - c) + q/4 * sum x^4
            return (c["s"] * torch.log(torch.cosh(x - c["c"]))).sum() + 0.25 * c["q"] * (x ** 4).sum()
        raise ValueError(self.kind)

    def grad(self, x) -> np.ndarray:
        t = torch.tensor(np.asarray(x, dtype=self.x0.dtype), requires_grad=True)
        self.loss(t).backward()
        return t.grad.numpy().copy()

    def recipe(self) -> Recipe:
        """The same gradient function, built in the student's process from plain data."""
        if self.kind == "quadratic":
            return Recipe("quadratic", A=self.params["A"], b=self.params["b"])
        if self.kind == "rosenbrock":
            return Recipe("rosenbrock", a=float(self.params["a"]), b=float(self.params["b"]))
        raise ValueError(f"no recipe for {self.kind}")


def quadratic(seed: int, n: int, cond: float, dtype=np.float64) -> Problem:
    """J(x) = 1/2 xᵀAx − bᵀx with A = Q diag(1 .. cond) Qᵀ (eigenvalues geometric), random b, x0."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    a = (q * np.geomspace(1.0, cond, n)) @ q.T
    a = (a + a.T) / 2
    b, x0 = rng.normal(size=n), rng.normal(size=n)
    return Problem(f"a quadratic 1/2 x·Ax − b·x in {n} dimensions, condition number {cond:g}", "quadratic",
                   {"A": a.astype(dtype), "b": b.astype(dtype)}, x0.astype(dtype))


def rosenbrock(x0, a: float = 1.0, b: float = 100.0) -> Problem:
    x0 = np.asarray(x0, dtype=np.float64)
    return Problem(f"the chained Rosenbrock function (a={a:g}, b={b:g}) in {x0.size} dimensions", "rosenbrock",
                   {"a": a, "b": b}, x0)


def logcosh(seed: int, shape) -> Problem:
    """Σ s·log cosh(x − c) + 0.05/4·Σ x⁴ on a parameter array of ``shape``; s from 1 to 30 (not quadratic)."""
    rng = np.random.default_rng(seed)
    s = np.geomspace(1.0, 30.0, int(np.prod(shape))).reshape(shape)
    return Problem(f"Σ s·log cosh(x − c) + 0.0125·Σ x⁴ on a {shape} parameter", "logcosh",
                   {"s": s, "c": rng.normal(0, 2, shape), "q": 0.05}, rng.normal(0, 2, shape))


# --- torch references -------------------------------------------------------------------------

def torch_sgd(problem: Problem, lrs, momentum: float, nesterov: bool) -> dict:
    """Parameters and momentum buffers after each step of torch.optim.SGD (lr set per step)."""
    p = torch.tensor(problem.x0.copy(), requires_grad=True)
    opt = torch.optim.SGD([p], lr=float(lrs[0]), momentum=momentum, nesterov=nesterov)
    params, bufs, grads = [], [], []
    for lr in lrs:
        opt.param_groups[0]["lr"] = float(lr)
        opt.zero_grad()
        problem.loss(p).backward()
        grads.append(p.grad.detach().numpy().copy())
        opt.step()
        params.append(p.detach().numpy().copy())
        bufs.append(opt.state[p]["momentum_buffer"].detach().numpy().copy())
    return {"first": np.array(params), "second": np.array(bufs), "grads": grads}


def torch_lookahead(problem: Problem, lr: float, momentum: float, steps: int) -> dict:
    """θ_t = p_t + β η b_t and m_t = −η b_t from torch's SGD(nesterov=True) (the change of variables)."""
    ref = torch_sgd(problem, [lr] * steps, momentum, nesterov=True)
    p, b = torch.tensor(ref["first"]), torch.tensor(ref["second"])
    return {"first": (p + momentum * lr * b).numpy(), "second": (-lr * b).numpy()}


def torch_ewma(values, beta: float, bias_correction: bool) -> np.ndarray:
    """Adam's first-moment average (exp_avg) of the values fed in as gradients, float64, cast back."""
    x = np.asarray(values)
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    xt = torch.tensor(x.astype(np.float64))
    p = torch.zeros(xt.shape[1:], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.0, betas=(beta, 0.999), foreach=False)
    out = torch.zeros_like(xt)
    for t in range(xt.shape[0]):
        p.grad = xt[t].clone()
        opt.step()
        v = opt.state[p]["exp_avg"]
        out[t] = v / (1 - beta ** (t + 1)) if bias_correction else v
    return out.numpy().astype(dtype)


# --- running the student's loop ----------------------------------------------------------------

UPDATE_NAMES = ("param", "grad", "velocity", "lr")
LOOKAHEAD_NAMES = ("theta", "m", "grad_fn", "lr")
RESULT_NAMES = {"nesterov_lookahead_step": ("theta_new", "m_new")}
LABELS = {  # how each returned item is named in messages, with what torch's value is
    "momentum_update": ("param_new", "velocity_new (torch's momentum buffer)"),
    "nesterov_update": ("param_new", "velocity_new (torch's momentum buffer)"),
    "nesterov_lookahead_step": ("theta_new (torch: param + momentum·lr·buffer)", "m_new (torch: −lr·buffer)"),
}


def run_trajectory(check: Check, call, case: Case) -> Returned:
    """The student's loop, all steps in one request (``Call.chain``): each step gets the param and
    velocity (theta and m) the student's previous step returned.

    The gradient of step k is torch's gradient at torch's own k-th parameter, sent with the
    request. Up to the first step where the student's trajectory leaves torch's, the two
    parameters agree to rounding, so the step that ``compare_trajectory`` reports is the same
    as if each gradient had been taken at the student's parameter; after it nothing is graded.
    The look-ahead form builds its gradient function from a Recipe in the student's process.
    """
    d = case.data
    problem, lrs, lookahead = d["problem"], d["lrs"], d["lookahead"]
    first, second = case.args[0], case.args[1]  # param/theta, and (grad | m)
    if lookahead:
        steps = [(first if k == 0 else None, second if k == 0 else None, problem.recipe(), float(lr))
                 for k, lr in enumerate(lrs)]
        feed, names = [(0, 0), (1, 1)], LOOKAHEAD_NAMES
    else:
        steps = [(first if k == 0 else None, d["grads"][k], None, float(lr)) for k, lr in enumerate(lrs)]
        feed, names = [(0, 0), (2, 1)], UPDATE_NAMES

    def shown(k, done):
        """The arguments step k was called with, as a Case for messages."""
        args = list(steps[k])
        if k:
            prev = done[k - 1].value
            for a, r in feed:
                args[a] = prev[r]
        return Case(tuple(args), dict(case.kwargs), names)

    try:
        done = call.chain(check.function, steps, case.kwargs, feed, fed_shape=problem.x0.shape)
    except StudentError as err:
        k = getattr(err, "step", 0)
        if k:  # explain_error shows err.called: the call of this step, not of the first one
            err.message += (f" (at step {k + 1} of {len(lrs)}; each step's input is what your "
                            "previous step returned)")
            err.called = shown(k, err.completed).show(check.function)
        raise
    return Returned({"steps": [(shown(k, done), got) for k, got in enumerate(done)]},
                    output="".join(r.output for r in done)[-20000:])


def compare_trajectory(tol: dict):
    """``compare`` for ``run_trajectory``: every step's pair against torch's, first difference reported."""

    def all_close(steps, expected, n) -> bool:
        """Every step right, tested on the stacked trajectory at once (the loop below explains a failure)."""
        if len(steps) != n:
            return False
        firsts, seconds = [], []
        for _, ret in steps:
            v = ret.value
            if ret.mutated or not (isinstance(v, (tuple, list)) and len(v) == 2
                                   and all(isinstance(x, np.ndarray) for x in v)):
                return False
            firsts.append(v[0])
            seconds.append(v[1])
        for got, want in ((firsts, expected["first"]), (seconds, expected["second"])):
            want = np.asarray(want)
            if any(g.shape != want.shape[1:] or g.dtype != want.dtype for g in got):
                return False
            with np.errstate(all="ignore"):
                g = np.stack(got).astype(np.float64)
                if not (np.abs(g - want) <= tol["atol"] + tol["rtol"] * np.abs(want)).all():
                    return False
        return True

    def compare(got: Returned, expected: dict, case: Case) -> None:
        function, steps = case.data["function"], got.value["steps"]
        n = len(expected["first"])
        if all_close(steps, expected, n):
            return
        names = RESULT_NAMES.get(function, ("param_new", "velocity_new"))
        for k, (step, ret) in enumerate(steps):
            try:
                if ret.mutated:
                    raise modified_in_place(ret.mutated, advice="compute new arrays instead of -=, += or *=",
                                            hint=INPLACE)
                v = ret.value
                if not (isinstance(v, (tuple, list)) and len(v) == 2):
                    raise Mismatch(f"returned {show_value(v)}; expected a tuple ({names[0]}, {names[1]})")
                compare_array(v[0], expected["first"][k], label=LABELS[function][0], **tol)
                compare_array(v[1], expected["second"][k], label=LABELS[function][1], **tol)
            except Mismatch as m:
                head, _, rest = str(m).partition("\n")
                where = (f"at step {k + 1} of {n}: " if n > 1 else "")
                done = "step 1 matches" if k == 1 else f"steps 1..{k} match"
                note = f"\n  ({done} torch; each step's input is what your previous step returned)" if k else ""
                err = Mismatch(where + head + note + (f"\n{rest}" if rest else ""))
                err.called = step.show(function)
                raise err from None
        if len(steps) < n:  # cannot happen: the loop only stops on an answer compare rejects
            raise Mismatch(f"the loop stopped after {len(steps)} of {n} steps")

    return compare


def update_check(function: str, points: float, name: str, problem: Problem, lrs, momentum: float, *,
                 hidden: bool = False, what: str = "", tol=None) -> Check:
    """``momentum_update`` or ``nesterov_update`` stepped len(lrs) times against torch.optim.SGD."""
    lrs = [float(lr) for lr in lrs]
    nesterov = function == "nesterov_update"
    tol = tol or (FIRST if len(lrs) == 1 else TRAJ)

    def make_case():
        x0 = problem.x0.copy()
        grads = torch_sgd(problem, lrs, momentum, nesterov)["grads"]
        return Case((x0, grads[0], None, lrs[0]), {"momentum": momentum}, UPDATE_NAMES,
                    {"function": function, "problem": problem, "lrs": lrs, "lookahead": False, "grads": grads})

    steps = "one step from velocity=None" if len(lrs) == 1 else f"{len(lrs)} steps"
    torch_name = f"SGD(momentum={momentum:g}{', nesterov=True' if nesterov else ''})"
    return Check(
        name=f"{function}: {name}", function=function, points=points, hidden=hidden,
        title=f"{function}: {steps} on {problem.label}{what} match torch.optim.{torch_name}",
        hint=HINTS[function], make_case=make_case,
        reference=lambda case: torch_sgd(problem, lrs, momentum, nesterov),
        run=run_trajectory, compare=compare_trajectory(tol),
    )


def lookahead_check(points: float, name: str, problem: Problem, lr: float, momentum: float, steps: int, *,
                    hidden: bool = False) -> Check:
    """``nesterov_lookahead_step`` from m = 0 against SGD(nesterov=True) via θ = p + βηb, m = −ηb."""
    function = "nesterov_lookahead_step"

    def make_case():
        return Case((problem.x0.copy(), np.zeros_like(problem.x0), problem.recipe(), float(lr)),
                    {"momentum": momentum}, LOOKAHEAD_NAMES,
                    {"function": function, "problem": problem, "lrs": [float(lr)] * steps, "lookahead": True})

    what = "one step from m = 0" if steps == 1 else f"{steps} steps from m = 0"
    return Check(
        name=f"{function}: {name}", function=function, points=points, hidden=hidden,
        title=(f"{function}: {what} on {problem.label} (momentum={momentum:g}) follow torch's "
               f"SGD(nesterov=True) through θ = p + β·lr·b, m = −lr·b"),
        hint=HINTS[function], make_case=make_case,
        reference=lambda case: torch_lookahead(problem, lr, momentum, steps),
        run=run_trajectory, compare=compare_trajectory(FIRST if steps == 1 else TRAJ),
    )


# --- ewma ----------------------------------------------------------------------------------------

def ewma_values(seed: int, shape, dtype=np.float64) -> np.ndarray:
    """Noisy values around 1 (a trend plus noise), so averages stay away from 0."""
    rng = np.random.default_rng(seed)
    t = np.arange(shape[0]).reshape((-1,) + (1,) * (len(shape) - 1))
    return (1.0 + 0.02 * t + rng.normal(0.0, 1.0, shape)).astype(dtype)


def _ewma_reference(case: Case):
    return torch_ewma(case.args[0], **case.kwargs)


def ewma_check(points: float, name: str, values_fn, beta: float, bias_correction: bool, *,
               hidden: bool = False, what: str = "") -> Check:
    kwargs = {"beta": beta, "bias_correction": bias_correction}
    return Check(
        name=f"ewma: {name}", function="ewma", points=points, hidden=hidden,
        title=f"ewma of {what} ({kwargs}) matches torch.optim.Adam's exp_avg"
              + (" / (1 − β^t)" if bias_correction else ""),
        hint=HINTS["ewma"],
        make_case=lambda: Case((values_fn(),), kwargs, ("values",), {"function": "ewma"}),
        reference=_ewma_reference, compare=close(unmodified=True, input_arg=None),
    )


def ewma_edge_check(points: float, *, hidden: bool = True) -> Check:
    """Integer input (float64 out), a single value with bias correction (= the value), an empty series."""

    def make_case():
        calls = [
            Case((np.array([3, 1, 4, 1, 5, 9, 2, 6]),), {"beta": 0.9, "bias_correction": False}, ("values",),
                 {"label": "an integer input (the result is float64)", "function": "ewma"}),
            Case((np.array([[2.5, -1.0]]),), {"beta": 0.9, "bias_correction": True}, ("values",),
                 {"label": "a single time step with bias correction (v̂_1 = x_1)", "function": "ewma"}),
            Case((np.zeros((0, 3)),), {"beta": 0.9, "bias_correction": True}, ("values",),
                 {"label": "an empty series, shape (0, 3)", "function": "ewma"}),
        ]
        return Case(data={"calls": calls, "function": "ewma"})

    return Check(
        name="ewma: integer, one step, empty", function="ewma", points=points, hidden=hidden,
        title="ewma gives float64 for integers, x_1 after one corrected step, and handles T = 0",
        hint=HINTS["ewma"] + " Allocate the output as float (np.zeros_like of an int array is int) and "
                             "do not index values[0] when T may be 0.",
        make_case=make_case, reference=lambda case: [_ewma_reference(c) for c in case.data["calls"]],
        run=run_each, compare=compare_each(close(unmodified=True, input_arg=None)),
    )


# --- the public checks ---------------------------------------------------------------------------

QUAD = quadratic(51, 10, 100.0)  # condition number 100; lr 0.01 puts lr·λ_max = 1
ROSEN = rosenbrock([-1.2, 1.0, -0.5, 0.8, 0.3, 1.1])
# float32: 20 steps on a well-conditioned quadratic (condition number 10), torch run in float32.
QUAD32 = quadratic(63, 8, 10.0, dtype=np.float32)


def _updates_public():
    checks = []
    for function, pts in [("momentum_update", (4, 7, 6)), ("nesterov_update", (4, 6, 5))]:
        checks.append(update_check(function, pts[0], "first step", QUAD, [0.01], 0.9))
        checks.append(update_check(function, pts[1], "ill-conditioned quadratic", QUAD, [0.01] * 60, 0.9))
        checks.append(update_check(function, pts[2], "Rosenbrock", ROSEN, [2e-4] * 60, 0.9))
        checks.append(update_check(function, 3, "float32", QUAD32, [0.05] * 20, 0.9,
                                   what=" in float32 (results stay float32)", tol=TRAJ32))
    return checks


def _lookahead_public():
    return [
        lookahead_check(4, "first step", QUAD, 0.01, 0.9, 1),
        lookahead_check(7, "ill-conditioned quadratic", QUAD, 0.01, 0.9, 60),
        lookahead_check(6, "Rosenbrock", ROSEN, 2e-4, 0.9, 60),
    ]


def _ewma_public():
    return [
        ewma_check(5, "1-D", lambda: ewma_values(53, (100,)), 0.9, False, what="100 noisy values"),
        ewma_check(5, "bias correction", lambda: ewma_values(54, (50,)), 0.95, True, what="50 noisy values"),
        ewma_check(4, "(T, D) series", lambda: ewma_values(55, (40, 3)), 0.8, False,
                   what="3 series of 40 values side by side, shape (40, 3)"),
        ewma_check(3, "float32", lambda: ewma_values(65, (30, 2), dtype=np.float32), 0.9, True,
                   what="float32 values of shape (30, 2) (the result stays float32)"),
    ]


CHECKS = _updates_public() + _lookahead_public() + _ewma_public()

__all__ = ["CHECKS", "TRAJ", "TRAJ32", "FIRST"]
