"""What grading writes: gradebook.csv, per-student results.json / feedback.md / feedback.html,
and the class summary (summary.md and summary.html with one plot per assignment).

Each page is built once (``gradkit.page``: blocks) and rendered to Markdown and to HTML, so the two
files of a page hold the same tables; an HTML page is one self-contained file (its plots inline as
PNG ``data:`` URIs; summary.md links the same PNGs, written to ``_plots/``).

Layout of OUT: the class files (gradebook.csv, summary.md, summary.html, _plots/) at the top, and
each student's files in ``students/<folder>/`` (``Submission.folder``), so nothing a student is
called can collide with a class file. A lock file (``.gradkit.lock``) keeps two runs off one OUT.

Every file is written atomically (``gradkit.files.write_atomic``: a temporary file in the same
folder, then ``os.replace``, with the mode the umask gives), so an interrupted run never leaves a
half-written file and the previous gradebook stays intact.
Everything a student controls (names, notes, messages, printed output) is escaped: in HTML
(``page.html_text``), in Markdown (``md_text``, ``md_code``) and in CSV (``csv_cell``: no formulas);
every page and results.json show invisible characters as what they are (``gradkit.visible``), and
the gradebook keeps each name's exact characters.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import json
import os
import re
import shutil
import statistics
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from gradkit import page
from gradkit.files import write_atomic
from gradkit.visible import visible
from gradkit.page import Kit
from gradkit.page import md_code, md_text  # noqa: F401  (the escaping of every report: similarity.py uses it)

from .intake.submissions import OUTPUT_MARK

PLOTS = "_plots"  # the plots of summary.md, beside it
STUDENTS = "students"  # OUT/students/<folder>/: one folder per submission
LOCK = OUTPUT_MARK  # intake never takes a folder holding it for a student


def student_order(student: str) -> tuple[str, str, str]:
    """The order in which every list of students is written (the gradebook's rows, the summary, the
    terminal table, the similarity pairs): by the name without accents, case-folded (``José`` between
    ``alice`` and ``zoe``, ``Émile`` beside ``emile``), then case-folded with its accents, then the
    exact name (so ``Bob`` and ``bob`` always come in the same order). It depends on the names alone,
    never on the machine's locale."""
    folded = student.casefold()
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
    return bare, folded, student


def student_dir(out: Path, folder: str) -> Path:
    """Where the outputs of the submission with output folder ``folder`` go."""
    return out / STUDENTS / folder


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula (OWASP): a cell starting
    with ``= + - @``, tab or CR gets a leading single quote; plain numbers are left as they are."""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows) -> str:
    """``rows`` (lists of values) as CSV text, every cell through ``csv_cell``. A row with a CR in a
    cell is written fully quoted (the csv module would leave that cell bare, and a reader would
    split the row there)."""
    buf = io.StringIO()
    minimal, quoted = (csv.writer(buf, lineterminator="\n", quoting=q) for q in (csv.QUOTE_MINIMAL, csv.QUOTE_ALL))
    for row in rows:
        cells = [csv_cell(v) for v in row]
        (quoted if any("\r" in c for c in cells) else minimal).writerow(cells)
    return buf.getvalue()


def _fmt(x: float) -> str:
    return f"{x:g}"


# --- per student -------------------------------------------------------------------------------

HIDDEN_VISIBILITY = ("after_due_date", "hidden", "after_published", "visible")  # Gradescope's values
DEFAULT_VISIBILITY = HIDDEN_VISIBILITY[0]  # of the hidden checks: students see them after the due date


def results_json(result, plan, hidden_visibility: str = DEFAULT_VISIBILITY) -> dict:
    """Gradescope's results format (score, execution_time, output, tests[]); hidden checks get
    ``hidden_visibility`` (Gradescope shows an "after_due_date" test once the due date has passed).
    What Gradescope shows (every ``output``) is ``visible``; ``extra_data`` keeps the exact name."""
    tests = []
    for a, _ in plan.items:
        for o in result.outcomes.get(a.folder, []):
            tests.append({
                "name": f"{a.folder} / {o.name}",
                "score": o.points,
                "max_score": o.max_points,
                "status": o.status,
                "output": visible((o.message if not o.passed else o.title)
                                  + (f"\n\nyour code printed:\n{o.output}" if o.output else "")),
                "visibility": hidden_visibility if o.hidden else "visible",
            })
    lines = [f"{a.folder}: {_fmt(result.score(a.folder))}/100 ({result.status.get(a.folder, '')})" for a, _ in plan.items]
    return {
        "score": result.total,
        "execution_time": round(result.seconds, 3),
        "output": visible("\n".join(lines + [f"note: {n}" for n in result.notes])),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"student": result.student, "folder": result.folder, "submission": result.source,
                       "digest": result.digest},
    }


def feedback_sections(result, plan) -> list[page.Section]:
    """The assignments of ``result`` as sections of its feedback page, in the plan's order."""
    return [page.Section(a.folder, result.outcomes.get(a.folder, []), result.status.get(a.folder, ""))
            for a, _ in plan.items]


