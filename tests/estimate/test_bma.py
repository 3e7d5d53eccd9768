"""BMA over decomposable graphs: the likelihood, the grid, the estimator and the MCMC."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import gammaln

from uncounted.estimate import bma as bma_mod
from uncounted.estimate.bma import (
    BMA,
    GridPosterior,
    bma_posterior,
)
from uncounted.estimate.bma_mcmc import bma_posterior_mcmc
from uncounted.estimate.graphs import DecomposableGraph, enumerate_decomposable_graphs
from uncounted.estimate.histories import CaptureHistories
from uncounted.exceptions import EstimationWarning, InputError, NotEstimableError

# Madigan & York's 3-list example (the ?bma.cr data), as (patterns, counts)
MY3 = pd.DataFrame(
    {"L1": [0, 0, 0, 1, 1, 1, 1], "L2": [0, 1, 1, 0, 0, 1, 1], "L3": [1, 0, 1, 0, 1, 0, 1],
     "count": [60, 49, 4, 247, 112, 142, 12]})

REF_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "reference"


def _arrays(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    lists = [c for c in df.columns if c != "count"]
    return df[lists].to_numpy(), df["count"].to_numpy()


def _random_table(k: int, seed: int, n_people: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.2, 0.6, size=k)
    caught = rng.random((n_people, k)) < p
    caught = caught[caught.any(axis=1)]
    lists = [f"S{j}" for j in range(k)]
    df = pd.DataFrame(caught.astype(int), columns=lists)
    return df.groupby(lists).size().rename("count").reset_index()


# ----------------------------------------------------------------- the likelihood itself
def _full_counts(df: pd.DataFrame, n0: int) -> np.ndarray:
    """The complete 2^k table (cell index = sum x_j 2^j) with n0 in the empty cell."""
    pat, cnt = _arrays(df)
    k = pat.shape[1]
    full = np.zeros(1 << k)
    for row, c in zip(pat, cnt, strict=True):
        full[int(sum(int(x) << j for j, x in enumerate(row)))] += c
    full[0] = n0
    return full


def _brute_log_joint(df: pd.DataFrame, graph: DecomposableGraph, delta: float,
                     n0: int) -> float:
    """log p(complete table | G) with the multinomial coefficient, by direct formula:
    product over cliques / separators of Dirichlet-multinomial marginal likelihoods."""
    full = _full_counts(df, n0)
    k = graph.k
    total = full.sum()

    def h(subset: int) -> float:
        size = subset.bit_count()
        alpha = delta * 2.0 ** (k - size)
        marg: dict[int, float] = {}
        for cell, c in enumerate(full):
            marg[cell & subset] = marg.get(cell & subset, 0.0) + c
        a_tot = delta * 2.0 ** k
        return float(gammaln(a_tot) - gammaln(a_tot + total)
                     + sum(gammaln(c + alpha) - gammaln(alpha) for c in marg.values()))

    coef = gammaln(total + 1) - np.sum(gammaln(full + 1))
    return float(coef + sum(h(c) for c in graph.cliques) - sum(h(s) for s in graph.separators))


def test_graph_likelihood_matches_direct_formula() -> None:
    # the posterior over (graph, n0) from the vectorised code equals the brute-force
    # Dirichlet-multinomial products normalised by hand
    df = MY3
    delta = 0.3
    grid = np.arange(0, 40)
    graphs = enumerate_decomposable_graphs(3)
    logj = np.array([[_brute_log_joint(df, g, delta, int(m)) - np.log(626 + m) for m in grid]
                     for g in graphs])
    # the brute-force form omits nothing that depends on (G, n0), so it is the same joint
    joint = np.exp(logj - logj.max())
    joint /= joint.sum()
    post = bma_posterior(_arrays(df), delta=delta, nmissing=grid)
    np.testing.assert_allclose(post.prob, joint.sum(axis=0), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(post.graph_prob, joint.sum(axis=1), rtol=1e-10)


def test_saturated_graph_is_plain_dirichlet_multinomial() -> None:
    # one clique = all lists: p(n | N) is the Dirichlet-multinomial with alpha = delta per cell
    df = _random_table(4, seed=3)
    delta = 0.5
    sat = enumerate_decomposable_graphs(4)[-1]
    grid = np.arange(0, 60)
    post = bma_posterior(_arrays(df), delta=delta, nmissing=grid, graphs=[sat])
    logj = []
    for m in grid:
        full = _full_counts(df, int(m))
        tot = full.sum()
        logj.append(gammaln(tot + 1) - np.sum(gammaln(full + 1)) + gammaln(16 * delta)
                    - gammaln(16 * delta + tot) + np.sum(gammaln(full + delta) - gammaln(delta))
                    - np.log(tot))
    want = np.exp(np.array(logj) - max(logj))
    np.testing.assert_allclose(post.prob, want / want.sum(), rtol=1e-10)


def test_list_order_does_not_change_the_posterior() -> None:
    df = _random_table(4, seed=11)
    lists = [c for c in df.columns if c != "count"]
    base = bma_posterior(_arrays(df), grid_max=3000)
    for perm in itertools.islice(itertools.permutations(lists), 1, 24, 5):
        other = bma_posterior(_arrays(df[[*perm, "count"]]), grid_max=3000)
        np.testing.assert_allclose(other.prob, base.prob, rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(np.sort(other.graph_prob), np.sort(base.graph_prob),
                                   rtol=1e-9, atol=1e-300)


def test_chunking_does_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _arrays(_random_table(5, seed=2))
    big = bma_posterior(d, grid_max=5000)
    monkeypatch.setattr(bma_mod, "_CHUNK_CELLS", 1000)
    small = bma_posterior(d, grid_max=5000)
    np.testing.assert_allclose(small.prob, big.prob, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(small.graph_prob, big.graph_prob, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(small.graph_mean_n, big.graph_mean_n, rtol=1e-10)


def test_automatic_grid_equals_fixed_grid_and_converges() -> None:
    d = _arrays(MY3)
    auto = bma_posterior(d)  # grid extended in pieces: 3130 -> ... -> 50080
    fixed = bma_posterior(d, grid_max=auto.grid_max)
    assert auto.grid_max == 50080
    np.testing.assert_allclose(auto.prob, fixed.prob, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(auto.graph_prob, fixed.graph_prob, rtol=1e-10)
    assert auto.grid_converged
    assert auto.tail_mass() < 1e-6


def test_prior_options() -> None:
    d = _arrays(MY3)
    grid = np.arange(0, 2000)
    inv = bma_posterior(d, nmissing=grid)
    same = bma_posterior(d, nmissing=grid, prior_n=lambda n: -np.log(n))
    arr = bma_posterior(d, nmissing=grid, prior_n=-np.log(626 + grid))
    np.testing.assert_allclose(same.prob, inv.prob, rtol=1e-12)
    np.testing.assert_allclose(arr.prob, inv.prob, rtol=1e-12)
    flat = bma_posterior(d, nmissing=grid, prior_n="uniform")
    assert flat.mean() > inv.mean()  # 1/N pulls toward small N
    # a prior that forbids N > 700 truncates the posterior there
    cut = bma_posterior(d, nmissing=grid, prior_n=lambda n: np.where(n > 700, -np.inf, 0.0))
    assert cut.n_total[cut.prob > 0].max() == 700
    with pytest.raises(InputError):
        bma_posterior(d, prior_n="jeffreys")
    with pytest.raises(InputError, match="explicit grid"):
        bma_posterior(d, prior_n=np.zeros(10))


def test_graph_prior_restricts_the_average() -> None:
    d = _arrays(MY3)
    graphs = enumerate_decomposable_graphs(3)
    indep = graphs[0]
    only = bma_posterior(d, grid_max=3000,
                         log_prior_graph=lambda g: 0.0 if g.n_edges == 0 else -np.inf)
    direct = bma_posterior(d, grid_max=3000, graphs=[indep])
    np.testing.assert_allclose(only.prob, direct.prob, rtol=1e-9)
    assert only.graph_prob[0] == pytest.approx(1.0)


def test_posterior_summaries_follow_definitions() -> None:
    prob = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    g = enumerate_decomposable_graphs(3)[:1]
    post = GridPosterior(100, np.arange(5), prob, g, np.ones(1), np.array([102.0]), 0.125)
    assert post.mean() == pytest.approx(float(np.dot(np.arange(100, 105), prob)))
    assert post.median() == 102  # cdf 0.1, 0.3, 0.6 -> first >= 0.5 at N = 102
    assert post.quantile(0.3) == 101  # cdf reaches 0.3 exactly at 101
    assert post.mode() == 102
    assert post.interval(0.8) == (100, 104)
    # top 10% of the grid: nmissing > 3.6, i.e. the last point
    assert post.tail_mass() == pytest.approx(0.15)
    draws = post.sample(20_000, random_state=1)
    assert set(np.unique(draws)) <= set(range(100, 105))
    assert np.mean(draws == 102) == pytest.approx(0.3, abs=0.02)


def test_input_errors() -> None:
    two = pd.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [5, 6, 7]})
    with pytest.raises(NotEstimableError, match="at least 3 lists"):
        bma_posterior(_arrays(two))
    with pytest.raises(InputError, match="delta"):
        bma_posterior(_arrays(MY3), delta=-1.0)
    with pytest.raises(InputError, match="increasing"):
        bma_posterior(_arrays(MY3), nmissing=[3, 2, 1])
    with pytest.raises(InputError, match="mcmc"):
        bma_posterior(_arrays(_random_table(7, seed=1)))
    with pytest.raises(InputError):
        BMA(delta=0.0).fit(MY3)
    with pytest.raises(InputError, match="method"):
        BMA(method="gibbs").fit(MY3)


# ----------------------------------------------------------------- estimator and result
def test_estimator_result_shape() -> None:
    est = BMA(random_state=5).fit(MY3)
    res = est.result_
    assert res.method == "bma"
    assert res.interval_kind == "posterior 95% equal-tailed"
    assert res.level == 0.95
    assert res.n_observed == 626
    assert res.estimate == res.diagnostics["posterior_median"] == 731
    assert res.diagnostics["posterior_mean"] == pytest.approx(734.4068054, rel=1e-8)
    assert res.interval == (694.0, 787.0)
    assert res.diagnostics["grid_converged"] is True
    assert res.lower <= res.estimate <= res.upper
    models = res.models
    assert models is not None
    assert len(models) == 8
    assert models["posterior_prob"].sum() == pytest.approx(1.0)
    assert models["posterior_prob"].is_monotonic_decreasing
    assert models["graph"].iloc[0] == "[L1][L2,L3]"
    assert res.draws is not None and res.draws.shape == (10_000,)
    assert res.draws.min() >= 626
    assert abs(np.median(res.draws) - 731) <= 3
    again = BMA(random_state=5).fit(CaptureHistories(MY3)).result_
    assert again.draws is not None
    np.testing.assert_array_equal(again.draws, res.draws)
    assert res.provenance["settings"]["grid_max"] == 50080
    assert res.to_frame()["N"].iloc[0] == 731.0


def test_unconverged_tail_warns_and_is_recorded() -> None:
    # three lists with almost no overlap: N is barely identified, the tail stays heavy
    sparse = pd.DataFrame({"A": [1, 0, 0, 1], "B": [0, 1, 0, 1], "C": [0, 0, 1, 0],
                           "count": [40, 30, 20, 1]})
    with pytest.warns(EstimationWarning, match="top 10% of the grid"):
        res = BMA().fit(sparse).result_
    assert res.diagnostics["grid_converged"] is False
    assert res.diagnostics["grid_max"] == 100_000
    assert res.warnings and "heavy right tail" in res.warnings[0]


def test_explicit_grid_in_estimator() -> None:
    # the ?bma.cr 3-list setting without its informative prior: grid 1..300 is too short
    with pytest.warns(EstimationWarning, match="M = 300"):
        res = BMA(nmissing=list(range(1, 301)), delta=0.5).fit(MY3).result_
    assert res.provenance["settings"]["grid_min"] == 1
    assert res.diagnostics["grid_max"] == 300


# ----------------------------------------------------------------- MCMC over graphs
def test_mcmc_weights_converge_on_three_lists() -> None:
    # only 8 graphs: visit frequencies must approach the exact weights
    d = _arrays(MY3)
    exact = bma_posterior(d, delta=1.0, grid_max=2000)
    mc = bma_posterior_mcmc(d, delta=1.0, grid_max=2000, n_iter=6000, burn_in=200,
                            chains=2, random_state=3)
    want = dict(zip(exact.graphs, exact.graph_prob, strict=True))
    for g, p in zip(mc.graphs, mc.graph_prob, strict=True):
        assert p == pytest.approx(want[g], abs=0.03)
    assert mc.mean() == pytest.approx(exact.mean(), rel=2e-3)


@pytest.mark.parametrize(("dataset", "explicit_grid"),
                         [("dga_MY5_example", True), ("NewOrl_5", False)])
def test_mcmc_agrees_with_enumeration_on_five_lists(dataset: str, explicit_grid: bool) -> None:
    path = REF_DIR / f"{dataset}.csv"
    if not path.exists():
        pytest.skip("reference tables absent")
    d = _arrays(pd.read_csv(path))
    exact = bma_posterior(d)
    mc = bma_posterior_mcmc(d, grid_max=exact.grid_max if explicit_grid else None,
                            n_iter=3000, burn_in=500, chains=4, random_state=7)
    assert mc.grid_max == exact.grid_max
    se = mc.diagnostics["mcmc_se_mean"]
    # Monte Carlo tolerance: 4 between-chain standard errors, at least 0.5% of the mean
    assert abs(mc.mean() - exact.mean()) <= max(4 * se, 5e-3 * exact.mean())
    assert abs(mc.median() - exact.median()) <= max(4 * se, 5e-3 * exact.median())
    lo, hi = exact.interval()
    mlo, mhi = mc.interval()
    assert abs(mlo - lo) <= 0.03 * lo and abs(mhi - hi) <= 0.03 * hi


def test_mcmc_automatic_grid_matches_exact_on_five_lists() -> None:
    # thinned search grid + interpolation back to the integers: same answer as enumeration
    path = REF_DIR / "dga_MY5_example.csv"
    if not path.exists():
        pytest.skip("reference tables absent")
    d = _arrays(pd.read_csv(path))
    exact = bma_posterior(d)
    mc = bma_posterior_mcmc(d, n_iter=3000, burn_in=300, chains=3, random_state=2)
    assert mc.grid_max == exact.grid_max == 2685
    assert mc.mean() == pytest.approx(exact.mean(), rel=2e-3)
    assert abs(mc.median() - exact.median()) <= 2


@pytest.mark.parametrize("dataset", ["hare", "UKdat"])
def test_mcmc_six_lists_sensible(dataset: str) -> None:
    path = REF_DIR / f"{dataset}.csv"
    if not path.exists():
        pytest.skip("reference tables absent")
    df = pd.read_csv(path)
    n = int(df["count"].sum())
    # UKdat needs the default chain length (5000 per chain) to pass the agreement check
    iters = 2000 if dataset == "hare" else 5000
    res = BMA(mcmc_iter=iters, mcmc_burn_in=300, random_state=1).fit(df).result_
    assert res.diagnostics["sampling"] == "mcmc"
    assert res.diagnostics["grid_converged"]
    assert not res.warnings  # chains agree: Monte Carlo error < 0.1 posterior sd
    assert res.diagnostics["mcmc_se_mean"] < 0.1 * res.diagnostics["posterior_sd"]
    assert n <= res.lower <= res.estimate <= res.upper
    assert res.models is not None and "visit_freq" in res.models.columns
    assert res.models["posterior_prob"].sum() == pytest.approx(1.0)
    if dataset == "hare":
        # every other method puts hare at 70-95 (Rcapture, SparseMSE, LCMCR)
        assert 70 <= res.estimate <= 90
        assert res.upper < 110
    else:
        # UK data: between the log-linear (~12k) and the LCMCR upper mode (~23k)
        assert 10_000 <= res.estimate <= 25_000


def test_mcmc_eight_lists_sensible() -> None:
    path = REF_DIR / "NewOrl.csv"
    if not path.exists():
        pytest.skip("reference tables absent")
    d = _arrays(pd.read_csv(path))
    mc = bma_posterior_mcmc(d, n_iter=1500, burn_in=200, chains=2, random_state=4)
    assert mc.grid_converged
    assert 185 < mc.median() < 2000
    lo, hi = mc.interval()
    assert 185 <= lo < mc.median() < hi
    means = mc.diagnostics["mcmc_chain_means"]
    assert max(means) / min(means) < 1.15


def test_mcmc_is_reproducible() -> None:
    d = _arrays(_random_table(6, seed=8))
    a = bma_posterior_mcmc(d, grid_max=2000, n_iter=500, burn_in=50, chains=2, random_state=9)
    b = bma_posterior_mcmc(d, grid_max=2000, n_iter=500, burn_in=50, chains=2, random_state=9)
    np.testing.assert_array_equal(a.prob, b.prob)
    with pytest.raises(InputError, match="n_iter"):
        bma_posterior_mcmc(d, n_iter=0)


# ----------------------------------------------------------------- properties
@st.composite
def _tables(draw: st.DrawFn) -> pd.DataFrame:
    k = draw(st.integers(min_value=3, max_value=4))
    cells = list(itertools.product([0, 1], repeat=k))[1:]
    counts = draw(st.lists(st.integers(min_value=0, max_value=60), min_size=len(cells),
                           max_size=len(cells)))
    if sum(counts) == 0:
        counts[0] = 1
    df = pd.DataFrame(cells, columns=[f"L{j}" for j in range(k)])
    df["count"] = counts
    return df[df["count"] > 0].reset_index(drop=True)


@given(_tables(), st.sampled_from([None, 0.5, 2.0]))
@settings(max_examples=25, deadline=None)
def test_posterior_invariants(df: pd.DataFrame, delta: float | None) -> None:
    n = int(df["count"].sum())
    post = bma_posterior(_arrays(df), delta=delta, grid_max=400)
    assert post.prob.sum() == pytest.approx(1.0)
    assert (post.prob >= 0).all()
    assert post.graph_prob.sum() == pytest.approx(1.0)
    lo, hi = post.interval()
    assert n <= lo <= post.median() <= hi <= n + 400
    assert n <= post.mode() <= n + 400
    assert n <= post.mean() <= n + 400
    # reversing the list order changes nothing
    rev = df[[*reversed(df.columns[:-1]), "count"]]
    np.testing.assert_allclose(bma_posterior(_arrays(rev), delta=delta, grid_max=400).prob,
                               post.prob, rtol=1e-8, atol=1e-300)


def _six_list_agreement(dataset: str, n_iter: int) -> None:
    path = REF_DIR / f"{dataset}.csv"
    if not path.exists():
        pytest.skip("reference tables absent")
    d = _arrays(pd.read_csv(path))
    exact = bma_posterior(d)  # all 18,154 decomposable graphs on 6 lists
    assert len(exact.graphs) == 18_154
    mc = bma_posterior_mcmc(d, grid_max=exact.grid_max, n_iter=n_iter, burn_in=500,
                            random_state=11)
    se = mc.diagnostics["mcmc_se_mean"]
    assert abs(mc.mean() - exact.mean()) <= max(4 * se, 5e-3 * exact.mean())
    assert abs(mc.median() - exact.median()) <= max(4 * se, 5e-3 * exact.median())


def test_mcmc_agrees_with_enumeration_on_six_lists_hare() -> None:
    # k = 6 is still enumerable: the sampler must agree with the exact average there too
    _six_list_agreement("hare", n_iter=2000)


@pytest.mark.slow
def test_mcmc_agrees_with_enumeration_on_six_lists_ukdat() -> None:
    # ~15 s of enumeration (18,154 graphs x 54,881 grid points)
    _six_list_agreement("UKdat", n_iter=5000)


def test_prior_and_graph_argument_errors() -> None:
    d = _arrays(MY3)
    with pytest.raises(InputError, match="one value per grid point"):
        bma_posterior(d, nmissing=np.arange(10), prior_n=np.zeros(3))
    with pytest.raises(InputError, match="At least one graph"):
        bma_posterior(d, grid_max=10, graphs=[])
    with pytest.raises(InputError, match="vertices"):
        bma_posterior(d, grid_max=10, graphs=enumerate_decomposable_graphs(4)[:2])


def test_mcmc_explicit_grid_not_from_zero_with_informative_prior() -> None:
    # the ?bma.cr 3-list settings: delta = 1, Nmissing = 1:300, negative-binomial prior
    a, b = 13.14, 55.17

    def prior(n: np.ndarray) -> np.ndarray:
        return (n * np.log(b) - (n + a) * np.log1p(b) + gammaln(n + a) - gammaln(n + 1)
                - gammaln(a))

    grid = np.arange(1, 301)
    exact = bma_posterior(_arrays(MY3), delta=1.0, nmissing=grid, prior_n=prior)
    assert exact.mean() == pytest.approx(733.452369111851, rel=1e-9)  # dga, r_reference.json
    mc = bma_posterior_mcmc(_arrays(MY3), delta=1.0, nmissing=grid, prior_n=prior,
                            n_iter=3000, burn_in=200, chains=2, random_state=0)
    assert mc.nmissing[0] == 1 and mc.grid_max == 300
    assert mc.mean() == pytest.approx(exact.mean(), rel=1e-3)
    assert mc.median() == exact.median()
