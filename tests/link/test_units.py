"""Units written as a number in one list and as a formation's name in another."""

from __future__ import annotations

import pandas as pd

from uncounted.link.prepare import prepare_records
from uncounted.link.units import MIN_PAIRS, learn_unit_aliases, unit_tokens


def _records(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        "record_uid": range(1, len(rows) + 1),
        "source": ["a"] * len(rows),
        "record_id": [str(i) for i in range(len(rows))],
        "name_raw": [r[0] for r in rows],
        "birth_year": pd.array([r[1] for r in rows], dtype="Int64"),
        "unit": [r[2] for r in rows],
    })


def _people(n: int, unit_a: str, unit_b: str, first_year: int = 1980) -> list[tuple[str, int, str]]:
    """``n`` people, each recorded twice: once with ``unit_a``, once with ``unit_b``."""
    names = ["Иванов Сергей", "Петров Олег", "Сидоров Иван", "Козлов Павел", "Орлов Антон"]
    rows = []
    for i in range(n):
        rows += [(names[i], first_year + i, unit_a), (names[i], first_year + i, unit_b)]
    return rows


def test_a_unit_number_and_its_name_are_one_token_each() -> None:
    t = prepare_records(_records([("Иванов Сергей", 1990, "в/ч 97669"),
                                  ("Иванов Сергей", 1990, "military unit 97669"),
                                  ("Иванов Сергей", 1990, "37 омсбр"),
                                  ("Иванов Сергей", 1990, "Росгвардия"),
                                  ("Иванов Сергей", 1990, None)]))
    assert unit_tokens(t).tolist() == ["97669", "97669", "37", "росгвардия", None]


def test_units_that_confident_pairs_write_both_ways_are_learned_as_one() -> None:
    rows = _people(MIN_PAIRS, "в/ч 97669", "37 омсбр")
    t = prepare_records(_records(rows))
    assert learn_unit_aliases(t) == {"37": "37", "97669": "37"}
    canon = t["unit_canon"].tolist()
    assert canon[0] == canon[1] == "37"


def test_too_few_pairs_or_namesakes_spread_over_units_teach_nothing() -> None:
    # one pair fewer than MIN_PAIRS
    assert learn_unit_aliases(prepare_records(_records(
        _people(MIN_PAIRS - 1, "в/ч 97669", "37 омсбр")))) == {}
    # the number meets the name three times, but also three other units as often: namesakes
    rows = _people(3, "в/ч 97669", "37 омсбр")
    rows += _people(3, "в/ч 97669", "5 отбр", first_year=1990)
    rows += _people(3, "в/ч 97669", "83 одшбр", first_year=2000)
    t = prepare_records(_records(rows))
    assert learn_unit_aliases(t) == {}
    assert t["unit_canon"].tolist() == unit_tokens(t).tolist()


def test_a_large_units_namesakes_do_not_hide_its_name_when_each_is_the_others_best() -> None:
    # the number meets its name 4 times and, through namesakes, two other units 3 and 2 times:
    # its share with its name is 4/9 < MIN_SHARE, but the two are each other's best partner
    rows = _people(4, "в/ч 97669", "37 омсбр")
    rows += _people(3, "в/ч 97669", "5 отбр", first_year=1990)
    rows += _people(2, "в/ч 97669", "83 одшбр", first_year=2000)
    assert learn_unit_aliases(prepare_records(_records(rows))) == {"37": "37", "97669": "37"}
