"""The quarantine reasons not covered by the end-to-end CSV test, one by one."""

from __future__ import annotations

import pytest

from tests.ingest.conftest import HEADER, mapping
from uncounted.ingest import ingest_file
from uncounted.ingest import readers as readers_mod
from uncounted.ingest.validate import RowConverter
from uncounted.store import Store


def _only(store: Store) -> tuple:
    rows = store.con.execute("SELECT line_no, field, kind, reason FROM quarantine").fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_date_without_year_and_no_default_year(store: Store, write_csv) -> None:
    m = mapping()
    del m["default_year"]
    r = ingest_file(store, write_csv(HEADER + "1;А;Б;30;1 марта;убит\n2;В;Г;30;02.03.2022;убит\n"),
                    source="s", mapping=m)
    line, field, kind, reason = _only(store)
    assert (line, field, kind) == (2, "event_date", "date_no_year")
    assert "has no year" in reason and "default_year" in reason
    assert r.n_accepted == 1


@pytest.mark.parametrize(("cells", "kind", "needle"), [
    ("1;1800;3", "birth_year_range", "birth year 1800 is outside 1850–"),
    ("1;19x0;3", "birth_year_format", "birth year '19x0' is not a whole number"),
    ("1;1990;13", "birth_month_range", "birth month 13 is outside 1–12"),
])
def test_birth_year_and_month_columns(store: Store, write_csv, cells: str, kind: str,
                                      needle: str) -> None:
    m = {"id_column": "id", "format": {"delimiter": ";"},
         "fields": {"birth_year": "y", "birth_month": "m"}}
    ingest_file(store, write_csv("id;y;m\n" + cells + "\n2;1990;3\n"), source="s", mapping=m)
    _line, _field, got_kind, reason = _only(store)
    assert got_kind == kind and needle in reason
    assert store.con.execute("SELECT birth_date, birth_precision FROM records").fetchone()[1] == "month"


def test_unreadable_csv_row(store: Store, write_csv, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv
    old = csv.field_size_limit()
    monkeypatch.setattr(readers_mod, "CSV_FIELD_LIMIT", 50)
    csv.field_size_limit(50)
    try:
        p = write_csv(HEADER + "1;" + "Щ" * 80 + ";Б;30;01.03.2022;убит\n2;В;Г;30;02.03.2022;убит\n")
        r = ingest_file(store, p, source="s", mapping=mapping())
    finally:
        csv.field_size_limit(old)
    line, _field, kind, reason = _only(store)
    assert (line, kind) == (2, "unreadable_row") and "field larger than field limit" in reason
    assert r.n_accepted == 1


def test_a_bug_in_conversion_quarantines_the_row_instead_of_aborting(
        store: Store, write_csv, monkeypatch: pytest.MonkeyPatch) -> None:
    real = RowConverter.convert

    def flaky(self, cells, line_no):  # type: ignore[no-untyped-def]
        if line_no == 2:
            raise ZeroDivisionError("boom")
        return real(self, cells, line_no)

    monkeypatch.setattr(RowConverter, "convert", flaky)
    r = ingest_file(store, write_csv(HEADER + "1;А;Б;30;01.03.2022;убит\n2;В;Г;30;02.03.2022;убит\n"),
                    source="s", mapping=mapping())
    line, _field, kind, reason = _only(store)
    assert (line, kind) == (2, "internal_error") and "please report" in reason
    assert r.n_accepted == 1
