"""Rule-based declension of Russian and Ukrainian names (the fast path before pymorphy3).

pymorphy3 needs ~0.1–1 ms per unknown word (its analogy predictor), and casualty lists hold
tens of thousands of distinct surnames, most of them absent from its dictionary.  But the
oblique forms of the common surname types are regular (Розенталь, *Справочник по правописанию
и литературной правке*, §§ on surnames; Суперанская 1969, *Как вас зовут?*):

* possessive -ов/-ев/-ёв/-ин/-ын: masculine -а, -у, -ым, -е; feminine -ой, -у (accusative);
* adjectival -ский/-цкий (-ская/-цкая): -ого, -ому, -им, -ом; feminine -ой, -ую;
* Ukrainian -енко declined in Ukrainian texts: -енка, -енку, -енком, -енкові;
* consonant-final (Мельник, Шевчук, Бондарь): masculine -а/-я, -у/-ю, -ом/-ем; feminine do
  not decline.

These rules run first; pymorphy3 (:mod:`.case`) is the fallback.  The consonant-final rule is
applied only when the *row* shows an oblique case (an inflected patronymic or given name),
because many nominative surnames end in -а (Сковорода, Кулага).

Given names: :func:`given_oblique_forms` generates the genitive, dative and instrumental
(Russian and Ukrainian endings) of every lexicon form, so an inflected given name is found by
a dictionary look-up instead of an analysis.
"""

from __future__ import annotations

import re

__all__ = ["surname_nominative", "given_oblique_forms", "is_oblique_patronymic"]

_SIB_VELAR = set("гкхжшчщ")
_HUSH = set("жшчщц")
_CONS = set("бвгджзйклмнпрстфхцчшщ")
_OBLIQUE_FINAL = frozenset("аоуюяеймі")

# (ending, replacement, sex it implies, needs sex) — longest first
_POSSESSIVE = ("ов", "ев", "ёв", "ин", "ын")
_IRREGULAR_GIVEN = {"павел": ["павла", "павлу", "павлом", "павле"],
                    "лев": ["льва", "льву", "львом", "льве"],
                    "пётр": ["петра", "петру", "петром", "петре"],
                    "петро": ["петра", "петру", "петром", "петрові"],
                    "любовь": ["любови", "любовью"],
                    "любов": ["любові", "любов'ю"]}

_OBLIQUE_PATR = re.compile(
    r"(?:вич|ич)(?:а|у|ем|ом|е|еві|ові)$|(?:вн|ичн|івн|ївн|аўн|еўн)(?:ы|е|ой|у|ою|и|і|ей|ою)$"
)


