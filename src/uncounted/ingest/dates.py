"""Dates as people write them in casualty lists: full, partial, without a year, and ranges.

Why our own parser rather than :func:`datetime.strptime` or a fuzzy parser: a list must tell
apart three different problems, because each asks the person fixing the file for something
different: a text that matches no known format ("date 'вчера' matches none of ..."), a date
that matches but does not exist ("date 31.02.2022 does not exist"), and a date with no year
("date '1 марта' has no year ..."), which the mapping's ``default_year`` resolves.  Fuzzy
parsers silently guess in all three cases; ``strptime`` reports the first two with the same
error and depends on the process locale for month names.

Every parse returns a :class:`ParsedDate`, an interval ``[start, end]`` with a precision:
``'day'`` (start = end), ``'month'`` or ``'year'`` (start = first day, end = last day) or
``'range'`` ('1–3 марта').

Named formats usable in a mapping's ``formats`` list (besides ``strftime``-style strings with
``%d %m %Y %y %B %b``, whose month names are matched in English, Russian and Ukrainian
independent of the locale):

``auto`` (all of the below), ``iso``, ``dd.mm.yyyy``, ``dd/mm/yyyy``, ``d month_ru``,
``d month_ru yyyy``, ``d month_en yyyy``, ``month_en d, yyyy``, ``yyyy``, ``mm.yyyy``,
``month yyyy``, ``range``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

__all__ = [
    "DateProblem",
    "NAMED_FORMATS",
    "ParsedDate",
    "parse_date",
    "validate_formats",
]

# Month names: genitive and nominative, Russian and Ukrainian; English full and abbreviated.
_MONTHS_RU = {
    "январь": 1, "января": 1, "февраль": 2, "февраля": 2, "март": 3, "марта": 3,
    "апрель": 4, "апреля": 4, "май": 5, "мая": 5, "июнь": 6, "июня": 6, "июль": 7, "июля": 7,
    "август": 8, "августа": 8, "сентябрь": 9, "сентября": 9, "октябрь": 10, "октября": 10,
    "ноябрь": 11, "ноября": 11, "декабрь": 12, "декабря": 12,
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8, "сен": 9,
    "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
    # Ukrainian
    "січень": 1, "січня": 1, "лютий": 2, "лютого": 2, "березень": 3, "березня": 3,
    "квітень": 4, "квітня": 4, "травень": 5, "травня": 5, "червень": 6, "червня": 6,
    "липень": 7, "липня": 7, "серпень": 8, "серпня": 8, "вересень": 9, "вересня": 9,
    "жовтень": 10, "жовтня": 10, "листопад": 11, "листопада": 11, "грудень": 12, "грудня": 12,
}
_MONTHS_EN = {
    name.lower(): i for i, name in enumerate(calendar.month_name) if name
} | {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {"sept": 9}
# calendar.month_name follows the C locale unless changed; pin the English names explicitly.
_MONTHS_EN |= {
    m: i + 1 for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"])
}
_MONTHS_ALL = _MONTHS_RU | _MONTHS_EN


def _alt(names: dict[str, int]) -> str:
    return "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))


_RU = f"(?P<mon>{_alt(_MONTHS_RU)})\\.?"
_EN = f"(?P<mon>{_alt(_MONTHS_EN)})\\.?"
_ANYMON = f"(?P<mon>{_alt(_MONTHS_ALL)})\\.?"
_YEAR_SUFFIX = r"(?:\s*(?:г\.?|года|год|р\.?|року))?"
_DASH = r"\s*[-–—]\s*"


class DateProblem(ValueError):
    """A date text that cannot be used; ``kind`` is one of 'format', 'invalid', 'no_year'."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """An interval of days with the precision it was written with."""

    start: date
    end: date
    precision: str  # 'day', 'month', 'year', 'range'

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def month(self) -> int | None:
        return self.start.month if self.precision in ("day", "month") else None


# --------------------------------------------------------------------------------------------
# named formats: name -> list of (regex, kind)
# kind: 'dmy' (day month year, year optional), 'my', 'y', 'range_dmy', 'range_full'
_NAMED: dict[str, list[tuple[str, str]]] = {
    "iso": [(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ][\d:.]+Z?)?", "dmy")],
    "dd.mm.yyyy": [(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})" + _YEAR_SUFFIX, "dmy")],
    "dd/mm/yyyy": [(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})", "dmy")],
    "d month_ru": [(rf"(?P<d>\d{{1,2}})\s+{_RU}", "dmy")],
    "d month_ru yyyy": [(rf"(?P<d>\d{{1,2}})\s+{_RU}\s+(?P<y>\d{{4}}){_YEAR_SUFFIX}", "dmy")],
    "d month_en yyyy": [(rf"(?P<d>\d{{1,2}})\s+{_EN}\s+(?P<y>\d{{4}})", "dmy")],
    "month_en d, yyyy": [(rf"{_EN}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})", "dmy")],
    "yyyy": [(r"(?P<y>\d{4})" + _YEAR_SUFFIX, "y")],
    "mm.yyyy": [(r"(?P<m>\d{1,2})[./](?P<y>\d{4})" + _YEAR_SUFFIX, "my"),
                (r"(?P<y>\d{4})-(?P<m>\d{1,2})", "my")],
    "month yyyy": [(rf"{_ANYMON}\s+(?P<y>\d{{4}}){_YEAR_SUFFIX}", "my")],
    "range": [
        # 1–3 марта [2022]
        (rf"(?P<d>\d{{1,2}}){_DASH}(?P<d2>\d{{1,2}})\s+{_ANYMON}(?:\s+(?P<y>\d{{4}}){_YEAR_SUFFIX})?",
         "range_dm"),
        # March 1–3, 2022
        (rf"{_EN}\s+(?P<d>\d{{1,2}}){_DASH}(?P<d2>\d{{1,2}}),?\s+(?P<y>\d{{4}})", "range_dm"),
        # 1-3.03.2022
        (r"(?P<d>\d{1,2})" + _DASH + r"(?P<d2>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})", "range_dm"),
        # 01.03.2022–03.03.2022
        (r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})" + _DASH
         + r"(?P<d2>\d{1,2})\.(?P<m2>\d{1,2})\.(?P<y2>\d{4})", "range_full"),
    ],
}
# 'd month_ru' also accepts an optional year, so one format serves both spellings.
_NAMED["d month_ru"] = _NAMED["d month_ru yyyy"] + _NAMED["d month_ru"]
_AUTO_ORDER = ["iso", "dd.mm.yyyy", "dd/mm/yyyy", "range", "d month_ru", "d month_en yyyy",
               "month_en d, yyyy", "mm.yyyy", "month yyyy", "yyyy"]
_NAMED["auto"] = [p for name in _AUTO_ORDER for p in _NAMED[name]]

NAMED_FORMATS: tuple[str, ...] = tuple(sorted(_NAMED))

_STRF = {
    "%d": r"(?P<d>\d{1,2})", "%m": r"(?P<m>\d{1,2})", "%Y": r"(?P<y>\d{4})",
    "%y": r"(?P<yy>\d{2})", "%B": _ANYMON, "%b": _ANYMON,
    "%H": r"\d{1,2}", "%M": r"\d{2}", "%S": r"\d{2}", "%%": "%",
}


def _compile_strftime(fmt: str) -> tuple[str, str]:
    out = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            code = fmt[i:i + 2]
            if code not in _STRF:
                raise ValueError(f"unsupported directive {code!r} in date format {fmt!r}; "
                                 f"supported: {', '.join(sorted(_STRF))}")
            out.append(_STRF[code])
            i += 2
        elif fmt[i].isspace():
            out.append(r"\s+")
            while i < len(fmt) and fmt[i].isspace():
                i += 1
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    rx = "".join(out)
    has_d = "(?P<d>" in rx
    has_m = "(?P<m>" in rx or "(?P<mon>" in rx
    return rx, ("dmy" if has_d and has_m else "my" if has_m else "y")


@lru_cache(maxsize=256)
def _patterns(formats: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    pats: list[tuple[re.Pattern[str], str]] = []
    for f in formats:
        if "%" in f:
            rx, kind = _compile_strftime(f)
            pats.append((re.compile(rx, re.IGNORECASE), kind))
        else:
            key = f.strip().lower()
            for rx, kind in _NAMED[key]:
                pats.append((re.compile(rx, re.IGNORECASE), kind))
    return tuple(pats)


def validate_formats(formats: list[str] | tuple[str, ...]) -> list[str]:
    """Return a list of problems with the given format names (empty when all are usable)."""
    problems = []
    for f in formats:
        if not isinstance(f, str):
            problems.append(f"format {f!r} is not a string")
        elif "%" in f:
            try:
                _compile_strftime(f)
            except ValueError as exc:
                problems.append(str(exc))
        elif f.strip().lower() not in _NAMED:
            problems.append(f"unknown date format {f!r}; use a strftime pattern such as "
                            f"'%d.%m.%Y' or one of: {', '.join(NAMED_FORMATS)}")
    return problems


def _month_of(gd: dict[str, str | None], key: str = "m") -> int:
    if gd.get("mon"):
        name = str(gd["mon"]).rstrip(".")
        for k in (name.lower(), name.casefold()):
            if k in _MONTHS_ALL:
                return _MONTHS_ALL[k]
        # the regex matched under Unicode case-insensitivity ('ſept'), but it is no month name
        raise DateProblem(f"date: {name!r} is not a month name", "format")
    return int(str(gd[key]))


def _year_of(gd: dict[str, str | None], default_year: int | None, text: str,
             key: str = "y") -> int:
    if gd.get(key):
        return int(str(gd[key]))
    if gd.get("yy"):
        yy = int(str(gd["yy"]))
        return 2000 + yy if yy < 69 else 1900 + yy  # the POSIX strptime pivot
    if default_year is None:
        raise DateProblem(
            f"date {text!r} has no year and the mapping sets no default_year for this source "
            "(add default_year = YYYY to the mapping)", "no_year")
    return default_year


def _make(y: int, m: int, d: int, text: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise DateProblem(f"date {text} does not exist", "invalid") from None


def _interpret(gd: dict[str, str | None], kind: str, text: str,
               default_year: int | None) -> ParsedDate:
    if kind == "y":
        y = _year_of(gd, default_year, text)
        if not 1 <= y <= 9999:
            raise DateProblem(f"date {text} does not exist", "invalid")
        return ParsedDate(date(y, 1, 1), date(y, 12, 31), "year")
    if kind == "my":
        y = _year_of(gd, default_year, text)
        m = _month_of(gd)
        if not 1 <= m <= 12 or not 1 <= y <= 9999:
            raise DateProblem(f"date {text} does not exist", "invalid")
        return ParsedDate(date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), "month")
    if kind == "dmy":
        y = _year_of(gd, default_year, text)
        d = _make(y, _month_of(gd), int(str(gd["d"])), text)
        return ParsedDate(d, d, "day")
    if kind == "range_dm":
        y = _year_of(gd, default_year, text)
        m = _month_of(gd)
        a = _make(y, m, int(str(gd["d"])), text)
        b = _make(y, m, int(str(gd["d2"])), text)
    else:  # range_full
        a = _make(int(str(gd["y"])), int(str(gd["m"])), int(str(gd["d"])), text)
        b = _make(int(str(gd["y2"])), int(str(gd["m2"])), int(str(gd["d2"])), text)
    if b < a:
        raise DateProblem(f"date range {text} ends before it starts", "invalid")
    return ParsedDate(a, b, "range" if b != a else "day")


@lru_cache(maxsize=65536)
def _parse_cached(text: str, formats: tuple[str, ...], default_year: int | None) -> ParsedDate:
    clean = " ".join(text.replace("\u00a0", " ").split()).strip(" ,;")
    for rx, kind in _patterns(formats):
        m = rx.fullmatch(clean)
        if m:
            return _interpret(m.groupdict(), kind, clean, default_year)
    raise DateProblem(
        f"date {text!r} matches none of the formats {', '.join(formats)}", "format")


def parse_date(value: object, formats: tuple[str, ...] = ("auto",),
               default_year: int | None = None) -> ParsedDate | None:
    """Parse one date cell.

    Parameters
    ----------
    value:
        The cell: text, or a :class:`datetime.date`/:class:`datetime.datetime` from XLSX or
        Parquet.  Empty text and ``None`` give ``None``.
    formats:
        Format names or ``strftime`` patterns tried in order; the first that matches decides.
    default_year:
        The year for dates written without one ('1 марта').

    Raises
    ------
    DateProblem
        With ``kind`` 'format', 'invalid' (e.g. 31.02.2022) or 'no_year'.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        d = value.date()
        return ParsedDate(d, d, "day")
    if isinstance(value, date):
        return ParsedDate(value, value, "day")
    text = str(value).strip()
    if not text:
        return None
    return _parse_cached(text, formats, default_year)
