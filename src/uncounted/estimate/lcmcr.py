"""Bayesian non-parametric latent-class capture-recapture (LCMCR): the driver.

The model is the Dirichlet-process mixture of product-Bernoulli distributions of
Manrique-Vallier (2016), "Bayesian population size estimation using Dirichlet process
mixtures", *Biometrics* 72(4):1246-1254, as implemented by the R package LCMCR (Manrique-
Vallier, CRAN, version 0.4.x): people fall in latent classes (truncated stick-breaking prior
with ``k_max`` classes and concentration ``alpha ~ Gamma(a_alpha, b_alpha)``); inside a class
the lists capture independently with probabilities ``lambda_jk ~ Beta(1, 1)``; the population
size has the prior ``p(N) ∝ 1/N``.  Heterogeneity in capture and (through the mixture) list
dependence are absorbed by the classes.

The Gibbs sweep lives in :mod:`uncounted.estimate._lcmcr_kernel` (numba); this module runs
chains, warm-up and thinning, reports progress, collects draws into ``chains × draws``
arrays, computes R-hat and ESS (:mod:`uncounted.estimate.diagnostics`) and returns an
:class:`~uncounted.estimate.result.EstimateResult`.

Differences from the R package
------------------------------
* **No truncation of N.**  LCMCR 0.4.14 redraws ``n0`` whenever ``n0 > 20 n``, i.e. it
  truncates the posterior at ``N <= 21 n`` (``NPLCM_CR_Basic_Freq.cpp::sam_n0``, per the
  reference README).  The cap is not part of the model in the paper.  Here ``N`` is not
  truncated unless ``n_max_factor`` is given (``n_max_factor=21`` reproduces R).  Measured
  on ``UKdat``, where R's largest draw (57,193) sits at its cap (57,624): our untruncated
  posterior has well under 0.5% of its mass above 21 n (none in 8,000 draws), and the
  median and 95% interval agree with and without the cap within Monte Carlo error; the
  cap only clips the far tail there (``tests/estimate/test_lcmcr_reference.py``).
* **The stick-breaking update is done on the log scale**, so ``1 - V_k`` cannot round to 0
  for empty trailing classes; rounding would bias the update of ``alpha`` towards 0.
* **Label-swap moves** (Metropolis, with the stick-breaking weights integrated out) are
  added to the Gibbs sweep.  Without them chains can keep a large class behind empty ones
  (or in the last slot) for 10^5 sweeps, with a different ``alpha`` and a shifted ``N``; with
  them the effective sample size of ``N`` on kosovo_aggregate roughly doubles.
* Chains start from ``lambda`` drawn from its prior and stick-breaking weights drawn with
  ``alpha = 1``.
* Random numbers come from the kernel's own xoshiro256++ generator, not GSL: runs agree with
  R's in distribution, not draw by draw.
* **Chains that have not mixed can run on** (``max_extensions``, off by default as in R; the
  analysis pipeline uses 2): a run whose draws fail R-hat or ESS continues from where it
  stopped at twice the thinning, and the failed draws become warm-up.
"""

from __future__ import annotations

import logging
import math
import numbers
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from uncounted.estimate import _lcmcr_kernel as kernel
from uncounted.estimate import diagnostics as diag
from uncounted.estimate.histories import CaptureHistories
from uncounted.estimate.result import (
    RANDOM_STATE,
    Constraint,
    EstimateResult,
    Estimator,
    Interval,
    Options,
    Predicate,
    build_provenance,
)
from uncounted.exceptions import EstimationWarning, NotEstimableError

__all__ = ["LCMCR", "ProgressCallback"]

logger = logging.getLogger(__name__)

#: ``progress(done, total)``: Gibbs sweeps done so far and in total, over all chains.
ProgressCallback = Callable[[int, int], None]

#: Sweeps run between two progress reports (and two reseedings of the kernel's generator).
#: Part of the definition of a run: changing it changes the draws for a given seed.
_BLOCK_SWEEPS = 10_000

#: Thresholds of Vehtari et al. (2021, sec. 4): R-hat below 1.01, ESS of 100 per chain.
RHAT_MAX = 1.01
ESS_PER_CHAIN_MIN = 100.0
#: p-value below which per-chain medians are declared to disagree.
CHAINS_DISAGREE_P = 0.001


#: Offset of the spawn keys of extension runs in the seed tree (chains use 0 .. chains-1).
_EXTENSION_KEY = 1 << 20


