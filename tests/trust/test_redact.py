"""Redacted export: no name leaves, tokens link, birth dates coarsened, cells neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uncounted.exceptions import InputError
from uncounted.store import Store
from uncounted.store.crypto import KeyRing
from uncounted.store.redact import export_redacted, pseudonym
from uncounted.store.sensitive import SensitiveStore

from .helpers import add_records

NAMES = [
    {"name_raw": "Загорулько Фрол Евстигнеевич", "family_name": "Загорулько",
     "given_name": "Фрол", "patronymic": "Евстигнеевич", "birth_date": date(1987, 3, 14),
     "birth_year": 1987, "birth_month": 3, "birth_precision": "day", "sex": "M",
     "free_text": "сообщил сосед Пантелеймонов", "place": "=HYPERLINK(\"http://x\")"},
    {"source": "B", "record_id": "passport 4509 123456", "name_raw": "ЗАГОРУЛЬКО ФРОЛ",
     "family_name": "ЗАГОРУЛЬКО ", "given_name": "Фрол", "birth_year": 1987,
     "birth_precision": "year", "place": "Мариуполь"},
    {"source": "B", "name_raw": "Wojciechowska Brunhilda", "family_name": "Wojciechowska",
     "given_name": "Brunhilda", "birth_date": date(1990, 7, 1), "birth_year": 1990,
     "birth_month": 7, "birth_precision": "month"},
]
SECRETS = ["Загорулько", "ЗАГОРУЛЬКО", "Фрол", "Евстигнеевич", "Wojciechowska", "Brunhilda",
           "Пантелеймонов", "4509 123456", "1987-03-14", "1990-07-01"]


def _all_bytes(paths: list[Path]) -> bytes:
    return b"".join(p.read_bytes() for p in paths)


def test_no_original_name_in_any_output_byte(tmp_path: Path, store: Store,
                                             keyring: KeyRing) -> None:
    add_records(store, NAMES)
    SensitiveStore(store, keyring).put("source", "B", "contact", "Пантелеймонов, +380 67 000")
    rep = export_redacted(store, tmp_path / "share", key=keyring.pseudonym_key)
    assert rep.n_records == 3 and {p.name for p in rep.files} == {
        "records.csv", "redacted.duckdb", "redaction.json"}
    blob = _all_bytes(list(rep.files))
    for s in SECRETS:
        for form in {s, s.lower(), s.upper()}:
            assert form.encode("utf-8") not in blob, form
    assert "free_text" in rep.dropped and "extra" in rep.dropped and "file_sha256" in rep.dropped


def test_tokens_link_and_dates_coarsen(tmp_path: Path, store: Store, keyring: KeyRing) -> None:
    add_records(store, NAMES)
    out = tmp_path / "r.csv"
    export_redacted(store, out, key=keyring.pseudonym_key)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["family_name"] for r in rows][:2] == [rows[0]["family_name"]] * 2  # case/space fold
    assert rows[0]["family_name"].startswith("p_") and len(rows[0]["family_name"]) == 18
    assert rows[0]["given_name"] == rows[1]["given_name"]
    assert rows[0]["name_raw"] != rows[1]["name_raw"]  # different full strings
    assert rows[1]["record_id"].startswith("r_")
    assert "birth_date" not in rows[0] and "birth_month" not in rows[0]
    assert [r["birth_precision"] for r in rows] == ["year", "year", "year"]
    assert rows[0]["place"] == "'=HYPERLINK(\"http://x\")"  # neutralised
    assert rows[1]["place"] == "Мариуполь"


def test_duckdb_copy_is_typed_and_complete(tmp_path: Path, store: Store,
                                           keyring: KeyRing) -> None:
    add_records(store, NAMES)
    export_redacted(store, tmp_path / "share", key=keyring.pseudonym_key, coarsen_birth=False)
    con = duckdb.connect(str(tmp_path / "share" / "redacted.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT family_name) FROM records"
                           ).fetchone() == (3, 2)
        assert con.execute("SELECT max(birth_date) FROM records").fetchone() == (date(1990, 7, 1),)
    finally:
        con.close()


def test_key_matters(tmp_path: Path, store: Store) -> None:
    add_records(store, NAMES[:1])
    a = export_redacted(store, tmp_path / "a.csv", key=b"a" * 32)
    b = export_redacted(store, tmp_path / "b.csv", key=b"b" * 32)
    assert a.key_fingerprint != b.key_fingerprint
    assert (tmp_path / "a.csv").read_text() != (tmp_path / "b.csv").read_text()
    assert pseudonym(b"a" * 32, " Фрол ") == pseudonym(b"a" * 32, "фрол")
    assert pseudonym(b"a" * 32, "   ") is None
    with pytest.raises(InputError, match="at least 16 bytes"):
        export_redacted(store, tmp_path / "c.csv", key=b"short")


def test_superseded_left_out_by_default(tmp_path: Path, store: Store) -> None:
    add_records(store, [{"name_raw": "Old Version", "active": False}, {"name_raw": "New"}])
    assert export_redacted(store, tmp_path / "x.csv", key=b"k" * 32).n_records == 1
    assert export_redacted(store, tmp_path / "y.csv", key=b"k" * 32,
                           active_only=False).n_records == 2


_name = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИКЛМНОПРСТУФЦЧШЭЮЯ'-",
                min_size=6, max_size=24)


@pytest.fixture(scope="module")
def mem_store() -> Iterator[Store]:
    with Store(":memory:") as s:
        yield s


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.tuples(_name, _name), min_size=1, max_size=5))
def test_property_no_name_leaks(tmp_path: Path, mem_store: Store,
                                names: list[tuple[str, str]]) -> None:
    mem_store.con.execute("DELETE FROM records")
    add_records(mem_store, [{"name_raw": f"{f} {g}", "family_name": f, "given_name": g}
                            for f, g in names])
    out = tmp_path / "out.csv"
    rep = export_redacted(mem_store, out, key=b"k" * 32)
    assert rep.n_records == len(names)
    blob = out.read_bytes()
    for f, g in names:
        for part in (f, g):
            assert part.encode("utf-8") not in blob


def test_export_is_audited(tmp_path: Path, store: Store) -> None:
    add_records(store, NAMES[:1])
    export_redacted(store, tmp_path / "x.csv", key=b"k" * 32)
    row = store.con.execute("SELECT object, detail FROM audit_log WHERE action = 'export.redacted'"
                            ).fetchone()
    assert row is not None and row[0] == "x.csv" and '"n_records": 1' in row[1]
