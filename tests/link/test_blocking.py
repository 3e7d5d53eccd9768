"""Size-capped blocking keys: blocks that stay small as the lists grow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uncounted.link.blocking import BLOCK_RULES, add_block_keys, block_columns, blocking_rules


def _table(n_common: int = 12) -> pd.DataFrame:
    """``n_common`` records of one very common name, plus two of a rare one."""
    n = n_common + 2
    fam = ["tsirenov"] * n_common + ["rubov", "rubov"]
    giv = ["bajr"] * n_common + ["maksim", "maksim"]
    return pd.DataFrame({
        "unique_id": np.arange(1, n + 1),
        "family_key": fam, "family_phonetic": [f[:4] for f in fam], "given_key": giv,
        "given_init": [g[0] for g in giv], "fam_init": [f[0] for f in fam],
        "patronymic_key": [None] * n,
        # the common name is spread over years and weeks; the rare one has no dates at all
        "birth_year_est": pd.array([1990 + i % 6 for i in range(n_common)] + [None, None], dtype="Int64"),
        "event_start": pd.array([19050 + 10 * (i % 3) for i in range(n_common)] + [None, None],
                                dtype="Int64"),
        "unit_num": pd.array([None] * n, dtype="Int64"),
    })


def _rule(fields: tuple[str, ...]) -> str:
    return f"blk_{BLOCK_RULES.index(fields)}"


def test_one_key_column_per_rule_and_null_when_a_field_is_missing() -> None:
    t = add_block_keys(_table(), cap=None)
    assert [c for c in t.columns if c.startswith("blk_")] == block_columns()
    assert len(blocking_rules()) == len(BLOCK_RULES)
    name_year = t[_rule(("fam", "given_key", "birth_year_est"))]
    assert name_year.isna().tolist() == [False] * 12 + [True, True]
    # equal fields, equal key; different fields, different key
    name = t[_rule(("fam", "given_key"))]
    assert name.iloc[:12].nunique() == 1 and name.iloc[12] == name.iloc[13]
    assert name.iloc[0] != name.iloc[12]


def test_cap_drops_large_blocks_but_narrower_rules_still_split_them() -> None:
    t = add_block_keys(_table(12), cap=5)
    name = t[_rule(("fam", "given_key"))]
    # the common name's block (12 records) is over the cap, the rare one's (2) is kept
    assert name.iloc[:12].isna().all()
    assert name.iloc[12] == name.iloc[13]
    # name + year of birth: 6 blocks of 2, all kept
    year = t[_rule(("fam", "given_key", "birth_year_est"))]
    assert year.iloc[:12].notna().all() and year.iloc[:12].nunique() == 6


def test_event_weeks_on_two_grids_catch_dates_three_days_apart() -> None:
    t = _table(2)
    t["event_start"] = pd.array([19054, 19057, None, None], dtype="Int64")  # 3 days apart
    k = add_block_keys(t, cap=None)
    wk, wk2 = k[_rule(("fam", "given_key", "event_wk"))], k[_rule(("fam", "given_key", "event_wk2"))]
    assert (wk.iloc[0] == wk.iloc[1]) or (wk2.iloc[0] == wk2.iloc[1])


def test_pairs_grow_linearly_with_the_records_under_a_cap() -> None:
    """The point of the cap: at most ``cap - 1`` candidates per record and rule."""
    rng = np.random.default_rng(0)
    cap = 20
    for n in (1_000, 8_000):
        t = pd.DataFrame({
            "unique_id": np.arange(n),
            "family_key": rng.choice(["a", "b", "c"], n), "given_key": rng.choice(["x", "y"], n),
            "patronymic_key": None, "unit_num": pd.array([None] * n, dtype="Int64"),
            "birth_year_est": pd.array(rng.integers(1980, 2000, n), dtype="Int64"),
            "event_start": pd.array(rng.integers(19000, 19060, n), dtype="Int64"),
        })
        t["family_phonetic"] = t["family_key"]
        t["fam_init"] = t["family_key"]
        t["given_init"] = t["given_key"]
        k = add_block_keys(t, cap=cap)
        for c in block_columns():
            sizes = k[c].dropna().value_counts()
            assert len(sizes) == 0 or sizes.max() <= cap
            assert int((sizes * (sizes - 1) // 2).sum()) <= n * (cap - 1) // 2


def test_plain_baseline_blocks_on_the_raw_family_string() -> None:
    t = _table(2)
    t["family_phonetic"] = ["p1", "p2", "p3", "p4"]  # would separate everything if used
    k = add_block_keys(t, keyed=False, cap=None)
    name = k[_rule(("fam", "given_key"))]
    assert name.iloc[0] == name.iloc[1]


@pytest.mark.parametrize("cap", [1, 0])
def test_block_cap_below_two_is_refused(cap: int) -> None:
    from uncounted.exceptions import InputError
    from uncounted.link import LinkSettings

    with pytest.raises(InputError, match="block_cap"):
        LinkSettings(block_cap=cap).validate()


def test_a_surname_only_record_meets_every_record_of_its_family_name_and_only_it() -> None:
    """The surname-only rule: keyed on family names some record carries alone; its pairs
    must include such a record (two full records of the name are not paired by it)."""
    import duckdb

    from uncounted.link.blocking import LONE_FAMILY, PAIR_FILTERS

    t = _table(3)
    lone = t.iloc[[-1]].assign(unique_id=len(t) + 1, given_key=None, given_init=None)
    t = pd.concat([t, lone], ignore_index=True)  # "rubov" twice in full, once alone
    k = add_block_keys(t, cap=None)
    key = k[_rule((LONE_FAMILY,))]
    assert key.iloc[:3].isna().all()  # "tsirenov": every record has a given name
    assert key.iloc[3:].nunique() == 1 and key.iloc[3:].notna().all()
    col = _rule((LONE_FAMILY,))
    rule = f"l.{col} = r.{col} AND {PAIR_FILTERS[(LONE_FAMILY,)]}"
    pairs = duckdb.sql(
        f"SELECT l.unique_id AS a, r.unique_id AS b FROM k AS l JOIN k AS r "
        f"ON {rule} AND l.unique_id < r.unique_id ORDER BY a, b").fetchall()
    assert pairs == [(4, 6), (5, 6)]
    sql = [r.get_blocking_rule("duckdb").blocking_rule_sql for r in blocking_rules()]
    assert sql[BLOCK_RULES.index((LONE_FAMILY,))] == rule


def test_a_misspelt_surname_meets_its_person_on_the_same_day_by_its_first_letters() -> None:
    """"Михеве" (a monitor's typo, no given name) and "Михеев Андрей" share no name key, but
    their date and the first three letters of the phonetic key; another day, or another
    prefix, is not paired by this rule."""
    from uncounted.link.blocking import FAMILY_PREFIX

    t = pd.DataFrame({
        "unique_id": [1, 2, 3, 4, 5],
        "family_key": ["migeve", "migeev", "migeev", "tetv", "mi"],
        "family_phonetic": ["migivij", "migiif", "migiif", "titf", "mi"],
        "given_key": [None, "andrej", "andrej", "migajl", None],
        "given_init": [None, "a", "a", "m", None],
        "fam_init": ["m", "m", "m", "t", "m"],
        "patronymic_key": [None] * 5,
        "birth_year_est": pd.array([None] * 5, dtype="Int64"),
        "event_start": pd.array([19056, 19056, 19057, 19056, 19056], dtype="Int64"),
        "unit_num": pd.array([None] * 5, dtype="Int64"),
    })
    key = add_block_keys(t, cap=None)[_rule((FAMILY_PREFIX, "event_start"))]
    assert key.iloc[0] == key.iloc[1]  # "mig" on day 19056
    assert key.iloc[2] != key.iloc[0]  # the next day
    assert key.iloc[3] != key.iloc[0]  # "tit"
    assert pd.isna(key.iloc[4])  # a key shorter than three letters is no prefix


def test_a_misread_surname_without_dates_meets_its_person_by_given_name_and_initial() -> None:
    """"Лисин" and "Лизин Артем" style pairs: different phonetic family keys and no dates, so
    only the given name and the surname's first letter are shared.  The rule is a wide one:
    at scale its block for a common given name is dropped by the sixth-of-cap limit."""
    from uncounted.link.blocking import WIDE_RULES

    fields = ("given_key", "fam_init")
    assert fields in WIDE_RULES
    t = pd.DataFrame({
        "unique_id": [1, 2, 3, 4],
        "family_key": ["safoonv", "safonov", "savin", "safonov"],
        "family_phonetic": ["safanf", "safanaf", "safin", "safanaf"],
        "given_key": ["pavel", "pavel", "pavel", "petr"],
        "given_init": ["p", "p", "p", "p"],
        "fam_init": ["s", "s", "s", "s"],
        "patronymic_key": [None] * 4,
        "birth_year_est": pd.array([None] * 4, dtype="Int64"),
        "event_start": pd.array([None] * 4, dtype="Int64"),
        "unit_num": pd.array([None] * 4, dtype="Int64"),
    })
    out = add_block_keys(t, cap=None)
    key = out[_rule(fields)]
    assert key.iloc[0] == key.iloc[1] == key.iloc[2]  # "pavel" + "s"
    assert key.iloc[3] != key.iloc[0]  # another given name
    # no other rule pairs record 1 with record 2: this rule is what brings them together
    others = [c for c in block_columns() if c != _rule(fields)]
    assert not any(pd.notna(out[c].iloc[0]) and out[c].iloc[0] == out[c].iloc[1] for c in others)
    # the wide cap: 3 records in the block, a cap of 12 allows 12 // 6 = 2 -> dropped
    assert add_block_keys(t, cap=12)[_rule(fields)].isna().iloc[:3].all()
