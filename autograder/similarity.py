"""Which students' code is unusually alike: pairs per assignment, with the matching regions.

``python -m autograder similarity SUBMISSIONS [--out DIR] [--threshold T]`` prints the pairs and
writes ``DIR/similarity.html`` (the matching regions of each pair side by side) and
``DIR/similarity.md``. ``python -m autograder grade SUBMISSIONS --out OUT --similarity`` adds the
same pairs to the class summary as a section (``summary_section``: a table whose rows link to
``OUT/similarity.html``, which it writes).

How two files are compared (copydetect, the winnowing of Schleimer, Wilkerson and Aiken, 2003,
that MOSS uses):
- each file is tokenised and filtered (pygments): every name becomes ``V`` (``F`` for a function
  being defined), every string ``S``, comments and white space go. Renaming variables or changing
  comments therefore changes nothing; reordering functions changes only the few k-grams that span
  two functions.
- the fingerprints are a winnowed subset of the hashes of the filtered text's k-grams
  (``K`` characters); the code the release gives every student (the stub: signatures, docstrings,
  given helpers, ``raise NotImplementedError()``) is fingerprinted and removed first, so only what a
  student wrote is compared, and two students who wrote nothing are not alike.
- similarity of a to b = the share of a's remaining code that is covered by fingerprints it shares
  with b (and the other way round). A pair is flagged when both shares are at least ``threshold``
  and they share at least ``MIN_SHARED`` characters of filtered code (short answers such as
  ``return np.maximum(0, z)`` are alike in every class and prove nothing on their own).

A flag is a place to look, not a verdict: independent correct solutions of a short exercise can be
alike. Nothing of a submission is run; files are read as text through the grader's intake (the same
file the grader grades: the module, or the code cells of the notebook). A file the grader refuses
as too large to parse (``gradkit.bounds``) is not compared either, with a note.
"""

from __future__ import annotations

import argparse
import io
import itertools
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

from gradkit import course, page
from gradkit.bounds import MAX_TOKENS, SourceTooLarge, check_size
from gradkit.files import write_atomic
from gradkit.visible import visible
from .build.release import strip_solutions
from .intake.submissions import materialize, scan
from .report import student_order

K = 25  # characters of filtered code in one k-gram (copydetect's default noise threshold)
WINDOW = 1  # winnowing window: 1 keeps every k-gram (exact coverage; classes are small)
THRESHOLD = 0.5  # both students' shares of their own code found in the other's (planted copies: 0.7-0.9; independent solutions: under 0.2)
MIN_SHARED = 300  # characters of filtered code the two must share
CONTEXT = 6  # lines shown around each matching region in the HTML report
NOT_COMPARED = " was not compared: "  # in the note on a file too large to parse


@dataclass
class Pair:
    """Two students whose code for one assignment is alike."""

    assignment: str
    students: tuple[str, str]
    shares: tuple[float, float]  # share of each one's own code (boilerplate removed) found in the other's
    shared: int  # characters of filtered code in common
    code: tuple[str, str]  # the two files as submitted
    slices: tuple[np.ndarray, np.ndarray]  # (2, n) start/end offsets of the matching regions in each

    @property
    def score(self) -> float:
        return min(self.shares)


@dataclass
class Report:
    """Every pair compared in a class, the flagged ones first by score."""

    flagged: list[Pair] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=dict)  # assignment -> number of pairs compared
    students: dict[str, int] = field(default_factory=dict)  # assignment -> students with code for it
    notes: list[str] = field(default_factory=list)
    threshold: float = THRESHOLD


def stub_of(a: course.Assignment) -> str:
    """The code the release gives every student for assignment ``a`` (its stub)."""
    return strip_solutions((a.path / f"{a.module}.py").read_text(encoding="utf-8"))


def _fingerprint(code: str, boilerplate=None) -> CodeFingerprint:
    return CodeFingerprint("submission.py", K, WINDOW, boilerplate=boilerplate, fp=io.StringIO(code))