def feedback_page(result, plan) -> page.Page:
    """The feedback page of one student (``gradkit.page.feedback``), rendered to feedback.md and .html."""
    return page.feedback(result.student, feedback_sections(result, plan), result.notes)


def feedback_md(result, plan) -> str:
    return page.markdown(feedback_page(result, plan))


def feedback_html(result, plan) -> str:
    return page.html_page(feedback_page(result, plan))


def write_student(out: Path, result, plan, hidden_visibility: str = DEFAULT_VISIBILITY) -> None:
    """results.json, feedback.md and feedback.html of one student, in OUT/students/<folder>/."""
    folder = student_dir(out, result.folder)
    write_atomic(folder / "results.json", json.dumps(results_json(result, plan, hidden_visibility), indent=1,
                                                     allow_nan=False))
    feedback = feedback_page(result, plan)
    write_atomic(folder / "feedback.md", page.markdown(feedback))
    write_atomic(folder / "feedback.html", page.html_page(feedback))


STATE = "gradkit-state.json"  # the full result of a student, for --resume (grade.save_state, grade.load_state)


# --- the class -----------------------------------------------------------------------------------

def gradebook_csv(results, plan) -> str:
    """Header ``student,<assignment folders>,total,folder``, then one row per submission."""
    return csv_text([["student"] + plan.folders + ["total", "folder"]]
                    + [[r.student] + [_fmt(r.score(f)) for f in plan.folders] + [_fmt(r.total), r.folder]
                       for r in results])


def failure_counts(results, folder: str, checks) -> list[tuple[str, int]]:
    """(check name, how many students failed it), in the order of the checks.

    Only submissions that were graded count: a missing file or a failed import fails every
    check and says nothing about which checks are hard.
    """
    failed = Counter(o.name for r in results if r.status.get(folder) == "graded"
                     for o in r.outcomes.get(folder, []) if not o.passed)
    return [(c.name, failed.get(c.name, 0)) for c in checks]


def plot_assignment(results, folder: str, checks) -> bytes:
    """Score histogram and the checks most students failed, side by side (a PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    counts = [(n, c) for n, c in sorted(failure_counts(results, folder, checks), key=lambda x: -x[1])[:15] if c][::-1]
    graded = sum(1 for r in results if r.status.get(folder) == "graded")
    fig = Figure(figsize=(11, 0.32 * max(len(counts), 6) + 1.8))
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    ax1.hist([r.score(folder) for r in results], bins=range(0, 105, 5), color="#4c72b0", edgecolor="white")
    ax1.set_xlim(0, 100)
    ax1.set_xlabel("score (out of 100)")
    ax1.set_ylabel("students")
    ax1.set_title(f"{folder}: scores of {len(results)} students")
    ax1.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.barh([n for n, _ in counts], [c for _, c in counts], color="#c44e52")
    ax2.set_xlabel(f"students failing the check (of {graded} whose file was graded)")
    ax2.set_title("most failed checks")
    ax2.set_xlim(0, max(1, graded))
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.tick_params(axis="y", labelsize=8)
    if not counts:  # no names of checks nobody failed, listed as if they were the hardest
        ax2.set_yticks([])
        ax2.text(0.5, 0.5, "no graded file failed a check" if graded else "no file was graded",
                 ha="center", va="center", transform=ax2.transAxes, color="#555")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()


def _feedback_link(folder: str, kind: str) -> str:
    """The relative address of a student's feedback page from the class summary (URL-quoted)."""
    return f"{STUDENTS}/{quote(folder)}/feedback.{kind}"


