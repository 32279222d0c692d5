"""The late policy: a due date, a penalty per hour or day late, a grace period, a cap, and
per-student extensions, applied to recorded submission times only.

A submission's time comes from what the layout records (Gradescope's ``:created_at:``) or from a
``submitted_at`` column of the extensions or roster file, never from a file's modification time
(unpacking a download sets those to the moment it was unpacked). Canvas's download records
lateness (``_LATE_`` in the file name, computed by Canvas against the student's own due date)
but no time: a LATE submission without a time gets no penalty, is marked "late, no time recorded"
and listed, so that a time can be given in a ``submitted_at`` column.

Arithmetic (``Policy.penalty_percent``): with ``late = submitted - due`` (the student's own due
date when an extension gives one), a submission is on time when ``late <= grace``; otherwise
it loses ``min(cap, rate * ceil(late / unit))`` percent of the points it earned (``unit`` is an
hour or a day; any part of a unit counts as a whole one, and the grace period only forgives, it
is not subtracted). So ``penalty = raw * percent / 100`` and ``final = raw - penalty``, which is
never negative (the percentage is at most 100).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

UNITS = {"hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}
_DURATION = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>s|m|min|h|d)")
_DURATION_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


class PolicyError(ValueError):
    """A mistake in the policy's options or files; the message says what to do."""


def parse_time(text: str, what: str) -> dt.datetime:
    """An ISO 8601 date and time with a time zone (``2026-12-04T23:59:00+01:00``, ``...Z``)."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise PolicyError(f"{what} {text!r} is not an ISO 8601 date and time, e.g. 2026-12-04T23:59:00+01:00") from None
    if when.tzinfo is None:
        raise PolicyError(f"{what} {text!r} has no time zone: add one, e.g. {text.strip()}+00:00 (UTC) or "
                          f"{text.strip()}-05:00")
    return when


def parse_rate(text: str) -> tuple[float, str]:
    """``10/day``, ``10%/day``, ``2.5/hour`` -> (percent, unit)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*(?:/|per\s+)\s*(hour|day)s?\s*", text)
    if not m:
        raise PolicyError(f"--late-penalty {text!r}: give a percentage per hour or per day, e.g. 10/day or 2.5%/hour")
    rate = float(m[1])
    if rate > 100:
        raise PolicyError(f"--late-penalty {text!r}: more than 100% per {m[2]}; a penalty takes at most "
                          "what was earned (use --late-cap 100 for 'no credit once late')")
    return rate, m[2]


def parse_duration(text: str) -> dt.timedelta:
    """``15m``, ``2h``, ``1d``, ``90s`` (or a bare number of minutes)."""
    if re.fullmatch(r"\s*\d+(\.\d+)?\s*", text):
        return dt.timedelta(minutes=float(text))
    m = _DURATION.fullmatch(text.strip())
    if not m:
        raise PolicyError(f"--grace {text!r}: give a duration such as 15m, 2h or 1d")
    return dt.timedelta(seconds=float(m["n"]) * _DURATION_UNITS[m["u"]])


def parse_cap(text: str) -> float:
    try:
        cap = float(text.strip().rstrip("%"))
    except ValueError:
        raise PolicyError(f"--late-cap {text!r}: give a percentage, e.g. 50") from None
    if not 0 <= cap <= 100:
        raise PolicyError(f"--late-cap {text!r}: a cap is a percentage from 0 to 100")
    return cap


@dataclass
class Policy:
    """The late policy of a run (see the module's docstring for the arithmetic)."""

    due: dt.datetime
    rate: float = 0.0  # percent per unit
    unit: str = "day"
    grace: dt.timedelta = dt.timedelta(0)
    cap: float = 100.0
    extensions: dict[str, dt.datetime] = field(default_factory=dict)  # student -> their own due date
    times: dict[str, dt.datetime] = field(default_factory=dict)  # student -> submitted_at given in a file

    def due_for(self, student: str) -> dt.datetime:
        return self.extensions.get(student, self.due)

    def penalty_percent(self, student: str, submitted: dt.datetime) -> float:
        """The percentage of the earned points that ``student`` loses for submitting at ``submitted``."""
        late = submitted - self.due_for(student)
        if late <= self.grace:
            return 0.0
        units = math.ceil(late / UNITS[self.unit])
        return min(self.cap, self.rate * units)

    def apply(self, student: str, raw: float, submitted: dt.datetime | None, flagged_late: bool | None,
              submitted_anything: bool) -> tuple[float, float, str]:
        """(penalty points, final points, what the ``late`` column says) of one student."""
        submitted = self.times.get(student, submitted)
        if not submitted_anything:
            return 0.0, raw, ""
        if submitted is None:
            return 0.0, raw, "late, no time recorded" if flagged_late else ("" if flagged_late is False
                                                                            else "no time recorded")
        late = submitted - self.due_for(student)
        if late <= dt.timedelta(0):
            return 0.0, raw, ""
        percent = self.penalty_percent(student, submitted)
        penalty = round(raw * percent / 100, 4)
        return penalty, max(0.0, round(raw - penalty, 4)), f"{_span(late)} late" + (
            " (within the grace period)" if late <= self.grace else f", -{percent:g}%")


def _span(delta: dt.timedelta) -> str:
    """``2d 3h 4m 5s`` (the units that are not zero)."""
    s = int(delta.total_seconds())
    parts = [(s // 86400, "d"), (s % 86400 // 3600, "h"), (s % 3600 // 60, "m"), (s % 60, "s")]
    return " ".join(f"{n}{u}" for n, u in parts if n) or "0s"


def read_rows(path: Path, what: str) -> list[dict[str, str]]:
    """The rows of a CSV file as dicts (BOM and surrounding spaces of the header removed)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames:
                raise PolicyError(f"{what} {path} is empty: it needs a header row")
            reader.fieldnames = [h.strip() for h in reader.fieldnames]
            return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PolicyError(f"{what} {path} cannot be read ({exc}); give a UTF-8 CSV file") from None


def load_extensions(path: Path, known: set[str], where: str) -> tuple[dict[str, dt.datetime], dict[str, dt.datetime]]:
    """({student: new due date}, {student: submitted_at}) from a CSV with the columns ``student``,
    ``due`` (ISO 8601 with a zone) and optionally ``submitted_at``. Every student must be one of
    ``known`` (``where`` says which list that is)."""
    rows = read_rows(path, "--extensions")
    if rows and "student" not in rows[0]:
        raise PolicyError(f"--extensions {path} has no 'student' column (its columns: {', '.join(rows[0])})")
    due, times = {}, {}
    for i, row in enumerate(rows, start=2):
        student = row["student"]
        if student not in known:
            raise PolicyError(f"--extensions {path}, line {i}: {student!r} is not {where}; correct the name "
                              "or remove the line")
        if student in due or student in times:
            raise PolicyError(f"--extensions {path}, line {i}: {student!r} is listed twice; keep one line")
        if row.get("due"):
            due[student] = parse_time(row["due"], f"--extensions {path}, line {i}: due")
        if row.get("submitted_at"):
            times[student] = parse_time(row["submitted_at"], f"--extensions {path}, line {i}: submitted_at")
    return due, times
