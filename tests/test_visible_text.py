"""Invisible and layout-changing characters are shown as what they are on every page the kit writes.

One hostile class is graded once (``grade --similarity``): a student named ``alice<U+202E><U+2066>txt.exe``
whose code prints a right-to-left override, zero-width characters, a tag character, a variation
selector, a soft hyphen and a terminal's escape sequences (ESC, BEL, NUL), and raises an exception
carrying some of them; a copy of that code under a CJK name (so the pair is flagged as similar).
Every page written (summary.md/html, feedback.md/html, similarity.html, results.json's outputs, the
terminal table) then holds none of those characters raw and shows each in its visible form, while
gradebook.csv keeps the exact name. The same holds for a student's own ``pytest`` (its terminal
output and ``report.html``). Beside it: ``visible`` itself, the Markdown escaping that is no longer
over-eager (rendered by a CommonMark parser: every string comes back exactly), and the order and
widths of the terminal table.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from markdown_it import MarkdownIt

from autograder.report import student_order
from gradkit import page
from gradkit.visible import is_invisible, shown_as, visible
from tests.kit import ROOT

A1 = "01_activations"
SOLUTION = (ROOT / "solutions" / A1 / "activations.py").read_text(encoding="utf-8")
HOSTILE_NAME = "alice\u202e\u2066txt.exe"
# (character, why it is hostile): each is printed by the hostile code and must never reach a page raw
HOSTILE_CHARS = {
    "\u202e": "right-to-left override", "\u2066": "left-to-right isolate", "\u200f": "right-to-left mark",
    "\u061c": "Arabic letter mark", "\u200b": "zero-width space", "\u200d": "zero-width joiner",
    "\u2060": "word joiner", "\ufeff": "zero-width no-break space", "\u00ad": "soft hyphen",
    "\ufe0f": "variation selector", "\U000e0041": "tag character", "\x1b": "escape", "\x07": "bell",
    "\x00": "NUL", "\x9b": "C1 control sequence introducer",
}
FORGED = "score: 100/100 \u202e001/0 :erocs"  # reads "score: 100/100 score: 0/100" where it is raw
PRINTED = (FORGED + " zero\u200bwidth\u200d\u2060\ufeff mark\u200f\u061c tag\U000e0041 soft\u00adhyphen "
           "vs\ufe0f \x1b[2J\x1b]0;PWNED\x07 nul\x00 csi\x9b " + "x" * 150)  # a long line: similarity's panes
RAISED = "\u202edetcepxe\u2066 \x1b[31mred\x07"
TROJAN = FORGED + " zero\u200bwidth \x1b[2J"  # raw in the source (a comment): what similarity.html shows

HOSTILE_RELU = f'''def relu(z):
    """Prints what a terminal or a page would run, and returns the wrong sign."""
    # {TROJAN}
    print({PRINTED!r})
    return -np.maximum(0, np.asarray(z, dtype=float))


def tanh_derivative(z):
    """Raises with an override in its message."""
    raise ValueError({RAISED!r})
'''


def hostile_module() -> str:
    """The solution of 01 with ``relu`` printing the hostile text (and failing) and
    ``tanh_derivative`` raising it; every other function correct."""
    from autograder.build.release import replace_function

    text = SOLUTION
    for name in ("relu", "tanh_derivative"):
        chunk = HOSTILE_RELU.split("\n\n\n")[0 if name == "relu" else 1]
        text = replace_function(text, name, chunk.strip("\n"))
    return text


def build_class(root: Path) -> dict[str, str]:
    """The hostile class in ``root``: {student: its module}."""
    students = {HOSTILE_NAME: hostile_module(), "张伟": hostile_module(), "José": SOLUTION, "alice": SOLUTION,
                "Bob": SOLUTION}
    for name, text in students.items():
        folder = root / name / A1
        folder.mkdir(parents=True)
        (folder / "activations.py").write_text(text, encoding="utf-8")
    return students


def assert_shown(text: str, where: str, expect=(HOSTILE_NAME,)) -> None:
    """``text`` (a page) holds no hostile character raw (newline and tab aside) and shows each of
    ``expect`` in its visible form."""
    raw = sorted({f"U+{ord(ch):04X}" for ch in text if ch not in "\n\t" and is_invisible(ch)})
    assert not raw, f"{where} holds {raw} raw"
    for wanted in expect:
        forms = {visible(wanted, keep=""), visible(wanted), page.md_text(wanted)}  # a line, a block, Markdown
        forms |= {html.escape(f) for f in forms}
        assert any(f in text for f in forms), f"{where} does not show {visible(wanted, keep='')!r}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The hostile class graded once with --similarity (the kit's own isolation: bubblewrap where
    installed), and the terminal's output."""
    tmp = tmp_path_factory.mktemp("visible")
    build_class(tmp / "class")
    out = tmp / "out"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp / "class"), "--out", str(out),
                           "--only", A1, "--jobs", "1", "--similarity", "--no-plots"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stdout


