"""A student's local checks (pytest, the notebook) and the grader agree: same rule, same message,
same points, one report per cause, and hints that match the cause of a failure."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from autograder import grade
from gradkit import course as assignments
from gradkit import protocol
from gradkit.compare import INPLACE_HINT
from gradkit.core import Call, attribute_causes, calls_in_source, evaluate
from gradkit.notebook import check as notebook_check
from gradkit.pytest_plugin import LocalSession
from autograder.sandbox.judge import Limits
from tests import checkout
from tests.kit import ROOT, all_checks, grade_mutant, mutant_text, mutants, source_file

batchnorm = assignments.by_folder("04_batchnorm").load(assignments.PUBLIC)  # its hints

ACT = assignments.by_folder("01_activations")
BN = assignments.by_folder("04_batchnorm")
# under gradkit.bounds.MAX_TOKENS (a larger text is refused before it is parsed): these reach the parser
EXHAUSTING = [b"_x = " + b"-" * 40_000, b"_x = " + b"(" * 300 + b")" * 300, b"x = 1\n" + b"[" * 40_000]


# --- 1. the NumPy-only rule ------------------------------------------------------------------

@pytest.mark.parametrize("source", EXHAUSTING, ids=["40k minus signs", "deep parentheses", "deep brackets"])
def test_forbidden_imports_survives_a_source_that_exhausts_the_parser(source):
    assert protocol.forbidden_imports(source) == []
    assert calls_in_source(source) == {}


def test_one_rule_for_intake_pytest_and_notebooks():
    assert grade.forbidden_imports is protocol.forbidden_imports  # the grader refuses with the same rule
    assert protocol.forbidden_imports(b"import numpy as np\nfrom torch import nn\n__import__('jax')\n") == [
        "torch (line 2)", "jax (line 3)"]


def _local_outcomes(a, path: Path) -> list:
    session = LocalSession(a.module, path)
    return [evaluate(c, Call(session, a.module)) for c in a.public_checks()]


def _graded_by_the_grader(tmp_path: Path, text: str) -> list:
    """The public outcomes the batch grader gives ``text`` as one student's activations.py."""
    folder = tmp_path / "class" / "s" / ACT.folder
    folder.mkdir(parents=True)
    (folder / f"{ACT.module}.py").write_text(text)
    (result,) = grade.grade_class(tmp_path / "class", grade.Plan.build([ACT.folder]), 1, Limits())
    public = {c.name for c in ACT.public_checks()}
    return [o for o in result.outcomes[ACT.folder] if o.name in public]


def test_local_session_refuses_a_framework_import_with_the_graders_message(tmp_path):
    path = tmp_path / "activations.py"
    path.write_text("import torch.nn as nn\n" + source_file(ACT).read_text())
    local = _local_outcomes(ACT, path)
    graded = _graded_by_the_grader(tmp_path, path.read_text())
    expected = protocol.forbidden_message("activations.py", ["torch.nn (line 1)"])
    assert [o.message for o in local] == [o.message for o in graded] == [expected] * len(local)
    assert sum(o.points for o in local) == 0


def test_notebook_check_refuses_a_framework_in_its_namespace_or_cells(capsys):
    ns = {"__name__": "__main__"}
    exec(compile(source_file(ACT).read_text(), "<cell>", "exec"), ns)
    assert notebook_check("01_activations", "relu", ns) > 0
    ns["nn"] = types.ModuleType("torch.nn")
    assert notebook_check("01_activations", "relu", ns) == 0
    assert protocol.forbidden_message("the notebook", ["torch.nn (the name `nn`)"]) in capsys.readouterr().out
    del ns["nn"]
    ns["In"] = ["", "import numpy as np", "x = 1\nimport tensorflow as tf"]
    assert notebook_check("01_activations", "relu", ns) == 0
    out = capsys.readouterr().out
    assert "tensorflow (line 2) in cell [2]" in out and out.count("must use NumPy only") == 1


# --- 2. float32 is checked publicly ------------------------------------------------------------

FLOAT64 = [(a, name) for a in assignments.available() for name in mutants(a) if name.endswith("_float64")]


@pytest.mark.parametrize("a,name", FLOAT64, ids=[f"{a.folder}:{n}" for a, n in FLOAT64])
def test_a_float64_mistake_fails_a_public_check(a, name, tmp_path):
    path = tmp_path / f"{a.module}.py"
    path.write_text(mutant_text(a, name))
    function = mutants(a)[name][0]
    failed = [o.name for o in _local_outcomes(a, path) if not o.passed and o.function == function]
    assert any("float32" in n for n in failed), f"{name}: public failures {failed}"


# --- 3 and 4. pytest: one report per broken module, partial runs say so -------------------------

def _student_folder(tmp_path: Path, source: str) -> Path:
    """An assignments/ layout with 01_activations/activations.py holding ``source``."""
    for name in ("conftest.py", "pytest.ini"):
        shutil.copy(checkout.release() / name, tmp_path / name)
    folder = tmp_path / "01_activations"
    folder.mkdir()
    shutil.copy(checkout.release() / "01_activations" / "test_activations.py", folder)
    (folder / "activations.py").write_text(source)
    return folder


def _pytest(folder: Path, *args) -> str:
    proc = subprocess.run([sys.executable, "-m", "pytest", str(folder), "-rs", *args], cwd=folder.parent,
                          capture_output=True, text=True, timeout=300)
    return proc.stdout + proc.stderr


LOOPING_RELU = "def relu(z):\n    while True:\n        pass\n"


