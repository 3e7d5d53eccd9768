"""SparseMSE: existence/identifiability checks, stepwise fit and BCa bootstrap against R."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.estimate.conftest import load_histories, reference_entries
from uncounted.estimate import CaptureHistories
from uncounted.estimate.sparse import (
    SparseMSE,
    bca_interval,
    check_identifiability,
    mle_exists,
    quantile_type8,
    sparse_modelfit,
    stepwise_fit,
)
from uncounted.exceptions import InputError, NotEstimableError

REL = 1e-6


@pytest.fixture
def artificial() -> CaptureHistories:
    # SparseMSE's Artificial_3: lists A-C and B-C never overlap
    return CaptureHistories(
        pd.DataFrame(
            {"A": [1, 0, 0, 1], "B": [0, 1, 0, 1], "C": [0, 0, 1, 0], "count": [40, 30, 20, 6]}
        )
    )


def test_checkident_examples_from_sparsemse_help(artificial: CaptureHistories) -> None:
    # ?checkident: all two-list effects -> not identifiable; A:B alone -> MLE does not
    # exist; A:C + B:C -> passes both tests
    assert check_identifiability(artificial, [(0, 1), (0, 2), (1, 2)]) & 2
    assert check_identifiability(artificial, [(0, 1)]) == 1
    assert check_identifiability(artificial, [(0, 2), (1, 2)]) == 0
    assert check_identifiability(artificial, []) == 0


def test_mle_exists_lp_on_a_known_boundary() -> None:
    # 2 lists, saturated-but-one design on 3 cells: exists iff all cells positive is not
    # required; here the overlap cell is zero and the A:B column makes the MLE infinite
    X = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1.0]])
    assert not mle_exists(X, np.array([5.0, 3.0, 0.0]))
    assert mle_exists(X, np.array([5.0, 3.0, 2.0]))
    # without the interaction column a zero overlap is fine (independence fit is finite)
    assert mle_exists(X[:, :3], np.array([5.0, 3.0, 1.0]))


def test_fixed_model_without_mle_is_refused(artificial: CaptureHistories) -> None:
    with pytest.raises(NotEstimableError, match="does not exist"):
        SparseMSE(method="fixed", pairs=[("A", "B")]).fit(artificial)
    est = SparseMSE(method="fixed", pairs=[("A", "C"), ("B", "C")]).fit(artificial)
    # the non-overlapping pairs are fixed at -inf: their cells are dropped
    assert set(est.result_.diagnostics["empty_overlaps"]) == {"A:C", "B:C"}
    with pytest.raises(InputError, match="Unknown list 'Z'"):
        SparseMSE(method="fixed", pairs=[("A", "Z")]).fit(artificial)


def test_no_overlap_refused() -> None:
    h = CaptureHistories(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), [3, 4, 5])
    with pytest.raises(NotEstimableError, match="No two lists share anybody"):
        SparseMSE().fit(h)


def test_parameter_validation_message() -> None:
    with pytest.raises(InputError, match=r"The 'pthresh' parameter must be a float in \[0, 1\]\. Got 2"):
        SparseMSE(pthresh=2).fit(np.array([[1, 0], [1, 1], [0, 1]]))


@pytest.mark.parametrize(
    "entry",
    reference_entries(lambda r: r["package"] == "SparseMSE" and r["method"] == "estimatepopulation.0"),
)
def test_estimatepopulation0_against_R(entry: dict[str, Any]) -> None:
    h = load_histories(entry["dataset"])
    sf = stepwise_fit(h, 0.02) if entry["model"] == "stepwise" else sparse_modelfit(h)
    fit = entry["fit"]
    assert sf.estimate == pytest.approx(entry["estimate"], rel=REL)
    assert sf.dark_figure == pytest.approx(entry["estimate_dark_figure"], rel=REL)
    interactions = fit["interactions"]
    if isinstance(interactions, str):
        interactions = [interactions]
    assert sf.term_names() == list(interactions)
    assert sf.fit.intercept_se == pytest.approx(fit["intercept_se"], rel=REL)
    assert sf.aic == pytest.approx(fit["AIC_adjusted"], rel=REL)
    lo, hi = sf.wald([0.025, 0.975])
    assert lo == pytest.approx(entry["interval"]["lower"], rel=REL)
    assert hi == pytest.approx(entry["interval"]["upper"], rel=REL)


def test_main_equals_rcapture_mt() -> None:
    """SparseMSE 'main' is the independence model, i.e. Rcapture's Mt."""
    from uncounted.estimate.heterogeneity import fit_closed_model

    for ds in ("HIV", "lesbian", "NewOrl_5"):
        h = load_histories(ds)
        assert sparse_modelfit(h).estimate == pytest.approx(
            fit_closed_model(h, "Mt").abundance, rel=1e-12
        )


