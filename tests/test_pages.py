"""The pages people read: summary.html holds everything summary.md holds (both are rendered from one
page), a feedback page gives a not-submitted assignment one line and a module that failed as a whole
one message, a failing check's picture is shown under its message, a student's ``pytest
--gradkit-html`` writes the same page, and a browser (headless Chromium) renders the pages to
pictures that are not blank."""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from autograder import report
from autograder.build import bundle
from autograder.grade import Plan, StudentResult
from autograder.tools import screenshots
from gradkit import course, page
from gradkit.core import Outcome, outcome_failed
from tests.kit import mutant_text
from tests.test_local_checks import _pytest, _student_folder

ACT = course.by_folder("01_activations")
FAILING = ("sigmoid: large |z|", "relu_derivative: at z = 0")  # ann's two failures in 01
IMPORT_ERROR = "importing activations.py failed: SyntaxError: expected ':' (activations.py, line 82)"
ZIP_NOTE = "ann.zip: 01_activations/old.zip could not be read (not a zip file), skipped"


def _png(width: int = 8, height: int = 4) -> bytes:
    """A small red PNG (matplotlib's writer), for a failing check's picture."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    fig.patch.set_facecolor("#c44e52")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


FIGURE = "data:image/png;base64," + base64.b64encode(_png()).decode()


@pytest.fixture(scope="module")
def plan():
    return Plan.build()


def outcome_passed(c) -> Outcome:
    return Outcome(c.name, c.function, c.points, c.points, True, c.title, hidden=c.hidden)


def _outcomes(checks, failing=(), module_error: str = ""):
    if module_error:
        return [outcome_failed(c, module_error, "import") for c in checks]
    return [outcome_failed(c, f"{c.function}(): wrong\n  hint: {c.hint}", "mismatch") if c.name in failing
            else outcome_passed(c) for c in checks]


@pytest.fixture(scope="module")
def klass(plan):
    """ann handed in 01 only (two checks failing, the first with a picture) and a zip that could not be
    read; ben's 01 does not import, the rest is correct."""
    (act, act_checks), *rest = plan.items
    ann_01 = _outcomes(act_checks, FAILING)
    next(o for o in ann_01 if not o.passed).figure = FIGURE
    ann = StudentResult("ann", "ann.zip", "ann", {act.folder: ann_01}, {act.folder: "graded"}, notes=[ZIP_NOTE])
    for a, checks in rest:
        ann.outcomes[a.folder] = [outcome_failed(c, f"not submitted: no {a.folder}/{a.module}.py in the submission",
                                                 "missing") for c in checks]
        ann.status[a.folder] = "not submitted"
    ben = StudentResult("ben", "ben", "ben", {act.folder: _outcomes(act_checks, module_error=IMPORT_ERROR)},
                        {act.folder: "import failed"})
    for a, checks in rest:
        ben.outcomes[a.folder], ben.status[a.folder] = _outcomes(checks), "graded"
    return [ann, ben]


class _Text(HTMLParser):
    """The text of each block element of a page, in order: (tag, text)."""

    BLOCKS = {"h1", "h2", "h3", "p", "th", "td", "li", "pre"}

    def __init__(self):
        super().__init__()
        self.found, self.open = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.open.append([tag, ""])
        if tag == "img":
            self.found.append(("img", dict(attrs).get("alt", "")))

    def handle_endtag(self, tag):
        if tag in self.BLOCKS and self.open:
            t, text = self.open.pop()
            if text.strip():
                self.found.append((t, " ".join(text.split())))

    def handle_data(self, data):
        if self.open:
            self.open[-1][1] += data


def _blocks(html_text: str) -> list[tuple[str, str]]:
    parser = _Text()
    parser.feed(html_text)
    return parser.found


def _md_blocks(markdown: str) -> list[tuple[str, str]]:
    return _blocks(MarkdownIt("commonmark").enable("table").render(markdown))