def test_an_endless_loop_fails_its_checks_locally_instead_of_hanging(tmp_path):
    """pytest interrupts a call after GRADKIT_CALL_TIMEOUT seconds, as the grader and the notebook do,
    and (the same engine loop) fails the function's later checks at once instead of waiting again."""
    source = source_file(ACT).read_text().replace("def relu(z):\n", LOOPING_RELU + "\n\ndef _old_relu(z):\n", 1)
    folder = _student_folder(tmp_path, source)
    # relu's checks alone (not prelu's, rrelu's): the looping function is the only one under the short deadline
    proc = subprocess.run([sys.executable, "-m", "pytest", str(folder), "-k", "relu and not leaky and "
                           "not derivative and not prelu and not rrelu"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "GRADKIT_CALL_TIMEOUT": "1"})
    assert proc.returncode == 1 and "no result after 1 s (an endless loop?)" in proc.stdout, proc.stdout[-2000:]
    failures = proc.stdout.split("short test summary info")[0]  # the summary repeats each message in full on CI
    assert failures.count("no result after 1 s") == 1, proc.stdout[-2000:]  # relu: values
    assert "skipped: relu() did not return in time in an earlier check" in proc.stdout, proc.stdout[-2000:]


def test_ctrl_c_ends_a_local_run_even_inside_an_endless_loop(tmp_path):
    """A student's Ctrl-C stops pytest; it is not recorded as the looping function's failure. The
    Ctrl-C comes once relu() is looping (it says so by creating a file), however long pytest took
    to get there."""
    started = tmp_path / "relu_started"
    looping = LOOPING_RELU.replace("\n", f"\n    open({str(started)!r}, 'w').close()\n", 1)
    source = source_file(ACT).read_text().replace("def relu(z):\n", looping + "\n\ndef _old_relu(z):\n", 1)
    folder = _student_folder(tmp_path, source)
    proc = subprocess.Popen([sys.executable, "-m", "pytest", str(folder), "-k", "relu and not leaky and not derivative",
                             "-p", "no:cacheprovider"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "GRADKIT_CALL_TIMEOUT": "600"})
    deadline = time.monotonic() + 600  # set here, generously: collecting on a busy machine is slow
    while not started.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "pytest ended or never reached relu()"
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "KeyboardInterrupt" in out and "relu() raised" not in out, out[-2000:]


def test_a_syntax_error_is_reported_once_with_its_line(tmp_path):
    source = source_file(ACT).read_text().replace("def relu(z):", "def relu(z)", 1)
    line = source.splitlines().index("def relu(z)") + 1
    out = _pytest(_student_folder(tmp_path, source))
    n = len(ACT.public_checks())
    assert re.search(rf"\b1 failed, {n - 1} skipped\b", out), out[-2000:]
    assert out.count("SyntaxError") == 1 and f"line {line}" in out
    assert f"01_activations: 0/{sum(c.points for c in ACT.public_checks()):g}" in out


def test_a_filtered_run_says_it_is_partial(tmp_path):
    out = _pytest(_student_folder(tmp_path, source_file(ACT).read_text()), "-k", "sigmoid and not derivative")
    public = ACT.public_checks()
    run = [c for c in public if "sigmoid" in c.name and "derivative" not in c.name]
    assert f"a partial run: {len(run)} of {len(public)} public checks run" in out, out[-1500:]


# --- 5. hints match the cause ----------------------------------------------------------------

def _failed(outcomes, name):
    return next(o for o in outcomes if o.name == name and not o.passed)


def test_a_failure_caused_by_a_called_function_says_so(tmp_path):
    path = tmp_path / "activations.py"
    path.write_text(mutant_text(ACT, "softmax_unshifted"))
    local = _local_outcomes(ACT, path)
    blamed = attribute_causes(local, path.read_bytes())
    hint = _failed(blamed, "cross_entropy_grad: large logits").message.rsplit("\n  hint: ", 1)[1]
    assert hint.startswith("your cross_entropy_grad calls softmax, which fails its own checks (softmax: large |z|")
    assert hint.endswith("fix softmax first")
    # softmax's own failures keep their hint; a source that does not parse adds nothing
    assert _failed(blamed, "softmax: large |z|").message == _failed(local, "softmax: large |z|").message
    assert attribute_causes(local, b"def broken(:") == local


def test_the_grader_and_pytest_attribute_causes_alike(tmp_path):
    """The grader (sandboxed runner) and the local session attribute causes with one function."""
    graded = _graded_by_the_grader(tmp_path, mutant_text(ACT, "softmax_unshifted"))
    assert "calls softmax" in _failed(graded, "cross_entropy_grad: large logits").message


BN_UNMODIFIED = "batchnorm_forward: inputs unmodified"


@pytest.mark.parametrize("mutant,hint", [("forward_normalises_with_unbiased_var", batchnorm.HINTS["train"]),
                                         ("forward_running_stats_in_place", batchnorm.HINTS["unmodified"])])
def test_batchnorm_unmodified_check_hints_at_what_happened(mutant, hint):
    assert mutant in mutants(BN)
    outcome = _failed(grade_mutant(BN, mutant), BN_UNMODIFIED)
    assert outcome.message.endswith(f"\n  hint: {hint}")


def test_fresh_input_checks_hint_in_place_only_when_an_input_changed():
    outcomes = grade_mutant(ACT, "relu_in_place")
    in_place = [o for o in outcomes if not o.passed and "in place" in o.message]
    assert in_place and all(o.message.endswith(INPLACE_HINT) for o in in_place)
    wrong = [o for o in grade_mutant(ACT, "sigmoid_tanh_without_half") if not o.passed]
    assert wrong and not any(o.message.endswith(INPLACE_HINT) for o in wrong)


def test_all_checks_still_total_100():
    assert all(sum(c.points for c in all_checks(a)) == 100 for a in assignments.available())
