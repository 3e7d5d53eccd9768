"""Constrained clustering: conflicts break chains, labels win, thresholds are prefixes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uncounted.link.cluster import constrained_clusters


def _table(n: int, **cols) -> pd.DataFrame:
    t = pd.DataFrame({
        "unique_id": np.arange(1, n + 1), "source": [f"S{i}" for i in range(n)],
        "record_id": [str(i) for i in range(n)],
        "birth_y": [pd.NA] * n, "birth_m": [pd.NA] * n, "birth_d": [pd.NA] * n,
        "birth_year_est": [pd.NA] * n, "sex_c": [None] * n, "dead": [False] * n,
        "event_start": [pd.NA] * n, "event_end": [pd.NA] * n,
        "patronymic_key": [None] * n, "given_init": [None] * n, "given_aliases": [None] * n,
    })
    for k, v in cols.items():
        t[k] = v
    return t


def _pairs(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["record_uid_l", "record_uid_r", "match_probability"])


def _same(c, a: int, b: int) -> bool:
    return c.root[a - 1] == c.root[b - 1]


def test_chain_through_conflicting_dates_of_birth_is_broken_and_flagged() -> None:
    # 1 and 3 have full dates of birth 10 years apart; 2 has none and links to both
    t = _table(3, birth_y=[1980, pd.NA, 1990], birth_m=[1, pd.NA, 6], birth_d=[2, pd.NA, 20])
    p = _pairs([(1, 2, 0.99), (2, 3, 0.95)])
    c = constrained_clusters(t, p, [0.9])[0.9]
    assert _same(c, 1, 2) and not _same(c, 2, 3)
    assert c.n_clusters() == 2
    assert all("dob" in f for f in c.flags.values()) and len(c.flags) == 2
    # without the rule, plain connected components chain all three
    plain = constrained_clusters(t, p, [0.9], respect_conflicts=False)[0.9]
    assert plain.n_clusters() == 1


def test_day_month_swap_and_one_typo_are_not_conflicts() -> None:
    t = _table(4, birth_y=[1980, 1980, 1980, 1981], birth_m=[3, 4, 3, 3], birth_d=[4, 3, 4, 4])
    p = _pairs([(1, 2, 0.99), (3, 4, 0.98)])
    c = constrained_clusters(t, p, [0.5])[0.5]
    assert c.n_clusters() == 2 and not c.flags
    # but 2 (swap of 1) and 4 (typo of 1) differ in two ways: they cannot chain through 1
    t = _table(3, birth_y=[1980, 1980, 1981], birth_m=[3, 4, 3], birth_d=[4, 3, 4])
    c = constrained_clusters(t, _pairs([(1, 2, 0.99), (1, 3, 0.98)]), [0.5])[0.5]
    assert _same(c, 1, 2) and not _same(c, 1, 3)


def test_same_source_different_ids_with_conflicting_details() -> None:
    t = _table(3, source=["A", "A", "A"], record_id=["1", "2", "3"],
               sex_c=["M", "F", "M"], birth_year_est=[1990, 1990, 1991])
    p = _pairs([(1, 2, 0.99), (1, 3, 0.99)])
    c = constrained_clusters(t, p, [0.9])[0.9]
    assert not _same(c, 1, 2)       # different sex in one list: two people
    assert _same(c, 1, 3)           # a within-list duplicate is allowed


def test_alive_after_death_is_a_conflict() -> None:
    day = 19000
    t = _table(3, dead=[True, False, False], event_start=[day, day + 60, day - 5],
               event_end=[day, day + 60, day - 5])
    p = _pairs([(1, 2, 0.99), (1, 3, 0.99)])
    c = constrained_clusters(t, p, [0.9])[0.9]
    assert not _same(c, 1, 2)       # wounded two months after death
    assert _same(c, 1, 3)           # wounded before death: same person
    assert "alive_after_death" in c.flags[c.root[0]]


def test_labels_win_over_the_model() -> None:
    t = _table(4)
    p = _pairs([(1, 2, 0.999), (3, 4, 0.2)])
    m = pd.DataFrame({"record_uid_l": [3], "record_uid_r": [4]})
    nm = pd.DataFrame({"record_uid_l": [1], "record_uid_r": [2]})
    c = constrained_clusters(t, p, [0.9], match_pairs=m, non_match_pairs=nm)[0.9]
    assert not _same(c, 1, 2) and _same(c, 3, 4)
    assert not c.flags  # a person's cut is not a doubt


def test_forced_merge_overrides_data_conflicts() -> None:
    t = _table(2, birth_y=[1980, 1990], birth_m=[1, 6], birth_d=[2, 20])
    m = pd.DataFrame({"record_uid_l": [1], "record_uid_r": [2]})
    c = constrained_clusters(t, _pairs([]), [0.9], match_pairs=m)[0.9]
    assert _same(c, 1, 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thresholds_nest_and_match_independent_runs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    t = _table(n, birth_year_est=rng.integers(1980, 1984, n), source=rng.choice(["A", "B"], n),
               sex_c=rng.choice(["M", "F"], n))
    a = rng.integers(1, n + 1, 150)
    b = rng.integers(1, n + 1, 150)
    keep = a != b
    p = _pairs(list(zip(np.minimum(a, b)[keep], np.maximum(a, b)[keep], rng.random(keep.sum()),
                        strict=True))).drop_duplicates(["record_uid_l", "record_uid_r"])
    ths = [0.3, 0.6, 0.9]
    together = constrained_clusters(t, p, ths)
    for th in ths:
        alone = constrained_clusters(t, p, [th])[th]
        assert np.array_equal(
            pd.factorize(together[th].root)[0], pd.factorize(alone.root)[0])
    # a higher threshold only splits clusters of a lower one
    hi, lo = together[0.9].root, together[0.3].root
    for r in np.unique(hi):
        assert len(np.unique(lo[hi == r])) == 1


def test_birth_years_patronymics_given_names_and_two_deaths_separate_people() -> None:
    day = 19000
    t = _table(
        8,
        birth_year_est=[1990, 1996, 1991, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA],
        patronymic_key=[None, None, None, "petr", "petra", "ivan", None, None],
        given_init=[None] * 6 + ["a", "i"],
        given_aliases=[None] * 6 + [["aleksandr", "sasha"], ["ivan", "vania"]],
        dead=[False] * 4 + [False, False, True, True],
        event_start=[pd.NA] * 6 + [day, day + 40], event_end=[pd.NA] * 6 + [day, day + 40],
    )
    p = _pairs([(1, 2, 0.99), (1, 3, 0.99), (4, 5, 0.99), (4, 6, 0.99), (7, 8, 0.99)])
    c = constrained_clusters(t, p, [0.9])[0.9]
    assert not _same(c, 1, 2) and _same(c, 1, 3)       # 6 years apart vs 1 year apart
    assert _same(c, 4, 5) and not _same(c, 4, 6)       # one edit apart vs another father
    assert not _same(c, 7, 8)                          # other initial, no shared alias; two deaths
    reasons = ";".join(c.flags.values())
    for r in ("birth_year", "patronymic", "given_name"):
        assert r in reasons


def test_shared_alias_is_not_a_given_name_conflict() -> None:
    t = _table(2, given_init=["a", "s"],
               given_aliases=[["aleksandr", "sasha"], ["aleksandr", "sasha"]])
    c = constrained_clusters(t, _pairs([(1, 2, 0.99)]), [0.9])[0.9]
    assert _same(c, 1, 2)


def test_weak_support_stops_a_record_chaining_two_people() -> None:
    # 2 (a name-only record) matches 1 strongly and 3 fairly; 1 and 3 look like different
    # people (their own pair scores 0.05) but nothing in the data rules them out
    t = _table(3)
    p = _pairs([(1, 2, 0.95), (2, 3, 0.6), (1, 3, 0.05)])
    plain = constrained_clusters(t, p, [0.5])[0.5]
    assert plain.n_clusters() == 1
    c = constrained_clusters(t, p, [0.5], min_support=0.4)[0.5]
    # joining {1, 2} with 3 has mean support (0.6 + 0.05) / 2 = 0.325 < 0.4
    assert _same(c, 1, 2) and not _same(c, 2, 3)
    assert all("weak_support" in f for f in c.flags.values())
    # a pair never scored counts as 0; a support the pairs reach lets the join through
    c = constrained_clusters(t, _pairs([(1, 2, 0.95), (2, 3, 0.9), (1, 3, 0.8)]), [0.5],
                             min_support=0.4)[0.5]
    assert c.n_clusters() == 1
    c = constrained_clusters(t, _pairs([(1, 2, 0.95), (2, 3, 0.9)]), [0.5], min_support=0.5)[0.5]
    assert not _same(c, 2, 3)


def test_support_ignores_which_thresholds_are_asked_for() -> None:
    # the same threshold gives the same clusters whether or not lower thresholds are asked for
    t = _table(4)
    p = _pairs([(1, 2, 0.97), (2, 3, 0.9), (1, 3, 0.35), (3, 4, 0.8), (2, 4, 0.2)])
    alone = constrained_clusters(t, p, [0.7], min_support=0.5)[0.7]
    many = constrained_clusters(t, p, [0.3, 0.5, 0.7, 0.9], min_support=0.5)[0.7]
    assert np.array_equal(alone.root, many.root)


def test_ties_are_broken_by_record_ids_and_unknown_records_are_refused() -> None:
    # records in a shuffled table order: the greedy order must not depend on it.  3 can join 1
    # or 2 at equal probability, but 1 and 2 conflict; the pair with the smaller ids (1, 3)
    # goes first, so 3 ends with 1 whatever order the table or the pairs come in
    t = _table(3, birth_y=[1980, 1990, pd.NA], birth_m=[1, 6, pd.NA], birth_d=[2, 20, pd.NA])
    p = _pairs([(2, 3, 0.9), (1, 3, 0.9)])
    for table in (t, t.iloc[::-1].reset_index(drop=True)):
        c = constrained_clusters(table, p, [0.5])[0.5]
        uid = table["unique_id"].to_numpy()
        root = dict(zip(uid.tolist(), c.root.tolist(), strict=True))
        assert root[1] == root[3] != root[2]
    from uncounted.exceptions import LinkageError

    with pytest.raises(LinkageError, match="record 7"):
        constrained_clusters(t, _pairs([(1, 7, 0.9)]), [0.5])
