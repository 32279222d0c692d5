"""The engine loop: the checks of one student's code, run in order, with their points added up.

The three front doors run checks through this one loop: the batch grader (``autograder.grade``,
the student's code in a sandboxed runner), a student's ``pytest`` (``pytest_plugin``, one check
per test) and a notebook's test cells (``notebook.check``, one function's checks per cell). What
they share, and what lives only here:

- every check is evaluated by ``core.evaluate`` against a ``Call`` into the student's code;
- once a call of a function has timed out, the later checks of that function are not run: they
  fail at once with ``SKIPPED`` ("skipped: relu() did not return in time in an earlier check"),
  so an endless loop costs one timeout per function, not one per check;
- a failure whose cause is another failing function says so (``core.attribute_causes``), judged
  against every outcome of the run so far;
- the points are added up (``core.total``);
- a failure gets a picture (``pictures.py``) only for the first failing check of its function
  that has one, and at most ``pictures.PER_RUN`` in a run, which bounds the size of a page.

A ``Run`` holds the state of one student's code (in the grader, one file; in pytest, one file for
the whole pytest run; in a notebook, one assignment's functions across its cells). It is an
object its front door keeps, never module state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .core import Call, Check, Outcome, attribute_causes, evaluate, outcome_failed
from .pictures import PER_RUN

SKIPPED = "skipped: {function}() did not return in time in an earlier check"


def failed_all(checks: list[Check], message: str, kind: str) -> list[Outcome]:
    """Every check of ``checks`` failed with the same ``message``: for a failure of the whole
    module (not submitted, a framework import, a file that does not parse), no call is made."""
    return [outcome_failed(c, message, kind) for c in checks]


@dataclass
class Run:
    """The checks run so far against one student's code.

    ``timed_out``: function -> the version of it that timed out (``None`` where the code cannot
    change during the run; the notebook passes the function object, so a redefined function is
    run again). ``outcomes``: check name -> its latest outcome (a re-run check replaces its own).
    ``mistakes``: the assignment's named mistakes (``mistakes.for_assignment``) where the front door
    has them (the grader, a run in the kit's own folder), else None. ``pictured``: the functions whose
    failure got a picture."""

    timed_out: dict[str, object] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    mistakes: object = None  # a mistakes.Mistakes naming the mistake of a wrong answer, or None
    pictured: set[str] = field(default_factory=set)

    def evaluate(self, check: Check, call: Call, version: object = None) -> Outcome:
        """One check; skipped (failed at once) when its function already timed out in this version."""
        if check.function in self.timed_out and self.timed_out[check.function] is version:
            return outcome_failed(check, SKIPPED.format(function=check.function), "timeout")
        outcome = evaluate(check, call, self.mistakes,
                           pictures=check.function not in self.pictured and len(self.pictured) < PER_RUN)
        if outcome.kind == "timeout":
            self.timed_out[check.function] = version
        if outcome.figure:
            self.pictured.add(check.function)
        return outcome

    def run(self, checks: list[Check], call: Call, calls, version: object = None,
            record: bool = True) -> list[Outcome]:
        """The outcomes of ``checks``, in order, through ``judge``."""
        return self.judge([self.evaluate(c, call, version) for c in checks], calls, record)

    def judge(self, outcomes: list[Outcome], calls, record: bool = True) -> list[Outcome]:
        """``outcomes`` with each failure's hint naming another failing function it calls
        (``calls``: the student's source, or ``core.calls_in_source`` of it), judged against every
        outcome of the run, these included. With ``record`` (the default) they become part of the
        run; without (a notebook's hidden checks), they are judged only."""
        every = dict(self.outcomes)
        every.update((o.name, o) for o in outcomes)
        if record:
            self.outcomes = every
        return attribute_causes(outcomes, calls, list(every.values()))
