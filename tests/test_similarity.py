"""The similarity report flags planted copies and leaves independent solutions alone.

The planted class for 04_batchnorm: the kit's solution and two solutions written independently
(tests/similarity_class/), a disguised copy of two of them (variables renamed, functions reordered,
comments changed, the code reformatted), and two students who handed in the untouched stub. The
same class through ``grade --similarity``: the section of the class summary.
"""

import ast
import builtins
import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from copydetect import compare_files

from autograder import similarity
from autograder.build.release import remove_markers
from gradkit import course
from tests.kit import ROOT

HERE = Path(__file__).resolve().parent / "similarity_class"
BATCHNORM = course.by_folder("04_batchnorm")


def disguise(code: str) -> str:
    """What a student hides a copy with: every local name renamed, the functions in reverse order,
    the comments replaced, the layout reformatted."""
    tree = ast.parse(code)
    keep = set(dir(builtins)) | {"np"} | {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            node.id = node.id if node.id in keep else f"my_{node.id[::-1]}"
            return node

        def visit_arg(self, node):
            node.arg = node.arg if node.arg in keep else f"my_{node.arg[::-1]}"
            return node

    tree = Rename().visit(tree)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    tree.body = [n for n in tree.body if not isinstance(n, ast.FunctionDef)] + functions[::-1]
    return "# all my own work\n" + ast.unparse(tree).replace("\n\n", "\n\n# next step\n")


def planted_class(root: Path) -> Path:
    solution = remove_markers((BATCHNORM.path / f"{BATCHNORM.module}.py").read_text(encoding="utf-8"))
    loops, graph = (HERE / "loops.py").read_text(), (HERE / "graph.py").read_text()
    stub = similarity.stub_of(BATCHNORM)
    files = {"ann": solution, "ben": disguise(solution), "cal": loops, "eve": disguise(loops), "dan": graph,
             "stu": stub, "sam": stub}
    for student, code in files.items():
        path = root / student / BATCHNORM.folder / f"{BATCHNORM.module}.py"
        path.parent.mkdir(parents=True)
        path.write_text(code, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return similarity.similarity(planted_class(tmp_path_factory.mktemp("class")))


def test_planted_copies_are_flagged_and_independent_solutions_are_not(report):
    flagged = {(p.assignment, p.students) for p in report.flagged}
    assert flagged == {("04_batchnorm", ("ann", "ben")), ("04_batchnorm", ("cal", "eve"))}
    assert report.compared["04_batchnorm"] == 21 and report.students["04_batchnorm"] == 7


def test_the_independent_solutions_are_correct():
    """They are real solutions (full marks), so not flagging them means something."""
    from tests.kit import grade_file

    for name in ("loops.py", "graph.py"):
        outcomes = grade_file(BATCHNORM, HERE / name)
        assert all(o.passed for o in outcomes), [o.name for o in outcomes if not o.passed]


def test_the_stub_is_removed_before_comparing():
    """Two untouched stubs are identical text; removing what the release gives everyone leaves
    nothing of them to compare, which is what keeps two students who wrote nothing apart."""
    stub = similarity.stub_of(BATCHNORM)
    as_is = similarity._fingerprint(stub)
    assert as_is.hashes and compare_files(as_is, similarity._fingerprint(stub))[1] == (1.0, 1.0)
    boilerplate = np.array(sorted(as_is.hashes), dtype=np.int64)
    assert not similarity._fingerprint(stub, boilerplate).hashes


def test_reports_show_the_matching_regions_side_by_side(report, tmp_path):
    assert similarity.main([str(planted_class(tmp_path / "class")), "--out", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert page.count("class='pair'") == 2 and "<mark>" in page and "my_" in page
    md = (tmp_path / "out" / "similarity.md").read_text()
    assert "| 04_batchnorm | ann | ben |" in md and "| 04_batchnorm | cal | eve |" in md


def test_pairs_are_scored_both_ways(report):
    for p in report.flagged:
        assert all(similarity.THRESHOLD <= s <= 1 for s in p.shares) and p.shared >= similarity.MIN_SHARED
    assert not any(set(p.students) & {"stu", "sam", "dan"} for p in report.flagged)
    assert len(list(itertools.combinations(range(7), 2))) == report.compared["04_batchnorm"]


def _summary(out: Path, name: str) -> str:
    """A summary file without its timing line (which differs from run to run)."""
    return re.sub(r"\d+ submissions graded in [\d.]+ s\.", "", (out / name).read_text(encoding="utf-8"))


def test_grade_with_similarity_adds_the_section_and_nothing_else(tmp_path):
    """``grade --similarity`` on the planted class: summary.md and summary.html end with the flagged
    pairs (the planted copies, no other), each linking to its side-by-side view in OUT/similarity.html;
    the same class graded without the flag has the same summary without the section, and no page."""
    klass, out, plain = planted_class(tmp_path / "class"), tmp_path / "grades", tmp_path / "plain"
    command = [sys.executable, "-m", "autograder", "grade", str(klass), "--only", BATCHNORM.folder, "--jobs", "2"]
    proc = subprocess.run(command + ["--out", str(out), "--similarity"], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    md = _summary(out, "summary.md")
    head, section = md.split("\n## Similar submissions\n", 1)
    rows = [line for line in section.splitlines() if line.startswith(f"| {BATCHNORM.folder} |")]
    assert len(rows) == 2, section
    row = re.compile(r"\| 04_batchnorm \| (\w+) \| (\w+) \(\[side by side\]\(similarity\.html#p(\d)\)\) \|")
    pairs = [row.match(line).groups() for line in rows]
    assert {p[:2] for p in pairs} == {("ann", "ben"), ("cal", "eve")}, rows  # the planted copies, no other
    assert sorted(p[2] for p in pairs) == ["0", "1"], rows
    assert "04_batchnorm (7 students, 21 pairs)" in section
    page = (out / similarity.PAGE).read_text(encoding="utf-8")
    assert page.count("class='pair'") == 2 and "id='p0'" in page and "id='p1'" in page and "<mark>" in page
    summary_html = _summary(out, "summary.html")
    assert "<h2>Similar submissions</h2>" in summary_html
    assert summary_html.count("href='similarity.html#p") == 2 and "eve" in summary_html

    shutil.copytree(out, plain, ignore=shutil.ignore_patterns(similarity.PAGE))
    proc = subprocess.run(command + ["--out", str(plain), "--resume"], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "7 unchanged submissions taken from the previous run" in proc.stdout
    assert _summary(plain, "summary.md") == head
    assert "Similar submissions" not in _summary(plain, "summary.html")
    assert not (plain / similarity.PAGE).exists()
