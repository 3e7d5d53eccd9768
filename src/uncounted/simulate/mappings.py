"""Mapping files for the five simulated lists, in the format of :mod:`uncounted.ingest`.

A mapping says how to read one source file and which source column feeds which field of the
canonical person record (docs/architecture.md).  It is a TOML file (the full reference is
``docs/mapping.md`` and :mod:`uncounted.ingest.mapping`); as a Python value it is a plain dict:

.. code-block:: toml

    mapping_version = "1"
    id_column = "№"                 # the source's own record id (omit: line number "L<n>")

    [format]
    type = "csv"                    # "csv" | "xlsx" | "jsonl" | "parquet"
    encoding = "windows-1251"       # "auto", "utf-8", "utf-8-sig", "windows-1251", "koi8-r"
    delimiter = ";"                 # csv only
    header_row = 2                  # 1-based line (csv) or sheet row (xlsx), or "auto"
    sheet = "Журнал"                # xlsx only, optional

    [fields.family_name]            # one column into one field
    column = "Фамилия"

    [fields.name_raw]               # several columns joined into one field
    columns = ["Фамилия", "Имя"]
    join = " "

    [fields.age]
    column = "Возраст"
    type = "int"                    # approximate ages ("около 25", "25 лет") are understood

    [fields.event_date]
    column = "Дата"
    formats = ["dd.mm.yyyy", "mm.yyyy", "d month_ru", "month_en d, yyyy", "iso", "yyyy"]
    default_year = 2022             # for dates written without a year ("1 марта")

    [fields.event_type]
    column = "status"
    values = { KIA = "killed", WIA = "wounded" }   # as written -> canonical
    default = "wounded"             # for values the map does not list

Date formats are the ingest's named formats (``strftime`` patterns such as ``%d.%m.%Y`` work
too).  XLSX cells that hold real dates are taken as dates.  Field names are the canonical
record's columns (``name_raw, family_name, given_name, patronymic, sex, birth_date, age,
event_type, event_date, place, unit, home_region, free_text`` ...).
"""

from __future__ import annotations

import copy
from typing import Any

import tomli_w

from uncounted.exceptions import InputError

__all__ = ["MONITOR_FORMATS", "mapping_for", "mapping_toml"]

MONITOR_FORMATS = ("parquet", "koi8-r")

