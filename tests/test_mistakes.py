"""Named mistakes: a failing answer that behaves like a mutant is told the mutant's mistake, and only then.

- every mutant says its mistake, in one line;
- on the mutant table, a mistake named for a mutant's failing check is its own, or that of a mutant whose
  answer on that check's case is identical (the same data up to rounding, the same warnings and in-place
  writes);
- the solution, run again, and correct implementations other than the solution are never named a mistake;
- a student whose file is a mutant reads the mistake in the grader's results.json and feedback.md.
"""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from gradkit import course as assignments
from gradkit.core import Call
from gradkit.mistakes import SOLUTION, InProcess, effects, for_assignment, plain
from tests.kit import MISTAKE, ROOT, all_checks, grade_file, grade_mutant, mutants

AVAILABLE = assignments.available()


def named_lines(outcome) -> list[str]:
    """The mistakes an outcome's message names ("your <function> ...")."""
    return [ln[len(MISTAKE):] for ln in outcome.message.splitlines() if ln.startswith(MISTAKE)]


ROUNDING = 1e-9  # relative: two formulas of the same numbers differ by a few roundings, far less than this


def identical(a, b) -> bool:
    """Two answers to a check are the same data up to rounding (``ROUNDING``, whatever the check's
    tolerance; NaN equal to NaN), with the same side effects."""
    if effects(a) != effects(b):
        return False
    a, b = plain(a), plain(b)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(identical(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict) or isinstance(b, dict):
        return type(a) is type(b) and a.keys() == b.keys() and all(identical(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a) and not isinstance(a, type):  # a check's record of a step (its Case)
        return type(a) is type(b) and identical(vars(a), vars(b))
    if isinstance(a, (np.ndarray, np.generic, float, int)) and not isinstance(a, bool):
        if type(a) is not type(b):
            return False
        a, b = np.asarray(a), np.asarray(b)
        return (a.dtype == b.dtype and a.shape == b.shape
                and (bool(np.allclose(a, b, rtol=ROUNDING, atol=0, equal_nan=True)) if a.dtype.kind in "fc"
                     else bool(np.array_equal(a, b))))
    return type(a) is type(b) and (a == b or (a != a and b != b))


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_every_mutant_says_its_mistake_in_one_line(a):
    silent = [name for name, (_, _, mistake) in mutants(a).items()
              if not mistake.strip() or "\n" in mistake or mistake != mistake.strip()]
    assert not silent, f"mutants of {a.folder} without a one-line mistake: {silent}"


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_a_named_mistake_is_the_mutants_own_or_an_identical_ones(a):
    library, checks = for_assignment(a), {c.name: c for c in all_checks(a)}
    whose: dict[str, set[str]] = {}  # a named line -> the mutants whose mistake it is
    for name, (function, _, mistake) in mutants(a).items():
        whose.setdefault(f"your {function} {mistake}", set()).add(name)
    wrong = []
    for name in mutants(a):
        for outcome in grade_mutant(a, name):
            lines = named_lines(outcome)
            if not lines:
                continue
            check = checks[outcome.name]
            mine = library.run(name, check)
            for line in lines:
                others = whose[line]
                if name not in others and not any(identical(mine, library.run(n, check)) for n in others):
                    wrong.append(f"{name} on '{outcome.name}' is told: {line}")
    assert not wrong, "mistakes named for another mutant's answer:\n" + "\n".join(wrong)


# Correct implementations other than the solution's (each must pass every check of its function).
ALTERNATIVES = {
    "01_activations": {
        "sigmoid": "def sigmoid(z):\n    z = _as_float(z)\n    return np.exp(-np.logaddexp(0, -z)).astype(z.dtype)",
        "relu": "def relu(z):\n    z = _as_float(z)\n    return np.where(z > 0, z, np.zeros_like(z))",
        "softmax": "def softmax(z, axis=-1):\n    return np.exp(log_softmax(z, axis=axis))",
        "cross_entropy_grad": ("def cross_entropy_grad(logits, labels):\n    p = softmax(logits, axis=1)\n"
                               "    onehot = np.zeros_like(p)\n    onehot[np.arange(len(labels)), labels] = 1\n"
                               "    return (p - onehot) / p.shape[0]"),
    },
    "02_initialization": {
        "glorot_uniform": ("def glorot_uniform(shape, gain=1.0, rng=None):\n"
                           "    rng = np.random.default_rng() if rng is None else rng\n"
                           "    fan_in, fan_out = compute_fans(shape)\n"
                           "    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))\n"
                           "    return (2 * rng.random(size=tuple(shape)) - 1) * bound"),
        "lecun_normal": ("def lecun_normal(shape, rng=None):\n"
                         "    rng = np.random.default_rng() if rng is None else rng\n"
                         "    fan_in, _ = compute_fans(shape)\n"
                         "    return rng.standard_normal(size=tuple(shape)) / math.sqrt(fan_in)"),
    },
    "03_signal_propagation": {
        "layer_norms": ("def layer_norms(arrays):\n"
                        "    return np.array([np.sqrt(np.sum(np.square(a))) for a in arrays], dtype=np.float64)"),
        "collapse_linear": ("def collapse_linear(weights):\n"
                            "    import functools\n"
                            "    return functools.reduce(lambda acc, W: W @ acc, weights[1:], weights[0].copy())"),
    },
}
ALTERNATIVE_CASES = [(a, f) for a in AVAILABLE for f in ALTERNATIVES.get(a.folder, {})]


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_the_solution_run_again_is_never_named_a_mistake(a):
    library = for_assignment(a)
    named = {}
    for check in all_checks(a):
        again = library.run(SOLUTION, check)
        lines = library.named(check, again, check.prepared[0])
        if lines:
            named[check.name] = lines
    assert not named, f"the solution is told it is wrong: {named}"


@pytest.mark.parametrize("a,function", ALTERNATIVE_CASES, ids=[f"{a.folder}:{f}" for a, f in ALTERNATIVE_CASES])
def test_a_correct_alternative_is_never_named_a_mistake(a, function, tmp_path):
    path = tmp_path / f"{a.module}.py"
    path.write_text(assignments.replace_function(a.solution(), function, ALTERNATIVES[a.folder][function]))
    outcomes = grade_file(a, path)
    assert all(o.passed for o in outcomes), [o.message for o in outcomes if not o.passed]
    # and were it to fail one, none of its answers would be named a mistake
    library, session = for_assignment(a), InProcess(a.module, path.read_text(), "alternative")
    named = {c.name: library.named(c, c.run(c, Call(session, a.module), c.prepared[0]), c.prepared[0])
             for c in all_checks(a) if c.function == function}
    assert not any(named.values()), named


def test_the_mistake_reaches_the_students_results_and_feedback(tmp_path):
    a = assignments.by_folder("01_activations")
    student = tmp_path / "class" / "mallory" / a.folder
    student.mkdir(parents=True)
    (student / f"{a.module}.py").write_text(a.mutant("sigmoid_derivative_of_input"))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "class"), "--out", str(out),
                           "--only", a.folder, "--jobs", "1"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    mistake = "your sigmoid_derivative " + mutants(a)["sigmoid_derivative_of_input"][2]
    results = json.loads((out / "students" / "mallory" / "results.json").read_text())
    told = [t["name"] for t in results["tests"] if mistake in t["output"]]
    assert any("sigmoid_derivative: values" in name for name in told), told
    assert mistake in (out / "students" / "mallory" / "feedback.md").read_text()
