"""A class graded in shards (``grade --shard K/N``) and merged (``python -m autograder merge``) gives
what one run gives: the same gradebook, byte for byte, and the same summary but for its timing line,
on examples/ and on a generated class of 60, for N = 1, 3 and 7; a shard killed halfway and rerun
with --resume merges to the same; every mix that is not one class's shards is refused, naming it."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import __main__ as cli
from autograder import merge, shards
from autograder.intake.submissions import scan
from autograder.tools.bench import build_class
from gradkit import course as registry
from tests.kit import ROOT

SIX = [a.folder for a in registry.available()[:6]]  # examples/ without the capstone, which trains networks
FIRST = registry.available()[0]
SLOW = "zz_slow"  # of the 60: its first function never returns, and it is graded last of its shard
TIMEOUT = "5"  # seconds per call in the generated class: the endless loops cost this once each


def run_grade(*argv: str) -> int:
    """``python -m autograder grade ARGV`` in this process (its output dropped)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return cli.main(["grade", *map(str, argv)])


def run_merge(*argv) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        return merge.main([str(a) for a in argv]), err.getvalue()


def untimed(text: str) -> str:
    """A summary without its timing line's number (``N submissions graded in X s``)."""
    return re.sub(r"(submissions graded in )[0-9.]+( s)", r"\1X\2", text)


def assert_same_outputs(merged: Path, single: Path) -> None:
    """merged == single: gradebook bytes, summary.md/html but for the timing line, every student's feedback."""
    assert (merged / "gradebook.csv").read_bytes() == (single / "gradebook.csv").read_bytes()
    for name in ("summary.md", "summary.html"):
        ours, theirs = (merged / name).read_text(), (single / name).read_text()
        assert untimed(ours) == untimed(theirs), name
    folders = sorted(p.name for p in (single / "students").iterdir())
    assert sorted(p.name for p in (merged / "students").iterdir()) == folders
    for folder in folders:
        for name in ("feedback.md", "feedback.html"):
            assert (merged / "students" / folder / name).read_bytes() == \
                (single / "students" / folder / name).read_bytes(), (folder, name)


class Graded:
    """A class, its single run, and its shard OUTs for each N asked (graded once each)."""

    def __init__(self, root: Path, work: Path, options: list[str], similarity: bool):
        self.root, self.work, self.options, self.similarity = root, work, options, similarity
        self.single = work / "single"
        assert run_grade(root, "--out", self.single, *options, *(["--similarity"] if similarity else [])) == 0
        self._shards: dict[int, list[Path]] = {}

    def shards(self, n: int) -> list[Path]:
        if n not in self._shards:
            outs = [self.work / f"n{n}" / f"shard-{k}" for k in range(n)]
            for k, out in enumerate(outs):
                assert run_grade(self.root, "--out", out, "--shard", f"{k}/{n}", *self.options) == 0
            self._shards[n] = outs
        return self._shards[n]

    def merged(self, n: int, out: Path) -> Path:
        sim = ["--similarity", self.root] if self.similarity else []
        code, err = run_merge(*self.shards(n), "--out", out, *sim)
        assert code == 0, err
        return out


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    return Graded(ROOT / "examples", tmp_path_factory.mktemp("examples"), ["--only", *SIX], similarity=True)


@pytest.fixture(scope="module")
def sixty(tmp_path_factory):
    root = tmp_path_factory.mktemp("sixty-class")
    build_class(root, 59, [FIRST.folder], mixed=True)
    solution = (ROOT / "solutions" / FIRST.folder / f"{FIRST.module}.py").read_text()
    slow = root / SLOW / FIRST.folder / f"{FIRST.module}.py"
    slow.parent.mkdir(parents=True)
    slow.write_text(solution + "\n\ndef sigmoid(z):\n    while True:\n        pass\n")
    return Graded(root, tmp_path_factory.mktemp("sixty"), ["--only", FIRST.folder, "--timeout", TIMEOUT],
                  similarity=False)


@pytest.mark.parametrize("n", [1, 3, 7])
def test_merged_examples_are_a_single_run(examples, n, tmp_path):
    assert_same_outputs(examples.merged(n, tmp_path / "merged"), examples.single)
    assert "Similar submissions" in (tmp_path / "merged" / "summary.md").read_text()
    assert (tmp_path / "merged" / "similarity.html").read_bytes() == (examples.single / "similarity.html").read_bytes()


@pytest.mark.parametrize("n", [1, 3, 7])
def test_merged_sixty_are_a_single_run(sixty, n, tmp_path):
    outs = sixty.shards(n)
    graded = [json.loads((o / shards.MANIFEST).read_text())["students"] for o in outs]
    assert sum(len(g) for g in graded) == 60 and all(graded)  # every shard had students, 60 in all
    assert_same_outputs(sixty.merged(n, tmp_path / "merged"), sixty.single)
    # the merged OUT is itself one shard of the whole class: it merges again to the same
    again = tmp_path / "again"
    assert run_merge(tmp_path / "merged", "--out", again)[0] == 0
    assert_same_outputs(again, sixty.single)


