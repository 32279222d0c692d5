"""Command line: ``python -m autograder grade SUBMISSIONS [--out grades] [--jobs N] [--timeout S]``."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from . import report
from .grade import Plan, default_jobs, grade_class
from .sandbox import Limits, SandboxError, Unconfined, bwrap_path, isolation, measure_isolation


def _progress(total: int):
    """A rich progress bar on a terminal; one quiet line per student otherwise."""
    if not sys.stderr.isatty():
        return None, lambda res: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   TextColumn("{task.description}"), transient=True)
    task = bar.add_task("", total=total)
    return bar, lambda res: bar.update(task, advance=1, description=res.student)


def cmd_grade(args) -> int:
    root = Path(args.submissions)
    if not root.is_dir():
        print(f"error: {root} is not a folder of submissions", file=sys.stderr)
        return 2
    use_bwrap = bwrap_path() is not None and not args.no_bwrap
    limits = Limits(call_timeout=args.timeout, allow_unconfined=args.allow_unconfined)
    try:  # measured by a probe runner, not assumed
        prot = isolation(use_bwrap, measure_isolation(limits, use_bwrap, [str(root), args.out]))
    except Unconfined as exc:
        print(f"error: {exc}. Nothing was graded.", file=sys.stderr)
        return 4
    except SandboxError as exc:
        print(f"error: {exc}. Nothing was graded; try --no-bwrap, or check the Python installation.",
              file=sys.stderr)
        return 3
    print("isolation: " + "\n  ".join(prot))
    plan = Plan.build(args.only)
    out = Path(args.out)
    if out.is_dir():
        report.remove_stale_temporaries(out)
    resume = out if args.resume else None
    from .submissions import discover

    n = len(discover(root))
    bar, tick = _progress(n)
    start = time.monotonic()

    def progress(res):
        report.save_state(out, res)
        report.write_student(out, res, plan, args.hidden_visibility)
        tick(res)

    try:
        if bar:
            with bar:
                results = grade_class(root, plan, args.jobs, limits, use_bwrap, progress, resume)
        else:
            results = grade_class(root, plan, args.jobs, limits, use_bwrap, progress, resume)
    except SandboxError as exc:
        print(f"error: {exc}. Nothing was graded; try --no-bwrap, or check the Python installation.",
              file=sys.stderr)
        return 3
    seconds = time.monotonic() - start
    report.write_class(out, results, plan, prot, seconds)
    print_gradebook(results, plan)
    reused = sum(1 for r in results if r.resumed)
    if reused:
        print(f"\n{reused} unchanged submissions taken from the previous run (--resume)")
    print(f"\n{len(results)} submissions in {seconds:.1f} s with {args.jobs} jobs -> {out}/gradebook.csv, "
          f"{out}/summary.md, {out}/<student>/feedback.md")
    return 0


def print_gradebook(results, plan) -> None:
    short = [f.split("_", 1)[0] for f in plan.folders]
    width = max([len(r.student) for r in results] + [7])
    print(f"{'student':<{width}}  " + "  ".join(f"{s:>5}" for s in short) + "  total")
    for r in results:
        print(f"{r.student:<{width}}  " + "  ".join(f"{r.score(f):>5g}" for f in plan.folders) + f"  {r.total:>5g}")


def main(argv=None) -> int:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="grade a folder of submissions")
    g.add_argument("submissions", help="folder holding <student>/ folders and/or <student>.zip files")
    g.add_argument("--out", default="grades", help="output folder (default: grades)")
    g.add_argument("--jobs", type=int, default=default_jobs(), help="students graded in parallel (default: cores)")
    g.add_argument("--timeout", type=float, default=10.0, help="seconds allowed for one call (default: 10)")
    g.add_argument("--only", nargs="*", help="grade only these assignment folders")
    g.add_argument("--no-bwrap", action="store_true", help="do not use bubblewrap even if installed")
    g.add_argument("--allow-unconfined", action="store_true",
                   help="grade even where student code cannot be confined (no bubblewrap, no user namespaces): "
                        "it can then read and write what user nobody can; for one-student containers only")
    g.add_argument("--resume", action="store_true",
                   help="skip submissions whose files and checks are unchanged since they were graded into --out")
    g.add_argument("--hidden-visibility", choices=report.HIDDEN_VISIBILITY, default="after_due_date",
                   help="Gradescope visibility of the hidden checks in results.json (default: after_due_date)")
    g.set_defaults(func=cmd_grade)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
