from __future__ import annotations

import pytest

from uncounted.ingest.values import ValueProblem, builtin_values, normalize_key, parse_age


@pytest.mark.parametrize(("v", "age"), [("35", 35), (" 35 лет", 35), ("около 30", 30),
                                        ("~40", 40), (35.0, 35), (0, 0), ("120", 120), ("", None)])
def test_age_ok(v: object, age: int | None) -> None:
    assert parse_age(v) == age


@pytest.mark.parametrize(("v", "kind", "msg"), [
    ("-3", "age_range", "age -3 is outside 0–120"),
    ("121", "age_range", "age 121 is outside 0–120"),
    ("abc", "age_format", "age 'abc' is not a number of years"),
    (35.5, "age_format", "age 35.5 is not a whole number of years"),
])
def test_age_bad(v: object, kind: str, msg: str) -> None:
    with pytest.raises(ValueProblem) as e:
        parse_age(v)
    assert e.value.kind == kind and str(e.value) == msg


def test_builtin_event_map() -> None:
    m = builtin_values("event_type")
    for raw, canon in [("груз 200", "killed"), ("KIA", "killed"), ("Убит", "killed"),
                       ("вбитий", "killed"), ("ранен", "wounded"), ("Груз-300", "wounded"),
                       ("умер от ран", "died_of_wounds"), ("пропал без вести", "missing")]:
        assert m[normalize_key(raw)] == canon, raw
    assert builtin_values("sex")[normalize_key("Ж")] == "F"
