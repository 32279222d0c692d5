"""Pictures of a failure (gradkit/pictures.py): a failing check of each assignment with pictures gets
a small PNG, drawn from the data the check already has; nothing else changes.

- a mutant's failing check gets a decodable PNG of a sane size (one per assignment);
- a passing check and a failure that is not a mismatch (an exception, a timeout) get none;
- drawing makes no call into the student's code (the calls are counted on the session);
- a picture hook that raises, or returns something that is not a picture, leaves the outcome as it
  would be without a hook (message, points, kind);
- ``engine.Run`` draws one picture per function and at most ``PER_RUN`` per run;
- the picture survives the grader's state file, and results.json (Gradescope's) does not carry it.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from autograder import grade, report
from gradkit import course
from gradkit.core import Call, Case, Check, Mismatch, Returned, StudentError, evaluate
from gradkit.engine import Run
from gradkit.pictures import DPI, HEIGHT, PER_RUN, WIDTH, Panel, Picture, Series, png_of
from gradkit.pytest_plugin import LocalSession
from tests.kit import ROOT, mutant_text, source_file

# (assignment, mutant, a check it fails whose picture shows the mistake)
FAILURES = [
    ("01_activations", "sigmoid_derivative_overflows", "sigmoid_derivative: large |z|"),
    ("01_activations", "relu_derivative_one_at_zero", "relu_derivative: at z = 0"),
    ("02_initialization", "he_uniform_normal", "he_uniform: default"),
    ("03_signal_propagation", "backward_averages_over_batch", "linear_backward: grad_weights"),
    ("04_batchnorm", "forward_running_var_biased", "batchnorm_forward: running statistics, (N, D)"),
    ("04_batchnorm", "forward_4d_stats_over_n_only", "batchnorm_forward: training output, (N, C, H, W)"),
    ("05_optimizers", "momentum_decay_sign", "momentum_update: weight decay"),
    ("05_optimizers", "ewma_correction_t_minus_1", "ewma: bias correction"),
    ("06_gradient_clipping", "clip_by_value_upper_only", "clip_by_value: values"),
    ("06_gradient_clipping", "clip_by_global_norm_per_tensor", "clip_by_global_norm: L2 clipping"),
    ("07_deep_network", "init_params_lecun_uses_fan_out", "init_params: shapes and statistics"),
]


class Counting:
    """A session that counts the requests it passes on (every call into the student's code)."""

    def __init__(self, session):
        self.session, self.calls = session, 0

    def call(self, request):
        self.calls += 1
        return self.session.call(request)


def check_named(a, name: str) -> Check:
    return next(c for c in a.public_checks() + a.hidden_checks() if c.name == name)


def session_for(a, text: str, tmp: Path) -> Counting:
    path = tmp / f"{a.module}.py"
    path.write_text(text)
    return Counting(LocalSession(a.module, path))


@pytest.fixture(scope="module")
def tmp():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


@pytest.mark.parametrize("folder, mutant, name", FAILURES, ids=[f"{f[:2]}-{m}" for f, m, _ in FAILURES])
def test_a_failing_check_gets_a_small_png(folder, mutant, name, tmp):
    a = course.named(folder)
    check = check_named(a, name)
    outcome = evaluate(check, Call(session_for(a, mutant_text(a, mutant), tmp), a.module))
    assert not outcome.passed and outcome.kind == "mismatch"
    png = png_of(outcome.figure)
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), outcome.figure[:60]
    assert 1_000 < len(png) < 30_000, len(png)
    image = Image.open(io.BytesIO(png))
    image.load()
    width, height = image.size
    assert height == int(HEIGHT * DPI) and width in {int(k * WIDTH * DPI) for k in (1, 2, 3)}, image.size
    assert len(np.unique(np.asarray(image.convert("L")))) > 10  # something is drawn, not a blank page


@pytest.mark.parametrize("folder, mutant, name", FAILURES[::3], ids=[f"{f[:2]}-{m}" for f, m, _ in FAILURES[::3]])
def test_drawing_calls_the_student_code_no_more_often(folder, mutant, name, tmp):
    a = course.named(folder)
    check = check_named(a, name)
    counts, figures = [], []
    for pictures in (True, False):
        session = session_for(a, mutant_text(a, mutant), tmp)
        outcome = evaluate(check, Call(session, a.module), pictures=pictures)
        counts.append(session.calls)
        figures.append(outcome.figure)
    assert figures[0] and not figures[1]
    assert counts[0] == counts[1] > 0


@pytest.mark.parametrize("folder, name", [(f, n) for f, _, n in FAILURES], ids=[n for _, _, n in FAILURES])
def test_a_passing_check_gets_no_picture(folder, name, tmp):
    a = course.named(folder)
    outcome = evaluate(check_named(a, name), Call(session_for(a, source_file(a).read_text(), tmp), a.module))
    assert outcome.passed and outcome.figure == ""


class Raising:
    """A session whose every call fails as the student's code would: raised, or timed out."""

    def __init__(self, kind: str):
        self.kind = kind

    def call(self, request):
        raise StudentError(self.kind, "ValueError: no" if self.kind == "exception" else "30 s")


