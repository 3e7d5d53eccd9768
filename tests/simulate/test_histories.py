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
