"""Derived columns of the model table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.link.standin import name_keys_standin
from uncounted.exceptions import InputError
from uncounted.link.prepare import MODEL_COLUMNS, prepare_records


def _recs(**cols) -> pd.DataFrame:
    base = {"record_uid": [1, 2, 3], "source": ["A", "A", "B"], "record_id": ["1", "2", "x"],
            "family_name": ["Ivanov", "Petrov", None], "given_name": ["Ivan", None, "Oleg"]}
    base.update(cols)
    return pd.DataFrame(base)


def test_birth_year_from_age_and_partial_dates() -> None:
    df = _recs(
        birth_date=[pd.Timestamp("1990-05-17"), pd.Timestamp("1985-03-01"), None],
        birth_precision=["day", "month", None],
        age=[None, None, 30],
        event_date=[pd.Timestamp("2022-03-01")] * 3,
    )
    t = prepare_records(df, name_keys=name_keys_standin)
    assert list(t.columns) == list(MODEL_COLUMNS)
    assert t["birth_d"].tolist()[:2] == [17, pd.NA] or pd.isna(t["birth_d"].iloc[1])
    assert t["birth_m"].iloc[1] == 3 and pd.isna(t["birth_d"].iloc[1])
    assert t["birth_year_est"].tolist() == [1990, 1985, 1992]
    # the event range is days since the epoch, start = end for a full date
    assert t["event_start"].iloc[0] == (pd.Timestamp("2022-03-01") - pd.Timestamp("1970-01-01")).days
    assert t["event_end"].iloc[0] == t["event_start"].iloc[0]


def test_the_days_of_birth_an_age_a_date_or_a_year_allows() -> None:
    """birth_lo / birth_hi: one day for a full date, the month or the year for partial
    dates, and for an age on a date the year up to that date (an event range widens it)."""
    def day(s: str) -> int:
        return (pd.Timestamp(s) - pd.Timestamp("1970-01-01")).days

    df = pd.DataFrame({
        "record_uid": range(1, 7), "source": "A", "record_id": list("abcdef"),
        "family_name": "Ivanov", "given_name": "Ivan",
        "birth_date": [None, pd.Timestamp("1994-09-20"), None, None, None,
                       pd.Timestamp("1996-02-29")],
        "birth_precision": [None, "day", None, None, None, "day"],
        "birth_year": [None, None, 1993, 1994, None, None],
        "birth_month": [None, None, None, 5, None, None],
        "age": [28, None, None, None, 27, None],
        "event_date": [pd.Timestamp("2022-03-11"), None, None, None, pd.Timestamp("2022-03-01"),
                       None],
        "event_date_end": [None, None, None, None, pd.Timestamp("2022-03-31"), None],
    })
    t = prepare_records(df, name_keys=name_keys_standin)
    got = list(zip(t["birth_lo"].tolist(), t["birth_hi"].tolist(), strict=True))
    assert got == [
        (day("1993-03-12"), day("1994-03-11")),  # 28 on 11 March 2022
        (day("1994-09-20"), day("1994-09-20")),
        (day("1993-01-01"), day("1993-12-31")),
        (day("1994-05-01"), day("1994-05-31")),
        (day("1994-03-02"), day("1995-03-31")),  # 27 some day in March 2022
        (day("1996-02-29"), day("1996-02-29")),
    ]
    # the estimated year alone cannot tell the first two apart
    assert t["birth_year_est"].tolist()[:2] == [1994, 1994]


def test_an_age_without_a_date_is_an_age_during_the_lists_period() -> None:
    """age_lo / age_hi: "27" with no date is 27 on some day between the first and the last
    event date of the lists (born 2 March 1994 - 31 March 1995 when they cover March 2022);
    an age with a date, or a year of birth, keeps the exact range and no undated one.
    age_round marks an age that is a multiple of five and the record's only birth data."""
    def day(s: str) -> int:
        return (pd.Timestamp(s) - pd.Timestamp("1970-01-01")).days

    df = pd.DataFrame({
        "record_uid": range(1, 6), "source": "A", "record_id": list("abcde"),
        "family_name": "Ivanov", "given_name": "Ivan",
        "age": [27, 28, None, 25, 25],
        "birth_year": [None, None, 1990, None, 1997],
        "event_date": [None, pd.Timestamp("2022-03-11"), pd.Timestamp("2022-03-01"), None,
                       pd.Timestamp("2022-03-31")],
    })
    t = prepare_records(df, name_keys=name_keys_standin)
    assert (t["age_lo"].iloc[0], t["age_hi"].iloc[0]) == (day("1994-03-02"), day("1995-03-31"))
    assert pd.isna(t["birth_lo"].iloc[0])  # the dated levels do not see it
    assert t["age_lo"].iloc[[1, 2, 4]].isna().all()
    assert (t["age_lo"].iloc[3], t["age_hi"].iloc[3]) == (day("1996-03-02"), day("1997-03-31"))
    assert t["age_round"].tolist() == [False, False, False, True, False]