def test_quantile_type8_matches_r_definition() -> None:
    x = np.arange(1.0, 11.0)
    # R: quantile(1:10, c(0, .1, .5, .9, 1), type = 8)
    got = quantile_type8(x, np.array([0.0, 0.1, 0.5, 0.9, 1.0]))
    # type 8: h = n p + (p + 1) / 3 (Hyndman & Fan 1996)
    assert got == pytest.approx([1.0, 1.0 + 1.1 / 3, 5.5, 9.0 + 1.9 / 3, 10.0], abs=1e-12)


def test_bca_reduces_to_percentile_without_bias_or_acceleration() -> None:
    boot = np.linspace(0, 1, 10001)
    lo, hi = bca_interval(boot, 0.5, 0.0, [0.025, 0.975])
    assert lo == pytest.approx(0.025, abs=1e-3)
    assert hi == pytest.approx(0.975, abs=1e-3)


# z for a two-sided 1e-4 false-alarm rate per comparison: with ~5 comparisons on each of
# 11 datasets the chance of any false alarm stays below 1%.
_Z = 3.89


def _quantile_band(draws: np.ndarray, p_lo: float, p_hi: float | None = None) -> tuple[float, float]:
    """Distribution-free band for the p-quantile when comparing two independent B-draw samples.

    The rank of the other sample's quantile among our draws is about Binomial(B, p) for
    each sample, so the difference has twice the variance (hence sqrt(2)).  ``[p_lo, p_hi]``
    allows for an uncertain level (BCa levels depend on the Monte Carlo bias estimate z0).
    The extra ``z**2 / 2`` ranks are Wilson's small-count correction: near the extremes
    (``B p`` of a few draws, e.g. a BCa limit at the sample minimum) the normal
    approximation to the binomial is far too narrow.
    """
    p_hi = p_lo if p_hi is None else p_hi
    xs = np.sort(draws)
    B = len(xs)
    lo = B * p_lo - _Z * math.sqrt(2 * B * p_lo * (1 - p_lo)) - _Z**2 / 2
    hi = B * p_hi + _Z * math.sqrt(2 * B * p_hi * (1 - p_hi)) + _Z**2 / 2
    return float(xs[int(max(0, math.floor(lo)))]), float(xs[int(min(B - 1, math.ceil(hi)))])


def _check_bca(entry: dict[str, Any], seed: int) -> None:
    from scipy import stats

    h = load_histories(entry["dataset"])
    res = SparseMSE(interval="bca", n_boot=1000, random_state=seed).fit(h).result_
    assert res.estimate == pytest.approx(entry["estimate"], rel=REL)
    # the jackknife acceleration is deterministic
    assert res.diagnostics["ahat"] == pytest.approx(entry["ahat"], rel=1e-6, abs=1e-12)
    boot = res.draws
    assert boot is not None and len(boot) == 1000
    B = len(boot)
    for p, val in entry["bootstrap"]["quantiles_percentile"].items():
        lo, hi = _quantile_band(boot, float(p))
        assert lo <= val <= hi, (p, val, lo, hi)
    # share of replicates below the estimate: binomial, both samples
    frac = float(np.mean(boot < res.estimate))
    sd = math.sqrt(2 * frac * (1 - frac) / B)
    assert abs(frac - entry["bootstrap"]["fraction_below_popest"]) <= _Z * sd
    # BCa limits: quantiles at the BCa-adjusted level, whose z0 is itself Monte Carlo
    a = res.diagnostics["ahat"]
    z0s = [stats.norm.ppf(min(max(f, 1.0 / B), 1 - 1.0 / B))
           for f in (frac - _Z * sd, frac + _Z * sd)]
    for q, val in ((0.025, entry["interval"]["lower"]), (0.975, entry["interval"]["upper"])):
        levels = []
        for z0 in z0s:
            za = stats.norm.ppf(q) + z0
            levels.append(float(stats.norm.cdf(z0 + za / (1 - a * za))))
        lo, hi = _quantile_band(boot, min(levels), max(levels))
        assert lo <= val <= hi, (q, val, lo, hi)


_FAST_BCA = {"Artificial_3"}


@pytest.mark.parametrize(
    "entry",
    reference_entries(
        lambda r: r["method"] == "estimatepopulation" and r["dataset"] in _FAST_BCA
    ),
)
def test_bca_against_R_within_mc_error(entry: dict[str, Any], seed: int) -> None:
    _check_bca(entry, seed)


@pytest.mark.slow
@pytest.mark.parametrize(
    "entry",
    reference_entries(
        lambda r: r["method"] == "estimatepopulation" and r["dataset"] not in _FAST_BCA
    ),
)
def test_bca_against_R_within_mc_error_slow(entry: dict[str, Any], seed: int) -> None:
    _check_bca(entry, seed)
