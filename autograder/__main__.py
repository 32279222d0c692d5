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

from gradkit.course import named
from gradkit.visible import visible
from . import report
from .grade import Plan, default_jobs, grade_class, save_state
from .sandbox.judge import CALL_TIMEOUT, Limits, Pool, SandboxError, Unconfined, bwrap_path, isolation, measure_isolation
from .intake.submissions import OUTPUT_MARK, looks_like_one_submission, scan


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
    others = [c for c in header if c not in ("student", "total", "folder", *only)]
    if others:
        raise UsageError(f"--out {out} already holds grades of {', '.join(others)} (gradebook.csv); grading only "
                         f"{', '.join(only)} there would replace them. Give a new --out for this partial run, or "
                         "grade every assignment")


def preflight(root: Path, out: Path):
    """Check the folders of a run before grading; returns the intake (``submissions.Intake``).
    Raises UsageError for: no such folder; a folder that looks like one student's submission; an
    output folder that is a file, is the submissions folder or holds it; no submission at all."""
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder; give the folder that holds one folder or .zip per student")
    inside = looks_like_one_submission(root)
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
    intake = scan(root)
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


def cmd_grade(args) -> int:
    root, out = Path(args.submissions), Path(args.out)
    lock = contextlib.ExitStack()
    try:
        only = resolve_only(args.only)
        intake = preflight(root, out)
        keeps_other_grades(out, only)
        lock.enter_context(report.locked(out))
    except (UsageError, report.OutputBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    use_bwrap = bwrap_path() is not None and not args.no_bwrap
    limits = Limits(call_timeout=args.timeout, allow_unconfined=args.allow_unconfined)
    with lock, Pool(limits, use_bwrap, wait=False) as pool:  # its zygote starts while the checks load
        plan = Plan.build(only)
        plan.prepare()
        try:  # measured by a probe runner, not assumed; the probe's pool then grades
            prot = isolation(use_bwrap, measure_isolation(limits, use_bwrap, [str(root), str(out)], pool=pool))
        except Unconfined as exc:
            print(f"error: {exc}. Nothing was graded.", file=sys.stderr)
            return 4
        except SandboxError as exc:
            print(f"error: {exc}. Nothing was graded; try --no-bwrap, or check the Python installation.",
                  file=sys.stderr)
            return 3
        print("isolation: " + "\n  ".join(prot))
        return _grade(args, root, out, intake, plan, use_bwrap, prot, limits, pool)


def _grade(args, root: Path, out: Path, intake, plan: Plan, use_bwrap: bool, prot: list[str], limits: Limits,
           pool: Pool) -> int:
    """Grade the class (the checks passed, OUT is locked, ``pool`` started) and write every report."""
    for name, why in intake.skipped:
        print(f"skipped {_shown(name)}: {why}")
    report.remove_stale_temporaries(out)
    resume = out if args.resume else None
    bar, tick = _progress(len(intake.submissions))
    start = time.monotonic()

    def progress(res):
        save_state(out, res)
        report.write_student(out, res, plan, args.hidden_visibility)
        tick(res)

    try:
        if bar:
            with bar:
                results = grade_class(root, plan, args.jobs, limits, use_bwrap, progress, resume, pool)
        else:
            results = grade_class(root, plan, args.jobs, limits, use_bwrap, progress, resume, pool)
    except SandboxError as exc:
        print(f"error: {exc}. Nothing was graded; try --no-bwrap, or check the Python installation.",
              file=sys.stderr)
        return 3
    seconds = time.monotonic() - start
    extra = [_entry(SIMILARITY)(root, out, plan.folders)] if args.similarity else []
    removed, foreign = report.write_class(out, results, plan, prot, seconds, intake.skipped, extra=extra,
                                         plots=not args.no_plots)
    print_gradebook(results, plan)
    for name in removed:
        print(f"removed {out / report.STUDENTS / name}: left by an earlier run, no such submission now")
    for name in foreign:
        print(f"left alone {out / report.STUDENTS / name}: no such submission now, but it holds files "
              "the grader does not write")
    reused = sum(1 for r in results if r.resumed)
    if reused:
        print(f"\n{reused} unchanged submissions taken from the previous run (--resume)")
    print(f"\n{len(results)} submissions in {seconds:.1f} s with {args.jobs} jobs -> {out}/gradebook.csv, "
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
    g.add_argument("submissions", help="folder holding <student>/ folders and/or <student>.zip files")
    g.add_argument("--out", default="grades", help="output folder (default: grades)")
    g.add_argument("--jobs", type=_positive(int), default=default_jobs(),
                   help="students graded in parallel, at least 1 (default: cores)")
    g.add_argument("--timeout", type=_positive(float), default=CALL_TIMEOUT,
                   help=f"seconds allowed for one call, more than 0 (default: {CALL_TIMEOUT:g})")
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


SIMILARITY = "autograder.similarity:summary_section"  # grade --similarity: (root, out, folders) -> the blocks of a summary section


COMMANDS = [
    Command("grade", f"{__name__}:grade", "grade a folder of submissions: gradebook, feedback, summary (make grade)"),
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
