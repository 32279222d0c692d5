"""Every check can fail: each is failed by a plausible wrong implementation, passed by the solution."""

import pytest

from gradkit import course as assignments
from tests.kit import all_checks, callers, grade_file, grade_mutant, mutants, source_file

AVAILABLE = assignments.available()
MUTANT_CASES = [(a, name) for a in AVAILABLE for name in mutants(a)]


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_checks_total_100_and_names_are_unique(a):
    checks = all_checks(a)
    assert sum(c.points for c in checks) == 100
    assert len({c.name for c in checks}) == len(checks)
    assert all(c.points > 0 and c.hint and c.title for c in checks)


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_solution_passes_every_check(a):
    failed = [o.message for o in grade_file(a, source_file(a)) if not o.passed]
    assert not failed, "\n\n".join(failed)


@pytest.mark.parametrize("a,name", MUTANT_CASES, ids=[f"{a.folder}:{n}" for a, n in MUTANT_CASES])
def test_mutant_is_caught_and_loses_only_its_share(a, name):
    function = mutants(a)[name][0]
    failed = [o for o in grade_mutant(a, name) if not o.passed]
    assert failed, f"no check catches mutant {name} of {function}()"
    allowed = callers(a)[function]
    stray = [o.name for o in failed if o.function not in allowed]
    assert not stray, f"mutant {name} of {function}() also loses points on {stray}"


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_every_check_is_failed_by_some_mutant(a):
    assert mutants(a), f"source/{a.folder}/mutants.py is missing"
    killed = set()
    for name in mutants(a):
        killed |= {o.name for o in grade_mutant(a, name) if not o.passed}
    never = [c.name for c in all_checks(a) if c.name not in killed]
    assert not never, f"checks no mutant fails (add a plausible wrong implementation): {never}"
