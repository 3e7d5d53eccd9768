"""The CSV path end to end: quarantine reasons, provenance, idempotence, supersession."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.ingest.conftest import HEADER, mapping
from uncounted.exceptions import IngestError
from uncounted.ingest import IngestReport, ingest_file
from uncounted.store import Store
from uncounted.store.audit import verify


def _q(store: Store) -> list[tuple]:
    return store.con.execute(
        "SELECT line_no, field, raw_text, reason, kind FROM quarantine ORDER BY line_no").fetchall()


def test_every_quarantine_reason(store: Store, write_csv) -> None:
    text = (
        "Список погибших по данным морга, март 2022\n"          # 1 title line
        "\n"                                                     # 2 blank
        + HEADER +                                               # 3 header
        "1;Иванов;Иван;35;01.03.2022;убит\n"                     # 4 ok
        "2;Петров;Пётр;-3;02.03.2022;убит\n"                     # 5 age range
        "3;Сидоров;Олег;40;31.02.2022;убит\n"                    # 6 date does not exist
        "4;Орлов;Иван;40;01.03.2022\n"                           # 7 column count
        "id;surname;name;age;date;status\n"                      # 8 repeated header
        "5;Козлов;Пётр;abc;01.03.2022;убит\n"                    # 9 age format
        "6;Волков;Иван;30;вчера;убит\n"                          # 10 date format
        "7;Зайцев;Иван;30;01.03.2022;отпуск\n"                   # 11 value not in map
        "8;Белов;Иван;30;01.03.2099;убит\n"                      # 12 future
        "1;Иванов;Иван;36;01.03.2022;убит\n"                     # 13 duplicate id
        "9;Титов;Иван;30;1 марта;груз 200\n"                     # 14 ok, default year
        "Итого: 9;;;;;\n"                                        # 15 totals
        "Всего;;;;;\n"                                           # 16 totals
    )
    r = ingest_file(store, write_csv(text), source="morgue", mapping=mapping())
    assert isinstance(r, IngestReport)
    q = _q(store)
    by_line = {row[0]: row for row in q}
    assert by_line[1][4] == "title_line" and by_line[1][2].startswith("Список")
    assert by_line[5][3] == "age -3 is outside 0–120" and by_line[5][1] == "age"
    assert by_line[6][3] == "date 31.02.2022 does not exist" and by_line[6][1] == "event_date"
    assert by_line[7][3] == "5 columns where the header has 6"
    assert by_line[8][3] == "repeated header row"
    assert by_line[9][4] == "age_format"
    assert by_line[10][4] == "date_format" and "вчера" in by_line[10][3]
    assert by_line[11][4] == "event_type_unknown" and "fields.event_type.values" in by_line[11][3]
    assert by_line[12][4] == "date_future"
    assert by_line[13][4] == "duplicate_id" and "first at line 4" in by_line[13][3]
    assert by_line[15][4] == "totals_row" and by_line[16][4] == "totals_row"
    assert by_line[6][2] == "3;Сидоров;Олег;40;31.02.2022;убит"  # raw text kept verbatim
    assert r.n_accepted == 2 and r.n_quarantined == len(q) == 12 and r.n_blank == 1
    assert r.n_rows == r.n_accepted + r.n_quarantined
    assert r.reasons_summary["totals_row"] == 2
    recs = store.con.execute(
        "SELECT record_id, family_name, age, event_type, event_date, line_no, ingest_id, "
        "file_sha256, mapping_version, ingested_at FROM records ORDER BY line_no").fetchall()
    assert [(x[0], x[1], x[2], x[3], x[4], x[5]) for x in recs] == [
        ("1", "Иванов", 35, "killed", date(2022, 3, 1), 4),
        ("9", "Титов", 30, "killed", date(2022, 3, 1), 14)]
    assert all(x[6] == r.ingest_id and x[7] == r.sha256 and x[8] == "1" and x[9] for x in recs)
    assert verify(store.con).ok


def test_line_numbers_count_physical_lines_with_multiline_cells(store: Store, write_csv) -> None:
    text = HEADER + '1;"Смир\nнов";Иван;30;01.03.2022;убит\n2;Орлов;Иван;-1;01.03.2022;убит\n'
    ingest_file(store, write_csv(text), source="s", mapping=mapping())
    assert store.scalar("SELECT line_no FROM records") == 2
    assert store.scalar("SELECT line_no FROM quarantine") == 4


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_delimiters_detected_and_quoting(store: Store, write_csv, delim: str) -> None:
    rows = [["id", "surname", "name", "age", "date", "status"],
            ["1", f'Иванов{delim}Петров', 'Иван "Ваня"', "30", "01.03.2022", "убит"],
            ["2", "Орлов", "Олег", "41", "02.03.2022", "ранен"]]
    import csv
    import io
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="\r\n").writerows(rows)
    fmt = {"type": "csv", "delimiter": "auto"}
    r = ingest_file(store, write_csv(buf.getvalue()), source="s", mapping=mapping(format=fmt))
    assert r.n_accepted == 2 and r.n_quarantined == 0
    got = store.con.execute("SELECT family_name, given_name FROM records ORDER BY line_no").fetchall()
    assert got[0] == (f"Иванов{delim}Петров", 'Иван "Ваня"')


def test_several_columns_into_one_and_one_split_into_several(store: Store, write_csv) -> None:
    text = ("id;ФИО;Фамилия;Имя;d;m;y\n"
            "1;Иванов Иван Иванович оглы;Иванов;Иван;1;3;2022\n"
            "2;Петров;Петров;;5;3;2022\n")
    m = {"id_column": "id", "format": {"delimiter": ";"},
         "fields": {"name_raw": {"columns": ["Фамилия", "Имя"], "join": " "},
                    "event_date": {"columns": ["d", "m", "y"], "join": ".",
                                   "formats": ["%d.%m.%Y"]}},
         "split": {"column": "ФИО", "into": ["family_name", "given_name", "patronymic"]}}
    ingest_file(store, write_csv(text), source="s", mapping=m)
    got = store.con.execute("SELECT name_raw, family_name, given_name, patronymic, event_date "
                            "FROM records ORDER BY line_no").fetchall()
    assert got == [("Иванов Иван", "Иванов", "Иван", "Иванович оглы", date(2022, 3, 1)),
                   ("Петров", "Петров", None, None, date(2022, 3, 5))]


def test_partial_dates_birth_and_ranges(store: Store, write_csv) -> None:
    text = ("id;born;date;age\n1;1990;1–3 марта;30\n2;05.1985;март 2022;\n"
            "3;12.05.1980;2022;\n4;1–3 марта 1990;01.03.2022;\n5;2023;01.03.2022;\n")
    m = {"id_column": "id", "default_year": 2022, "format": {"delimiter": ";"},
         "fields": {"birth_date": "born", "event_date": "date", "age": "age"}}
    r = ingest_file(store, write_csv(text), source="s", mapping=m)
    got = store.con.execute(
        "SELECT record_id, birth_date, birth_year, birth_month, birth_precision, event_date, "
        "event_date_end, event_date_precision, age_date FROM records ORDER BY line_no").fetchall()
    assert got[0] == ("1", date(1990, 1, 1), 1990, None, "year", date(2022, 3, 1),
                      date(2022, 3, 3), "range", date(2022, 3, 1))
    assert got[1][1:8] == (date(1985, 5, 1), 1985, 5, "month", date(2022, 3, 1),
                           date(2022, 3, 31), "month")
    assert got[2][4] == "day" and got[2][7] == "year" and got[2][6] == date(2022, 12, 31)
    assert r.reasons_summary == {"date_range": 1, "birth_after_event": 1}


def test_missing_column_raises_with_file_line_field(store: Store, write_csv) -> None:
    p = write_csv("Title\nid;surname;name;age;date;state\n1;a;b;3;01.03.2022;убит\n")
    m = mapping(format={"type": "csv", "delimiter": ";", "header_row": 2})
    with pytest.raises(IngestError) as e:
        ingest_file(store, p, source="s", mapping=m)
    assert e.value.file == str(p) and e.value.line == 2 and e.value.field == "event_type"
    assert "'status'" in str(e.value)
    assert store.scalar("SELECT count(*) FROM records") == 0
    assert store.scalar("SELECT count(*) FROM ingests") == 0


def test_no_header_found_is_an_ingest_error(store: Store, write_csv) -> None:
    p = write_csv("a;b\n1;2\n")
    with pytest.raises(IngestError, match="no header row found") as e:
        ingest_file(store, p, source="s", mapping=mapping())
    assert e.value.file == str(p) and e.value.line == 1


def test_bad_api_arguments(store: Store, write_csv, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        ingest_file(store, tmp_path / "missing.csv", source="s", mapping=mapping())
    with pytest.raises(IngestError, match="source"):
        ingest_file(store, write_csv(HEADER), source=" ", mapping=mapping())
    with pytest.raises(IngestError, match="extension"):
        ingest_file(store, write_csv(HEADER, name="list.dat"), source="s",
                    mapping=mapping(format={"delimiter": ";"}))


def test_same_file_twice_is_recognised(store: Store, write_csv) -> None:
    p = write_csv(HEADER + "1;Иванов;Иван;35;01.03.2022;убит\n2;Орлов;Иван;-5;01.03.2022;убит\n")
    r1 = ingest_file(store, p, source="s", mapping=mapping())
    r2 = ingest_file(store, p, source="s", mapping=mapping())
    assert r1.duplicate_of is None and r2.duplicate_of == r1.ingest_id
    assert r2.n_accepted == 0 and "already ingested" in str(r2)
    assert store.scalar("SELECT count(*) FROM records") == 1
    assert store.scalar("SELECT count(*) FROM quarantine") == 1
    assert store.scalar("SELECT count(*) FROM ingests") == 2
    r3 = ingest_file(store, p, source="other", mapping=mapping())
    assert r3.duplicate_of is None and r3.also_ingested_as == ("s",)
    assert verify(store.con).ok


def test_corrected_file_supersedes_by_record_id(store: Store, write_csv) -> None:
    v1 = write_csv(HEADER + "1;Иванов;Иван;35;01.03.2022;убит\n"
                   "2;Орлов;Олег;41;02.03.2022;ранен\n3;Титов;Иван;22;03.03.2022;убит\n",
                   name="v1.csv")
    r1 = ingest_file(store, v1, source="s", mapping=mapping())
    uids = dict(store.con.execute("SELECT record_id, record_uid FROM records").fetchall())
    v2 = write_csv(HEADER + "1;Иванов;Иван;36;01.03.2022;убит\n"
                   "2;Орлов;Олег;41;02.03.2022;ранен\n4;Новиков;Ян;50;04.03.2022;убит\n",
                   name="v2.csv")
    r2 = ingest_file(store, v2, source="s", mapping=mapping())
    assert (r2.n_accepted, r2.n_new, r2.n_superseded, r2.n_unchanged, r2.n_vanished) == (3, 1, 1, 1, 1)
    active = dict(store.con.execute(
        "SELECT record_id, record_uid FROM records WHERE active").fetchall())
    assert set(active) == {"1", "2", "3", "4"}      # 3 vanished from v2 but stays active
    assert active["2"] == uids["2"]                  # unchanged keeps its uid
    old = store.con.execute("SELECT active, superseded_by FROM records WHERE record_uid = ?",
                            [uids["1"]]).fetchone()
    assert old == (False, active["1"])
    ch = store.con.execute("SELECT record_id, field, old_value, new_value FROM record_changes"
                           ).fetchall()
    assert ch == [("1", "age", "35", "36")]
    detail = store.scalar("SELECT detail FROM audit_log WHERE action = 'ingest' ORDER BY seq DESC")
    assert '"age"' in detail and '"vanished": ["3"]' in detail
    assert any("not in this file" in n for n in r2.notes)
    assert verify(store.con).ok
    # exactly one active record per record id
    assert store.scalar("SELECT max(n) FROM (SELECT count(*) n FROM records WHERE active "
                        "GROUP BY record_id)") == 1
    assert r1.ingest_id != r2.ingest_id


def test_quarantined_correction_keeps_old_record_and_is_not_vanished(store: Store, write_csv) -> None:
    ingest_file(store, write_csv(HEADER + "1;Иванов;Иван;35;01.03.2022;убит\n", name="a.csv"),
                source="s", mapping=mapping())
    r = ingest_file(store, write_csv(HEADER + "1;Иванов;Иван;-35;01.03.2022;убит\n", name="b.csv"),
                    source="s", mapping=mapping())
    assert r.n_vanished == 0 and r.n_quarantined == 1
    assert store.scalar("SELECT age FROM records WHERE active") == 35
    assert store.scalar("SELECT record_id FROM quarantine") == "1"


def test_extra_columns_and_report_views(store: Store, write_csv) -> None:
    text = "id;surname;note;x\n1;Иванов;в списке морга;\n"
    m = {"id_column": "id", "format": {"delimiter": ";"}, "fields": {"family_name": "surname"},
         "extra_columns": "*"}
    r = ingest_file(store, write_csv(text), source="s", mapping=m)
    import json
    assert json.loads(store.scalar("SELECT extra FROM records")) == {"note": "в списке морга"}
    d = r.to_dict()
    assert d["n_accepted"] == 1 and d["reasons"] == {} and d["sha256"] == r.sha256
    f = r.to_frame()
    assert f.shape[0] == 1 and int(f["n_accepted"].iloc[0]) == 1
    # identical re-ingest of a changed-but-equivalent file keeps the record (extra compared too)
    r2 = ingest_file(store, write_csv(text + "\n", name="b.csv"), source="s", mapping=m)
    assert r2.n_unchanged == 1 and r2.n_superseded == 0


def test_progress_callback_is_called(store: Store, write_csv) -> None:
    calls: list[tuple[int, int]] = []
    rows = "".join(f"{i};Иванов;Иван;30;01.03.2022;убит\n" for i in range(25))
    ingest_file(store, write_csv(HEADER + rows), source="s", mapping=mapping(),
                progress=lambda d, t: calls.append((d, t)), batch_size=10)
    assert len(calls) >= 3 and calls[-1][0] == calls[-1][1]


def test_row_with_only_an_id_is_new_not_unchanged(store: Store, write_csv) -> None:
    # regression (found by the fuzz): with no earlier record, NULL = NULL must not mean "same"
    r = ingest_file(store, write_csv(HEADER + "1;;;;;\n"), source="s", mapping=mapping())
    assert (r.n_new, r.n_unchanged) == (1, 0)
    assert store.scalar("SELECT count(*) FROM records") == 1


def test_header_row_number_and_split_list_with_separator(store: Store, write_csv) -> None:
    text = ("Журнал\nпоступления\nid|ФИО|Пол|Место\n"
            "1|Иванов,Иван|м|Гомель, ЦРБ\n2|Петрова,Анна|Ж|\n3|Орлов|x|\n")
    m = {"id_column": "id", "format": {"delimiter": "|", "header_row": 3},
         "fields": {"sex": "Пол"},
         "split": [{"column": "ФИО", "into": ["family_name", "given_name"], "sep": ","},
                   {"column": "Место", "into": ["place", "free_text"], "sep": ","}]}
    r = ingest_file(store, write_csv(text), source="s", mapping=m)
    got = store.con.execute("SELECT family_name, given_name, sex, place, free_text, name_raw "
                            "FROM records ORDER BY line_no").fetchall()
    assert got == [("Иванов", "Иван", "M", "Гомель", "ЦРБ", "Иванов,Иван"),
                   ("Петрова", "Анна", "F", None, None, "Петрова,Анна")]
    assert r.reasons_summary == {"title_line": 2, "sex_unknown": 1}
    assert "sex 'x' is not in the value map" in store.scalar(
        "SELECT reason FROM quarantine WHERE kind = 'sex_unknown'")


def test_value_default_and_mapping_override(store: Store, write_csv) -> None:
    text = HEADER + "1;А;Б;30;01.03.2022;отпуск\n2;В;Г;30;01.03.2022;ранен\n"
    fields = dict(mapping()["fields"])
    fields["event_type"] = {"column": "status", "values": {"ранен": "died_of_wounds"},
                            "default": "unknown"}
    ingest_file(store, write_csv(text), source="s", mapping=mapping(fields=fields))
    got = store.con.execute("SELECT event_type FROM records ORDER BY line_no").fetchall()
    assert got == [("unknown",), ("died_of_wounds",)]


def test_mapping_from_toml_path(store: Store, write_csv, tmp_path: Path) -> None:
    toml = tmp_path / "m.toml"
    toml.write_text('id_column = "id"\ndefault_year = 2022\n[format]\ndelimiter = ";"\n'
                    '[fields]\nfamily_name = "surname"\nevent_date = { column = "date", '
                    'formats = ["d month_ru"] }\n', encoding="utf-8")
    r = ingest_file(store, write_csv(HEADER + "1;Иванов;Иван;30;1 марта;убит\n"), source="s",
                    mapping=toml)
    assert r.n_accepted == 1
    assert store.scalar("SELECT event_date FROM records") == date(2022, 3, 1)


def test_interrupt_mid_ingest_rolls_back(store: Store, write_csv) -> None:
    rows = "".join(f"{i};Иванов;Иван;{-1 if i % 3 == 0 else 30};01.03.2022;убит\n"
                   for i in range(40))
    p = write_csv(HEADER + rows)

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_file(store, p, source="s", mapping=mapping(), progress=interrupt, batch_size=5)
    for t in ("records", "quarantine", "ingests", "audit_log"):
        assert store.scalar(f"SELECT count(*) FROM {t}") == 0, t
    r = ingest_file(store, p, source="s", mapping=mapping())
    assert (r.n_accepted, r.n_quarantined, r.duplicate_of) == (26, 14, None)


def test_report_is_frozen_and_readable(store: Store, write_csv) -> None:
    import dataclasses
    r = ingest_file(store, write_csv(HEADER + "1;А;Б;-3;01.03.2022;убит\n"), source="s",
                    mapping=mapping())
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.n_accepted = 5  # type: ignore[misc]
    text = str(r)
    assert "1 rows: 0 accepted" in text and "quarantined age_range: 1" in text
    assert r.examples == ((2, "age", "age -3 is outside 0–120"),)


def test_read_only_store_raises_store_error(tmp_path: Path, write_csv) -> None:
    from uncounted.exceptions import StoreError
    db = tmp_path / "ro" / "uncounted.duckdb"
    Store(db).close()
    with Store(db, read_only=True) as ro, pytest.raises(StoreError, match="nothing was written"):
        ingest_file(ro, write_csv(HEADER + "1;А;Б;30;01.03.2022;убит\n"), source="s",
                    mapping=mapping())
