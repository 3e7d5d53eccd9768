"""Bayesian model averaging over decomposable graphical models (Madigan & York 1997).

The method
----------
Each decomposable graph ``G`` on the ``k`` lists is a log-linear model of the full
``2^k`` capture-history table (Madigan & York 1997, sec. 2).  With the complete table's
cell probabilities given a hyper-Dirichlet prior (Dawid & Lauritzen 1993) whose full-table
parameter is ``delta`` in every cell, the marginal of clique ``C`` is Dirichlet with
``alpha_C = delta * 2^(k - |C|)`` per cell, and for a complete table ``n`` of total ``N``::

    p(n | G, N) = N! / prod_i n_i!  *  prod_C h(n_C) / prod_S h(n_S)
    h(n_C) = Gamma(A) / Gamma(A + N) * prod_c Gamma(n_c + alpha_C) / Gamma(alpha_C)

with ``A = delta * 2^k`` and ``C``, ``S`` the cliques and separators of ``G``.  Only the
unobserved cell ``n_0 = N - n`` is unknown, so ``p(N, G | data)`` is proportional to
``p(N) p(G) p(n(N) | G, N)`` with ``n(N)`` the observed table completed by ``n_0``.  The
posterior of ``N`` is computed on a grid ``n_0 = 0..M`` and normalised over the grid,
averaging over every graph (exact for k <= 5: 8, 61 or 822 graphs).

This is the model of the R package dga (Johndrow, Lum & Ball; ``bma.cr``): same prior
(``delta = 2^-k`` as its suggested default, ``p(N) ~ 1/N``, uniform over graphs), same
grid convention, and its posterior is reproduced to 1e-6 (``tests/estimate/test_bma*.py``).

Speed
-----
For a marginal table over the list subset ``S`` only one cell depends on ``n_0``: the cell
of people on none of the lists in ``S``, which holds ``z_S + n_0``.  So each subset's log
marginal likelihood is a constant plus one ``lgamma(z_S + n_0 + alpha_S)`` vector over the
grid; a graph's log weight is a signed sum of a handful of those vectors.  The grid is
processed in chunks (a small dense ``graphs x subsets`` matrix product, then one ``exp``),
so memory stays bounded whatever ``M`` and nothing of size ``graphs x M`` is kept.

Beyond five lists
-----------------
There are 18,154 decomposable graphs on 6 lists and about 31 million on 8, so for
``k > 5`` the graph is sampled by Metropolis-Hastings over decomposable graphs with
single-edge add/remove moves (Giudici & Green 1999; Madigan & York 1997 use the same moves
as MC^3): propose toggling a uniformly chosen pair of lists, reject at once if the result is
not decomposable, else accept with the ratio of ``p(G) sum_N p(N) p(data, N | G)``.  The
sum over the grid is exact (on a finely thinned grid when ``M`` is chosen automatically),
so the chains move over graphs only, and the posterior of ``N`` is Rao-Blackwellised: the
average of the exact ``p(N | G, data)`` over the sampled graphs.  Each chain is a
parallel-tempering ladder (Geyer 1991), which lets it cross between modes of graph space.
Several chains (the first from the independence graph, the second from the saturated one)
give a between-chain Monte Carlo error; :class:`BMA` warns when the chains disagree.  On five
lists the sampler agrees with the enumeration within that error (tested).

References
----------
Madigan, D. & York, J. C. (1997). Bayesian methods for estimation of the size of a closed
population. *Biometrika* 84(1), 19-31.
Dawid, A. P. & Lauritzen, S. L. (1993). Hyper Markov laws in the statistical analysis of
decomposable graphical models. *Annals of Statistics* 21(3), 1272-1317.
Giudici, P. & Green, P. J. (1999). Decomposable graphical Gaussian model determination.
*Biometrika* 86(4), 785-801.
Geyer, C. J. (1991). Markov chain Monte Carlo maximum likelihood. *Computing Science and
Statistics: Proc. 23rd Symposium on the Interface*, 156-163.
Johndrow, J., Lum, K. & Ball, P. (2015). dga: Capture-Recapture Estimation using Bayesian
Model Averaging. R package (version 2.0.2 used for the reference numbers).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import gammaln

from uncounted.estimate.graphs import (
    MAX_ENUMERATE_K,
    DecomposableGraph,
    enumerate_decomposable_graphs,
)
from uncounted.estimate.histories import CaptureHistories
from uncounted.estimate.result import (
    RANDOM_STATE,
    EstimateResult,
    Estimator,
    Interval,
    Options,
    Predicate,
    build_provenance,
)
from uncounted.exceptions import EstimationWarning, InputError, NotEstimableError

__all__ = [
    "BMA",
    "DEFAULT_TEMPERATURES",
    "GridPosterior",
    "auto_grid_max",
    "auto_grid_start",
    "bma_posterior",
    "log_prior_inverse_n",
    "log_prior_uniform",
]

logger = logging.getLogger(__name__)

LogPriorN = Callable[[np.ndarray], np.ndarray]

#: Posterior mass allowed on the top 10% of the grid before the grid counts as converged
#: (the rule used for the reference runs of dga).
TAIL_TOLERANCE = 1e-6

#: Largest between-chain standard error of the posterior mean of N, as a fraction of the
#: posterior sd, before MCMC over graphs warns that the chains disagree.
MCMC_CHAIN_TOLERANCE = 0.1

#: Inverse temperatures of the parallel-tempering ladder of each MCMC chain over graphs.
DEFAULT_TEMPERATURES: tuple[float, ...] = (1.0, 0.6, 0.35, 0.2)

#: Target number of ``graphs x grid`` cells evaluated at once (~8 MB per temporary; smaller
#: chunks stay in cache, which measured faster than larger ones).
_CHUNK_CELLS = 1 << 20


def _exp(x: np.ndarray) -> np.ndarray:
    """``exp(x)`` for ``x <= 0``, flushing results below ~1e-304 to exactly zero.

    Relative to the largest term such values are far below double precision, and letting
    them through as subnormal numbers makes every later operation on the array many times
    slower.
    """
    out = np.zeros(np.shape(x))
    np.exp(x, out=out, where=x > _EXP_FLOOR)
    return out


_EXP_FLOOR = -700.0


# ------------------------------------------------------------------------- priors on N
def log_prior_inverse_n(n_total: np.ndarray) -> np.ndarray:
    """Log of the default prior ``p(N) ~ 1/N`` (dga's default, Madigan & York 1997)."""
    return -np.log(n_total)


def log_prior_uniform(n_total: np.ndarray) -> np.ndarray:
    """Log of a flat prior on the grid."""
    return np.zeros_like(n_total, dtype=float)


_NAMED_PRIORS: dict[str, LogPriorN] = {"1/N": log_prior_inverse_n, "uniform": log_prior_uniform}


def _resolve_prior(prior: str | LogPriorN | npt.ArrayLike | None,
                   n_total: np.ndarray) -> np.ndarray:
    """Evaluate the log prior of N on the grid of totals."""
    if prior is None:
        prior = "1/N"
    if isinstance(prior, str):
        try:
            fn = _NAMED_PRIORS[prior]
        except KeyError:
            raise InputError(
                f"Unknown prior on N {prior!r}; use one of {sorted(_NAMED_PRIORS)}, a function "
                "N -> log p(N), or an array of log prior values on the grid."
            ) from None
        out = fn(n_total)
    elif callable(prior):
        out = np.asarray(prior(n_total), dtype=float)
    else:
        out = np.asarray(prior, dtype=float)
    try:
        out = np.broadcast_to(np.asarray(out, dtype=float), n_total.shape).astype(float)
    except ValueError:
        raise InputError(
            f"The log prior on N has shape {np.shape(out)}; it must give one value per grid "
            f"point ({n_total.size}).") from None
    if np.isnan(out).any() or np.isposinf(out).any():
        raise InputError("The log prior on N must be finite or -inf on every grid value.")
    return out


# ------------------------------------------------------------------------- marginal terms
@dataclass
class _Table:
    """The observed table reduced to what the marginal likelihoods need."""

    k: int
    codes: np.ndarray  # int64 pattern codes, bit j = list j
    counts: np.ndarray  # float counts (> 0)
    n: float
    delta: float
    _terms: dict[int, tuple[float, float, float]] = field(default_factory=dict)

    @classmethod
    def from_arrays(cls, patterns: np.ndarray, counts: np.ndarray, delta: float) -> _Table:
        pat = np.asarray(patterns, dtype=np.int64)
        cnt = np.asarray(counts, dtype=float)
        keep = cnt > 0
        pat, cnt = pat[keep], cnt[keep]
        k = pat.shape[1]
        codes = (pat << np.arange(k, dtype=np.int64)).sum(axis=1)
        if (codes == 0).any():
            raise InputError("The all-zero capture history (the unobserved cell) must not be "
                             "given as observed data.")
        return cls(k, codes, cnt, float(cnt.sum()), float(delta))

    @property
    def total_alpha(self) -> float:
        return self.delta * 2.0 ** self.k

    def terms(self, subset: int) -> tuple[float, float, float]:
        """``(const, z, alpha)`` for the marginal table over the lists in ``subset``.

        The subset's log marginal likelihood at ``n_0`` missing is
        ``const + lgamma(z + n_0 + alpha) + lgamma(A) - lgamma(A + n + n_0)``.
        """
        got = self._terms.get(subset)
        if got is not None:
            return got
        size = int(subset).bit_count()
        alpha = self.delta * 2.0 ** (self.k - size)
        keys = self.codes & subset
        uniq, inv = np.unique(keys, return_inverse=True)
        sums = np.bincount(inv, weights=self.counts)
        z = float(sums[uniq == 0].sum())
        nz = sums[uniq != 0]
        const = float(np.sum(gammaln(nz + alpha) - gammaln(alpha)) - gammaln(alpha))
        out = (const, z, alpha)
        self._terms[subset] = out
        return out


@dataclass
class _Design:
    """Graphs as signed combinations of subset log-likelihood vectors."""

    subsets: np.ndarray  # (S,) subset bitmasks
    const: np.ndarray  # (S,)
    z: np.ndarray  # (S,)
    alpha: np.ndarray  # (S,)
    signs: np.ndarray  # (G, S + 1): last column multiplies lgamma(A) - lgamma(A + N)
    log_prior_graph: np.ndarray  # (G,)


def _design(table: _Table, graphs: Sequence[DecomposableGraph],
            log_prior_graph: np.ndarray) -> _Design:
    used = sorted({s for g in graphs for s in (*g.cliques, *g.separators)})
    col = {s: i for i, s in enumerate(used)}
    signs = np.zeros((len(graphs), len(used) + 1))
    for gi, g in enumerate(graphs):
        for c in g.cliques:
            signs[gi, col[c]] += 1.0
        for s in g.separators:
            signs[gi, col[s]] -= 1.0
        signs[gi, -1] = len(g.cliques) - len(g.separators)
    terms = np.array([table.terms(s) for s in used], dtype=float).reshape(-1, 3)
    return _Design(np.array(used, dtype=np.int64), terms[:, 0], terms[:, 1], terms[:, 2],
                   signs, np.asarray(log_prior_graph, dtype=float))


def _common_log_terms(table: _Table, m: np.ndarray, log_prior: np.ndarray) -> np.ndarray:
    """Terms shared by every graph: prior on N and the multinomial coefficient N!/n_0!."""
    n_total = table.n + m
    return log_prior + gammaln(n_total + 1.0) - gammaln(m + 1.0)


def _subset_matrix(design: _Design, table: _Table, m: np.ndarray) -> np.ndarray:
    """``(S + 1, len(m))`` log marginal likelihood vectors; last row is the shared A term."""
    a_tot = table.total_alpha
    comp = np.empty((design.subsets.size + 1, m.size))
    comp[:-1] = design.const[:, None] + gammaln(
        design.z[:, None] + m[None, :] + design.alpha[:, None])
    comp[-1] = gammaln(a_tot) - gammaln(a_tot + table.n + m)
    return comp


@dataclass
class _Accum:
    """Log-space accumulators over grid chunks."""

    log_post_m: list[np.ndarray]
    log_mass_g: np.ndarray
    mean_num_g: np.ndarray  # posterior mean of N under each graph, over the grid so far

    @classmethod
    def empty(cls, n_graphs: int) -> _Accum:
        return cls([], np.full(n_graphs, -np.inf), np.zeros(n_graphs))


def _accumulate(design: _Design, table: _Table, m: np.ndarray, log_prior: np.ndarray,
                acc: _Accum) -> None:
    """Add the grid points ``m`` (with log prior values) to ``acc``, chunk by chunk.

    Per chunk: one ``graphs x subsets`` by ``subsets x chunk`` product gives every graph's
    log weight, one ``exp`` relative to the chunk's largest value, then row and column sums
    (posterior of N; per-graph mass and N-weighted mass, merged in log space).
    """
    n_graphs = design.signs.shape[0]
    step = max(256, _CHUNK_CELLS // max(n_graphs, 1))
    for lo in range(0, m.size, step):
        mc = m[lo:lo + step]
        comp = _subset_matrix(design, table, mc)
        lw = design.signs @ comp
        lw += _common_log_terms(table, mc, log_prior[lo:lo + step])[None, :]
        lw += design.log_prior_graph[:, None]
        ref = float(np.max(lw)) if lw.size else -np.inf
        if not np.isfinite(ref):
            acc.log_post_m.append(np.full(mc.size, -np.inf))
            continue
        e = _exp(lw - ref)
        with np.errstate(divide="ignore"):
            acc.log_post_m.append(np.log(e.sum(axis=0)) + ref)
            mass = np.log(e.sum(axis=1)) + ref
        new_log = np.logaddexp(acc.log_mass_g, mass)
        with np.errstate(invalid="ignore", over="ignore"):
            scale_old = np.where(np.isfinite(acc.log_mass_g),
                                 np.exp(acc.log_mass_g - new_log), 0.0)
            scale_new = np.where(np.isfinite(mass), np.exp(ref - new_log), 0.0)
        acc.mean_num_g = acc.mean_num_g * scale_old + (e @ (table.n + mc)) * scale_new
        acc.log_mass_g = new_log


# ------------------------------------------------------------------------- posterior object
@dataclass(frozen=True, eq=False)
class GridPosterior:
    """Posterior of ``N`` on a grid, with the graph weights behind it.

    Attributes
    ----------
    n_observed : int
        Observed count ``n``; the grid of totals is ``n + nmissing``.
    nmissing : numpy.ndarray
        Grid of values of the unobserved cell (integers, increasing).
    prob : numpy.ndarray
        Posterior probability of each grid value, normalised over the grid.
    graphs : tuple of DecomposableGraph
        Graphs averaged over (all of them, or those visited by MCMC).
    graph_prob : numpy.ndarray
        Posterior probability of each graph (MCMC: visit frequency after warm-up).
    graph_mean_n : numpy.ndarray
        Posterior mean of ``N`` under each graph alone.
    delta : float
        Hyper-Dirichlet parameter.
    method : str
        ``"exact"`` (enumeration) or ``"mcmc"``.
    diagnostics : dict
        MCMC figures (acceptance rate, distinct graphs, between-chain error) when sampled.
    graph_visits : numpy.ndarray or None
        MCMC only: share of post-warm-up iterations spent in each graph.
    """

    n_observed: int
    nmissing: np.ndarray
    prob: np.ndarray
    graphs: tuple[DecomposableGraph, ...]
    graph_prob: np.ndarray
    graph_mean_n: np.ndarray
    delta: float
    method: str = "exact"
    diagnostics: dict[str, Any] = field(default_factory=dict)
    graph_visits: np.ndarray | None = None

    @property
    def n_total(self) -> np.ndarray:
        """Grid of total population sizes ``N = n + nmissing``."""
        return self.n_observed + self.nmissing

    @property
    def grid_max(self) -> int:
        """Largest value ``M`` of the unobserved cell on the grid."""
        return int(self.nmissing[-1])

    def cdf(self) -> np.ndarray:
        """Cumulative posterior probabilities over the grid."""
        return np.cumsum(self.prob)

    def mean(self) -> float:
        """Posterior mean of ``N``."""
        return float(np.dot(self.n_total, self.prob))

    def sd(self) -> float:
        """Posterior standard deviation of ``N``."""
        mu = self.mean()
        return float(math.sqrt(max(np.dot((self.n_total - mu) ** 2, self.prob), 0.0)))

    def mode(self) -> int:
        """Posterior mode of ``N`` (the first grid value of highest probability)."""
        return int(self.n_total[int(np.argmax(self.prob))])

    def quantile(self, p: float) -> int:
        """Discrete quantile: the smallest ``N`` on the grid with ``cdf >= p`` (as dga).

        A relative slack of 1e-12 absorbs rounding in the cumulative sum.
        """
        if not 0.0 <= p <= 1.0:
            raise InputError(f"Quantile level must be in [0, 1]; got {p}.")
        cdf = self.cdf()
        i = int(np.searchsorted(cdf, p * (1.0 - 1e-12), side="left"))
        return int(self.n_total[min(i, cdf.size - 1)])

    def median(self) -> int:
        """Posterior median of ``N`` (smallest ``N`` with ``cdf >= 0.5``)."""
        return self.quantile(0.5)

    def interval(self, level: float = 0.95) -> tuple[int, int]:
        """Equal-tailed interval of discrete quantiles at ``(1 - level)/2`` and ``(1 + level)/2``."""
        a = (1.0 - level) / 2.0
        return self.quantile(a), self.quantile(1.0 - a)

    def tail_mass(self, fraction: float = 0.1) -> float:
        """Posterior mass on grid values ``nmissing > (1 - fraction) * M``.

        With the reference's ``fraction = 0.1`` this is its ``tail_mass_top10pct``; a grid is
        taken as converged when it is below :data:`TAIL_TOLERANCE`.
        """
        return float(self.prob[self.nmissing > (1.0 - fraction) * self.nmissing[-1]].sum())

    @property
    def grid_converged(self) -> bool:
        """Whether the top 10% of the grid holds less than :data:`TAIL_TOLERANCE` mass."""
        return self.tail_mass() < TAIL_TOLERANCE

    def sample(self, size: int, random_state: int | np.random.Generator | None = None
               ) -> np.ndarray:
        """Independent draws of ``N`` from the grid posterior (inverse-cdf sampling)."""
        rng = np.random.default_rng(random_state)
        cdf = self.cdf()
        u = rng.random(size) * cdf[-1]
        idx = np.minimum(np.searchsorted(cdf, u, side="right"), cdf.size - 1)
        return self.n_total[idx].astype(np.int64)

    def summary(self) -> dict[str, float]:
        """Mean, sd, median, mode and the 2.5/5/95/97.5% quantiles (dga's ``posterior``)."""
        return {
            "mean": self.mean(), "sd": self.sd(), "median": float(self.median()),
            "mode": float(self.mode()), "q025": float(self.quantile(0.025)),
            "q975": float(self.quantile(0.975)), "q05": float(self.quantile(0.05)),
            "q95": float(self.quantile(0.95)), "tail_mass_top10pct": self.tail_mass(),
        }

    def models_frame(self, lists: Sequence[str] | None = None) -> pd.DataFrame:
        """Graph weights as a DataFrame sorted by posterior probability.

        Columns: ``graph`` (cliques in dga's notation), ``n_edges``, ``posterior_prob``,
        ``posterior_mean_N`` (under that graph alone; NaN where the weight is negligible)
        and, after MCMC, ``visit_freq``.
        """
        df = pd.DataFrame({
            "graph": [g.describe(lists) for g in self.graphs],
            "n_edges": [g.n_edges for g in self.graphs],
            "posterior_prob": self.graph_prob,
            "posterior_mean_N": self.graph_mean_n,
        })
        if self.graph_visits is not None:
            df["visit_freq"] = self.graph_visits
        return df.sort_values("posterior_prob", ascending=False, kind="stable").reset_index(
            drop=True)


def _finish(table: _Table, m: np.ndarray, acc: _Accum, graphs: Sequence[DecomposableGraph],
            method: str, diagnostics: dict[str, Any] | None = None) -> GridPosterior:
    log_post = np.concatenate(acc.log_post_m) if acc.log_post_m else np.zeros(0)
    top = float(np.max(log_post))
    if not np.isfinite(top):
        raise NotEstimableError(
            "The posterior of N is zero on the whole grid: the prior on N gives no weight to "
            "any grid value. Check the prior and the grid.")
    prob = _exp(log_post - top)
    prob /= prob.sum()
    gp = _exp(acc.log_mass_g - np.max(acc.log_mass_g))
    gp /= gp.sum()
    return GridPosterior(int(round(table.n)), m.astype(np.int64), prob, tuple(graphs), gp,
                         acc.mean_num_g.copy(), table.delta, method, dict(diagnostics or {}))


# ------------------------------------------------------------------------- grid choice
def auto_grid_start(n_observed: int) -> int:
    """First grid bound tried: ``max(5 n, 1000)`` (as in the reference runs)."""
    return int(max(5 * n_observed, 1000))


def auto_grid_max(n_observed: int) -> int:
    """Largest grid bound the automatic rule may reach: ``max(40 n, 100000)``.

    The reference runs of dga also capped its ``graphs x grid`` matrix at 3e8 cells, a
    memory limit of that implementation that no reference table reached; this one never
    holds that matrix, so the cap is not applied.
    """
    return int(max(40 * n_observed, 100_000))


def _check_grid(nmissing: npt.ArrayLike) -> np.ndarray:
    m = np.asarray(nmissing)
    if m.ndim != 1 or m.size == 0:
        raise InputError("The grid of missing counts must be a non-empty 1-D sequence.")
    if not np.all(np.isfinite(m.astype(float))) or (m < 0).any() or (m != np.round(m)).any():
        raise InputError("Grid values of the unobserved cell must be non-negative integers.")
    if (np.diff(m) <= 0).any():
        raise InputError("The grid of missing counts must be strictly increasing.")
    return m.astype(float)


def _table_from(data: CaptureHistories | tuple[np.ndarray, np.ndarray],
                delta: float | None) -> _Table:
    if isinstance(data, CaptureHistories):
        pat, cnt = data.patterns, data.counts
    else:
        pat, cnt = data
    pat = np.asarray(pat)
    if pat.ndim != 2:
        raise InputError("patterns must be a 2-D 0/1 array (rows = histories, columns = lists).")
    k = pat.shape[1]
    if k < 3:
        raise NotEstimableError(
            f"Model averaging over decomposable graphs needs at least 3 lists; got {k}. With two "
            "lists the dependence between them cannot be identified: add a list or use "
            "Lincoln-Petersen under the independence assumption.")
    d = 2.0 ** -k if delta is None else float(delta)
    if not d > 0 or not math.isfinite(d):
        raise InputError(f"The hyper-Dirichlet parameter delta must be a positive number; got "
                         f"{delta!r}. The suggested default is 2^-k.")
    table = _Table.from_arrays(pat, np.asarray(cnt), d)
    if table.n <= 0:
        raise NotEstimableError("Nobody was observed on any list: there is nothing to "
                                "estimate from.")
    return table


def _graph_log_prior(graphs: Sequence[DecomposableGraph],
                     log_prior_graph: Callable[[DecomposableGraph], float] | None) -> np.ndarray:
    if log_prior_graph is None:
        return np.zeros(len(graphs))
    return np.array([float(log_prior_graph(g)) for g in graphs])


# ------------------------------------------------------------------------- exact
def bma_posterior(
    data: CaptureHistories | tuple[np.ndarray, np.ndarray],
    *,
    delta: float | None = None,
    nmissing: npt.ArrayLike | None = None,
    grid_max: int | None = None,
    prior_n: str | LogPriorN | npt.ArrayLike | None = None,
    graphs: Sequence[DecomposableGraph] | None = None,
    log_prior_graph: Callable[[DecomposableGraph], float] | None = None,
) -> GridPosterior:
    """Exact posterior of ``N`` averaged over all decomposable graphs (dga's ``bma.cr``).

    Parameters
    ----------
    data : CaptureHistories or (patterns, counts)
        Observed table; ``patterns`` is ``(m, k)`` 0/1 with no all-zero row.
    delta : float, optional
        Hyper-Dirichlet parameter per cell of the full table; default ``2^-k``.
    nmissing : array-like of int, optional
        Explicit grid of unobserved counts (e.g. ``range(1, 301)``).  Overrides ``grid_max``.
    grid_max : int, optional
        Use the grid ``0..grid_max``.  When neither grid argument is given, ``M`` is chosen
        as in the reference: start at ``max(5n, 1000)`` and double until the posterior mass
        on the top 10% of the grid is below 1e-6, capped by :func:`auto_grid_max`.
    prior_n : "1/N", "uniform", callable or array, optional
        Prior on the total ``N``: a name, a function mapping totals to log prior values, or
        the log prior on the grid.  Default ``"1/N"``.
    graphs : sequence of DecomposableGraph, optional
        Graphs to average over; default all decomposable graphs on ``k`` vertices.
    log_prior_graph : callable, optional
        Log prior weight of a graph (default uniform).

    Returns
    -------
    GridPosterior
    """
    table = _table_from(data, delta)
    k = table.k
    if graphs is None:
        if k > MAX_ENUMERATE_K:
            raise InputError(
                f"Exact enumeration is limited to {MAX_ENUMERATE_K} lists; got {k}. Use "
                "uncounted.estimate.bma_mcmc.bma_posterior_mcmc (BMA(method='mcmc')) for more lists.")
        graphs = enumerate_decomposable_graphs(k)
    graphs = tuple(graphs)
    if not graphs:
        raise InputError("At least one graph is needed to average over.")
    if any(g.k != k for g in graphs):
        raise InputError(f"Every graph must have {k} vertices, one per list.")
    design = _design(table, graphs, _graph_log_prior(graphs, log_prior_graph))
    if nmissing is not None or grid_max is not None:
        m = _check_grid(nmissing if nmissing is not None else np.arange(int(grid_max or 0) + 1))
        acc = _Accum.empty(len(graphs))
        _accumulate(design, table, m, _resolve_prior(prior_n, table.n + m), acc)
        return _finish(table, m, acc, graphs, "exact")
    if not (prior_n is None or isinstance(prior_n, str) or callable(prior_n)):
        raise InputError("An array prior on N needs an explicit grid (nmissing or grid_max); "
                         "with the automatic grid pass a function N -> log p(N).")
    n_obs = int(round(table.n))
    cap = auto_grid_max(n_obs)
    hi = min(auto_grid_start(n_obs), cap)
    acc = _Accum.empty(len(graphs))
    lo = 0
    while True:
        m_new = np.arange(lo, hi + 1, dtype=float)
        _accumulate(design, table, m_new, _resolve_prior(prior_n, table.n + m_new), acc)
        m = np.arange(0, hi + 1, dtype=float)
        post = _finish(table, m, acc, graphs, "exact")
        if post.grid_converged or hi >= cap:
            return post
        lo, hi = hi + 1, min(2 * hi, cap)
        logger.debug("BMA grid not converged (tail mass %.3g); extending to M = %d",
                     post.tail_mass(), hi)


def _is_grid(x: Any) -> bool:
    arr = np.asarray(x)
    return arr.ndim == 1 and arr.size > 0 and bool(np.all(arr >= 0))


class BMA(Estimator):
    """Bayesian model averaging over decomposable graphical models (Madigan & York 1997).

    The R package dga's ``bma.cr`` as an estimator: exact enumeration of all decomposable
    graphs for 3 to 5 lists, Metropolis-Hastings over graphs for more (see the module
    docstring).  The reported estimate is the posterior **median** of ``N`` (robust to the
    heavy right tail sparse tables give); the mean, sd and mode are in ``diagnostics``.

    Parameters
    ----------
    delta : float, optional
        Hyper-Dirichlet parameter per full-table cell; default ``2^-k`` (dga's suggestion).
    prior_n : "1/N", "uniform" or callable, default "1/N"
        Prior on the total ``N`` (a callable maps an array of totals to log prior values).
    grid_max : int, optional
        Grid ``nmissing = 0..grid_max``; default chosen automatically (start ``max(5n,
        1000)``, double until the top 10% of the grid holds < 1e-6 of the mass, cap
        ``max(40n, 1e5)``).
    nmissing : sequence of int, optional
        An explicit grid of unobserved counts (overrides ``grid_max``).
    method : "auto", "exact" or "mcmc", default "auto"
        ``"auto"`` enumerates for k <= 5 and samples graphs for k > 5.  ``"exact"`` also
        works for k = 6 (18,154 graphs; about 15 s of CPU on the UK data).
    level : float, default 0.95
        Level of the equal-tailed posterior interval.
    n_draws : int, default 10000
        Draws of ``N`` from the grid posterior kept in ``result_.draws`` (for summing strata).
    mcmc_iter, mcmc_burn_in, mcmc_chains : int
        Chain settings for ``method="mcmc"`` (iterations kept and discarded per chain).
    mcmc_temperatures : tuple of float
        Inverse temperatures of each chain's parallel-tempering ladder (first must be 1).
    random_state : int, Generator or None
        Seed for the draws and the chains.

    Examples
    --------
    >>> est = BMA().fit(table)  # doctest: +SKIP
    >>> est.result_.estimate, est.result_.interval  # median, 95% interval  # doctest: +SKIP
    >>> est.result_.models.head()  # graph weights  # doctest: +SKIP
    >>> est.posterior_.summary()  # mean, sd, mode, quantiles, tail mass  # doctest: +SKIP
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "delta": [Options((None,)), Interval(float, 0.0, None, closed="neither")],
        "prior_n": [Options(("1/N", "uniform")), Predicate(callable, "a callable")],
        "grid_max": [Options((None,)), Interval(int, 0, None)],
        "nmissing": [Options((None,)), Predicate(_is_grid, "a 1-D sequence of counts >= 0")],
        "method": [Options(("auto", "exact", "mcmc"))],
        "level": [Interval(float, 0.0, 1.0, closed="neither")],
        "n_draws": [Interval(int, 1, None)],
        "mcmc_iter": [Interval(int, 1, None)],
        "mcmc_burn_in": [Interval(int, 0, None)],
        "mcmc_chains": [Interval(int, 1, None)],
        "mcmc_temperatures": [Predicate(
            lambda t: len(t) >= 1 and float(t[0]) == 1.0 and all(0 < float(b) <= 1 for b in t),
            "a sequence of inverse temperatures in (0, 1] starting at 1")],
        "random_state": RANDOM_STATE,
    }

    def __init__(
        self,
        *,
        delta: float | None = None,
        prior_n: str | LogPriorN = "1/N",
        grid_max: int | None = None,
        nmissing: Sequence[int] | None = None,
        method: str = "auto",
        level: float = 0.95,
        n_draws: int = 10_000,
        mcmc_iter: int = 5000,
        mcmc_burn_in: int = 1000,
        mcmc_chains: int = 4,
        mcmc_temperatures: tuple[float, ...] = DEFAULT_TEMPERATURES,
        random_state: int | np.random.Generator | None = 0,
    ) -> None:
        self.delta = delta
        self.prior_n = prior_n
        self.grid_max = grid_max
        self.nmissing = nmissing
        self.method = method
        self.level = level
        self.n_draws = n_draws
        self.mcmc_iter = mcmc_iter
        self.mcmc_burn_in = mcmc_burn_in
        self.mcmc_chains = mcmc_chains
        self.mcmc_temperatures = mcmc_temperatures
        self.random_state = random_state

    def _fit(self, histories: CaptureHistories) -> EstimateResult:
        k = histories.k
        method = self.method
        if method == "auto":
            method = "exact" if k <= 5 else "mcmc"
        rng = np.random.default_rng(self.random_state)
        if method == "exact":
            post = bma_posterior(histories, delta=self.delta, nmissing=self.nmissing,
                                 grid_max=self.grid_max, prior_n=self.prior_n)
        else:
            from uncounted.estimate.bma_mcmc import bma_posterior_mcmc  # it imports this module

            post = bma_posterior_mcmc(
                histories, delta=self.delta, nmissing=self.nmissing, grid_max=self.grid_max,
                prior_n=self.prior_n, n_iter=self.mcmc_iter, burn_in=self.mcmc_burn_in,
                chains=self.mcmc_chains, temperatures=self.mcmc_temperatures,
                random_state=rng)
        self.posterior_ = post
        summ = post.summary()
        lower, upper = post.interval(self.level)
        messages: list[str] = []
        converged = post.grid_converged
        if not converged:
            messages.append(
                f"posterior mass on the top 10% of the grid is {post.tail_mass():.3g} at M = "
                f"{post.grid_max:,}: heavy right tail, N is weakly identified; the mean and the "
                "upper limit depend on M (the median is more stable). Try more lists, a "
                "larger grid_max, or an informative prior on N.")
        if post.method == "mcmc":
            means = np.asarray(post.diagnostics["mcmc_chain_means"])
            se = float(post.diagnostics["mcmc_se_mean"])
            if means.size > 1 and se > MCMC_CHAIN_TOLERANCE * max(post.sd(), 1.0):
                messages.append(
                    f"MCMC over graphs: the chains disagree (posterior means of N from "
                    f"{means.min():,.0f} to {means.max():,.0f}; Monte Carlo error of the mean "
                    f"{se:,.0f} is more than {MCMC_CHAIN_TOLERANCE:g} posterior sd): the "
                    "graph posterior is not well explored. Run longer or more chains "
                    "(mcmc_iter, mcmc_chains) or a wider tempering ladder.")
        for msg in messages:
            warnings.warn(msg, EstimationWarning, stacklevel=3)
        models = post.models_frame(histories.lists)
        diagnostics: dict[str, Any] = {
            "posterior_mean": summ["mean"], "posterior_sd": summ["sd"],
            "posterior_median": summ["median"], "posterior_mode": summ["mode"],
            "q05": summ["q05"], "q95": summ["q95"],
            "grid_max": post.grid_max, "grid_converged": converged,
            "tail_mass_top10pct": summ["tail_mass_top10pct"], "delta": post.delta,
            "n_graphs": len(post.graphs), "sampling": post.method,
            "top_graph": str(models["graph"].iloc[0]),
            "top_graph_prob": float(models["posterior_prob"].iloc[0]),
            "estimate_is": "posterior median",
        }
        diagnostics.update(post.diagnostics)
        draws = post.sample(self.n_draws, rng)
        prior_label = self.prior_n if isinstance(self.prior_n, str) else "custom"
        settings = {
            "delta": post.delta, "prior_n": prior_label, "grid_max": post.grid_max,
            "grid_min": int(post.nmissing[0]), "method": post.method, "level": self.level,
            "n_draws": self.n_draws,
        }
        if post.method == "mcmc":
            settings.update(mcmc_iter=self.mcmc_iter, mcmc_burn_in=self.mcmc_burn_in,
                            mcmc_chains=self.mcmc_chains,
                            mcmc_temperatures=list(self.mcmc_temperatures))
        seed = self.random_state if isinstance(self.random_state, int) else None
        return EstimateResult(
            method="bma",
            estimate=float(post.median()),
            interval=(float(lower), float(upper)),
            interval_kind=f"posterior {100 * self.level:g}% equal-tailed",
            level=float(self.level),
            n_observed=histories.n_observed,
            diagnostics=diagnostics,
            warnings=tuple(messages),
            draws=draws,
            models=models,
            provenance=build_provenance(histories, seed=seed, settings=settings),
        )
