"""Per-stratum estimation, refusals, totals; linkage sensitivity."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from uncounted.estimate import CaptureHistories
from uncounted.estimate.loglinear import LogLinear
from uncounted.estimate.result import EstimateResult, Estimator
from uncounted.estimate.sensitivity import linkage_sensitivity
from uncounted.estimate.strata import estimate_by_stratum, refusal_reason
from uncounted.exceptions import EstimationWarning, InputError


def _sim(rng: np.random.Generator, N: int, p: list[float]) -> CaptureHistories:
    caught = rng.random((N, len(p))) < np.array(p)
    seen = caught[caught.any(axis=1)].astype(int)
    return CaptureHistories(seen, None, [f"L{j}" for j in range(len(p))])


@pytest.fixture
def strata(seed: int) -> dict[str, CaptureHistories]:
    rng = np.random.default_rng(seed)
    return {
        "north": _sim(rng, 3000, [0.3, 0.4, 0.25]),
        "south": _sim(rng, 2000, [0.35, 0.2, 0.3]),
        # only two informative lists: must be refused
        "tiny": CaptureHistories(np.array([[1, 1, 0], [1, 0, 0], [0, 1, 0]]), [3, 4, 5],
                                 ["L0", "L1", "L2"]),
        # three lists but nobody on two of them
        "apart": CaptureHistories(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), [3, 4, 5],
                                  ["L0", "L1", "L2"]),
    }


def test_refusals_with_reasons_and_delta_total(strata: dict[str, CaptureHistories]) -> None:
    with pytest.warns(EstimationWarning, match="refused"):
        res = estimate_by_stratum(strata, LogLinear(interval="wald"))
    assert set(res.results) == {"north", "south"}
    assert "informative list" in res.refusals["tiny"]
    assert "no two lists share anyone" in res.refusals["apart"]
    t = res.total
    assert t is not None
    floor = strata["tiny"].n_observed + strata["apart"].n_observed
    assert t.estimate == pytest.approx(
        res.results["north"].estimate + res.results["south"].estimate + floor
    )
    assert t.lower < t.estimate < t.upper
    assert t.interval_kind == "delta"
    # truth 5000 (+ the floor of the refused strata) inside the interval
    assert t.lower <= 5000 + floor <= t.upper
    frame = res.to_frame()
    assert frame.loc["tiny", "status"] == "refused"
    assert frame.loc["total", "status"] == "combined"
    assert math.isnan(frame.loc["tiny", "N"])
    assert res.to_dict()["refused"]["tiny"] == res.refusals["tiny"]


class _FakeBayes(Estimator):
    """A stand-in Bayesian estimator: draws ~ Normal around a known value."""

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def _fit(self, histories: CaptureHistories) -> EstimateResult:
        rng = np.random.default_rng(self.random_state)
        n = histories.n_observed
        draws = n * 2 + rng.normal(0, 10, size=2000)
        return EstimateResult("fake", float(np.median(draws)), (0.0, 0.0), "posterior", 0.95, n,
                              draws=draws)


def test_draws_are_summed_when_every_stratum_has_them(strata: dict[str, CaptureHistories]) -> None:
    two = {k: strata[k] for k in ("north", "south")}
    res = estimate_by_stratum(two, _FakeBayes, random_state=1)
    t = res.total
    assert t is not None and t.draws is not None
    assert t.interval_kind == "sum of draws"
    expected = 2 * (two["north"].n_observed + two["south"].n_observed)
    assert t.estimate == pytest.approx(expected, abs=3)
    # sd of a sum of independent sd-10 draws is 10 * sqrt(2)
    assert np.std(t.draws) == pytest.approx(10 * math.sqrt(2), rel=0.1)


def test_bootstrap_combine_runs(strata: dict[str, CaptureHistories]) -> None:
    two = {k: strata[k] for k in ("north", "south")}
    res = estimate_by_stratum(two, LogLinear(interval="wald"), combine="bootstrap",
                              n_boot=30, random_state=2)
    assert res.total is not None and res.total.interval_kind == "bootstrap sum"
    assert res.total.lower < res.total.upper


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="combine"):
        estimate_by_stratum({"a": CaptureHistories(np.array([[1, 1]]))}, LogLinear, combine="x")
    with pytest.raises(InputError, match="No strata"):
        estimate_by_stratum({}, LogLinear)


def test_refusal_reason_ok_table(strata: dict[str, CaptureHistories]) -> None:
    assert refusal_reason(strata["north"]) is None


def test_linkage_sensitivity_shows_split_clusters_raise_estimate(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = _sim(rng, 4000, [0.3, 0.3, 0.3])
    # a stricter threshold misses links: people on 2+ lists split into single-list records
    pats, counts = base.patterns.copy(), base.counts.copy()
    split_rows, split_counts = [], []
    for p, c in zip(pats, counts, strict=True):
        if p.sum() >= 2:
            moved = c // 4
            counts[(pats == p).all(axis=1)] -= moved
            for j in np.flatnonzero(p):
                e = np.zeros(3, dtype=int)
                e[j] = 1
                split_rows.append(e)
                split_counts.append(moved)
    strict = CaptureHistories(np.vstack([pats, split_rows]), np.concatenate([counts, split_counts]),
                              base.lists)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = linkage_sensitivity({0.9: base, 0.99: strict}, LogLinear(interval="wald"))
    assert list(df.index) == [0.9, 0.99]
    assert (df["status"] == "estimated").all()
    assert df.loc[0.99, "N"] > df.loc[0.9, "N"]
    assert df.loc[0.99, "f1_share"] > df.loc[0.9, "f1_share"]
    assert df.loc[0.9, "lower"] <= 4000 <= df.loc[0.9, "upper"]
    assert df["relative_to_median"].between(0.5, 2).all()


def test_refusal_when_independence_mle_does_not_exist() -> None:
    # B and C always appear together and never with D: the table lies on a face of the
    # marginal cone, so even the independence model has no finite MLE
    h = CaptureHistories(np.array([[0, 0, 0, 1], [0, 1, 1, 0]]), [5, 5], list("ABCD"))
    reason = refusal_reason(h)
    assert reason is not None and "independence model does not exist" in reason
