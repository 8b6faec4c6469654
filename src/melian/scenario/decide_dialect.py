"""The dialects of decide's input tables: which separator, which quotes, sniffed from the file.

The *decide* exchange-model programs read their tables with :class:`csv.Sniffer`, so their files
come in several dialects: semicolon-separated (``#D;A1;tax;50;40;1``), tab-separated with cells
in single quotes as decide itself writes them (``'#D'<TAB>'A1'<TAB>'tax'<TAB>50<TAB>...``), or
comma-separated, quoted with ``'`` or ``"`` or not at all. :func:`sniff_dialect` finds the dialect
from the first record line (the first line that is not empty and not a ``#/`` comment): the
separator is the character right after its tag (``#A``, ``#P``, ``#M``, ``#D``, ``#O``) and the
quote is the one around the tag or, for an unquoted tag, the one that wraps cells most often.
:func:`split_cells` then splits each line into cells with their columns, so that errors can be
located at ``file:line:column``. A quote inside a quoted cell is written twice (``'O''Neill'``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Separators decide's tables use, in order of preference when nothing can be sniffed.
SEPARATORS = (";", "\t", ",")
#: Quote characters around cells.
QUOTES = ("'", '"')
_NAMES = {";": "semicolon", "\t": "tab", ",": "comma"}
#: A record line: optional quote, a tag, the same quote, then the separator.
_TAG = re.compile(r"""^[ ]*(['"]?)(#[A-Za-z])\1[ ]*([;\t,])""")
_COMMENT = re.compile(r"""^\s*['"]?#/""")
#: Lines looked at to sniff the quote of a table whose tags are not quoted.
_SNIFF_LINES = 50


@dataclass(frozen=True)
class DecideDialect:
    """How a decide table is written: its cell ``separator`` and ``quote`` (``None``: unquoted).

    ``line`` is the line the dialect was sniffed from (``None`` if the table has no record line
    and the default, semicolons, was taken).
    """

    separator: str = ";"
    quote: str | None = None
    line: int | None = None

    def describe(self) -> str:
        """In words, e.g. ``tab-separated, cells quoted with '``."""
        sep = _NAMES.get(self.separator, repr(self.separator))
        quoted = f", cells quoted with {self.quote}" if self.quote else ""
        return f"{sep}-separated{quoted}"


@dataclass(frozen=True)
class Cell:
    """One cell of a line: its text (quotes removed) and its 1-based column."""

    text: str
    column: int


class DialectError(ValueError):
    """A line that cannot be split in the table's dialect (for example an unclosed quote)."""

    def __init__(self, column: int, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def is_comment(line: str) -> bool:
    """Whether ``line`` is a ``#/`` comment (quoted or not)."""
    return _COMMENT.match(line) is not None


def line_dialect(line: str) -> tuple[str, str | None] | None:
    """Separator and quote of the tag of a record line, or ``None`` if it starts with no tag."""
    m = _TAG.match(line)
    if m is None:
        return None
    return m.group(3), (m.group(1) or None)


def sniff_dialect(lines: Iterable[str]) -> DecideDialect:
    """The dialect of a decide table from its lines (see the module docstring).

    Semicolons without quotes when no line starts with a tag followed by a separator.
    """
    record: list[tuple[int, str]] = []
    for ln, line in enumerate(lines, start=1):
        if not line.strip() or is_comment(line):
            continue
        record.append((ln, line))
        if len(record) >= _SNIFF_LINES:
            break
    for ln, line in record:
        found = line_dialect(line)
        if found is None:
            continue
        sep, quote = found
        if quote is None:
            quote = _sniff_quote([text for _, text in record], sep)
        return DecideDialect(sep, quote, ln)
    return DecideDialect()


def _sniff_quote(lines: list[str], sep: str) -> str | None:
    """The quote that wraps whole cells most often in ``lines`` (``None`` if none does)."""
    counts = dict.fromkeys(QUOTES, 0)
    for line in lines:
        for cell in line.rstrip("\r\n").split(sep):
            c = cell.strip()
            if len(c) >= 2 and c[0] == c[-1] and c[0] in counts:
                counts[c[0]] += 1
    best = max(QUOTES, key=lambda q: counts[q])
    return best if counts[best] else None


def split_cells(line: str, dialect: DecideDialect) -> list[Cell]:
    """The cells of ``line`` in ``dialect``, with their columns; trailing empty cells dropped.

    Unquoted cells are stripped of surrounding blanks. :class:`DialectError` for a quoted cell
    that is not closed, or text after a closing quote.
    """
    sep, quote = dialect.separator, dialect.quote
    line = line.rstrip("\r\n")
    n, i = len(line), 0
    cells: list[Cell] = []
    while True:
        j = i
        while j < n and line[j] in " \t" and line[j] != sep:
            j += 1
        if quote is not None and j < n and line[j] == quote:
            text, end = _quoted(line, j, quote, sep)
            cells.append(Cell(text, j + 1))
        else:
            k = line.find(sep, j)
            end = n if k < 0 else k
            cells.append(Cell(line[j:end].strip(" \t"), j + 1))
        if end >= n:
            break
        i = end + 1
    while cells and cells[-1].text == "":
        cells.pop()
    return cells


def _quoted(line: str, start: int, quote: str, sep: str) -> tuple[str, int]:
    """The text of the quoted cell at ``start`` and the index of the separator after it."""
    n, k = len(line), start + 1
    buf: list[str] = []
    while True:
        if k >= n:
            raise DialectError(start + 1, f"the cell opened with {quote} here is not closed")
        if line[k] == quote:
            if k + 1 < n and line[k + 1] == quote:  # a doubled quote stands for one
                buf.append(quote)
                k += 2
                continue
            k += 1
            break
        buf.append(line[k])
        k += 1
    while k < n and line[k] in " \t" and line[k] != sep:
        k += 1
    if k < n and line[k] != sep:
        raise DialectError(
            k + 1, f"text after the closing {quote} of a cell (a quote inside is written twice)"
        )
    return "".join(buf), k


__all__ = [
    "Cell",
    "DecideDialect",
    "DialectError",
    "is_comment",
    "line_dialect",
    "sniff_dialect",
    "split_cells",
]
