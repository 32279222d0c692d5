"""The late policy's arithmetic at its boundaries (``autograder.late``): on time, one second late,
a whole unit late, the grace period, the cap, an extension; and the options a run refuses."""

from __future__ import annotations

import datetime as dt

import pytest

from autograder import late

DUE = dt.datetime(2026, 12, 4, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=1)))
SECOND, DAY = dt.timedelta(seconds=1), dt.timedelta(days=1)


def policy(**kw) -> late.Policy:
    return late.Policy(DUE, **{"rate": 10.0, "unit": "day", **kw})


@pytest.mark.parametrize("after, percent", [
    (dt.timedelta(0), 0), (-SECOND, 0),  # on time
    (SECOND, 10), (DAY, 10),  # any part of a day is a day
    (DAY + SECOND, 20), (3 * DAY, 30),
])
def test_each_started_unit_costs_the_rate(after, percent):
    assert policy().penalty_percent("x", DUE + after) == percent


def test_the_grace_period_forgives_up_to_its_end_and_is_not_subtracted_after_it():
    p = policy(grace=dt.timedelta(minutes=15))
    assert p.penalty_percent("x", DUE + dt.timedelta(minutes=15)) == 0
    assert p.penalty_percent("x", DUE + dt.timedelta(minutes=15) + SECOND) == 10
    assert p.penalty_percent("x", DUE + DAY + SECOND) == 20  # counted from the due date, not from its end


def test_the_cap_bounds_the_percentage_and_the_score_never_goes_below_zero():
    p = policy(rate=40.0, cap=50.0)
    assert p.penalty_percent("x", DUE + SECOND) == 40
    assert p.penalty_percent("x", DUE + DAY + SECOND) == 50
    assert p.apply("x", 80.0, DUE + 30 * DAY, None, True) == (40.0, 40.0, "30d late, -50%")
    full = policy(rate=100.0)
    assert full.apply("x", 73.5, DUE + 9 * DAY, None, True)[:2] == (73.5, 0.0)


def test_an_extension_moves_that_students_due_date_only():
    p = policy(extensions={"ada": DUE + 2 * DAY})
    assert p.penalty_percent("ada", DUE + DAY) == 0
    assert p.penalty_percent("ada", DUE + 2 * DAY + SECOND) == 10
    assert p.penalty_percent("bob", DUE + DAY) == 10


def test_what_the_late_column_says_when_no_time_is_recorded():
    p = policy()
    assert p.apply("x", 90.0, None, True, True) == (0.0, 90.0, "late, no time recorded")  # Canvas: LATE
    assert p.apply("x", 90.0, None, False, True) == (0.0, 90.0, "")  # Canvas: not LATE
    assert p.apply("x", 90.0, None, None, True) == (0.0, 90.0, "no time recorded")
    assert p.apply("x", 0.0, DUE + DAY, None, False) == (0.0, 0.0, "")  # nothing submitted: nothing late
    timed = policy(times={"x": DUE + SECOND})  # a submitted_at column wins over what the layout says
    assert timed.apply("x", 90.0, None, True, True) == (9.0, 81.0, "1s late, -10%")
    graced = policy(grace=dt.timedelta(minutes=5))
    assert graced.apply("x", 90.0, DUE + SECOND, None, True) == (0.0, 90.0, "1s late (within the grace period)")


@pytest.mark.parametrize("call, message", [
    (lambda: late.parse_time("2026-12-04T23:59:00", "--due"), "has no time zone"),
    (lambda: late.parse_time("next friday", "--due"), "not an ISO 8601"),
    (lambda: late.parse_rate("101/day"), "more than 100%"),
    (lambda: late.parse_rate("10/week"), "per hour or per day"),
    (lambda: late.parse_cap("150"), "from 0 to 100"),
    (lambda: late.parse_duration("soon"), "a duration"),
])
def test_bad_options_are_refused_with_what_to_do(call, message):
    with pytest.raises(late.PolicyError, match=message):
        call()


def test_the_options_parse_as_documented():
    assert late.parse_time("2026-12-04T22:59:00Z", "--due") == DUE
    assert late.parse_rate("2.5%/hour") == (2.5, "hour") and late.parse_rate("10 per day") == (10.0, "day")
    assert late.parse_duration("15m") == late.parse_duration("15") == dt.timedelta(minutes=15)
    assert late.parse_duration("1d") == DAY and late.parse_cap("50%") == 50.0