def test_no_undated_range_without_any_event_date() -> None:
    df = _recs(age=[27, None, 30])
    t = prepare_records(df, name_keys=name_keys_standin)
    assert t["age_lo"].isna().all() and t["age_hi"].isna().all()


def test_unit_number_and_keys() -> None:
    df = _recs(unit=["5-я отдельная гвардейская танковая бригада", "5 отбр", None],
               home_region=["Республика  Бурятия", "Respublika Buriatiia", ""],
               place=["Гомель", "Homiel", "Мозырь"])
    t = prepare_records(df, name_keys=name_keys_standin)
    assert t["unit_num"].tolist()[:2] == ["5", "5"]
    # places and regions agree across scripts (the names step's fold)
    assert t["region_key"].iloc[0] == t["region_key"].iloc[1]
    assert t["place_key"].iloc[0] == t["place_key"].iloc[1] != t["place_key"].iloc[2]
    assert pd.isna(t["region_key"].iloc[2]) and pd.isna(t["unit_key"].iloc[2])


def test_rejects_duplicate_uids_and_missing_ids() -> None:
    with pytest.raises(InputError, match="unique"):
        prepare_records(_recs(record_uid=[1, 1, 2]), name_keys=name_keys_standin)
    with pytest.raises(InputError, match="identifier"):
        prepare_records(pd.DataFrame({"record_uid": [1]}), name_keys=name_keys_standin)


def test_bad_name_keys_output_is_reported() -> None:
    with pytest.raises(InputError, match="name_keys returned"):
        prepare_records(_recs(), name_keys=lambda df: pd.DataFrame({"family_key": ["a"]}))


def test_joint_name_weight_is_the_given_names_share_within_its_family() -> None:
    """Closed form: 40 records of family 'a' (given 'x' 36, 'y' 4), 40 of 'b' (given 'y' 36,
    'x' 4), and one without a given name.  Within 'a', 'x' is far commoner than overall
    (share 1/2), so two 'a x' records weigh less; 'a y' is rarer, so it weighs more."""
    from uncounted.link.prepare import OWN_RECORDS, PSEUDO_COUNT, joint_name_weight

    fam = ["a"] * 40 + ["b"] * 40 + ["a"]
    giv = ["x"] * 36 + ["y"] * 4 + ["y"] * 36 + ["x"] * 4 + [None]
    table = pd.DataFrame({"family_key": fam, "given_key": giv})
    codes, adj = joint_name_weight(table)
    r, a = OWN_RECORDS, PSEUDO_COUNT

    def term(c_fg: float, c_f: float, tf_g: float) -> float:
        cond = (max(c_fg - r, 0) + a * tf_g) / (max(c_f - r, 0) + a)
        return float(np.log2(tf_g / cond))

    # the given-name shares count the 80 records with a given name; the family counts all 41 'a'
    assert adj[0] == pytest.approx(term(36, 41, 0.5), rel=1e-12)
    assert adj[36] == pytest.approx(term(4, 41, 0.5), rel=1e-12)
    assert adj[0] < 0 < adj[36]
    assert adj[40] == pytest.approx(term(36, 40, 0.5), rel=1e-12)
    # no given name: no code, no term
    assert pd.isna(codes.iloc[80]) and adj[80] == 0.0
    assert codes.iloc[0] == codes.iloc[35] != codes.iloc[36]
    assert codes.nunique() == 4
    off_codes, off = joint_name_weight(table, enabled=False)
    assert (off == 0).all() and off_codes.equals(codes)


def test_joint_name_weight_vanishes_when_names_are_independent() -> None:
    """Every family with every given name equally often: the full name tells no more than its
    parts, so the term is (nearly) zero.  Leaving out a person's own records biases it
    upwards by about ``log2(c / (c - 4))`` for a full name seen ``c`` times (0.11 bits at
    40, 0.01 at 400)."""
    from uncounted.link.prepare import joint_name_weight

    fams, givs = [f"f{i}" for i in range(10)], [f"g{j}" for j in range(5)]
    for per_name, bound in ((40, 0.11), (400, 0.012)):
        rows = [(f, g) for f in fams for g in givs for _ in range(per_name)]
        table = pd.DataFrame(rows, columns=["family_key", "given_key"])
        _, adj = joint_name_weight(table)
        assert adj.min() > 0 and adj.max() < bound


def test_name_counts_count_records_per_full_name_and_family() -> None:
    from uncounted.link.prepare import name_counts

    table = pd.DataFrame({
        "family_key": ["a", "a", "a", "b", None, "a"],
        "given_key": ["x", "x", "y", "x", "x", None],
    })
    n_full, n_fam = name_counts(table)
    # 'a x' twice, 'a y' and 'b x' once; no family or no given name: NULL (never blocks)
    assert n_full.tolist()[:4] == [2, 2, 1, 1]
    assert n_full.isna().tolist() == [False] * 4 + [True, True]
    # four records of family 'a' (one without a given name), one of 'b'
    assert n_fam.tolist()[:4] == [4, 4, 4, 1] and n_fam.iloc[5] == 4
    assert pd.isna(n_fam.iloc[4])
    assert str(n_full.dtype) == str(n_fam.dtype) == "Int64"
