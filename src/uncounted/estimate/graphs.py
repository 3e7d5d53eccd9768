"""Decomposable (chordal) graphs over the lists, their cliques and separators.

Madigan & York (1997) average over *decomposable* graphical log-linear models for the
``2^k`` capture-history table: a vertex per list, an edge where two lists may depend on
each other given the rest.  A graph is decomposable when it is chordal (every cycle of four
or more vertices has a chord).  For such a graph the hyper-Dirichlet marginal likelihood
factorises over the maximal cliques ``C`` and the separators ``S`` of a junction tree
(Dawid & Lauritzen 1993)::

    p(table | G) = prod_C p(table_C) / prod_S p(table_S)

so all the estimator needs from a graph is its cliques and separators (as multisets of
vertex sets).  This module supplies them:

* :func:`is_decomposable` -- chordality via maximum cardinality search (Tarjan &
  Yannakakis 1984): a graph is chordal iff the reverse of an MCS order is a perfect
  elimination order.
* :func:`cliques_and_separators` -- maximal cliques and junction-tree separators read off
  the same MCS order (Blair & Peyton 1993, "An introduction to chordal graphs and clique
  trees").  Empty separators (between connected components) are kept out: their marginal
  likelihood is 1.
* :func:`enumerate_decomposable_graphs` -- every decomposable graph on ``k`` labelled
  vertices (8, 61, 822, 18,154 for k = 3, 4, 5, 6), cached.  The R package dga ships
  these lists for k = 3, 4, 5 (``graphs3/4/5``); here they are generated.
* :func:`metropolis_graphs` -- a Metropolis chain over decomposable graphs with single-edge
  add/remove moves checked for decomposability (Giudici & Green 1999), for more lists
  than can be enumerated.

Graphs are held as adjacency bitmasks: ``adj[v]`` has bit ``u`` set when ``u -- v``.
Vertex sets (cliques, separators) are bitmasks too, so a marginal table is named by one
integer.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from uncounted.exceptions import InputError

__all__ = [
    "DecomposableGraph",
    "GraphChain",
    "cliques_and_separators",
    "edges_to_adjacency",
    "enumerate_decomposable_graphs",
    "is_decomposable",
    "mcs_order",
    "metropolis_graphs",
    "random_decomposable_graph",
]

logger = logging.getLogger(__name__)

#: Enumerating every labelled graph is 2^(k(k-1)/2) work: fine to k = 6 (32,768 graphs),
#: slow beyond.  Larger k goes through MCMC (see :mod:`uncounted.estimate.bma`).
MAX_ENUMERATE_K = 6


def _popcount(x: int) -> int:
    return int(x).bit_count()


def _bits(mask: int) -> list[int]:
    """Indices of the set bits of ``mask``, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def edges_to_adjacency(k: int, edges: Sequence[tuple[int, int]]) -> tuple[int, ...]:
    """Adjacency bitmasks of the graph on vertices ``0..k-1`` with the given edges.

    Raises
    ------
    InputError
        If an edge names a vertex outside ``0..k-1`` or is a self-loop.
    """
    adj = [0] * k
    for u, v in edges:
        if not (0 <= u < k and 0 <= v < k) or u == v:
            raise InputError(
                f"Edge ({u}, {v}) is not valid on vertices 0..{k - 1}: vertices must be in "
                "range and distinct."
            )
        adj[u] |= 1 << v
        adj[v] |= 1 << u
    return tuple(adj)


def mcs_order(adj: Sequence[int]) -> list[int]:
    """Maximum cardinality search order (Tarjan & Yannakakis 1984).

    Visits next the unvisited vertex with most visited neighbours (ties to the lowest
    index, so the order is deterministic).
    """
    k = len(adj)
    weight = [0] * k
    unvisited = (1 << k) - 1
    order: list[int] = []
    for _ in range(k):
        best = -1
        best_w = -1
        for v in _bits(unvisited):
            if weight[v] > best_w:
                best, best_w = v, weight[v]
        order.append(best)
        unvisited &= ~(1 << best)
        for u in _bits(adj[best] & unvisited):
            weight[u] += 1
    return order


