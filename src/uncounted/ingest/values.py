"""Value checks and value maps: age, sex, event type, integers.

Why built-in value maps: the same fact is written many ways across lists ('груз 200', 'KIA',
'убит', 'погиб', 'вбитий'), and forcing every mapping to enumerate them invites silent gaps.
The built-in maps cover the common Russian, Ukrainian and English spellings; a mapping's
``values`` table extends or overrides them.  A value found in neither is *not* guessed: the
row is quarantined with a reason that says which key to add, unless the mapping sets a
``default``.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "AGE_MAX",
    "AGE_MIN",
    "EVENT_TYPES",
    "SEX_VALUES",
    "ValueProblem",
    "normalize_key",
    "parse_age",
    "parse_int",
    "builtin_values",
]

AGE_MIN, AGE_MAX = 0, 120
EVENT_TYPES = ("killed", "wounded", "died_of_wounds", "missing", "unknown")
SEX_VALUES = ("M", "F")


class ValueProblem(ValueError):
    """A cell value that cannot be used; ``kind`` names the reason for summaries."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def normalize_key(text: str) -> str:
    """Case-fold, unify ё/е, collapse spaces and drop surrounding punctuation."""
    t = text.casefold().replace("ё", "е").replace("\u00a0", " ")
    return " ".join(t.split()).strip(" .,;:!-–—\"'()")


_EVENT_BUILTIN: dict[str, str] = {}
for _canon, _words in {
    "killed": ["killed", "kia", "k.i.a", "dead", "died", "убит", "убита", "убиты", "погиб",
               "погибла", "погибший", "погибшая", "груз 200", "груз-200", "200", "200-й",
               "смерть", "мертв", "вбитий", "вбита", "загинув", "загинула", "загиблий", "killed in action"],
    "wounded": ["wounded", "wia", "w.i.a", "injured", "ранен", "ранена", "раненый", "ранение",
                "груз 300", "груз-300", "300", "300-й", "поранений", "поранена", "wounded in action"],
    "died_of_wounds": ["died of wounds", "dow", "d.o.w", "умер от ран", "умерла от ран",
                       "скончался от ран", "скончалась от ран", "помер від ран", "померла від ран"],
    "missing": ["missing", "mia", "m.i.a", "missing in action", "пропал без вести",
                "пропала без вести", "бвп", "б/в", "зник безвісти", "зникла безвісти",
                "пропавший без вести"],
    "unknown": ["unknown", "неизвестно", "не известно", "невідомо", "?", "н/д", "n/a"],
}.items():
    for _w in _words:
        _EVENT_BUILTIN[normalize_key(_w)] = _canon

_SEX_BUILTIN: dict[str, str] = {}
for _canon, _words in {
    "M": ["m", "male", "man", "м", "муж", "мужской", "мужчина", "ч", "чол", "чоловік",
          "чоловіча", "чоловічий"],
    "F": ["f", "female", "woman", "ж", "жен", "женский", "женщина", "жін", "жінка", "жіноча",
          "жіночий"],
}.items():
    for _w in _words:
        _SEX_BUILTIN[normalize_key(_w)] = _canon


def builtin_values(field: str) -> dict[str, str]:
    """The built-in value map of ``field`` ('event_type' or 'sex'), keys normalised."""
    if field == "event_type":
        return dict(_EVENT_BUILTIN)
    if field == "sex":
        return dict(_SEX_BUILTIN)
    return {}


_AGE_RX = re.compile(
    r"(?:около|примерно|приблизно|близько|ок\.?|about|approx\.?|circa|ca\.?|~|≈)?\s*"
    r"(?P<n>[-+]?\d+)(?:[.,]0+)?\s*"
    r"(?:лет|год|года|г\.?|р\.?|роки|років|рік|years?\s*old|years?|yrs?\.?|y\.?o\.?)?",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def _parse_age_text(text: str) -> int:
    m = _AGE_RX.fullmatch(" ".join(text.split()))
    if not m:
        raise ValueProblem(f"age {text!r} is not a number of years", "age_format")
    n = int(m.group("n"))
    if not AGE_MIN <= n <= AGE_MAX:
        raise ValueProblem(f"age {n} is outside {AGE_MIN}–{AGE_MAX}", "age_range")
    return n


def parse_age(value: object) -> int | None:
    """Age in whole years, 0–120; approximate spellings ('около 30', '~30', '30 лет') accepted.

    Raises
    ------
    ValueProblem
        'age_format' when not a number, 'age_range' when outside 0–120.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"age {value!r} is not a number of years", "age_format")
    if isinstance(value, int):
        if not AGE_MIN <= value <= AGE_MAX:
            raise ValueProblem(f"age {value} is outside {AGE_MIN}–{AGE_MAX}", "age_range")
        return value
    if isinstance(value, float):
        if value != value or not value.is_integer():
            raise ValueProblem(f"age {value!r} is not a whole number of years", "age_format")
        return parse_age(int(value))
    text = str(value).strip()
    if not text:
        return None
    return _parse_age_text(text)


def parse_int(value: object, what: str, lo: int, hi: int) -> int | None:
    """An integer in ``[lo, hi]`` (birth year, birth month)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        n = int(text)
    except ValueError:
        raise ValueProblem(f"{what} {text!r} is not a whole number", f"{what.replace(' ', '_')}_format") from None
    if not lo <= n <= hi:
        raise ValueProblem(f"{what} {n} is outside {lo}–{hi}", f"{what.replace(' ', '_')}_range")
    return n
