"""A class graded in shards: which students a shard grades, and the manifest it leaves in its OUT.

``grade --shard K/N`` grades shard K (0-based: 0 to N-1) of N. A student belongs to shard
``int(sha256(student)[:16 hex], 16) mod N``, ``student`` being the submission's exact identity (its
unique NFC name, ``intake.submissions.scan``): the split depends on nothing but the class and N,
never on the order of the entries, the machine or the time, so N processes on N machines, started
in any order, grade every student exactly once between them.

``grade --shard-from-env [N]`` reads K from the scheduler (``from_env``):
- Kubernetes, an Indexed Job: ``JOB_COMPLETION_INDEX`` (0 to completions-1); N must be given
  (``--shard-from-env 4``, the Job's ``completions``), as the pod is not told it;
- Slurm, a job array: ``SLURM_ARRAY_TASK_ID`` is K, so the array is ``--array=0-(N-1)`` (ids
  are K itself, not an offset from ``SLURM_ARRAY_TASK_MIN``: a failed shard rerun alone,
  ``--array=2``, is still shard 2); N is given, or ``SLURM_ARRAY_TASK_COUNT`` (right for the whole
  array only: give N for a rerun). An id outside 0 to N-1 (``--array=1-4`` for N = 4) is refused.

A shard's OUT is an ordinary output folder of its students (their folders, gradebook and summary)
plus ``gradkit-shard.json`` (``Manifest``), written last, atomically: a shard that did not finish
has none (an earlier one is removed when a run starts), and ``python -m autograder merge`` refuses
it. Every run writes one (an unsharded run is shard 0/1), so any OUT can be merged. The manifest
holds what merging needs to refuse a mix: the kit's and the checks' fingerprints, a digest of the
class listing and its size, N and K, the grading options that change outcomes or files, the
isolation the probe measured, and each graded student with the digest of what was graded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gradkit import references
from gradkit.files import write_atomic

MANIFEST = "gradkit-shard.json"
FORMAT = "gradkit-shard/1"
KIT_PACKAGES = ("autograder", "gradkit")  # the grader and the engine: their sources are the kit's fingerprint


class ShardError(ValueError):
    """A --shard or --shard-from-env that cannot be used; the message says what to do."""


@dataclass(frozen=True)
class Shard:
    index: int  # K, 0-based
    count: int  # N

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, student: str) -> bool:
        return shard_of(student, self.count) == self.index


WHOLE = Shard(0, 1)  # an unsharded run


def shard_of(student: str, count: int) -> int:
    """The shard (0 to ``count`` - 1) of ``student``: the first 64 bits of sha256 of its name
    (UTF-8; a surrogate escape of a name that is not UTF-8 kept as it is), mod ``count``."""
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()
    return int(digest[:16], 16) % count


_FORM = re.compile(r"([0-9]+)/([0-9]+)")


def parse(text: str) -> Shard:
    """``K/N`` as a Shard; ShardError (saying what to give) for anything else."""
    found = _FORM.fullmatch(text.strip())
    if not found:
        raise ShardError(f"--shard {text!r} is not K/N: give two whole numbers, the shard and how many there "
                         "are, e.g. --shard 0/4 (shards are numbered from 0)")
    return checked(int(found[1]), int(found[2]), f"--shard {text}")


def checked(index: int, count: int, where: str) -> Shard:
    if count < 1:
        raise ShardError(f"{where}: there must be at least one shard (N >= 1), e.g. --shard 0/1 for the whole class")
    if not 0 <= index < count:
        raise ShardError(f"{where}: shard {index} of {count} does not exist; shards are numbered from 0 to "
                         f"{count - 1} (N - 1)")
    return Shard(index, count)


KUBERNETES, SLURM_ID, SLURM_COUNT = "JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"


def _whole(env, name: str) -> int:
    text = env[name].strip()
    if not text.isdigit():
        raise ShardError(f"--shard-from-env: {name}={env[name]!r} is not a whole number")
    return int(text)


def from_env(count: int | None, env=None) -> Shard:
    """The shard the scheduler gives this process (see the module's text); ``count``: N, if given."""
    env = os.environ if env is None else env
    if env.get(KUBERNETES, "").strip():
        if count is None:
            raise ShardError(f"--shard-from-env: {KUBERNETES} is set (a Kubernetes Indexed Job) but not how many "
                             "shards there are; give it: --shard-from-env N, N the Job's completions")
        return checked(_whole(env, KUBERNETES), count, f"--shard-from-env ({KUBERNETES}={env[KUBERNETES]})")
    if env.get(SLURM_ID, "").strip():
        if count is None:
            if not env.get(SLURM_COUNT, "").strip():
                raise ShardError(f"--shard-from-env: {SLURM_ID} is set but {SLURM_COUNT} is not; give the number "
                                 "of shards: --shard-from-env N")
            count = _whole(env, SLURM_COUNT)
        return checked(_whole(env, SLURM_ID), count, f"--shard-from-env ({SLURM_ID}={env[SLURM_ID]}; submit the "
                       "array as --array=0-(N-1), and give N when rerunning some of its tasks)")
    raise ShardError(f"--shard-from-env: neither {KUBERNETES} (Kubernetes Indexed Job) nor {SLURM_ID} (Slurm job "
                     "array) is set, so this process is not one of a scheduler's shards; outside a scheduler give "
                     "--shard K/N (e.g. --shard 0/4), or leave both out to grade the whole class")


# --- what identifies a class, a kit and a shard ---------------------------------------------------

def listing_digest(submissions, skipped) -> str:
    """sha256 of the class listing: every submission's entry (as on disk), student and output
    folder, and every skipped entry with why. Two runs over the same class folder agree."""
    listing = [[os.fsencode(s.path.name).hex(), s.student, s.folder] for s in submissions]
    return hashlib.sha256(json.dumps([listing, list(map(list, skipped))]).encode("utf-8", "surrogatepass")).hexdigest()


def kit_fingerprint() -> str:
    """The kit's version as grading sees it: the sources of the grader and the engine, the torch and
    NumPy versions (``references.library_versions``, as the reference store keys its answers) and
    Python's."""
    h = hashlib.sha256(json.dumps([references.library_versions(), list(sys.version_info[:2])]).encode())
    root = Path(__file__).resolve().parent.parent
    for package in KIT_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            h.update(f"\0{path.relative_to(root).as_posix()}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class Manifest:
    """``OUT/gradkit-shard.json``: what a shard graded and how (see the module's text)."""

    shard: int
    shards: int
    kit: str  # kit_fingerprint()
    checks: str  # Plan.fingerprint: the checks and the assignments graded (what --resume compares)
    listing: str  # listing_digest of the whole class
    class_size: int  # submissions in the whole class
    options: dict  # the grading options whose change changes outcomes or files
    isolation: list[str]  # what the isolation probe measured (the summary's line)
    seconds: float  # grading time of this shard
    skipped: list[list[str]]  # entries of the class folder that are not a student: (name, why)
    students: dict[str, dict] = field(default_factory=dict)  # student -> {"folder", "digest"}
    format: str = FORMAT

    @property
    def name(self) -> str:
        return f"{self.shard}/{self.shards}"

    def write(self, out: Path) -> None:
        write_atomic(out / MANIFEST, json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n")

    @classmethod
    def read(cls, out: Path) -> "Manifest":
        """The manifest in ``out``; OSError if there is none, ValueError if it is not one."""
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} manifest")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ValueError(str(exc)) from None


def remove_manifest(out: Path) -> None:
    """A run starting in ``out`` removes the manifest of an earlier one: until it finishes, ``out``
    holds no complete shard."""
    (out / MANIFEST).unlink(missing_ok=True)


def manifest(shard: Shard, plan, results, options: dict, isolation: list[str], seconds: float, listing: str,
             class_size: int, skipped) -> Manifest:
    """The manifest of ``shard`` having graded ``results`` with ``plan`` (``listing``: the class's
    ``listing_digest``, of ``class_size`` submissions, ``skipped`` entries)."""
    return Manifest(shard.index, shard.count, kit_fingerprint(), plan.fingerprint, listing, class_size, options,
                    list(isolation), round(seconds, 3), [list(s) for s in skipped],
                    {r.student: {"folder": r.folder, "digest": r.digest} for r in results})
