"""Convergence diagnostics for Markov chain Monte Carlo draws: R-hat, ESS and MCSE.

Plain functions over arrays of shape ``(chains, draws)`` (a 1-D array is one chain), so
they work for any sampler, not only :class:`~uncounted.estimate.lcmcr.LCMCR`.

Everything follows Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), "Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC", *Bayesian
Analysis* 16(2):667-718:

* chains are split in halves, so a trend inside one chain shows up as disagreement between
  its halves;
* draws are *rank-normalised* (pooled ranks mapped through the normal quantile function),
  which makes R-hat and ESS well defined for heavy tails such as a posterior of ``N``;
* :func:`rhat` is the maximum of the bulk R-hat and the R-hat of the *folded* draws
  ``|x - median|`` (which detects chains that differ in scale, not location);
* :func:`ess` estimates autocorrelations across chains and truncates their sum with Geyer's
  (1992) initial monotone sequence estimator.

The recommended thresholds (ibid., section 4) are R-hat < 1.01 and bulk and tail ESS of at
least 100 per chain.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from uncounted.exceptions import InputError

__all__ = [
    "ess",
    "mcse_mean",
    "mcse_quantile",
    "rank_normalize",
    "rhat",
    "rhat_basic",
    "split_chains",
]

EssMethod = Literal["bulk", "tail", "mean", "basic"]


def _as_chains(x: npt.ArrayLike, *, min_draws: int = 4) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise InputError(
            f"MCMC draws must be a (chains, draws) array or a single chain; got an array with "
            f"{arr.ndim} dimensions."
        )
    if arr.shape[1] < min_draws:
        raise InputError(
            f"Need at least {min_draws} draws per chain for MCMC diagnostics; got "
            f"{arr.shape[1]}. Run the sampler longer."
        )
    if not np.all(np.isfinite(arr)):
        raise InputError("MCMC draws contain NaN or infinite values; diagnostics need finite draws.")
    return arr


def split_chains(x: npt.ArrayLike) -> np.ndarray:
    """Split each chain into its first and second half: ``(M, N) -> (2M, N // 2)``.

    With an odd number of draws the middle draw is dropped (Vehtari et al. 2021, sec. 4.1).
    """
    arr = _as_chains(x)
    half = arr.shape[1] // 2
    return np.concatenate([arr[:, :half], arr[:, arr.shape[1] - half:]], axis=0)


def rank_normalize(x: npt.ArrayLike) -> np.ndarray:
    """Rank-normalise draws: ``z = Phi^-1((r - 3/8) / (S + 1/4))`` with pooled average ranks.

    ``S`` is the total number of draws (Blom 1958 offsets; Vehtari et al. 2021, eq. 14).
    """
    arr = np.asarray(x, dtype=float)
    ranks = stats.rankdata(arr, method="average").reshape(arr.shape)
    return np.asarray(special.ndtri((ranks - 0.375) / (arr.size + 0.25)))


def rhat_basic(x: npt.ArrayLike) -> float:
    """The classic potential scale reduction factor of Gelman & Rubin (1992), unsplit.

    ``sqrt(var_plus / W)`` with ``W`` the mean within-chain variance and
    ``var_plus = (N - 1)/N W + B/N``.  Returns NaN when every chain is constant.
    """
    arr = _as_chains(x, min_draws=2)
    m, n = arr.shape
    if m < 2:
        raise InputError("rhat_basic needs at least two chains (split one chain first).")
    w = float(np.mean(np.var(arr, axis=1, ddof=1)))
    b_over_n = float(np.var(np.mean(arr, axis=1), ddof=1))
    if w <= 0.0:
        return float("nan") if b_over_n <= 0.0 else float("inf")
    var_plus = (n - 1) / n * w + b_over_n
    return math.sqrt(var_plus / w)


def rhat(x: npt.ArrayLike) -> float:
    """Rank-normalised split R-hat (Vehtari et al. 2021, sec. 4.2).

    The maximum of the bulk R-hat (on rank-normalised split chains) and the tail R-hat (the
    same on the folded draws ``|x - median(x)|``).  Values above 1.01 indicate that the
    chains have not mixed.  NaN if every draw is the same.
    """
    arr = _as_chains(x)
    if np.all(arr == arr.flat[0]):
        return float("nan")
    split = split_chains(arr)
    bulk = rhat_basic(rank_normalize(split))
    folded = np.abs(split - np.median(arr))
    tail = rhat_basic(rank_normalize(folded))
    return float(np.nanmax([bulk, tail]))


def _autocov(x: np.ndarray) -> np.ndarray:
    """Biased autocovariance of each row (divisor N), by FFT."""
    n = x.shape[1]
    centred = x - x.mean(axis=1, keepdims=True)
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(centred, n=size, axis=1)
    acov = np.fft.irfft(f * np.conj(f), n=size, axis=1)[:, :n]
    return np.asarray(acov / n)


def _ess_core(x: np.ndarray) -> float:
    """Multi-chain ESS with Geyer's initial monotone sequence (Vehtari et al. 2021, sec. 3.2)."""
    m, n = x.shape
    if n < 4:
        return float("nan")
    acov = _autocov(x)
    chain_var = acov[:, 0] * n / (n - 1.0)
    mean_var = float(np.mean(chain_var))
    var_plus = mean_var * (n - 1.0) / n
    if m > 1:
        var_plus += float(np.var(np.mean(x, axis=1), ddof=1))
    if not var_plus > 0.0:
        return float("nan")
    mean_acov = acov.mean(axis=0)
    rho = 1.0 - (mean_var - mean_acov) / var_plus
    rho[0] = 1.0
    rho_hat = np.zeros(n)
    rho_hat[0] = 1.0
    rho_hat[1] = rho[1]
    rho_even = 1.0
    rho_odd = float(rho[1])
    t = 1
    # sum pairs of autocorrelations while the pair sum stays positive (Geyer 1992)
    while t < n - 3 and rho_even + rho_odd > 0.0:
        rho_even = float(rho[t + 1])
        rho_odd = float(rho[t + 2])
        if rho_even + rho_odd >= 0.0:
            rho_hat[t + 1] = rho_even
            rho_hat[t + 2] = rho_odd
        t += 2
    max_t = t - 2
    if rho_even > 0.0:
        rho_hat[max_t + 1] = rho_even
    # initial monotone sequence: pair sums must not increase
    t = 1
    while t <= max_t - 2:
        if rho_hat[t + 1] + rho_hat[t + 2] > rho_hat[t - 1] + rho_hat[t]:
            avg = (rho_hat[t - 1] + rho_hat[t]) / 2.0
            rho_hat[t + 1] = avg
            rho_hat[t + 2] = avg
        t += 2
    tau = -1.0 + 2.0 * float(np.sum(rho_hat[: max_t + 1])) + float(rho_hat[max_t + 1])
    tau = max(tau, 1.0 / math.log10(m * n))
    return float(m * n / tau)


def ess(x: npt.ArrayLike, method: EssMethod = "bulk") -> float:
    """Effective sample size of MCMC draws.

    Parameters
    ----------
    x : array of shape (chains, draws)
        Draws; a 1-D array is one chain.
    method : {"bulk", "tail", "mean", "basic"}
        ``"bulk"``: ESS of the rank-normalised split chains (a measure of how well the centre
        of the distribution, e.g. the median, is estimated).  ``"tail"``: the smaller ESS of
        the indicators ``x <= q05`` and ``x <= q95`` (how well 95% interval limits are
        estimated).  ``"mean"``: ESS of the split chains themselves (for the posterior mean).
        ``"basic"``: ESS of the chains as given, neither split nor normalised.

    Returns
    -------
    float
        The effective sample size, NaN if all draws are equal.  It may exceed the number of
        draws for anti-correlated chains (capped at ``S log10 S``).
    """
    arr = _as_chains(x)
    if np.all(arr == arr.flat[0]):
        return float("nan")
    if method == "basic":
        return _ess_core(arr)
    split = split_chains(arr)
    if method == "bulk":
        return _ess_core(rank_normalize(split))
    if method == "mean":
        return _ess_core(split)
    if method == "tail":
        q05, q95 = np.quantile(arr, [0.05, 0.95])
        values = [
            _ess_core((split <= q).astype(float))
            for q in (q05, q95)
            if 0 < np.mean(split <= q) < 1
        ]
        return float(min(values)) if values else float("nan")
    raise InputError(
        f"The 'method' parameter must be one of 'bulk', 'tail', 'mean', 'basic'. Got {method!r}."
    )


def mcse_mean(x: npt.ArrayLike) -> float:
    """Monte Carlo standard error of the posterior mean: ``sd / sqrt(ESS_mean)``."""
    arr = _as_chains(x)
    e = ess(arr, "mean")
    return float(np.std(arr, ddof=1) / math.sqrt(e)) if e > 0 else float("nan")


def mcse_quantile(x: npt.ArrayLike, prob: float = 0.5) -> float:
    """Monte Carlo standard error of the ``prob`` quantile (Vehtari et al. 2021, sec. 4.3).

    The ESS of the indicator ``x <= q`` gives a Beta posterior for the probability mass below
    the estimated quantile; the draws at its 15.9% and 84.1% points bracket ±1 standard
    error, and half their distance is returned.
    """
    if not 0.0 < prob < 1.0:
        raise InputError(f"The 'prob' parameter must be a float in (0, 1). Got {prob!r}.")
    arr = _as_chains(x)
    split = split_chains(arr)
    q = float(np.quantile(arr, prob))
    indicator = (split <= q).astype(float)
    if np.all(indicator == indicator.flat[0]):
        return float("nan")
    s_eff = _ess_core(indicator)
    a = stats.beta.ppf(0.1586553, s_eff * prob + 1.0, s_eff * (1.0 - prob) + 1.0)
    b = stats.beta.ppf(0.8413447, s_eff * prob + 1.0, s_eff * (1.0 - prob) + 1.0)
    sorted_draws = np.sort(arr, axis=None)
    s = sorted_draws.size
    lo = sorted_draws[max(int(math.floor(a * s)), 0)]
    hi = sorted_draws[min(int(math.ceil(b * s)), s - 1)]
    return float((hi - lo) / 2.0)
