"""Which pairs of records are scored: blocking keys whose blocks stay small as lists grow.

Why precomputed keys with a cap: a blocking rule is an equi-join, and the pairs it makes grow
with the square of its block sizes.  With realistic name pools the largest blocks of a rule such
as *family name + given name* grow in proportion to the population ("Доржиев Баир" has 500
records at 200,000 and about 2,500 at a million), so a million records made ~175 million
candidate pairs, most of them namesakes that the model then has to reject, and prediction
spilled tens of gigabytes.  Here every rule becomes one integer key column ``blk_<i>``: the
group number of the rule's fields, or NULL when any field is missing **or the group has more
than ``cap`` records**.  A rule then produces at most ``cap - 1`` pairs per record, so the
number of candidate pairs grows linearly with the number of records.

What a cap loses is covered by the narrower rules: a common name's records still meet through
name + year of birth, name + event week and name + patronymic, which split a large block into
small ones.  A record that has nothing but a very common name (more than ``cap``
others like it) is not compared on the name alone; it could not be told from its namesakes
anyway.  The keys are computed once in pandas, so the rules are the same plain equality on
DuckDB and on Spark.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "BLOCK_RULES", "FAMILY_PREFIX", "LONE_FAMILY", "PAIR_FILTERS", "WIDE_RULES", "add_block_keys", "block_columns",
    "blocking_rules",
]

#: Pseudo-field of the surname-only rule: the family key, kept only on the family names that
#: some record carries without any given name or initial.  Monitoring groups often know a
#: casualty's surname alone (from a photograph, a grave, a relative's post), and such a record
#: has no other field that the remaining rules could meet on when its date is missing too.
#: The rule's pairs must involve such a record (:data:`PAIR_FILTERS`), so it adds at most
#: ``cap / 6 - 1`` candidates per surname-only record instead of a whole family name's block.
LONE_FAMILY = "fam_of_lone"
#: Pseudo-field: the first three letters of the phonetic family key.  A monitoring record
#: with a misspelt surname and no given name ("Михеве", a unit, a date) shares no other key
#: with its person's records, but nearly always its date and its surname's first letters.
FAMILY_PREFIX = "fam3"

#: Rules (conjunctions of fields); ``fam`` is the phonetic family key (the raw family string in
#: the plain baseline).  Order matters only for Splink's bookkeeping of which rule found a pair.
#: These first rules are capped at ``cap``; the wide ones below at a sixth of it.
_NARROW_RULES: tuple[tuple[str, ...], ...] = (
    ("fam", "given_key"),
    ("fam", "given_key", "birth_year_est"),
    ("fam", "given_key", "event_wk"),
    ("fam", "given_key", "event_wk2"),
    ("fam", "given_key", "patronymic_key"),
    ("fam", "given_init", "birth_year_est"),
    ("fam", "given_init", "event_start"),
    ("family_key", "event_start"),
    ("given_key", "patronymic_key", "fam_init"),
)
#: Rules that find few true pairs no other rule finds, at a high cost in candidate pairs once
#: the lists are large (measured at 200,000 records: 36% of the candidates for 1% of the true
#: pairs): their blocks are capped at a sixth of ``cap``.  On small lists they are uncapped in
#: effect and still add recall (records with a misread given name or family name).
_WIDE_RULES: tuple[tuple[str, ...], ...] = (
    ("fam", "birth_year_est"),
    ("given_key", "birth_year_est", "fam_init"),
    ("unit_num", "fam_init", "given_init"),
    # damaged records (measured on 3,000 records, seeds 4-6, noise 1: +0.014 pairwise F1):
    # a misread family name within the event's week; initials-only and surname-only records
    ("given_key", "fam_init", "event_wk"),
    ("given_key", "fam_init", "event_wk2"),
    ("fam", "given_init"),
    ("fam", "event_wk"),
    ("fam", "event_wk2"),
    # a surname-only record ("Абрамов", a unit and a town, no date) against the other records
    # of its family name (3,000 damaged records, seeds 4-8: pairwise F1 +0.0017; see
    # LONE_FAMILY)
    (LONE_FAMILY,),
    # a misspelt surname on the same day (3,000 damaged records, seeds 4-8: never-blocked true
    # pairs 161 -> 125, pairwise F1 +0.0013)
    (FAMILY_PREFIX, "event_start"),
    # a misread family name ("Лисин" / "Лизин", "Сафоонв" / "Сафонов") on records without a
    # date in common: the given name and the surname's first letter (3,000 damaged records,
    # seeds 2, 3, 7: never-blocked or never-scored true pairs 87 -> 51, pairwise F1
    # 0.9699/0.9693/0.9694 -> 0.9709/0.9709/0.9718; capped like the wide rules at scale)
    ("given_key", "fam_init"),
)
#: Every rule, narrow then wide (the key columns ``blk_0``, ``blk_1``, ... follow this order).
BLOCK_RULES: tuple[tuple[str, ...], ...] = _NARROW_RULES + _WIDE_RULES
#: The rules whose blocks are capped at a sixth of ``cap``.
WIDE_RULES: frozenset[tuple[str, ...]] = frozenset(_WIDE_RULES)
#: Extra SQL conditions of a rule's pairs (Splink's ``l.`` / ``r.`` columns); a rule without
#: one is plain equality of its key.
PAIR_FILTERS: dict[tuple[str, ...], str] = {
    (LONE_FAMILY,): "(l.given_init IS NULL OR r.given_init IS NULL)",
}


def block_columns() -> list[str]:
    """Names of the key columns, one per rule of :data:`BLOCK_RULES`."""
    return [f"blk_{i}" for i in range(len(BLOCK_RULES))]


def add_block_keys(table: pd.DataFrame, *, keyed: bool = True, cap: int | None = 300) -> pd.DataFrame:
    """Add the ``blk_<i>`` key columns to a prepared table (from ``prepare_records``).

    Parameters
    ----------
    table:
        The model table; ``event_start`` is days since 1970-01-01.
    keyed:
        ``False`` for the plain baseline: the family field is ``family_key`` (the raw string).
    cap:
        Largest block kept per rule (``None``: no cap); a sixth of it for :data:`WIDE_RULES`.

    Returns
    -------
    pandas.DataFrame
        ``table`` with one nullable ``Int64`` column per rule.
    """
    out = table.copy()
    work = pd.DataFrame(index=table.index)
    work["fam"] = table["family_phonetic" if keyed else "family_key"]
    for c in ("given_key", "given_init", "fam_init", "family_key", "patronymic_key"):
        work[c] = table[c]
    for c in ("birth_year_est", "event_start", "unit_num"):
        work[c] = pd.to_numeric(table[c], errors="coerce").astype("Int64")
    # event weeks, on two grids three days apart, so that two dates within three days share a
    # week on at least one of them
    work["event_wk"] = work["event_start"] // 7
    work["event_wk2"] = (work["event_start"] + 3) // 7
    # a misspelt surname ("Михеве", "Жигжитв", "Шевук") keeps its first letters
    work[FAMILY_PREFIX] = work["fam"].astype(object).map(
        lambda v: v[:3] if isinstance(v, str) and len(v) >= 3 else None)
    lone = work["given_init"].isna() & work["fam"].notna()
    has_lone = lone.groupby(work["fam"]).transform("any").astype("boolean").fillna(False)
    work[LONE_FAMILY] = work["fam"].where(has_lone.to_numpy(dtype=bool))
    for i, fields in enumerate(BLOCK_RULES):
        cols = list(fields)
        ok = work[cols].notna().all(axis=1).to_numpy()
        key = np.full(len(work), -1, dtype=np.int64)
        if ok.any():
            sub = work.loc[ok, cols]
            gid = sub.groupby(cols, sort=False, dropna=True).ngroup().to_numpy(np.int64)
            if cap is not None:
                limit = max(2, cap // 6) if fields in WIDE_RULES else cap
                size = np.bincount(gid)
                gid = np.where(size[gid] <= limit, gid, -1)
            key[ok] = gid
        col = pd.array(key, dtype="Int64")
        col[key < 0] = pd.NA
        out[f"blk_{i}"] = col
    return out


def blocking_rules() -> list[Any]:
    """Splink blocking rules: equality on each key column (see :func:`add_block_keys`)."""
    from splink import block_on
    from splink.blocking_rule_library import CustomRule

    rules: list[Any] = []
    for col, fields in zip(block_columns(), BLOCK_RULES, strict=True):
        extra = PAIR_FILTERS.get(fields)
        rules.append(block_on(col) if extra is None
                     else CustomRule(f"l.{col} = r.{col} AND {extra}"))
    return rules