def test_summary_html_holds_everything_summary_md_holds(plan, klass):
    plots = {a.folder: _png() for a, _ in plan.items}
    args = (klass, plan, ["bubblewrap"], 12.0, [("notes.txt", "a file that is not a .zip")], ["old-1"], plots)
    md, html_text = report.summary_md(*args), report.summary_html(*args)
    assert _md_blocks(md) == _blocks(html_text)  # every heading, cell, list item and plot, in order
    for column in ("min", "max", "not submitted", "import failed"):
        assert ("th", column) in _blocks(html_text)
    for text in (ZIP_NOTE, "notes.txt: a file that is not a .zip", "students/old-1", FAILING[0]):
        assert any(text in t for _, t in _blocks(html_text)), text
    sources = re.findall(r"<img src='([^']*)'", html_text)
    assert len(sources) == len(plan.items)  # one plot per assignment, inline: one self-contained file
    assert all(base64.b64decode(s.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n" for s in sources)
    assert all(f"](_plots/{a.folder}.png)" in md for a, _ in plan.items)


def test_summary_takes_an_extra_section(plan, klass):
    extra = [[page.Heading(2, "Similar submissions"), page.Para(page.Kit("No pair is flagged."))]]
    for text in (report.summary_md(klass, plan, ["x"], 1.0, extra=extra),
                 report.summary_html(klass, plan, ["x"], 1.0, extra=extra)):
        assert "Similar submissions" in text and "No pair is flagged." in text


def test_a_summary_without_plots_draws_none_and_keeps_its_tables(plan, klass, tmp_path):
    """``grade --no-plots`` (one student's run, as on Gradescope): no _plots/, no image, same tables."""
    report.write_class(tmp_path / "a", klass, plan, ["x"], 1.0)
    report.write_class(tmp_path / "b", klass, plan, ["x"], 1.0, plots=False)
    assert (tmp_path / "a" / report.PLOTS).is_dir() and not (tmp_path / "b" / report.PLOTS).exists()
    with_plots, without = ((tmp_path / d / "summary.html").read_text() for d in "ab")
    assert "<img" in with_plots and "<img" not in without
    assert [b for b in _blocks(with_plots) if b[0] != "img"] == _blocks(without)


def test_a_not_submitted_assignment_is_one_line(plan, klass):
    ann = klass[0]
    md, html_text = report.feedback_md(ann, plan), report.feedback_html(ann, plan)
    for a, checks in plan.items[1:]:
        line = f"{a.folder}: not submitted, 0/100"
        for blocks in (_md_blocks(md), _blocks(html_text)):  # the table row, then this one line
            assert [t for tag, t in blocks if a.folder in t and tag != "td"] == [line]
        assert not any(c.name in md or c.name in html_text for c in checks if c.name not in ACT_NAMES)
    assert len(html_text) < 20_000, len(html_text)  # it was 66 KB for a student who handed in one assignment


ACT_NAMES = {c.name for c in ACT.public_checks() + ACT.hidden_checks()}


def test_a_module_that_failed_as_a_whole_is_one_message(plan, klass):
    ben = klass[1]
    md, html_text = report.feedback_md(ben, plan), report.feedback_html(ben, plan)
    for text in (md, html_text):
        assert text.count("SyntaxError: expected") == 1
        assert f"All {len(ACT_NAMES)} checks failed for the same reason" in text
    assert "<h3" not in html_text and "### " not in md  # no block per check


def test_a_failing_checks_picture_is_shown_under_its_message(plan, klass):
    html_text = report.feedback_html(klass[0], plan)
    first, second = (html_text.index(f"✗ {name}:") for name in FAILING)
    img = html_text.index(f"<img src='{FIGURE}'")
    assert first < html_text.index("</pre>", first) < img < second  # under the first failure's message
    assert re.search(r"<img src='data:image/png;base64,[^']+' alt='sigmoid: large \|z\|: [^']+' class='figure'>",
                     html_text)
    assert "img.figure{max-width:" in html_text
    assert "feedback.html shows a plot of this failure." in report.feedback_md(klass[0], plan)


@pytest.mark.parametrize("figure", ["javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=",
                                    "data:image/png;base64,AAAA' onerror='alert(1)", ""])
def test_only_a_png_data_uri_becomes_a_picture(plan, klass, figure):
    ann = klass[0]
    o = next(o for o in ann.outcomes[ACT.folder] if not o.passed)
    old, o.figure = o.figure, figure
    try:
        assert "<img" not in report.feedback_html(ann, plan)
    finally:
        o.figure = old


def test_pytest_writes_the_feedback_page_locally(tmp_path):
    folder = _student_folder(tmp_path, mutant_text(ACT, "sigmoid_derivative_of_input"))
    out = _pytest(folder, "-k", "sigmoid", "--gradkit-html", "report.html")
    html_text = (tmp_path / "report.html").read_text()  # relative to where pytest started
    assert f"report: {tmp_path / 'report.html'}" in out
    assert "<h1>Your public checks</h1>" in html_text and "a partial run" in html_text
    assert re.search(r"<h3 class='fail'>✗ sigmoid_derivative: worked example: 0/1 point</h3>", html_text)
    assert "hint:" in html_text and "✓ Passed (" in html_text
    assert "hidden checks carry the other" in html_text


def test_pytest_page_gives_a_syntax_error_once(tmp_path):
    folder = _student_folder(tmp_path, "def relu(z)\n    return z\n")
    _pytest(folder, "-k", "relu", "--gradkit-html", "page.html")
    html_text = (tmp_path / "page.html").read_text()
    assert html_text.count("SyntaxError") == 1 and "import failed" in html_text
    assert "failed for the same reason" in html_text and "<h3" not in html_text


def test_a_released_student_folder_writes_the_page(tmp_path):
    """The bundle students get (its own vendored gradkit, no PYTHONPATH): the released stubs, in one
    assignment folder."""
    dest = bundle.student(tmp_path / "student")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-k", "relu", "--gradkit-html", "report.html"],
                          cwd=dest / ACT.folder, env=env, capture_output=True, text=True, timeout=300)
    html_text = (dest / ACT.folder / "report.html").read_text()
    assert "not implemented yet" in html_text and "relu: values" in html_text, proc.stdout[-2000:]


def _looks(png_path) -> tuple[int, float]:
    """(distinct colours, share of pixels that are not white) of a picture."""
    from PIL import Image

    img = Image.open(png_path).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20)
    white = sum(n for n, c in colours if min(c) >= 250)
    return len(colours), 1 - white / (img.width * img.height)


