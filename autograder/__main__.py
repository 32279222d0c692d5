"""Command line: ``python -m autograder COMMAND [ARGS]``; ``python -m autograder --help`` lists the
commands (``COMMANDS``), ``python -m autograder COMMAND --help`` shows one command's arguments.

Each command is the ``main(argv)`` of one module (``python -m autograder.build.release`` runs the
same thing as ``python -m autograder release``); ``grade`` is this module's own ``grade``:
``python -m autograder grade SUBMISSIONS [--out grades] [--jobs N] [--timeout S]``.

Before anything is graded, the instructor's input is checked (``preflight``): the assignment names
of ``--only``, the submissions folder (not one student's submission, not empty), the output folder
(not a file, not holding the submissions, not in use by another run: a lock). Each mistake stops
the run with a message that says what to do, and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from gradkit.course import KIT, named
from gradkit.visible import visible

from . import late, report, roster, shards
from .grade import Plan, default_jobs, grade_class
from .merge import class_files, student_files
from .sandbox.judge import (CALL_TIMEOUT, POOL_STARTED, Limits, Pool, SandboxError, SlowStart, Unconfined, bwrap_path,
                            isolation, measure_isolation)
from .intake import layouts
from .late import PolicyError
from .intake.submissions import OUTPUT_MARK, looks_like_one_submission


KIT_FOLDERS = {  # the kit's own folders that look like one submission, and what they are
    KIT / "assignments": "the kit's release of the assignments (the stubs students start from)",
    KIT / "solutions": "the kit's reference solutions",
    KIT / "source": "the kit's instructor masters (the assignments' sources and checks)",
}


def _progress(total: int):
    """A rich progress bar on a terminal; one quiet line per student otherwise."""
    if not sys.stderr.isatty():
        return None, lambda res: None
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   TextColumn("{task.description}"), transient=True)
    task = bar.add_task("", total=total)
    return bar, lambda res: bar.update(task, advance=1, description=escape(_shown(res.student)))


class UsageError(Exception):
    """A mistake in the command line or the folders given; the message says what to do."""


def _shown(text: str) -> str:
    """``text`` for the terminal, on one line: every invisible or layout-changing character (a tab,
    CR, ESC, a right-to-left override, a zero-width space) shown as what it is (``visible``)."""
    return visible(text, keep="")


def _padded(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` terminal cells (a CJK character takes two, a
    combining accent none: rich's ``cell_len``)."""
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


def resolve_only(names: list[str] | None) -> list[str] | None:
    """The assignment folders ``--only`` names: each name is a folder, a module name, or an
    unambiguous prefix of a folder (``01``). Raises UsageError listing the valid names."""
    if names is None:
        return None
    chosen = []
    for name in names:
        try:
            folder = named(name).folder
        except ValueError as exc:
            raise UsageError(f"--only {exc}") from None
        chosen += [folder] if folder not in chosen else []
    return chosen


def keeps_other_grades(out: Path, only: list[str] | None) -> None:
    """Raise UsageError if grading ``only`` some assignments into ``out`` would replace a gradebook
    that holds grades of other assignments (the gradebook is the record; nothing is lost silently)."""
    book = out / "gradebook.csv"
    if not only or not book.is_file():
        return
    with open(book, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), [])
    others = [c for c in header if c not in ("student", "name", "total", "raw", "penalty", "final", "late", "folder",
                                             *only)]
    if others:
        raise UsageError(f"--out {out} already holds grades of {', '.join(others)} (gradebook.csv); grading only "
                         f"{', '.join(only)} there would replace them. Give a new --out for this partial run, or "
                         "grade every assignment")