FAILING_SHOWN = 10  # the summary lists this many of each assignment's most failed checks


def summary_page(results, plan, isolation: list[str], seconds: float, skipped=(), removed=(),
                 plots: dict[str, bytes] | None = None, extra=(), intro=()) -> page.Page:
    """The class summary, built once and rendered to summary.md and summary.html: statistics per
    assignment (mean, median, min, max, full marks, not submitted, import failed), every student
    with a link to their feedback, the notes on submissions (a zip that could not be read, a
    refused entry, ...), the entries of SUBMISSIONS that were skipped (``skipped``: (name, why)),
    the output folders of an earlier run that were removed (``removed``), then each assignment's
    plot (``plots``: folder -> PNG; inline in the HTML, ``_plots/<folder>.png`` in the Markdown)
    and most failed checks.

    ``extra``: more sections, each a list of ``gradkit.page`` blocks starting with its heading
    (for example the similarity report), placed last; ``intro``: blocks placed after the first
    line (how the class was read, the roster, the late policy: ``roster.summary_blocks``)."""
    n = len(results)
    plots = plots or {}
    stats = []
    for a, _ in plan.items:
        s = [r.score(a.folder) for r in results] or [0]
        st = Counter(r.status.get(a.folder) for r in results)
        stats.append([Kit(a.folder), Kit(f"{statistics.mean(s):.1f}"), Kit(f"{statistics.median(s):g}"),
                      Kit(f"{min(s):g}"), Kit(f"{max(s):g}"), Kit(str(sum(1 for x in s if x >= 100))),
                      Kit(str(st.get("not submitted", 0))), Kit(str(st.get("import failed", 0)))])
    doc = page.Page("Class summary", [
        page.Para(Kit(f"{n} submissions graded in {seconds:.1f} s.")), *intro,
        page.Para(Kit("Isolation: " + "; ".join(isolation))),
        page.Table(["assignment", "mean", "median", "min", "max", "full marks", "not submitted", "import failed"],
                   stats, right=tuple(range(1, 8)))])
    short = [f.split("_", 1)[0] for f in plan.folders]
    doc.add(page.Heading(2, Kit("Students")), page.Table(
        ["student"] + short + ["total", "folder"],
        [[page.Link(r.student, _feedback_link(r.folder, "md"), _feedback_link(r.folder, "html"))]
         + [Kit(_fmt(r.score(f))) for f in plan.folders] + [Kit(_fmt(r.total)), r.folder] for r in results],
        right=tuple(range(1, len(short) + 2))))
    notes = [f"{r.student}: {note}" for r in results for note in r.notes]
    if notes:
        doc.add(page.Heading(2, Kit("Notes on submissions")), page.Items(notes))
    if skipped:
        doc.add(page.Heading(2, Kit("Not graded: entries of the submissions folder that are not a student")),
                page.Items([f"{name}: {why}" for name, why in skipped]))
    if removed:
        doc.add(page.Heading(2, Kit("Removed: output folders of an earlier run whose submission is not in this one")),
                page.Items([[Kit(f"{STUDENTS}/"), name] for name in removed]))
    for a, checks in plan.items:
        doc.add(page.Heading(2, Kit(a.folder)))
        if a.folder in plots:
            doc.add(page.Image(f"{a.folder}: scores and most failed checks", plots[a.folder],
                               md_path=f"{PLOTS}/{a.folder}.png"))
        points = {c.name: c.points for c in checks}
        failing = [(name, count) for name, count in sorted(failure_counts(results, a.folder, checks),
                                                           key=lambda x: -x[1]) if count][:FAILING_SHOWN]
        graded = sum(1 for r in results if r.status.get(a.folder) == "graded")  # whom failure_counts counts
        if failing:
            doc.add(page.Table(["check", "points", "students failing (of those whose file was graded)"],
                               [[Kit(name), Kit(_fmt(points[name])), Kit(f"{count} of {graded}")]
                                for name, count in failing], right=(1, 2)))
        else:
            doc.add(page.Para(Kit("No graded submission failed a check.")))
    for section in extra:
        doc.add(*section)
    return doc


