"""Checks for 05_optimizers, against torch.optim.SGD (momentum, nesterov=True, weight_decay) and
torch.optim.Adam.

Update rules are checked on whole trajectories. The check runs the student's loop itself: at
every step it computes the gradient (torch.autograd, in the judge) at the parameters the student
returned on the previous step, sends one plain-data call ``momentum_update(param, grad, velocity,
lr, momentum=...)`` and feeds the returned velocity back in (None on the first step, as torch's
momentum buffer). torch.optim.SGD runs the same problem; parameters and velocities are compared
step by step, and the first step that differs is reported with the inputs it was called with.

Weight decay is checked the same way, with ``weight_decay=λ`` passed to both: torch's SGD adds
λ·param to the gradient before the momentum buffer, so a decay added after the buffer (or applied
AdamW-style as a separate param − η·λ·param) leaves the buffer without it, and a sign error or an
ignored argument moves the parameters by η·λ·param per step. Only these checks pass
``weight_decay``: a submission written before the argument existed passes every other check, and
these fail with a message that names the missing argument.

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
- ``TRAJ`` (rtol 1e-9, atol 1e-9), float64 trajectories of 30+ steps. A correct NumPy loop and
  torch differ only in rounding (operation order, fused multiply-add): measured ≤ 1e-15 on the
  parameters and ≤ 4e-13 on velocities of size up to ~1e3. Rounding errors do not grow: on the
  quadratic (condition number 100, η λ_max ≤ 1, β = 0.9) every mode of the momentum iteration is
  a damped rotation with spectral radius √β ≈ 0.95, so a perturbation decays; on Rosenbrock a
  1e-12 perturbation of the start was measured to grow at most ~7x over 60 steps. The wrong
  conventions the checks target change the parameters or velocities by ≥ 1e-4 (usually O(η g)).
  Weight decay adds λ to every eigenvalue of the quadratic (λ = 0.1, η (λ_max + λ) = 0.9 < 2(1 + β)
  / (1 + 2β), Nesterov's bound), so errors still decay; measured on the weight-decay checks, the
  solution is within 4e-15 of torch at every step, while each weight-decay mistake is off by
  ≥ 0.14 in the velocity (the decay λ·param missing from or doubled in the buffer) at step 1.
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

from gradkit.compare import close, compare_array, compare_each, modified_in_place, run_each, show_value
from gradkit.core import Case, Check, Mismatch, Returned, StudentError, function_of
from gradkit.pictures import Panel, Picture, Series, same
from gradkit.protocol import Recipe
from gradkit.references import lazy

torch = lazy("torch")  # imported when a reference is computed (a stored answer needs no torch)

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
    "weight_decay": (
        "torch.optim.SGD(weight_decay=wd) adds the decay to the gradient FIRST: g = grad + weight_decay * param, "
        "then the buffer (b = g on the first step, else momentum * velocity + g) and the step use this g, as "
        "without decay. The decay is in the returned velocity too: not added after the buffer, not a separate "
        "param - lr * weight_decay * param (that is AdamW's decoupled decay), and with a + sign."),
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

    def loss(self, x, xp=None):
        """J at ``x``: a torch tensor (``xp`` torch, the default: what the judge differentiates), or
        a NumPy array with ``xp=np`` (the same formula, for a failure's picture: no torch to start)."""
        xp = xp or torch
        c = {k: (torch.tensor(v, dtype=x.dtype) if xp is torch and isinstance(v, np.ndarray) else v)
             for k, v in self.params.items()}
        if self.kind == "quadratic":  # J = 1/2 x.A x - b.x, grad A x - b
            return 0.5 * x @ c["A"] @ x - c["b"] @ x
        if self.kind == "rosenbrock":  # J = sum_i (a - x_i)^2 + b (x_{i+1} - x_i^2)^2
            return ((c["a"] - x[:-1]) ** 2 + c["b"] * (x[1:] - x[:-1] ** 2) ** 2).sum()
        if self.kind == "logcosh":  # J = sum s * log cosh(x - c) + q/4 * sum x^4
            return (c["s"] * xp.log(xp.cosh(x - c["c"]))).sum() + 0.25 * c["q"] * (x ** 4).sum()
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

def torch_sgd(problem: Problem, lrs, momentum: float, nesterov: bool, weight_decay: float = 0.0) -> dict:
    """Parameters and momentum buffers after each step of torch.optim.SGD (lr set per step), and the
    loss gradient at each step's start (without the decay, which SGD adds itself)."""
    p = torch.tensor(problem.x0.copy(), requires_grad=True)
    opt = torch.optim.SGD([p], lr=float(lrs[0]), momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
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


def no_argument(err: StudentError, function: str, kwargs: dict) -> Mismatch | None:
    """A Mismatch that says which keyword argument the student's function lacks, if that is why it raised
    (a submission written before ``weight_decay`` existed); None otherwise."""
    for key in kwargs:
        if err.kind == "exception" and f"unexpected keyword argument '{key}'" in err.message:
            return Mismatch(f"has no {key} argument (it raised {err.message[:200]})\n"
                            f"  add `{key}=0.0` to the signature of {function} and use it; "
                            f"the checks without {key} do not pass it")
    return None


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
        missing = no_argument(err, check.function, case.kwargs)
        if missing is not None:
            raise missing from None
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


def _firsts(steps, shape) -> np.ndarray:
    """The first item (param_new or theta_new) of each step the student returned, up to the first
    that is not an array of ``shape`` (float64, one row per step)."""
    rows = []
    for _, ret in steps:
        v = ret.value
        if not (isinstance(v, (tuple, list)) and len(v) == 2 and isinstance(v[0], np.ndarray)
                and v[0].shape == shape and v[0].dtype.kind == "f"):
            break
        rows.append(v[0].astype(np.float64))
    return np.array(rows).reshape(len(rows), *shape)


def trajectory_picture(got: Returned, expected: dict, case: Case) -> Picture | None:
    """Two panels: the loss J at each step's parameter (the judge evaluates J, the objective torch
    differentiates, in NumPy at the student's parameters and at torch's: a picture starts no
    torch), and the path of the first two coordinates. None for fewer than 3 steps (one step is
    better read in numbers)."""
    problem, function = case.data["problem"], case.data["function"]
    torch_path = np.asarray(expected["first"], dtype=np.float64)
    yours = _firsts(got.value["steps"], problem.x0.shape)
    if len(torch_path) < 3 or len(yours) < 2 or same(yours, torch_path[:len(yours)]):
        return None
    with np.errstate(all="ignore"):  # a diverging path has an infinite loss: drawn as "not finite"
        loss = [float(problem.loss(np.asarray(x, dtype=np.float64), np)) for x in yours]
        torch_loss = [float(problem.loss(x, np)) for x in torch_path]
    what = "θ" if case.data["lookahead"] else "param"
    steps = np.arange(1, len(torch_path) + 1)
    left = Panel([Series("torch", torch_loss, steps), Series("yours", loss, steps[:len(loss)], "dashed")],
                 title=f"loss J({what}) after each step", xlabel="step", ylabel="J",
                 yscale="symlog" if max(map(abs, torch_loss + loss)) > 1e3 else "linear")
    start = np.asarray(problem.x0, dtype=np.float64)[None, :2]
    tp, yp = np.concatenate([start, torch_path[:, :2]]), np.concatenate([start, yours[:, :2]])
    right = Panel([Series("torch", tp[:, 1], tp[:, 0]), Series("yours", yp[:, 1], yp[:, 0], "dashed")],
                  title=f"{what}[0], {what}[1] from the start", xlabel=f"{what}[0]", ylabel=f"{what}[1]")
    if problem.x0.size < 2:
        return Picture([left], f"{function}: yours and torch's")
    return Picture([left, right], f"{function}: yours and torch's")


def update_check(name: str, *, points: float, hidden: bool = False, problem: Problem, lrs, momentum: float,
                 weight_decay: float | None = None, what: str = "", tol=None) -> Check:
    """``momentum_update`` or ``nesterov_update`` (the function the name says) stepped len(lrs) times
    from velocity None against torch.optim.SGD(momentum=..., nesterov=..., weight_decay=...).

    ``weight_decay`` None sends no ``weight_decay`` argument (the default, 0, in torch)."""
    function = function_of(name)
    lrs = [float(lr) for lr in lrs]
    nesterov = function == "nesterov_update"
    tol = tol or (FIRST if len(lrs) == 1 else TRAJ)
    kwargs = {"momentum": momentum} if weight_decay is None else {"momentum": momentum, "weight_decay": weight_decay}
    decay = kwargs.get("weight_decay", 0.0)

    def make_case():
        x0 = problem.x0.copy()
        grads = torch_sgd(problem, lrs, momentum, nesterov, decay)["grads"]
        return Case((x0, grads[0], None, lrs[0]), dict(kwargs), UPDATE_NAMES,
                    {"function": function, "problem": problem, "lrs": lrs, "lookahead": False, "grads": grads})

    steps = "one step from velocity=None" if len(lrs) == 1 else f"{len(lrs)} steps"
    torch_name = (f"SGD(momentum={momentum:g}{', nesterov=True' if nesterov else ''}"
                  f"{f', weight_decay={decay:g}' if decay else ''})")
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=f"{function}: {steps} on {problem.label}{what} match torch.optim.{torch_name}",
        hint=(HINTS["weight_decay"] + " " if decay else "") + HINTS[function], make_case=make_case,
        reference=lambda case: torch_sgd(problem, lrs, momentum, nesterov, decay),
        run=run_trajectory, compare=compare_trajectory(tol), picture=trajectory_picture,
    )


def lookahead_check(name: str, *, points: float, hidden: bool = False, problem: Problem, lr: float,
                    momentum: float, steps: int) -> Check:
    """``nesterov_lookahead_step`` from m = 0 against SGD(nesterov=True) via θ = p + βηb, m = −ηb."""
    function = function_of(name)

    def make_case():
        return Case((problem.x0.copy(), np.zeros_like(problem.x0), problem.recipe(), float(lr)),
                    {"momentum": momentum}, LOOKAHEAD_NAMES,
                    {"function": function, "problem": problem, "lrs": [float(lr)] * steps, "lookahead": True})

    what = "one step from m = 0" if steps == 1 else f"{steps} steps from m = 0"
    return Check(
        name=name, function=function, points=points, hidden=hidden,
        title=(f"{function}: {what} on {problem.label} (momentum={momentum:g}) follow torch's "
               f"SGD(nesterov=True) through θ = p + β·lr·b, m = −lr·b"),
        hint=HINTS[function], make_case=make_case,
        reference=lambda case: torch_lookahead(problem, lr, momentum, steps),
        run=run_trajectory, compare=compare_trajectory(FIRST if steps == 1 else TRAJ), picture=trajectory_picture,
    )


# --- ewma ----------------------------------------------------------------------------------------

def ewma_values(seed: int, shape, dtype=np.float64) -> np.ndarray:
    """Noisy values around 1 (a trend plus noise), so averages stay away from 0."""
    rng = np.random.default_rng(seed)
    t = np.arange(shape[0]).reshape((-1,) + (1,) * (len(shape) - 1))
    return (1.0 + 0.02 * t + rng.normal(0.0, 1.0, shape)).astype(dtype)


def _ewma_reference(case: Case):
    return torch_ewma(case.args[0], **case.kwargs)


def ewma_picture(got: Returned, expected: np.ndarray, case: Case) -> Picture | None:
    """The student's average against torch's over time (the series most off, for (T, D) values),
    with the values averaged as grey dots."""
    y, x = got.value, case.args[0]
    if not (isinstance(y, np.ndarray) and y.shape == expected.shape and y.dtype.kind == "f" and y.size):
        return None
    y, e, x = (np.asarray(a, dtype=np.float64).reshape(len(a), -1) for a in (y, expected, x))
    with np.errstate(all="ignore"):
        j = int(np.nanargmax(np.where(np.isfinite(y), np.abs(y - e), np.inf).max(axis=0)))
    if same(y[:, j], e[:, j]):
        return None
    t = np.arange(1, len(y) + 1)
    column = f" (series {j})" if e.shape[1] > 1 else ""
    return Picture([Panel([Series("values", x[:, j], t, "points", colour="#999999"), Series("torch", e[:, j], t),
                           Series("yours", y[:, j], t, "dashed")],
                          title=f"ewma{column}: yours and torch's", xlabel="t", ylabel="v_t")])


def ewma_check(name: str, *, points: float, hidden: bool = False, seed: int, shape, dtype=np.float64,
               beta: float, bias_correction: bool, what: str = "") -> Check:
    """``ewma`` of ``ewma_values(seed, shape, dtype)`` against Adam's exp_avg (see ``torch_ewma``)."""
    kwargs = {"beta": beta, "bias_correction": bias_correction}
    return Check(
        name=name, function=function_of(name), points=points, hidden=hidden,
        title=f"ewma of {what} ({kwargs}) matches torch.optim.Adam's exp_avg"
              + (" / (1 − β^t)" if bias_correction else ""),
        hint=HINTS["ewma"],
        make_case=lambda: Case((ewma_values(seed, shape, dtype),), kwargs, ("values",), {"function": "ewma"}),
        reference=_ewma_reference, compare=close(unmodified=True, input_arg=None), picture=ewma_picture,
    )


def ewma_edge_check(name: str, *, points: float, hidden: bool = False) -> Check:
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
        name=name, function=function_of(name), points=points, hidden=hidden,
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
# weight decay: a quadratic whose minimum (b far from 0) the decay visibly pulls toward 0.
QUAD_WD = quadratic(57, 8, 30.0)
IN_FLOAT32 = " in float32 (results stay float32)"

CHECKS = [
    update_check("momentum_update: first step", points=3, problem=QUAD, lrs=[0.01], momentum=0.9),
    update_check("momentum_update: ill-conditioned quadratic", points=6, problem=QUAD, lrs=[0.01] * 60, momentum=0.9),
    update_check("momentum_update: Rosenbrock", points=5, problem=ROSEN, lrs=[2e-4] * 60, momentum=0.9),
    update_check("momentum_update: float32", points=3, problem=QUAD32, lrs=[0.05] * 20, momentum=0.9,
                 what=IN_FLOAT32, tol=TRAJ32),
    update_check("momentum_update: weight decay", points=4, problem=QUAD_WD, lrs=[0.03] * 40, momentum=0.9,
                 weight_decay=0.1),
    update_check("nesterov_update: first step", points=3, problem=QUAD, lrs=[0.01], momentum=0.9),
    update_check("nesterov_update: ill-conditioned quadratic", points=5, problem=QUAD, lrs=[0.01] * 60, momentum=0.9),
    update_check("nesterov_update: Rosenbrock", points=4, problem=ROSEN, lrs=[2e-4] * 60, momentum=0.9),
    update_check("nesterov_update: float32", points=3, problem=QUAD32, lrs=[0.05] * 20, momentum=0.9,
                 what=IN_FLOAT32, tol=TRAJ32),
    update_check("nesterov_update: weight decay", points=4, problem=QUAD_WD, lrs=[0.03] * 40, momentum=0.9,
                 weight_decay=0.1),
    lookahead_check("nesterov_lookahead_step: first step", points=3, problem=QUAD, lr=0.01, momentum=0.9, steps=1),
    lookahead_check("nesterov_lookahead_step: ill-conditioned quadratic", points=6, problem=QUAD, lr=0.01,
                    momentum=0.9, steps=60),
    lookahead_check("nesterov_lookahead_step: Rosenbrock", points=5, problem=ROSEN, lr=2e-4, momentum=0.9, steps=60),
    ewma_check("ewma: 1-D", points=4, seed=53, shape=(100,), beta=0.9, bias_correction=False,
               what="100 noisy values"),
    ewma_check("ewma: bias correction", points=4, seed=54, shape=(50,), beta=0.95, bias_correction=True,
               what="50 noisy values"),
    ewma_check("ewma: (T, D) series", points=4, seed=55, shape=(40, 3), beta=0.8, bias_correction=False,
               what="3 series of 40 values side by side, shape (40, 3)"),
    ewma_check("ewma: float32", points=3, seed=65, shape=(30, 2), dtype=np.float32, beta=0.9, bias_correction=True,
               what="float32 values of shape (30, 2) (the result stays float32)"),
]

__all__ = ["CHECKS", "TRAJ", "TRAJ32", "FIRST"]
