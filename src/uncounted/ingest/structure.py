"""Rows that are not people: title lines, repeated header rows, totals rows, blank rows.

Why: lists exported from spreadsheets carry layout as data.  A report title above the header
("Список поступивших, март 2022"), the header repeated at each printed page, and "Итого: 143"
at the bottom would each become a phantom person, or a phantom count, if ingested.  The checks
here are deliberately conservative (a totals word must open one of the row's first two
non-empty cells; a repeated header must repeat every mapped column name in place), so real
people are not lost to them; what they catch is quarantined, never dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from uncounted.exceptions import IngestError

__all__ = [
    "HEADER_SEARCH_ROWS",
    "TOTALS_WORDS",
    "find_header",
    "is_blank",
    "is_repeated_header",
    "norm_header",
    "totals_cell",
]

HEADER_SEARCH_ROWS = 30
TOTALS_WORDS = ("итого", "итог", "всего", "усього", "разом", "підсумок", "total", "totals",
                "grand total", "subtotal", "sum")
_TOTALS_RX = re.compile(r"^(?:" + "|".join(re.escape(w) for w in TOTALS_WORDS) + r")(?![\w])",
                        re.IGNORECASE)


def norm_header(x: object) -> str:
    """Header names compare case-insensitively, ignoring a BOM and repeated spaces."""
    if x is None:
        return ""
    return " ".join(str(x).replace("\ufeff", "").split()).casefold()


def _text(x: object) -> str:
    return "" if x is None else str(x).strip()


def is_blank(cells: Sequence[object]) -> bool:
    """True when every cell is empty or whitespace (such rows are skipped and counted)."""
    return all(not _text(c) for c in cells)


def totals_cell(cells: Sequence[object]) -> str | None:
    """The cell text that makes this a totals row, or None."""
    seen = 0
    for c in cells:
        t = _text(c)
        if not t:
            continue
        if _TOTALS_RX.match(t):
            return t
        seen += 1
        if seen >= 2:
            return None
    return None


def is_repeated_header(cells: Sequence[object], positions: dict[str, int],
                       names: dict[str, str]) -> bool:
    """True when each mapped column's cell repeats that column's header name.

    ``positions`` maps normalised column names to indices; ``names`` to their spelling.
    """
    if not positions:
        return False
    for key, i in positions.items():
        if i >= len(cells) or norm_header(cells[i]) != key:
            return False
    return True


def find_header(rows: Sequence[tuple[int, Sequence[object]]], wanted: Sequence[str],
                header_row: int | str, file: str) -> int:
    """Index into ``rows`` of the header row.

    Parameters
    ----------
    rows:
        The first rows of the file as ``(line_no, cells)``.
    wanted:
        The column names the mapping reads.
    header_row:
        The line (CSV, JSON Lines) or worksheet row (XLSX) of the header, 1-based, or
        ``"auto"``: the first of the first :data:`HEADER_SEARCH_ROWS` non-empty rows that holds
        every wanted column.

    Raises
    ------
    IngestError
        When no row holds the mapped columns, naming the closest row and what is missing.
    """
    want = {norm_header(w) for w in wanted}
    if header_row != "auto":
        for i, (line, _cells) in enumerate(rows):
            if line == header_row:
                return i
        raise IngestError(f"format.header_row = {header_row}, but line {header_row} is empty or "
                          "beyond the end of the file", file=file, line=int(header_row))
    best: tuple[int, int] = (-1, -1)
    for i, (_line, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        have = {norm_header(c) for c in cells}
        n = len(want & have)
        if n == len(want):
            return i
        if n > best[0]:
            best = (n, i)
    if not rows:
        raise IngestError("the file has no rows (no header)", file=file)
    n, i = best
    line, cells = rows[max(i, 0)]
    have = {norm_header(c) for c in cells}
    missing = [w for w in wanted if norm_header(w) not in have]
    raise IngestError(
        f"no header row found among the first {min(len(rows), HEADER_SEARCH_ROWS)} rows: "
        f"the closest (line {line}) lacks column(s) {', '.join(repr(m) for m in missing)}; "
        f"it has {', '.join(repr(str(c)) for c in cells if _text(c))}. "
        "Check the column names in the mapping, format.encoding and format.delimiter",
        file=file, line=line)
