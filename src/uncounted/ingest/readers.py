"""Streaming readers: CSV (any delimiter, quoting, encoding), XLSX, JSON Lines, Parquet.

Every reader yields rows one at a time as ``(line_no, cells, raw_text, error)`` and never holds
the whole file: CSV through :mod:`csv` over a decoded text stream, XLSX through openpyxl's
read-only (streaming) worksheets, Parquet through :meth:`pyarrow.parquet.ParquetFile.iter_batches`.
``line_no`` is what a person needs to find the row: the 1-based physical line of the row's first
line for CSV and JSON Lines (a quoted cell may span lines), the worksheet row number for XLSX,
and the 1-based row index for Parquet.  ``error`` is set (and ``cells`` is None) when the row
itself is unreadable; the pipeline quarantines it.

Encoding detection
------------------
Declared encodings are used as given.  For ``encoding = "auto"``: a UTF-8 or UTF-16 BOM
decides; a sample that decodes as UTF-8 is UTF-8; otherwise the file is in one of the
single-byte Cyrillic encodings these lists come in: windows-1251, KOI8-R or KOI8-U (KOI8-R
plus the Ukrainian letters).  General detectors (charset-normalizer, chardet) are unreliable
between exactly these on short texts such as name lists, because each decodes any byte string
into Cyrillic letters.  We therefore score every decoding with :func:`cyrillic_score`: the
mean log-probability of its letters under Russian letter frequencies (with the Ukrainian
letters і, ї, є, ґ at their Ukrainian frequencies), because a mix-up permutes the alphabet
and turns frequent letters such as о, е, а, и, н into rare ones such as п, ф, щ; plus
penalties for inverted-case words ('иВАНОВ'), since KOI8 and windows-1251 put capitals and
small letters in swapped halves of the byte range, and for box-drawing symbols, which KOI8-R
has where the others have letters.  Ties (Russian text is the same in KOI8-R and KOI8-U) go
to windows-1251, then KOI8-R.  charset-normalizer decides only when the sample holds too few
Cyrillic letters to score.  This is the character-distribution idea of Li & Momoi (2001), "A
composite approach to language/encoding detection" (19th International Unicode Conference),
reduced to unigrams and to the three candidates that matter here.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import math
import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from uncounted.exceptions import IngestError
from uncounted.ingest.mapping import FormatSpec

log = logging.getLogger(__name__)

__all__ = [
    "CsvReader",
    "JsonlReader",
    "ParquetReader",
    "Row",
    "XlsxReader",
    "cyrillic_score",
    "detect_delimiter",
    "detect_encoding",
    "open_reader",
]

Row = tuple[int, list[Any] | None, str, str | None]
SAMPLE_BYTES = 256 * 1024
CSV_FIELD_LIMIT = 1 << 20  # 1 MiB per cell; longer means an unclosed quote, reported per row

# Russian letter frequencies in per cent (national corpus figures, as tabulated in the
# Russian-alphabet literature); ё is folded into е before scoring.
_RU_FREQ = {
    "о": 10.97, "е": 8.49, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47, "р": 4.73,
    "в": 4.54, "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81, "у": 2.62, "я": 2.01,
    "ы": 1.90, "ь": 1.74, "г": 1.70, "з": 1.65, "б": 1.59, "ч": 1.44, "й": 1.21, "х": 0.97,
    "ж": 0.94, "ш": 0.73, "ю": 0.64, "ц": 0.48, "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04,
}
# Ukrainian-only letters, at their Ukrainian frequencies, so that windows-1251 Ukrainian text
# is not mistaken for KOI8 (where these bytes are other letters or box-drawing symbols).
_RU_FREQ |= {"і": 5.0, "ї": 0.8, "є": 0.4, "ґ": 0.02}
_RU_LOGP = {k: math.log(v / 100.0) for k, v in _RU_FREQ.items()}
_RU_LOGP_OTHER = math.log(0.0001)  # other Cyrillic letters (Serbian, Macedonian, ...)
_JUNK_LOGP = math.log(0.00001)     # box drawing and maths symbols of KOI8's upper half
_CYR_WORD = re.compile(r"[\u0400-\u04ff]{2,}")
MIN_CYRILLIC_LETTERS = 3


def cyrillic_score(text: str) -> tuple[float, int]:
    """Plausibility of ``text`` as Russian/Ukrainian, and how many Cyrillic letters it holds.

    The score is the mean log-probability per Cyrillic letter under Russian letter
    frequencies, minus 2 for each inverted-case word ('иВАНОВ', a sign of a KOI8-R /
    windows-1251 mix-up) per letter.  Higher is more plausible.
    """
    total = 0.0
    n = 0
    for ch in text:
        if "\u0400" <= ch <= "\u04ff":
            c = ch.lower().replace("ё", "е")
            total += _RU_LOGP.get(c, _RU_LOGP_OTHER)
            n += 1
        elif "\u2200" <= ch <= "\u25ff":
            total += _JUNK_LOGP
            n += 1
    if n == 0:
        return float("-inf"), 0
    inverted = 0
    for w in _CYR_WORD.findall(text):
        if w[0].islower() and w[1:].isupper():
            inverted += len(w)
        elif w[0].isupper() and w[1:].islower():
            inverted -= len(w)
    return total / n - 2.0 * max(inverted, 0) / n, n


def detect_encoding(sample: bytes) -> str:
    """Guess the encoding of a file from its first bytes (see the module docstring)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export (tab-delimited)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    scores = {}
    for enc in ("windows-1251", "koi8-r", "koi8-u"):  # ties go to the earlier one
        scores[enc] = cyrillic_score(sample.decode(enc, errors="replace"))
    if max(n for _s, n in scores.values()) >= MIN_CYRILLIC_LETTERS:
        best = max(scores, key=lambda e: scores[e][0])
        log.debug("encoding scores %s -> %s", scores, best)
        return best
    # Too little Cyrillic to score: ask charset-normalizer, but accept only one of the two
    # encodings these lists come in (on short samples it readily answers shift_jis or cp1006).
    from charset_normalizer import from_bytes

    guess = from_bytes(sample).best()
    if guess is not None and guess.encoding and codecs.lookup(guess.encoding).name == "koi8-r":
        return "koi8-r"
    return "windows-1251"


