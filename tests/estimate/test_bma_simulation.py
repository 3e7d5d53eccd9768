"""Simulation study of BMA with a known N (slow marker): bias and 95% coverage.

Three truths with N = 1500 people and 4 lists, 100 replicates each (seeded):

* ``independent``: lists independent, homogeneous capture;
* ``dependent``: lists 1-2 and 3-4 positively dependent (a decomposable model, inside the
  space BMA averages over), which breaks the independence model;
* ``heterogeneous``: two latent classes of people (30% easy, 70% hard to record) with
  independent lists within a class.  Marginally this induces positive dependence between
  *every* pair of lists, which no decomposable log-linear model short of the saturated one
  represents: BMA, like every log-linear method, underestimates.  This is the case the
  latent-class model (LCMCR) exists for.

Measured with the seeds below (uncounted 0.1.0): coverage 0.97 / 0.94 / 0.00 and relative
bias of the posterior median -0.1% / -0.7% / -25%.  The bounds allow for Monte Carlo
error over 100 replicates (binomial sd of a 0.95 coverage is 0.022).
"""

from __future__ import annotations

import numpy as np
import pytest

from uncounted.estimate.bma import bma_posterior

N_TRUE = 1500
REPLICATES = 100


def _simulate(rng: np.random.Generator, scenario: str) -> tuple[np.ndarray, np.ndarray]:
    n = N_TRUE
    if scenario == "independent":
        caught = rng.random((n, 4)) < np.array([0.25, 0.3, 0.2, 0.35])
    elif scenario == "dependent":
        l1 = rng.random(n) < 0.3
        l2 = rng.random(n) < np.where(l1, 0.55, 0.2)
        l3 = rng.random(n) < 0.25
        l4 = rng.random(n) < np.where(l3, 0.5, 0.25)
        caught = np.column_stack([l1, l2, l3, l4])
    else:
        easy = rng.random(n) < 0.3
        p = np.where(easy[:, None], [0.5, 0.55, 0.45, 0.5], [0.12, 0.15, 0.1, 0.15])
        caught = rng.random((n, 4)) < p
    caught = caught[caught.any(axis=1)].astype(int)
    patterns, counts = np.unique(caught, axis=0, return_counts=True)
    return patterns, counts


def _study(scenario: str) -> tuple[float, float]:
    rng = np.random.default_rng(2024)
    covered = 0
    medians = []
    for _ in range(REPLICATES):
        post = bma_posterior(_simulate(rng, scenario))
        lo, hi = post.interval(0.95)
        covered += lo <= N_TRUE <= hi
        medians.append(post.median())
    bias = (float(np.median(medians)) - N_TRUE) / N_TRUE
    coverage = covered / REPLICATES
    print(f"BMA {scenario}: coverage {coverage:.2f}, relative bias of median {bias:+.3f}")
    return coverage, bias


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["independent", "dependent"])
def test_bma_recovers_n_when_the_truth_is_decomposable(scenario: str) -> None:
    coverage, bias = _study(scenario)
    assert coverage >= 0.88
    assert abs(bias) < 0.03


@pytest.mark.slow
def test_bma_underestimates_under_heterogeneity() -> None:
    # a known limitation, pinned so that a change in behaviour is noticed
    coverage, bias = _study("heterogeneous")
    assert bias < -0.10
    assert coverage < 0.5