def compare_codes(codes: dict[str, str], boilerplate_code: str, assignment: str = "",
                  threshold: float = THRESHOLD) -> tuple[list[Pair], int]:
    """The flagged pairs among ``codes`` ({student: source}) and the number of pairs compared.

    ``boilerplate_code`` is what every student was given; its fingerprints are ignored."""
    boilerplate = np.array(sorted(_fingerprint(boilerplate_code).hashes), dtype=np.int64)
    prints = {s: _fingerprint(code, boilerplate) for s, code in sorted(codes.items(), key=lambda x: student_order(x[0]))}
    flagged, compared = [], 0
    for a, b in itertools.combinations(prints, 2):
        compared += 1
        fa, fb = prints[a], prints[b]
        if not fa.hashes or not fb.hashes:
            continue
        shared, shares, slices = compare_files(fa, fb)
        if min(shares) >= threshold and shared >= MIN_SHARED:
            flagged.append(Pair(assignment, (a, b), (float(shares[0]), float(shares[1])), int(shared),
                                (fa.raw_code, fb.raw_code), slices))
    return flagged, compared


def class_codes(root: Path, notes: list[str]) -> dict[str, dict[str, str]]:
    """{assignment folder: {student: the code the grader grades}} for the class in ``root``."""
    assignments = course.available()
    modules = {a.folder: a.module for a in assignments}
    codes: dict[str, dict[str, str]] = {a.folder: {} for a in assignments}
    with tempfile.TemporaryDirectory(prefix="gradkit-similarity-") as tmp:
        for i, sub in enumerate(scan(root).submissions):
            found = materialize(sub, modules, Path(tmp) / str(i))
            for folder, candidates in found.items():
                data = candidates[0].path.read_bytes()
                try:
                    check_size(data)  # fingerprinting costs about what parsing does
                except SourceTooLarge as exc:
                    notes.append(f"{sub.student}: {folder}: {candidates[0].origin}{NOT_COMPARED}{exc.summary}, "
                                 f"over the limit of {MAX_TOKENS:,} the grader reads")
                    continue
                codes[folder][sub.student] = data.decode("utf-8", "replace")
            notes.extend(f"{sub.student}: {n}" for n in sub.notes)
    return codes


def similarity(root: Path, threshold: float = THRESHOLD, folders: list[str] | None = None) -> Report:
    """Compare, per assignment (those in ``folders``, or all), the code of every two students of
    the class in ``root``."""
    report = Report(threshold=threshold)
    codes = class_codes(root, report.notes)
    for a in course.available():
        if folders and a.folder not in folders:
            continue
        found = codes.get(a.folder, {})
        report.students[a.folder] = len(found)
        pairs, compared = compare_codes(found, stub_of(a), a.folder, threshold)
        report.flagged += pairs
        report.compared[a.folder] = compared
    report.flagged.sort(key=lambda p: (-p.score, p.assignment, *map(student_order, p.students)))
    return report


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _compared(report: Report) -> str:
    return ", ".join(f"{f} ({report.students[f]} students, {n} pairs)" for f, n in report.compared.items() if n) \
        or "nothing"


RULE = "Pairs whose own code (the released stub removed) is at least {} alike both ways. A flag is a place to look, not a verdict."


def section(report: Report, address: str = "") -> list:
    """The flagged pairs as ``gradkit.page`` blocks (a heading, the rule, a table, what was compared);
    with ``address`` (of the side-by-side page) each pair links to its view there."""
    blocks = [page.Heading(2, page.Kit("Similar submissions")), page.Para(page.Kit(RULE.format(_pct(report.threshold))))]
    if report.flagged:
        rows = []
        for i, p in enumerate(report.flagged):
            view = f"{address}#p{i}"
            second = [p.students[1], page.Kit(" ("), page.Link("side by side", view, view), page.Kit(")")] \
                if address else p.students[1]
            rows.append([page.Kit(p.assignment), p.students[0], second,
                         page.Kit(f"{_pct(p.shares[0])} / {_pct(p.shares[1])}"), page.Kit(str(p.shared))])
        blocks.append(page.Table(["assignment", "student", "student", "alike", "shared characters"], rows, right=(4,)))
    else:
        blocks.append(page.Para(page.Kit("No pair is flagged.")))
    blocks.append(page.Para(page.Kit("Compared: " + _compared(report))))
    skipped = [n for n in report.notes if NOT_COMPARED in n]
    if skipped:  # files refused as too large to parse (the other notes are the grader's, in its feedback)
        blocks += [page.Para(page.Kit("Not compared:")), page.Items(skipped)]
    return blocks