@pytest.mark.skipif(screenshots.browser() is None, reason="no Chromium on this machine (apt-get install chromium); "
                                                          ".ci/run installs it")
def test_a_browser_renders_the_pages_to_pictures_that_are_not_blank(tmp_path, plan, klass):
    one = Plan([plan.items[0]])
    out = tmp_path / "grades"
    report.write_class(out, klass, one, ["test"], 1.0)
    report.write_student(out, klass[0], plan)
    blank = tmp_path / "blank.html"
    blank.write_text("<!doctype html><html><body></body></html>")
    assert screenshots.main([str(out), "--into", str(tmp_path / "shots")]) == 0
    shots = {p.name: _looks(p) for p in (tmp_path / "shots").glob("*.png")}
    assert set(shots) == {"summary.png", "feedback-ann.png"}
    for name, (colours, ink) in shots.items():
        assert colours >= 50 and ink >= 0.03, (name, colours, ink)  # text, tables, the plot: not a blank page
    colours, ink = _looks(screenshots.screenshot(blank, tmp_path / "blank.png"))
    assert colours < 50 and ink < 0.03  # what a blank page measures: the test above can fail


def test_a_function_not_implemented_yet_is_one_block(plan):
    """The released stub of a function fails each of its checks with NotImplementedError: one block
    for them all (its points, the checks' names, the message once), not one per check."""
    (act, checks), = Plan.build([ACT.folder]).items
    stubbed = [c for c in checks if c.function == "relu"]
    outcomes = [outcome_failed(c, f"relu() is not implemented yet (it raised NotImplementedError).\n  hint: {c.hint}",
                               "not_implemented") if c.function == "relu" else outcome_passed(c) for c in checks]
    result = StudentResult("cy", "cy", "cy", {act.folder: outcomes}, {act.folder: "graded"})
    one = Plan.build([ACT.folder])
    md, html_text = report.feedback_md(result, one), report.feedback_html(result, one)
    points = f"0/{sum(c.points for c in stubbed):g} points"
    for text in (md, html_text):
        assert text.count("relu() is not implemented yet") == 1 and f"✗ relu: not implemented yet: {points}" in text
        assert all(c.name in text for c in stubbed)
    assert html_text.count("<h3") == 1
