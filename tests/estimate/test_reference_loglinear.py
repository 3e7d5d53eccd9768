"""Reference tests: our log-linear estimators against numbers produced by R.

The numbers come from ``../shared/reference/r_reference.json`` (Rcapture 1.4-4 and
SparseMSE 2.0.1 under R 4.2.2; the README there records the calls).  Deterministic fits
match to 1e-6 relative.  Two documented exceptions:

* Rcapture's multinomial estimate is the output of R's ``optimize(tol = 1e-4)``, so it is
  only defined to that tolerance: we accept 1e-6 relative *or* 1e-4 absolute.
* On boundary fits (``exp(intercept)`` < 1e-3, the MLE of the unobserved cell is 0) the
  standard error is a by-product of where IRLS stopped; we require 1e-5 relative there.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

from tests.estimate.conftest import load_histories, reference_entries
from uncounted.estimate.heterogeneity import closedp, fit_closed_model
from uncounted.estimate.profile import closed_profile_interval

REL = 1e-6

_closedp_cache: dict[str, Any] = {}


def _closedp(dataset: str) -> Any:
    if dataset not in _closedp_cache:
        _closedp_cache[dataset] = closedp(load_histories(dataset))
    return _closedp_cache[dataset]


@pytest.mark.parametrize(
    "entry", reference_entries(lambda r: r["package"] == "Rcapture" and r["method"] == "closedp.t")
)
def test_closedp_against_R(entry: dict[str, Any]) -> None:
    row = _closedp(entry["dataset"]).loc[entry["model"]]
    assert row["abundance"] == pytest.approx(entry["estimate"], rel=REL)
    boundary = row["abundance"] - entry["n_observed"] < 1e-3
    assert row["stderr"] == pytest.approx(entry["stderr"], rel=1e-5 if boundary else REL)
    fit = entry["fit"]
    assert row["deviance"] == pytest.approx(fit["deviance"], rel=REL, abs=1e-8)
    assert row["df"] == fit["df"]
    assert row["AIC"] == pytest.approx(fit["AIC"], rel=REL)
    assert row["BIC"] == pytest.approx(fit["BIC"], rel=REL)


@pytest.mark.parametrize(
    "entry",
    reference_entries(lambda r: r["package"] == "Rcapture" and r["method"] == "closedpCI.t"),
)
def test_closedpCI_against_R(entry: dict[str, Any]) -> None:
    h = load_histories(entry["dataset"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cf = fit_closed_model(h, entry["model"])
    prof = closed_profile_interval(h, cf, fmax_sup=entry["settings"]["fmaxSupCL"])
    assert cf.abundance == pytest.approx(entry["estimate"], rel=REL)
    assert prof.estimate == pytest.approx(entry["estimate_multinomial"], rel=REL, abs=1e-4)
    iv = entry["interval"]
    assert prof.lower == pytest.approx(iv["lower"], rel=REL)
    if iv["upper"] is None:
        # censored in R: the upper limit lies beyond fmaxSupCL * N
        assert prof.upper_censored
        assert math.isinf(prof.upper)
        assert prof.search_max == pytest.approx(iv["upper_at_least"], rel=1e-5)
    else:
        assert not prof.upper_censored
        assert prof.upper == pytest.approx(iv["upper"], rel=REL)


def test_reference_has_every_closedp_model(reference: dict[str, Any]) -> None:
    """Guard against the parametrisation silently matching nothing."""
    n = sum(1 for r in reference["results"] if r["method"] == "closedp.t")
    assert n == 12 * 11
    assert np.isfinite(n)