def test_a_shard_killed_halfway_and_resumed_merges_to_the_same(sixty, tmp_path):
    """The shard of SLOW, killed while it grades SLOW (its last student): no manifest is left (not
    even an earlier run's), merge refuses it; rerun with --resume it keeps what it had graded."""
    n = 3
    outs = list(sixty.shards(n))
    k = shards.shard_of(SLOW, n)
    others = {s.folder for s in scan(sixty.root).submissions if shards.shard_of(s.student, n) == k} - {SLOW}
    out = tmp_path / "killed"
    out.mkdir()
    shutil.copy(outs[k] / shards.MANIFEST, out / shards.MANIFEST)  # as if an earlier run had finished here
    cmd = [sys.executable, "-m", "autograder", "grade", str(sixty.root), "--out", str(out), "--shard", f"{k}/{n}",
           "--jobs", "1", *sixty.options]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 600
    try:
        while {p.parent.name for p in out.glob("students/*/gradkit-state.json")} != others:
            assert proc.poll() is None, "the shard ended before it reached its last student"
            assert time.monotonic() < deadline, "the shard did not reach its last student in 600 s"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert not (out / shards.MANIFEST).exists()
    outs[k] = out
    code, err = run_merge(*outs, "--out", tmp_path / "merged")
    assert code == 2 and f"{out} holds no {shards.MANIFEST}" in err and "--resume" in err
    resumed = subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{len(others)} unchanged submissions taken from the previous run" in resumed.stdout
    code, err = run_merge(*outs, "--out", tmp_path / "merged")
    assert code == 0, err
    assert_same_outputs(tmp_path / "merged", sixty.single)


# --- refusals -------------------------------------------------------------------------------------

def _edited(src: Path, dest: Path, **changes) -> Path:
    """A copy of the shard OUT ``src`` whose manifest has ``changes``."""
    shutil.copytree(src, dest)
    data = json.loads((dest / shards.MANIFEST).read_text())
    for key, value in changes.items():
        data[key] = value(data[key]) if callable(value) else value
    (dest / shards.MANIFEST).write_text(json.dumps(data))
    return dest


def refusals(outs: list[Path], tmp: Path):
    """(inputs, what the message must name) for every mix merge must refuse."""
    s0, s1, s2 = outs
    first_of_0 = next(iter(json.loads((s0 / shards.MANIFEST).read_text())["students"]))
    yield [s0, s1, s2, s1], [f"{s1} is given twice"]
    yield [s0, s2], ["shard 1/3 is missing"]
    yield [s0, s1, _edited(s1, tmp / "copy-of-1"), s2], [str(tmp / "copy-of-1"), "both shard 1/3"]
    yield [s0, s1, _edited(s2, tmp / "kit", kit="0" * 16)], [str(tmp / "kit"), "another version of the kit"]
    yield [s0, _edited(s1, tmp / "checks", checks="0" * 16), s2], [str(tmp / "checks"), "checks or assignments"]
    yield [s0, _edited(s1, tmp / "class", listing="0" * 64), s2], [str(tmp / "class"), "class listing"]
    yield [s0, s1, _edited(s2, tmp / "timeout", options=lambda o: {**o, "timeout": 1.0})], \
        [str(tmp / "timeout"), "grading options"]
    yield [s0, _edited(s1, tmp / "seven", shards=7), s2], [str(tmp / "seven"), "number of shards"]
    two = _edited(s2, tmp / "two", students=lambda st: {**st, first_of_0: {"folder": "x", "digest": "y"}})
    yield [s0, s1, two], [f"student {first_of_0!r} is in {s0} and in {two}"]
    yield [s0, s1, _edited(s2, tmp / "stale", students=lambda st: {k: {**v, "digest": "old"} for k, v in st.items()})], \
        [str(tmp / "stale"), "saved result", "--resume"]
    yield [s0, s1, tmp / "nothing-here"], [str(tmp / "nothing-here"), "not a folder"]


def test_merge_refuses_every_mix_that_is_not_one_class(examples, tmp_path):
    outs = examples.shards(3)
    for inputs, named in refusals(outs, tmp_path):
        code, err = run_merge(*inputs, "--out", tmp_path / "merged")
        assert code == 2, (inputs, err)
        assert all(text in err for text in named), (named, err)
        assert not (tmp_path / "merged").exists()  # nothing written