def preflight(root: Path, out: Path, layout: str | None = None):
    """Check the folders of a run before grading; returns the intake (``layouts.ClassIntake``,
    read as ``layout``, detected when None: an ambiguous folder is a UsageError naming what it holds).
    Raises UsageError for: no such folder; a folder that looks like one student's submission; an
    output folder that is a file, is the submissions folder or holds it; no submission at all."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder; give the folder that holds one folder or .zip per student")
    inside = looks_like_one_submission(root)
    if inside and root.resolve() in KIT_FOLDERS:
        raise UsageError(f"{root} is {KIT_FOLDERS[root.resolve()]}, not a class of submissions (it holds "
                         f"{', '.join(inside)}). Give the folder that holds one folder or .zip per student, e.g. the "
                         f"bundled class: python -m autograder grade {KIT / 'examples'}")
    if inside:
        raise UsageError(f"{root} looks like one student's submission (it holds {', '.join(inside)}), not a "
                         f"folder of submissions. To grade the class, give the folder that holds every student's "
                         f"folder, e.g. python -m autograder grade {root.resolve().parent}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder; give a folder for the gradebook and feedback")
    if root.resolve() == out.resolve() or out.resolve() in root.resolve().parents:
        raise UsageError(f"--out {out} holds the submissions folder {root}; give an output folder of its own")
    if out.resolve().is_relative_to(root.resolve()):
        entry = root.resolve() / out.resolve().relative_to(root.resolve()).parts[0]
        if entry.exists() and not (entry / OUTPUT_MARK).exists():
            raise UsageError(f"--out {out} lies in {entry.name}, which is an entry of the submissions folder "
                             f"(a student's submission would lose its row and get the reports written into it); "
                             "give an output folder outside the submissions folder")
    try:
        intake = layouts.scan(root, layout)
    except layouts.LayoutError as exc:
        raise UsageError(str(exc)) from None
    if not intake.submissions:
        listed = "".join(f"\n  skipped {_shown(n)}: {why}" for n, why in intake.skipped)
        raise UsageError(f"no submissions in {root}: it should hold one folder or .zip per student{listed}")
    return intake


def _positive(kind):
    """An argparse type: a finite number of ``kind`` that is > 0."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
        return value
    return parse


def chosen_shard(args) -> shards.Shard:
    """The shard ``--shard`` or ``--shard-from-env`` names (the whole class if neither); UsageError
    for one that cannot be (--shard itself is checked as it is parsed)."""
    if args.shard_from_env is not None:
        try:
            shard = shards.from_env(args.shard_from_env or None)
        except shards.ShardError as exc:
            raise UsageError(str(exc)) from None
    else:
        shard = args.shard or shards.WHOLE
    if shard.count > 1 and args.similarity:
        raise UsageError("--similarity compares students across shards: give it to the merge instead "
                         "(python -m autograder merge SHARD_OUT... --out OUT --similarity SUBMISSIONS)")
    return shard


