"""Pages the kit writes for people: a student's feedback, and (``autograder.report``) the class summary.

A page is built once, as a list of blocks (``Heading``, ``Para``, ``Table``, ``Code``, ``Items``,
``Image``, ``Details``), and rendered twice: ``markdown`` (feedback.md, summary.md) and ``html``
(feedback.html, summary.html, a student's local report). Both files therefore hold the same
content; neither has a hand-written copy of a table. Inline text is a string, a run (``Kit``,
``Strong``, ``Link``, ``Span``) or a list of them. Every string is text, escaped by the renderer
(Markdown: ``md_text``, ``md_code``; HTML: ``html_text``), so nothing a student controls (a name,
a message, printed output) becomes markup, and every invisible or layout-changing character (a
right-to-left override, a zero-width space, ESC) is shown as what it is (``gradkit.visible``) in
both; ``Kit`` marks the kit's own text (check names, titles, numbers), which Markdown shows with
fewer backslashes.

``feedback(student, sections, notes)`` is the feedback page of one student: the batch grader
(``autograder.report``) builds it from a graded submission, a student's own ``pytest
--gradkit-html report.html`` (``pytest_plugin``) from the public checks just run. One assignment
takes one line when it was not handed in, and one message when its module could not be graded at
all (a failed import, a framework import, no file); a function not implemented yet (the stub
raising NotImplementedError) takes one block for all of its checks; every other failing check gets its
message, its picture (``Outcome.figure``, a PNG ``data:`` URI drawn by the judge) and what the
code printed, and the passing checks are listed.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from typing import Union

from .core import Outcome, counted, points_text
from .visible import visible

# --- inline text ---------------------------------------------------------------------------------


@dataclass
class Kit:
    """The kit's own text (a check's name or title, a folder): in Markdown only what could become
    markup is escaped (``\\ < [ ] ` |``), so ``sigmoid_derivative: worked example`` reads as written."""

    text: str


@dataclass
class Strong:
    text: str | Kit


@dataclass
class Span:
    """Text with a class of the HTML page's style sheet (``fail``, ``pass``, ``hidden``); plain in Markdown."""

    text: str
    cls: str


@dataclass
class Link:
    """A link whose address depends on the format (feedback.md from summary.md, .html from .html)."""

    text: str
    md: str
    html: str


Inline = Union[str, Kit, Strong, Span, Link, list]


# --- blocks -----------------------------------------------------------------------------------------


@dataclass
class Heading:
    level: int
    text: Inline
    cls: str = ""  # a class of the HTML style sheet (``fail``)


@dataclass
class Para:
    text: Inline


@dataclass
class Code:
    """Preformatted text (a message, printed output): a fenced block, a ``<pre>``."""

    text: str


@dataclass
class Items:
    """A bullet list."""

    items: list


@dataclass
class Table:
    """``header`` (strings); ``rows`` (inline cells); ``right``: the columns aligned right (numbers).
    A row starting with ``Strong`` cells is still a row: a total is its last row."""

    header: list[str]
    rows: list[list]
    right: tuple[int, ...] = ()


@dataclass
class Image:
    """A PNG: inline in HTML (``png``: bytes, or a ``data:image/png;base64,`` URI); in Markdown a
    link to ``md_path`` (a file written beside the page), or ``md_note`` where there is none."""

    alt: str
    png: bytes | str
    md_path: str = ""
    md_note: str = ""
    cls: str = ""  # a class of the HTML style sheet (``figure``: a failing check's picture)


@dataclass
class Details:
    """A collapsed list in HTML (``<details>``); in Markdown one paragraph: ``summary``: the items."""

    summary: str
    items: list[str]
    cls: str = ""


Block = Union[Heading, Para, Code, Items, Table, Image, Details]


@dataclass
class Page:
    title: str
    blocks: list = field(default_factory=list)

    def add(self, *blocks) -> "Page":
        self.blocks.extend(blocks)
        return self


# --- Markdown --------------------------------------------------------------------------------------

# What can start markup inside one line of CommonMark (with GFM's tables and strikethrough), and so
# is escaped with a backslash: always \ ` * [ ] < | ~ ; an _ that is not inside a word (a_b cannot
# open emphasis, _b can); an & that would start an entity (&lt;); at the start of the text, what
# would open a block (# heading, - + list item, > quote, 1. 1) ordered list, = setext); a # run at
# the end (a heading's closing sequence); spaces at either end as ``&#32;``.
_MD_ALWAYS = re.compile(r"[\\`*\[\]<|~]")
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_BLOCK_START = re.compile(r"^([#>+=-]|[0-9]{1,9}(?=[.)]))")
_MD_CLOSING_HASHES = re.compile(r"(?<= )#+$")
_MD_EDGE_SPACES = re.compile(r"^ +| +$")


def md_text(text: str) -> str:
    """``text`` as literal Markdown inline text (a table cell, a list item, a heading, a paragraph):
    every character that could start markup there is backslash-escaped and nothing else (no link,
    image, HTML, emphasis or list becomes live, and ``04_batchnorm/04_batchnorm.ipynb`` reads as
    written); invisible characters are shown (``visible``), a newline, tab or CR as ``\\n``, ``\\t``,
    ``\\r``, so the line stays one line."""
    shown = visible(text, keep="")
    escaped = _MD_ALWAYS.sub(r"\\\g<0>", shown)
    escaped = _MD_UNDERSCORE.sub(r"\\_", escaped)
    escaped = _MD_ENTITY.sub(r"\\&", escaped)
    escaped = _MD_CLOSING_HASHES.sub(lambda m: "\\#" * len(m.group()), escaped)
    m = _MD_BLOCK_START.match(escaped)
    if m:  # 12. -> 12\. ; - -> \-
        escaped = (escaped[:m.end()] + "\\" + escaped[m.end():]) if m.group()[0].isdigit() else "\\" + escaped
    # spaces at either end, which Markdown strips (or takes for code), as character references
    return _MD_EDGE_SPACES.sub(lambda m: "&#32;" * len(m.group()), escaped)


CODE_KEEPS = "\n\t"  # what a block of code or printed output keeps as it is: its lines and tabs


def md_code(text: str) -> list[str]:
    """``text`` as a fenced Markdown code block (lines): the fence is longer than any run of
    backticks inside, so the text cannot close it; control characters other than newline and tab
    (a terminal's escape sequences, BEL) and every invisible character are shown (``visible``:
    ``\x1b``, ``<U+202E>``), so ``cat feedback.md`` cannot clear or retitle the reader's terminal
    and no text reads other than it is."""
    text = visible(text, CODE_KEEPS)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence]


_MD_MARKUP = re.compile(r"([\\<\[\]`])")


def _md_inline(t: Inline, cell: bool = False) -> str:
    """Inline text as Markdown; in a table ``cell``, a ``|`` of the kit's text is escaped too."""
    if isinstance(t, list):
        return "".join(_md_inline(x, cell) for x in t)
    if isinstance(t, Kit):
        text = _MD_MARKUP.sub(r"\\\1", visible(t.text, keep=""))
        return text.replace("|", "\\|") if cell else text
    if isinstance(t, Strong):
        return f"**{_md_inline(t.text, cell)}**"
    if isinstance(t, Span):
        return md_text(t.text)
    if isinstance(t, Link):
        return f"[{md_text(t.text)}]({t.md})"
    return md_text(t)


def _md_block(b) -> list[str]:
    if isinstance(b, Heading):
        return ["#" * b.level + " " + _md_inline(b.text)]
    if isinstance(b, Para):
        return [_md_inline(b.text)]
    if isinstance(b, Code):
        return md_code(b.text)
    if isinstance(b, Items):
        return [f"- {_md_inline(i)}" for i in b.items]
    if isinstance(b, Table):
        align = ["---:" if i in b.right else "---" for i in range(len(b.header))]
        return (["| " + " | ".join(md_text(h) for h in b.header) + " |", "|" + "|".join(align) + "|"]
                + ["| " + " | ".join(_md_inline(c, cell=True) for c in row) + " |" for row in b.rows])
    if isinstance(b, Image):
        if b.md_path:
            return [f"![{_md_inline(Kit(b.alt))}]({b.md_path})"]
        return [_md_inline(Kit(b.md_note))] if b.md_note else []
    if isinstance(b, Details):
        return [_md_inline(Kit(f"{b.summary}: " + ", ".join(b.items)))]
    raise TypeError(f"not a block of a page: {b!r}")


def markdown(page: Page) -> str:
    """The page as Markdown (CommonMark with tables): blocks separated by a blank line."""
    chunks = [[f"# {md_text(page.title)}"]] + [_md_block(b) for b in page.blocks]
    return "\n\n".join("\n".join(c) for c in chunks if c) + "\n"


# --- HTML ------------------------------------------------------------------------------------------

CSS = """body{font-family:system-ui,sans-serif;max-width:68rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem}
th{background:#f0f0f0;text-align:left}td.num,th.num{text-align:right}
pre{background:#f6f6f6;padding:.8rem;overflow-x:auto;white-space:pre-wrap}
img{max-width:100%;height:auto}img.figure{max-width:36rem;border:1px solid #ddd}
h3{margin-bottom:.3rem}.fail{color:#b00020}.pass{color:#1b5e20}.hidden{color:#666;font-size:.9em}"""

_PNG_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/]+={0,2}")