def _junction(adj: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Cliques and separators in one MCS pass, or ``None`` if the graph is not chordal.

    Chordality (Tarjan & Yannakakis 1984): in an MCS order every vertex's earlier-visited
    neighbours ``P(v)`` must be complete.  Cliques (Blair & Peyton 1993, sec. 4): ``v``
    extends the current clique when ``P(v)`` is that whole clique; otherwise the current
    clique is maximal and ``P(v) + {v}`` starts a new one, joined through separator ``P(v)``.
    """
    cliques: list[int] = []
    seps: list[int] = []
    seen = 0
    current = 0
    for v in mcs_order(adj):
        pred = adj[v] & seen
        for u in _bits(pred):
            if pred & ~adj[u] & ~(1 << u):
                return None  # two earlier neighbours of v are not adjacent: a chordless cycle
        if current and pred == current:
            current |= 1 << v
        else:
            if current:
                cliques.append(current)
            current = pred | (1 << v)
            if pred:
                seps.append(pred)
        seen |= 1 << v
    cliques.append(current)
    return tuple(cliques), tuple(seps)


def is_decomposable(adj: Sequence[int]) -> bool:
    """Whether the graph is decomposable (chordal).

    In an MCS order, each vertex's earlier-visited neighbours must form a clique; checking
    that for every vertex is the Tarjan & Yannakakis (1984) test.
    """
    return _junction(adj) is not None


def cliques_and_separators(adj: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Maximal cliques and (non-empty) separators of a decomposable graph, as bitmasks.

    Walking an MCS order, vertex ``v`` with earlier neighbours ``P(v)`` extends the current
    clique when ``P(v)`` is that whole clique; otherwise the current clique is maximal and a
    new one ``P(v) + {v}`` starts, joined to the junction tree through separator ``P(v)``
    (Blair & Peyton 1993, sec. 4).  Separators form a multiset: the same set can separate
    several pairs of cliques and then appears several times.

    Raises
    ------
    InputError
        If the graph is not decomposable.
    """
    out = _junction(adj)
    if out is None:
        raise InputError("The graph is not decomposable (chordal); it has no junction tree.")
    return out


@dataclass(frozen=True)
class DecomposableGraph:
    """A decomposable graph on ``k`` lists, with its junction-tree pieces.

    Attributes
    ----------
    k : int
        Number of vertices (lists).
    adjacency : tuple of int
        ``adjacency[v]`` is the bitmask of ``v``'s neighbours.
    cliques : tuple of int
        Maximal cliques as vertex bitmasks.
    separators : tuple of int
        Non-empty separators (a multiset) as vertex bitmasks.
    """

    k: int
    adjacency: tuple[int, ...]
    cliques: tuple[int, ...]
    separators: tuple[int, ...]

    @classmethod
    def from_adjacency(cls, adj: Sequence[int]) -> DecomposableGraph:
        """Build from adjacency bitmasks (raises :class:`InputError` if not chordal)."""
        adj_t = tuple(int(a) for a in adj)
        cliques, seps = cliques_and_separators(adj_t)
        return cls(len(adj_t), adj_t, cliques, seps)

    @classmethod
    def from_edges(cls, k: int, edges: Sequence[tuple[int, int]]) -> DecomposableGraph:
        """Build from an edge list on vertices ``0..k-1``."""
        return cls.from_adjacency(edges_to_adjacency(k, edges))

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        """Edges ``(u, v)`` with ``u < v``, sorted."""
        return tuple(
            (u, v) for u in range(self.k) for v in range(u + 1, self.k)
            if self.adjacency[u] >> v & 1
        )

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return sum(_popcount(a) for a in self.adjacency) // 2

    def clique_lists(self) -> tuple[tuple[int, ...], ...]:
        """Cliques as sorted tuples of vertex indices, sorted."""
        return tuple(sorted(tuple(_bits(c)) for c in self.cliques))

    def describe(self, names: Sequence[str] | None = None) -> str:
        """Cliques in dga's notation, e.g. ``[A,B][B,C]`` (cliques in sorted order)."""
        if names is None:
            names = [str(i + 1) for i in range(self.k)]
        return "".join(
            "[" + ",".join(names[i] for i in c) + "]" for c in self.clique_lists()
        )


def _all_pairs(k: int) -> list[tuple[int, int]]:
    return list(itertools.combinations(range(k), 2))


@functools.cache
def enumerate_decomposable_graphs(k: int) -> tuple[DecomposableGraph, ...]:
    """Every decomposable graph on ``k`` labelled vertices.

    Ordered by number of edges, then by the edge bitmask, so the independence graph comes
    first and the complete (saturated) graph last.

    Parameters
    ----------
    k : int
        Number of lists, 1 to :data:`MAX_ENUMERATE_K`.

    Returns
    -------
    tuple of DecomposableGraph
        8 graphs for k = 3, 61 for k = 4, 822 for k = 5, 18,154 for k = 6 (OEIS A058862).

    Raises
    ------
    InputError
        If ``k`` is outside 1..MAX_ENUMERATE_K.
    """
    if not 1 <= k <= MAX_ENUMERATE_K:
        raise InputError(
            f"Exact enumeration of decomposable graphs is available for 1 to "
            f"{MAX_ENUMERATE_K} lists; got k = {k}. For more lists use the MCMC search "
            "over graphs (BMA(method='mcmc'))."
        )
    pairs = _all_pairs(k)
    found: list[tuple[int, int, tuple[int, ...]]] = []
    for code in range(1 << len(pairs)):
        adj = [0] * k
        for j, (u, v) in enumerate(pairs):
            if code >> j & 1:
                adj[u] |= 1 << v
                adj[v] |= 1 << u
        if is_decomposable(adj):
            found.append((_popcount(code), code, tuple(adj)))
    found.sort()
    graphs = tuple(DecomposableGraph.from_adjacency(a) for _, _, a in found)
    logger.debug("enumerated %d decomposable graphs on %d vertices", len(graphs), k)
    return graphs


# ------------------------------------------------------------------------- MCMC moves
@dataclass
class GraphChain:
    """Output of :func:`metropolis_graphs`.

    Attributes
    ----------
    visits : dict
        Adjacency tuple -> number of post-warm-up iterations spent there.
    seen : set
        Every decomposable graph scored by the chain (warm-up and rejected proposals too).
    accepted : int
        Accepted moves.
    iterations : int
        Total iterations run (warm-up included).
    last : tuple of int
        Final state (to continue the chain).
    """

    visits: dict[tuple[int, ...], int]
    seen: set[tuple[int, ...]]
    accepted: int
    iterations: int
    last: tuple[int, ...]


def metropolis_graphs(
    log_score: Callable[[tuple[int, ...]], float],
    start: Sequence[int],
    n_iter: int,
    burn_in: int,
    rng: np.random.Generator,
    temperatures: Sequence[float] = (1.0,),
) -> GraphChain:
    """Metropolis sampler over decomposable graphs with single-edge add/remove moves.

    Each iteration picks one of the ``k(k-1)/2`` pairs uniformly and proposes toggling that
    edge.  The proposal is symmetric, so a proposal that leaves the space of decomposable
    graphs is simply rejected and a decomposable one is accepted with probability
    ``min(1, exp(log_score(new) - log_score(current)))`` (Giudici & Green 1999, whose
    add/delete moves are checked for decomposability; Madigan & York 1997, MC^3).

    With several ``temperatures`` (inverse temperatures, the first 1) this is parallel
    tempering (Geyer 1991): one replica per temperature targets ``exp(beta * log_score)``,
    and after each sweep two neighbouring replicas propose to swap states, accepted with
    probability ``min(1, exp((beta_i - beta_j) (s_j - s_i)))``.  Hot replicas cross the
    low-probability valleys between modes of graph space; only the ``beta = 1`` replica is
    recorded in ``visits``.

    Parameters
    ----------
    log_score : callable
        Unnormalised log posterior of a graph given its adjacency tuple (should cache).
    start : sequence of int
        Adjacency bitmasks of a decomposable starting graph (all replicas start there).
    n_iter, burn_in : int
        Iterations kept and discarded.
    rng : numpy.random.Generator
        Source of randomness.
    temperatures : sequence of float
        Inverse temperatures, decreasing, starting at 1.
    """
    k = len(start)
    pairs = _all_pairs(k)
    betas = [float(b) for b in temperatures]
    if not betas or betas[0] != 1.0 or any(not 0 < b <= 1 for b in betas):
        raise InputError(f"Inverse temperatures must start at 1 and lie in (0, 1]; got {betas}.")
    n_rep = len(betas)
    first = [int(a) for a in start]
    if not is_decomposable(first):
        raise InputError("The starting graph of the chain must be decomposable.")
    states = [list(first) for _ in range(n_rep)]
    keys = [tuple(first)] * n_rep
    cur = [log_score(keys[0])] * n_rep
    seen = {keys[0]}
    visits: dict[tuple[int, ...], int] = {}
    accepted = 0
    total = n_iter + burn_in
    choices = rng.integers(0, len(pairs), size=(total, n_rep))
    log_u = np.log(rng.random((total, n_rep)))
    swap_at = rng.integers(0, max(n_rep - 1, 1), size=total)
    log_u_swap = np.log(rng.random(total))
    chordal: dict[tuple[int, ...], bool] = {}  # proposals repeat: test each graph once
    for it in range(total):
        for r in range(n_rep):
            u, v = pairs[int(choices[it, r])]
            prop = list(states[r])
            prop[u] ^= 1 << v
            prop[v] ^= 1 << u
            key = tuple(prop)
            ok = chordal.get(key)
            if ok is None:
                ok = chordal[key] = is_decomposable(prop)
            if ok:
                new = log_score(key)
                seen.add(key)
                if betas[r] * (new - cur[r]) >= log_u[it, r]:
                    states[r], keys[r], cur[r] = prop, key, new
                    if r == 0:
                        accepted += 1
        if n_rep > 1:
            i = int(swap_at[it])
            j = i + 1
            if (betas[i] - betas[j]) * (cur[j] - cur[i]) >= log_u_swap[it]:
                states[i], states[j] = states[j], states[i]
                keys[i], keys[j] = keys[j], keys[i]
                cur[i], cur[j] = cur[j], cur[i]
        if it >= burn_in:
            visits[keys[0]] = visits.get(keys[0], 0) + 1
    return GraphChain(visits, seen, accepted, total, keys[0])


def random_decomposable_graph(k: int, rng: np.random.Generator) -> tuple[int, ...]:
    """A random decomposable graph (a starting point for extra chains).

    Pairs are visited in random order and each is added with probability 1/2 when the
    graph stays decomposable.
    """
    adj = [0] * k
    pairs = _all_pairs(k)
    for idx in rng.permutation(len(pairs)):
        if rng.random() < 0.5:
            continue
        u, v = pairs[int(idx)]
        adj[u] |= 1 << v
        adj[v] |= 1 << u
        if not is_decomposable(adj):
            adj[u] &= ~(1 << v)
            adj[v] &= ~(1 << u)
    return tuple(adj)
