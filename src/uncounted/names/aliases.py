"""Given-name lexicon: canonical names, diminutives and cross-language equivalents.

The data file ``data/given_names.tsv`` (format in docs/names.md) lists Russian canonical
given names with their Ukrainian and Belarusian equivalents, diminutives and other spellings.
Every form is reduced with :func:`~uncounted.names.script.fold_key`, so Latin spellings that
the folding already merges need not be listed.

A folded form can belong to several names (Саша: Александр and Александра; Слава: Вячеслав,
Владислав, Ярослав ...).  :func:`lookup_given` resolves such a form by sex first, then prefers
the name whose *full* form it is over one where it is a diminutive, then file order (the
most frequent reading is listed first).

Ukrainian Cyrillic forms missing from the file are translated to Russian with
``names_translator`` (its dictionaries map e.g. Олексій -> Алексей), then looked up again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from uncounted.exceptions import InputError
from uncounted.names.declension import given_oblique_forms
from uncounted.names.script import fold_key, fold_token, has_cyrillic

__all__ = [
    "GivenName",
    "alias_set",
    "lexicon",
    "lookup_given",
    "given_form",
    "sex_of_form",
    "father_from_patronymic_stem",
    "stem_of",
]

log = logging.getLogger(__name__)

_KIND_CANONICAL, _KIND_EQUIVALENT, _KIND_DIMINUTIVE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class GivenName:
    """One canonical given name.

    Attributes
    ----------
    name : str
        Canonical (Russian) form, e.g. ``'Александр'``.
    key : str
        ``fold_key(name)``, the ``given_key`` linkage compares.
    sex : str
        ``'M'`` or ``'F'``.
    aliases : tuple of str
        Sorted folded keys of the forms of this name (canonical, equivalents, diminutives,
        spellings) that belong to no other name, plus the canonical key; so membership of
        another record's ``given_key`` and intersection of two alias sets both work.
    """

    name: str
    key: str
    sex: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Lexicon:
    names: tuple[GivenName, ...]
    index: dict[str, tuple[tuple[int, int], ...]]  # folded form -> ((name idx, kind), ...)
    stems: dict[str, int]  # patronymic stem -> male name idx
    by_key: dict[str, int]
    oblique: dict[str, tuple[tuple[int, int], ...]]  # folded oblique form -> ((idx, kind), ...)


def stem_of(key: str) -> str:
    """Strip trailing vowels and ``j`` from a folded name: the base a patronymic builds on.

    Николай/Микола/Nikolaj -> ``nikol``/``mikol``; Юрий -> ``jur``; Илья -> ``il``.
    """
    return key.rstrip("aeiouj") or key


def _split(field: str) -> list[str]:
    return [x.strip() for x in field.split(",") if x.strip()]


@lru_cache(maxsize=1)
def lexicon() -> _Lexicon:
    """Load and index ``data/given_names.tsv`` (once per process)."""
    text = resources.files("uncounted.names").joinpath("data/given_names.tsv").read_text(
        encoding="utf-8"
    )
    names: list[GivenName] = []
    index: dict[str, list[tuple[int, int]]] = {}
    oblique: dict[str, list[tuple[int, int]]] = {}
    stems: dict[str, int] = {}
    header_seen = False
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if not header_seen:
            header_seen = True
            continue
        fields += [""] * (6 - len(fields))
        name, sex, uk, be, dims, other = (f.strip() for f in fields[:6])
        if sex not in ("M", "F") or not name:
            raise InputError(
                f"given_names.tsv line {lineno}: expected 'name<TAB>M|F<TAB>...', got {line!r}"
            )
        idx = len(names)
        forms: list[tuple[str, int]] = [(name, _KIND_CANONICAL)]
        forms += [(x, _KIND_EQUIVALENT) for x in _split(uk) + _split(be) + _split(other)]
        forms += [(x, _KIND_DIMINUTIVE) for x in _split(dims)]
        # patronymics are built on the full Cyrillic forms only: "Alex" (other) must not
        # claim the stem of Алексеевич
        stem_forms = {fold_key(x) for x in [name, *_split(uk), *_split(be)]}
        keys: set[str] = set()
        for form, kind in forms:
            k = fold_key(form)
            if not k:
                continue
            keys.add(k)
            entries = index.setdefault(k, [])
            if all(e[0] != idx for e in entries):
                entries.append((idx, kind))
            if sex == "M" and k in stem_forms:
                stems.setdefault(stem_of(k), idx)
            for obl in given_oblique_forms(form, sex):
                ok = fold_key(obl)
                entries = oblique.setdefault(ok, [])
                if all(e[0] != idx for e in entries):
                    entries.append((idx, kind))
        names.append(GivenName(name, fold_key(name), sex, tuple(sorted(keys))))
    # A form shared by two names (Саша: Александр and Александра; Гоша: Георгий, Игорь,
    # Егор) identifies neither, so it is left out of both alias sets: then two records'
    # alias sets intersect only when their names can be the same name, and an ambiguous
    # form gets the union of its candidates' sets (alias_set).  The canonical key stays.
    names = [
        GivenName(n.name, n.key, n.sex,
                  tuple(sorted(a for a in n.aliases if a == n.key or len(index[a]) == 1)))
        for n in names
    ]
    frozen = {k: tuple(v) for k, v in index.items()}
    frozen_obl = {k: tuple(v) for k, v in oblique.items()}
    by_key: dict[str, int] = {}
    for i, n in enumerate(names):
        by_key.setdefault(n.key, i)
    log.debug("given-name lexicon: %d names, %d forms", len(names), len(frozen))
    return _Lexicon(tuple(names), frozen, stems, by_key, frozen_obl)


def _candidates(key: str, sex: str | None, oblique: bool = False
                ) -> list[tuple[int, GivenName]]:
    lex = lexicon()
    entries = (lex.oblique if oblique else lex.index).get(key)
    if not entries:
        return []
    cands = [(kind, i) for i, kind in entries]
    if sex in ("M", "F"):
        same = [c for c in cands if lex.names[c[1]].sex == sex]
        cands = same or cands
    cands.sort()
    return [(kind, lex.names[i]) for kind, i in cands]


def _resolve(key: str, sex: str | None) -> GivenName | None:
    cands = _candidates(key, sex)
    return cands[0][1] if cands else None


@lru_cache(maxsize=100_000)
def alias_set(token: str, sex: str | None = None) -> tuple[str, ...]:
    """Alias set to compare a given-name form with.

    The canonical name's aliases; for a diminutive shared by several names (Слава:
    Вячеслав, Владислав, Ярослав, Станислав ...; Саша without a known sex: Александр and
    Александра) the union of their alias sets, so that neither membership nor intersection
    tests depend on which reading was chosen.
    """
    found = lookup_given(token, sex)
    if found is None:
        return ()
    cands = _candidates(fold_key(token), sex)
    if len(cands) > 1 and cands[0][0] == _KIND_DIMINUTIVE:
        out: set[str] = set()
        for kind, g in cands:
            if kind == _KIND_DIMINUTIVE and (sex is None or g.sex == sex):
                out.update(g.aliases)
        return tuple(sorted(out))
    return found.aliases


@lru_cache(maxsize=1)
def _translator() -> object | None:
    try:
        from names_translator import Transliterator
    except ImportError:  # pragma: no cover - dependency is installed with the package
        log.warning("names_translator is not installed; Ukrainian fallback disabled")
        return None
    return Transliterator()


_UK_LETTERS = frozenset("іїєґІЇЄҐ'")
# Russian/Ukrainian diminutive suffixes, on folded keys, longest first
_DIMINUTIVE_SUFFIXES = ("ushka", "ochka", "echka", "onka", "enka", "chik", "ka", "ik", "ok",
                        "ko", "us")


@lru_cache(maxsize=200_000)
def given_form(token: str, sex: str | None = None, translate: bool = True
               ) -> tuple[GivenName | None, bool]:
    """Find the canonical name of a given-name form and say whether the form is oblique.

    Nominative forms (full names, equivalents, diminutives) are looked up first; when none
    fits the sex, the generated genitive/dative/instrumental forms are tried (Александра +
    'M' -> Александр, oblique).  Ukrainian forms missing from the file go through
    ``names_translator`` unless ``translate`` is false (it is slow; word scoring skips it).

    Returns
    -------
    (GivenName or None, bool)
        The name (``None`` if unknown) and ``True`` if ``token`` is an oblique-case form.
    """
    key = fold_key(token)
    if not key:
        return None, False
    nom = _candidates(key, sex)
    if nom and (sex is None or nom[0][1].sex == sex):
        return nom[0][1], False
    if has_cyrillic(token):
        obl = _candidates(key, sex, oblique=True)
        if obl and (sex is None or obl[0][1].sex == sex or not nom):
            return obl[0][1], True
    if nom:
        return nom[0][1], False
    # a productive hypocoristic suffix on a known name (Аяска, Азатик, Петрусик)
    for suf in _DIMINUTIVE_SUFFIXES:
        if key.endswith(suf) and len(key) - len(suf) >= 3:
            base = _candidates(key[: -len(suf)], sex)
            if base and (sex is None or base[0][1].sex == sex):
                return base[0][1], False
    if not translate:
        return None, False
    if any(c in _UK_LETTERS for c in token):
        tr = _translator()
        if tr is not None:
            try:
                variants = tr.transliterate(  # type: ignore[attr-defined]
                    "", token, "", include_original_name=False,
                    use_russian_transliteration=False, use_ukrainian_transliteration=False,
                )
            except Exception:  # noqa: BLE001 - third-party failure must not stop keys
                log.debug("names_translator failed on %r", token, exc_info=True)
                variants = set()
            for v in sorted(variants):
                found = _resolve(fold_key(v), sex)
                if found is not None:
                    return found, False
    # last resort: a full form with the same phonetic code (Belarusian akanye in Latin,
    # "Salbon" for Солбон), only where that code belongs to one name of that sex
    i = _phonetic_index().get((_phon(key), sex or ""))
    if i is not None:
        return lexicon().names[i], False
    return None, False


def _phon(key: str) -> str:
    from uncounted.names.phonetic import phonetic_key

    return phonetic_key(key)


@lru_cache(maxsize=1)
def _phonetic_index() -> dict[tuple[str, str], int]:
    """(phonetic code of a full form, sex or '') -> name index, unambiguous codes only."""
    lex = lexicon()
    seen: dict[tuple[str, str], set[int]] = {}
    for form, entries in lex.index.items():
        for idx, kind in entries:
            if kind == _KIND_DIMINUTIVE or len(form) < 4:
                continue
            code = _phon(form)
            for sx in ("", lex.names[idx].sex):
                seen.setdefault((code, sx), set()).add(idx)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def lookup_given(token: str, sex: str | None = None) -> GivenName | None:
    """Find the canonical given name of a form (any script, diminutive, full or inflected).

    Parameters
    ----------
    token : str
        One given name as written.
    sex : {'M', 'F', None}
        Used to choose between names sharing a form (Саша, Женя, Валя) and between a
        feminine nominative and a masculine genitive (Александра).

    Returns
    -------
    GivenName or None
        ``None`` when the form is not in the lexicon.
    """
    return given_form(token, sex)[0]


@lru_cache(maxsize=200_000)
def sex_of_form(token: str) -> str | None:
    """The sex of a given-name form when every name it can stand for has that sex.

    Толик -> 'M'; Саша, Женя, Валя -> None (male and female names share them).
    """
    key = fold_key(token)
    if not key:
        return None
    # a nominative of one sex can be an oblique form of the other (Александра, Ивана)
    cands = _candidates(key, None) + (
        _candidates(key, None, oblique=True) if has_cyrillic(token) else [])
    if not cands:
        found = given_form(token)[0]
        return found.sex if found is not None else None
    sexes = {g.sex for _, g in cands}
    return sexes.pop() if len(sexes) == 1 else None


def father_from_patronymic_stem(stem: str) -> GivenName | None:
    """Return the father's canonical name for a folded patronymic stem, if known.

    ``'mikolaj'`` (from Миколайович) and ``'nikola'`` (from Николаевич) both give Николай.
    """
    lex = lexicon()
    i = lex.stems.get(stem_of(stem))
    if i is None:
        i = lex.stems.get(stem_of(fold_token(stem)))
    return None if i is None else lex.names[i]
