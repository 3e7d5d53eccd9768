"""Decomposable graph enumeration, chordality and junction-tree pieces."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.estimate.graphs import (
    DecomposableGraph,
    cliques_and_separators,
    edges_to_adjacency,
    enumerate_decomposable_graphs,
    is_decomposable,
    metropolis_graphs,
    random_decomposable_graph,
)
from uncounted.exceptions import InputError


@pytest.mark.parametrize(("k", "expected"), [(1, 1), (2, 2), (3, 8), (4, 61), (5, 822)])
def test_number_of_decomposable_graphs(k: int, expected: int) -> None:
    # OEIS A058862 (labelled chordal graphs); dga ships 8 / 61 / 822 for k = 3 / 4 / 5
    assert len(enumerate_decomposable_graphs(k)) == expected


def test_enumeration_is_distinct_and_ordered() -> None:
    graphs = enumerate_decomposable_graphs(5)
    assert len({g.adjacency for g in graphs}) == len(graphs)
    assert graphs[0].n_edges == 0
    assert graphs[-1].n_edges == 10
    assert [g.n_edges for g in graphs] == sorted(g.n_edges for g in graphs)


def test_four_cycle_is_not_decomposable() -> None:
    cycle = edges_to_adjacency(4, [(0, 1), (1, 2), (2, 3), (3, 0)])
    assert not is_decomposable(cycle)
    with pytest.raises(InputError):
        cliques_and_separators(cycle)
    chorded = edges_to_adjacency(4, [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)])
    assert is_decomposable(chorded)
    cliques, seps = cliques_and_separators(chorded)
    assert sorted(cliques) == sorted([0b0111, 0b1101])
    assert seps == (0b0101,)


def test_only_three_graphs_on_four_vertices_are_not_chordal() -> None:
    # 64 graphs, 61 chordal: the three 4-cycles are the exceptions
    pairs = list(itertools.combinations(range(4), 2))
    bad = 0
    for code in range(1 << len(pairs)):
        edges = [p for j, p in enumerate(pairs) if code >> j & 1]
        if not is_decomposable(edges_to_adjacency(4, edges)):
            bad += 1
            assert len(edges) == 4
    assert bad == 3


def test_describe_uses_list_names() -> None:
    g = DecomposableGraph.from_edges(3, [(1, 2)])
    assert g.describe(["A", "B", "C"]) == "[A][B,C]"
    assert g.edges == ((1, 2),)


def test_bad_edges_rejected() -> None:
    with pytest.raises(InputError):
        edges_to_adjacency(3, [(0, 3)])
    with pytest.raises(InputError):
        edges_to_adjacency(3, [(1, 1)])


def test_enumeration_limit() -> None:
    with pytest.raises(InputError, match="MCMC"):
        enumerate_decomposable_graphs(9)


def _is_clique(adj: tuple[int, ...], mask: int) -> bool:
    verts = [v for v in range(len(adj)) if mask >> v & 1]
    return all(adj[u] >> v & 1 for u, v in itertools.combinations(verts, 2))


@given(st.integers(min_value=0, max_value=(1 << 15) - 1))
@settings(max_examples=150, deadline=None)
def test_junction_tree_invariants(code: int) -> None:
    # random graph on 6 vertices; if chordal, cliques and separators must satisfy the
    # junction-tree identities
    k = 6
    pairs = list(itertools.combinations(range(k), 2))
    adj = edges_to_adjacency(k, [p for j, p in enumerate(pairs) if code >> j & 1])
    if not is_decomposable(adj):
        return
    cliques, seps = cliques_and_separators(adj)
    # every clique is complete and maximal
    for c in cliques:
        assert _is_clique(adj, c)
        for v in range(k):
            if not c >> v & 1:
                assert not _is_clique(adj, c | 1 << v)
    # cliques cover every vertex and edge
    cover = 0
    for c in cliques:
        cover |= c
    assert cover == (1 << k) - 1
    for u, v in pairs:
        if adj[u] >> v & 1:
            assert any(c >> u & 1 and c >> v & 1 for c in cliques)
    # vertex-count identity of a junction forest: sum |C| - sum |S| = k
    assert sum(c.bit_count() for c in cliques) - sum(s.bit_count() for s in seps) == k
    # number of non-empty separators = cliques - connected components
    assert len(seps) == len(cliques) - _components(adj)


def _components(adj: tuple[int, ...]) -> int:
    k = len(adj)
    seen = 0
    comps = 0
    for v in range(k):
        if seen >> v & 1:
            continue
        comps += 1
        stack = [v]
        seen |= 1 << v
        while stack:
            u = stack.pop()
            for w in range(k):
                if adj[u] >> w & 1 and not seen >> w & 1:
                    seen |= 1 << w
                    stack.append(w)
    return comps


def test_chordality_agrees_with_brute_force_cycle_search() -> None:
    # brute force on 5 vertices: a graph is chordal iff no induced cycle of length >= 4
    k = 5
    pairs = list(itertools.combinations(range(k), 2))
    rng = np.random.default_rng(1)
    for code in rng.choice(1 << len(pairs), size=200, replace=False):
        edges = [p for j, p in enumerate(pairs) if int(code) >> j & 1]
        adj = edges_to_adjacency(k, edges)
        assert is_decomposable(adj) == (not _has_chordless_cycle(adj))


def _has_chordless_cycle(adj: tuple[int, ...]) -> bool:
    k = len(adj)
    for size in range(4, k + 1):
        for verts in itertools.combinations(range(k), size):
            mask = sum(1 << v for v in verts)
            # induced subgraph is a cycle iff every vertex has degree 2 and it is connected
            if all((adj[v] & mask).bit_count() == 2 for v in verts):
                sub = tuple(adj[v] & mask if mask >> v & 1 else 0 for v in range(k))
                start = verts[0]
                seen = 1 << start
                stack = [start]
                while stack:
                    u = stack.pop()
                    for w in verts:
                        if sub[u] >> w & 1 and not seen >> w & 1:
                            seen |= 1 << w
                            stack.append(w)
                if seen == mask:
                    return True
    return False


@pytest.mark.parametrize("temperatures", [(1.0,), (1.0, 0.5, 0.25)])
def test_metropolis_graphs_targets_the_score(temperatures: tuple[float, ...]) -> None:
    # target exp(score) on the 61 decomposable graphs of 4 vertices: visit frequencies must
    # approach the normalised weights, with or without tempering
    graphs = enumerate_decomposable_graphs(4)
    rng_scores = np.random.default_rng(0)
    table = {g.adjacency: float(s) for g, s in zip(graphs, rng_scores.normal(0, 1.5, 61),
                                                    strict=True)}
    want = np.exp(np.array(list(table.values())))
    want /= want.sum()
    chain = metropolis_graphs(table.__getitem__, graphs[0].adjacency, 40_000, 1000,
                              np.random.default_rng(1), temperatures=temperatures)
    got = np.array([chain.visits.get(a, 0) for a in table]) / 40_000
    assert 0.5 * np.abs(got - want).sum() < 0.05
    assert chain.seen == set(table)  # every decomposable graph reachable by single edges
    assert 0 < chain.accepted < chain.iterations


def test_metropolis_graphs_rejects_bad_input() -> None:
    g = enumerate_decomposable_graphs(3)[0]
    rng = np.random.default_rng(0)
    with pytest.raises(InputError, match="temperatures"):
        metropolis_graphs(lambda a: 0.0, g.adjacency, 10, 0, rng, temperatures=(0.5, 1.0))
    cycle = edges_to_adjacency(4, [(0, 1), (1, 2), (2, 3), (3, 0)])
    with pytest.raises(InputError, match="decomposable"):
        metropolis_graphs(lambda a: 0.0, cycle, 10, 0, rng)


def test_random_decomposable_graph_is_decomposable() -> None:
    rng = np.random.default_rng(5)
    for k in (3, 6, 9):
        for _ in range(20):
            assert is_decomposable(random_decomposable_graph(k, rng))
