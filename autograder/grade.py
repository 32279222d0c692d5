"""Grading a class: every student's submission through every check, in parallel.

For each student: copy out the files to grade (``submissions.materialize``: the module file or the
notebook the student worked on, or both when both were changed), refuse modules that import a
deep-learning framework, then run every check of each file in a fresh student process of the
student's own sandboxed runner (``sandbox.RunnerSession``: the sandbox forked from a warm pool once
per student, the process in it once per file, in milliseconds), so nothing one module does at
import (replacing ``sys.modules["numpy"]``, patching NumPy or builtins, leaving files in /tmp)
reaches another assignment. A runner that dies is replaced by a new sandbox. All of a student's
calls share one deadline, the per-student time budget. When both files of an assignment were
changed, each is graded and the one with more points kept; the notes say which.

The judge (this process, and with ``--jobs`` > 1 the judge processes it forks, one per job, each
with its own runners) holds the checks, the torch references (computed once per check, before
any student) and the hidden inputs; the runner only ever sees the call in progress. An
unexpected error while grading one assignment costs that assignment only ("grader error: ...").

The checks of one file run through the engine loop (``gradkit.engine.Run``): a function whose
call timed out has its remaining checks fail at once ("skipped"), so an endless loop costs one
timeout per function, not one per check.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from multiprocessing.connection import wait
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

from gradkit import course as registry
from gradkit.core import Call, Check, Outcome
from gradkit.engine import Run, failed_all
from gradkit.mistakes import for_assignment
from gradkit.bounds import SourceTooLarge
from gradkit.protocol import forbidden_imports, forbidden_message
from gradkit.files import write_atomic
from .report import STATE, student_dir, student_order
from .shards import WHOLE, Shard
from .sandbox.judge import Limits, Pool, RunnerSession, bwrap_path, remove_orphaned_scratch, run_scratch
from .intake.student_text import ParserExhausted, parse_untrusted
from .intake.submissions import (Candidate, Submission, content_hash, discover, grader_reach, materialize,
                                 missing_message)


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
            items.append((a, a.public_checks() + a.hidden_checks()))
        return cls(items)

    def prepare(self) -> None:
        """Every check's inputs and torch reference, once, before any student: read from the stored
        answers where they are current (``gradkit.references``: torch is then never started),
        computed by torch (on one thread, ``references.one_thread_torch``) where not. The collector
        is paused meanwhile: importing torch and computing the references make objects that all
        live on."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            for _, checks in self.items:
                for c in checks:
                    c.prepared  # noqa: B018  (cached property)
        finally:
            if enabled:
                gc.enable()

    @property
    def folders(self) -> list[str]:
        return [a.folder for a, _ in self.items]

    @property
    def graded_functions(self) -> dict[str, set[str]]:
        """{folder: the functions its checks call}."""
        return {a.folder: {c.function for c in checks} for a, checks in self.items}

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever a check (public or hidden) or the set of assignments changes."""
        h = hashlib.sha256(" ".join(self.folders).encode())
        engine = Path(registry.__file__).resolve().parent
        checks = [a.path / name for a, _ in self.items for name in (registry.PUBLIC, registry.HIDDEN)]
        for path in sorted(engine.glob("*.py")) + [p for p in checks if p.is_file()]:
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


def save_state(out: Path, result: StudentResult) -> None:
    """The full result of a student in OUT/students/<folder>/, for --resume."""
    write_atomic(student_dir(out, result.folder) / STATE, json.dumps(asdict(result), allow_nan=True))


def load_state(out: Path, folder: str) -> StudentResult | None:
    """The saved result in OUT/students/<folder>/, or None if absent or unreadable."""
    try:
        data = json.loads((student_dir(out, folder) / STATE).read_text())
        data["outcomes"] = {f: [Outcome(**o) for o in outs] for f, outs in data["outcomes"].items()}
        return StudentResult(**data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def grade_student(sub: Submission, plan: Plan, limits: Limits, pool: Pool, workdir: Path,
                  resume_from: Path | None = None) -> StudentResult:
    """Grade one submission; never raises for anything the submission contains.

    With ``resume_from`` (a previous output folder), a submission whose files and checks are
    unchanged since it was graded there is not graded again: its saved result is returned.
    """
    start = time.monotonic()
    deadline = start + limits.student_budget  # one budget for all of the student's runners
    result = StudentResult(sub.student, sub.path.name, sub.folder)
    scratch = Path(tempfile.mkdtemp(prefix=f"{sub.folder[:20]}-", dir=workdir))
    files_dir = scratch / "files"
    session = RunnerSession(pool, files_dir, limits, deadline=deadline)  # the student's sandbox, started lazily
    try:
        modules = {a.folder: a.module for a, _ in plan.items}
        files = materialize(sub, modules, files_dir, plan.graded_functions)
        result.digest = f"{content_hash(_flat(files))[:32]}-{plan.fingerprint}"
        if resume_from is not None:
            saved = load_state(resume_from, sub.folder)
            if saved is not None and saved.digest == result.digest and saved.student == sub.student:
                saved.resumed = True
                return saved
        for a, checks in plan.items:
            result.outcomes[a.folder] = _grade_assignment(a, checks, files.get(a.folder, []), files_dir, session,
                                                          result, missing_message(a.folder, a.module, sub))
    finally:
        session.close()
        shutil.rmtree(scratch, ignore_errors=True)
    result.notes = sub.notes + result.notes
    result.seconds = time.monotonic() - start
    return result


def _flat(files: dict[str, list[Candidate]]) -> dict[str, Path]:
    """{folder, or folder and origin for a second file: path}, for ``content_hash``."""
    return {(folder if i == 0 else f"{folder}\0{c.origin}"): c.path
            for folder, cands in files.items() for i, c in enumerate(cands)}


def _grade_assignment(a, checks, candidates: list[Candidate], files_dir: Path, session: RunnerSession,
                      result: StudentResult, missing: str) -> list[Outcome]:
    """The outcomes of assignment ``a``: its file graded (each in a fresh student process), the best kept.

    Sets ``result.status[a.folder]``; an unexpected error costs this assignment only. ``missing`` is
    what every check says when there is no file to grade.
    """
    if not candidates:
        result.status[a.folder] = "not submitted"
        return failed_all(checks, missing, "missing")
    graded = []
    for cand in candidates:
        try:
            graded.append((cand, *_grade_file(a, checks, cand, files_dir, session)))
        except Exception as exc:  # a bug of ours, or the sandbox failing: this assignment only
            reason = f"{type(exc).__name__}: {str(exc)[:300]}"
            graded.append((cand, failed_all(checks, f"not graded: grader error ({reason})", "error"),
                           f"grader error: {reason}"))
    best = max(graded, key=lambda g: sum(o.points for o in g[1]))  # the first of equals: the module file
    if len(graded) > 1:
        scores = ", ".join(f"{c.label}: {sum(o.points for o in outs):g}" for c, outs, _ in graded)
        result.notes.append(f"{a.folder}: {graded[0][0].origin} and {graded[1][0].label} were both changed, so "
                            f"the grader graded both ({scores}) and kept {best[0].label}")
    result.status[a.folder] = best[2]
    reach = grader_reach(best[0].path.read_bytes())  # [] for a file refused as too large (never parsed)
    if reach:
        result.notes.append(f"{a.folder}: for review: {best[0].label} reaches into the process that runs it "
                            f"({', '.join(reach)}); code that does can forge what the runner reports about "
                            "its calls (in-place writes, warnings), so check this file by hand")
    return best[1]


def _grade_file(a, checks, cand: Candidate, files_dir: Path, session: RunnerSession) -> tuple[list[Outcome], str]:
    """(outcomes, status) of every check of ``a`` on one file, in a student process of its own
    (``session.renew``: nothing an earlier file did in its process reaches this one)."""
    source = cand.path.read_bytes()
    try:
        parse_untrusted(source, f"{a.module}.py")
    except SourceTooLarge as exc:  # refused before any tree is built: nothing else reads it
        return failed_all(checks, exc.message(f"{a.module}.py ({cand.origin})"), "import"), "too large to parse"
    except ParserExhausted as exc:  # costs what a syntax error costs; nothing else would parse it safely
        msg = (f"{a.module}.py ({cand.origin}) does not parse: {exc.msg}, so this assignment scores 0. "
               "Split the deeply nested expression into smaller steps.")
        return failed_all(checks, msg, "import"), "does not parse"
    except (SyntaxError, ValueError):
        pass  # the runner reports it, with the line, as the student would see it
    bad = forbidden_imports(source)
    if bad:
        return failed_all(checks, forbidden_message(f"{a.module}.py", bad), "forbidden"), f"imports {bad[0]}"
    session.renew()
    session.add_module(a.module, cand.path.relative_to(files_dir).as_posix())
    outcomes = Run(mistakes=for_assignment(a)).run(checks, Call(session, a.module), source)
    if a.module in session.load_errors:
        status = "import failed"
    elif session.out_of_time:
        status = "time budget used up"
    else:
        status = "graded"
    return outcomes, status


@contextlib.contextmanager
def _scratch():
    """The run's temporary folder (copies of the submissions' files), removed at the end."""
    work = run_scratch("work")
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def grade_class(root: Path, plan: Plan, jobs: int, limits: Limits, use_bwrap: bool | None = None,
                progress=None, resume_from: Path | None = None, pool: Pool | None = None,
                subs: list[Submission] | None = None, shard: Shard = WHOLE) -> list[StudentResult]:
    """Grade every submission under ``root`` (or ``subs``, as a layout read them:
    ``intake.layouts``), of ``shard`` only (``shards.Shard.holds``), in class order
    (``in_class_order``); ``progress(result)`` is called as each finishes.
    ``pool``: a runner pool the caller started (with the same ``limits`` and ``use_bwrap``; the
    isolation probe's, say), used as the first and closed by the caller, not here.

    With ``jobs`` > 1 the class is shared among ``jobs`` judge processes, forked from this one
    once the references are computed (so they share its torch, checks and references), each
    with its own runner pool grading one student at a time: the judges' own work (protocol,
    comparisons, reading the source) runs on every core, not in one process's threads that
    take turns. Each student goes to the next judge that is free; a judge that dies costs the
    student it was grading ("internal grader error"), and the others grade the rest. The results
    come back in ``report.student_order``."""
    if use_bwrap is None:
        use_bwrap = bwrap_path() is not None
    subs = [sub for sub in (discover(root) if subs is None else subs) if shard.holds(sub.student)]
    workers = min(max(1, jobs), len(subs))
    pools = _start_pools(workers, limits, use_bwrap, plan, pool)
    gc.collect()
    gc.freeze()  # torch, the checks and their references: no collection walks (or copies) them again
    try:
        remove_orphaned_scratch()  # left by a run that was killed before it could clean up
        if workers <= 1:
            results = []
            with _scratch() as work:
                for sub in subs:
                    results.append(_graded(sub, plan, limits, pools[0], Path(work), resume_from))
                    if progress:
                        progress(results[-1])
        else:
            results = _grade_in_judges(subs, plan, pools, limits, progress, resume_from)
    finally:
        gc.unfreeze()
        for started in pools:
            if started is not pool:
                started.close()
    return in_class_order(results)


def in_class_order(results: list[StudentResult]) -> list[StudentResult]:
    """The order of the gradebook's rows (a run's and a merge's alike): ``report.student_order``."""
    return sorted(results, key=lambda r: student_order(r.student))


