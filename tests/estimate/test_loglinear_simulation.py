"""Simulation studies with known N (slow): bias and 95% coverage of the log-linear family.

Run with ``pytest -m slow tests/estimate/test_loglinear_simulation.py -s`` to see the table.
Two scenarios, 100 replicates each (seeded):

* **dependence**: 4 lists, capture probabilities 0.25-0.35, lists 1 and 2 positively
  dependent (log odds ratio 1.2).  The independence model (Mt) is biased low and under-
  covers; the BIC-selected log-linear model contains the true model and should be close to
  nominal.
* **heterogeneity**: two latent classes (30% with p = 0.5 on every list, 70% with
  p = 0.08).  Every log-linear model is biased low here; Chao's estimators are lower
  bounds, so their average must not exceed N.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from uncounted.estimate import CaptureHistories, ChaoLowerBound, LogLinear, SparseMSE
from uncounted.exceptions import EstimationWarning, NotEstimableError

N_TRUE = 2000
REPS = 100


def _dependent(rng: np.random.Generator) -> CaptureHistories:
    k = 4
    pats = np.array([[(i >> (k - 1 - j)) & 1 for j in range(k)] for i in range(2**k)])
    logit = np.log(np.array([0.3, 0.25, 0.35, 0.3]) / (1 - np.array([0.3, 0.25, 0.35, 0.3])))
    lp = pats @ logit + 1.2 * pats[:, 0] * pats[:, 1]
    prob = np.exp(lp) / np.exp(lp).sum()
    counts = rng.multinomial(N_TRUE, prob)
    return CaptureHistories(pats[1:], counts[1:], [f"L{j}" for j in range(k)])


def _heterogeneous(rng: np.random.Generator) -> CaptureHistories:
    k = 4
    high = rng.random(N_TRUE) < 0.3
    p = np.where(high, 0.5, 0.08)[:, None]
    caught = rng.random((N_TRUE, k)) < p
    seen = caught[caught.any(axis=1)].astype(int)
    return CaptureHistories(seen, None, [f"L{j}" for j in range(k)])


METHODS = {
    "Mt (independence)": lambda: LogLinear(model="Mt"),
    "loglinear BIC": lambda: LogLinear(criterion="bic"),
    "loglinear AIC": lambda: LogLinear(criterion="aic"),
    "SparseMSE stepwise": lambda: SparseMSE(),
    "Chao lower bound": lambda: ChaoLowerBound(),
}


def _study(make: object, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(REPS):
        h = make(rng)  # type: ignore[operator]
        for name, factory in METHODS.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EstimationWarning)
                try:
                    r = factory().fit(h).result_
                except NotEstimableError:
                    continue
            rows.append({"method": name, "N": r.estimate,
                         "cover": r.lower <= N_TRUE <= r.upper})
    df = pd.DataFrame(rows)
    summary = df.groupby("method").agg(
        mean_N=("N", "mean"), coverage=("cover", "mean"), fits=("N", "size")
    )
    summary["rel_bias"] = summary["mean_N"] / N_TRUE - 1
    print(f"\n{make.__name__} (N = {N_TRUE}, {REPS} replicates)\n{summary.round(3)}")  # type: ignore[attr-defined]
    return summary


@pytest.mark.slow
def test_dependence_breaks_independence_but_not_the_search(seed: int) -> None:
    s = _study(_dependent, seed)
    assert s.loc["Mt (independence)", "coverage"] < 0.5
    assert s.loc["Mt (independence)", "rel_bias"] < -0.05
    for m in ("loglinear BIC", "SparseMSE stepwise"):
        assert abs(s.loc[m, "rel_bias"]) < 0.05, m
        assert s.loc[m, "coverage"] >= 0.85, m
        assert s.loc[m, "fits"] == REPS, m


@pytest.mark.slow
def test_heterogeneity_chao_is_a_lower_bound(seed: int) -> None:
    s = _study(_heterogeneous, seed)
    assert s.loc["Chao lower bound", "rel_bias"] < 0.02
    # every log-linear model misses people who are hard to catch on every list
    assert s.loc["Mt (independence)", "rel_bias"] < 0
    assert s.loc["Chao lower bound", "mean_N"] > s.loc["Mt (independence)", "mean_N"]