def png_uri(png: bytes | str) -> str:
    """A PNG as a ``data:`` URI; a given URI is kept only if it is exactly a base64 PNG (else "")."""
    if isinstance(png, bytes):
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else ""
    return png if _PNG_URI.fullmatch(png or "") else ""


def html_text(text: str, keep: str = "") -> str:
    """``text`` as HTML text: invisible characters shown (``visible``; only those in ``keep`` stay,
    newline and tab in a ``<pre>``), then ``html.escape`` (quotes too: safe in an attribute)."""
    return html.escape(visible(text, keep))


def _html_inline(t: Inline) -> str:
    e = html_text
    if isinstance(t, list):
        return "".join(_html_inline(x) for x in t)
    if isinstance(t, Kit):
        return e(t.text)
    if isinstance(t, Strong):
        return f"<strong>{_html_inline(t.text)}</strong>"
    if isinstance(t, Span):
        return f"<span class='{e(t.cls)}'>{e(t.text)}</span>"
    if isinstance(t, Link):
        return f"<a href='{e(t.html)}'>{e(t.text)}</a>"
    return e(str(t))


def _html_block(b) -> str:
    e = html_text
    if isinstance(b, Heading):
        cls = f" class='{e(b.cls)}'" if b.cls else ""
        return f"<h{b.level}{cls}>{_html_inline(b.text)}</h{b.level}>"
    if isinstance(b, Para):
        return f"<p>{_html_inline(b.text)}</p>"
    if isinstance(b, Code):
        return f"<pre>{e(b.text, keep=CODE_KEEPS)}</pre>"
    if isinstance(b, Items):
        return "<ul>" + "".join(f"<li>{_html_inline(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Table):
        def cell(tag, i, content):
            return f"<{tag} class='num'>{content}</{tag}>" if i in b.right else f"<{tag}>{content}</{tag}>"
        head = "<tr>" + "".join(cell("th", i, e(h)) for i, h in enumerate(b.header)) + "</tr>"
        rows = "".join("<tr>" + "".join(cell("td", i, _html_inline(c)) for i, c in enumerate(row)) + "</tr>"
                       for row in b.rows)
        return f"<table>{head}{rows}</table>"
    if isinstance(b, Image):
        src = png_uri(b.png)
        cls = f" class='{e(b.cls)}'" if b.cls else ""
        return f"<img src='{src}' alt='{e(b.alt)}'{cls}>" if src else ""
    if isinstance(b, Details):
        cls = f" class='{e(b.cls)}'" if b.cls else ""
        return (f"<details><summary{cls}>{e(b.summary)}</summary><ul>"
                + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul></details>")
    raise TypeError(f"not a block of a page: {b!r}")


def html_blocks(blocks: list) -> str:
    """Blocks as an HTML fragment (for a page with its own frame)."""
    return "\n".join(b for b in map(_html_block, blocks) if b)


def html_page(page: Page) -> str:
    """The page as one self-contained HTML file: the style sheet and every image inline."""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html_text(page.title)}</title>"
            f"<style>{CSS}</style></head><body><h1>{html_text(page.title)}</h1>\n"
            + html_blocks(page.blocks) + "\n</body></html>\n")


