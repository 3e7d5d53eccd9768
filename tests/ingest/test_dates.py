from __future__ import annotations

from datetime import date

import pytest

from uncounted.ingest.dates import DateProblem, parse_date, validate_formats


@pytest.mark.parametrize(("text", "start", "end", "prec"), [
    ("01.03.2022", date(2022, 3, 1), date(2022, 3, 1), "day"),
    ("1.3.2022", date(2022, 3, 1), date(2022, 3, 1), "day"),
    ("2022-03-09", date(2022, 3, 9), date(2022, 3, 9), "day"),
    ("1 марта 2022", date(2022, 3, 1), date(2022, 3, 1), "day"),
    ("1 марта 2022 г.", date(2022, 3, 1), date(2022, 3, 1), "day"),
    ("9 березня 2022", date(2022, 3, 9), date(2022, 3, 9), "day"),
    ("March 9, 2022", date(2022, 3, 9), date(2022, 3, 9), "day"),
    ("9 March 2022", date(2022, 3, 9), date(2022, 3, 9), "day"),
    ("2022", date(2022, 1, 1), date(2022, 12, 31), "year"),
    ("03.2022", date(2022, 3, 1), date(2022, 3, 31), "month"),
    ("02.2024", date(2024, 2, 1), date(2024, 2, 29), "month"),
    ("March 2022", date(2022, 3, 1), date(2022, 3, 31), "month"),
    ("март 2022", date(2022, 3, 1), date(2022, 3, 31), "month"),
    ("1–3 марта 2022", date(2022, 3, 1), date(2022, 3, 3), "range"),
    ("1-3.03.2022", date(2022, 3, 1), date(2022, 3, 3), "range"),
    ("28.02.2022 — 02.03.2022", date(2022, 2, 28), date(2022, 3, 2), "range"),
])
def test_auto_formats(text: str, start: date, end: date, prec: str) -> None:
    p = parse_date(text)
    assert p is not None
    assert (p.start, p.end, p.precision) == (start, end, prec)


def test_missing_year_uses_default_year() -> None:
    p = parse_date("1 марта", default_year=2022)
    assert p is not None and p.start == date(2022, 3, 1)
    r = parse_date("1–3 марта", default_year=2022)
    assert r is not None and (r.start, r.end, r.precision) == (date(2022, 3, 1), date(2022, 3, 3), "range")


def test_missing_year_without_default_is_reported() -> None:
    with pytest.raises(DateProblem) as e:
        parse_date("1 марта")
    assert e.value.kind == "no_year" and "default_year" in str(e.value)


@pytest.mark.parametrize("text", ["31.02.2022", "29.02.2023", "2022-13-01", "31 апреля 2022"])
def test_impossible_dates_do_not_exist(text: str) -> None:
    with pytest.raises(DateProblem) as e:
        parse_date(text)
    assert e.value.kind == "invalid"
    assert str(e.value) == f"date {text} does not exist"


def test_unparseable_date_names_formats() -> None:
    with pytest.raises(DateProblem) as e:
        parse_date("вчера", ("%d.%m.%Y", "iso"))
    assert e.value.kind == "format" and "%d.%m.%Y" in str(e.value)


def test_strftime_formats_restrict_and_detect_invalid() -> None:
    assert parse_date("09/03/22", ("%d/%m/%y",)).start == date(2022, 3, 9)  # type: ignore[union-attr]
    with pytest.raises(DateProblem) as e:
        parse_date("2022-03-09", ("%d.%m.%Y",))
    assert e.value.kind == "format"
    with pytest.raises(DateProblem) as e:
        parse_date("30.02.2022", ("%d.%m.%Y",))
    assert e.value.kind == "invalid"
    assert parse_date("9 марта 2022", ("%d %B %Y",)).start == date(2022, 3, 9)  # type: ignore[union-attr]


def test_empty_and_native_dates() -> None:
    from datetime import datetime
    assert parse_date("  ") is None and parse_date(None) is None
    assert parse_date(datetime(2022, 3, 1, 12)).start == date(2022, 3, 1)  # type: ignore[union-attr]


def test_validate_formats() -> None:
    assert validate_formats(["auto", "%d.%m.%Y", "d month_ru"]) == []
    probs = validate_formats(["dd.mm.yy", "%d.%q"])
    assert len(probs) == 2 and "dd.mm.yy" in probs[0] and "%q" in probs[1]