def summary_md(results, plan, isolation: list[str], seconds: float, skipped=(), removed=(), plots=None,
               extra=()) -> str:
    return page.markdown(summary_page(results, plan, isolation, seconds, skipped, removed, plots, extra))


def summary_html(results, plan, isolation: list[str], seconds: float, skipped=(), removed=(), plots=None,
                 extra=()) -> str:
    return page.html_page(summary_page(results, plan, isolation, seconds, skipped, removed, plots, extra))


def remove_stale_temporaries(out: Path) -> None:
    """Temporary files left by a run that was killed between writing and renaming."""
    for tmp in out.glob("**/.*.tmp"):
        tmp.unlink(missing_ok=True)


OWN_FILES = {"results.json", "feedback.md", "feedback.html", STATE}


def stale_student_folders(out: Path, keep: set[str]) -> tuple[list[str], list[str]]:
    """Folders in OUT/students/ that no submission of this run writes to: (the grader's own,
    which may be removed; others, which are left alone because they hold files it never writes)."""
    root = out / STUDENTS
    if not root.is_dir():
        return [], []
    ours, foreign = [], []
    for entry in sorted(root.iterdir()):
        if entry.name in keep:
            continue
        files = {p.name for p in entry.iterdir()} if entry.is_dir() and not entry.is_symlink() else None
        (ours if files is not None and files <= OWN_FILES else foreign).append(entry.name)
    return ours, foreign


def remove_student_folders(out: Path, names: list[str]) -> None:
    for name in names:
        shutil.rmtree(out / STUDENTS / name)


@contextlib.contextmanager
def locked(out: Path):
    """Hold OUT/.gradkit.lock (``fcntl.flock``) for the duration; raises ``OutputBusy`` at once if
    another run holds it. The lock is released by the kernel when this process ends, however."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise OutputBusy(f"another grading run (process {holder}) is writing to {out}; wait for it to "
                             "finish, or give this run another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


class OutputBusy(Exception):
    """Another run holds the lock of the output folder."""


def write_class(out: Path, results, plan, isolation: list[str], seconds: float,
                skipped=(), extra=(), plots: bool = True, intro=(), gradebook: str | None = None,
                also: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Plots (unless ``plots`` is false: one student's run, as on Gradescope, has no class to plot),
    summary.md, summary.html (``extra``, ``intro``: more blocks, see ``summary_page``), the files of
    ``also`` ({name: text}) and gradebook.csv (``gradebook``: its text when not ``gradebook_csv``'s); then the output folders of students not in ``results`` (left by an earlier run)
    are removed. Returns (removed folders, folders in OUT/students that hold other files and were
    left alone)."""
    removed, foreign = stale_student_folders(out, {r.folder for r in results})
    drawn = {a.folder: plot_assignment(results, a.folder, checks) for a, checks in plan.items} if plots else {}
    for folder, png in drawn.items():
        write_atomic(out / PLOTS / f"{folder}.png", png)
    summary = summary_page(results, plan, isolation, seconds, skipped, removed, drawn, extra, intro)
    write_atomic(out / "summary.md", page.markdown(summary))
    write_atomic(out / "summary.html", page.html_page(summary))
    for name, text in (also or {}).items():  # more class files (roster.csv), before the gradebook
        write_atomic(out / name, text)
    write_atomic(out / "gradebook.csv", gradebook_csv(results, plan) if gradebook is None else gradebook)
    remove_student_folders(out, removed)
    return removed, foreign
