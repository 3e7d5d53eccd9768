"""Phonetic key for surnames, computed on the folded key.

We use fonetika's ``RussianMetaphone`` (a Russian adaptation of Philips' Metaphone, Philips
1990, "Hanging on the Metaphone", Computer Language 7(12)): it reduces unstressed vowels
(о/а, е/и/я), devoices final and pre-voiceless consonants and merges doubled letters, which is
exactly the variation between Russian, Ukrainian and Belarusian spellings of one surname
(Новиков / Навікаў, Лукашенко / Лукашэнка).  fonetika only reads Cyrillic (on Latin input it
returns a mixture of scripts), so the folded key, whose alphabet was designed to be
reversible letter by letter, is first mapped back to Cyrillic.  Working on the folded key,
not on the raw string, makes the phonetic key as transliteration-invariant as the key itself.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["phonetic_key", "key_to_cyrillic"]

_BACK = re.compile(r"shch|sh|ch|zh|ts|ju|ja|.")
_BACK_MAP = {
    "shch": "щ", "sh": "ш", "ch": "ч", "zh": "ж", "ts": "ц", "ju": "ю", "ja": "я",
    "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е", "z": "з", "i": "и",
    "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р",
    "s": "с", "t": "т", "u": "у", "f": "ф", " ": " ",
}


_BE_AFFRICATES = re.compile(
    r"дз(?=[еияю])|ц(?=[еияю])|(?<=[бвгджзклмнпрстфхцчшщ])я|(?<=[жшчщ])о"
)


_BE_MAP = {"дз": "д", "ц": "т", "я": "е", "о": "е"}


def key_to_cyrillic(key: str) -> str:
    """Map a folded key back to (normalised) Cyrillic, letter class by letter class."""
    return "".join(_BACK_MAP.get(m, "") for m in _BACK.findall(key))


@lru_cache(maxsize=1)
def _metaphone() -> Any:
    from fonetika.metaphone import RussianMetaphone

    return RussianMetaphone(reduce_word=True)


@lru_cache(maxsize=300_000)
def phonetic_key(key: str) -> str:
    """Return the phonetic key of a folded surname key (lowercase ASCII).

    Parameters
    ----------
    key : str
        Output of :func:`~uncounted.names.script.fold_key`.

    Returns
    -------
    str
        Phonetic code, folded again to ASCII so it is script-free; ``''`` for ``''``.

    Examples
    --------
    >>> phonetic_key("novikov") == phonetic_key("navikav")
    True
    """
    if not key:
        return ""
    m = _metaphone()
    # Belarusian writes дз/ц for Russian д/т before front vowels (Лебедзеў, Цімафей)
    # and я for Russian unstressed е (Пятроў / Петров); о after a hushing consonant is the
    # Russian ё written without dots or the Ukrainian/German spelling (Хрущов, Чорний,
    # Chruschtschow / Хрущёв, Черный)
    cyr = _BE_AFFRICATES.sub(lambda x: _BE_MAP[x.group(0)], key_to_cyrillic(key))
    words = [m.transform(w) for w in cyr.split() if w]
    from uncounted.names.script import fold_key

    return fold_key(" ".join(words).lower().replace("j", "й"))
