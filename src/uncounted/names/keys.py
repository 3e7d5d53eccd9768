"""Vectorised name keys: the columns linkage compares.

:func:`name_keys` works on *distinct values*: names repeat heavily in casualty lists, so every
input column is factorised (``pandas.factorize``), each distinct value is processed once in
Python (with memoised folding, lexicon look-ups and pymorphy3 analyses), and the results are
mapped back to rows with numpy ``take``.  Sex-dependent steps (case forms, ambiguous
diminutives) are computed per distinct (value, sex) pair.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from uncounted.exceptions import InputError
from uncounted.names.aliases import (
    alias_set,
    father_from_patronymic_stem,
    given_form,
    lookup_given,
    sex_of_form,
    stem_of,
)
from uncounted.names.case import to_nominative
from uncounted.names.declension import is_oblique_patronymic, surname_nominative
from uncounted.names.parse import (
    is_placeholder,
    particle_sex,
    patronymic_sex,
    split_name,
    surname_sex,
    token_scores,
)
from uncounted.names.phonetic import phonetic_key
from uncounted.names.script import fold_key, has_cyrillic

__all__ = ["name_keys", "patronymic_key", "family_key", "family_stem", "given_key",
           "INPUT_COLUMNS", "OUTPUT_COLUMNS"]

log = logging.getLogger(__name__)

INPUT_COLUMNS = ("name_raw", "family_name", "given_name", "patronymic", "sex")
OUTPUT_COLUMNS = (
    "family_key", "family_phonetic", "given_key", "given_aliases", "patronymic_key",
    "initials", "sex_inferred", "name_order_ok", "family_stem",
)

# Russian feminine surname endings on folded keys -> the masculine form
_FEMININE_END = re.compile(r"(?<=[oe]v)a$|(?<=in)a$")

_PATR_SUFFIX = re.compile(
    r"(?:inichn|[oea]vich|ich|[oe]vn|ichn|ivn|avn|jvn|[ae]un)(?:a|u|em|om|e|ij|i|oj|oju)?$"
)
_PATR_SHORT = re.compile(r"(?:ich|ichn)(?:a|u|em|om|e|ij|i|oj|oju)?$")
_SEX_CODE = {"M": 1, "F": 2}
_SEX_STR = np.array([None, "M", "F"], dtype=object)
_SEX_NAMES: tuple[str | None, ...] = (None, "M", "F")
_SEX_WORDS = {
    "m": 1, "male": 1, "man": 1, "м": 1, "муж": 1, "мужской": 1, "ч": 1, "чол": 1,
    "f": 2, "female": 2, "woman": 2, "ж": 2, "жен": 2, "женский": 2, "жін": 2, "w": 2,
}
_WORD_SPLIT = re.compile(r"([\s\-]+)")
_INITIALS_FIELD = re.compile(r"^\s*(?:[^\W\d_]{1,2}\.\s*)+[^\W\d_]?\s*$|^\s*[^\W\d_]\s*$")


@lru_cache(maxsize=200_000)
def patronymic_key(text: str | None) -> str:
    """Key of a patronymic: the father's canonical given name, or the folded stem.

    Петрович, Petrovich, Петровна, Петрівна, Пятровіч and Petrovych all give ``petr``;
    Миколайович and Николаевич give ``nikolaj``.

    Parameters
    ----------
    text : str or None
        A patronymic in any script, case form or sex.

    Returns
    -------
    str
        ``''`` for empty input.
    """
    if not text:
        return ""
    if particle_sex(text) is not None and len(text.split()) > 1:
        father = lookup_given(text.split()[0])  # "Гасан оглы": the father's name itself
        return father.key if father is not None else fold_key(text.split()[0])
    k = fold_key(text.split()[0])
    m = _PATR_SUFFIX.search(k)
    if m is not None and m.start() < 2:  # Саввич: "s|avich" is wrong, "sav|ich" is right
        m = _PATR_SHORT.search(k)
    if m is None or m.start() == 0:
        return k
    stem = k[: m.start()]
    father = father_from_patronymic_stem(stem)
    return father.key if father is not None else stem_of(stem)


_LOOKS_OBLIQUE = re.compile(r"(?:ого|его|ому|ему|ым|им|ой|ей|ую|юю)$")


@lru_cache(maxsize=300_000)
def family_key(text: str | None, sex: str | None = None, oblique: bool = False) -> str:
    """Folded key of a family name, after bringing Cyrillic oblique forms to the nominative.

    Declension rules (:mod:`.declension`) come first; pymorphy3 is asked only about words
    that still look oblique (-ого, -ому, -ым, -ой ...) or when the row is oblique.
    """
    if not text:
        return ""
    if has_cyrillic(text):
        parts = _WORD_SPLIT.split(text.strip())
        text = "".join(
            p if (i % 2 or not p) else _family_word(p, sex, oblique)
            for i, p in enumerate(parts)
        )
    return fold_key(text)


def family_stem(key: str) -> str:
    """Sex-neutral family key: feminine Russian endings to the masculine form.

    ``ivanova`` -> ``ivanov``, ``kovalska`` -> ``kovalskij``, Belarusian ``lukashenka`` ->
    ``lukashenko``; other keys unchanged.  Lets
    linkage compare records whose sex (and so the surname form) is wrong or ambiguous
    ("Кузнецова Александра": a woman in the nominative or a man in the genitive).
    """
    out = []
    for w in key.split():
        if w.endswith("ska"):
            w = w[:-1] + "ij"
        elif w.endswith("enka"):  # Belarusian Лукашэнка = Лукашенко
            w = w[:-1] + "o"
        else:
            w = _FEMININE_END.sub("", w)
        out.append(w)
    return " ".join(out)


@lru_cache(maxsize=200_000)
def _surname_form_sex(word: str) -> str | None:
    """Sex shown by a surname's form alone (Иванова F, Ивановым M, Бондаря M), else None."""
    if not has_cyrillic(word):
        return surname_sex(word)
    ruled = surname_nominative(word, None)
    if ruled is not None and ruled[1] is not None:
        return ruled[1]
    s = surname_sex(word)
    if s is None and word[-1:].lower() in "яюуа":
        s = to_nominative(word, "family")[1]
    return s


