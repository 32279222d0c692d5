"""``python -m autograder export OUT --to canvas|moodle``: a graded OUT's gradebook as the file
an LMS imports, written to ``OUT/export-canvas.csv`` or ``OUT/export-moodle.csv``.

Each homework's points are its gradebook column; with a late policy (``raw``/``final``
columns) each is scaled by ``final / raw`` (the policy takes a percentage of what was earned, so
the homework columns add up to ``final``). Who each row is comes from ``OUT/roster.csv``
(``roster.roster_csv``: written by every run with an LMS layout, a roster or a policy).

- Canvas (its gradebook import CSV): ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
  column per homework, then a second row ``Points Possible`` with 100 for each homework. A
  homework's column is ``<assignment name> (<assignment id>)`` when ``--column FOLDER="Name (123)"``
  gives the Canvas assignment; a column without an id makes Canvas create a new assignment of that
  name. Canvas matches a row by ``ID`` (its user id: the Canvas layout's identity, or a Canvas
  roster's), else by ``SIS User ID`` or ``SIS Login ID``.
- Moodle (its grade import CSV, "Import > CSV file"): ``Identifier, Full name, Email address,
  ID number, Username``, then one column per homework; on import, map one identity column
  ("Email address" to email address, "ID number" to ID number, "Username" to username) and each
  homework column to its grade item.

Every cell goes through ``report.csv_cell`` (no formulas); the file is written atomically.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from gradkit.files import write_atomic
from .report import _fmt, csv_text
from .roster import ROSTER_FILE

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTITY = ["Identifier", "Full name", "Email address", "ID number", "Username"]
NOT_HOMEWORK = {"student", "name", "total", "raw", "penalty", "final", "late", "folder"}


class ExportError(ValueError):
    """OUT cannot be exported; the message says what to do."""


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load(out: Path) -> tuple[list[str], list[dict[str, str]], dict[str, dict[str, str]]]:
    """(homework folders, gradebook rows, {student: roster.csv row}) of a graded OUT."""
    book = out / "gradebook.csv"
    if not book.is_file():
        raise ExportError(f"{out} has no gradebook.csv: grade first (python -m autograder grade SUBMISSIONS --out {out}), "
                          "then export that folder")
    try:
        rows = _read(book)
        with open(book, newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        people = {r["student"]: r for r in _read(out / ROSTER_FILE)} if (out / ROSTER_FILE).is_file() else {}
    except (OSError, UnicodeDecodeError, csv.Error, StopIteration, KeyError) as exc:
        raise ExportError(f"{book} cannot be read ({exc}); grade into {out} again") from None
    return [c for c in header if c not in NOT_HOMEWORK], rows, people


def scores(row: dict[str, str], folders: list[str]) -> list[float]:
    """The homework points of a gradebook row, scaled by final/raw when there is a late policy."""
    points = [float(row[f]) for f in folders]
    if row.get("raw") and row.get("final") and float(row["raw"]) > 0:
        factor = float(row["final"]) / float(row["raw"])
        points = [round(p * factor, 4) for p in points]
    return points


def canvas_csv(folders, rows, people, columns: dict[str, str]) -> str:
    out = [CANVAS_IDENTITY + [columns.get(f, f) for f in folders],
           ["Points Possible", "", "", "", ""] + ["100"] * len(folders)]
    for r in rows:
        p = people.get(r["student"], {})
        out.append([p.get("name") or r.get("name") or r["student"], p.get("canvas_id", ""), p.get("sis_id", ""),
                    p.get("login", ""), p.get("section", "")] + [_fmt(x) for x in scores(r, folders)])
    return csv_text(out)


def moodle_csv(folders, rows, people, columns: dict[str, str]) -> str:
    out = [MOODLE_IDENTITY + [columns.get(f, f) for f in folders]]
    for r in rows:
        p = people.get(r["student"], {})
        out.append([r["student"], p.get("name") or r.get("name", ""), p.get("email", ""), p.get("sis_id", ""),
                    p.get("login", "")] + [_fmt(x) for x in scores(r, folders)])
    return csv_text(out)


def _columns(pairs: list[str], folders: list[str]) -> dict[str, str]:
    columns = {}
    for pair in pairs or []:
        folder, sep, title = pair.partition("=")
        if not sep or folder not in folders or not title.strip():
            raise ExportError(f"--column {pair!r}: give FOLDER=TITLE with FOLDER one of {', '.join(folders)}")
        columns[folder] = title.strip()
    return columns


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder export", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="a graded output folder (holding gradebook.csv)")
    parser.add_argument("--to", choices=("canvas", "moodle"), required=True, help="the LMS to import the file")
    parser.add_argument("--column", action="append", metavar="FOLDER=TITLE",
                        help='the LMS column of a homework, e.g. 01_activations="HW1 Activations (48213)" for Canvas')
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        folders, rows, people = load(out)
        columns = _columns(args.column, folders)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = (canvas_csv if args.to == "canvas" else moodle_csv)(folders, rows, people, columns)
    target = out / f"export-{args.to}.csv"
    write_atomic(target, text)
    unknown = [r["student"] for r in rows if not any(people.get(r["student"], {}).get(k) for k in
                                                      (("canvas_id", "sis_id", "login") if args.to == "canvas"
                                                       else ("email", "sis_id", "login")))]
    print(f"wrote {target}: {len(rows)} students, {len(folders)} homework columns")
    if unknown:
        print(f"{len(unknown)} rows have no {args.to.capitalize()} identity (give --roster when grading): "
              + ", ".join(unknown[:10]) + (", ..." if len(unknown) > 10 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
