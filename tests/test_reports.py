"""Reports escape everything a student controls: Markdown (rendered with a CommonMark parser, so
the test sees what a reader sees), HTML, and CSV (no cell a spreadsheet runs as a formula)."""

import csv
import io
import json
import re

import pytest
from markdown_it import MarkdownIt

from autograder import report
from gradkit.core import Outcome
from autograder.grade import Plan, StudentResult

HOSTILE = ("boom\n```\n</pre><img src=x onerror=alert(1)>\n[x](javascript:alert(1))\n"
           "![i](http://evil/x.png) <script>alert(2)</script> ````")
NAME = "<b>=cmd|' /C calc'!A0</b>"
FORMULAS = ["=cmd|' /C calc'!A0", "+1", "-x", "@x", "\tname", "\rname", "=1+1"]


@pytest.fixture(scope="module")
def plan():
    return Plan.build(["01_activations"])


def _result(plan, student=NAME, folder="b_cmd_c_calc_a0_b-0123abcd"):
    """One student whose every check failed with the hostile message, printed output and notes."""
    (a, checks), = plan.items
    outcomes = [Outcome(c.name, c.function, 0.0, c.points, False, c.title, HOSTILE, c.hidden, HOSTILE, "error")
                for c in checks]
    outcomes[0] = Outcome(checks[0].name, checks[0].function, 0.0, checks[0].points, False, checks[0].title,
                          "another " + HOSTILE, False, "", "error")  # not all failures alike: per-check blocks
    return StudentResult(student, student + ".zip", folder, {a.folder: outcomes}, {a.folder: "imports <img src=x>"},
                         notes=["refused zip entry '<img src=x onerror=alert(1)>.py': [x](javascript:alert(1))"])


def _render(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def _assert_inert_html(rendered: str) -> None:
    """No tag, image or javascript: link of the student's is live (the kit's own plots are fine)."""
    lowered = rendered.lower()
    images = re.findall(r"<img [^>]*src=.([^'\" ]*)", lowered)
    assert all(src.startswith("_plots/") for src in images), images
    assert "<script" not in lowered and "<b>" not in lowered
    assert 'href="javascript' not in lowered and "href='javascript" not in lowered


def test_feedback_md_keeps_a_hostile_message_inside_its_code_block(plan):
    text = report.feedback_md(_result(plan), plan)
    rendered = _render(text)
    _assert_inert_html(rendered)
    assert rendered.count("<h3>") == len(plan.items[0][1])  # no block was closed early: every check has its heading
    assert "onerror=alert(1)" in rendered  # shown as text, not dropped


def test_summary_md_escapes_names_notes_and_skipped_entries(plan):
    skipped = [("<img src=x onerror=alert(1)>.txt", "a file that is not a .zip"), ("[x](javascript:alert(1))", "x")]
    text = report.summary_md([_result(plan)], plan, ["test"], 1.0, skipped, ["old-1234"])
    rendered = _render(text)
    _assert_inert_html(rendered)
    assert 'href="students/b_cmd_c_calc_a0_b-0123abcd/feedback.md"' in rendered  # the link is the folder
    assert "a file that is not a .zip" in rendered and "old-1234" in rendered


def test_md_text_stays_on_one_line_and_code_fences_outgrow_backtick_runs():
    assert "\n" not in report.md_text("a\nb\rc\td") and "\\n" in report.md_text("a\nb")
    fence, body, close = report.md_code("x ````` y")
    assert fence == close == "``````" and body == "x ````` y"


def test_printed_terminal_escapes_reach_feedback_md_inert():
    """A student's output that clears the screen, retitles the terminal or rings the bell is shown,
    not performed, when an instructor runs ``cat feedback.md``; newlines and tabs stay."""
    _, body, _ = report.md_code("a\x1b[2J\x1b]0;PWNED\x07b\n\tc\x9b")
    assert not any(ch in body for ch in "\x1b\x07\x9b") and "\\x1b[2J" in body and "\n\tc" in body


def test_html_reports_escape_text_and_attributes(plan):
    res = _result(plan, folder="we'ird folder")
    for page in (report.feedback_html(res, plan),
                 report.summary_html([res], plan, ["test"], 1.0, [("<img src=x>", "<script>")], ["<b>"])):
        _assert_inert_html(page)
    summary = report.summary_html([res], plan, ["test"], 1.0)
    assert "href='students/we%27ird%20folder/feedback.html'" in summary  # URL-quoted: the quote cannot end href


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_cells_never_start_a_formula(value):
    assert report.csv_cell(value) == "'" + value


def test_csv_numbers_and_plain_text_are_left_alone():
    assert [report.csv_cell(v) for v in ("alice", "700", "-1.5", "2e-3", "张伟", 96.5)] == \
        ["alice", "700", "-1.5", "2e-3", "张伟", "96.5"]


def test_gradebook_csv_quotes_formula_names(plan):
    results = [_result(plan, name, f"f{i}") for i, name in enumerate(FORMULAS)]
    rows = list(csv.reader(io.StringIO(report.gradebook_csv(results, plan))))
    assert rows[0] == ["student", "01_activations", "total", "folder"]
    assert [r[0] for r in rows[1:]] == ["'" + n for n in FORMULAS]
    assert all(not cell.startswith(report._FORMULA_START) for r in rows for cell in r)


def test_results_json_carries_student_and_folder(plan):
    data = report.results_json(_result(plan), plan)
    assert data["extra_data"]["student"] == NAME and data["extra_data"]["folder"] == "b_cmd_c_calc_a0_b-0123abcd"
    json.dumps(data, allow_nan=False)


def test_nbgrade_export_goes_through_the_same_helper(tmp_path):
    from autograder import nbgrade

    path = tmp_path / "grades.csv"
    path.write_text("assignment,student_id,score\n01_activations,=HYPERLINK(\"x\"),-3\n")
    nbgrade.no_formulas(path)
    assert list(csv.reader(io.StringIO(path.read_text())))[1] == ["01_activations", "'=HYPERLINK(\"x\")", "-3"]