def _mixing(draws: np.ndarray) -> tuple[float, float, float] | None:
    """R-hat, bulk ESS and tail ESS of draws of N (chains × samples); None when the draws
    are constant (there is nothing to mix)."""
    pooled = draws.reshape(-1)
    if np.all(pooled == pooled[0]):
        return None
    return diag.rhat(draws), diag.ess(draws, "bulk"), diag.ess(draws, "tail")


def _failed_checks(rhat: float, ess_bulk: float, ess_tail: float, chains: int) -> set[str]:
    """Which mixing checks fail: ``"rhat"`` (above :data:`RHAT_MAX`) and ``"ess"`` (below
    :data:`ESS_PER_CHAIN_MIN` per chain).  The same test flags a result and extends a run."""
    failed = set()
    if rhat > RHAT_MAX:
        failed.add("rhat")
    if min(ess_bulk, ess_tail) < ESS_PER_CHAIN_MIN * chains:
        failed.add("ess")
    return failed


def _mixed(draws: np.ndarray) -> bool:
    mixing = _mixing(draws)
    return mixing is None or not _failed_checks(*mixing, draws.shape[0])


def _root_seed(random_state: Any) -> np.random.SeedSequence:
    """The SeedSequence all chain seeds derive from (fresh OS entropy for ``None``)."""
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(0, 2**63 - 1)))
    return np.random.SeedSequence(random_state)


def _chain_seeds(
    root: np.random.SeedSequence, chains: int, n_blocks: int
) -> list[list[int]]:
    """``chains`` independent lists of ``n_blocks + 1`` 32-bit seeds (one per kernel call).

    Spawns from a copy, so a SeedSequence passed by the user gives the same seeds every fit.
    """
    base = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key,
                                  pool_size=root.pool_size)
    return [
        [int(s) for s in child.generate_state(n_blocks + 1, dtype=np.uint32)]
        for child in base.spawn(chains)
    ]


