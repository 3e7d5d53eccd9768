"""Tests of R-hat, ESS and MCSE against closed forms (Vehtari et al. 2021)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from uncounted.estimate import diagnostics as diag
from uncounted.exceptions import InputError

SEED = 20240601


def _ar1(rng: np.random.Generator, phi: float, chains: int, n: int) -> np.ndarray:
    """Stationary AR(1) chains x_t = phi x_{t-1} + e_t."""
    e = rng.normal(size=(chains, n))
    x = np.empty((chains, n))
    x[:, 0] = e[:, 0] / np.sqrt(1 - phi**2)
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    return x


def test_iid_normal_chains_mix() -> None:
    """iid draws: R-hat ~ 1 and ESS ~ number of draws (sampling sd of ESS ~ a few %)."""
    x = np.random.default_rng(SEED).normal(size=(4, 2000))
    assert abs(diag.rhat(x) - 1.0) < 0.005
    for method in ("bulk", "mean", "basic"):
        assert diag.ess(x, method) == pytest.approx(8000, rel=0.1)  # type: ignore[arg-type]
    # tail ESS of the 5%/95% indicators is noisier but also ~ S for iid draws
    assert diag.ess(x, "tail") == pytest.approx(8000, rel=0.25)


@pytest.mark.parametrize("phi", [0.5, 0.9])
def test_ar1_ess_matches_closed_form(phi: float) -> None:
    """For AR(1) the integrated autocorrelation time is (1 + phi) / (1 - phi)."""
    chains, n = 4, 20_000
    x = _ar1(np.random.default_rng(SEED), phi, chains, n)
    expected = chains * n * (1 - phi) / (1 + phi)
    assert diag.ess(x, "mean") == pytest.approx(expected, rel=0.15)
    assert diag.ess(x, "bulk") == pytest.approx(expected, rel=0.15)
    assert diag.rhat(x) < 1.01


def test_mcse_mean_of_ar1() -> None:
    """MCSE of the mean = sd / sqrt(ESS); for AR(1) sd^2 = 1 / (1 - phi^2)."""
    phi, chains, n = 0.8, 4, 20_000
    x = _ar1(np.random.default_rng(SEED + 1), phi, chains, n)
    sd = 1.0 / np.sqrt(1 - phi**2)
    expected = sd / np.sqrt(chains * n * (1 - phi) / (1 + phi))
    assert diag.mcse_mean(x) == pytest.approx(expected, rel=0.15)


def test_mcse_median_of_iid_normal() -> None:
    """MCSE of the median of S iid N(0,1) draws = sqrt(pi / 2) / sqrt(S)."""
    s = 40_000
    x = np.random.default_rng(SEED + 2).normal(size=(4, s // 4))
    assert diag.mcse_quantile(x, 0.5) == pytest.approx(np.sqrt(np.pi / 2 / s), rel=0.15)


def test_shifted_chains_have_large_rhat() -> None:
    """Chains centred 0, 1, 2, 3 sd apart: R-hat ~ sqrt(1 + var(means)) >> 1.01."""
    x = np.random.default_rng(SEED).normal(size=(4, 1000)) + np.arange(4)[:, None]
    r = diag.rhat(x)
    assert r > 1.3
    # classic PSRF with between-chain variance 5/3: sqrt(1 + 5/3) ~ 1.63
    assert diag.rhat_basic(x) == pytest.approx(np.sqrt(1 + 5 / 3), rel=0.05)


def test_scale_difference_caught_by_folded_rhat() -> None:
    """Same centre, different spread: bulk R-hat misses it, the folded one does not."""
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(4, 1000)) * np.array([1.0, 1.0, 1.0, 4.0])[:, None]
    bulk = diag.rhat_basic(diag.rank_normalize(diag.split_chains(x)))
    assert bulk < 1.02
    assert diag.rhat(x) > 1.05


def test_trend_within_one_chain_caught_by_split() -> None:
    """A single drifting chain: its halves disagree."""
    x = np.linspace(0, 5, 2000) + np.random.default_rng(SEED).normal(size=2000)
    assert diag.rhat(x) > 1.5


def test_rank_normalize_is_normal_scores() -> None:
    z = diag.rank_normalize(np.array([[3.0, 1.0, 2.0, 2.0]]))
    # ranks 4, 1, 2.5, 2.5 of S = 4
    expected = stats.norm.ppf((np.array([4.0, 1.0, 2.5, 2.5]) - 0.375) / 4.25)
    assert z.ravel().tolist() == pytest.approx(expected.tolist())


def test_split_chains_drops_middle_of_odd() -> None:
    x = np.arange(7.0)
    s = diag.split_chains(x)
    assert s.tolist() == [[0.0, 1.0, 2.0], [4.0, 5.0, 6.0]]


def test_constant_draws_give_nan() -> None:
    x = np.ones((2, 10))
    assert np.isnan(diag.rhat(x))
    assert np.isnan(diag.ess(x))


@pytest.mark.parametrize(
    "bad",
    [np.zeros((2, 2)), np.zeros((2, 2, 5)), np.array([[1.0, np.nan, 2.0, 3.0, 4.0]])],
)
def test_bad_input_raises(bad: np.ndarray) -> None:
    with pytest.raises(InputError):
        diag.rhat(bad)


def test_unknown_ess_method() -> None:
    with pytest.raises(InputError, match="'method' parameter"):
        diag.ess(np.random.default_rng(0).normal(size=(2, 50)), "median")  # type: ignore[arg-type]
