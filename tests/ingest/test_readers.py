"""XLSX, JSON Lines and Parquet readers, through the whole pipeline."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.ingest.conftest import mapping
from uncounted.exceptions import IngestError
from uncounted.ingest import ingest_file
from uncounted.store import Store

COLS = ["id", "surname", "name", "age", "date", "status"]


def _xlsx(path: Path, rows: list[list[object]], sheet: str = "Лист1") -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.create_sheet("other")
    wb.save(path)
    return path


def test_xlsx_rows_dates_and_structure(store: Store, tmp_path: Path) -> None:
    p = _xlsx(tmp_path / "list.xlsx", [
        ["Рентгенологический журнал, ЦРБ"],          # 1 title
        [],                                         # 2 blank
        COLS,                                       # 3 header
        [1, "Иванов", "Иван", 35, datetime(2022, 3, 1), "убит"],   # 4 native date and int
        [2, "Орлов", "Олег", 35.0, "31.02.2022", "ранен"],          # 5 bad date as text
        COLS,                                       # 6 repeated header
        [3, "Титов", "Ян", "41", "02.03.2022", "KIA"],               # 7 ok
        ["Итого", None, None, 3],                   # 8 totals
    ])
    m = mapping(format={"type": "xlsx", "sheet": "Лист1"})
    r = ingest_file(store, p, source="xray", mapping=m)
    assert r.file_format == "xlsx" and r.n_accepted == 2 and r.n_blank == 1
    got = store.con.execute("SELECT record_id, age, event_date, event_type, line_no FROM records "
                            "ORDER BY line_no").fetchall()
    assert got == [("1", 35, date(2022, 3, 1), "killed", 4), ("3", 41, date(2022, 3, 2), "killed", 7)]
    q = dict(store.con.execute("SELECT line_no, kind FROM quarantine").fetchall())
    assert q == {1: "title_line", 5: "date_invalid", 6: "repeated_header", 8: "totals_row"}
    raw = store.scalar("SELECT raw_text FROM quarantine WHERE line_no = 5")
    assert raw == "2 | Орлов | Олег | 35 | 31.02.2022 | ранен"


def test_xlsx_missing_sheet_and_corrupt_file(store: Store, tmp_path: Path) -> None:
    p = _xlsx(tmp_path / "list.xlsx", [COLS])
    with pytest.raises(IngestError, match="sheet 'nope' not found"):
        ingest_file(store, p, source="s", mapping=mapping(format={"type": "xlsx", "sheet": "nope"}))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(IngestError, match="not a readable .xlsx") as e:
        ingest_file(store, bad, source="s", mapping=mapping(format={}))
    assert e.value.file == str(bad)


def test_jsonl(store: Store, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a1", "surname": "Иванов", "name": "Иван", "age": 35,
                    "date": "2022-03-01", "status": "killed", "note": "x"}, ensure_ascii=False),
        "",
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"id": "a2", "surname": "Орлов", "age": 200, "date": "2022-03-01",
                    "status": "KIA"}),
        json.dumps({"id": "a3", "surname": "Титов", "name": None, "date": "March 9, 2022",
                    "status": "WIA"}),
    ]
    p = tmp_path / "list.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = ingest_file(store, p, source="ngo", mapping=mapping(format={}))
    assert r.file_format == "jsonl" and r.n_accepted == 2 and r.n_quarantined == 3
    assert r.n_blank == 1
    q = dict(store.con.execute("SELECT line_no, kind FROM quarantine").fetchall())
    assert q == {3: "unreadable_row", 4: "unreadable_row", 5: "age_range"}
    got = store.con.execute("SELECT record_id, event_type, event_date, line_no FROM records "
                            "ORDER BY line_no").fetchall()
    assert got == [("a1", "killed", date(2022, 3, 1), 1), ("a3", "wounded", date(2022, 3, 9), 6)]


def test_jsonl_missing_key_is_an_ingest_error(store: Store, tmp_path: Path) -> None:
    p = tmp_path / "list.jsonl"
    p.write_text(json.dumps({"id": 1, "surname": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match="'status'"):
        ingest_file(store, p, source="s", mapping=mapping(format={}))


def test_parquet_streamed_in_batches(store: Store, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 250
    tbl = pa.table({
        "id": [f"p{i}" for i in range(n)],
        "surname": ["Иванов"] * n,
        "name": ["Иван"] * n,
        "age": [30 if i != 7 else -3 for i in range(n)],
        "date": [date(2022, 3, 1 + i % 28) for i in range(n)],
        "status": ["убит"] * n,
        "unused": list(range(n)),
    })
    p = tmp_path / "list.parquet"
    pq.write_table(tbl, p, row_group_size=100)
    calls: list[tuple[int, int]] = []
    r = ingest_file(store, p, source="media", mapping=mapping(format={}), batch_size=64,
                    progress=lambda d, t: calls.append((d, t)))
    assert r.file_format == "parquet" and r.n_accepted == n - 1 and r.n_quarantined == 1
    assert store.scalar("SELECT line_no FROM quarantine") == 8      # 1-based row index
    assert store.scalar("SELECT max(line_no) FROM records") == n
    assert store.scalar("SELECT event_date FROM records WHERE record_id = 'p30'") == date(2022, 3, 3)
    assert len(calls) >= 3 and calls[-1] == (n, n)
    with pytest.raises(IngestError, match="not in the Parquet schema"):
        ingest_file(store, p, source="m2",
                    mapping=mapping(format={}, fields={"family_name": "Фамилия"}))


def test_xlsx_with_wrong_stored_dimensions_reads_every_row(store: Store, tmp_path: Path) -> None:
    import re
    import zipfile

    p = _xlsx(tmp_path / "ok.xlsx", [COLS] + [[i, "Иванов", "Иван", 30, "01.03.2022", "убит"]
                                             for i in range(1, 11)])
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(p) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:F3"', data)
                assert n == 1
            zout.writestr(item, data)
    r = ingest_file(store, bad, source="s", mapping=mapping(format={}))
    assert r.n_accepted == 10
