"""Chao's lower bound, sample coverage and Lincoln-Petersen."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.estimate.conftest import REFERENCE, load_histories
from uncounted.estimate import CaptureHistories
from uncounted.estimate.heterogeneity import fit_closed_model
from uncounted.estimate.lowerbounds import (
    ChaoLowerBound,
    LincolnPetersen,
    SampleCoverage,
    capture_frequencies,
)
from uncounted.exceptions import EstimationWarning, NotEstimableError


def _two(n11: int, n10: int, n01: int) -> CaptureHistories:
    return CaptureHistories(np.array([[1, 1], [1, 0], [0, 1]]), [n11, n10, n01], ["a", "b"])


def test_chapman_closed_form() -> None:
    # Seber (1982) p.107 example used by ?closedp: n11 = 167, n10 = 781, n01 = 254
    r = LincolnPetersen().fit(_two(167, 781, 254)).result_
    n1, n2, m = 948, 421, 167
    assert r.estimate == pytest.approx((n1 + 1) * (n2 + 1) / (m + 1) - 1)
    var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    assert r.diagnostics["stderr"] == pytest.approx(math.sqrt(var))
    assert r.n_observed < r.lower < r.estimate < r.upper


def test_lincoln_petersen_refuses_no_overlap_and_picks_lists() -> None:
    with pytest.raises(NotEstimableError, match="share nobody"):
        LincolnPetersen().fit(_two(0, 10, 12))
    h = load_histories("HIV") if REFERENCE else None
    if h is not None:
        r = LincolnPetersen(lists=("c1", "c3")).fit(h).result_
        assert r.diagnostics["lists"] == ["c1", "c3"]


def test_sample_coverage_reduces_to_lincoln_petersen_for_two_lists() -> None:
    h = _two(167, 781, 254)
    sc = SampleCoverage(correct_dependence=False).fit(h).result_
    assert sc.estimate == pytest.approx(948 * 421 / 167)


def test_sample_coverage_recovers_independent_truth(seed: int) -> None:
    rng = np.random.default_rng(seed)
    N, p = 20000, np.array([0.3, 0.2, 0.25, 0.15])
    caught = rng.random((N, 4)) < p
    seen = caught[caught.any(axis=1)].astype(int)
    h = CaptureHistories(seen, None, ["a", "b", "c", "d"])
    est = SampleCoverage().fit(h).result_.estimate
    assert est == pytest.approx(N, rel=0.03)


def test_chao_equals_rcapture_mh_chao_when_no_eta_removed() -> None:
    if REFERENCE is None:
        pytest.skip("no reference folder")
    checked = 0
    for ds in ("kosovo_aggregate", "HIV", "lesbian", "dga_MY5_example", "UKdat"):
        h = load_histories(ds)
        cf = fit_closed_model(h, "Mh Chao (LB)")
        if cf.removed_eta:
            continue
        r = ChaoLowerBound().fit(h).result_
        assert r.estimate == pytest.approx(cf.abundance, rel=1e-8)
        checked += 1
    assert checked >= 1


def test_chao_bias_corrected_when_f2_zero() -> None:
    h = CaptureHistories(np.array([[1, 0, 0], [0, 1, 0], [1, 1, 1]]), [5, 4, 2], list("abc"))
    assert capture_frequencies(h).tolist() == [0, 9, 0, 2]
    with pytest.warns(EstimationWarning, match="bias-corrected"):
        r = ChaoLowerBound().fit(h).result_
    assert r.estimate == pytest.approx(11 + (2 / 3) * 9 * 8 / 2)
    assert r.estimate >= r.n_observed
