"""Encodings: declared and detected, including the windows-1251 / KOI8-R pair on short texts."""

from __future__ import annotations

import pytest

from tests.ingest.conftest import HEADER, mapping
from uncounted.ingest import ingest_file
from uncounted.ingest.readers import cyrillic_score, detect_encoding
from uncounted.store import Store

ROWS = "1;Иванов;Иван;35;01.03.2022;убит\n2;Щербаков;Фёдор;41;1 марта;груз 200\n"

SHORT_SAMPLES = [
    "id;ФИО;Возраст\n1;Иванов Иван;35\n",
    "ПЕТРОВ;ИВАН\nСИДОРОВ;ОЛЕГ\n",            # all capitals: case gives no clue
    "Фамилия;Имя\nКовальчук;Олег\nШевченко;Тарас\n",
    "№;Прізвище\n1;Ющенко\n",
    "Щукин",
]


@pytest.mark.parametrize("text", SHORT_SAMPLES)
@pytest.mark.parametrize("enc", ["windows-1251", "koi8-r"])
def test_detects_cp1251_vs_koi8r_on_short_texts(text: str, enc: str) -> None:
    assert detect_encoding(text.encode(enc, errors="replace")) == enc


UKRAINIAN = ["Прізвище;Ім'я;По батькові\nШевченко;Тарас;Григорович\nБілоус;Ївга;Іллівна\n",
             "Біла Церква, Київська обл., поранений, зник безвісти",
             "Іван Їжак Євген Ґудзь"]


@pytest.mark.parametrize("text", UKRAINIAN)
@pytest.mark.parametrize("enc", ["windows-1251", "koi8-u"])
def test_detects_ukrainian_text(text: str, enc: str) -> None:
    assert detect_encoding(text.encode(enc)) == enc


def test_detects_utf8_and_bom() -> None:
    assert detect_encoding("Иванов".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + "Иванов".encode()) == "utf-8-sig"
    # a sample cut in the middle of a two-byte letter is still UTF-8
    assert detect_encoding("Иванов".encode()[:-1]) == "utf-8"


def test_score_prefers_the_right_decoding() -> None:
    raw = "Иванов Иван".encode("koi8-r")
    right, n = cyrillic_score(raw.decode("koi8-r"))
    wrong, _ = cyrillic_score(raw.decode("windows-1251"))
    assert n == 10 and right > wrong


@pytest.mark.parametrize("enc", ["utf-8", "utf-8-sig", "windows-1251", "koi8-r", "koi8-u"])
@pytest.mark.parametrize("declared", [True, False])
def test_ingest_each_encoding(store: Store, write_csv, enc: str, declared: bool) -> None:
    p = write_csv(HEADER + ROWS, encoding=enc)
    fmt = {"type": "csv", "delimiter": ";", "encoding": enc if declared else "auto"}
    r = ingest_file(store, p, source="s", mapping=mapping(format=fmt))
    assert r.n_accepted == 2 and r.n_quarantined == 0
    # detected: Russian text reads the same in KOI8-R and KOI8-U, and ties go to KOI8-R
    expected = enc if declared else {"koi8-u": "koi8-r"}.get(enc, enc)
    assert r.encoding == expected
    names = [x[0] for x in store.con.execute(
        "SELECT given_name FROM records ORDER BY line_no").fetchall()]
    assert names == ["Иван", "Фёдор"]


def test_declared_utf8_with_bom_strips_it(store: Store, write_csv) -> None:
    p = write_csv(HEADER + ROWS, encoding="utf-8-sig")
    fmt = {"type": "csv", "delimiter": ";", "encoding": "utf-8"}
    r = ingest_file(store, p, source="s", mapping=mapping(format=fmt))
    assert r.n_accepted == 2 and store.scalar("SELECT min(record_id) FROM records") == "1"


def test_wrong_declared_encoding_quarantines_undecodable_rows(store: Store, write_csv) -> None:
    p = write_csv(HEADER, encoding="utf-8")
    p.write_bytes(p.read_bytes() + ROWS.encode("windows-1251") + "3;Орлов;Ян;30;01.03.2022;убит\n"
                  .encode())
    fmt = {"type": "csv", "delimiter": ";", "encoding": "utf-8"}
    r = ingest_file(store, p, source="s", mapping=mapping(format=fmt))
    assert r.n_accepted == 1 and r.reasons_summary == {"encoding": 2}
    reason = store.scalar("SELECT reason FROM quarantine LIMIT 1")
    assert "not valid utf-8" in reason and "format.encoding" in reason


def test_excel_unicode_text_utf16_tab_delimited(store: Store, write_csv) -> None:
    text = (HEADER + ROWS).replace(";", "\t")
    p = write_csv(text, encoding="utf-16")  # with BOM, as Excel writes it
    fmt = {"type": "csv", "delimiter": "auto", "encoding": "auto"}
    r = ingest_file(store, p, source="s", mapping=mapping(format=fmt))
    assert r.encoding == "utf-16" and r.n_accepted == 2
    assert store.scalar("SELECT family_name FROM records WHERE record_id = '2'") == "Щербаков"
