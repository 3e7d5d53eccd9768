"""Hostile workbooks are refused before openpyxl expands them."""

from __future__ import annotations

import zipfile

import pytest

from uncounted.exceptions import IngestError
from uncounted.ingest import ingest_file
from uncounted.store import Store

MAPPING = {"mapping_version": "1", "format": {"type": "xlsx"}, "id_column": "id",
           "fields": {"name_raw": {"column": "name"}}}


def test_zip_bomb_xlsx_is_refused_and_store_unchanged(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", "0" * (300 * 1024 * 1024))
    store = Store(tmp_path / "db.duckdb")
    with pytest.raises(IngestError, match="refused before opening"):
        ingest_file(store, bomb, source="s", mapping=MAPPING)
    assert store.scalar("SELECT count(*) FROM records") == 0
    assert store.scalar("SELECT count(*) FROM ingests") == 0
    store.close()
