"""Grammatical case: oblique forms of Russian and Ukrainian names back to the nominative.

Hospital notes and orders write names in the genitive, dative or instrumental ("Иванова
Александра Петровича", "Ивановой Марии", "Шевченком"). pymorphy3 (Korobov 2015, "Morphological
Analyzer and Generator for Russian and Ukrainian Languages", AIST) analyses each word with the
OpenCorpora (ru) and LanguageTool/VESUM (uk) dictionaries and inflects it back; we keep only
analyses tagged as the right name part (``Surn``, ``Name``, ``Patr``) and, when the sex is known,
of the right gender: "Иванова" is a male genitive for a man and a female nominative for a
woman.  Analysis is slow (~15,000 words/s), so results are memoised per distinct
(word, role, sex) and words that cannot be oblique forms are skipped without analysis.

Belarusian has no pymorphy3 dictionary; Belarusian words are left as written.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Literal

from uncounted.names.declension import surname_nominative

__all__ = ["to_nominative", "Role"]

log = logging.getLogger(__name__)

Role = Literal["family", "given", "patronymic"]
_ROLE_TAG = {"family": "Surn", "given": "Name", "patronymic": "Patr"}
_UK_ONLY = frozenset("іїєґ'")
_BE_ONLY = frozenset("ўэ")
# Words ending in these letters can be oblique-case forms; others (Иванов, Ковальчук,
# Петрович) are nominative masculine and need no analysis.
_OBLIQUE_LAST = frozenset("аяуюоеиыйміїє")


@lru_cache(maxsize=2)
def _analyzer(lang: str) -> Any:
    import pymorphy3  # imported lazily: loading a dictionary takes ~0.3 s

    return pymorphy3.MorphAnalyzer(lang=lang)


def _restore_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _gender_ok(tag: Any, sex: str | None) -> bool:
    g = _gender(tag)
    if sex == "M":
        return g in ("masc", "ms-f", None)
    if sex == "F":
        return g in ("femn", "ms-f", None)
    return True


def _gender(tag: Any) -> str | None:
    # pymorphy3 tag attributes validate comparisons; compare plain strings instead
    if "ms-f" in str(tag):
        return "ms-f"
    g = tag.gender
    return None if g is None else str(g)


def _sex_of(tag: Any) -> str | None:
    return {"masc": "M", "femn": "F"}.get(_gender(tag) or "")


def _is_name_parse(p: Any, role: Role) -> bool:
    if _ROLE_TAG[role] in p.tag:
        return True
    # The uk dictionary lacks the Name tag on some given names (марії -> марія, inan):
    # accept a noun analysis whose lemma is a known given name.
    if role == "given" and "NOUN" in p.tag:
        from uncounted.names.aliases import lookup_given

        return lookup_given(p.normal_form) is not None
    return False


@lru_cache(maxsize=200_000)
def _parses(word: str, lang: str) -> tuple[Any, ...]:
    """All pymorphy3 analyses of a word, memoised: the analyser is the slow step and the
    same word is analysed for several roles and sexes."""
    return tuple(p for p in _analyzer(lang).parse(word) if "plur" not in p.tag)


def _analyse(word: str, role: Role, sex: str | None, lang: str) -> tuple[str, str | None] | None:
    parses = [p for p in _parses(word, lang) if _is_name_parse(p, role)]
    if not parses:
        return None
    fitting = [p for p in parses if _gender_ok(p.tag, sex)]
    if not fitting:
        return None
    genders = {_sex_of(p.tag) for p in fitting}
    if any("nomn" in p.tag for p in fitting):
        nom_genders = {_sex_of(p.tag) for p in fitting if "nomn" in p.tag}
        g = nom_genders.pop() if len(nom_genders) == 1 else None
        return word, g
    best = max(fitting, key=lambda p: p.score)
    infl = best.inflect({"nomn"})
    lemma = infl.word if infl is not None else best.normal_form
    g = genders.pop() if len(genders) == 1 else None
    return lemma, g


@lru_cache(maxsize=300_000)
def to_nominative(word: str, role: Role, sex: str | None = None, oblique: bool = False
                  ) -> tuple[str, str | None]:
    """Return the nominative of a name part and the sex its form implies.

    Parameters
    ----------
    word : str
        One Cyrillic word (other scripts are returned unchanged).
    role : {'family', 'given', 'patronymic'}
        Which name part the word is; only analyses tagged with that part are used.
    sex : {'M', 'F', None}
        Known sex; restricts analyses to that gender ("Иванова" + 'M' -> "Иванов").
    oblique : bool
        The rest of the name is in an oblique case (inflected patronymic or given name);
        lets the declension rules strip endings of consonant-final surnames (Мельника).

    Returns
    -------
    (str, str or None)
        The nominative in the input's letter case, and ``'M'``/``'F'`` when the form itself
        shows the sex (Ивановой -> F), else ``None``.

    Examples
    --------
    >>> to_nominative("Ивановой", "family")
    ('Иванова', 'F')
    >>> to_nominative("Иванова", "family", "M")
    ('Иванов', 'M')
    """
    if not word or len(word) < 2:
        return word, None
    low = word.lower()
    if not any("\u0400" <= c <= "\u04ff" for c in low) or _BE_ONLY & set(low):
        return word, None
    if low[-1] not in _OBLIQUE_LAST:
        return word, None
    if role == "family":
        ruled = surname_nominative(word, sex, oblique)
        if ruled is not None:
            return ruled
    langs = ("uk",) if _UK_ONLY & set(low) else ("ru", "uk")
    for lang in langs:
        try:
            res = _analyse(low, role, sex, lang)
        except Exception:  # noqa: BLE001 - a dictionary problem must not stop key building
            log.warning("pymorphy3 (%s) failed on %r", lang, word, exc_info=True)
            res = None
        if res is not None:
            return _restore_case(res[0], word), res[1]
    return word, None