def _start_pools(n: int, limits: Limits, use_bwrap: bool, plan: Plan, given: Pool | None = None) -> list[Pool]:
    """``n`` runner pools (``given`` first, when there is one), their zygotes importing NumPy and
    matplotlib while this process computes the references. Raises what starting a pool raised;
    closes only the pools it started."""
    pools = [given] if given is not None else []
    try:
        pools += [Pool(limits, use_bwrap, wait=False) for _ in range(max(1, n) - len(pools))]
        plan.prepare()
        for pool in pools:
            pool.ready()
    except BaseException:
        for pool in pools:
            if pool is not given:
                pool.close()
        raise
    return pools


def _graded(sub: Submission, plan: Plan, limits: Limits, runners: Pool, work: Path,
            resume_from: Path | None) -> StudentResult:
    """``grade_student``, or a result that says a bug of ours stopped it (never raises)."""
    try:
        return grade_student(sub, plan, limits, runners, work, resume_from)
    except Exception as exc:  # a bug of ours must not cost the rest of the class
        return _internal_error(sub, plan, f"{type(exc).__name__}: {exc}")


def _internal_error(sub: Submission, plan: Plan, why: str) -> StudentResult:
    res = StudentResult(sub.student, sub.path.name, sub.folder, notes=[f"internal grader error: {why}"])
    for a, checks in plan.items:
        res.outcomes[a.folder] = failed_all(checks, "not graded: internal grader error", "error")
        res.status[a.folder] = "grader error"
    return res


