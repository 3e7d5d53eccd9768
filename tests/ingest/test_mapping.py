from __future__ import annotations

from pathlib import Path

import pytest

from uncounted.exceptions import MappingError
from uncounted.ingest import load_mapping

TOML = """
mapping_version = "2"
id_column = "№"
default_year = 2022

[format]
type = "csv"
encoding = "windows-1251"
delimiter = ";"

[fields]
age = { column = "Возраст", type = "int" }
name_raw = { columns = ["Фамилия", "Имя"], join = " " }

[fields.event_date]
column = "Дата"
formats = ["%d.%m.%Y", "d month_ru"]

[fields.event_type]
column = "Статус"
values = { "двухсотый" = "killed" }

[split]
column = "ФИО"
into = ["family_name", "given_name", "patronymic"]
sep = " "
"""


def test_toml_mapping_loads(tmp_path: Path) -> None:
    p = tmp_path / "m.toml"
    p.write_text(TOML, encoding="utf-8")
    m = load_mapping(p)
    assert m.mapping_version == "2" and m.id_column == "№" and m.default_year == 2022
    assert m.format.encoding == "windows-1251" and m.format.delimiter == ";"
    ev = m.get_field("event_date")
    assert ev is not None and ev.formats == ("%d.%m.%Y", "d month_ru") and ev.default_year == 2022
    et = m.get_field("event_type")
    assert et is not None and et.values["двухсотый"] == "killed" and et.values["kia"] == "killed"
    nr = m.get_field("name_raw")
    assert nr is not None and nr.columns == ("Фамилия", "Имя")
    assert m.splits[0].into == ("family_name", "given_name", "patronymic")
    assert m.columns == ("№", "Возраст", "Фамилия", "Имя", "Дата", "Статус", "ФИО")
    assert len(m.sha256) == 64


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("""
colour = "red"
[format]
type = "xls"
encoding = "latin-9"
[fields]
nickname = { column = "x" }
age = { column = "Возраст", type = "date" }
event_date = { column = "Дата", formats = ["dd.mm.yy"] }
event_type = { column = "Статус", values = { "KIA" = "kiled" } }
[split]
column = "ФИО"
into = ["family_name", "age"]
""", encoding="utf-8")
    with pytest.raises(MappingError) as e:
        load_mapping(p)
    msg = str(e.value)
    for needle in ["colour: unknown key", "format.type: 'xls'", "format.encoding: 'latin-9'",
                   "fields.nickname: unknown field", "fields.age.type: 'date'",
                   "fields.event_date.formats: unknown date format 'dd.mm.yy'",
                   "fields.event_type.values.KIA: 'kiled' is not one of",
                   "split.into: 'age' is not a text field"]:
        assert needle in msg, needle
    assert "8 problem(s)" in msg
    assert all(line.strip().startswith(f"- {p}") for line in msg.splitlines()[1:])


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="does not exist"):
        load_mapping(tmp_path / "nope.toml")
    bad = tmp_path / "x.toml"
    bad.write_text("a = [", encoding="utf-8")
    with pytest.raises(MappingError, match="not a valid UTF-8 TOML"):
        load_mapping(bad)


def test_field_filled_twice_is_a_problem() -> None:
    with pytest.raises(MappingError, match="also filled by fields.family_name"):
        load_mapping({"fields": {"family_name": "Фамилия"},
                      "split": {"column": "ФИО", "into": ["family_name", "given_name"]}})
