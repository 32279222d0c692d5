"""`make nbgrade`: nbgrader's own cycle on a folder of notebook submissions.

Usage: python -m autograder.nbgrade [SUBMITTED] [--course build/nbgrader]

``SUBMITTED/<student>/<folder>/<folder>.ipynb`` (or the one ``.ipynb`` in ``<folder>/``; a
``<student>.zip`` with the same tree works too) is one notebook submission. Everything below is
nbgrader's own code, run in this process through its Python API with the configuration in
nbgrader_config.py (cell timeout, course id) and the course folder ``--course``:

1. the source notebooks are generated from source/ into COURSE/source/<folder>/ and nbgrader's
   ``generate_assignment`` records them in the gradebook (COURSE/gradebook.db, SQLite), test
   cells and hidden tests included;
2. each notebook is copied to COURSE/submitted/<student>/<folder>/<folder>.ipynb (nothing else
   of the submission is);
3. ``autograde`` per notebook: nbgrader restores the test cells from the gradebook (so the
   hidden tests run), executes the notebook in a fresh kernel and stores the points;
4. the gradebook is exported with nbgrader's CSV exporter to COURSE/grades.csv;
5. ``generate_feedback`` writes COURSE/feedback/<student>/<folder>/<folder>.html.

Prints the scores read back from the gradebook and the seconds per notebook. Written answers
are graded by hand afterwards (``nbgrader formgrader``, or ``nbgrader`` commands in this folder);
until then they count 0, so a notebook shows ``auto / 100`` plus the manual points pending.

nbgrader runs a student's notebook unsandboxed in the kernel; ``make grade`` grades the same
notebooks (their answer cells) in the kit's sandbox.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

from gradkit import course as registry
from gradkit.course import KIT
from gradkit.files import write_atomic
from gradkit.visible import visible
from .build.notebooks import (build, fill_answers, generate_assignment, has_notebook, nbgrader_api, solution_functions,
                        write_course_source)
from .report import csv_text, student_order
from .intake.student_text import find_notebook
from .intake.hand_in import TooLarge, Unreadable, open_hand_in
from .intake.submissions import MAX_NOTEBOOK, scan

COURSE = KIT / "build" / "nbgrader"


def collect(submitted: Path, folders: list[str], course: Path) -> tuple[dict[str, list[str]], list[str]]:
    """Copy each student's notebooks into COURSE/submitted/; ({folder: [students]}, notes).

    The students are those of ``submissions.scan`` (so the fast grader and nbgrader agree on who
    is a student); nbgrader's student id is the student's output folder name (ASCII, unique)."""
    got: dict[str, list[str]] = {f: [] for f in folders}
    intake = scan(submitted)
    notes = [f"skipped {name!r}: {why}" for name, why in intake.skipped]
    modules = {f: registry.by_folder(f).module for f in folders}
    for sub in intake.submissions:
        student, found = sub.folder, []
        try:
            hand_in = open_hand_in(sub.path, modules, found)
        except Exception as exc:  # not a zip, an unreadable folder, ...
            notes.append(f"{student}: could not read the submission ({type(exc).__name__}: {exc})")
            continue
        with hand_in:
            for folder in folders:
                name = find_notebook(hand_in.names, folder)
                if name is None:
                    continue
                try:
                    data = hand_in.read(name, MAX_NOTEBOOK)
                    if len(data) > MAX_NOTEBOOK:
                        raise TooLarge(len(data))
                except TooLarge:
                    notes.append(f"{student}: {name} is larger than {MAX_NOTEBOOK >> 20} MB; not graded")
                    continue
                except Unreadable as exc:  # one notebook: that assignment only
                    notes.append(f"{student}: {name} was not graded: {exc}")
                    continue
                dest = course / "submitted" / student / folder
                if dest.exists():
                    shutil.rmtree(dest)
                dest.mkdir(parents=True)
                (dest / f"{folder}.ipynb").write_bytes(data)
                got[folder].append(student)
        notes += [f"{student}: {n}" for n in found]
    return got, notes


def gradebook_scores(course: Path, pairs) -> dict[tuple[str, str], tuple[float, float, float]]:
    """{(student, folder): (auto score, auto max, manual max)} read from nbgrader's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "gradkit") as gb:
        for student, folder in pairs:
            try:
                sub = gb.find_submission(folder, student)
            except MissingEntry:
                continue
            auto = sum(g.score or 0 for nb in sub.notebooks for g in nb.grades if g.cell_type == "code")
            auto_max = sum(g.max_score for nb in sub.notebooks for g in nb.grades if g.cell_type == "code")
            manual_max = sum(g.max_score for nb in sub.notebooks for g in nb.grades if g.cell_type == "markdown")
            out[(student, folder)] = (float(auto), float(auto_max), float(manual_max))
    return out


def run(submitted: Path, course: Path = COURSE, quiet: bool = False) -> dict:
    """The whole cycle; returns {"scores": {(student, folder): points}, "seconds": {...}, "failed": [...],
    "csv": path, "feedback": path}."""
    saved = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = "ignore"  # inherited by the kernels: nothing on a test cell's stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy's SAWarning and friends, on every autograde
            return _run(submitted, course, quiet)
    finally:
        if saved is None:
            os.environ.pop("PYTHONWARNINGS", None)
        else:
            os.environ["PYTHONWARNINGS"] = saved


