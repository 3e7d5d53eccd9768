"""Contract tests of uncounted.names: the examples the linkage step relies on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uncounted.names import OUTPUT_COLUMNS, fold_key, given_key, name_keys, parse_name
from uncounted.names.keys import patronymic_key


@pytest.mark.parametrize(
    "group",
    [
        ["Иванов", "Ivanov", "Ivanou", "Iwanow", "IVANOV", "Ivanoff", "Іваноў"],
        ["Шевченко", "Shevchenko", "Schewtschenko", "Ševčenko", "Szewczenko"],
        ["Юрий", "Yuri", "Yury", "Iurii", "Juri", "Jurij", "Юрый", "Юрій", "Yuriy"],
        ["Мария", "Maria", "Mariya", "Marija", "Mariia", "Марія"],
        ["Фёдор", "Федор", "Fyodor", "Fedor", "Fjodor"],
        ["Михайлов", "Mikhailov", "Mikhaylov", "Michajlow"],
        ["Гончаренко", "Honcharenko", "Goncharenko"],
        ["Березовский", "Berezovsky", "Berezovskiy", "Березовський", "Berezovskyi"],
        # Belarusian ў in Cyrillic, in the passport romanization (u) and in the national
        # romanization / Łacinka (ŭ, with ch = х)
        ["Ціханоўскі", "Tsikhanouski", "Cichanoŭski"],
        ["Нароўля", "Naroulia", "Naroŭlia"],
        ["Воўк", "Vouk", "Voŭk"],
    ],
)
def test_fold_key_groups(group: list[str]) -> None:
    keys = {fold_key(x) for x in group}
    assert len(keys) == 1, {x: fold_key(x) for x in group}


def test_short_i_is_not_folded_to_i() -> None:
    assert fold_key("Андрей") != fold_key("Андреи")
    assert fold_key("Андрей") == fold_key("Andrei") == fold_key("Andrey")


@pytest.mark.parametrize(
    "forms",
    [
        ["Юрий", "Yuri", "Yury", "Iurii", "Juri", "Jurij", "Юрый", "Юрій"],
        ["Александр", "Alexander", "Aleksandr", "Oleksandr", "Олександр", "Aliaksandr",
         "Аляксандр", "Sasha", "Саша", "Шура", "Саня"],
        ["Николай", "Микола", "Mykola", "Nikolai", "Мікалай", "Коля"],
        ["Анна", "Ганна", "Hanna", "Аня", "Anna"],
    ],
)
def test_given_key_aliases(forms: list[str]) -> None:
    keys = {given_key(x) for x in forms}
    assert len(keys) == 1, {x: given_key(x) for x in forms}


def test_parse_genitive_male() -> None:
    p = parse_name("Иванова Александра Петровича")
    assert (p.family, p.given, p.patronymic, p.sex) == ("Иванов", "Александр", "Петрович", "M")


def test_parse_genitive_female() -> None:
    p = parse_name("Ивановой Марии")
    assert (p.family, p.given, p.sex) == ("Иванова", "Мария", "F")


@pytest.mark.parametrize(
    ("text", "family", "given"),
    [
        ("Иванов Александр Петрович", "Иванов", "Александр"),
        ("Александр Петрович Иванов", "Иванов", "Александр"),
        ("Sasha Ivanov", "Ivanov", "Sasha"),
        ("IVANOV Aleksandr", "IVANOV", "Aleksandr"),
        ("Ivanov, Aleksandr", "Ivanov", "Aleksandr"),
        ("Иванов А.П.", "Иванов", None),
        ("A. P. Ivanov", "Ivanov", None),
    ],
)
def test_parse_orders(text: str, family: str, given: str | None) -> None:
    p = parse_name(text)
    assert (p.family, p.given) == (family, given)


def test_initials_from_initials_and_full_name_agree() -> None:
    assert parse_name("Иванов А.П.").initials == "ap"
    assert parse_name("Иванов Александр Петрович").initials == "ap"


@pytest.mark.parametrize(
    "p", ["Петрович", "Petrovich", "Петровна", "Петрівна", "Пятровіч", "Petrovych", "Петровичу"]
)
def test_patronymic_key(p: str) -> None:
    assert patronymic_key(p) == "petr"


def test_patronymic_key_uk_ru_equivalent() -> None:
    assert patronymic_key("Миколайович") == patronymic_key("Николаевич") == "nikolaj"


def test_name_keys_contract() -> None:
    df = pd.DataFrame(
        {
            "name_raw": ["Иванова Александра Петровича", "Sasha Ivanov", "IVANOU Aliaksandr",
                         None, "", None],
            "family_name": [None, None, None, "Шевченко", None, None],
            "given_name": [None, None, None, "Юрій", None, None],
            "patronymic": [None, None, None, "Миколайович", None, None],
            "sex": [None, None, "M", None, None, "F"],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    out = name_keys(df)
    assert list(out.columns) == list(OUTPUT_COLUMNS)
    assert list(out.columns[:8]) == ["family_key", "family_phonetic", "given_key",
                                     "given_aliases", "patronymic_key", "initials",
                                     "sex_inferred", "name_order_ok"]
    assert list(out.index) == [10, 11, 12, 13, 14, 15]
    assert list(out.family_key[:3]) == ["ivanov"] * 3
    assert list(out.given_key[:3]) == ["aleksandr"] * 3
    assert out.loc[13, "family_key"] == "shevchenko"
    assert out.loc[13, "given_key"] == "jurij"
    assert out.loc[13, "patronymic_key"] == "nikolaj"
    assert out.loc[10, "patronymic_key"] == "petr"
    assert out.loc[10, "sex_inferred"] == "M"
    assert out.loc[15, "sex_inferred"] == "F"
    assert "aleksandr" in out.loc[11, "given_aliases"]
    assert "oleksandr" in out.loc[11, "given_aliases"]
    assert "sasha" not in out.loc[11, "given_aliases"]  # shared with Александра
    assert pd.isna(out.loc[14, "family_key"])
    assert np.isnan(out.loc[14, "name_order_ok"])


def test_name_keys_missing_columns_and_empty() -> None:
    out = name_keys(pd.DataFrame({"family_name": ["Petrov", "Петрова"]}))
    assert list(out.family_key) == ["petrov", "petrova"]
    assert list(out.sex_inferred) == ["M", "F"]
    empty = name_keys(pd.DataFrame({"name_raw": pd.Series([], dtype=object)}))
    assert len(empty) == 0 and list(empty.columns) == list(OUTPUT_COLUMNS)


def test_name_keys_rejects_non_frame() -> None:
    from uncounted.exceptions import InputError

    with pytest.raises(InputError):
        name_keys(["Ivanov"])  # type: ignore[arg-type]
    with pytest.raises(InputError):
        name_keys(pd.DataFrame({"foo": [1]}))


def test_swapped_fields_detected() -> None:
    out = name_keys(pd.DataFrame({"family_name": ["Олександр"], "given_name": ["Коваленко"]}))
    assert out.family_key[0] == "kovalenko"
    assert out.given_key[0] == "aleksandr"
    assert out.name_order_ok[0] < 1.0


def test_family_stem_is_sex_neutral() -> None:
    out = name_keys(pd.DataFrame({"name_raw": ["Кузнецова Александра", "Кузнецов Александр",
                                               "Ковальская Анна", "Kowalski Jan",
                                               "Лукашэнка Аляксандр"]}))
    assert out.family_stem[0] == out.family_stem[1] == "kuznetsov"
    assert out.family_key[0] != out.family_key[1]
    assert out.family_stem[2] == out.family_stem[3] == "kovalskij"
    assert out.family_stem[4] == "lukashenko"
