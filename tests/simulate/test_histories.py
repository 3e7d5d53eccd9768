"""simulate_histories: shape, determinism, and that each scenario has its declared structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uncounted.exceptions import InputError
from uncounted.simulate import SCENARIOS, simulate_histories


def _full_counts(sim) -> dict[tuple[int, ...], int]:
    h = sim.histories
    cols = list(sim.lists)
    out = {tuple(int(v) for v in row[cols]): int(row["count"]) for _, row in h.iterrows()}
    out[tuple([0] * len(cols))] = sim.true_total - sim.n_observed
    return out


def _pair_odds_ratio(sim, a: int, b: int) -> float:
    full = _full_counts(sim)
    t = np.zeros((2, 2))
    for pat, c in full.items():
        t[pat[a], pat[b]] += c
    return float(t[1, 1] * t[0, 0] / (t[1, 0] * t[0, 1]))


def _marginal(sim, j: int) -> float:
    h = sim.histories
    return float((h.iloc[:, j] * h["count"]).sum() / sim.true_total)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_shape_and_contract(scenario):
    sim = simulate_histories(5000, k=4, scenario=scenario, seed=1)
    table, n = sim
    assert n == 5000
    assert list(table.columns) == ["L1", "L2", "L3", "L4", "count"]
    assert table[["L1", "L2", "L3", "L4"]].isin([0, 1]).all().all()
    assert (table[["L1", "L2", "L3", "L4"]].sum(axis=1) > 0).all()
    assert (table["count"] > 0).all()
    assert not table.duplicated(["L1", "L2", "L3", "L4"]).any()
    assert sim.n_observed == table["count"].sum() <= n
    assert sum(sim.class_sizes) == n


def test_deterministic_by_seed():
    a = simulate_histories(3000, k=5, scenario="hidden_group", seed=9)
    b = simulate_histories(3000, k=5, scenario="hidden_group", seed=9)
    c = simulate_histories(3000, k=5, scenario="hidden_group", seed=10)
    pd.testing.assert_frame_equal(a.histories, b.histories)
    assert not a.histories.equals(c.histories)


def test_independent_marginals_and_no_dependence():
    sim = simulate_histories(200_000, k=3, scenario="independent", seed=2,
                             p=[0.3, 0.2, 0.4])
    for j, p in enumerate([0.3, 0.2, 0.4]):
        assert abs(_marginal(sim, j) - p) < 0.005
    assert abs(np.log(_pair_odds_ratio(sim, 0, 1))) < 0.05


def test_dependent_pair_has_the_parameterised_odds_ratio():
    sim = simulate_histories(200_000, k=4, scenario="dependent", seed=3, gamma=1.5)
    assert abs(np.log(_pair_odds_ratio(sim, 0, 1)) - 1.5) < 0.06
    assert abs(np.log(_pair_odds_ratio(sim, 2, 3)) - 1.5) < 0.06
    assert abs(np.log(_pair_odds_ratio(sim, 0, 2))) < 0.06  # unlinked lists stay independent


def test_heterogeneous_mixture_marginals_and_induced_dependence():
    sim = simulate_histories(200_000, k=3, scenario="heterogeneous", seed=4,
                             weights=(0.5, 0.5), class_p=([0.5, 0.5, 0.5], [0.1, 0.1, 0.1]))
    for j in range(3):
        assert abs(_marginal(sim, j) - 0.3) < 0.005
    # mixing two classes makes the lists marginally positively dependent
    assert _pair_odds_ratio(sim, 0, 1) > 2.0


def test_hidden_group_is_rarely_seen():
    sim = simulate_histories(20_000, k=4, scenario="hidden_group", seed=5)
    visible, hidden = sim.class_sizes
    assert abs(hidden / sim.true_total - 0.25) < 0.02
    assert sim.class_observed[1] / hidden < 0.1
    assert sim.class_observed[0] / visible > 0.5
    assert _pair_odds_ratio(sim, 0, 1) > 1.5


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"N": 0}, "positive integer"),
    ({"k": 1}, r"\[2, 12\]"),
    ({"scenario": "chaos"}, "unknown scenario"),
    ({"p": [0.2, 1.2, 0.3, 0.3]}, r"in \(0, 1\)"),
])
def test_bad_arguments(kwargs, match):
    args = {"N": 100, "k": 4, "scenario": "independent", "seed": 0} | kwargs
    with pytest.raises(InputError, match=match):
        simulate_histories(**args)


def test_docstring_examples_hold():
    import doctest

    from uncounted.simulate import case, forms, histories

    for mod in (forms, histories, case):
        result = doctest.testmod(mod)
        assert result.attempted > 0 and result.failed == 0, mod.__name__


def _latent_class_mle(sim, n_classes: int = 2, iters: int = 1500, starts: int = 3) -> float:
    """Conditional MLE of N under a latent-class model (EM with the zero cell as missing).

    Dempster, Laird & Rubin (1977) with the unobserved cell filled at each E-step by its
    expectation ``n_obs * P0 / (1 - P0)``; the best of a few random starts by likelihood.
    """
    h = sim.histories
    X = h[list(sim.lists)].to_numpy(float)
    n_obs = h["count"].to_numpy(float)
    k = X.shape[1]
    X = np.vstack([X, np.zeros(k)])
    best = (-np.inf, np.nan)
    for s in range(starts):
        rng = np.random.default_rng(s)
        w = np.full(n_classes, 1 / n_classes)
        p = rng.uniform(0.1, 0.6, (n_classes, k))
        n = np.append(n_obs, 0.0)
        for _ in range(iters):
            p0 = float((w * np.prod(1 - p, axis=1)).sum())
            n[-1] = n_obs.sum() * p0 / (1 - p0)
            lik = np.prod(np.where(X[:, None, :] == 1, p[None], 1 - p[None]), axis=2) * w
            post = lik / lik.sum(1, keepdims=True)
            wn = post * n[:, None]
            w = wn.sum(0) / wn.sum()
            p = np.clip((wn.T @ X) / wn.sum(0)[:, None], 1e-6, 1 - 1e-6)
        lik = np.prod(np.where(X[:, None, :] == 1, p[None], 1 - p[None]), axis=2) @ w
        ll = float((n_obs * np.log(lik[:-1] / (1 - lik[-1]))).sum())
        if ll > best[0]:
            best = (ll, float(n.sum()))
    return best[1]


@pytest.mark.slow
@pytest.mark.parametrize("k", [4, 5])
def test_heterogeneous_scenario_is_identifiable_by_a_latent_class_model(k):
    est = [_latent_class_mle(simulate_histories(2000, k=k, scenario="heterogeneous", seed=s))
           for s in range(15)]
    assert abs(np.mean(est) / 2000 - 1) < 0.03
    # while the independence estimate (Lincoln-Petersen on lists 1, 2) is clearly low
    sim = simulate_histories(20_000, k=k, scenario="heterogeneous", seed=1)
    h = sim.histories
    n1 = (h["L1"] * h["count"]).sum()
    n2 = (h["L2"] * h["count"]).sum()
    m = (h["L1"] * h["L2"] * h["count"]).sum()
    assert n1 * n2 / m < 0.95 * sim.true_total


@pytest.mark.slow
def test_hidden_group_defeats_the_latent_class_model():
    est = [_latent_class_mle(simulate_histories(2000, k=4, scenario="hidden_group", seed=s))
           for s in range(8)]
    assert np.mean(est) < 0.9 * 2000