def _hostile_folder(out: Path) -> Path:
    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8", newline="")))
    return out / "students" / next(r["folder"] for r in rows if r["student"] == HOSTILE_NAME)


PRINTED_PARTS = (FORGED, "zero\u200bwidth", "\x1b[2J", "nul\x00", "tag\U000e0041", "vs\ufe0f")


def test_every_page_shows_the_hostile_characters(graded):
    out, terminal = graded
    student = _hostile_folder(out)
    pages = {"summary.md": (out / "summary.md", (HOSTILE_NAME,)),
             "summary.html": (out / "summary.html", (HOSTILE_NAME,)),
             "similarity.html": (out / "similarity.html", (HOSTILE_NAME,)),
             "feedback.md": (student / "feedback.md", (HOSTILE_NAME,)),
             "feedback.html": (student / "feedback.html", (HOSTILE_NAME,))}
    for where, (path, names) in pages.items():
        text = path.read_text(encoding="utf-8")
        assert_shown(text, where, names)
    for where in ("feedback.md", "feedback.html"):  # the printed output and the message, each part shown
        assert_shown(pages[where][0].read_text(encoding="utf-8"), where, PRINTED_PARTS + (RAISED,))
    assert_shown(pages["similarity.html"][0].read_text(encoding="utf-8"), "similarity.html", ("x" * 150, TROJAN))
    assert_shown(terminal, "the terminal table", (HOSTILE_NAME,))


def test_results_json_shows_them_and_the_gradebook_keeps_the_exact_name(graded):
    out, _ = graded
    data = json.loads((_hostile_folder(out) / "results.json").read_text(encoding="utf-8"))
    shown = "\n".join([data["output"]] + [t["output"] for t in data["tests"]] + [t["name"] for t in data["tests"]])
    assert_shown(shown, "results.json", PRINTED_PARTS + (RAISED,))
    assert data["extra_data"]["student"] == HOSTILE_NAME  # data, not shown: exact
    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8", newline="")))
    assert HOSTILE_NAME in [r["student"] for r in rows]


def test_every_list_of_students_is_in_one_locale_free_order(graded):
    out, terminal = graded
    expected = ["alice", HOSTILE_NAME, "Bob", "José", "张伟"]
    assert sorted(expected[::-1], key=student_order) == expected
    rows = [r["student"] for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8", newline=""))]
    assert rows == expected
    start = next(i for i, line in enumerate(terminal.splitlines()) if line.startswith("student "))
    table = [line.split("  ")[0].strip() for line in terminal.splitlines()[start + 1:start + 1 + len(expected)]]
    assert table == [visible(s, keep="") for s in expected]
    summary = (out / "summary.md").read_text(encoding="utf-8")
    positions = [summary.index(page.md_text(s)) for s in expected]
    assert positions == sorted(positions)


def test_the_terminal_table_aligns_cjk_names_by_display_width(graded):
    from rich.cells import cell_len

    _, terminal = graded
    lines = terminal.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("student "))
    table = lines[start:start + 6]
    folder_columns = {cell_len(line[:line.rindex(" ") + 1]) for line in table}  # where the folder column starts
    assert len(folder_columns) == 1, table


def test_a_students_own_pytest_shows_them_in_the_terminal_and_the_report(tmp_path):
    from tests.test_local_checks import _student_folder

    folder = _student_folder(tmp_path, A1)
    (folder / "activations.py").write_text(hostile_module(), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--gradkit-html",
                           "report.html"], cwd=folder, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert "relu" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert_shown(proc.stdout, "pytest's terminal output", (FORGED, "\x1b[2J", RAISED))
    assert_shown((folder / "report.html").read_text(encoding="utf-8"), "report.html", (RAISED,))  # prints: the terminal


# --- visible itself -----------------------------------------------------------------------------------