# --- a student's feedback --------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass
class Section:
    """One assignment of a feedback page: its outcomes (in check order), its status ("graded", "not
    submitted", "import failed", ...), what it is out of, and a note under its heading."""

    folder: str
    outcomes: list[Outcome]
    status: str = "graded"
    out_of: float = 100.0
    note: str = ""

    @property
    def score(self) -> float:
        return round(sum(o.points for o in self.outcomes), 4)


NOT_SUBMITTED = "not submitted"


def _reason(o: Outcome) -> str:
    """A failure's message without its hint (the same for every check when the module failed)."""
    return o.message.split("\n  hint:")[0]


def module_failure(section: Section) -> str | None:
    """The one message of an assignment whose every check failed for the same reason (a module that
    could not be graded at all: not submitted, a failed import, a framework import), else None."""
    outs = section.outcomes
    if not outs or any(o.passed for o in outs):
        return None
    reasons = {_reason(o) for o in outs}
    return reasons.pop() if len(reasons) == 1 else None


def figure_of(o: Outcome) -> str:
    """The picture of a failing check (a PNG ``data:`` URI), "" when it has none."""
    return png_uri(o.figure)


def _failed_blocks(o: Outcome) -> list:
    tag = [" ", Span("(hidden check)", "hidden")] if o.hidden else []
    blocks = [Heading(3, [Kit(f"✗ {o.name}: {points_text(0, o.max_points)}"), *tag], "fail"),
              Para(Kit(o.title)), Code(o.message)]
    figure = figure_of(o)
    if figure:
        blocks.append(Image(f"{o.name}: your function against torch's", figure,
                            md_note="feedback.html shows a plot of this failure.", cls="figure"))
    if o.output:
        blocks += [Para("Your code printed:"), Code(o.output.rstrip())]
    return blocks


