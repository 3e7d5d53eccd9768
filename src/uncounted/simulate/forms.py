"""How a name gets written: case forms, feminine surnames, scripts and typos.

These are the *noise processes* of the simulator, written independently of
:mod:`uncounted.names` so that the generator does not share blind spots with the normaliser
it is used to test.

* Genitive case: a morgue's body label reads "(тело) Иванова Александра Петровича".  The
  rules follow the standard declension of Russian personal names (Rosenthal, *Справочник по
  правописанию и литературной правке*, §§ on surnames): possessive surnames in -ов/-ев/-ин/-ын
  take -а; adjectival -ский/-ой take -ого; -ых/-их and Ukrainian -енко/-ко do not decline;
  given names follow the noun declension (Сергей → Сергея, Игорь → Игоря, Илья → Ильи,
  Пётр → Петра with the fleeting vowel); patronymics in -ич take -а.
* Latin scripts: the Russian romanisations come from :mod:`iuliia` (ICAO Doc 9303 as in
  passports since 2013, BGN/PCGN, the Wikipedia system); Belarusian names are romanised with
  the Belarusian passport conventions (Аляксандр → Aliaksandr, Іваноў → Ivanou), implemented
  here from the published letter table.
* Typos: one keyboard/handwriting edit (substitute a visually or phonetically close letter,
  drop or double a letter, swap two adjacent letters), the error classes of Damerau (1964).
"""

from __future__ import annotations

from functools import lru_cache

import iuliia
import numpy as np

__all__ = [
    "belarusian_latin",
    "feminine_surname",
    "genitive_given",
    "genitive_patronymic",
    "genitive_surname",
    "romanise",
    "to_belarusian_surname",
    "typo",
]

_SIBILANT_VELAR = set("гкхжшчщ")
_INDECLINABLE_ENDINGS = ("ых", "их", "енко", "ко", "о", "е", "и", "у", "ю", "э")


def genitive_surname(surname: str, sex: str = "M") -> str:
    """Genitive of a Russian surname (nominative in, genitive out).

    Examples
    --------
    >>> genitive_surname("Иванов"), genitive_surname("Высоцкий"), genitive_surname("Черных")
    ('Иванова', 'Высоцкого', 'Черных')
    >>> genitive_surname("Иванова", "F"), genitive_surname("Шевчук", "F")
    ('Ивановой', 'Шевчук')
    """
    s = surname
    low = s.lower()
    if not s or low.endswith(_INDECLINABLE_ENDINGS):
        return s
    if sex == "F":
        if low.endswith(("ская", "цкая", "ая")):
            return s[:-2] + "ой"
        if low.endswith(("ова", "ева", "ёва", "ина", "ына")):
            return s[:-1] + "ой"
        if low.endswith("а"):
            return s[:-1] + ("и" if low[-2:-1] in _SIBILANT_VELAR else "ы")
        return s  # consonant-final feminine surnames (Шевчук) do not decline
    if low.endswith(("ский", "цкий", "ой", "ый", "ий")):
        return s[:-2] + "ого"
    if low.endswith(("ь", "й")):
        return s[:-1] + "я"
    if low.endswith("а"):
        return s[:-1] + ("и" if low[-2:-1] in _SIBILANT_VELAR else "ы")
    if low.endswith("я"):
        return s[:-1] + "и"
    return s + "а"


_GIVEN_GENITIVE_EXCEPTIONS = {"Пётр": "Петра", "Павел": "Павла", "Лев": "Льва",
                              "Любовь": "Любови", "Али": "Али", "Доржи": "Доржи"}


def genitive_given(given: str, sex: str = "M") -> str:
    """Genitive of a given name.

    Examples
    --------
    >>> [genitive_given(x) for x in ("Александр", "Сергей", "Игорь", "Илья", "Никита", "Пётр")]
    ['Александра', 'Сергея', 'Игоря', 'Ильи', 'Никиты', 'Петра']
    >>> genitive_given("Ольга", "F"), genitive_given("Мария", "F")
    ('Ольги', 'Марии')
    """
    if given in _GIVEN_GENITIVE_EXCEPTIONS:
        return _GIVEN_GENITIVE_EXCEPTIONS[given]
    low = given.lower()
    if not given:
        return given
    if low.endswith(("й", "ь")):
        return given[:-1] + "я"
    if low.endswith("а"):
        return given[:-1] + ("и" if low[-2:-1] in _SIBILANT_VELAR else "ы")
    if low.endswith("я"):
        return given[:-1] + "и"
    if low[-1] in "оеиуюэ":
        return given
    if sex == "F":
        return given
    return given + "а"


def genitive_patronymic(patronymic: str) -> str:
    """Genitive of a patronymic (Петрович → Петровича, Петровна → Петровны)."""
    if patronymic.endswith("ич"):
        return patronymic + "а"
    if patronymic.endswith("на"):
        return patronymic[:-1] + "ы"
    return patronymic


