"""Bayesian model averaging beyond five lists: Metropolis-Hastings over decomposable graphs.

There are 18,154 decomposable graphs on 6 lists and about 31 million on 8, too many to
enumerate, so the graph is sampled (the method, with its references, is in the docstring of
:mod:`uncounted.estimate.bma`; that module holds the model, the exact enumeration for 3 to 5
lists and the :class:`~uncounted.estimate.bma.BMA` estimator, which calls this one for more
lists).  Kept apart because the sampler -- tempering ladder, thinned search grid, cached graph
scores -- is half of the BMA code and none of the enumeration needs it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln

from uncounted.estimate.bma import (
    DEFAULT_TEMPERATURES,
    TAIL_TOLERANCE,
    GridPosterior,
    LogPriorN,
    _check_grid,
    _common_log_terms,
    _exp,
    _resolve_prior,
    _Table,
    _table_from,
    auto_grid_max,
    auto_grid_start,
)
from uncounted.estimate.graphs import (
    DecomposableGraph,
    metropolis_graphs,
    random_decomposable_graph,
)
from uncounted.estimate.histories import CaptureHistories
from uncounted.exceptions import InputError

__all__ = ["bma_posterior_mcmc"]

logger = logging.getLogger(__name__)


def _search_grid(bounds: Sequence[int], dense: int) -> tuple[np.ndarray, np.ndarray,
                                                            dict[int, int]]:
    """A thinned grid over ``0..max(bounds)`` for scoring graphs during the search.

    Integers up to ``dense`` are all kept; beyond, blocks of about ``m / 500`` integers are
    represented by their midpoint with weight equal to the block length (midpoint rule on a
    function that varies on the scale of ``m``: relative error ~1e-6).  Every candidate bound
    ``b`` and its 90% point end a block, so prefix sums over ``0..b`` and ``0..floor(0.9 b)``
    are available.  Returns the evaluation points, the log block weights and, per needed
    bound, the index of the last block that ends at it.
    """
    cap = int(max(bounds))
    ends = {int(b) for b in bounds} | {int(math.floor(0.9 * b)) for b in bounds}
    cuts = set(range(0, min(dense, cap) + 1))  # block starts
    x = float(dense)
    while x < cap:
        x = max(x + 1.0, x * (1.0 + 1.0 / 500.0))
        cuts.add(int(x))
    cuts |= {e + 1 for e in ends}
    starts = np.array(sorted(c for c in cuts if c <= cap), dtype=float)
    stops = np.append(starts[1:], cap + 1.0)  # exclusive
    points = (starts + stops - 1.0) / 2.0
    log_w = np.log(stops - starts)
    index = {e: int(np.searchsorted(stops, e + 1.0)) for e in ends}
    return points, log_w, index


class _GraphScorer:
    """Log evidence ``log sum_{n_0} p(N) p(G) p(data, N | G)`` of graphs on a grid, cached.

    The grid carries log weights (block lengths of a thinned grid, or zeros for an exact
    one); each graph's prefix sums at the requested grid bounds are kept too.
    """

    def __init__(self, table: _Table, m: np.ndarray, log_w: np.ndarray,
                 log_prior_m: np.ndarray,
                 log_prior_graph: Callable[[DecomposableGraph], float] | None,
                 prefix_index: dict[int, int], cache_bytes: int = 64 * 2**20) -> None:
        self.table = table
        self.m = m
        self.base = _common_log_terms(table, m, log_prior_m) + log_w
        a_tot = table.total_alpha
        self.a_term = gammaln(a_tot) - gammaln(a_tot + table.n + m)
        self.log_prior_graph = log_prior_graph
        self._vec: dict[int, np.ndarray] = {}
        self._max_vecs = max(8, cache_bytes // max(m.nbytes, 1))
        self.prefix_bounds = list(prefix_index)
        self._prefix_idx = np.array([prefix_index[b] for b in self.prefix_bounds], dtype=int)
        self.scores: dict[tuple[int, ...], float] = {}
        self.prefix: dict[tuple[int, ...], np.ndarray] = {}
        self.graphs: dict[tuple[int, ...], DecomposableGraph] = {}

    def _subset_vec(self, s: int) -> np.ndarray:
        v = self._vec.get(s)
        if v is None:
            const, z, alpha = self.table.terms(s)
            v = const + gammaln(z + self.m + alpha)
            if len(self._vec) < self._max_vecs:
                self._vec[s] = v
        return v

    def log_weights(self, g: DecomposableGraph) -> np.ndarray:
        """``log p(N, G, data)`` (+ log block weight) over the grid."""
        lw = self.base + (len(g.cliques) - len(g.separators)) * self.a_term
        for c in g.cliques:
            lw = lw + self._subset_vec(c)
        for s in g.separators:
            lw = lw - self._subset_vec(s)
        if self.log_prior_graph is not None:
            lw = lw + float(self.log_prior_graph(g))
        return lw

    def score(self, adj: tuple[int, ...]) -> float:
        got = self.scores.get(adj)
        if got is not None:
            return got
        g = DecomposableGraph.from_adjacency(adj)
        lw = self.log_weights(g)
        top = float(np.max(lw))
        self.graphs[adj] = g
        if not np.isfinite(top):
            self.scores[adj] = -np.inf
            self.prefix[adj] = np.full(self._prefix_idx.size, -np.inf)
            return -np.inf
        cum = np.cumsum(_exp(lw - top))
        with np.errstate(divide="ignore"):
            self.prefix[adj] = np.log(cum[self._prefix_idx]) + top
        val = float(np.log(cum[-1]) + top)
        self.scores[adj] = val
        return val

    def mixture(self, counts: dict[tuple[int, ...], int]) -> np.ndarray:
        """``sum_G counts_G p(N | G)`` over the grid, each ``p(N | G)`` normalised on it."""
        out = np.zeros(self.m.size)
        for key, c in counts.items():
            lw = self.log_weights(self.graphs[key])
            out += c * _exp(lw - self.scores[key])
        return out


def _weights(values: np.ndarray) -> np.ndarray:
    w = _exp(values - np.max(values))
    return np.asarray(w / w.sum())


def _to_integer_grid(mass: np.ndarray, points: np.ndarray, log_w: np.ndarray,
                     upto: int) -> np.ndarray:
    """Per-integer probabilities on ``0..upto`` from block masses on a thinned grid.

    The density (block mass / block length) is interpolated log-linearly between block
    midpoints; on the dense part of the grid (blocks of length 1) this is the identity.
    """
    dens = mass / np.exp(log_w)
    keep = points <= upto + 0.5
    x = points[keep]
    with np.errstate(divide="ignore"):
        logd = np.log(dens[keep])
    ints = np.arange(upto + 1, dtype=float)
    finite = np.isfinite(logd)
    if finite.sum() < 2:
        out = np.interp(ints, x, dens[keep])
    else:
        out = _exp(np.interp(ints, x[finite], logd[finite]) - np.max(logd[finite]))
    return out / out.sum()


def bma_posterior_mcmc(
    data: CaptureHistories | tuple[np.ndarray, np.ndarray],
    *,
    delta: float | None = None,
    nmissing: npt.ArrayLike | None = None,
    grid_max: int | None = None,
    prior_n: str | LogPriorN | npt.ArrayLike | None = None,
    log_prior_graph: Callable[[DecomposableGraph], float] | None = None,
    n_iter: int = 5000,
    burn_in: int = 1000,
    chains: int = 4,
    temperatures: Sequence[float] = DEFAULT_TEMPERATURES,
    random_state: int | np.random.Generator | None = None,
) -> GridPosterior:
    """Posterior of ``N`` by Metropolis-Hastings over decomposable graphs (any ``k >= 3``).

    Method
    ------
    Each chain proposes toggling one uniformly chosen pair of lists; a proposal that is not
    decomposable is rejected, otherwise it is accepted with the ratio of the graphs'
    evidences ``p(G) sum_N p(N) p(data, N | G)``
    (:func:`~uncounted.estimate.graphs.metropolis_graphs`; Giudici & Green 1999; Madigan &
    York 1997's MC^3).  Each chain is a parallel-tempering ladder (Geyer 1991) over the
    inverse ``temperatures``; without it chains stick in one mode of graph space on tables
    such as UKdat_5 (between-chain error of the mean ~3,000 against ~300 with the default
    ladder, at the same cost).  Chain 1 starts from the independence graph, chain 2 from the
    saturated graph, the others from random decomposable graphs.  ``N`` is summed out
    exactly for every graph, so the chains move in graph space only, and the posterior of
    ``N`` is Rao-Blackwellised: the average over post-warm-up iterations of the exact
    ``p(N | G_t, data)``.  The spread of the per-chain posterior means is the Monte Carlo
    error guide (``mcmc_se_mean``); chains stuck in different modes of graph space show up
    there (the estimator warns).

    Grid
    ----
    With an explicit grid (``nmissing`` or ``grid_max``) everything is computed on it
    exactly.  Otherwise the graphs are scored on a thinned grid up to the cap
    ``max(40n, 1e5)`` (every integer up to 2000, then blocks of ~0.2% of ``n_0`` evaluated
    at their midpoint: relative error ~1e-6), the reported bound ``M`` is the first of
    ``max(5n, 1000) * 2^j`` whose top 10% holds less than 1e-6 of the posterior mass (the
    rule of :func:`bma_posterior`; graph weights are importance-reweighted from the cap
    to ``M``), and the posterior is mapped to the integers ``0..M`` by log-linear
    interpolation of the density between block midpoints.

    Returns
    -------
    GridPosterior
        ``method == "mcmc"``; ``graph_prob`` are visit frequencies (reweighted to the grid
        ``0..M``), ``graph_visits`` the raw frequencies; ``diagnostics`` holds the
        acceptance rate, number of distinct graphs visited, each chain's posterior mean of
        ``N``, their standard error, and ``mcmc_visit_discrepancy``: total variation
        between visit frequencies and the exact weights renormalised over the visited
        graphs (near 0 when the chains have settled).
    """
    table = _table_from(data, delta)
    for name, val, low in (("n_iter", n_iter, 1), ("burn_in", burn_in, 0), ("chains", chains, 1)):
        if not isinstance(val, int | np.integer) or isinstance(val, bool) or val < low:
            raise InputError(f"The {name!r} parameter must be an int >= {low}. Got {val!r}.")
    rng = np.random.default_rng(random_state)
    n_obs = int(round(table.n))
    k = table.k
    explicit = nmissing is not None or grid_max is not None
    if explicit:
        points = _check_grid(
            nmissing if nmissing is not None else np.arange(int(grid_max or 0) + 1))
        log_w = np.zeros(points.size)
        bounds = [int(points[-1])]
        index = {bounds[0]: points.size - 1}
    else:
        if not (prior_n is None or isinstance(prior_n, str) or callable(prior_n)):
            raise InputError("An array prior on N needs an explicit grid (nmissing or grid_max).")
        cap = auto_grid_max(n_obs)
        bounds = []
        b = min(auto_grid_start(n_obs), cap)
        while True:
            bounds.append(b)
            if b >= cap:
                break
            b = min(2 * b, cap)
        points, log_w, index = _search_grid(bounds, dense=2000)
    scorer = _GraphScorer(table, points, log_w, _resolve_prior(prior_n, table.n + points),
                          log_prior_graph, index)
    full = (1 << k) - 1
    starts: list[tuple[int, ...]] = [tuple([0] * k), tuple(full & ~(1 << v) for v in range(k))]
    runs = []
    for c in range(chains):
        start = starts[c] if c < len(starts) else random_decomposable_graph(k, rng)
        runs.append(metropolis_graphs(scorer.score, start, n_iter, burn_in, rng,
                                      temperatures=temperatures))
    per_chain = [scorer.mixture(r.visits) for r in runs]
    mix = np.sum(per_chain, axis=0)
    # the grid bound: first candidate whose top 10% is light
    chosen = bounds[-1]
    if not explicit:
        cmass = np.cumsum(mix)
        for b in bounds:
            head = cmass[index[int(math.floor(0.9 * b))]]
            whole = cmass[index[b]]
            if whole > 0 and 1.0 - head / whole < TAIL_TOLERANCE:
                chosen = b
                break
    j = scorer.prefix_bounds.index(chosen)
    keys = sorted(set().union(*(r.visits for r in runs)))
    visits = np.array([sum(r.visits.get(key, 0) for r in runs) for key in keys], dtype=float)
    visits /= visits.sum()
    scores = np.array([scorer.scores[key] for key in keys])
    trunc = np.array([scorer.prefix[key][j] for key in keys])
    # importance reweighting of the graph frequencies from the cap grid to 0..chosen
    with np.errstate(invalid="ignore"):
        ratio = np.nan_to_num(_exp(np.minimum(trunc - scores, 0.0)), nan=0.0)
    w = visits * ratio
    w = w / w.sum()
    if explicit:
        m = points
        prob = mix / mix.sum()
        chain_probs = [pc / pc.sum() for pc in per_chain]
    else:
        m = np.arange(0, chosen + 1, dtype=float)
        prob = _to_integer_grid(mix, points, log_w, chosen)
        chain_probs = [_to_integer_grid(pc, points, log_w, chosen) for pc in per_chain]
    n_total = table.n + m
    chain_means = [float(np.dot(cp, n_total)) for cp in chain_probs]
    mean_n = np.empty(len(keys))
    upto = int(np.searchsorted(points, chosen + 0.5))
    for i, key in enumerate(keys):
        lw = scorer.log_weights(scorer.graphs[key])[:upto]
        pg = _exp(lw - np.max(lw))
        mean_n[i] = float(np.dot(pg, table.n + points[:upto]) / pg.sum())
    diag: dict[str, Any] = {
        "mcmc_iterations": n_iter, "mcmc_burn_in": burn_in, "mcmc_chains": chains,
        "mcmc_temperatures": [float(b) for b in temperatures],
        "mcmc_acceptance_rate": sum(r.accepted for r in runs) / sum(r.iterations for r in runs),
        "mcmc_distinct_graphs": len(keys),
        "mcmc_chain_means": chain_means,
        "mcmc_se_mean": float(np.std(chain_means, ddof=1) / math.sqrt(chains))
        if chains > 1 else float("nan"),
        "mcmc_visit_discrepancy": float(0.5 * np.abs(visits - _weights(scores)).sum()),
    }
    graphs = tuple(scorer.graphs[key] for key in keys)
    return GridPosterior(n_obs, m.astype(np.int64), prob, graphs, w, mean_n,
                         table.delta, "mcmc", diag, visits)


# ------------------------------------------------------------------------- estimator
