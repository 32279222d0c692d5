"""The kit explains itself: ``python -m autograder --help`` lists every command, each command's
``--help`` prints its help and does nothing else, and ``make help`` lists every target and variable."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import __main__ as cli
from tests.kit import ROOT

# What the kit offers (issue 13): a command missing from the table is a command nobody finds.
EXPECTED = {"grade", "export", "merge", "similarity", "nbgrade", "doctor", "bench", "release", "examples",
            "gradescope", "classroom", "classroom50", "student-zip", "new-assignment", "screenshots"}
SKIPPED_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache"}


def _python(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def _kit_files() -> dict[str, int]:
    """Every file of the kit (not .git, .venv or caches) and its modification time."""
    found = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            path = Path(folder, name)
            found[str(path.relative_to(ROOT))] = path.lstat().st_mtime_ns
    return found


def test_the_help_lists_every_command_once_and_so_does_a_wrong_command_line():
    proc = _python("-m", "autograder", "--help", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    listed = re.findall(r"^  (\S+)  +\S", proc.stdout.split("commands:", 1)[1], flags=re.M)
    assert sorted(listed) == sorted(c.name for c in cli.COMMANDS)
    assert set(listed) == EXPECTED
    bare = _python("-m", "autograder", cwd=ROOT)  # no command: the same list, exit 2
    assert bare.returncode == 2 and "commands:" in bare.stderr and "new-assignment" in bare.stderr
    proc = _python("-m", "autograder", "grades", cwd=ROOT)
    assert proc.returncode == 2 and "invalid choice: 'grades'" in proc.stderr and "'grade'" in proc.stderr


@pytest.mark.parametrize("command", cli.COMMANDS, ids=lambda c: c.name)
def test_every_command_prints_its_help_and_does_nothing_else(command, tmp_path, monkeypatch, capsys):
    """``python -m autograder COMMAND --help`` (which runs the module's own ``main``, the same as
    ``python -m MODULE --help``) exits 0 with a usage line, and writes no file: not in the current
    folder, not in the kit."""
    monkeypatch.chdir(tmp_path)
    before = _kit_files()
    with pytest.raises(SystemExit) as exit_:
        cli.main([command.name, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("usage: python -m autograder")
    assert list(tmp_path.iterdir()) == []
    assert _kit_files() == before


def test_the_doctor_writes_no_png_named_help(tmp_path):
    """The case the issue saw: ``python -m autograder.tools.doctor --help`` drew ``--help.png``."""
    proc = _python("-m", "autograder.tools.doctor", "--help", cwd=tmp_path)
    assert proc.returncode == 0 and "--measure" in proc.stdout, proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_command_gets_the_arguments_after_its_name(capsys):
    """The arguments reach the module's parser: a missing one is its error (exit 2), not the CLI's."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(["new-assignment"])
    assert exit_.value.code == 2
    assert "python -m autograder.build.scaffold: error: the following arguments are required: NN_name" \
        in capsys.readouterr().err


# --- make help ---------------------------------------------------------------------------------

MAKEFILE = (ROOT / "Makefile").read_text()
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _targets() -> dict[str, list[str]]:
    """Each target of the Makefile written as a rule (not $(STAMP)) -> its recipe lines."""
    rules: dict[str, list[str]] = {}
    current = None
    for line in MAKEFILE.splitlines():
        rule = re.match(r"^([A-Za-z][\w-]*):(?!=)", line)
        if rule:
            current = rules.setdefault(rule.group(1), [])
        elif line.startswith("\t") and current is not None:
            current.append(line)
        elif line.strip() and not line.startswith("#"):
            current = None
    return rules


def test_every_phony_target_has_a_recipe():
    phony = re.search(r"^\.PHONY:(.*)$", MAKEFILE, flags=re.M).group(1).split()
    rules = _targets()
    assert [t for t in phony if not rules.get(t)] == []
    assert sorted(phony) == sorted(rules)


@needs_make
@pytest.mark.parametrize("argv", [[], ["help"]], ids=["make", "make help"])
def test_make_help_lists_every_target_and_variable(argv):
    proc = subprocess.run(["make", "--no-print-directory", "-s", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    listed = set(re.findall(r"^  make (\S+)", proc.stdout, flags=re.M))
    assert listed == set(_targets())
    variables = set(re.findall(r"^([A-Z_]+) \?=", MAKEFILE, flags=re.M))
    assert variables >= {"SUBMISSIONS", "OUT", "JOBS", "ASSIGNMENT", "HIDDEN_VISIBILITY", "SUBMITTED", "COURSE",
                         "NAME", "PYTHON"}
    assert set(re.findall(r"^  ([A-Z_]+)=", proc.stdout, flags=re.M)) == variables


@needs_make
@pytest.mark.parametrize("status", list(pytest.ExitCode), ids=[c.name for c in pytest.ExitCode])
def test_make_check_fails_only_when_the_checks_could_not_run(status, tmp_path):
    """`make check` passes pytest's status on, except "some checks failed" (a score, not a broken
    build), which exits 0. The recipe runs a stand-in for .venv's python that exits with ``status``."""
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\necho \"ran: $*\"\nexit {int(status)}\n")
    fake.chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()  # newer than pyproject.toml: nothing is installed
    proc = subprocess.run(["make", "--no-print-directory", "check", f"PY={fake}", f"STAMP={stamp}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert "ran: -m pytest --gradkit-html ../report.html" in proc.stdout, proc.stdout + proc.stderr
    broken = status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    assert (proc.returncode != 0) == broken, proc.stdout + proc.stderr
    assert ("some checks failed" in proc.stdout) == (status == pytest.ExitCode.TESTS_FAILED)
