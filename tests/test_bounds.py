"""The judge reads at most ``gradkit.bounds.MAX_TOKENS`` tokens of a student's file (gradkit/bounds.py).

The hostile file is the one a red-team pass handed in: the solution followed by ``0`` lines up
to just under the 1 MiB module limit (the compiler drops them; run, it grades as the solution),
a million tokens and a million tree nodes. It is refused once, by counting tokens up to the bound,
and then no reader of the kit parses it: ``ast.parse`` is counted.
"""

from __future__ import annotations

import ast
import html
import io
import tokenize
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder import similarity
from autograder.grade import Plan, grade_class
from autograder.intake import student_text, submissions
from autograder.intake.student_text import MAX_FILE, module_from_notebook
from autograder.sandbox.judge import Limits, bwrap_path
from gradkit import bounds, core, course, protocol
from gradkit.bounds import MAX_TOKENS, SourceTooLarge
from gradkit.pytest_plugin import LocalSession
from tests.kit import ROOT

AVAILABLE = course.available()
A1, A2 = AVAILABLE[0], AVAILABLE[1]
SOLUTION = {a.folder: (ROOT / "solutions" / a.folder / f"{a.module}.py").read_bytes() for a in AVAILABLE}
MODES = ["bwrap", "no-bwrap"] if bwrap_path() else ["no-bwrap"]


