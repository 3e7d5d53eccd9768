"""Tests of CaptureHistories and EstimateResult (the shared input and output types)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from uncounted.estimate import CaptureHistories, EstimateResult, as_histories
from uncounted.exceptions import InputError


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {"A": [1, 0, 1, 1], "B": [0, 1, 1, 1], "C": [1, 1, 0, 0], "count": [3, 4, 5, 2]}
    )


def test_from_frame_aggregates_repeated_rows(table: pd.DataFrame) -> None:
    h = CaptureHistories(table)
    assert h.lists == ("A", "B", "C")
    assert h.k == 3
    assert h.n_observed == 14
    # (1,1,0) appears twice: 5 + 2
    assert h.to_frame().set_index(["A", "B", "C"])["count"].loc[(1, 1, 0)] == 7
    assert len(h) == 3


def test_full_table_has_explicit_unobserved_cell(table: pd.DataFrame) -> None:
    full = CaptureHistories(table).full_table()
    assert len(full) == 8
    zero = full[(full[["A", "B", "C"]] == 0).all(axis=1)]
    assert len(zero) == 1
    assert np.isnan(zero["count"].iloc[0])
    assert not zero["observable"].iloc[0]
    assert full["count"].sum() == 14
    assert (full.loc[full["observable"], "count"] >= 0).all()


def test_cell_counts_standard_order(table: pd.DataFrame) -> None:
    cells = CaptureHistories(table).cell_counts()
    # index i is binary pattern i+1 with A as the most significant bit
    assert list(cells) == [0, 0, 4, 0, 3, 7, 0]


def test_overlap_matrix(table: pd.DataFrame) -> None:
    ov = CaptureHistories(table).overlap_matrix()
    assert ov.loc["A", "A"] == 10
    assert ov.loc["A", "B"] == 7
    assert ov.loc["B", "C"] == 4
    assert (ov.to_numpy() == ov.to_numpy().T).all()


def test_all_zero_row_rejected_with_row_named() -> None:
    df = pd.DataFrame({"A": [1, 0], "B": [0, 0], "count": [1, 2]}, index=["r1", "r2"])
    with pytest.raises(InputError, match="Row 'r2' is an all-zero"):
        CaptureHistories(df)


@pytest.mark.parametrize(
    ("df", "msg"),
    [
        (pd.DataFrame({"A": [1, 2], "B": [1, 0], "count": [1, 1]}), "must be 0 or 1; got 2"),
        (pd.DataFrame({"A": [1, 1], "B": [1, 0], "count": [1, -3]}), "non-negative; row 1"),
        (pd.DataFrame({"A": [1, 1], "count": [1, 1]}), "at least 2 lists; got 1"),
        (pd.DataFrame({"A": ["x", "1"], "B": [1, 0]}), "got 'x' in column 'A'"),
        (pd.DataFrame({"A": [1, 1], "B": [1, 0], "count": [1, 0.5]}), "whole numbers"),
    ],
)
def test_validation_messages(df: pd.DataFrame, msg: str) -> None:
    with pytest.raises(InputError, match=msg):
        CaptureHistories(df)


def test_from_array_and_mapping_agree() -> None:
    a = CaptureHistories(np.array([[1, 0], [0, 1], [1, 1]]), [5, 6, 7], ["x", "y"])
    b = as_histories({"10": 5, "01": 6, "11": 7}, ["x", "y"])
    c = as_histories(np.array([[1, 0, 5], [0, 1, 6], [1, 1, 7]]), ["x", "y"])
    assert a == b == c
    assert a.sha256() == b.sha256()


def test_from_records_long_form() -> None:
    rec = pd.DataFrame(
        {
            "cluster_id": [1, 1, 2, 3, 3, 3, 4],
            "source": ["s1", "s2", "s1", "s1", "s3", "s3", "s2"],
        }
    )
    h = CaptureHistories.from_records(rec, "source", "cluster_id")
    assert h.lists == ("s1", "s2", "s3")
    assert h.n_observed == 4
    d = h.to_frame().set_index(["s1", "s2", "s3"])["count"].to_dict()
    assert d == {(0, 1, 0): 1, (1, 0, 0): 1, (1, 0, 1): 1, (1, 1, 0): 1}


def test_reorder_and_subset(table: pd.DataFrame) -> None:
    h = CaptureHistories(table)
    r = h.reorder(["C", "A", "B"])
    assert r.n_observed == h.n_observed
    assert r.overlap_matrix().loc["A", "C"] == h.overlap_matrix().loc["A", "C"]
    s = h.subset(["A", "C"])
    assert s.n_observed == 14
    s2 = CaptureHistories(np.array([[1, 0, 0], [0, 1, 0]]), [2, 3], ["A", "B", "C"])
    assert s2.subset(["A", "C"]).n_observed == 2
    with pytest.raises(InputError, match="permutation"):
        h.reorder(["A", "B"])


def _result() -> EstimateResult:
    return EstimateResult(
        method="loglinear Mt",
        estimate=120.5,
        interval=(100.0, float("inf")),
        interval_kind="profile",
        level=0.95,
        n_observed=90,
        diagnostics={"se": 4.2, "model": "Mt", "aic": np.float64(10.0)},
        warnings=("sparse table",),
        provenance={"seed": None},
    )


def test_result_to_dict_is_json_safe() -> None:
    d = _result().to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    for key in ("N", "lower", "upper", "method", "interval_kind", "n_observed", "warnings",
                "diagnostics"):
        assert key in back
    assert back["upper"] is None  # inf is not JSON
    assert back["N"] == 120.5


def test_result_frame_numeric_and_str() -> None:
    r = _result()
    f = r.to_frame()
    assert f.shape[0] == 1
    assert all(pd.api.types.is_numeric_dtype(t) for t in f.dtypes)
    assert f["diag_aic"].iloc[0] == 10.0
    text = str(r)
    assert "120.5" in text and "profile" in text and "sparse table" in text
    assert "<table>" in r._repr_html_()
    with pytest.raises(AttributeError):
        r.estimate = 3.0  # type: ignore[misc]


def test_by_stratum_assigns_each_person_once() -> None:
    rec = pd.DataFrame(
        {
            "cluster_id": [1, 1, 1, 2, 2, 3, 4],
            "source": ["s1", "s2", "s3", "s1", "s2", "s3", "s1"],
            "event_type": ["killed", "killed", "missing", "missing", "killed", None, "killed"],
        }
    )
    by = CaptureHistories.by_stratum(rec, "event_type")
    # person 1: 2 x killed vs 1 x missing -> killed; person 2: tie -> "killed" (sorted
    # first); person 3 has no value -> unknown; so nobody is left in "missing"
    assert set(by) == {"killed", "unknown"}
    assert by["killed"].n_observed == 3
    assert by["unknown"].n_observed == 1
    assert all(h.lists == ("s1", "s2", "s3") for h in by.values())
    assert sum(h.n_observed for h in by.values()) == 4
