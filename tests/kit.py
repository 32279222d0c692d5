"""Helpers for the kit's own tests: grade a file in-process, build mutants, tabulate kills.

``python -m tests.kit [FOLDER]`` prints the mutant table (mutant -> checks it fails);
``python -m tests.kit --mistakes [FOLDER]`` how many of their failures name a mistake (the mutant's own).
"""

from __future__ import annotations

import ast
import functools
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gradkit import course as assignments  # noqa: E402
from gradkit.core import Call  # noqa: E402
from gradkit.engine import Run  # noqa: E402
from gradkit.mistakes import for_assignment  # noqa: E402
from gradkit.pytest_plugin import LocalSession  # noqa: E402
from autograder.build.notebooks import parse_text  # noqa: E402
from autograder.build.release import remove_markers, replace_function  # noqa: E402


def all_checks(a) -> list:
    return a.public_checks() + a.hidden_checks()


def source_file(a) -> Path:
    return a.master


def grade_file(a, path: Path, named: bool = True) -> list:
    """Every check (public and hidden) of assignment ``a`` on the file at ``path``, in-process,
    through the engine loop the grader runs (naming mistakes, as the grader does, unless not ``named``)."""
    session = LocalSession(a.module, Path(path))
    run = Run(mistakes=for_assignment(a) if named else None)
    return run.run(all_checks(a), Call(session, a.module), session.calls)


def mutants(a) -> dict:
    """``{name: (function, source, mistake)}`` of the assignment's ``mutants.py``."""
    return a.mutants()


def mutant_text(a, name: str) -> str:
    function, new_def, _ = mutants(a)[name]
    return replace_function(remove_markers(source_file(a).read_text()), function, new_def)


@functools.cache
def grade_mutant(a, name: str) -> tuple:
    """Every check on the solution with mutant ``name`` in place; graded once per test run (the mutant
    tests and the table read the same outcomes)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{a.module}.py"
        path.write_text(mutant_text(a, name))
        return tuple(grade_file(a, path))


def callers(a) -> dict[str, set[str]]:
    """function -> itself and every top-level function of the solution that calls it, transitively."""
    tree = ast.parse(source_file(a).read_text())
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    uses = {name: {x.id for x in ast.walk(node) if isinstance(x, ast.Name) and x.id in funcs}
            for name, node in funcs.items()}
    out = {}
    for f in funcs:
        reach, frontier = {f}, {f}
        while frontier:
            frontier = {g for g in funcs if uses[g] & frontier} - reach
            reach |= frontier
        out[f] = reach
    return out


# What running the checks leaves in a student's working copy (``make check`` and
# ``pytest --gradkit-html report.html`` at the top and in an assignment folder, a venv, caches),
# and one file that must still be committed.
LEFT_BEHIND = ("report.html", "01_activations/report.html", ".venv/bin/python", "__pycache__/x.pyc",
               "01_activations/.pytest_cache/v/cache/lastfailed")


def git_ignored(folder: Path, paths) -> dict[str, bool]:
    """{path: whether git, in a fresh repository at ``folder``, ignores it} (git itself decides,
    from the folder's own .gitignore; the paths need not exist)."""
    import subprocess

    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    ignored = subprocess.run(["git", "-C", str(folder), "check-ignore", "--no-index", "--stdin"],
                             input="\n".join(paths), capture_output=True, text=True).stdout.split()
    return {p: p in ignored for p in paths}


def lines_outside_solutions(text: str) -> set[str]:
    """Stripped lines of a source file outside its solution regions: code students are given."""
    inside, out = False, set()
    for line in text.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.add(line.strip())
    return out


NEVER_SHIPPED = (assignments.HIDDEN, assignments.MUTANTS)  # author files no student copy holds


def given_lines() -> set[str]:
    """Lines given to students anywhere in source/ (so finding one in a release is no leak): code
    outside solution regions of the files students get (not hidden.py or mutants.py), and the
    notebooks' demo cells (``%% code``, shipped as written)."""
    given = set().union(*(lines_outside_solutions(p.read_text()) for p in (ROOT / "source").rglob("*.py")
                          if p.name not in NEVER_SHIPPED))
    for text in (ROOT / "source").glob("*/notebook.md"):
        given |= {line.strip() for kind, _, body in parse_text(text.read_text()) if kind == "code"
                  for line in body.splitlines()}
    return given


def table(a) -> str:
    rows = [f"| mutant ({a.folder}) | function | checks failed |", "|---|---|---|"]
    for name, (function, _, _) in mutants(a).items():
        failed = [o.name for o in grade_mutant(a, name) if not o.passed]
        rows.append(f"| {name} | {function} | {'; '.join(failed) or '**none**'} |")
    return "\n".join(rows)


MISTAKE = "  mistake: "  # how a named mistake's line starts in a failure's message


def mistake_counts(a) -> dict[str, int]:
    """On the mutant table of ``a``: failing (mutant, check) pairs, those on the mutant's own function,
    those that name a mistake, and those that name the mutant's own."""
    counts = {"failing": 0, "own function": 0, "named": 0, "own named": 0}
    for name, (function, _, mistake) in mutants(a).items():
        for o in grade_mutant(a, name):
            if o.passed:
                continue
            named = [ln[len(MISTAKE):] for ln in o.message.splitlines() if ln.startswith(MISTAKE)]
            counts["failing"] += 1
            counts["own function"] += o.function == function
            counts["named"] += bool(named)
            counts["own named"] += f"your {function} {mistake}" in named
    return counts


def mistake_table(folders) -> str:
    rows = ["| assignment | failing pairs | on the mutant's function | a mistake named | its own named |",
            "|---|---:|---:|---:|---:|"]
    for a in folders:
        c = mistake_counts(a)
        rows.append(f"| {a.folder} | {c['failing']} | {c['own function']} | {c['named']} | {c['own named']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    wanted = [w for w in sys.argv[1:] if not w.startswith("--")]
    chosen = [a for a in assignments.available() if not wanted or a.folder in wanted]
    if "--mistakes" in sys.argv:
        print(mistake_table(chosen))
    for a in chosen if "--mistakes" not in sys.argv else []:
        print(table(a), end="\n\n")
