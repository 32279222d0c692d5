"""Files the kit writes follow the umask (0644 under 022, 0640 under 027), atomically.

A grading run (gradebook, summaries, plots, feedback pages, results.json, the state for --resume,
similarity.html) and a Gradescope build (the zip) are run in a subprocess that sets its umask first,
and every file they wrote is looked at. The stored answers of hidden checks stay private (0600)
whatever the umask; the public ones are 0644.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import pytest

from gradkit.files import atomic_path, current_umask, default_mode, write_atomic
from tests.kit import ROOT

UMASKS = {0o022: 0o644, 0o027: 0o640}


def _in_umask(umask: int, args: list[str], **kw) -> subprocess.CompletedProcess:
    """``python args`` in a process whose umask is ``umask`` (set before Python starts)."""
    return subprocess.run(args, preexec_fn=lambda: os.umask(umask), capture_output=True, text=True, cwd=ROOT,
                          timeout=600, **kw)


def _modes(folder) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module", params=sorted(UMASKS), ids=lambda m: f"umask {m:03o}")
def written(request, tmp_path_factory):
    """(umask, the files a grading run wrote, the files a Gradescope build wrote) under that umask."""
    umask = request.param
    tmp = tmp_path_factory.mktemp(f"umask{umask:o}")
    klass = tmp / "class"
    for student in ("alice", "Bob"):
        shutil.copytree(ROOT / "examples" / "alice" / "01_activations", klass / student / "01_activations")
    graded = _in_umask(umask, [sys.executable, "-m", "autograder", "grade", str(klass), "--out", str(tmp / "out"),
                               "--only", "01", "--jobs", "1", "--similarity"])
    assert graded.returncode == 0, graded.stderr[-3000:]
    built = _in_umask(umask, [sys.executable, "-m", "autograder.build.gradescope", "--out", str(tmp / "dist"),
                              "--assignment", "01"])
    assert built.returncode == 0, built.stderr[-3000:]
    return umask, _modes(tmp / "out"), _modes(tmp / "dist")


def test_a_grading_run_writes_every_file_with_the_umasks_mode(written):
    umask, out, _ = written
    expected = {"gradebook.csv", "summary.md", "summary.html", "similarity.html", "_plots/01_activations.png",
                "students/alice/feedback.md", "students/alice/feedback.html", "students/alice/results.json",
                "students/alice/gradkit-state.json"}
    assert expected <= set(out), sorted(out)
    wrong = {name: f"{mode:o}" for name, mode in out.items() if mode != UMASKS[umask]}
    assert not wrong, f"under umask {umask:03o}: {wrong}"


def test_a_gradescope_build_follows_the_umask(written):
    umask, _, dist = written
    assert dist == {"01_activations.zip": UMASKS[umask]}


@pytest.mark.parametrize("umask", sorted(UMASKS), ids=lambda m: f"umask {m:03o}")
def test_write_atomic_and_atomic_path_in_a_process_with_that_umask(umask, tmp_path):
    code = ("import sys; from pathlib import Path; from gradkit.files import write_atomic, atomic_path\n"
            "write_atomic(Path(sys.argv[1]) / 'a.txt', 'x')\n"
            "with atomic_path(Path(sys.argv[1]) / 'b.bin') as tmp: tmp.write_bytes(b'y')\n"
            "write_atomic(Path(sys.argv[1]) / 'private.json', '{}', 0o600)\n")
    proc = _in_umask(umask, [sys.executable, "-c", code, str(tmp_path)])
    assert proc.returncode == 0, proc.stderr
    assert _modes(tmp_path) == {"a.txt": UMASKS[umask], "b.bin": UMASKS[umask], "private.json": 0o600}


def test_current_umask_is_read_without_changing_it():
    before = os.umask(0o027)
    try:
        assert current_umask() == 0o027 and default_mode() == 0o640
        assert os.umask(0o027) == 0o027  # still what it was
    finally:
        os.umask(before)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "gradebook.csv"
    write_atomic(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]


def test_hidden_answers_stay_private_whatever_the_umask(tmp_path):
    """``references.Store.save``: the public answers are 0644, the hidden ones 0600."""
    from gradkit import references

    before = os.umask(0o002)
    try:
        for kind, mode in (("public", 0o644), ("hidden", 0o600)):
            store = references.Store(tmp_path / references.file_name(kind), "key")
            store.entries = {}
            store.save()
            assert stat.S_IMODE(store.path.stat().st_mode) == mode, kind
    finally:
        os.umask(before)