def test_merge_refuses_an_out_that_is_an_input_and_another_class_for_similarity(examples, tmp_path):
    outs = examples.shards(3)
    before = (outs[1] / "gradebook.csv").read_bytes()
    for out in (outs[1], outs[1] / "merged"):
        code, err = run_merge(*outs, "--out", out)
        assert code == 2 and str(outs[1]) in err and "output folder of its own" in err, err
    assert (outs[1] / "gradebook.csv").read_bytes() == before and not (outs[1] / "merged").exists()
    other = tmp_path / "other-class"
    shutil.copytree(ROOT / "examples", other, ignore=shutil.ignore_patterns("bob"))
    code, err = run_merge(*outs, "--out", tmp_path / "merged", "--similarity", other)
    assert code == 2 and f"--similarity {other} is not the class the shards graded" in err
    assert not (tmp_path / "merged").exists()


@pytest.mark.parametrize("argv, env, said", [
    (["--shard", "3/2"], {}, "shard 3 of 2 does not exist"),
    (["--shard", "0/0"], {}, "at least one shard"),
    (["--shard", "x/2"], {}, "is not K/N"),
    (["--shard", "1"], {}, "is not K/N"),
    (["--shard=-1/2"], {}, "is not K/N"),
    (["--shard-from-env"], {}, "neither JOB_COMPLETION_INDEX"),
    (["--shard-from-env"], {"JOB_COMPLETION_INDEX": "1"}, "--shard-from-env N"),
    (["--shard-from-env", "4"], {"JOB_COMPLETION_INDEX": "4"}, "shard 4 of 4 does not exist"),
    (["--shard-from-env", "4"], {"JOB_COMPLETION_INDEX": "one"}, "is not a whole number"),
    (["--shard-from-env"], {"SLURM_ARRAY_TASK_ID": "2"}, "SLURM_ARRAY_TASK_COUNT is not"),
    (["--shard-from-env"], {"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"}, "--array=0-(N-1)"),
    (["--shard", "0/2", "--shard-from-env", "2"], {"JOB_COMPLETION_INDEX": "0"}, "not allowed with"),
    (["--shard", "0/2", "--similarity"], {}, "give it to the merge"),
])
def test_bad_shards_stop_before_any_work(argv, env, said, tmp_path, monkeypatch, capsys):
    for name in (shards.KUBERNETES, shards.SLURM_ID, shards.SLURM_COUNT):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "out"
    try:
        code = cli.main(["grade", str(ROOT / "examples"), "--out", str(out), *argv])
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    assert code == 2
    assert said in capsys.readouterr().err
    assert not out.exists()  # before any work: not even the output folder


def test_the_scheduler_gives_the_shard(monkeypatch):
    for name in (shards.KUBERNETES, shards.SLURM_ID, shards.SLURM_COUNT):
        monkeypatch.delenv(name, raising=False)
    assert shards.from_env(4, {shards.KUBERNETES: "3"}) == shards.Shard(3, 4)
    assert shards.from_env(None, {shards.SLURM_ID: "0", shards.SLURM_COUNT: "5"}) == shards.Shard(0, 5)
    # a rerun of one task of the array (--array=2): its COUNT is 1, the N given wins
    assert shards.from_env(4, {shards.SLURM_ID: "2", shards.SLURM_COUNT: "1"}) == shards.Shard(2, 4)


# --- the split ------------------------------------------------------------------------------------

def _names(sixty) -> list[str]:
    return [s.student for s in scan(sixty.root).submissions] + [s.student for s in scan(ROOT / "examples").submissions] \
        + ["Zoë", "Zoé", "Zoe\u0308", " leading", "名前", "a?b", "summary.md"]


def test_every_student_is_in_exactly_one_shard_whatever_the_order_and_the_rest_of_the_class(sixty):
    names = _names(sixty)
    for n in (1, 2, 3, 7, 13):
        parts = [[s for s in names if shards.Shard(k, n).holds(s)] for k in range(n)]
        assert sorted(s for part in parts for s in part) == sorted(names)
        assert sum(len(p) for p in parts) == len(names)
        alone = {s: shards.shard_of(s, n) for s in names}  # one name at a time: nothing else counts
        assert all(alone[s] == k for k, part in enumerate(parts) for s in part)
        if n <= 7:
            assert all(parts)  # 80 names: no shard of a handful is empty


def test_the_split_is_the_same_in_another_process(sixty):
    """Nothing of the process counts (a split by Python's salted ``hash`` would differ here)."""
    names = _names(sixty)
    code = ("import json, sys; from autograder.shards import shard_of; "
            "print(json.dumps([shard_of(s, 7) for s in json.load(sys.stdin)]))")
    there = subprocess.run([sys.executable, "-c", code], input=json.dumps(names), capture_output=True, text=True,
                           cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED="12345"), timeout=120, check=True)
    assert json.loads(there.stdout) == [shards.shard_of(s, 7) for s in names]