def as_markdown(report: Report, address: str = "") -> str:
    """The flagged pairs as a Markdown page (``section``)."""
    return page.markdown(page.Page("Similar submissions", section(report, address)[1:]))


# The two panes of a pair share the width of the window (minmax(0, 1fr): a long line cannot widen its
# column); a line longer than its pane scrolls inside that pane, and a long name wraps.
_STYLE = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}
.pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em;margin-bottom:2em}
.pair>div{min-width:0}h2,h3{overflow-wrap:anywhere}
pre{background:#f7f7f7;padding:.5em;overflow:auto;font-size:12px;max-height:40em}
mark{background:#ffd27a}"""


def _highlighted(code: str, slices: np.ndarray) -> str:
    """``code`` as HTML with the matching regions marked; invisible characters shown (``visible``:
    the escaping and the marks add none, so the offsets of ``slices`` still hold when it runs last)."""
    if slices.size == 0:
        return page.html_text(code, page.CODE_KEEPS)
    text, _ = highlight_overlap(code, slices.astype(int), "<mark>", "</mark>", truncate=CONTEXT, escape_html=True)
    return visible(text, page.CODE_KEEPS)


def as_html(report: Report) -> str:
    """One self-contained page: the table of flagged pairs, then each pair's code side by side with
    the matching regions marked."""
    esc = page.html_text
    table = page.html_blocks(section(report)[1:])
    pairs = "".join(
        f"<h2 id='p{i}'>{esc(p.assignment)}: {esc(p.students[0])} and {esc(p.students[1])}</h2><div class='pair'>"
        + "".join(f"<div><h3>{esc(s)} ({_pct(share)} of their code)</h3><pre>{_highlighted(code, sl)}</pre></div>"
                  for s, share, code, sl in zip(p.students, p.shares, p.code, p.slices))
        + "</div>" for i, p in enumerate(report.flagged))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Similar submissions</title>"
            f"<style>{_STYLE}</style></head><body><h1>Similar submissions</h1>{table}{pairs}"
            f"</body></html>\n")


PAGE = "similarity.html"  # the side-by-side report, in the output folder


def summary_section(root: Path, out: Path, folders: list[str] | None = None, threshold: float = THRESHOLD) -> list:
    """The class summary's "Similar submissions" section for the class in ``root``, graded into
    ``out``: writes ``out/similarity.html`` (each flagged pair side by side) and returns the
    section's blocks for ``report.write_class(extra=...)``, each pair linking to its view there."""
    report = similarity(root, threshold, folders)
    write_atomic(out / PAGE, as_html(report))
    return section(report, PAGE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder similarity",
                                     description="List the pairs of students whose code for an assignment is "
                                                 "unusually alike (nothing is run).")
    parser.add_argument("submissions", type=Path, help="the class folder (as for grade)")
    parser.add_argument("--out", type=Path, default=Path("grades"),
                        help="where similarity.html and similarity.md go (default: grades)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD,
                        help=f"flag a pair when both shares reach this (0-1, default {THRESHOLD})")
    args = parser.parse_args(argv)
    if not 0 < args.threshold <= 1:
        parser.error("--threshold is a share between 0 and 1, e.g. 0.6")
    try:
        report = similarity(args.submissions, args.threshold)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "similarity.md", as_markdown(report))
    write_atomic(args.out / "similarity.html", as_html(report))
    for p in report.flagged:
        print(f"{p.assignment}: {visible(p.students[0], keep='')} ~ {visible(p.students[1], keep='')}  "
              f"{_pct(p.shares[0])} / {_pct(p.shares[1])}")
    for n in report.notes:
        if NOT_COMPARED in n:
            print(f"note: {n}")
    print(f"{len(report.flagged)} pair(s) flagged; see {args.out / 'similarity.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
