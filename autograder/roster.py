"""The course list: a roster file joined to the class a layout read, and the class files that
depend on who is in the class (the gradebook of an LMS layout or a late policy, ``roster.csv``,
the summary's "Class list" section).

Roster files (``load``), told apart by their header:

- a Canvas gradebook export: ``Student, ID, SIS User ID, SIS Login ID, Section, ...`` (its
  "Points Possible" row is skipped); the identity is ``ID``, Canvas's user id;
- a Moodle grading worksheet: ``Identifier`` ("Participant 1234567"), ``Full name``,
  ``Email address``; the identity is the participant id;
- a Moodle participants export: ``First name``, ``Last name``, ``Email address`` (and ``ID number``);
  no id of the download is in it, so it joins by email or full name;
- a plain CSV: ``student`` and optionally ``name``, ``sis_id``, ``login``, ``email``, ``section``.

Any of them may have a ``submitted_at`` column (ISO 8601 with a zone), a time for the late policy.

The join (``join``) uses the first key every roster row has, of: the identity (``student``),
``sis_id``, ``email`` (compared case-insensitively), the name. Every roster row gets a gradebook
row (a student without a submission scores 0, "not submitted", and the notes say so); every
submission not on the roster is graded and flagged. A roster that cannot be read, or that has two
rows with one key, is refused before grading (``RosterError``).

The gradebook (``gradebook_csv``): for the plain folders layout without a policy it is
``report.gradebook_csv``, byte for byte. For an LMS layout the ``student`` column holds the
layout's id (Canvas user id, Moodle participant id, Gradescope SID or email) and a ``name``
column follows it. With a late policy, ``total`` gives way to ``raw`` (the points earned),
``penalty`` (the points the policy took), ``final`` (raw - penalty, never below 0) and ``late``
(how late, or why no penalty could be computed).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from gradkit import page
from gradkit.page import Kit

from .intake.layouts import ClassIntake, Person
from .intake.submissions import Submission, _unique_folders
from .late import Policy, PolicyError, parse_time, read_rows
from .report import _fmt, csv_text, student_order

ROSTER_FILE = "roster.csv"  # OUT/roster.csv: who each row is, for `autograder export`
ROSTER_COLUMNS = ["student", "name", "canvas_id", "sis_id", "login", "email", "section", "enrolled"]
KEYS = ("student", "sis_id", "email", "name")


class RosterError(PolicyError):
    """The roster cannot be used; the message says what to do."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def load(path: Path) -> tuple[str, list[Person], dict[str, str]]:
    """(what kind of roster it is, its people, {student: submitted_at text}) of a roster file."""
    rows = read_rows(path, "--roster")
    if not rows:
        raise RosterError(f"--roster {path} has no students; give the course's roster export")
    cols = set(rows[0])
    people = []
    if {"Student", "ID"} <= cols:
        kind = "a Canvas gradebook export"
        rows = [r for r in rows if r["ID"] and "points possible" not in r["Student"].lower()]
        people = [Person(r["ID"], _nfc(r["Student"]), sis_id=r.get("SIS User ID", ""), login=r.get("SIS Login ID", ""),
                         section=r.get("Section", ""), canvas_id=r["ID"]) for r in rows]
    elif "Identifier" in cols:
        kind = "a Moodle grading worksheet"
        people = [Person(r["Identifier"].replace("Participant", "").strip(), _nfc(r.get("Full name", "")),
                         email=r.get("Email address", "")) for r in rows]
    elif {"First name", "Last name"} <= cols:
        kind = "a Moodle participants export"
        people = [Person("", _nfc(f"{r['First name']} {r['Last name']}"), email=r.get("Email address", ""),
                         sis_id=r.get("ID number", "")) for r in rows]
    elif "student" in cols:
        kind = "a CSV with a student column"
        people = [Person(_nfc(r["student"]), _nfc(r.get("name", "")), sis_id=r.get("sis_id", ""),
                         login=r.get("login", ""), email=r.get("email", ""), section=r.get("section", ""))
                  for r in rows]
    else:
        raise RosterError(f"--roster {path}: no column names a student (its columns: {', '.join(rows[0])}); give a "
                          "Canvas gradebook export, a Moodle participants export or grading worksheet, or a CSV "
                          "with a 'student' column")
    times = {p.student or p.name: r["submitted_at"] for p, r in zip(people, rows) if r.get("submitted_at")}
    return kind, people, times


def _key_of(person: Person, key: str) -> str:
    value = getattr(person, key)
    return value.casefold() if key == "email" else value


def join_key(people: list[Person], path: Path, submitted: list[Person]) -> str:
    """The first of KEYS that every roster row has and the submissions have too; RosterError if
    there is none, or a key is on two rows."""
    key = next((k for k in KEYS if all(getattr(p, k) for p in people) and any(getattr(p, k) for p in submitted)),
               None)
    if key is None:
        raise RosterError(f"--roster {path}: no column (student, sis_id, email or name) is filled on every row and "
                          "known for the submissions; fill it in, or give a roster of the LMS the download is from")
    seen: dict[str, int] = {}
    for i, p in enumerate(people, start=2):
        value = _key_of(p, key)
        if value in seen:
            raise RosterError(f"--roster {path}: {value!r} is on line {seen[value]} and line {i} ({key}); "
                              "keep one line per student")
        seen[value] = i
    return key


