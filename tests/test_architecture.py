"""The kit's modules form a layered graph: no import cycle, no kit import hidden in a function.

The graph is read from the source (``ast``), not from a running interpreter, so an import inside a
function (the usual way to hide a cycle) counts like one at the top. A function may import only a
heavy or optional library (torch, matplotlib, nbformat, ...), lazily for speed; never a module of
the kit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.kit import ROOT

PACKAGES = ("gradkit", "autograder")
# Imported inside functions on purpose: slow to import (torch, matplotlib and its PIL, nbgrader, nbformat,
# traitlets, rich) and needed by few commands, or optional (pyseccomp), or loaded on purpose in
# the runner's zygote (numpy) after it has set itself up.
LAZY = {"torch", "matplotlib", "PIL", "nbformat", "nbgrader", "traitlets", "rich", "pyseccomp", "numpy", "yaml"}


def kit_modules(root: Path = ROOT) -> dict[str, Path]:
    """{dotted module name: file} of the kit's packages; the files under templates/ are copied into
    bundles, not imported by the kit, so only the templates package itself counts."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "templates" in parts[:-1] and parts[-1] != "__init__":
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imported(node: ast.AST, module: str, is_package: bool, known: set[str]) -> list[str]:
    """The modules of ``known`` that one import statement of ``module`` imports."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            here = module.split(".") if is_package else module.split(".")[:-1]
            here = here[: len(here) - (node.level - 1)]
            base = ".".join(here + ([base] if base else []))
        names = [base] + [f"{base}.{a.name}" for a in node.names]
    out = []
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.append(name)
    return out


def import_graph(modules: dict[str, Path]) -> tuple[dict[str, set[str]], list[str]]:
    """({module: the kit modules it imports, anywhere in the file}, ["file:line: what" for each
    import inside a function of something other than a LAZY library])."""
    graph, hidden = {}, []
    known = set(modules)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_functions = {id(sub) for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                        for sub in ast.walk(fn)}
        edges = set()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            targets = _imported(node, module, path.name == "__init__.py", known)
            edges.update(targets)
            if id(node) in in_functions:
                roots = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or "."]
                if targets or getattr(node, "level", 0) or any(r.split(".")[0] not in LAZY for r in roots):
                    hidden.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
        graph[module] = edges
    return graph, hidden


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` (its modules, the first repeated at the end), or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt]
            if nxt not in state:
                found = visit(nxt, path + [node])
                if found:
                    return found
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [])
            if found:
                return found
    return []


def test_the_kit_has_no_import_cycle():
    graph, _ = import_graph(kit_modules())
    assert {"gradkit.core", "gradkit.engine", "autograder.grade", "autograder.report"} <= set(graph)
    assert "gradkit.core" in graph["gradkit.compare"]  # the graph sees the imports it must
    cycle = find_cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_no_kit_module_is_imported_inside_a_function():
    _, hidden = import_graph(kit_modules())
    assert not hidden, "imports inside functions (import at the top; only LAZY libraries may wait):\n" + \
        "\n".join(hidden)


def test_the_engine_does_not_import_the_batch_grader():
    graph, _ = import_graph(kit_modules())
    for module, imports in graph.items():
        if module.startswith("gradkit"):
            assert not {m for m in imports if m.startswith("autograder")}, module


def test_the_kit_never_imports_its_tests():
    """``make release`` (autograder.build.release, autograder.build.examples) and every other command run
    without the test package."""
    for module, path in kit_modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            assert not [n for n in names if n.split(".")[0] == "tests"], f"{module} imports {names}"


@pytest.mark.parametrize("files, cycle", [
    ({"a.py": "from b import x\n", "b.py": "def f():\n    import a\n"}, True),  # hidden in a function
    ({"a.py": "from . import b\n", "__init__.py": "", "b.py": "from .a import y\n"}, True),  # relative
    ({"a.py": "import b\n", "b.py": "import json\n"}, False),
])
def test_the_check_finds_a_cycle_where_there_is_one(tmp_path, files, cycle):
    folder = tmp_path / "pkg"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    package = "__init__.py" in files
    modules = {("pkg" if p.name == "__init__.py" else f"pkg.{p.stem}" if package else p.stem): p
               for p in folder.glob("*.py")}
    graph, hidden = import_graph(modules)
    assert bool(find_cycle(graph)) == cycle, graph
    assert bool(hidden) == ("def f" in "".join(files.values()))