def padded(solution: bytes) -> bytes:
    """``solution`` (with a comment that makes it unique, so no earlier refusal is remembered)
    followed by ``0`` lines up to just under the module limit."""
    text = f"# {uuid.uuid4()}\n".encode() + solution + b"\n"
    return text + b"0\n" * ((MAX_FILE - 16 - len(text)) // 2)


def tokens_and_nodes(text: str) -> tuple[int, int]:
    """(tokenize's tokens, ast.walk's nodes) of ``text``: the counts the bound is set from."""
    return (sum(1 for _ in tokenize.generate_tokens(io.StringIO(text).readline)),
            sum(1 for _ in ast.walk(ast.parse(text))))


def kit_code() -> dict[str, str]:
    """Every module a student could hand in that the kit itself wrote: the solutions, their
    notebooks' code as the grader extracts it, the stubs, and examples/."""
    code = {}
    for a in AVAILABLE:
        code[f"solutions/{a.folder}/{a.module}.py"] = SOLUTION[a.folder].decode()
        code[f"assignments/{a.folder}/{a.module}.py"] = (ROOT / "assignments" / a.folder / f"{a.module}.py").read_text()
        nb = ROOT / "solutions" / a.folder / f"{a.folder}.ipynb"
        code[f"{nb.relative_to(ROOT)} (code cells)"] = module_from_notebook(nb.read_bytes(), a.module)[0]
    for path in sorted((ROOT / "examples").rglob("*.py")):
        code[str(path.relative_to(ROOT))] = path.read_text()
    return code


# --- the margin --------------------------------------------------------------------------------

def test_the_kits_own_code_is_far_below_the_bound():
    """Every solution, notebook, stub and example holds under a tenth of the bound (the largest,
    07's notebook, about 2,700 tokens as the bound counts them: 19 times below), and parses into
    at most 1.1 nodes per token, so a file at the bound costs about MAX_TOKENS nodes."""
    largest = 0
    for name, text in kit_code().items():
        try:
            tokens, nodes = tokens_and_nodes(text)
        except SyntaxError:  # examples/ has a syntax error on purpose
            continue
        counted = bounds.count_tokens(text)[0]  # tokenize's, with an f-string's characters
        assert tokens <= counted, (name, tokens, counted)
        assert 10 * counted < MAX_TOKENS, (name, counted)
        assert nodes <= 1.1 * tokens, (name, nodes, tokens)
        bounds.check_size(text)  # not refused
        largest = max(largest, counted)
    assert 30 * largest < MAX_TOKENS < 45 * largest  # the docstring's "37 times the largest solution"


# --- the refusal, once, cheaply; then nothing parses the file -----------------------------------

@pytest.fixture
def counted(monkeypatch):
    """{"parses": [len of each text ast.parse was given], "counts": [tokens of each count]}."""
    seen = {"parses": [], "counts": []}
    real_parse, real_count = ast.parse, bounds.count_tokens
    monkeypatch.setattr(ast, "parse", lambda src, *a, **k: seen["parses"].append(len(src)) or real_parse(src, *a, **k))

    def count(*args, **kwargs):
        result = real_count(*args, **kwargs)
        seen["counts"].append(result[0])
        return result

    monkeypatch.setattr(bounds, "count_tokens", count)
    return seen


def test_a_padded_file_is_counted_once_and_parsed_by_no_reader(counted, tmp_path):
    source = padded(SOLUTION[A1.folder])
    folder = tmp_path / "class" / "s" / A1.folder
    folder.mkdir(parents=True)
    (folder / f"{A1.module}.py").write_bytes(source)
    sub = submissions.scan(tmp_path / "class").submissions[0]
    files = submissions.materialize(sub, {A1.folder: A1.module}, tmp_path / "files")  # is_untouched_stub
    assert files[A1.folder][0].path.read_bytes() == source  # a file too large is "changed": it is graded
    with pytest.raises(SourceTooLarge) as refused:
        student_text.parse_untrusted(source, "m.py")  # the parser's limits
    assert protocol.forbidden_imports(source) == []
    assert submissions.grader_reach(source) == []
    assert core.calls_in_source(source) == {}
    assert not submissions.is_untouched_stub(source, {"relu"})
    with pytest.raises(SourceTooLarge):
        bounds.check_size(source.decode())  # the same file as text: remembered too
    assert counted["parses"] == []
    assert counted["counts"] == [MAX_TOKENS + 1]  # one count, stopped at the bound
    exc = refused.value
    assert exc.read < len(source) // 5 and exc.size == len(source) and exc.lines == source.count(b"\n") + 1
    assert exc.statements > MAX_TOKENS // 3  # "0" and NEWLINE: two tokens a statement, after the solution


def test_a_file_just_under_the_bound_is_parsed():
    tokens = bounds.count_tokens(SOLUTION[A1.folder])[0]
    source = SOLUTION[A1.folder] + b"0\n" * ((MAX_TOKENS - tokens) // 2 - 1)
    assert bounds.count_tokens(source)[0] <= MAX_TOKENS
    protocol.parse_python(source)  # no refusal


def test_the_bound_is_on_tokens_not_bytes():
    """A docstring of 900 KB is one token (one node): parsed. An f-string of 500 KB is one token on
    Python 3.11 but a list of 250,000 zeros inside its braces: refused, like the zeros themselves."""
    prose = SOLUTION[A1.folder] + b'\n"""' + b"many words " * 90_000 + b'"""\n'
    protocol.parse_python(prose)
    braces = SOLUTION[A1.folder] + b'\n_s = f"{[' + b"0," * 250_000 + b']}"\n'
    with pytest.raises(SourceTooLarge):
        protocol.parse_python(braces)


def test_the_message_says_how_large_the_file_is_and_what_the_limit_is():
    exc = pytest.raises(SourceTooLarge, bounds.check_size, padded(SOLUTION[A1.folder])).value
    text = exc.message("activations.py")
    assert text.startswith("activations.py is too large to grade: its first ")
    assert f"more than {MAX_TOKENS:,} tokens" in text and f"{exc.statements:,} statements" in text
    assert f"{exc.lines:,} lines" in text and "a complete solution has a few thousand" in text
    assert "this assignment scores 0" in text


# --- the readers that refuse it: the grader (both modes), pytest, notebooks, similarity ----------

@pytest.mark.parametrize("mode", MODES)
def test_the_grader_refuses_the_file_for_its_assignment_alone(mode, tmp_path, counted):
    """01 padded scores 0 with the refusal as its feedback; 02, beside it, scores 100; the judge
    (this process: one job) never parses the padded file."""
    source = padded(SOLUTION[A1.folder])
    student = tmp_path / "class" / "s"
    for a, data in ((A1, source), (A2, SOLUTION[A2.folder])):
        (student / a.folder).mkdir(parents=True)
        (student / a.folder / f"{a.module}.py").write_bytes(data)
    (result,) = grade_class(tmp_path / "class", Plan.build([A1.folder, A2.folder]), 1,
                            Limits(call_timeout=5.0, student_budget=120.0), use_bwrap=mode == "bwrap")
    assert result.score(A1.folder) == 0 and result.status[A1.folder] == "too large to parse", result.status
    assert result.score(A2.folder) == 100 and result.status[A2.folder] == "graded", result.status
    messages = {o.message for o in result.outcomes[A1.folder]}
    assert len(messages) == 1
    assert messages.pop().startswith(f"{A1.module}.py ({A1.folder}/{A1.module}.py) is too large to grade")
    assert not [n for n in counted["parses"] if n > MAX_FILE // 2]  # the padded file is the only one that large
    assert counted["counts"].count(MAX_TOKENS + 1) == 1  # refused once


def test_a_students_pytest_refuses_it_with_the_graders_words(tmp_path, counted):
    path = tmp_path / f"{A1.module}.py"
    path.write_bytes(padded(SOLUTION[A1.folder]))
    session = LocalSession(A1.module, path)
    assert session.error is not None and session.error.kind == "import"
    assert session.error.message.startswith(f"{A1.module}.py is too large to grade")
    assert counted["parses"] == [] and A1.module not in session.invoker.modules  # neither parsed nor run


def _notebook(*cells: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(nb).encode()


def test_a_notebook_is_counted_cell_by_cell_before_any_cell_is_parsed(counted):
    """Its cells together hold more than the bound: refused before parsing. Each cell is counted on
    its own, as it is parsed: a first cell that does not tokenize (an unterminated string) hides
    nothing of the next one."""
    junk = padded(b"").decode()[: MAX_FILE // 2]
    for cells in ((SOLUTION[A1.folder].decode(), junk), ('"""never closed', junk)):
        with pytest.raises(ValueError, match="is too large to grade") as refused:
            module_from_notebook(_notebook(*cells), A1.module, "01_activations.ipynb")
        assert "the notebook was not graded" in str(refused.value)
    assert counted["parses"] == []


def test_similarity_skips_the_file_with_a_note(tmp_path):
    for name, data in (("big", padded(SOLUTION[A1.folder])), ("ann", SOLUTION[A1.folder]),
                       ("bob", SOLUTION[A1.folder])):
        (tmp_path / name / A1.folder).mkdir(parents=True)
        (tmp_path / name / A1.folder / f"{A1.module}.py").write_bytes(data)
    report = similarity.similarity(tmp_path, folders=[A1.folder])
    assert report.students[A1.folder] == 2 and report.compared[A1.folder] == 1
    note = [n for n in report.notes if n.startswith(f"big: {A1.folder}: ")]
    assert len(note) == 1 and f"was not compared: more than {MAX_TOKENS:,} tokens" in note[0], report.notes
    assert html.escape(note[0]) in similarity.as_html(report)
    assert [p.students for p in report.flagged] == [("ann", "bob")]