@dataclass
class ClassList:
    """The class after the join: who is enrolled, who submitted, what matched."""

    key: str = ""  # the join key ('' without a roster)
    kind: str = ""  # what kind of roster file
    missing: tuple[str, ...] = ()  # enrolled, no submission (students)
    extras: tuple[str, ...] = ()  # submitted, not on the roster (students)
    enrolled: frozenset[str] = frozenset()


def join(intake: ClassIntake, path: Path) -> tuple[ClassList, dict[str, str]]:
    """Add a row to ``intake`` for every roster entry without a submission (no files: "not
    submitted"), flag the submissions not on the roster, and fill each person's roster fields.
    Returns the class list and {student: submitted_at text} of the roster's time column."""
    kind, people, times = load(path)
    key = join_key(people, path, list(intake.people.values()))
    by_key = {_key_of(p, key): p for p in intake.people.values() if getattr(p, key)}
    enrolled, missing = set(), []
    for p in people:
        found = by_key.get(_key_of(p, key))
        if found is None:
            student = p.student or p.email or p.name
            p.student = student if student not in intake.people else f"{student} (roster)"
            intake.people[p.student] = p
            intake.submissions.append(Submission(p.student, Path(), files={}, notes=[
                f"on the roster ({key} {getattr(p, key)!r}) but nothing of theirs is in the submissions folder"]))
            missing.append(p.student)
            enrolled.add(p.student)
            continue
        for attr in ("name", "sis_id", "login", "email", "section", "canvas_id"):
            if getattr(p, attr) and not getattr(found, attr):
                setattr(found, attr, getattr(p, attr))
        enrolled.add(found.student)
    extras = sorted(s.student for s in intake.submissions if s.student not in enrolled)
    for sub in intake.submissions:
        if sub.student in extras:
            sub.notes.append(f"not on the roster (no roster row has its {key}); graded, check who this is")
    folders = _unique_folders([s.student for s in intake.submissions])
    for sub in intake.submissions:
        sub.folder = folders[sub.student]
    intake.submissions.sort(key=lambda s: student_order(s.student))
    student_times = {}
    for p in people:
        raw = times.get(p.student) or times.get(p.name)
        if raw:
            student_times[p.student] = raw
    return ClassList(key, kind, tuple(sorted(missing)), tuple(extras), frozenset(enrolled)), student_times


def parse_times(texts: dict[str, str], path: Path) -> dict:
    """The roster's ``submitted_at`` texts as aware datetimes."""
    return {s: parse_time(t, f"--roster {path}: submitted_at of {s!r}") for s, t in texts.items()}


def gradebook_csv(results, plan, intake: ClassIntake, policy: Policy | None) -> str:
    """The gradebook of a layout other than ``folders``, or of any run with a late policy (see the
    module's docstring for the columns)."""
    named = intake.layout != "folders"
    head = ["student"] + (["name"] if named else []) + plan.folders
    head += ["raw", "penalty", "final", "late"] if policy else ["total"]
    rows = [head + ["folder"]]
    for r in results:
        person = intake.people.get(r.student, Person(r.student))
        row = [r.student] + ([person.name] if named else []) + [_fmt(r.score(f)) for f in plan.folders]
        if policy:
            submitted = any(status != "not submitted" for status in r.status.values())
            penalty, final, late = policy.apply(r.student, r.total, person.submitted_at, person.late, submitted)
            row += [_fmt(r.total), _fmt(penalty), _fmt(final), late]
        else:
            row.append(_fmt(r.total))
        rows.append(row + [r.folder])
    return csv_text(rows)


def roster_csv(results, intake: ClassIntake, classes: ClassList) -> str:
    """OUT/roster.csv: each row's identity fields (what ``autograder export`` needs besides the scores)."""
    rows = [ROSTER_COLUMNS]
    for r in results:
        p = intake.people.get(r.student, Person(r.student))
        enrolled = "" if not classes.key else ("yes" if r.student in classes.enrolled else "no")
        rows.append([r.student, p.name, p.canvas_id, p.sis_id, p.login, p.email, p.section, enrolled])
    return csv_text(rows)


def summary_blocks(intake: ClassIntake, classes: ClassList, policy: Policy | None, results) -> list:
    """The lines at the top of the summary: how the folder was read, the join, the policy."""
    blocks = [page.Para(Kit(intake.headline() + "."))]
    if classes.key:
        blocks.append(page.Para(Kit(f"Roster: {classes.kind}, joined on {classes.key}; "
                                    f"{len(classes.enrolled)} enrolled, {len(classes.missing)} without a submission, "
                                    f"{len(classes.extras)} submissions not on the roster.")))
        if classes.missing:
            blocks.append(page.Para(Kit("On the roster, nothing submitted (0 points): " + ", ".join(classes.missing))))
        if classes.extras:
            blocks.append(page.Para(Kit("Submitted, not on the roster (graded, flagged): " + ", ".join(classes.extras))))
    if policy:
        blocks.append(page.Para(Kit(f"Late policy: due {policy.due.isoformat()}, {policy.rate:g}% per {policy.unit} "
                                    f"late, grace {policy.grace}, cap {policy.cap:g}%, {len(policy.extensions)} "
                                    "extensions; times only as recorded (never file times).")))
        unknown = [r.student for r in results if (p := intake.people.get(r.student)) and p.late
                   and r.student not in policy.times and p.submitted_at is None]
        if unknown:
            blocks.append(page.Para(Kit("Late by the LMS's flag but no time recorded (no penalty computed; give a "
                                        "submitted_at column): " + ", ".join(unknown))))
    return blocks