def _case_like(new_low: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return new_low.upper()
    if like[:1].isupper():
        return new_low[:1].upper() + new_low[1:]
    return new_low


def is_oblique_patronymic(word: str) -> bool:
    """Whether a Cyrillic patronymic is in an oblique case (Петровича, Петровне, Петрівною)."""
    return _OBLIQUE_PATR.search(word.lower()) is not None


def surname_nominative(word: str, sex: str | None, oblique: bool = False
                       ) -> tuple[str, str | None] | None:
    """Nominative of a Cyrillic surname by rule, or ``None`` when no rule applies.

    Parameters
    ----------
    word : str
        One surname word.
    sex : {'M', 'F', None}
        Known sex.
    oblique : bool
        The row shows an oblique case elsewhere (patronymic or given name); enables the
        rule for consonant-final surnames.

    Returns
    -------
    (str, str or None) or None
        Nominative in the input's letter case and the sex the form implies; ``None`` if the
        word is not a recognisable oblique form (it may be nominative already).
    """
    low = word.lower()
    n = len(low)
    if n < 4 or low[-1] not in _OBLIQUE_FINAL:  # every oblique ending below ends in these
        return None

    def out(stem_len: int, add: str, s: str | None) -> tuple[str, str | None]:
        return _case_like(low[:stem_len] + add, word), s

    for suf in _POSSESSIVE:
        if low.endswith(suf + "ым") and n > len(suf) + 3:
            return out(n - 2, "", "M")
        if low.endswith(suf + "ой") and n > len(suf) + 3:
            return out(n - 2, "а", "F")
        if low.endswith(suf + "а") and n > len(suf) + 2:
            return out(n - 1, "", "M") if sex == "M" else None
        if low.endswith(suf + "у") and n > len(suf) + 2:
            if sex == "M":
                return out(n - 1, "", "M")
            if sex == "F":
                return out(n - 1, "а", "F")
            return None
        if low.endswith(suf + "е") and n > len(suf) + 2 and sex == "M" and oblique:
            return out(n - 1, "", "M")
    for adj in ("ск", "цк"):
        if low.endswith(adj + "ого") or low.endswith(adj + "ому"):
            return out(n - 3, "ий", "M")
        if low.endswith(adj + "им") or low.endswith(adj + "ом"):
            return out(n - 2, "ий", "M")
        if low.endswith(adj + "ой"):
            if sex == "M" and not oblique:
                return None  # Донской, Трубецкой: masculine nominative
            return out(n - 2, "ая", "F")
        if low.endswith(adj + "ую"):
            return out(n - 2, "ая", "F")
    for end in ("енкові", "енком", "енка", "енку"):
        if low.endswith(end) and sex != "F":
            return out(n - len(end), "енко", "M")
    if oblique and sex == "M":
        for end in ("ом", "ем", "ём", "ові", "еві", "а", "я", "у", "ю"):
            if low.endswith(end) and n - len(end) >= 3:
                stem = low[: n - len(end)]
                if stem[-1] in _CONS:
                    soft = end in ("я", "ю", "ем", "ём", "еві") and stem[-1] not in _HUSH
                    return out(n - len(end), "ь" if soft and stem[-1] in "лнр" else "", "M")
    return None


def given_oblique_forms(name: str, sex: str) -> list[str]:
    """Genitive, dative, instrumental (and prepositional) forms of a Cyrillic given name.

    Russian and Ukrainian endings are both produced; forms are lowercase.

    Examples
    --------
    >>> given_oblique_forms("Сергей", "M")[:3]
    ['сергея', 'сергею', 'сергеем']
    """
    low = name.lower()
    if not low or not re.fullmatch(r"[а-яёіїєґў'ʼ-]+", low):
        return []
    if low in _IRREGULAR_GIVEN:
        return list(_IRREGULAR_GIVEN[low])
    last = low[-1]
    stem = low[:-1]
    forms: list[str] = []
    if last in ("а", "я"):
        gen = stem + ("и" if last == "я" or low[-2] in _SIB_VELAR else "ы")
        if last == "я" and low.endswith("ия"):
            forms += [stem + "и", stem + "ей", stem + "ю"]  # Мария: Марии, Марией
        elif last == "я":
            forms += [gen, stem + "е", stem + "ей", stem + "ёй", stem + "ю"]
        else:
            ins = stem + ("ей" if low[-2] in _HUSH else "ой")
            forms += [gen, stem + "е", ins, stem + "у"]
        # Ukrainian: Миколи, Миколі, Миколою; Марії, Марією
        forms += [stem + "и", stem + "і", stem + "ою", stem + "ею", stem + "ї", stem + "єю",
                  stem + "у"]
    elif last in ("й",):
        forms += [stem + "я", stem + "ю", stem + "ем", stem + "е", stem + "єм", stem + "єві"]
        if low.endswith(("ий", "ій", "ый")):
            forms += [stem + "и"]  # prepositional Юрии
    elif last == "ь":
        if sex == "F":
            forms += [stem + "и", stem + "ью"]
        else:
            forms += [stem + "я", stem + "ю", stem + "ем", stem + "е"]
    elif last in _CONS and sex == "M":
        ins = "ем" if last in _HUSH else "ом"
        forms += [low + "а", low + "у", low + ins, low + "е", low + "ові", low + "еві"]
    return [f for f in dict.fromkeys(forms) if f != low]