_DELIMS = (";", ",", "\t", "|")


def detect_delimiter(text: str, quotechar: str = '"') -> str:
    """The delimiter among ``; , TAB |`` that splits the first lines most consistently.

    Counts each candidate per line outside quotes over up to 20 non-empty lines and prefers
    the one whose count is the same and non-zero on the most lines (ties: the larger count).
    """
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    best, best_key = ",", (-1, -1)
    for d in _DELIMS:
        counts = []
        for ln in lines:
            n, inq = 0, False
            for ch in ln:
                if ch == quotechar:
                    inq = not inq
                elif ch == d and not inq:
                    n += 1
            counts.append(n)
        nz = [c for c in counts if c]
        if not nz:
            continue
        mode = max(set(nz), key=nz.count)
        key = (nz.count(mode), mode)
        if key > best_key:
            best, best_key = d, key
    return best


class _Reader:
    kind = ""
    tabular = True  # the header is a row of the data (CSV, XLSX)
    encoding: str | None = None
    columns: list[str] = []

    def __init__(self, path: Path, fmt: FormatSpec, label: str) -> None:
        self.path = path
        self.fmt = fmt
        self.label = label
        self.total = max(path.stat().st_size, 1)

    def rows(self) -> Iterator[Row]:  # pragma: no cover - interface
        raise NotImplementedError

    def done(self) -> int:
        return 0

    def close(self) -> None:
        """Release file handles (readers are also closed when exhausted)."""