NOT_IMPLEMENTED = "not_implemented"  # the kind of a failure whose function raised NotImplementedError


def _not_implemented_blocks(outs: list[Outcome]) -> list:
    """The checks of one function that is not implemented yet (the released stub), as one block:
    its points, the checks' names, the message and the hint of its first check."""
    if len(outs) == 1:
        return _failed_blocks(outs[0])
    first = outs[0]
    names = "; ".join(o.name + (" (hidden)" if o.hidden else "") for o in outs)
    blocks = [Heading(3, Kit(f"✗ {first.function}: not implemented yet: "
                             f"{points_text(0, sum(o.max_points for o in outs))}"), "fail"),
              Para(Kit(f"{len(outs)} checks: {names}")), Code(first.message)]
    printed = next((o.output for o in outs if o.output), "")
    return blocks + ([Para("Your code printed:"), Code(printed.rstrip())] if printed else [])


def section_blocks(s: Section) -> list:
    """The blocks of one assignment: one line when it was not submitted, one message when its module
    failed as a whole, else every failing check (the checks of a function not implemented yet
    together, in one block) and the list of the passing ones."""
    heading = f"{s.folder}: {_fmt(s.score)}/{_fmt(s.out_of)}"
    if s.status == NOT_SUBMITTED:
        return [Para([Strong(Kit(s.folder)), Kit(f": not submitted, {_fmt(s.score)}/{_fmt(s.out_of)}")])]
    blocks = [Heading(2, Kit(heading))] + ([Para(Kit(s.note))] if s.note else [])
    reason = module_failure(s)
    if reason is not None:
        printed = next((o.output for o in s.outcomes if o.output), "")
        blocks += [Para(Kit(("The check" if len(s.outcomes) == 1 else f"All {len(s.outcomes)} checks")
                            + " failed for the same reason:")),
                   Code(reason)]
        return blocks + ([Para("Your code printed:"), Code(printed.rstrip())] if printed else [])
    stubs: dict[str, list[Outcome]] = {}
    for o in s.outcomes:
        if not o.passed and o.kind == NOT_IMPLEMENTED:
            stubs.setdefault(o.function, []).append(o)
    for o in s.outcomes:
        if o.passed:
            continue
        if o.kind != NOT_IMPLEMENTED:
            blocks += _failed_blocks(o)
        elif stubs[o.function][0] is o:
            blocks += _not_implemented_blocks(stubs[o.function])
    passed = [o for o in s.outcomes if o.passed]
    if passed:
        blocks.append(Details(f"✓ Passed ({counted(len(passed), 'check')})",
                              [f"{o.name} ({_fmt(o.points)})" for o in passed], "pass"))
    return blocks


def feedback(student: str, sections: list[Section], notes=(), title: str = "") -> Page:
    """The feedback page of ``student``: a table of the assignments (score, status), the notes on
    the submission, then each assignment (``section_blocks``)."""
    rows = [[Kit(s.folder), Kit(f"{_fmt(s.score)} / {_fmt(s.out_of)}"), s.status] for s in sections]
    total = sum(s.score for s in sections)
    rows.append([Strong("total"), Strong(Kit(f"{_fmt(round(total, 4))} / {_fmt(sum(s.out_of for s in sections))}")), ""])
    page = Page(title or f"Feedback for {student}", [Table(["assignment", "score", "status"], rows, right=(1,))])
    if notes:
        page.add(Para("Notes on the submission:"), Items(list(notes)))
    for s in sections:
        page.add(*section_blocks(s))
    return page