def feminine_surname(surname: str) -> str:
    """Feminine form of a masculine surname (Иванов → Иванова, Высоцкий → Высоцкая)."""
    low = surname.lower()
    if low.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if low.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if low.endswith("ой"):
        return surname[:-2] + "ая"
    return surname


_SCHEMES = {
    "icao": iuliia.ICAO_DOC_9303,
    "bgn": iuliia.BGN_PCGN,
    "wikipedia": iuliia.WIKIPEDIA,
    "mvd": iuliia.MVD_782,
}


@lru_cache(maxsize=200_000)
def romanise(text: str, scheme: str = "icao") -> str:
    """Romanise Russian Cyrillic with one named system.

    Parameters
    ----------
    text : str
        Russian text.
    scheme : {"icao", "bgn", "wikipedia", "mvd"}
        ICAO Doc 9303 (Russian passports since 2013), BGN/PCGN (without its ë and with the
        apostrophe for ь dropped, as most English-language lists do), the Wikipedia system,
        or MVD order 782 (passports 2010-2013).
    """
    if scheme == "bgn":
        text = text.replace("ё", "е").replace("Ё", "Е")
        return str(_SCHEMES[scheme].translate(text)).replace("’", "")
    return str(_SCHEMES[scheme].translate(text))


_BY_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "h", "д": "d", "ж": "zh", "з": "z", "і": "i", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ў": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "ы": "y", "ь": "", "'": "", "э": "e", "ґ": "g",
}
_BY_IOTATED = {"я": "ia", "е": "e", "ё": "io", "ю": "iu"}
_BY_IOTATED_INITIAL = {"я": "ya", "е": "ye", "ё": "yo", "ю": "yu"}
_BY_VOWELS = set("аеёіиоуыэюяў'ь")


@lru_cache(maxsize=50_000)
def belarusian_latin(text: str) -> str:
    """Romanise Belarusian Cyrillic in the style of Belarusian passports.

    Iotated vowels are ``ia, e, io, iu`` after a consonant (Сяргей → Siarhei) and ``ya, ye, yo, yu`` at the
    start of a word or after a vowel; ``г`` is ``h``, ``ў`` is ``u``; final ``-ый`` is ``-y``.

    Examples
    --------
    >>> belarusian_latin("Аляксандр"), belarusian_latin("Яўген"), belarusian_latin("Юрый")
    ('Aliaksandr', 'Yauhen', 'Yury')
    """
    out: list[str] = []
    low = text.lower()
    for i, ch in enumerate(low):
        prev = low[i - 1] if i else " "
        if ch == "й" and prev == "ы":
            piece = ""
        elif ch in _BY_IOTATED:
            piece = (_BY_IOTATED_INITIAL if (prev in _BY_VOWELS or not prev.isalpha())
                     else _BY_IOTATED)[ch]
        elif ch in _BY_LATIN:
            piece = _BY_LATIN[ch]
        else:
            piece = ch
        if text[i].isupper() and piece:
            piece = piece[0].upper() + piece[1:]
        out.append(piece)
    return "".join(out)


def to_belarusian_surname(surname: str) -> str:
    """Rough Belarusian Cyrillic form of a Russian surname (Иванов → Іваноў, Кузнецов → Кузняцоў).

    Only the regular correspondences: ``и → і``, ``-ов/-ев → -оў/-еў``, ``-ский → -скі``,
    ``е`` after ``ц/ж/ш/ч/р`` is not softened.  Good enough to make realistic noise.
    """
    s = surname.replace("и", "і").replace("И", "І").replace("щ", "шч").replace("Щ", "Шч")
    if s.endswith(("ов", "ев", "ёв")):
        s = s[:-1] + "ў"
    elif s.endswith(("скій", "цкій")):
        s = s[:-2] + "і"
    return s


_CLOSE = {
    "а": "о", "о": "а", "е": "и", "и": "е", "ё": "е", "й": "и", "ш": "щ", "щ": "ш", "ц": "ч",
    "ч": "ц", "б": "п", "п": "б", "д": "т", "т": "д", "з": "с", "с": "з", "в": "ф", "г": "к",
    "к": "г", "л": "п", "н": "п", "ы": "и", "ь": "ъ", "я": "а", "ю": "у",
    "a": "o", "o": "a", "e": "i", "i": "y", "y": "i", "k": "c", "v": "w", "s": "z", "z": "s",
}


def typo(text: str, rng: np.random.Generator) -> str:
    """Apply one random edit (substitution of a close letter, deletion, doubling, transposition).

    The first letter is left alone (it is rarely misread and keeps initials meaningful).
    """
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(0, 4))
    ch = text[i]
    if kind == 0 and ch.lower() in _CLOSE:
        rep = _CLOSE[ch.lower()]
        return text[:i] + (rep.upper() if ch.isupper() else rep) + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i + 1:]
    if kind == 2:
        return text[:i] + ch + text[i:]
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]