class LCMCR(Estimator):
    """Dirichlet-process latent-class model for population size (Manrique-Vallier 2016).

    Parameters
    ----------
    k_max : int, default 10
        Truncation level ``K`` of the stick-breaking prior (maximum number of latent
        classes).  R's default is also 10; raise it if the posterior puts weight on all ``K``
        classes (see ``diagnostics["kstar_max"]``).
    a_alpha, b_alpha : float, default 0.25
        Shape and rate of the Gamma prior on the concentration ``alpha`` (R's defaults).
    chains : int, default 4
        Independent chains, each from its own seed; needed for R-hat.
    burnin : int, default 10_000
        Warm-up sweeps per chain, discarded.
    samples : int, default 1_000
        Draws kept per chain.
    thinning : int, default 100
        Sweeps per kept draw.  The defaults are the example of R's ``?lcmCR``
        (110,000 sweeps per chain).
    random_state : None, int, numpy Generator or SeedSequence, default 0
        Seed; equal seeds give identical draws.
    progress : callable(done, total) or None
        Called after every block of 10,000 sweeps with the sweeps done and the total (over
        all chains).  It does not change the draws.
    n_max_factor : float or None, default None
        If given, truncate ``N`` at ``n_max_factor × n`` (``n0`` is redrawn above that), as
        R's LCMCR does with a fixed 21.  ``None`` (default) samples the untruncated model.
    n_jobs : int, default 1
        Chains run in parallel threads (the numba kernel releases the GIL).  The draws are
        the same for any ``n_jobs``.
    max_extensions : int, default 0
        When the draws fail the mixing checks (R-hat above 1.01, or bulk or tail ESS below
        100 per chain), continue every chain from where it stopped with twice the thinning
        and draw the same number of samples again, up to this many times.  The draws that
        failed become warm-up (they are discarded, never pooled with the new ones), so the
        result is an ordinary longer run; ``diagnostics["extensions"]`` and
        ``["sweeps_per_chain"]`` record what was run.  ``0`` (the default) runs exactly the
        sweeps asked for, as R does; the analysis pipeline uses 2.

    Attributes
    ----------
    result_ : EstimateResult
        ``method="lcmcr"``; ``estimate`` the posterior median of ``N``; ``interval`` the
        equal-tailed 95% posterior interval (quantile type 7 of the pooled draws);
        ``draws`` the pooled draws of ``N`` in chain-major order (``draws.reshape(chains,
        -1)`` gives the chains); ``diagnostics`` R-hat, bulk and tail ESS, MCSE of the
        median, per-chain medians and flags.
    draws_ : ndarray of shape (chains, samples)
        Draws of ``N``.
    alpha_draws_, kstar_draws_ : ndarray of shape (chains, samples)
        Draws of ``alpha`` and of the number of occupied classes.

    Notes
    -----
    One Gibbs sweep costs O(patterns × K × J): counts of people with the same history are
    allocated to classes by multinomial draws, and the unobserved count by a negative-binomial
    draw (see :mod:`uncounted.estimate._lcmcr_kernel`).

    The sampler can mix slowly when the posterior of ``N`` is multimodal (Manrique-Vallier
    2016, sec. 5; the UK data are an example): R-hat, ESS and the agreement of chain medians
    are checked, and trouble is reported as :class:`~uncounted.exceptions.EstimationWarning`
    and recorded in ``result_.warnings`` and ``result_.diagnostics["flags"]``.

    Examples
    --------
    >>> LCMCR(chains=2, samples=500, thinning=20).fit(table).result_   # doctest: +SKIP
    """

    _parameter_constraints: ClassVar[dict[str, list[Constraint]]] = {
        "k_max": [Interval(int, 2, None)],
        "a_alpha": [Interval(float, 0, None, closed="neither")],
        "b_alpha": [Interval(float, 0, None, closed="neither")],
        "chains": [Interval(int, 1, None)],
        "burnin": [Interval(int, 0, None)],
        "samples": [Interval(int, 4, None)],
        "thinning": [Interval(int, 1, None)],
        "random_state": RANDOM_STATE,
        "progress": [Options((None,)), Predicate(callable, "a callable(done, total)")],
        "n_max_factor": [Options((None,)), Interval(float, 1, None, closed="neither")],
        "n_jobs": [Interval(int, 1, None)],
        "max_extensions": [Interval(int, 0, None)],
    }

    def __init__(
        self,
        k_max: int = 10,
        a_alpha: float = 0.25,
        b_alpha: float = 0.25,
        chains: int = 4,
        burnin: int = 10_000,
        samples: int = 1_000,
        thinning: int = 100,
        random_state: Any = 0,
        progress: ProgressCallback | None = None,
        n_max_factor: float | None = None,
        n_jobs: int = 1,
        max_extensions: int = 0,
    ) -> None:
        self.k_max = k_max
        self.a_alpha = a_alpha
        self.b_alpha = b_alpha
        self.chains = chains
        self.burnin = burnin
        self.samples = samples
        self.thinning = thinning
        self.random_state = random_state
        self.progress = progress
        self.n_max_factor = n_max_factor
        self.n_jobs = n_jobs
        self.max_extensions = max_extensions

    # ------------------------------------------------------------------ sampling
    def _sample(
        self, histories: CaptureHistories, root: np.random.SeedSequence
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
        """Run all chains, extending them while they fail the mixing checks (up to
        ``max_extensions`` times).

        Returns N, alpha and K* draws (chains × samples), the number of ``n0`` redraws and the
        number of extensions run (the draws' thinning is ``thinning × 2**extensions``).
        """
        patterns = np.ascontiguousarray(histories.patterns, dtype=np.int8)
        counts = np.ascontiguousarray(histories.counts, dtype=np.int64)
        n = int(counts.sum())
        k, chains, samples = int(self.k_max), int(self.chains), int(self.samples)
        burnin, thin = int(self.burnin), int(self.thinning)
        a_alpha, b_alpha = float(self.a_alpha), float(self.b_alpha)
        max_n0 = -1
        if self.n_max_factor is not None:
            max_n0 = max(int(math.floor((float(self.n_max_factor) - 1.0) * n)), 0)

        warm_blocks = [_BLOCK_SWEEPS] * (burnin // _BLOCK_SWEEPS)
        if burnin % _BLOCK_SWEEPS:
            warm_blocks.append(burnin % _BLOCK_SWEEPS)

        def blocks_for(thin: int) -> list[int]:
            per_block = max(1, _BLOCK_SWEEPS // thin)
            blocks = [per_block] * (samples // per_block)
            if samples % per_block:
                blocks.append(samples % per_block)
            return blocks

        draw_blocks = blocks_for(thin)
        seeds = _chain_seeds(root, chains, len(warm_blocks) + len(draw_blocks))

        total = [chains * (burnin + samples * thin)]
        out_n = np.empty((chains, samples), dtype=np.int64)
        out_alpha = np.empty((chains, samples))
        out_kstar = np.empty((chains, samples), dtype=np.int64)
        redraws = np.zeros(chains, dtype=np.int64)
        states: list[tuple[np.ndarray, ...]] = [()] * chains
        lock = threading.Lock()
        done = [0]

        def advance(sweeps: int) -> None:
            with lock:
                done[0] += sweeps
                if self.progress is not None:
                    self.progress(done[0], total[0])

        def run_chain(c: int, chain_seeds: list[int], thin: int, blocks: list[int]) -> None:
            # Each kernel call reseeds the kernel's generator from this chain's own seed
            # list, so the draws do not depend on n_jobs or on thread scheduling.
            empty_f = np.empty(0)
            empty_i = np.empty(0, dtype=np.int64)
            seed_iter = iter(chain_seeds)
            if not states[c]:
                states[c] = kernel.init_state(
                    n, k, patterns.shape[1], a_alpha, b_alpha, next(seed_iter)
                )
                lam, pi, v, state_f, state_i = states[c]
                for sweeps in warm_blocks:
                    kernel.run_sweeps(patterns, counts, lam, pi, v, state_f, state_i, a_alpha,
                                      b_alpha, max_n0, sweeps, sweeps + 1, next(seed_iter),
                                      empty_f, empty_f, empty_i)
                    advance(sweeps)
            lam, pi, v, state_f, state_i = states[c]
            start = 0
            for n_draws in blocks:
                stop = start + n_draws
                kernel.run_sweeps(patterns, counts, lam, pi, v, state_f, state_i, a_alpha,
                                  b_alpha, max_n0, n_draws * thin, thin, next(seed_iter),
                                  out_n[c, start:stop], out_alpha[c, start:stop],
                                  out_kstar[c, start:stop])
                start = stop
                advance(n_draws * thin)
            redraws[c] = state_i[1]  # counts every sweep of the chain so far
            logger.debug("LCMCR chain %d: median N %.1f (thinning %d)", c,
                         np.median(out_n[c]), thin)

        def run_all(chain_seeds: list[list[int]], thin: int, blocks: list[int]) -> None:
            n_jobs = min(int(self.n_jobs), chains)
            if n_jobs == 1:
                for c in range(chains):
                    run_chain(c, chain_seeds[c], thin, blocks)
            else:
                # the kernel is compiled with nogil=True, so threads run chains in parallel
                with ThreadPoolExecutor(max_workers=n_jobs) as pool:
                    list(pool.map(lambda c: run_chain(c, chain_seeds[c], thin, blocks),
                                  range(chains)))

        run_all(seeds, thin, draw_blocks)
        extensions = 0
        while extensions < int(self.max_extensions) and not _mixed(out_n):
            extensions += 1
            thin *= 2
            blocks = blocks_for(thin)
            # seeds of extension e come from their own branch of the root's seed tree, so a
            # run with extensions starts exactly like one without
            ext_root = np.random.SeedSequence(
                root.entropy, spawn_key=(*root.spawn_key, _EXTENSION_KEY + extensions),
                pool_size=root.pool_size)
            with lock:
                total[0] += chains * samples * thin
            logger.info("LCMCR draws failed the mixing checks; extension %d: thinning %d",
                        extensions, thin)
            run_all(_chain_seeds(ext_root, chains, len(blocks)), thin, blocks)
        return out_n, out_alpha, out_kstar, int(redraws.sum()), extensions

    # ------------------------------------------------------------------ fit
    def _fit(self, histories: CaptureHistories) -> EstimateResult:
        n = histories.n_observed
        if histories.k < 3:
            raise NotEstimableError(
                f"LCMCR needs at least 3 lists; got {histories.k}. With 2 lists a latent-class "
                "model is not identified and the estimate would be the prior. Use a "
                "log-linear model (independence) or add lists."
            )
        if n == 0:
            raise NotEstimableError(
                "The capture-history table is empty (nobody observed); there is nothing to "
                "estimate from."
            )
        root = _root_seed(self.random_state)
        draws, alpha, kstar, redraws, extensions = self._sample(histories, root)
        self.draws_ = draws
        self.alpha_draws_ = alpha
        self.kstar_draws_ = kstar
        pooled = draws.reshape(-1).astype(float)

        median = float(np.median(pooled))
        lower, upper = (float(q) for q in np.quantile(pooled, [0.025, 0.975]))
        diagnostics, flags = self._diagnostics(draws, kstar, alpha, redraws, n,
                                               extensions=extensions)
        for msg in flags.values():
            warnings.warn(msg, EstimationWarning, stacklevel=3)  # the caller of fit()
            logger.info("%s", msg)
        diagnostics["flags"] = sorted(flags)

        seed = (
            int(self.random_state) if isinstance(self.random_state, numbers.Integral) else None
        )
        settings = {k: v for k, v in self.get_params().items() if k not in ("progress", "n_jobs")}
        settings["random_state"] = seed if seed is not None else repr(self.random_state)
        return EstimateResult(
            method="lcmcr",
            estimate=median,
            interval=(lower, upper),
            interval_kind="posterior",
            level=0.95,
            n_observed=n,
            diagnostics=diagnostics,
            warnings=tuple(flags.values()),
            draws=pooled,
            models=None,
            provenance=build_provenance(histories, seed=seed, settings=settings,
                                        seed_entropy=str(root.entropy),
                                        sampler="uncounted numba Gibbs (frequency table)"),
        )

    def _diagnostics(
        self,
        draws: np.ndarray,
        kstar: np.ndarray,
        alpha: np.ndarray,
        redraws: int,
        n: int,
        *,
        extensions: int = 0,
    ) -> tuple[dict[str, Any], dict[str, str]]:
        chains = draws.shape[0]
        pooled = draws.reshape(-1).astype(float)
        out: dict[str, Any] = {
            "posterior_mean": float(pooled.mean()),
            "posterior_sd": float(pooled.std(ddof=1)),
            "chains": chains,
            "samples_per_chain": int(draws.shape[1]),
            # warm-up, the first draws and every extension (thinning doubled each time)
            "sweeps_per_chain": (int(self.burnin) + int(self.samples) * int(self.thinning)
                                 * (2 ** (extensions + 1) - 1)),
            "extensions": extensions,
            "thinning_used": int(self.thinning) * 2**extensions,
            "alpha_mean": float(alpha.mean()),
            "kstar_mean": float(kstar.mean()),
            "kstar_max": int(kstar.max()),
            "n0_redraws": int(redraws),
            "chain_medians": [float(x) for x in np.median(draws, axis=1)],
        }
        flags: dict[str, str] = {}
        mixing = _mixing(draws)
        if mixing is None:
            out.update(rhat=float("nan"), ess_bulk=float("nan"), ess_tail=float("nan"),
                       mcse_median=0.0)
            return out, flags
        rhat, ess_bulk, ess_tail = mixing
        out.update(rhat=rhat, ess_bulk=ess_bulk, ess_tail=ess_tail,
                   mcse_median=diag.mcse_quantile(draws, 0.5))
        failed = _failed_checks(rhat, ess_bulk, ess_tail, chains)
        if "rhat" in failed:
            flags["rhat"] = (
                f"LCMCR chains have not mixed: R-hat of N is {rhat:.3f} (> {RHAT_MAX}). "
                "Run longer chains (burnin, samples, thinning) before using the estimate."
            )
        ess_min = ESS_PER_CHAIN_MIN * chains
        if "ess" in failed:
            flags["ess"] = (
                f"LCMCR effective sample size of N is low: bulk {ess_bulk:.0f}, tail "
                f"{ess_tail:.0f} (< {ess_min:.0f} = {ESS_PER_CHAIN_MIN:.0f} per chain). "
                "Increase samples or thinning."
            )
        if chains > 1 and draws.shape[1] >= 8:
            mcse = np.array([diag.mcse_quantile(draws[c], 0.5) for c in range(chains)])
            meds = np.median(draws, axis=1).astype(float)
            ok = np.isfinite(mcse) & (mcse > 0)
            if ok.sum() >= 2:
                w = 1.0 / mcse[ok] ** 2
                centre = float(np.sum(w * meds[ok]) / np.sum(w))
                chi2 = float(np.sum(w * (meds[ok] - centre) ** 2))
                p = float(stats.chi2.sf(chi2, int(ok.sum()) - 1))
                out["chains_agree_p"] = p
                if p < CHAINS_DISAGREE_P:
                    flags["chains_disagree"] = (
                        f"LCMCR chains disagree: per-chain medians of N "
                        f"{', '.join(f'{m:,.0f}' for m in meds)} differ beyond Monte Carlo "
                        f"error (p = {p:.1g}); the posterior may be multimodal. Run longer "
                        "chains and compare them before reporting."
                    )
        if redraws and self.n_max_factor is None:
            flags["improper"] = (
                f"The posterior of N put (numerically) unbounded mass on large N in {redraws} "
                "sweeps; the estimate is not reliable for this table."
            )
        if self.n_max_factor is not None:
            cap = math.floor(float(self.n_max_factor) * n)
            share = float(np.mean(pooled >= 0.9 * cap))
            out["share_near_cap"] = share
            if share > 0.01:
                flags["truncation"] = (
                    f"{share:.1%} of the draws of N are within 10% of the truncation "
                    f"N <= {cap:,} (n_max_factor={self.n_max_factor}); the truncation "
                    "shapes the posterior. Use n_max_factor=None."
                )
        return out, flags
