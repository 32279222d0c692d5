"""The checks of every assignment read like tables: one factory grammar, literal names.

A report line names a check (``sigmoid: large |z|``); grepping that name in ``source/`` finds the
row of the table that made it. Every factory takes the check's name first and everything else by
keyword (``points=``, ``hidden=``, the inputs), so every row reads the same way.
"""

import ast
import inspect

import pytest

from gradkit import course
from gradkit.core import function_of

AVAILABLE = course.available()


def _literal_strings(path) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)}


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_every_check_name_is_a_literal_in_its_table(a):
    literals = set()
    for filename in (course.PUBLIC, course.HIDDEN):
        if (a.path / filename).is_file():
            literals |= _literal_strings(a.path / filename)
    checks = a.public_checks() + a.hidden_checks()
    missing = [c.name for c in checks if c.name not in literals]
    assert not missing, f"check names built at run time (write them as literals in the table): {missing}"
    assert all(c.function == function_of(c.name) for c in checks)


def _factories(module):
    return {name: fn for name, fn in vars(module).items()
            if name.endswith("_check") and inspect.isfunction(fn) and fn.__module__ == module.__name__}


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_every_factory_takes_the_name_then_keywords(a):
    factories = _factories(a.load(course.PUBLIC))
    assert factories, f"source/{a.folder}/checks.py defines no *_check factory"
    wrong = []
    for name, fn in factories.items():
        params = list(inspect.signature(fn).parameters.values())
        ok = (params and params[0].name == "name" and params[0].kind is params[0].POSITIONAL_OR_KEYWORD
              and all(p.kind is p.KEYWORD_ONLY for p in params[1:])
              and {"points", "hidden"} <= {p.name for p in params[1:]})
        if not ok:
            wrong.append(f"{name}{inspect.signature(fn)}")
    assert not wrong, "factories must read `xxx_check(name, *, points, hidden=False, ...)`: " + "; ".join(wrong)


@pytest.mark.parametrize("a", AVAILABLE, ids=lambda a: a.folder)
def test_tables_are_lists_of_rows(a):
    """``CHECKS = [factory("name", ...), ...]``: no loop or comprehension makes checks."""
    for filename in (course.PUBLIC, course.HIDDEN):
        path = a.path / filename
        if not path.is_file():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigns = [n for n in tree.body if isinstance(n, ast.Assign)
                   and [getattr(t, "id", None) for t in n.targets] == ["CHECKS"]]
        assert len(assigns) == 1, f"{path}: one `CHECKS = [...]`"
        rows = assigns[0].value
        assert isinstance(rows, ast.List), f"{path}: CHECKS is a literal list of factory calls"
        bad = [ast.unparse(r)[:60] for r in rows.elts
               if not (isinstance(r, ast.Call) and r.args and isinstance(r.args[0], ast.Constant)
                       and isinstance(r.args[0].value, str))]
        assert not bad, f"{path}: rows that are not `factory(\"<function>: <aspect>\", ...)`: {bad}"