PR_SET_PDEATHSIG = 1


def _judge(conn, parent: int, subs: list[Submission], plan: Plan, limits: Limits, runners: Pool,
           resume_from: Path | None) -> None:
    """One forked judge: grade the students whose indices arrive on ``conn``, one at a time,
    with ``runners`` (a pool of its own; the forking process started and closes it), and send
    each result back; stop at None. Dies with the judge that forked it."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    with _scratch() as work:
        conn.send(("ready", None))
        while (i := conn.recv()) is not None:
            conn.send(("done", _graded(subs[i], plan, limits, runners, Path(work), resume_from)))


def _grade_in_judges(subs: list[Submission], plan: Plan, pools: list[Pool], limits: Limits,
                     progress, resume_from: Path | None) -> list[StudentResult]:
    """``subs`` graded by one forked judge per pool of ``pools`` (see ``grade_class``)."""
    context = multiprocessing.get_context("fork")
    judges = {}  # our end of each judge's pipe -> (process, index of the student it grades or None)
    for pool in pools:
        ours, theirs = context.Pipe()
        proc = context.Process(target=_judge, args=(theirs, os.getpid(), subs, plan, limits, pool, resume_from),
                               daemon=True)
        proc.start()
        theirs.close()
        judges[ours] = (proc, None)
    todo, results = list(range(len(subs)))[::-1], []
    try:
        while judges:
            for conn in wait(list(judges)):
                proc, current = judges[conn]
                try:
                    what, result = conn.recv()
                except (EOFError, OSError):  # the judge died: its student only
                    if current is not None:
                        result = _internal_error(subs[current], plan, f"the judge process died ({proc.exitcode})")
                        results.append(result)
                        if progress:
                            progress(result)
                    conn.close()
                    del judges[conn]
                    continue
                if result is not None:
                    results.append(result)
                    if progress:
                        progress(result)
                current = todo.pop() if todo else None
                judges[conn] = (proc, current)
                with contextlib.suppress(OSError):  # a judge that just died: the next wait says so
                    conn.send(current)
    finally:
        for conn, (proc, _) in judges.items():
            conn.close()
        for proc in context.active_children():
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
    graded = {r.student for r in results}
    for sub in subs:  # every judge died before reaching these
        if sub.student not in graded:
            results.append(_internal_error(sub, plan, "no judge process was left to grade it"))
    return results


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
