"""Grading a class: every student's submission through every check, in parallel.

For each student: copy out the module files (``submissions.materialize``), refuse modules that
import a deep-learning framework, then run every check of every assignment through one
sandboxed runner (``sandbox.RunnerSession``). The judge (this process) holds the checks, the
torch references (computed once per check, before any student) and the hidden inputs; the
runner only ever sees the call in progress.

A check whose function timed out makes the remaining checks of that function fail at once
("skipped"), so an endless loop costs one timeout per function, not one per check.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import hidden
from .checks import assignments as registry
from .checks.core import Call, Check, Outcome, evaluate, outcome_failed
from .sandbox import Limits, Pool, RunnerSession, bwrap_path
from .submissions import Submission, content_hash, discover, forbidden_imports, materialize


@dataclass
class Plan:
    """What is graded: the assignments and their checks (public, then hidden)."""

    items: list[tuple[registry.Assignment, list[Check]]]

    @classmethod
    def build(cls, folders: list[str] | None = None) -> "Plan":
        items = []
        for a in registry.available():
            if folders and a.folder not in folders:
                continue
            items.append((a, a.public_checks() + hidden.checks(a.module)))
        return cls(items)

    def prepare(self) -> None:
        """Compute every check's inputs and torch reference once, before any student."""
        import torch

        torch.set_num_threads(1)  # small references; threads only contend with the runners
        for _, checks in self.items:
            for c in checks:
                c.prepared  # noqa: B018  (cached property)

    @property
    def folders(self) -> list[str]:
        return [a.folder for a, _ in self.items]

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever a check (public or hidden) or the set of assignments changes."""
        h = hashlib.sha256(" ".join(self.folders).encode())
        here = Path(__file__).resolve().parent
        for path in sorted([*(here / "checks").glob("*.py"), *(here / "hidden").glob("*.py")]):
            h.update(path.read_bytes())
        return h.hexdigest()[:16]


@dataclass
class StudentResult:
    student: str  # the submission's own name (NFC), unique in the class: the gradebook's row
    source: str  # the folder or zip name
    folder: str = ""  # its output folder, OUT/students/<folder>/ (submissions.student_folder)
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)  # folder -> "graded" / why not
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    digest: str = ""  # content of the graded files + fingerprint of the checks
    resumed: bool = False  # taken from a previous run (--resume)

    def score(self, folder: str) -> float:
        return round(sum(o.points for o in self.outcomes.get(folder, [])), 4)

    @property
    def total(self) -> float:
        return round(sum(self.score(f) for f in self.outcomes), 4)


def _all_failed(checks: list[Check], message: str, kind: str) -> list[Outcome]:
    return [outcome_failed(c, message, kind) for c in checks]


def grade_student(sub: Submission, plan: Plan, limits: Limits, pool: Pool, workdir: Path,
                  resume_from: Path | None = None) -> StudentResult:
    """Grade one submission; never raises for anything the submission contains.

    With ``resume_from`` (a previous output folder), a submission whose files and checks are
    unchanged since it was graded there is not graded again: its saved result is returned.
    """
    start = time.monotonic()
    result = StudentResult(sub.student, sub.path.name, sub.folder)
    scratch = Path(tempfile.mkdtemp(prefix=f"{sub.folder[:20]}-", dir=workdir))
    files_dir = scratch / "files"
    try:
        modules = {a.folder: a.module for a, _ in plan.items}
        files = materialize(sub, modules, files_dir)
        result.digest = f"{content_hash(files)[:32]}-{plan.fingerprint}"
        if resume_from is not None:
            from .report import load_state

            saved = load_state(resume_from, sub.folder)
            if saved is not None and saved.digest == result.digest and saved.student == sub.student:
                saved.resumed = True
                return saved
        session = RunnerSession(pool, files_dir, limits)
        try:
            for a, checks in plan.items:
                result.outcomes[a.folder] = _grade_assignment(a, checks, files.get(a.folder), session, result)
        finally:
            session.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result.notes = sub.notes + result.notes
    result.seconds = time.monotonic() - start
    return result


def _grade_assignment(a, checks, path: Path | None, session: RunnerSession, result: StudentResult) -> list[Outcome]:
    if path is None:
        result.status[a.folder] = "not submitted"
        return _all_failed(checks, f"not submitted: no {a.folder}/{a.module}.py in the submission", "missing")
    bad = forbidden_imports(path.read_bytes())
    if bad:
        result.status[a.folder] = f"imports {bad[0]}"
        msg = (f"{a.module}.py imports {', '.join(bad)}: the exercises must use NumPy only "
               "(torch is the reference, not a tool), so this assignment scores 0. Remove the import.")
        return _all_failed(checks, msg, "forbidden")
    session.add_module(a.module, f"{a.folder}/{a.module}.py")
    call = Call(session, a.module)
    timed_out: set[str] = set()
    outcomes = []
    for check in checks:
        if check.function in timed_out:
            outcomes.append(outcome_failed(check, f"skipped: {check.function}() timed out in an earlier check",
                                           "timeout"))
            continue
        outcome = evaluate(check, call)
        if outcome.kind == "timeout":
            timed_out.add(check.function)
        outcomes.append(outcome)
    if a.module in session.load_errors:
        result.status[a.folder] = "import failed"
    else:
        result.status[a.folder] = "graded"
    return outcomes


def grade_class(root: Path, plan: Plan, jobs: int, limits: Limits, use_bwrap: bool | None = None,
                progress=None, resume_from: Path | None = None) -> list[StudentResult]:
    """Grade every submission under ``root``; ``progress(result)`` is called as each finishes."""
    if use_bwrap is None:
        use_bwrap = bwrap_path() is not None
    subs = discover(root)
    plan.prepare()
    results: list[StudentResult] = []
    with tempfile.TemporaryDirectory(prefix="gradkit-") as work, Pool(limits, use_bwrap) as runners:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(grade_student, s, plan, limits, runners, Path(work), resume_from): s
                       for s in subs}
            for fut in as_completed(futures):
                sub = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # a bug of ours must not cost the rest of the class
                    res = StudentResult(sub.student, sub.path.name, sub.folder,
                                        notes=[f"internal grader error: {type(exc).__name__}: {exc}"])
                    for a, checks in plan.items:
                        res.outcomes[a.folder] = _all_failed(checks, "not graded: internal grader error", "error")
                        res.status[a.folder] = "grader error"
                results.append(res)
                if progress:
                    progress(res)
    return sorted(results, key=lambda r: r.student)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