def _family_word(word: str, sex: str | None, oblique: bool) -> str:
    ruled = surname_nominative(word, sex, oblique)
    if ruled is not None:
        return ruled[0]
    if oblique or _LOOKS_OBLIQUE.search(word.lower()):
        return to_nominative(word, "family", sex, oblique)[0]
    return word


@lru_cache(maxsize=300_000)
def _given(text: str, sex: str | None, oblique: bool = False
           ) -> tuple[str, list[str], str | None, bool]:
    """(given_key, aliases, sex of the name, form is oblique) for one given-name value."""
    w0 = text.split()[0]
    gn, form_oblique = given_form(w0, sex)
    if gn is not None:
        return gn.key, list(alias_set(w0, sex) or gn.aliases), gn.sex, form_oblique
    if oblique and sex == "M" and has_cyrillic(w0):
        # unknown masculine name in an oblique row (Баира Аюровича): consonant-stem rule
        ruled = surname_nominative(w0, "M", True)
        if ruled is not None:
            w0 = ruled[0]
    k = fold_key(w0)
    return k, [k] if k else [], None, False


def given_key(text: str | None, sex: str | None = None) -> str:
    """Canonical given-name key (Sasha, Oleksandr, Аляксандр -> ``aleksandr``)."""
    if not text or not text.strip():
        return ""
    return _given(text.strip(), sex)[0]