@pytest.mark.parametrize("ch", sorted(HOSTILE_CHARS))
def test_each_hostile_character_is_shown(ch):
    assert is_invisible(ch), HOSTILE_CHARS[ch]
    assert visible(f"a{ch}b") == f"a{shown_as(ch)}b" and not any(is_invisible(c) for c in visible(ch))


def test_visible_forms_and_what_stays():
    assert visible("\u202e") == "<U+202E>" and visible("\x1b") == "\\x1b" and visible("\U000e0041") == "<U+E0041>"
    assert visible("a\nb\tc") == "a\nb\tc" and visible("a\nb\tc", keep="") == "a\\nb\\tc"
    for kept in ("张伟", "Zoë", "Zoe\u0308", "Иван", "😀", "a b", "x\u00a0y", "=cmd|'!A0", "<b>"):
        assert visible(kept, keep="") == kept


# --- Markdown: escaped only where it must be, and still exact -----------------------------------------

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _rendered_text(markdown: str) -> str:
    """The text CommonMark renders ``markdown`` to, as HTML text (one paragraph, list item or cell)."""
    inner = _MD.render(markdown).strip()
    for wrapper in (r"<p>(.*)</p>", r"<ul>\n<li>(.*)</li>\n</ul>", r"<h2>(.*)</h2>",
                    r"<table>.*<tbody>\n<tr>\n<td>(.*)</td>\n</tr>\n</tbody>\n</table>"):
        m = re.fullmatch(wrapper, inner, re.S)
        if m:
            return m.group(1)
    return "\0unwrapped: " + inner


def _contexts(text: str) -> list[str]:
    cell = page.md_text(text)
    return [cell, f"- {cell}", f"## {cell}", f"| h |\n|---|\n| {cell} |"]


MARKUP = st.text(alphabet="\\`*_[]<>()!#+-.|~&;:=/ aA1\u202e\u200b\x1b\n", min_size=1, max_size=30)


@settings(max_examples=400, deadline=None)
@given(MARKUP)
def test_md_text_renders_back_to_exactly_the_text(text):
    """Whatever the text (markup characters, entities, list and heading starts), CommonMark renders
    md_text's output as the text itself, in a paragraph, a list item, a heading and a table cell."""
    expected = html.escape(visible(text, keep=""), quote=True)
    for markdown in _contexts(text):
        got = _rendered_text(markdown)
        assert html.unescape(got) == html.unescape(expected), (text, markdown, got)
        assert "<" not in got.replace("&lt;", ""), (text, markdown, got)


def test_notes_are_not_over_escaped():
    assert page.md_text("04_batchnorm/04_batchnorm.ipynb (a notebook)") == "04_batchnorm/04_batchnorm.ipynb (a notebook)"
    assert page.md_text("_emphasis_ *strong* [x](y) <b> a|b") == "\\_emphasis\\_ \\*strong\\* \\[x\\](y) \\<b> a\\|b"


def test_results_json_shows_a_note_and_a_message_but_keeps_the_exact_name_in_extra_data():
    """Every text Gradescope shows (the run's output with its notes, each test's output)."""
    from autograder.grade import Plan, StudentResult
    from autograder.report import results_json
    from gradkit.core import Outcome

    plan = Plan.build([A1])
    (a, checks), = plan.items
    c = checks[0]
    res = StudentResult(HOSTILE_NAME, HOSTILE_NAME, "alice-0", {a.folder: [
        Outcome(c.name, c.function, 0.0, c.points, False, c.title, RAISED, False, PRINTED, "error")]},
        {a.folder: "graded"}, notes=[f"{A1}: {FORGED} was graded"])
    data = results_json(res, plan)
    assert_shown(data["output"], "results.json output", (FORGED,))
    assert_shown(data["tests"][0]["output"], "results.json test output", (RAISED,) + PRINTED_PARTS)
    assert data["extra_data"]["student"] == HOSTILE_NAME


def test_output_folders_are_readable_in_any_script_and_stay_safe_unique_and_stable():
    from autograder.intake.submissions import student_folder

    readable = {"张伟": "zhangwei", "Иван": "ivan", "Zoë": "zoe", "Straße": "strasse", HOSTILE_NAME: "alicetxt_exe",
                "😀": "grinning", "\u200b": "student"}
    for name, slug in readable.items():
        folder = student_folder(name)
        assert re.fullmatch(rf"{slug}-[0-9a-f]{{8}}", folder), (name, folder)
        assert student_folder(name) == folder  # from the name alone
    assert student_folder("张伟") != student_folder("李娜") and student_folder("Zoë") != student_folder("Zoé")