def _shard(text: str) -> shards.Shard:
    """An argparse type: ``K/N``."""
    try:
        return shards.parse(text)
    except shards.ShardError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_grade(args) -> int:
    root, out = Path(args.submissions), Path(args.out)
    lock = contextlib.ExitStack()
    try:
        shard = chosen_shard(args)
        only = resolve_only(args.only)
        intake = preflight(root, out, args.layout)
        classes, policy = _class_list(args, intake)
        if shard.count > 1 and (intake.layout != "folders" or classes.key or policy):
            raise UsageError(f"--shard grades a class of student folders; this run reads {layouts.TITLES[intake.layout]}"
                             f"{' with a roster' if classes.key else ''}{' with a late policy' if policy else ''}, "
                             "whose gradebook the merge does not write yet: grade it in one run (--jobs N)")
        keeps_other_grades(out, only)
        lock.enter_context(report.locked(out))
    except (UsageError, report.OutputBusy, PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    use_bwrap = bwrap_path() is not None and not args.no_bwrap
    limits = Limits(call_timeout=args.timeout, allow_unconfined=args.allow_unconfined, start_timeout=args.start_timeout)
    with lock, Pool(limits, use_bwrap, wait=False) as pool:  # its zygote starts while the checks load
        plan = Plan.build(only)
        plan.prepare()
        try:  # measured by a probe runner, not assumed; the probe's pool then grades
            prot = isolation(use_bwrap, measure_isolation(limits, use_bwrap, [str(root), str(out)], pool=pool))
        except Unconfined as exc:
            print(f"error: {exc}. Nothing was graded.", file=sys.stderr)
            return 4
        except SlowStart as exc:
            print(f"error: {exc}. Nothing was graded; give it longer with --start-timeout.", file=sys.stderr)
            return 5
        except SandboxError as exc:
            print(f"error: {exc}. Nothing was graded; try --no-bwrap (in a container, as in a Kubernetes pod, "
                  "bubblewrap usually cannot start; the kit's own namespaces need user namespaces only), or check "
                  "the Python installation.", file=sys.stderr)
            return 3
        print("isolation: " + "\n  ".join(prot))
        prot = [ln for ln in prot if not ln.startswith(POOL_STARTED)]  # a timing: the summary's own line says it
        return _grade(args, root, out, intake, plan, use_bwrap, prot, limits, pool, classes, policy, shard)


def _class_list(args, intake):
    """(the roster join, the late policy or None) of a run, from --roster, --due, --late-penalty,
    --grace, --late-cap and --extensions; raises UsageError/PolicyError before anything is graded."""
    classes, times = roster.ClassList(), {}
    if args.roster:
        classes, texts = roster.join(intake, Path(args.roster))
        times = roster.parse_times(texts, Path(args.roster))
    given = [o for o, v in (("--late-penalty", args.late_penalty), ("--grace", args.grace),
                            ("--late-cap", args.late_cap), ("--extensions", args.extensions)) if v]
    if not args.due:
        if given:
            raise UsageError(f"{', '.join(given)} needs --due (the due date, ISO 8601 with a time zone)")
        return classes, None
    rate, unit = late.parse_rate(args.late_penalty) if args.late_penalty else (0.0, "day")
    policy = late.Policy(late.parse_time(args.due, "--due"), rate, unit,
                         late.parse_duration(args.grace) if args.grace else late.dt.timedelta(0),
                         late.parse_cap(args.late_cap) if args.late_cap else 100.0, times=times)
    if args.extensions:
        known = set(classes.enrolled) if classes.key else set(intake.people)
        where = "on the roster" if classes.key else "a student of the submissions folder"
        policy.extensions, more = late.load_extensions(Path(args.extensions), known, where)
        policy.times.update(more)
    return classes, policy


def _grade(args, root: Path, out: Path, intake, plan: Plan, use_bwrap: bool, prot: list[str], limits: Limits,
           pool: Pool, classes=None, policy=None, shard: shards.Shard = shards.WHOLE) -> int:
    """Grade the class, or ``shard`` of it (the checks passed, OUT is locked, ``pool`` started),
    and write every report, then the shard's manifest."""
    print(intake.headline())
    for name, why in intake.skipped:
        print(f"skipped {_shown(name)}: {why}")
    shards.remove_manifest(out)
    report.remove_stale_temporaries(out)
    resume = out if args.resume else None
    bar, tick = _progress(sum(1 for s in intake.submissions if shard.holds(s.student)))
    start = time.monotonic()

    def progress(res):
        student_files(out, res, plan, args.hidden_visibility)
        tick(res)

    try:
        if bar:
            with bar:
                results = grade_class(root, plan, args.jobs, limits, use_bwrap, progress, resume, pool,
                                      intake.submissions, shard=shard)
        else:
            results = grade_class(root, plan, args.jobs, limits, use_bwrap, progress, resume, pool,
                                  intake.submissions, shard=shard)
    except SlowStart as exc:
        print(f"error: {exc}. Nothing was graded; give it longer with --start-timeout.", file=sys.stderr)
        return 5
    except SandboxError as exc:
        print(f"error: {exc}. Nothing was graded; try --no-bwrap, or check the Python installation.",
              file=sys.stderr)
        return 3
    seconds = time.monotonic() - start
    classes = classes or roster.ClassList()
    lms = intake.layout != "folders" or classes.key or policy
    removed, foreign = class_files(
        out, results, plan, prot, seconds, intake.skipped, root if args.similarity else None, plots=not args.no_plots,
        intro=roster.summary_blocks(intake, classes, policy, results) if lms else (),
        gradebook=roster.gradebook_csv(results, plan, intake, policy) if lms else None,
        also={roster.ROSTER_FILE: roster.roster_csv(results, intake, classes)} if lms else None)
    options = {"assignments": plan.folders, "timeout": args.timeout, "hidden_visibility": args.hidden_visibility}
    shards.manifest(shard, plan, results, options, prot, seconds, shards.listing_digest(intake.submissions, intake.skipped),
                    len(intake.submissions), intake.skipped).write(out)
    print_gradebook(results, plan)
    for name in removed:
        print(f"removed {out / report.STUDENTS / name}: left by an earlier run, no such submission now")
    for name in foreign:
        print(f"left alone {out / report.STUDENTS / name}: no such submission now, but it holds files "
              "the grader does not write")
    reused = sum(1 for r in results if r.resumed)
    if reused:
        print(f"\n{reused} unchanged submissions taken from the previous run (--resume)")
    of = f" (shard {shard} of the class's {len(intake.submissions)})" if shard.count > 1 else ""
    print(f"\n{len(results)} submissions{of} in {seconds:.1f} s with {args.jobs} jobs -> {out}/gradebook.csv, "
          f"{out}/summary.md, {out}/{report.STUDENTS}/<folder>/feedback.md")
    if args.similarity:
        print(f"similar submissions: the last section of {out}/summary.md; side by side in {out}/similarity.html")
    return 0


def print_gradebook(results, plan) -> None:
    """The gradebook as a table on the terminal, in the order of ``results`` (``report.student_order``),
    its columns aligned by display width."""
    from rich.cells import cell_len

    short = [f.split("_", 1)[0] for f in plan.folders]
    names = [_shown(r.student) for r in results]
    width = max([cell_len(n) for n in names] + [7])
    print(_padded("student", width) + "  " + "  ".join(f"{s:>5}" for s in short) + "  total  folder")
    for r, name in zip(results, names):
        print(_padded(name, width) + "  " + "  ".join(f"{r.score(f):>5g}" for f in plan.folders)
              + f"  {r.total:>5g}  {r.folder}")


def grade(argv=None) -> int:
    """``python -m autograder grade``: grade a folder of submissions (the arguments are below)."""
    warnings.filterwarnings("ignore")
    g = argparse.ArgumentParser(prog="python -m autograder grade",
                                description="Grade a folder of submissions: gradebook.csv, summary.md/html, and "
                                            "feedback and results.json per student in --out.")
    g.add_argument("submissions", help="folder holding <student>/ folders and/or <student>.zip files, or an LMS's "
                                       "download (Canvas, Moodle, Gradescope export; see --layout)")
    g.add_argument("--layout", choices=layouts.LAYOUTS,
                   help="how SUBMISSIONS is laid out (default: detected; an ambiguous folder is refused)")
    g.add_argument("--roster", metavar="FILE",
                   help="the course list (Canvas gradebook export, Moodle participants export or grading worksheet, "
                        "or a CSV with a student column): everyone on it gets a row")
    g.add_argument("--due", metavar="TIME", help="due date, ISO 8601 with a time zone (2026-12-04T23:59:00+01:00)")
    g.add_argument("--late-penalty", metavar="RATE",
                   help="percent of the earned points lost per hour or day late, e.g. 10/day or 2%%/hour")
    g.add_argument("--grace", metavar="DURATION", help="no penalty this long after the due date, e.g. 15m")
    g.add_argument("--late-cap", metavar="PERCENT", help="at most this percentage is lost (default: 100)")
    g.add_argument("--extensions", metavar="FILE",
                   help="CSV with student, due (and optionally submitted_at): a student's own due date")
    g.add_argument("--out", default="grades", help="output folder (default: grades)")
    g.add_argument("--jobs", type=_positive(int), default=default_jobs(),
                   help="students graded in parallel, at least 1 (default: cores)")
    g.add_argument("--timeout", type=_positive(float), default=CALL_TIMEOUT,
                   help=f"seconds allowed for one call, more than 0 (default: {CALL_TIMEOUT:g})")
    g.add_argument("--start-timeout", type=_positive(float), default=Limits.start_timeout,
                   help="seconds the sandbox may take to start (Python, NumPy and matplotlib in the runner pool, "
                        f"the isolation probe) before the run stops with exit status 5 (default: {Limits.start_timeout:g}); "
                        "one that cannot start stops at once with status 3")
    g.add_argument("--only", nargs="+", metavar="ASSIGNMENT",
                   help="grade only these assignments (folder names, or a prefix such as 01)")
    g.add_argument("--no-bwrap", action="store_true", help="do not use bubblewrap even if installed")
    g.add_argument("--allow-unconfined", action="store_true",
                   help="grade even where student code cannot be confined (no bubblewrap, no user namespaces): "
                        "it can then read and write what user nobody can; for one-student containers only")
    g.add_argument("--resume", action="store_true",
                   help="skip submissions whose files and checks are unchanged since they were graded into --out")
    g.add_argument("--similarity", action="store_true",
                   help="add a 'Similar submissions' section to summary.md/html: the pairs of students whose code "
                        "is unusually alike, side by side in OUT/similarity.html (nothing is run)")
    g.add_argument("--no-plots", action="store_true",
                   help="write the class summary without its plots (faster; for one student's run, as on Gradescope)")
    split = g.add_mutually_exclusive_group()
    split.add_argument("--shard", type=_shard, metavar="K/N",
                       help="grade shard K (0 to N-1) of N: the students whose name hashes to K; "
                            "python -m autograder merge makes one gradebook of the N OUTs")
    split.add_argument("--shard-from-env", nargs="?", type=_positive(int), const=0, metavar="N",
                       help="the shard from the scheduler: K from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job: "
                            "give N) or SLURM_ARRAY_TASK_ID (a Slurm array, --array=0-(N-1); N defaults to "
                            "SLURM_ARRAY_TASK_COUNT)")
    g.add_argument("--hidden-visibility", choices=report.HIDDEN_VISIBILITY, default=report.DEFAULT_VISIBILITY,
                   help=f"Gradescope visibility of the hidden checks in results.json (default: {report.DEFAULT_VISIBILITY})")
    return cmd_grade(g.parse_args(argv))


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, the ``module:function`` that runs it (called with the arguments
    after the name) and its line in ``--help``."""

    name: str
    entry: str
    summary: str

    def run(self, argv: list[str]) -> int:
        return _entry(self.entry)(argv)


def _entry(spec: str):
    """The function ``module:function`` names, its module imported only now (the commands' modules
    load slow libraries: similarity's copydetect imports matplotlib)."""
    module, function = spec.split(":")
    return getattr(importlib.import_module(module), function)


COMMANDS = [
    Command("grade", f"{__name__}:grade", "grade a folder of submissions: gradebook, feedback, summary (make grade)"),
    Command("export", "autograder.export:main",
            "write a graded OUT's gradebook as the CSV Canvas or Moodle imports (export OUT --to canvas|moodle)"),
    Command("merge", "autograder.merge:main",
            "merge the OUTs of a class graded in shards (grade --shard K/N) into one gradebook"),
    Command("similarity", "autograder.similarity:main",
            "list the pairs of students whose code is unusually alike (make similarity)"),
    Command("nbgrade", "autograder.nbgrade:main",
            "nbgrader's own autograde, export and feedback on notebooks (make nbgrade)"),
    Command("release", "autograder.build.release:main",
            "generate assignments/ and solutions/ from source/, or --check them (make release)"),
    Command("examples", "autograder.build.examples:main", "generate examples/, the small class make grade grades"),
    Command("gradescope", "autograder.build.gradescope:main", "build the Gradescope autograder zip (make gradescope)"),
    Command("classroom", "autograder.build.classroom:main",
            "build a GitHub Classroom template repository (make classroom)"),
    Command("classroom50", "autograder.build.classroom50:main",
            "build a Classroom 50 autograder writing result.json (make classroom50)"),
    Command("student-zip", "autograder.build.bundle:main",
            "build dist/student.zip, the release with its public checks (make student-zip)"),
    Command("new-assignment", "autograder.build.scaffold:main",
            "write a working skeleton source/NN_name/ (make new-assignment)"),
    Command("doctor", "autograder.tools.doctor:main", "the gradient doctor's demo: five networks diagnosed and drawn"),
    Command("bench", "autograder.tools.bench:main", "grade a synthetic class and print timings (make bench)"),
    Command("screenshots", "autograder.tools.screenshots:main",
            "render a graded OUT's summary.html and feedback.html pages to PNG (make screenshots)"),
]


def command_list() -> str:
    """The commands, one line each, for ``--help``."""
    width = max(len(c.name) for c in COMMANDS)
    return "commands:\n" + "\n".join(f"  {c.name:<{width}}  {c.summary}" for c in COMMANDS)


def main(argv=None) -> int:
    by_name = {c.name: c for c in COMMANDS}
    parser = argparse.ArgumentParser(
        prog="python -m autograder", usage="%(prog)s [-h] COMMAND [ARGS ...]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="gradkit's commands. `python -m autograder COMMAND --help` shows a command's arguments.",
        epilog=command_list())
    parser.add_argument("command", metavar="COMMAND", choices=list(by_name), help="one of the commands below")
    parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        parser.print_help(sys.stderr)
        return 2
    args = parser.parse_args(argv)
    return by_name[args.command].run(args.args)


if __name__ == "__main__":
    sys.exit(main())