def _factorize(values: Any, names: bool = True) -> tuple[np.ndarray, list[str | None]]:
    """Codes into cleaned distinct values; the last distinct value is ``None`` (missing).

    Blank strings count as missing, and so do placeholders ("Неизвестный", "н/д") when
    ``names`` is true.  Works on any array-like (arrow-backed strings are
    factorised by arrow itself).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned: list[str | None] = []
    for u in uniques:
        s = str(u).strip() if u is not None else ""
        cleaned.append(None if not s or (names and is_placeholder(s)) else s)
    codes = np.asarray(codes, dtype=np.int64)
    codes[codes < 0] = len(cleaned)
    cleaned.append(None)
    return codes, cleaned


def _sex_codes(values: Any) -> np.ndarray:
    codes, uniques = _factorize(values, names=False)
    table = np.array(
        [_SEX_WORDS.get(u.lower(), 0) if u else 0 for u in uniques], dtype=np.int8
    )
    return table[codes]


def _first_word(s: str | None) -> str | None:
    return s.split()[0] if s else None


class _Tokens:
    """One id space for name-part strings from every column and from parsing."""

    def __init__(self) -> None:
        self.ids: dict[str | None, int] = {None: 0}
        self.values: list[str | None] = [None]

    def id(self, s: str | None) -> int:
        i = self.ids.get(s)
        if i is None:
            i = self.ids[s] = len(self.values)
            self.values.append(s)
        return i

    def map(self, uniques: list[str | None]) -> np.ndarray:
        return np.array([self.id(u) for u in uniques], dtype=np.int64)


def _str_column(uniques: np.ndarray, inv: np.ndarray) -> Any:
    """Row-level string column from per-distinct values, built by arrow (no Python loop)."""
    import pyarrow as pa

    arr = pa.array(list(uniques), type=pa.string()).take(pa.array(inv, type=pa.int64()))
    if int(pd.__version__.split(".")[0]) >= 3:
        return pd.array(arr, dtype="str")
    return arr.to_pandas().to_numpy(dtype=object)  # pragma: no cover - pandas 2


def _col_or_missing(df: pd.DataFrame, name: str) -> Any:
    if name in df.columns:
        return df[name]
    return np.full(len(df), None, dtype=object)


def _as_frame(table: Any) -> pd.DataFrame:
    """Accept a pandas DataFrame, a pyarrow Table or a DuckDB relation."""
    if isinstance(table, pd.DataFrame):
        return table
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pa = None
    if pa is not None and isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    if pa is not None and isinstance(table, pa.Table):
        cols = [c for c in INPUT_COLUMNS if c in table.column_names]
        return table.select(cols).to_pandas() if cols else table.to_pandas()
    if hasattr(table, "arrow") and hasattr(table, "columns"):  # duckdb.DuckDBPyRelation
        return _as_frame(table.arrow())
    raise InputError(
        f"name_keys expects a pandas DataFrame, a pyarrow Table or a DuckDB relation; got "
        f"{type(table).__name__}."
    )


def name_keys(df: pd.DataFrame) -> pd.DataFrame:
    """Turn a table of names into the columns linkage compares.

    Parameters
    ----------
    df : pandas.DataFrame (or pyarrow.Table, or DuckDB relation)
        Any of the columns ``name_raw, family_name, given_name, patronymic, sex`` (missing
        columns and nulls allowed).  When a row has any of the separate name parts, those
        are used and ``name_raw`` is ignored; otherwise ``name_raw`` is parsed.

    Returns
    -------
    pandas.DataFrame
        Row-aligned with ``df`` (same index), columns:

        ``family_key`` (str or null)
            Folded nominative family name.
        ``family_phonetic`` (str or null)
            Metaphone code of ``family_key``.
        ``given_key`` (str or null)
            Canonical given name (folded Russian form: Sasha, Oleksandr -> ``aleksandr``).
        ``given_aliases`` (list of str)
            Folded forms of the canonical name's alias set (shared list objects: do not
            mutate).
        ``patronymic_key`` (str or null)
            Father's canonical name from the patronymic (``petr`` for Петрович).
        ``initials`` (str)
            Initials of given name and patronymic, folded (``ap``).
        ``sex_inferred`` ('M', 'F' or null)
            The ``sex`` field, else from the patronymic, the given name, the surname form.
        ``name_order_ok`` (float)
            Confidence in the family/given assignment (1.0 certain, 0.5 default order or
            swapped fields, NaN when there is no name).
        ``family_stem`` (str or null)
            ``family_key`` with feminine endings made masculine (``ivanova`` -> ``ivanov``),
            for comparisons that must not depend on sex.

    Raises
    ------
    InputError
        If ``df`` is not a DataFrame or has none of the input columns.
    """
    df = _as_frame(df)
    present = [c for c in INPUT_COLUMNS if c in df.columns]
    if not present and len(df.columns):
        raise InputError(
            f"name_keys needs at least one of {', '.join(INPUT_COLUMNS)}; got columns "
            f"{list(df.columns)[:10]}. Rename the name columns or map them at ingest."
        )
    n = len(df)
    tok = _Tokens()
    raw_c, raw_u = _factorize(_col_or_missing(df, "name_raw"))
    fam_c, fam_u = _factorize(_col_or_missing(df, "family_name"))
    giv_c, giv_u = _factorize(_col_or_missing(df, "given_name"))
    pat_c, pat_u = _factorize(_col_or_missing(df, "patronymic"))
    sex_field = _sex_codes(df["sex"]) if "sex" in df.columns else np.zeros(n, np.int8)
    fam_t, giv_t, pat_t = tok.map(fam_u)[fam_c], tok.map(giv_u)[giv_c], tok.map(pat_u)[pat_c]
    has_fields = (fam_t > 0) | (giv_t > 0) | (pat_t > 0)

    # --- swapped separate fields (a given name in the family column and vice versa)
    def _scores(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        size = len(tok.values)
        g = np.zeros(size, np.int8)
        f = np.zeros(size, np.int8)
        for i in np.flatnonzero(np.bincount(ids, minlength=size)):
            w = _first_word(tok.values[i])
            if w:
                g[i], f[i] = token_scores(w)
        return g[ids], f[ids]

    if has_fields.any():
        fg, ff = _scores(fam_t)
        gg, gf = _scores(giv_t)
        swapped = has_fields & (fg == 2) & (ff == 0) & (gf == 2) & (gg == 0)
        if swapped.any():
            fam_t, giv_t = np.where(swapped, giv_t, fam_t), np.where(swapped, fam_t, giv_t)
    else:
        swapped = np.zeros(n, dtype=bool)

    # --- parse name_raw where there are no separate fields
    raw_present = np.array([u is not None for u in raw_u])[raw_c]
    need_parse = ~has_fields & raw_present
    m = len(raw_u)
    pfam = np.zeros(m, np.int64)
    pgiv = np.zeros(m, np.int64)
    ppat = np.zeros(m, np.int64)
    pconf = np.full(m, np.nan)
    pinit_g = np.full(m, "", dtype="<U1")
    pinit_p = np.full(m, "", dtype="<U1")
    if need_parse.any():
        for i in np.flatnonzero(np.bincount(raw_c[need_parse], minlength=m)):
            sp = split_name(raw_u[i])  # type: ignore[arg-type]
            pfam[i], pgiv[i], ppat[i] = tok.id(sp.family), tok.id(sp.given), tok.id(sp.patronymic)
            pconf[i] = sp.confidence
            ini = [fold_key(x)[:1] for x in sp.initials]
            if sp.given is None and ini:
                pinit_g[i] = ini[0]
                if len(ini) > 1:
                    pinit_p[i] = ini[1]
            elif ini and sp.patronymic is None:
                pinit_p[i] = ini[0]
        fam_t = np.where(need_parse, pfam[raw_c], fam_t)
        giv_t = np.where(need_parse, pgiv[raw_c], giv_t)
        pat_t = np.where(need_parse, ppat[raw_c], pat_t)
    # --- separate fields that hold more than their part
    fam_t, giv_t, pat_t = _repair_fields(tok, fam_t, giv_t, pat_t, has_fields & ~need_parse)
    values = tok.values
    size = len(values)

    def _used(ids: np.ndarray) -> np.ndarray:
        return np.flatnonzero(np.bincount(ids, minlength=size))

    # --- sex: field, patronymic, given name (full forms), surname ending, case form
    p_sex = np.zeros(size, np.int8)
    for i in _used(pat_t):
        w = _first_word(values[i])
        if w:
            p_sex[i] = _SEX_CODE.get(particle_sex(values[i]) or patronymic_sex(w) or "", 0)
    g_sex = np.zeros(size, np.int8)
    for i in _used(giv_t):
        w = _first_word(values[i])
        if w:
            g_sex[i] = _SEX_CODE.get(sex_of_form(w) or "", 0)
    sex = sex_field.astype(np.int8)
    for src in (p_sex[pat_t], g_sex[giv_t]):
        sex = np.where(sex == 0, src, sex).astype(np.int8)
    # the surname form, only where nothing else told the sex: ending rules, then pymorphy3
    # for Cyrillic words that may be oblique (Бондаря is only a masculine genitive)
    f_sex = np.zeros(size, np.int8)
    unknown = sex == 0
    if unknown.any():
        for i in np.flatnonzero(np.bincount(fam_t[unknown], minlength=size)):
            u = values[i]
            if u:
                f_sex[i] = _SEX_CODE.get(_surname_form_sex(u.split()[-1]) or "", 0)
        sex = np.where(unknown, f_sex[fam_t], sex).astype(np.int8)

    # --- oblique case shown by the patronymic (Петровича) -> hint for the other parts
    p_obl = np.zeros(size, np.int8)
    for i in _used(pat_t):
        w = _first_word(values[i])
        if w and has_cyrillic(w):
            p_obl[i] = is_oblique_patronymic(w)
    hint = p_obl[pat_t]

    # --- given keys per (given value, sex, hint)
    gcombo, g_inv = _combo(giv_t, sex, hint)
    giv_key = np.empty(len(gcombo), dtype=object)
    giv_alias = np.empty(len(gcombo), dtype=object)
    giv_init = np.full(len(gcombo), "", dtype="<U1")
    giv_init2 = np.full(len(gcombo), "", dtype="<U1")  # patronymic initial written there
    giv_obl = np.zeros(len(gcombo), np.int8)
    empty: list[str] = []
    for j, (code, sx, h) in enumerate(gcombo):
        u = values[code]
        if u is None:
            giv_key[j], giv_alias[j] = None, empty
            continue
        if _INITIALS_FIELD.match(u):  # "А." or "А.П." in the given-name column
            giv_key[j], giv_alias[j] = None, empty
            letters = [w[:1] for w in fold_key(u).split()]
            giv_init[j] = letters[0] if letters else ""
            giv_init2[j] = letters[1] if len(letters) > 1 else ""
            continue
        k, al, _, obl = _given(u, _SEX_NAMES[sx], bool(h))
        giv_key[j], giv_alias[j], giv_obl[j] = (k or None), al, obl
        giv_init[j] = k[:1]
    hint = hint | giv_obl[g_inv]

    # --- family keys per (family value, sex, hint)
    fcombo, f_inv = _combo(fam_t, sex, hint)
    fam_key = np.empty(len(fcombo), dtype=object)
    fam_ph = np.empty(len(fcombo), dtype=object)
    fam_stem = np.empty(len(fcombo), dtype=object)
    for j, (code, sx, h) in enumerate(fcombo):
        u = values[code]
        k = family_key(u, _SEX_NAMES[sx], bool(h)) if u else ""
        fam_key[j] = k or None
        fam_ph[j] = phonetic_key(k) or None
        fam_stem[j] = family_stem(k) or None

    # --- patronymic keys per value
    pat_key = np.full(size, None, dtype=object)
    pat_init = np.full(size, "", dtype="<U1")
    for i in _used(pat_t):
        u = values[i]
        if u and _INITIALS_FIELD.match(u):
            pat_init[i] = fold_key(u)[:1]
            continue
        k = patronymic_key(u)
        pat_key[i] = k or None
        pat_init[i] = k[:1]

    init_g = giv_init[g_inv]
    init_g = np.where(init_g == "", pinit_g[raw_c], init_g)
    init_p = pat_init[pat_t]
    init_p = np.where(init_p == "", giv_init2[g_inv], init_p)
    init_p = np.where(init_p == "", pinit_p[raw_c], init_p)
    ini_codes, ini_u = pd.factorize(np.char.add(init_g, init_p))

    order = np.where(need_parse, pconf[raw_c], np.where(has_fields, 1.0, np.nan))
    order = np.where(swapped, 0.5, order)

    return pd.DataFrame(
        {
            "family_key": _str_column(fam_key, f_inv),
            "family_phonetic": _str_column(fam_ph, f_inv),
            "given_key": _str_column(giv_key, g_inv),
            "given_aliases": pd.Series(giv_alias[g_inv], dtype=object, index=df.index),
            "patronymic_key": _str_column(pat_key, pat_t),
            "initials": _str_column(np.asarray(ini_u, dtype=object), ini_codes),
            "sex_inferred": _str_column(_SEX_STR, sex.astype(np.int64)),
            "name_order_ok": order.astype(float),
            "family_stem": _str_column(fam_stem, f_inv),
        },
        index=df.index,
    )


def _repair_fields(tok: _Tokens, fam_t: np.ndarray, giv_t: np.ndarray, pat_t: np.ndarray,
                   rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fix separate fields that hold more than their part.

    * the whole name in the family column (given and patronymic empty): parsed, if the
      parse finds a lexicon given name or a patronymic ("Иванов Иван Иванович");
    * given name and patronymic together in the given column, patronymic empty
      ("Александр Петрович").
    """
    size = len(tok.values)
    fam_only = rows & (fam_t > 0) & (giv_t == 0) & (pat_t == 0)
    if fam_only.any():
        new_f = np.arange(size, dtype=np.int64)
        new_g = np.zeros(size, np.int64)
        new_p = np.zeros(size, np.int64)
        for i in np.flatnonzero(np.bincount(fam_t[fam_only], minlength=size)):
            v = tok.values[i]
            if v is None or len(v.split()) < 2:
                continue
            sp = split_name(v)
            if sp.given and (sp.patronymic or token_scores(sp.given.split()[0])[0] == 2):
                new_f[i], new_g[i], new_p[i] = (tok.id(sp.family), tok.id(sp.given),
                                                tok.id(sp.patronymic))
        size2 = len(tok.values)
        pad = size2 - size
        if pad:
            new_f = np.concatenate([new_f, np.arange(size, size2)])
            new_g = np.concatenate([new_g, np.zeros(pad, np.int64)])
            new_p = np.concatenate([new_p, np.zeros(pad, np.int64)])
        fam_t, giv_t, pat_t = (np.where(fam_only, new_f[fam_t], fam_t),
                               np.where(fam_only, new_g[fam_t], giv_t),
                               np.where(fam_only, new_p[fam_t], pat_t))
    giv_patr = rows & (giv_t > 0) & (pat_t == 0)
    if giv_patr.any():
        size = len(tok.values)
        split_g = np.arange(size, dtype=np.int64)
        split_p = np.zeros(size, np.int64)
        for i in np.flatnonzero(np.bincount(giv_t[giv_patr], minlength=size)):
            v = tok.values[i]
            ws = v.split() if v else []
            if len(ws) >= 2 and patronymic_sex(ws[-1]) is not None:
                split_g[i], split_p[i] = tok.id(" ".join(ws[:-1])), tok.id(ws[-1])
        size2 = len(tok.values)
        if size2 > size:
            split_g = np.concatenate([split_g, np.arange(size, size2)])
            split_p = np.concatenate([split_p, np.zeros(size2 - size, np.int64)])
        giv_t, pat_t = (np.where(giv_patr, split_g[giv_t], giv_t),
                        np.where(giv_patr, split_p[giv_t], pat_t))
    return fam_t, giv_t, pat_t


def _combo(codes: np.ndarray, sex: np.ndarray, hint: np.ndarray
           ) -> tuple[list[tuple[int, int, int]], np.ndarray]:
    """Distinct (code, sex, oblique hint) triples and the inverse map to rows."""
    key = codes.astype(np.int64) * 6 + sex.astype(np.int64) * 2 + hint.astype(np.int64)
    inv, uniq = pd.factorize(key)
    triples = [(int(u) // 6, (int(u) % 6) // 2, int(u) % 2) for u in uniq]
    return triples, inv
