"""Derived columns of the model table."""

from __future__ import annotations

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
