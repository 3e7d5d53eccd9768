"""One military unit written two ways: its number ("в/ч 97669") and its name ("37 омсбр").

Why learn it from the lists: a morgue log or a monitoring group writes the unit's number, a
media report the formation's name, and nothing in the two strings says they are one unit.  The
comparison then counts the pair as disagreeing (about −1 bit), and a surname-only record, whose
unit is one of its few fields, is pushed below the threshold by it.  Public tables of unit
numbers exist but are incomplete, and a project should not depend on one; the lists themselves
say which numbers go with which names: records that agree on a full name *and* a third field
(patronymic, year of birth or event date) are almost always one person, and when such pairs
write one unit as a number and the other as a name again and again, the two are the same unit.

The learned groups become ``unit_canon``: one token per group, compared by the model's unit
level "same unit (number and name, learned from the lists)".  Nothing is merged by it on its
own; it is one more level whose weight EM estimates like any other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MIN_PAIRS", "MIN_SHARE", "learn_unit_aliases", "unit_canon", "unit_tokens"]

#: Fields that, with the family and given name keys, make a pair of records confident enough
#: to learn from.
CONFIDENT_KEYS = ("patronymic_key", "birth_year_est", "event_start")
#: A full name + field shared by more records than this is a namesake block: not used.
MAX_BLOCK = 6
#: Two units are taken as one when at least this many confident pairs write one as the other...
MIN_PAIRS = 3
#: ... and these pairs are at least this share of the confident pairs that write either unit
#: with some other unit (namesakes in different units spread over many units; a number and
#: its formation's name concentrate on each other), or half this share when each of the two
#: units is the other's most frequent partner.  (The large units' many namesakes bring a
#: number's share with its name down to 0.44-0.47 at 20,000 records of the generator, where
#: the largest share of two different units is 0.18.)
MIN_SHARE = 0.5


def unit_tokens(table: pd.DataFrame) -> pd.Series:
    """A record's unit as one token: its number when it has one, else its text key.

    "в/ч 97669" and "military unit 97669" are both ``"97669"``; "37 омсбр" and "37-я отдельная
    мотострелковая бригада" are both ``"37"``; "Росгвардия" stays ``"росгвардия"``.
    """
    num = pd.to_numeric(table["unit_num"], errors="coerce")
    tok = num.map(lambda x: None if pd.isna(x) else str(int(x))).astype(object)
    key = table["unit_key"].astype(object)
    return tok.where(tok.notna(), key).where(lambda s: s.notna(), None)


def _confident_pairs(table: pd.DataFrame, tokens: pd.Series) -> pd.DataFrame:
    """Pairs of records (positions) agreeing on family, given name and one more field."""
    frames = []
    base = table["family_key"].notna() & table["given_key"].notna() & tokens.notna()
    for key in CONFIDENT_KEYS:
        ok = (base & table[key].notna()).to_numpy()
        if ok.sum() < 2:
            continue
        sub = table.loc[ok, ["family_key", "given_key", key]]
        gid = sub.groupby(["family_key", "given_key", key], sort=False).ngroup().to_numpy()
        size = np.bincount(gid)
        keep = (size[gid] >= 2) & (size[gid] <= MAX_BLOCK)
        g = pd.DataFrame({"g": gid[keep], "i": np.flatnonzero(ok)[keep]})
        m = g.merge(g, on="g", suffixes=("_l", "_r"))
        frames.append(m.loc[m.i_l < m.i_r, ["i_l", "i_r"]])
    if not frames:
        return pd.DataFrame({"i_l": [], "i_r": []}, dtype="int64")
    return pd.concat(frames, ignore_index=True).drop_duplicates()


def learn_unit_aliases(table: pd.DataFrame) -> dict[str, str]:
    """Token -> canonical token of its group, for the units the lists show to be one.

    Parameters
    ----------
    table:
        The model table (``family_key``, ``given_key``, the fields of :data:`CONFIDENT_KEYS`,
        ``unit_key``, ``unit_num``), in any order.

    Returns
    -------
    dict
        Only tokens with a learned alias appear; the canonical token of a group is its
        smallest token.
    """
    return _learn(table, unit_tokens(table))


def _learn(table: pd.DataFrame, tokens: pd.Series) -> dict[str, str]:
    """:func:`learn_unit_aliases` with the tokens already computed."""
    tokens = tokens.reset_index(drop=True)
    pairs = _confident_pairs(table.reset_index(drop=True), tokens)
    if pairs.empty:
        return {}
    a = tokens.to_numpy(dtype=object)[pairs["i_l"].to_numpy()]
    b = tokens.to_numpy(dtype=object)[pairs["i_r"].to_numpy()]
    differ = a != b
    if not differ.any():
        return {}
    lo = np.where(a < b, a, b)[differ]
    hi = np.where(a < b, b, a)[differ]
    cross = pd.DataFrame({"a": lo, "b": hi}).value_counts().rename("n").reset_index()
    per_token = pd.concat([cross[["a", "n"]], cross[["b", "n"]].rename(columns={"b": "a"})])
    total = per_token.groupby("a")["n"].sum()
    share_a = cross["n"] / cross["a"].map(total)
    share_b = cross["n"] / cross["b"].map(total)
    best_of = per_token.groupby("a")["n"].max()
    # a tie for the best partner is no evidence of which one is the unit's other name
    ties = per_token[per_token["n"] == per_token["a"].map(best_of)].groupby("a").size()
    unique_best = best_of.where(ties == 1, np.inf)
    mutual = ((cross["n"] == cross["a"].map(unique_best))
              & (cross["n"] == cross["b"].map(unique_best)))
    shares = np.minimum(share_a, share_b)
    good = cross[(cross["n"] >= MIN_PAIRS)
                 & ((shares >= MIN_SHARE) | (mutual & (shares >= MIN_SHARE / 2)))]
    # union-find over the accepted pairs; the smallest token names the group
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for x, y in zip(good["a"], good["b"], strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    return {t: find(t) for t in set(good["a"]) | set(good["b"])}


def unit_canon(table: pd.DataFrame) -> pd.Series:
    """Per record, its unit's canonical token (itself when nothing was learned), or None."""
    tokens = unit_tokens(table)
    aliases = _learn(table, tokens)
    if not aliases:
        return tokens
    return tokens.map(lambda t: aliases.get(t, t) if t is not None else None).astype(object)