def always_pictured(name: str) -> Check:
    """A check that any answer fails, with a picture hook that always draws."""

    def compare(got, expected, case):
        raise Mismatch("yours is not torch's")

    return Check(name=name, function=name.split(":")[0], points=1, title="t", hint="h",
                 make_case=lambda: Case((np.zeros(3),), {}, ("z",)), reference=lambda case: np.ones(3),
                 compare=compare, picture=lambda got, expected, case: Picture([Panel([Series("torch", expected)])]))


class Returning:
    def call(self, request):
        return Returned(np.zeros(3))


@pytest.mark.parametrize("kind", ["exception", "timeout"])
def test_a_failure_that_is_not_a_mismatch_gets_no_picture(kind):
    check = always_pictured("f: values")
    assert evaluate(check, Call(Returning(), "m")).figure  # the same check, failing by a mismatch: a picture
    outcome = evaluate(check, Call(Raising(kind), "m"))
    assert outcome.kind == kind and outcome.figure == ""


def broken(got, expected, case):
    raise ZeroDivisionError("a bug in the picture")


@pytest.mark.parametrize("hook", [broken, lambda got, expected, case: "not a picture",
                                  lambda got, expected, case: Picture([])], ids=["raises", "not a picture", "empty"])
def test_a_broken_picture_leaves_the_outcome_as_it_was(hook, tmp):
    a = course.named("01_activations")
    check = check_named(a, "sigmoid_derivative: large |z|")
    text = mutant_text(a, "sigmoid_derivative_overflows")
    plain = evaluate(replace(check, picture=None), Call(session_for(a, text, tmp), a.module))
    drawn = evaluate(check, Call(session_for(a, text, tmp), a.module))
    failed = evaluate(replace(check, picture=hook), Call(session_for(a, text, tmp), a.module))
    assert drawn.figure and not plain.figure
    assert failed == plain
    assert (drawn.message, drawn.points, drawn.kind) == (plain.message, plain.points, plain.kind)


def test_a_run_draws_one_picture_per_function_and_at_most_per_run():
    checks = [always_pictured(f"f{i}: {aspect}") for i in range(PER_RUN + 2) for aspect in ("values", "shape")]
    outcomes = Run().run(checks, Call(Returning(), "m"), {})
    drawn = [o.name for o in outcomes if o.figure]
    assert drawn == [f"f{i}: values" for i in range(PER_RUN)]
    assert all(not o.passed for o in outcomes)


def test_the_picture_survives_the_state_file_and_stays_out_of_results_json(tmp):
    a = course.named("01_activations")
    outcome = evaluate(always_pictured("f: values"), Call(Returning(), "m"))
    result = grade.StudentResult("Ada", "ada.zip", "ada", outcomes={a.folder: [outcome]}, status={a.folder: "graded"})
    grade.save_state(tmp, result)
    loaded = grade.load_state(tmp, "ada")
    assert loaded.outcomes[a.folder][0].figure == outcome.figure != ""
    results = json.dumps(report.results_json(loaded, grade.Plan([(a, [])])))
    assert "data:image" not in results and "figure" not in results


def test_a_picture_starts_no_torch(tmp_path):
    """Drawing a failure is the judge's work for every failing student: with torch's answers
    stored, it must not start torch (seconds, and a quarter of a gigabyte per judge process). Each
    failure of FAILURES is drawn in a fresh process that then has no torch."""
    for a in {course.named(folder) for folder, _, _ in FAILURES}:
        for c in a.public_checks() + a.hidden_checks():
            c.prepared  # noqa: B018  (stores torch's answers, as any first run does)
    code = ("import sys\nfrom pathlib import Path\nfrom gradkit import course\nfrom gradkit.core import Call, evaluate\n"
            "from tests.kit import mutant_text\nfrom tests.test_failure_pictures import FAILURES, check_named, session_for\n"
            "drawn = []\n"
            "for folder, mutant, name in FAILURES:\n"
            "    a = course.named(folder)\n"
            f"    session = session_for(a, mutant_text(a, mutant), Path({str(tmp_path)!r}))\n"
            "    drawn.append(bool(evaluate(check_named(a, name), Call(session, a.module)).figure))\n"
            "print(sum(drawn), len(drawn), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(len(FAILURES)), str(len(FAILURES)), "False"], out.stdout + out.stderr


def test_the_optimizers_objective_in_numpy_is_torch_s():
    """05's pictures evaluate J in NumPy; the judge differentiates the same J in torch."""
    import torch

    problems = {id(c.prepared[0].data["problem"]): c.prepared[0].data["problem"]
                for c in course.named("05_optimizers").public_checks() + course.named("05_optimizers").hidden_checks()
                if isinstance(c.prepared[0].data, dict) and "problem" in c.prepared[0].data}
    assert {p.kind for p in problems.values()} >= {"quadratic", "rosenbrock"}
    rng = np.random.default_rng(0)
    for p in problems.values():
        for x in (p.x0, p.x0 + rng.normal(size=p.x0.shape)):
            x = np.asarray(x, dtype=np.float64)
            expected = float(p.loss(torch.tensor(x, dtype=torch.float64)))
            assert p.loss(x, np) == pytest.approx(expected, rel=1e-12), p.label
