"""Text as a reader can trust it: every character that is invisible, or that changes how the text
around it reads, shown as what it is.

A student controls names (folder and zip names), messages (exceptions) and printed output, and all
of them reach the pages the kit writes and the terminal. Some characters show nothing, or rearrange
what follows: a right-to-left override (U+202E) makes ``score: 100/100 \\u202e001/0 :erocs`` read as
something else; a zero-width space or a variation selector makes ``alice\\u200b`` look like another
student's ``alice``; an ESC, BEL or NUL drives the terminal of whoever prints the page.
``visible(text)`` shows each of them as text, and every writer of the kit (``gradkit.page``'s
Markdown and HTML, ``autograder.similarity``, ``results.json``, the terminal table of ``grade``,
the pytest plugin, the notebook's ``check``) passes what it shows through it:

- C0 and C1 controls (U+0000-001F, U+007F-009F), except those in ``keep`` (newline and tab by
  default), as Python writes them in a string: ``\\x1b``, ``\\n``, ``\\x9b``;
- every other character a reader cannot see or that controls the layout, as ``<U+202E>``:
  format characters (category Cf: the bidi embeddings, overrides and isolates U+202A-202E and
  U+2066-2069, the marks U+200E/200F and U+061C, the zero-width space and joiners U+200B-200D, the
  word joiner and invisible operators U+2060-2064, U+FEFF, the soft hyphen, the tag characters
  U+E0000-E007F), private-use, unassigned and surrogate code points (Co, Cn, Cs), the line and
  paragraph separators U+2028/2029, and the rest of Unicode's Default_Ignorable_Code_Point set
  (variation selectors U+FE00-FE0F and U+E0100-E01EF, the Mongolian ones, the combining grapheme
  joiner U+034F, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0).

Everything else (letters of any script, accents, CJK, emoji without their joiners, spaces) is left
as it is. Data that is not shown to a person keeps its exact characters: the gradebook's ``student``
column, ``results.json``'s ``extra_data``.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt) that are not Cf, Cn or Cc:
# characters that render as nothing although they are letters or marks.
_IGNORABLE = [(0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180D), (0x180F, 0x180F),
              (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0x1BCA0, 0x1BCA3), (0xE0100, 0xE01EF)]
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}


def is_invisible(ch: str) -> bool:
    """Whether ``ch`` (one character) is one ``visible`` shows as an escape."""
    cp = ord(ch)
    if unicodedata.category(ch) in _HIDDEN_CATEGORIES:
        return True
    return any(lo <= cp <= hi for lo, hi in _IGNORABLE)


def shown_as(ch: str) -> str:
    """The visible form of one invisible character: ``\\x1b`` for a C0/C1 control, else ``<U+202E>``."""
    cp = ord(ch)
    if cp < 0x20 or 0x7F <= cp <= 0x9F:
        return ascii(ch)[1:-1]
    return f"<U+{cp:04X}>"


def _replace(match: re.Match) -> str:
    ch = match.group()
    return shown_as(ch) if is_invisible(ch) else ch


@functools.lru_cache(maxsize=None)
def _suspects(keep: str) -> re.Pattern:
    """The characters ``visible`` has to look at: all but printable ASCII and ``keep``."""
    return re.compile("[^\x20-\x7e" + "".join(re.escape(ch) for ch in keep) + "]")


def visible(text, keep: str = "\n\t") -> str:
    """``text`` (made a ``str``) with every invisible or layout-changing character shown as text
    (``shown_as``), except the characters in ``keep`` (newline and tab: a block of printed output
    keeps its lines; ``keep=""`` for text that must stay on one line)."""
    return _suspects(keep).sub(_replace, str(text))
