"""How much of a student's source the kit reads: at most ``MAX_TOKENS`` tokens per file.

Parsing is what a file costs the judge: ``ast.parse`` builds about one tree node per token, each
a Python object of a few hundred bytes, and the grader reads a file several ways (the parser's
limits, the framework-import rule, the reach notes, the calls between functions, similarity).
The byte limit alone does not bound that: the solution followed by ``0`` lines up to 1 MiB is
a million tokens, a million nodes (the compiler drops them; the module grades as the solution),
and took one student's grading from 136 MB and 19 s to 3 GB and 190 s.

``check_size(source)`` refuses a file of more than ``MAX_TOKENS`` tokens (``SourceTooLarge``)
before anything parses it, and cheaply: ``tokenize`` counts the tokens and stops at the bound,
so a refusal costs at most ``MAX_TOKENS`` tokens of tokenizing (a tenth of a second to a second
here), never a tree; a file too short to hold that many tokens (``MAX_TOKENS // 2`` characters:
every token but a DEDENT takes at least one character, and a DEDENT closes an INDENT that took
one) is not counted at all. Refusals are remembered (``REFUSALS_KEPT``, by the file's digest), so
every later reader of the same file is refused without counting again. ``protocol.parse_python``
calls it first, so every reader of student text is bounded by it.

Why 100,000. The kit's solutions hold 462 to 2,590 tokens (07_deep_network's, the largest; 2,673
for its notebook's code cells, as counted here, f-strings by their characters) and parse into 0.9
to 1.0 node per token (``tests/test_bounds.py`` measures them): the bound is 37 times the largest
solution, and a file at the bound parses into about 100,000 nodes, a tenth of what the padded
file above costs. It stays above the parser's own limits (a 40,000-deep unary minus, a 20,000-term
sum), so a notebook cell that exhausts the parser still costs that cell alone, as a syntax error does.

Python before 3.12 reads an f-string as one token, though the code in its braces parses into
nodes (``f"{[0, 0, ...]}"``, one token, as many nodes as zeros): there an f-string counts as
many tokens as it has characters.
"""

from __future__ import annotations

import hashlib
import io
import tokenize

MAX_TOKENS = 100_000
REFUSALS_KEPT = 64  # digests of refused files remembered (a refusal is a few numbers)
_FSTRING_TOKENS = hasattr(tokenize, "FSTRING_START")  # 3.12+: the code inside an f-string is tokens


class SourceTooLarge(ValueError):
    """A student's source with more than ``MAX_TOKENS`` tokens, refused before it was parsed.

    ``statements``: the logical lines (NEWLINE tokens) among the tokens counted; ``read``: the
    characters (bytes for bytes source) those tokens cover; ``size``, ``lines``: the whole file's."""

    def __init__(self, statements: int, read: int, size: int, lines: int):
        self.statements, self.read, self.size, self.lines = statements, read, size, lines
        super().__init__(self.message("the file"))

    @property
    def summary(self) -> str:
        """The counts in a few words: "more than 100,000 tokens in its first 196 KB (of 1,023 KB)"."""
        return f"more than {MAX_TOKENS:,} tokens in its first {_kb(self.read)} (of {_kb(self.size)})"

    def message(self, where: str, outcome: str = "this assignment scores 0") -> str:
        """What the student is told, ``where`` naming the file ("activations.py"), ``outcome``
        what follows for them."""
        statements = f", {self.statements:,} statements," if self.statements else ""
        return (f"{where} is too large to grade: its first {_kb(self.read)} already hold more than {MAX_TOKENS:,} "
                f"tokens (Python's names, numbers and operators){statements} and the whole is "
                f"{_kb(self.size)} in {self.lines:,} lines. The limit is {MAX_TOKENS:,} tokens and a complete "
                f"solution has a few thousand, so the grader did not parse it and {outcome}. "
                "Remove what does not belong to your solution (pasted output, data, generated code).")


def _kb(n: int) -> str:
    return f"{n:,} bytes" if n < 10_000 else f"{n // 1024:,} KB"


def _is_fstring(literal: str) -> bool:
    """A STRING token that is an f-string (``f'...'``, ``rf'...'``, ``Fr'''...'''``)."""
    return "f" in literal[:len(literal) - len(literal.lstrip("rRbBuUfF"))].lower()


def count_tokens(source: str | bytes, limit: int = MAX_TOKENS) -> tuple[int, int, int]:
    """(tokens, statements, offset): ``tokenize``'s tokens of ``source`` (bytes are decoded as
    Python decodes a file: its coding cookie, else UTF-8) counted until there are more than
    ``limit``, the NEWLINE tokens among them, and how far into the source they reach (characters,
    or bytes for bytes source, up to the end of the last line read). Text that does not tokenize is
    counted up to where it stops: the parser reports that error itself."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else io.StringIO(source)
    read = [0]

    def readline():
        line = stream.readline()
        read[0] += len(line)
        return line

    tokens = statements = 0
    gen = tokenize.tokenize(readline) if isinstance(source, bytes) else tokenize.generate_tokens(readline)
    try:
        for tok in gen:
            if tok.type == tokenize.STRING and not _FSTRING_TOKENS and _is_fstring(tok.string):
                tokens += len(tok.string)  # its braces hold code
            else:
                tokens += 1
            statements += tok.type == tokenize.NEWLINE
            if tokens > limit:
                break
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError):
        pass
    return tokens, statements, read[0]


_refused: dict[bytes, SourceTooLarge] = {}  # digest of the source -> its refusal, oldest first


def check_size(source: str | bytes) -> None:
    """Raise ``SourceTooLarge`` when ``source`` holds more than ``MAX_TOKENS`` tokens (see the
    module docstring); return None otherwise. The same file (as text or as its UTF-8 bytes) is
    counted once: its refusal is remembered."""
    if 2 * len(source) + 2 <= MAX_TOKENS:
        return
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    digest = hashlib.sha256(data).digest()
    refusal = _refused.get(digest)
    if refusal is None:
        tokens, statements, read = count_tokens(source)
        if tokens <= MAX_TOKENS:
            return
        lines = source.count("\n" if isinstance(source, str) else b"\n") + 1
        refusal = SourceTooLarge(statements, read, len(source), lines)
        _refused[digest] = refusal
        while len(_refused) > REFUSALS_KEPT:
            del _refused[next(iter(_refused))]
    raise SourceTooLarge(refusal.statements, refusal.read, refusal.size, refusal.lines)


def check_cells(codes: list[str]) -> None:
    """``check_size`` for code parsed piece by piece (a notebook's cells): raise ``SourceTooLarge``
    when the pieces together hold more than ``MAX_TOKENS`` tokens. Each piece is tokenized on its
    own, as it is parsed, so one that does not tokenize hides nothing of the next."""
    if 2 * sum(len(c) for c in codes) + 2 <= MAX_TOKENS:
        return
    tokens = statements = read = 0
    for code in codes:
        counted, more, reached = count_tokens(code, MAX_TOKENS - tokens)
        tokens, statements, read = tokens + counted, statements + more, read + reached
        if tokens > MAX_TOKENS:
            raise SourceTooLarge(statements, read, sum(len(c) for c in codes), sum(c.count("\n") + 1 for c in codes))