_MAPPINGS: dict[str, dict[str, Any]] = {
    "xray": {
        "mapping_version": "1",
        "format": {"type": "csv", "encoding": "windows-1251", "delimiter": ";",
                   "header_row": 2},
        "id_column": "№",
        "fields": {
            "family_name": {"column": "Фамилия"},
            "given_name": {"column": "Имя"},
            "age": {"column": "Возраст", "type": "int"},
            "event_date": {"column": "Дата", "formats": ["dd.mm.yyyy"]},
            # an X-ray means a wounded patient, whatever the diagnosis says
            "event_type": {"column": "Диагноз", "default": "wounded"},
            "place": {"column": "Учреждение"},
            "free_text": {"column": "Исследование"},
        },
    },
    "morgue": {
        "mapping_version": "1",
        "format": {"type": "xlsx", "header_row": 2, "sheet": "Журнал"},
        "id_column": "Рег. №",
        "fields": {
            "name_raw": {"column": "ФИО"},
            "sex": {"column": "Пол", "values": {"М": "M", "Ж": "F"}},
            "birth_date": {"column": "Дата рождения", "formats": ["dd.mm.yyyy"]},
            "age": {"column": "Возраст", "type": "int"},
            "event_date": {"column": "Дата смерти", "formats": ["dd.mm.yyyy"]},
            "event_type": {"column": "Обстоятельства",
                           "values": {"погиб": "killed", "огнестрельное ранение": "killed",
                                      "МВТ": "killed", "умер в стационаре": "died_of_wounds"}},
            "place": {"column": "Откуда доставлен"},
            "free_text": {"column": "Примечание"},
        },
    },
    "ngo": {
        "mapping_version": "1",
        "format": {"type": "csv", "encoding": "utf-8-sig", "delimiter": ",", "header_row": 1},
        "id_column": "id",
        "fields": {
            "name_raw": {"column": "name"},
            "birth_date": {"column": "date_of_birth", "formats": ["iso", "yyyy"]},
            "event_type": {"column": "status",
                           "values": {"KIA": "killed", "WIA": "wounded",
                                      "DOW": "died_of_wounds"}},
            "event_date": {"column": "date", "formats": ["iso"]},
            "unit": {"column": "unit"},
            "home_region": {"column": "region"},
            "free_text": {"column": "source"},
        },
    },
    "media": {
        "mapping_version": "1",
        "format": {"type": "jsonl", "encoding": "utf-8"},
        "id_column": "id",
        "fields": {
            "name_raw": {"column": "name"},
            "age": {"column": "age", "type": "int"},  # "около 25", "about 25", "25 лет"
            "event_date": {"column": "date", "formats": ["d month_ru", "month_en d, yyyy"],
                           "default_year": 2022},
            "event_type": {"column": "status",
                           "values": {"погиб": "killed", "ранен": "wounded",
                                      "умер от ран": "died_of_wounds", "killed": "killed",
                                      "wounded": "wounded", "died of wounds": "died_of_wounds"}},
            "home_region": {"column": "city"},
            "unit": {"column": "unit"},
        },
    },
    "monitor": {
        "mapping_version": "1",
        "format": {"type": "parquet"},
        "id_column": "n",
        "fields": {
            "name_raw": {"column": "name"},
            "unit": {"column": "unit"},
            "place": {"column": "place"},
            "event_date": {"column": "date", "formats": ["dd.mm.yyyy", "mm.yyyy", "iso"]},
            "event_type": {"column": "status",
                           "values": {"200": "killed", "груз 200": "killed",
                                      "300": "wounded", "груз 300": "wounded"}},
        },
    },
}


def mapping_for(list_name: str, *, monitor_format: str = "parquet") -> dict[str, Any]:
    """The mapping (as a plain dict, ready for :func:`tomli_w.dumps`) of one simulated list.

    Parameters
    ----------
    list_name : {"xray", "morgue", "ngo", "media", "monitor"}
    monitor_format : {"parquet", "koi8-r"}
        How the ``monitor`` list is written (see :func:`uncounted.simulate.generate_case`).

    Returns
    -------
    dict
        A fresh copy; callers may modify it.

    Raises
    ------
    InputError
        For an unknown list name or monitor format.

    Notes
    -----
    The ``monitor`` list's status "200"/"300" is military slang ("груз 200", cargo 200: the
    dead; "груз 300": the wounded); the monitoring group cannot tell a died-of-wounds case
    from a killed one, so both are "200".
    """
    if list_name not in _MAPPINGS:
        raise InputError(f"unknown list {list_name!r}; allowed: {', '.join(_MAPPINGS)}.")
    if monitor_format not in MONITOR_FORMATS:
        raise InputError(f"monitor_format must be one of {MONITOR_FORMATS}; got "
                         f"{monitor_format!r}.")
    m = copy.deepcopy(_MAPPINGS[list_name])
    if list_name == "monitor" and monitor_format == "koi8-r":
        m["format"] = {"type": "csv", "encoding": "koi8-r", "delimiter": ",", "header_row": 1}
    return m


def mapping_toml(list_name: str, *, monitor_format: str = "parquet") -> str:
    """The mapping of one simulated list as TOML text (what ``mappings/<name>.toml`` holds)."""
    header = (f"# Mapping of the simulated '{list_name}' list (uncounted.simulate).\n"
              "# Reference: docs/mapping.md\n")
    return header + tomli_w.dumps(mapping_for(list_name, monitor_format=monitor_format))