def _run(submitted: Path, course: Path, quiet: bool) -> dict:
    say = (lambda *a: None) if quiet else print
    course = Path(course).resolve()
    course.mkdir(parents=True, exist_ok=True)
    folders = [(a.folder, a.module) for a in registry.available() if has_notebook(a.folder)]
    t0 = time.monotonic()
    got, notes = collect(Path(submitted), [f for f, _ in folders], course)
    todo = [(f, m) for f, m in folders if got[f]]
    if not todo:
        raise SystemExit(f"no notebook submissions in {submitted} (expected <student>/<folder>/<folder>.ipynb)")
    write_course_source(course, todo)
    api = nbgrader_api(course, database=True)
    for folder, _ in todo:
        generate_assignment(api, folder)
    t_setup = time.monotonic() - t0
    seconds, failed = {}, []
    for folder, _ in todo:
        for student in got[folder]:
            t = time.monotonic()
            result = api.autograde(folder, student, force=True, create=True)
            seconds[(student, folder)] = time.monotonic() - t
            if not result.get("success"):
                failed.append((student, folder))
                say(f"autograde failed for {student}/{folder}:\n{_tail(result)}")
    t = time.monotonic()
    for folder, _ in todo:
        result = api.generate_feedback(folder, force=True)
        if not result.get("success"):
            say(f"generate_feedback {folder} failed:\n{_tail(result)}")
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        CsvExportPlugin(to=str(course / "grades.csv")).export(gb)
    no_formulas(course / "grades.csv")
    t_after = time.monotonic() - t
    pairs = [(s, f) for f, _ in todo for s in got[f]]
    table = gradebook_scores(course, pairs)
    if not quiet:
        _print_table(todo, got, table, seconds, notes, course)
        times = sorted(seconds.values())
        say(f"\n{len(times)} notebook(s) through autograde: median {times[len(times) // 2]:.1f} s, slowest "
            f"{times[-1]:.1f} s, total {sum(times):.1f} s (plus set-up and generate_assignment {t_setup:.1f} s, "
            f"feedback and export {t_after:.1f} s)")
        say(f"gradebook: {course / 'gradebook.db'}   export: {course / 'grades.csv'}   "
            f"feedback: {course / 'feedback'}/<student>/<folder>/")
    return {"scores": {k: v[0] for k, v in table.items()}, "table": table, "seconds": seconds, "failed": failed,
            "notes": notes, "csv": course / "grades.csv", "feedback": course / "feedback",
            "setup_seconds": t_setup, "after_seconds": t_after}


def _tail(result: dict, n: int = 3000) -> str:
    return ((result.get("error") or "") + "\n" + (result.get("log") or ""))[-n:]


def _print_table(todo, got, table, seconds, notes, course) -> None:
    students = sorted({s for f, _ in todo for s in got[f]}, key=student_order)
    width = max(len("student"), *(len(s) for s in students))
    head = f"{'student':<{width}}" + "".join(f"  {f:>22}" for f, _ in todo) + "  seconds"
    print("nbgrader gradebook (auto-graded points; written answers are graded by hand)")
    print(head)
    print("-" * len(head))
    for s in students:
        cells, secs = [], 0.0
        for f, _ in todo:
            if (s, f) in table:
                auto, auto_max, manual_max = table[(s, f)]
                cells.append(f"{auto:g}/{auto_max:g} (+{manual_max:g} by hand)")
                secs += seconds.get((s, f), 0.0)
            else:
                cells.append("not submitted" if s not in got[f] else "not graded")
        print(visible(f"{s:<{width}}", keep="") + "".join(f"  {c:>22}" for c in cells) + f"  {secs:7.1f}")
    for n in notes:
        print("note: " + visible(n, keep=""))


def no_formulas(path: Path) -> None:
    """Rewrite the CSV file ``path`` with every cell through ``report.csv_cell`` (no cell a
    spreadsheet would run as a formula)."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    write_atomic(path, csv_text(rows))


def exported_scores(csv_path: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """{(student, assignment): (score, max_score)} from nbgrader's CSV export."""
    with open(csv_path, newline="") as fh:
        return {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"]))
                for r in csv.DictReader(fh)}


def time_one_autograde() -> float:
    """Seconds nbgrader's autograde takes for one correct notebook of the first assignment (for
    `make bench`): the release notebook, filled in with the solutions, in a fresh temporary course."""
    import nbformat

    a = next(a for a in registry.available() if has_notebook(a.folder))
    with tempfile.TemporaryDirectory(prefix="gradkit-nbbench-") as tmp:
        build(Path(tmp) / "release")
        nb = nbformat.read(str(Path(tmp) / "release" / "assignments" / a.folder / f"{a.folder}.ipynb"), as_version=4)
        nb = fill_answers(nb, solution_functions(a.folder, a.module))
        sub = Path(tmp) / "class" / "student" / a.folder
        sub.mkdir(parents=True)
        nbformat.write(nb, str(sub / f"{a.folder}.ipynb"))
        result = run(Path(tmp) / "class", Path(tmp) / "course", quiet=True)
        return result["seconds"][("student", a.folder)]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.nbgrade", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("submitted", nargs="?", default=str(KIT / "examples" / "_notebooks"),
                   help="folder of <student>/<folder>/<folder>.ipynb (default: examples/_notebooks)")
    p.add_argument("--course", default=str(COURSE), help="nbgrader course folder (default: build/nbgrader)")
    args = p.parse_args(argv)
    if not Path(args.submitted).is_dir():
        print(f"error: {args.submitted} is not a folder of notebook submissions", file=sys.stderr)
        return 2
    result = run(Path(args.submitted), Path(args.course))
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
