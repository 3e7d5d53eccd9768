"""The estimator contract (scikit-learn shape) for the log-linear family's estimators."""

from __future__ import annotations

import dataclasses
import inspect
import json
import warnings

import numpy as np
import pytest

from uncounted.estimate import (
    CaptureHistories,
    ChaoLowerBound,
    ClosedPopulation,
    EstimateResult,
    Estimator,
    LincolnPetersen,
    LogLinear,
    SampleCoverage,
    SparseMSE,
)
from uncounted.exceptions import EstimationWarning, InputError

ESTIMATORS = [LogLinear, ClosedPopulation, SparseMSE, ChaoLowerBound, SampleCoverage,
              LincolnPetersen]


@pytest.fixture(scope="module")
def table() -> CaptureHistories:
    rng = np.random.default_rng(5)
    caught = rng.random((3000, 4)) < np.array([0.3, 0.25, 0.4, 0.2])
    return CaptureHistories(caught[caught.any(axis=1)].astype(int), None, list("ABCD"))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_constructor_only_stores_arguments(cls: type[Estimator]) -> None:
    est = cls()
    sig = inspect.signature(cls.__init__)
    for name, p in sig.parameters.items():
        if name == "self":
            continue
        assert getattr(est, name) == p.default
    assert not hasattr(est, "result_")
    assert cls().get_params() == est.clone().get_params()


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_fit_returns_self_and_a_frozen_sane_result(cls: type[Estimator], table: CaptureHistories) -> None:
    est = cls()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        out = est.fit(table)
    assert out is est
    r = est.result_
    assert isinstance(r, EstimateResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.estimate = 0.0  # type: ignore[misc]
    assert r.estimate >= r.n_observed * (0.5 if cls is LincolnPetersen else 1.0)
    assert r.provenance["input_sha256"] == table.sha256()
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert {"N", "lower", "upper", "method", "interval_kind", "n_observed", "warnings",
            "diagnostics"} <= set(d)
    assert r.to_frame().shape[0] == 1
    # the table is unchanged by fitting (sklearn: fit does not mutate its input)
    assert table.n_observed == int(table.counts.sum())


def test_set_params_rejects_unknown_and_messages_list_all_problems(table: CaptureHistories) -> None:
    with pytest.raises(InputError, match="Invalid parameter 'nope'"):
        LogLinear().set_params(nope=1)
    est = LogLinear(max_order=9, level=1.5, criterion="x")
    with pytest.raises(InputError) as ei:
        est.fit(table)
    msg = str(ei.value)
    assert "The 'max_order' parameter must be an int in [1, 3]. Got 9." in msg
    assert "The 'criterion' parameter must be one of 'aic', 'bic', None. Got 'x'." in msg
    assert "The 'level' parameter must be a float in (0, 1). Got 1.5." in msg


def test_bool_is_not_an_int(table: CaptureHistories) -> None:
    with pytest.raises(InputError, match="'max_order' parameter must be an int"):
        LogLinear(max_order=True).fit(table)
