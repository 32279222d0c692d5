"""Small things a reader of the feedback sees: "1 point" (not "1 points"), readable pytest ids
(``1.5*I``, not ``1.5\\xb7I``), and a large array that shows the entry the message is about."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder import report
from autograder.grade import Plan, StudentResult
from gradkit import course
from gradkit.compare import compare_array
from gradkit.core import Mismatch, Outcome, points_text, show_value
from gradkit.pytest_plugin import make_test
from tests.kit import mutant_text
from tests.test_local_checks import _pytest, _student_folder

ACT = course.by_folder("01_activations")
ONE_POINT = "sigmoid_derivative: worked example"  # a public check worth 1 point


@pytest.mark.parametrize("args, text", [
    ((1,), "1 point"), ((0,), "0 points"), ((2.5,), "2.5 points"),
    ((0, 1), "0/1 point"), ((1, 1), "1/1 point"), ((45, 70), "45/70 points"), ((0.5, 2), "0.5/2 points"),
])
def test_points_agree_with_their_number(args, text):
    assert points_text(*args) == text


def test_feedback_says_1_point(tmp_path):
    plan = Plan.build([ACT.folder])
    (a, checks), = plan.items
    check = next(c for c in checks if c.name == ONE_POINT)
    assert check.points == 1
    failed = Outcome(check.name, check.function, 0.0, 1.0, False, check.title, "wrong", False, "", "mismatch")
    passed = Outcome(checks[0].name, checks[0].function, checks[0].points, checks[0].points, True, checks[0].title,
                     "", False, "", "")
    result = StudentResult("s", "s", "s", {a.folder: [failed, passed]}, {a.folder: "graded"})
    md, page = report.feedback_md(result, plan), report.feedback_html(result, plan)
    assert f"{ONE_POINT}: 0/1 point\n" in md and "Passed (1 check):" in md
    assert f"{ONE_POINT}: 0/1 point</h3>" in page and "Passed (1 check)" in page
    assert "1 points" not in md + page and "1 checks" not in md + page


def test_pytest_says_1_point(tmp_path):
    folder = _student_folder(tmp_path, mutant_text(ACT, "sigmoid_derivative_of_input"))
    out = _pytest(folder, "-k", "sigmoid_derivative and worked", "-p", "no:cacheprovider")
    assert "[1 point] " in out and "1 points" not in out, out[-2000:]


def test_pytest_ids_are_readable_ascii():
    checks = course.by_folder("03_signal_propagation").public_checks()
    ids = make_test("03_signal_propagation").pytestmark[0].kwargs["ids"]
    assert all(i.isascii() for i in ids)
    assert "linear_forward: 1.5*I and 0.5*I" in ids
    assert len(ids) == len(checks)


def _mismatch(got, expected) -> str:
    with pytest.raises(Mismatch) as exc:
        compare_array(got, expected, rtol=1e-7, atol=1e-9)
    return str(exc.value)


@pytest.mark.parametrize("shape, at", [((4, 3, 5, 6), (2, 1, 3, 4)), ((40,), (20,)), ((8, 9), (4, 4)),
                                       ((2, 3, 8, 8), (1, 2, 0, 7))])
def test_a_large_array_shows_its_worst_entry_and_no_blank_line(shape, at):
    """Batch norm's 4-d output printed with NumPy's summary cut the worst entry out (edge items only)
    and had blank lines between its blocks; the message now shows the window around it."""
    expected = np.random.default_rng(0).normal(size=shape)
    got = expected.copy()
    got[at] += 5
    message = _mismatch(got, expected)
    yours, torch = message.split("\n  worst at")[0].split("\n  torch")
    for printed, value in ((yours, got[at]), (torch, expected[at])):  # the worst entry is among the printed ones
        shown = [float(x) for x in re.findall(r"-?\d+\.\d*(?:e[-+]\d+)?", printed.split(": ", 1)[1])]
        assert min(abs(x - value) for x in shown) < 1e-5, message
    assert "" not in [line.strip() for line in message.splitlines()], message
    assert "..." not in message
    assert f"shape {shape}" in message
    few = expected.reshape(-1)[:12].reshape(3, 4)  # an array of up to 12 entries is shown whole
    small = _mismatch(few + 1, few)
    assert "yours: [[" in small and "torch: [[" in small and "around" not in small, small


def test_an_input_of_four_dimensions_has_no_blank_lines():
    text = show_value(np.zeros((4, 3, 5, 6)))
    assert "" not in [line.strip() for line in text.splitlines()], text
