"""`make bench`: grade a synthetic class end to end and print a table of timings.

The class (default 200 students x every assignment) mixes correct submissions, partly done ones
(a random subset of functions solved, the rest stubs), broken ones (syntax error, exit at
import) and hostile ones (an endless loop in one function, an output flood). It is built from
solutions/ and assignments/ in a temporary folder. Measured in the same run:

- the batch grader: wall time, time per student-assignment, peak memory (judge, largest runner);
- a fresh ``pytest`` process per submission on the public checks (what a naive grader does);
- nbgrader ``autograde`` on one notebook submission, when ``make release`` has built notebooks
  and nbgrader is installed (skipped otherwise, with a note).

Usage: python -m autograder.tools.bench [--students 200] [--jobs N] [--timeout S] [--baseline-samples 4]
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gradkit import course as registry
from gradkit.course import KIT
from .. import nbgrade
from ..build.release import replace_function
from ..grade import Plan, default_jobs, grade_class
from ..sandbox.judge import Limits, bwrap_path



def _functions(text: str) -> list[str]:
    return [n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


def _source_of(text: str, name: str) -> str:
    for n in ast.parse(text).body:
        if isinstance(n, ast.FunctionDef) and n.name == name:
            return "\n".join(text.splitlines()[n.lineno - 1:n.end_lineno])
    raise KeyError(name)


def build_class(root: Path, students: int, folders: list[str], seed: int = 0) -> dict[str, int]:
    """Write ``students`` submissions under ``root``; returns how many of each kind."""
    rng = random.Random(seed)
    kinds = {"correct": 0, "partial": 0, "syntax_error": 0, "exit_at_import": 0, "endless_loop": 0, "output_flood": 0}
    avail = [a for a in registry.available() if a.folder in folders]
    sol = {a.folder: (KIT / "solutions" / a.folder / f"{a.module}.py").read_text() for a in avail}
    stub = {a.folder: (KIT / "assignments" / a.folder / f"{a.module}.py").read_text() for a in avail}
    for i in range(students):
        r = rng.random()
        kind = ("correct" if r < 0.5 else "partial" if r < 0.85 else "syntax_error" if r < 0.9
                else "exit_at_import" if r < 0.94 else "endless_loop" if r < 0.97 else "output_flood")
        kinds[kind] += 1
        for a in avail:
            text = sol[a.folder]
            if kind == "partial":
                text = stub[a.folder]
                for f in _functions(sol[a.folder]):
                    if rng.random() < 0.7:
                        text = replace_function(text, f, _source_of(sol[a.folder], f))
            elif kind == "syntax_error" and rng.random() < 0.5:
                text = text.replace("):\n", ")\n", 1)
            elif kind == "exit_at_import" and rng.random() < 0.5:
                text = "import sys\nsys.exit(1)\n" + text
            elif kind == "endless_loop" and a.folder == avail[0].folder:
                f = _functions(text)[0]
                text = text.replace(f"def {f}(", f"def {f}(*_a, **_k):\n    while True:\n        pass\n\n\ndef _x(", 1)
            elif kind == "output_flood" and a.folder == avail[0].folder:
                f = _functions(text)[1]
                src = _source_of(text, f)
                body_at = src.index(":\n") + 2
                text = text.replace(src, src[:body_at] + "    print('x' * 100000)\n" + src[body_at:], 1)
            path = root / f"student{i:03d}" / a.folder / f"{a.module}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return kinds


def _peak_rss_mb(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def pytest_per_submission(root: Path, samples: int, folders: list[str]) -> float | None:
    """Seconds per submission for a fresh `pytest` process per student (public checks)."""
    avail = [a for a in registry.available() if a.folder in folders]
    students = sorted(p for p in root.iterdir() if p.is_dir())[:samples]
    if not students:
        return None
    start = time.monotonic()
    for s in students:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp) / "release"
            shutil.copytree(KIT / "assignments", work, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
            for a in avail:
                shutil.copy(s / a.folder / f"{a.module}.py", work / a.folder / f"{a.module}.py")
            subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *folders], cwd=work,
                           capture_output=True, timeout=600,
                           env=dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1"))
    return (time.monotonic() - start) / len(students)


def nbgrader_per_notebook() -> tuple[float | None, str]:
    """Seconds for nbgrader autograde of one notebook submission, if the kit has notebooks."""
    try:
        return nbgrade.time_one_autograde(), ""
    except Exception as exc:  # the baseline is informative, never fatal
        return None, f"nbgrader baseline failed: {type(exc).__name__}: {exc}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.tools.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=200, help="size of the synthetic class (default: 200)")
    p.add_argument("--jobs", type=int, default=default_jobs(), help="students graded in parallel (default: cores)")
    p.add_argument("--timeout", type=float, default=2.0, help="per-call timeout (endless loops cost this)")
    p.add_argument("--baseline-samples", type=int, default=4,
                   help="submissions timed with a fresh pytest process each (default: 4)")
    p.add_argument("--only", nargs="*", default=[a.folder for a in registry.available()[:6]],
                   help="assignments to grade (default: 01 to 06; the capstone trains networks and is far slower)")
    args = p.parse_args(argv)
    plan = Plan.build(args.only)
    with tempfile.TemporaryDirectory(prefix="gradkit-bench-") as tmp:
        root = Path(tmp) / "class"
        kinds = build_class(root, args.students, plan.folders)
        t0 = time.monotonic()
        plan.prepare()
        t_ref = time.monotonic() - t0
        t1 = time.monotonic()
        results = grade_class(root, plan, args.jobs, Limits(call_timeout=args.timeout), bwrap_path() is not None)
        t_grade = time.monotonic() - t1
        n_sa = len(results) * len(plan.items)
        judge_mb, child_mb = _peak_rss_mb(resource.RUSAGE_SELF), _peak_rss_mb(resource.RUSAGE_CHILDREN)
        t_pytest = pytest_per_submission(root, args.baseline_samples, plan.folders)
        t_nb, nb_note = nbgrader_per_notebook()
    per_sa = t_grade / n_sa
    rows = [
        ("students x assignments", f"{len(results)} x {len(plan.items)} = {n_sa}"),
        ("class mix", ", ".join(f"{k} {v}" for k, v in kinds.items())),
        ("jobs / sandbox", f"{args.jobs} / {'bubblewrap' if bwrap_path() else 'process limits only'}"),
        ("torch references (once)", f"{t_ref:.2f} s"),
        ("grading wall time", f"{t_grade:.1f} s"),
        ("per student-assignment", f"{per_sa * 1000:.0f} ms"),
        ("per student (all assignments)", f"{t_grade / len(results) * 1000:.0f} ms"),
        ("peak memory: judge / largest runner", f"{judge_mb:.0f} MB / {child_mb:.0f} MB"),
        ("peak memory, all processes (judge + jobs x runner)", f"~{judge_mb + args.jobs * child_mb:.0f} MB"),
    ]
    if t_pytest is not None:
        rows.append(("fresh pytest process per submission (public checks)", f"{t_pytest:.2f} s "
                     f"({t_pytest / (t_grade / len(results)):.0f}x the batch grader per student)"))
    if t_nb is not None:
        rows.append(("nbgrader autograde, one notebook submission", f"{t_nb:.2f} s "
                     f"({t_nb / per_sa:.0f}x the batch grader per student-assignment)"))
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if nb_note:
        print(nb_note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
