"""What grading writes: gradebook.csv, per-student results.json / feedback.md / feedback.html,
and the class summary (summary.md and summary.html with one plot per assignment).

Layout of OUT: the class files (gradebook.csv, summary.md, summary.html, _plots/) at the top, and
each student's files in ``students/<folder>/`` (``Submission.folder``), so nothing a student is
called can collide with a class file. A lock file (``.gradkit.lock``) keeps two runs off one OUT.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``),
so an interrupted run never leaves a half-written file and the previous gradebook stays intact.
Everything a student controls (names, notes, messages, printed output) is escaped: in HTML
(``html.escape``), in Markdown (``md_text``, ``md_code``) and in CSV (``csv_cell``: no formulas).
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import html
import io
import json
import os
import re
import shutil
import statistics
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from gradkit.core import counted, points_text

from .intake.submissions import OUTPUT_MARK

PLOTS = "_plots"  # the plots of summary.md, beside it
STUDENTS = "students"  # OUT/students/<folder>/: one folder per submission
LOCK = OUTPUT_MARK  # intake never takes a folder holding it for a student


def student_dir(out: Path, folder: str) -> Path:
    """Where the outputs of the submission with output folder ``folder`` go."""
    return out / STUDENTS / folder


def write_atomic(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            # a file name that is not UTF-8 reaches text as surrogate escapes: written as \udcff
            fh.write(data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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


_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def md_text(text: str) -> str:
    """``text`` as literal Markdown inline text (a table cell, a list item, a heading): every ASCII
    punctuation character backslash-escaped (no link, image, HTML, emphasis or list becomes live)
    and control characters (newline, tab, CR) shown as ``\\n``, ``\\t``, ``\\r`` so the line stays one line."""
    escaped = _MD_PUNCT.sub(r"\\\1", str(text))
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: "\\\\" + ascii(m.group())[2:-1], escaped)


def md_code(text: str) -> list[str]:
    """``text`` as a fenced Markdown code block (lines): the fence is longer than any run of
    backticks inside, so the text cannot close it; control characters other than newline and tab
    (a terminal's escape sequences, BEL) are shown as ``\x1b``-style escapes, so ``cat feedback.md``
    cannot clear or retitle the reader's terminal."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", lambda m: ascii(m.group())[1:-1], text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence]


def _fmt(x: float) -> str:
    return f"{x:g}"


# --- per student -------------------------------------------------------------------------------

HIDDEN_VISIBILITY = ("after_due_date", "hidden", "after_published", "visible")  # Gradescope's values
DEFAULT_VISIBILITY = HIDDEN_VISIBILITY[0]  # of the hidden checks: students see them after the due date


def results_json(result, plan, hidden_visibility: str = DEFAULT_VISIBILITY) -> dict:
    """Gradescope's results format (score, execution_time, output, tests[]); hidden checks get
    ``hidden_visibility`` (Gradescope shows an "after_due_date" test once the due date has passed)."""
    tests = []
    for a, _ in plan.items:
        for o in result.outcomes.get(a.folder, []):
            tests.append({
                "name": f"{a.folder} / {o.name}",
                "score": o.points,
                "max_score": o.max_points,
                "status": o.status,
                "output": (o.message if not o.passed else o.title) + (f"\n\nyour code printed:\n{o.output}" if o.output else ""),
                "visibility": hidden_visibility if o.hidden else "visible",
            })
    lines = [f"{a.folder}: {_fmt(result.score(a.folder))}/100 ({result.status.get(a.folder, '')})" for a, _ in plan.items]
    return {
        "score": result.total,
        "execution_time": round(result.seconds, 3),
        "output": "\n".join(lines + [f"note: {n}" for n in result.notes]),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"student": result.student, "folder": result.folder, "submission": result.source,
                       "digest": result.digest},
    }


def feedback_md(result, plan) -> str:
    out = [f"# Feedback for {md_text(result.student)}", "",
           "| assignment | score | status |", "|---|---:|---|"]
    for a, _ in plan.items:
        out.append(f"| {a.folder} | {_fmt(result.score(a.folder))} / 100 | {md_text(result.status.get(a.folder, ''))} |")
    out.append(f"| **total** | **{_fmt(result.total)} / {100 * len(plan.items)}** | |")
    if result.notes:
        out += ["", "Notes on the submission:", ""] + [f"- {md_text(n)}" for n in result.notes]
    for a, _ in plan.items:
        outcomes = result.outcomes.get(a.folder, [])
        failed = [o for o in outcomes if not o.passed]
        out += ["", f"## {a.folder}: {_fmt(result.score(a.folder))}/100", ""]
        if failed and len(failed) == len(outcomes) and len({o.message.split("  hint:")[0] for o in failed}) == 1:
            out += ["Every check failed for the same reason:", "", *md_code(failed[0].message.split("\n  hint:")[0])]
            continue
        for o in failed:
            tag = " (hidden check)" if o.hidden else ""
            out += [f"### ✗ {o.name}: {points_text(0, o.max_points)}{tag}", "", o.title, "", *md_code(o.message)]
            if o.output:
                out += ["", "Your code printed:", "", *md_code(o.output.rstrip())]
            out.append("")
        passed = [o for o in outcomes if o.passed]
        if passed:
            out += [f"Passed ({counted(len(passed), 'check')}): "
                    + ", ".join(f"{o.name} ({_fmt(o.points)})" for o in passed)]
    return "\n".join(out) + "\n"


_CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem}
pre{background:#f6f6f6;padding:.8rem;overflow-x:auto;white-space:pre-wrap}
.fail{color:#b00020}.pass{color:#1b5e20}.hidden{color:#666;font-size:.9em}"""


def feedback_html(result, plan) -> str:
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Feedback: {e(result.student)}</title>"
             f"<style>{_CSS}</style></head><body><h1>Feedback for {e(result.student)}</h1>",
             "<table><tr><th>assignment</th><th>score</th><th>status</th></tr>"]
    for a, _ in plan.items:
        parts.append(f"<tr><td>{e(a.folder)}</td><td>{_fmt(result.score(a.folder))} / 100</td>"
                     f"<td>{e(result.status.get(a.folder, ''))}</td></tr>")
    parts.append(f"<tr><th>total</th><th>{_fmt(result.total)} / {100 * len(plan.items)}</th><td></td></tr></table>")
    if result.notes:
        parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in result.notes) + "</ul>")
    for a, _ in plan.items:
        outcomes = result.outcomes.get(a.folder, [])
        parts.append(f"<h2>{e(a.folder)}: {_fmt(result.score(a.folder))}/100</h2>")
        for o in outcomes:
            if o.passed:
                continue
            tag = " <span class='hidden'>(hidden check)</span>" if o.hidden else ""
            parts.append(f"<h3 class='fail'>✗ {e(o.name)}: {points_text(0, o.max_points)}{tag}</h3>"
                         f"<p>{e(o.title)}</p>"
                         f"<pre>{e(o.message)}</pre>")
            if o.output:
                parts.append(f"<p>Your code printed:</p><pre>{e(o.output)}</pre>")
        passed = [o for o in outcomes if o.passed]
        if passed:
            parts.append(f"<details><summary class='pass'>✓ {counted(len(passed), 'check')} passed</summary><ul>"
                         + "".join(f"<li>{e(o.name)} ({_fmt(o.points)})</li>" for o in passed) + "</ul></details>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_student(out: Path, result, plan, hidden_visibility: str = DEFAULT_VISIBILITY) -> None:
    """results.json, feedback.md and feedback.html of one student, in OUT/students/<folder>/."""
    folder = student_dir(out, result.folder)
    write_atomic(folder / "results.json", json.dumps(results_json(result, plan, hidden_visibility), indent=1,
                                                     allow_nan=False))
    write_atomic(folder / "feedback.md", feedback_md(result, plan))
    write_atomic(folder / "feedback.html", feedback_html(result, plan))


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


def plot_assignment(results, folder: str, checks, path: Path) -> None:
    """Score histogram and the checks most students failed, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    counts = sorted(failure_counts(results, folder, checks), key=lambda x: -x[1])[:15][::-1]
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
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    write_atomic(path, buf.getvalue())


def _feedback_link(folder: str, kind: str) -> str:
    """The relative address of a student's feedback page from the class summary (URL-quoted)."""
    return f"{STUDENTS}/{quote(folder)}/feedback.{kind}"


def summary_md(results, plan, isolation: list[str], seconds: float, skipped=(), removed=(), sections=()) -> str:
    """The class summary: statistics and failing checks per assignment, every student with a link
    to their feedback, the notes, the entries of SUBMISSIONS that were skipped (``skipped``: (name,
    why)) and the output folders of an earlier run that were removed (``removed``); then the extra
    ``sections``, (title, Markdown, HTML) each (e.g. ``similarity.summary_section``)."""
    n = len(results)
    out = ["# Class summary", "", f"{n} submissions graded in {seconds:.1f} s.", "",
           "Isolation: " + "; ".join(isolation), "",
           "| assignment | mean | median | min | max | full marks | not submitted | import failed |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for a, _ in plan.items:
        s = [r.score(a.folder) for r in results] or [0]
        st = Counter(r.status.get(a.folder) for r in results)
        out.append(f"| {a.folder} | {statistics.mean(s):.1f} | {statistics.median(s):g} | {min(s):g} | {max(s):g} "
                   f"| {sum(1 for x in s if x >= 100)} | {st.get('not submitted', 0)} | {st.get('import failed', 0)} |")
    for a, checks in plan.items:
        out += ["", f"## {a.folder}", "", f"![{a.folder}]({PLOTS}/{a.folder}.png)", "",
                "| check | points | students failing |", "|---|---:|---:|"]
        points = {c.name: c.points for c in checks}
        for name, count in sorted(failure_counts(results, a.folder, checks), key=lambda x: -x[1])[:10]:
            if count:
                out.append(f"| {md_text(name)} | {_fmt(points[name])} | {count} of {n} |")
    out += ["", "## Students", "", "| student | total | folder |", "|---|---:|---|"]
    out += [f"| [{md_text(r.student)}]({_feedback_link(r.folder, 'md')}) | {_fmt(r.total)} | {md_text(r.folder)} |"
            for r in results]
    noted = [r for r in results if r.notes]
    if noted:
        out += ["", "## Notes on submissions", ""] + [f"- {md_text(r.student)}: {md_text(note)}"
                                                     for r in noted for note in r.notes]
    if skipped:
        out += ["", "## Not graded: entries of the submissions folder that are not a student", ""]
        out += [f"- {md_text(name)}: {md_text(why)}" for name, why in skipped]
    if removed:
        out += ["", "## Removed: output folders of an earlier run whose submission is not in this one", ""]
        out += [f"- {STUDENTS}/{md_text(name)}" for name in removed]
    for title, md, _ in sections:
        out += ["", f"## {title}", "", md.strip("\n")]
    return "\n".join(out) + "\n"


def summary_html(results, plan, isolation: list[str], seconds: float, skipped=(), removed=(), sections=()) -> str:
    """The class summary as one self-contained page (the plots are the PNGs beside it)."""
    e = html.escape
    n = len(results)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Class summary</title><style>{_CSS}</style>"
             f"</head><body><h1>Class summary</h1><p>{n} submissions graded in {seconds:.1f} s.</p>"
             f"<p>Isolation: {e('; '.join(isolation))}</p><table><tr><th>assignment</th><th>mean</th>"
             "<th>median</th><th>full marks</th></tr>"]
    for a, _ in plan.items:
        s = [r.score(a.folder) for r in results] or [0]
        parts.append(f"<tr><td>{e(a.folder)}</td><td>{statistics.mean(s):.1f}</td><td>{statistics.median(s):g}</td>"
                     f"<td>{sum(1 for x in s if x >= 100)}</td></tr>")
    parts.append("</table><h2>Students</h2><table><tr><th>student</th>"
                 + "".join(f"<th>{e(f.split('_', 1)[0])}</th>" for f in plan.folders) + "<th>total</th></tr>")
    for r in results:
        parts.append(f"<tr><td><a href='{e(_feedback_link(r.folder, 'html'))}'>{e(r.student)}</a></td>"
                     + "".join(f"<td>{_fmt(r.score(f))}</td>" for f in plan.folders) + f"<td>{_fmt(r.total)}</td></tr>")
    parts.append("</table>")
    noted = [r for r in results if r.notes]
    if noted:
        parts.append("<h2>Notes on submissions</h2><ul>"
                     + "".join(f"<li>{e(r.student)}: {e(note)}</li>" for r in noted for note in r.notes) + "</ul>")
    if skipped:
        parts.append("<h2>Not graded: entries of the submissions folder that are not a student</h2><ul>"
                     + "".join(f"<li>{e(name)}: {e(why)}</li>" for name, why in skipped) + "</ul>")
    if removed:
        parts.append("<h2>Removed: output folders of an earlier run whose submission is not in this one</h2><ul>"
                     + "".join(f"<li>{e(STUDENTS)}/{e(name)}</li>" for name in removed) + "</ul>")
    for a, _ in plan.items:
        parts.append(f"<h2>{e(a.folder)}</h2><img src='{PLOTS}/{e(a.folder)}.png' alt='{e(a.folder)}' width='100%'>")
    parts += [f"<h2>{e(title)}</h2>{body}" for title, _, body in sections]
    return "\n".join(parts) + "</body></html>"


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
                skipped=(), sections=()) -> tuple[list[str], list[str]]:
    """Plots, summary.md, summary.html (with the extra ``sections``, see ``summary_md``) and
    gradebook.csv; then the output folders of students not in ``results`` (left by an earlier run)
    are removed. Returns (removed folders, folders in OUT/students that hold other files and were
    left alone)."""
    removed, foreign = stale_student_folders(out, {r.folder for r in results})
    for a, checks in plan.items:
        plot_assignment(results, a.folder, checks, out / PLOTS / f"{a.folder}.png")
    write_atomic(out / "summary.md", summary_md(results, plan, isolation, seconds, skipped, removed, sections))
    write_atomic(out / "summary.html", summary_html(results, plan, isolation, seconds, skipped, removed, sections))
    write_atomic(out / "gradebook.csv", gradebook_csv(results, plan))
    remove_student_folders(out, removed)
    return removed, foreign