class CsvReader(_Reader):
    """Delimited text; see the module docstring for encodings and line numbers."""

    kind = "csv"

    def __init__(self, path: Path, fmt: FormatSpec, label: str) -> None:
        super().__init__(path, fmt, label)
        with open(path, "rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
        enc = fmt.encoding
        if enc == "auto":
            enc = detect_encoding(sample)
        elif enc == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            enc = "utf-8-sig"
        self.encoding = enc
        if fmt.delimiter == "auto":
            text = sample.decode(enc, errors="replace")
            self.delimiter = detect_delimiter(text, fmt.quotechar)
        else:
            self.delimiter = fmt.delimiter
        self._fh: io.TextIOWrapper | None = None

    def done(self) -> int:
        if self._fh is None or self._fh.closed:
            return self.total
        return min(int(self._fh.buffer.tell()), self.total)  # type: ignore[attr-defined]

    def rows(self) -> Iterator[Row]:
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        self._fh = open(self.path, encoding=self.encoding, errors="surrogateescape", newline="")  # noqa: SIM115 - closed in finally and close()
        buf: list[str] = []
        fh = self._fh

        def lines() -> Iterator[str]:
            for ln in fh:
                buf.append(ln)
                yield ln

        reader = csv.reader(lines(), delimiter=self.delimiter, quotechar=self.fmt.quotechar,
                            doublequote=True, strict=False)
        start = 1
        try:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    raw = "".join(buf).rstrip("\r\n")
                    buf.clear()
                    yield start, None, raw, f"unreadable CSV row ({exc}); look for an unclosed quote"
                    start = reader.line_num + 1
                    continue
                raw = "".join(buf).rstrip("\r\n")
                buf.clear()
                yield start, cells, raw, None
                start = reader.line_num + 1
        finally:
            fh.close()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _cell_text(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, datetime):
        return x.date().isoformat() if x.time() == datetime.min.time() else x.isoformat(sep=" ")
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


class XlsxReader(_Reader):
    """First (or named) worksheet of an .xlsx workbook, streamed with openpyxl read-only mode."""

    kind = "xlsx"

    def __init__(self, path: Path, fmt: FormatSpec, label: str) -> None:
        super().__init__(path, fmt, label)
        import openpyxl

        from uncounted.store.safe_export import check_xlsx_safe

        # hostile input: refuse zip bombs, overlapping entries and XML entity tricks before
        # openpyxl expands anything (formulas are never evaluated: data_only reads cached values)
        try:
            check_xlsx_safe(path)
        except IngestError as exc:
            msg = str(exc)
            if exc.file and msg.startswith(f"file {exc.file}: "):
                msg = msg[len(f"file {exc.file}: "):]
            raise IngestError(f"not a readable .xlsx workbook (refused before opening): {msg}",
                              file=label) from exc
        try:
            self._wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
            raise IngestError(f"not a readable .xlsx workbook: {exc}", file=label) from exc
        sheet = fmt.sheet
        try:
            if sheet is None:
                self._ws = self._wb.worksheets[0]
            elif isinstance(sheet, int):
                self._ws = self._wb.worksheets[sheet]
            else:
                self._ws = self._wb[sheet]
        except (IndexError, KeyError):
            names = ", ".join(repr(n) for n in self._wb.sheetnames)
            self._wb.close()
            raise IngestError(f"format.sheet {sheet!r} not found; the workbook has {names}",
                              file=label) from None
        self.total = max(int(self._ws.max_row or 1), 1)
        # Read-only mode trusts the sheet's stored dimensions, which some exporters get wrong
        # (rows past the stated range would be silently skipped): read every stored row.
        self._ws.reset_dimensions()
        self._done = 0

    def done(self) -> int:
        return min(self._done, self.total)

    def rows(self) -> Iterator[Row]:
        try:
            for i, row in enumerate(self._ws.iter_rows(values_only=True), start=1):
                self._done = i
                cells = list(row)
                while cells and cells[-1] is None:
                    cells.pop()
                raw = " | ".join(_cell_text(c) for c in cells)
                yield i, cells, raw, None
        finally:
            self._wb.close()

    def close(self) -> None:
        self._wb.close()


class JsonlReader(_Reader):
    """One JSON object per line; the mapped keys become the columns."""

    kind = "jsonl"
    tabular = False

    def __init__(self, path: Path, fmt: FormatSpec, label: str, wanted: Sequence[str],
                 all_columns: bool) -> None:
        super().__init__(path, fmt, label)
        enc = fmt.encoding
        self.encoding = "utf-8-sig" if enc in ("auto", "utf-8") else enc
        self._fh: io.BufferedReader | None = None
        seen: dict[str, None] = {}
        with open(path, encoding=self.encoding, errors="replace") as fh:
            for k, ln in enumerate(fh):
                if k >= 1000:
                    break
                try:
                    obj = json.loads(ln)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    seen.update(dict.fromkeys(obj))
                if all(w in seen for w in wanted) and not all_columns:
                    break
        missing = [w for w in wanted if w not in seen]
        if missing and seen:
            raise IngestError(
                f"key(s) {', '.join(repr(m) for m in missing)} appear in none of the first JSON "
                f"objects; they have {', '.join(repr(s) for s in seen)}", file=label, line=1)
        self.columns = list(wanted) + ([c for c in seen if c not in wanted] if all_columns else [])

    def done(self) -> int:
        if self._fh is None or self._fh.closed:
            return self.total
        return min(self._fh.tell(), self.total)

    def rows(self) -> Iterator[Row]:
        cols = self.columns
        enc = self.encoding or "utf-8"
        with open(self.path, "rb") as fh:
            self._fh = fh
            for i, bline in enumerate(fh, start=1):
                line = bline.decode(enc, errors="surrogateescape")
                if i == 1 and line.startswith("\ufeff"):
                    line = line[1:]
                text = line.strip()
                if not text:
                    yield i, [], "", None
                    continue
                try:
                    obj = json.loads(text)
                except ValueError as exc:
                    yield i, None, text, f"not valid JSON ({exc})"
                    continue
                if not isinstance(obj, dict):
                    yield i, None, text, f"a JSON {type(obj).__name__} where an object {{...}} was expected"
                    continue
                cells = [obj.get(c) for c in cols]
                cells = [json.dumps(c, ensure_ascii=False) if isinstance(c, dict | list) else c
                         for c in cells]
                yield i, cells, text, None


class ParquetReader(_Reader):
    """Parquet streamed by record batches; rows are numbered from 1."""

    kind = "parquet"
    tabular = False

    def __init__(self, path: Path, fmt: FormatSpec, label: str, wanted: Sequence[str],
                 all_columns: bool, batch_size: int) -> None:
        super().__init__(path, fmt, label)
        import pyarrow.parquet as pq

        try:
            self._pf = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow.ArrowInvalid and friends
            raise IngestError(f"not a readable Parquet file: {exc}", file=label) from exc
        names = list(self._pf.schema_arrow.names)
        missing = [w for w in wanted if w not in names]
        if missing:
            raise IngestError(f"column(s) {', '.join(repr(m) for m in missing)} not in the "
                              f"Parquet schema; it has {', '.join(repr(n) for n in names)}",
                              file=label)
        self.columns = list(wanted) + ([c for c in names if c not in wanted] if all_columns else [])
        self.total = max(int(self._pf.metadata.num_rows), 1)
        self._batch = batch_size
        self._done = 0

    def done(self) -> int:
        return self._done

    def rows(self) -> Iterator[Row]:
        i = 0
        cols = self.columns
        for batch in self._pf.iter_batches(batch_size=self._batch, columns=cols):
            arrays = [batch.column(k).to_pylist() for k in range(batch.num_columns)]
            for k in range(batch.num_rows):
                i += 1
                cells = [a[k] for a in arrays]
                raw = json.dumps(dict(zip(cols, cells, strict=True)), ensure_ascii=False,
                                 default=str)
                yield i, cells, raw, None
            self._done = i
        self._done = i


_EXT = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
        ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


def open_reader(path: Path, fmt: FormatSpec, *, label: str, wanted: Sequence[str],
                all_columns: bool = False, batch_size: int = 50_000) -> _Reader:
    """The reader for ``path``: ``fmt.type`` or, when unset, the file extension.

    Raises
    ------
    IngestError
        Unknown type, or a file the reader cannot open.
    """
    typ = fmt.type or _EXT.get(path.suffix.lower())
    if typ is None:
        raise IngestError(f"cannot tell the format of {path.name!r} from its extension; set "
                          "format.type in the mapping to csv, xlsx, jsonl or parquet", file=label)
    if typ == "csv":
        return CsvReader(path, fmt, label)
    if typ == "xlsx":
        return XlsxReader(path, fmt, label)
    if typ == "jsonl":
        return JsonlReader(path, fmt, label, wanted, all_columns)
    return ParquetReader(path, fmt, label, wanted, all_columns, batch_size)
