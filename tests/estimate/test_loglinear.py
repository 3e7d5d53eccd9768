"""Log-linear estimators: LogLinear (hierarchical models, search) and ClosedPopulation."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.estimate.conftest import load_histories, reference_entries
from uncounted.estimate import CaptureHistories
from uncounted.estimate.heterogeneity import ClosedPopulation, fit_closed_model
from uncounted.estimate.loglinear import (
    LogLinear,
    fit_loglinear,
    hierarchical_closure,
    loglinear_design,
)
from uncounted.estimate.profile import profile_interval
from uncounted.estimate.sparse import mle_exists, mle_exists_primal
from uncounted.exceptions import EstimationWarning, InputError, NotEstimableError

REL = 1e-6


def _hist(name: str) -> CaptureHistories:
    return load_histories(name)


def test_independence_is_rcapture_mt() -> None:
    h = _hist("HIV")
    res = LogLinear(model="Mt", interval="profile").fit(h).result_
    mt = fit_closed_model(h, "Mt")
    assert res.estimate == pytest.approx(mt.abundance, rel=1e-12)
    assert res.estimate >= res.n_observed
    assert res.lower < res.estimate < res.upper
    assert res.interval_kind == "profile"
    assert res.diagnostics["model"] == "independence"


def _help_entry(dataset: str, model: str) -> dict[str, Any]:
    entries = reference_entries(
        lambda r: r["method"].startswith("closedpCI.t (help") and r["dataset"] == dataset
        and r["model"] == model
    )
    entry = entries[0].values[0]
    if entry is None:
        pytest.skip("no reference folder")
    return dict(entry)


@pytest.mark.parametrize(
    ("model", "terms"),
    [
        ("Mt interaction 1,2", [(0, 1)]),
        ("Mt double interaction", list(itertools.combinations(range(4), 2))),
    ],
)
def test_hiv_help_page_models_against_R(model: str, terms: list[tuple[int, int]]) -> None:
    """?HIV: closedpCI.t(HIV, mX = ~ . + c1:c2) and mX = ~ (c1+c2+c3+c4)^2."""
    entry = _help_entry("HIV", model)
    h = _hist("HIV")
    res = LogLinear(model=terms, interval="profile").fit(h).result_
    assert res.estimate == pytest.approx(entry["estimate"], rel=REL)
    assert res.diagnostics["stderr"] == pytest.approx(entry["stderr"], rel=REL)
    assert res.diagnostics["deviance"] == pytest.approx(entry["fit"]["deviance"], rel=REL)
    assert res.diagnostics["aic"] == pytest.approx(entry["fit"]["AIC"], rel=REL)
    assert res.diagnostics["bic"] == pytest.approx(entry["fit"]["BIC"], rel=REL)
    assert res.diagnostics["estimate_multinomial"] == pytest.approx(
        entry["estimate_multinomial"], rel=REL, abs=1e-4
    )
    assert res.lower == pytest.approx(entry["interval"]["lower"], rel=REL)
    assert res.upper == pytest.approx(entry["interval"]["upper"], rel=REL)


def test_hare_help_page_models_against_R() -> None:
    """?hare: Mth Poisson2 and Mt plus an indicator of history 111111."""
    h = _hist("hare")
    e1 = _help_entry("hare", "Mth Poisson2 (theta = 2)")
    res = ClosedPopulation(model="Mth Poisson2").fit(h).result_
    assert res.estimate == pytest.approx(e1["estimate"], rel=REL)
    assert res.lower == pytest.approx(e1["interval"]["lower"], rel=REL)
    assert res.upper == pytest.approx(e1["interval"]["upper"], rel=REL)

    e2 = _help_entry("hare", "Mt without 111111")
    X = loglinear_design(6, [])
    X = np.column_stack([X, X[:, 1:7].prod(axis=1)])
    y = h.cell_counts().astype(float)
    from uncounted.estimate.glm import fit_poisson_glm

    fit = fit_poisson_glm(X, y)
    n_hat = h.n_observed + math.exp(fit.intercept)
    assert n_hat == pytest.approx(e2["estimate"], rel=REL)
    assert fit.aic == pytest.approx(e2["fit"]["AIC"], rel=REL)
    prof = profile_interval(y, X, h.n_observed, n_hat)
    assert prof.lower == pytest.approx(e2["interval"]["lower"], rel=REL)
    assert prof.upper == pytest.approx(e2["interval"]["upper"], rel=REL)


def test_closed_population_wald_and_censored_upper() -> None:
    h = _hist("NewOrl")
    with pytest.warns(EstimationWarning, match="upper limit is beyond"):
        res = ClosedPopulation(model="Mth Gamma3.5").fit(h).result_
    assert math.isinf(res.upper)
    assert res.diagnostics["upper_censored"] is True
    assert any("upper limit" in w for w in res.warnings)
    wald = ClosedPopulation(model="Mt", interval="wald").fit(h).result_
    assert h.n_observed < wald.lower < wald.estimate < wald.upper


def test_closed_population_best_aic_picks_rcapture_choice() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        res = ClosedPopulation(model="best-aic", interval="none").fit(_hist("lesbian")).result_
    assert res.diagnostics["model"] == "Mth Darroch"
    assert res.models is not None and len(res.models) == 12


def test_search_picks_sparsemse_model_on_kosovo() -> None:
    res = LogLinear(criterion="bic").fit(_hist("kosovo_aggregate")).result_
    # the same five interactions SparseMSE's stepwise search selects
    assert set(res.diagnostics["terms"]) == {
        "EXH:ABA", "EXH:OSCE", "EXH:HRW", "ABA:OSCE", "OSCE:HRW"
    }
    assert res.models is not None
    assert res.models["weight"].sum() == pytest.approx(1.0)
    assert res.models.iloc[0]["BIC"] == pytest.approx(res.diagnostics["bic"])


def test_max_order_constraint_message() -> None:
    h = _hist("HIV")
    with pytest.raises(InputError, match=r"The 'max_order' parameter must be an int in \[1, 3\]\. Got 0\."):
        LogLinear(max_order=0, criterion="aic").fit(h)
    with pytest.raises(InputError, match=r"'interval' parameter must be one of"):
        LogLinear(interval="magic").fit(h)


def test_model_without_mle_refused() -> None:
    h = _hist("Artificial_3")
    with pytest.raises(NotEstimableError, match="does not exist"):
        LogLinear(model=[("A", "C")]).fit(h)
    with pytest.raises(InputError, match="confounded"):
        fit_loglinear(h, [(0, 1, 2)])


def test_hierarchical_closure() -> None:
    assert hierarchical_closure([(2, 0, 1)]) == ((0, 1), (0, 2), (1, 2), (0, 1, 2))
    assert hierarchical_closure([]) == ()


def test_third_order_search_runs_and_respects_hierarchy() -> None:
    res = LogLinear(criterion="aic", max_order=3, interval="wald").fit(_hist("lesbian")).result_
    terms = [tuple(t.split(":")) for t in res.diagnostics["terms"]]
    for t in terms:
        for sub in itertools.combinations(t, len(t) - 1):
            if len(sub) >= 2:
                assert sub in terms


def test_bootstrap_is_seeded_and_reproducible() -> None:
    h = _hist("dga_MY3_example")
    a = LogLinear(interval="bootstrap", n_boot=40, random_state=3).fit(h).result_
    b = LogLinear(interval="bootstrap", n_boot=40, random_state=3).fit(h).result_
    assert a.draws is not None and b.draws is not None
    assert np.array_equal(a.draws, b.draws)
    assert a.interval == b.interval
    assert a.lower < a.estimate < a.upper
    assert a.provenance["seed"] == 3


def test_result_api_shape() -> None:
    est = LogLinear()
    with pytest.raises(Exception, match="not fitted"):
        _ = est.estimate_
    est.fit(_hist("lesbian"))
    assert est.estimate_ == est.result_.estimate
    assert est.interval_ == est.result_.interval
    d = est.result_.to_dict()
    assert d["method"].startswith("loglinear")
    assert est.result_.provenance["input_sha256"] == _hist("lesbian").sha256()
    assert "LogLinear(" in repr(est)


# ---------------------------------------------------------------- properties
@st.composite
def tables(draw: Any) -> CaptureHistories:
    k = draw(st.integers(3, 4))
    counts = draw(st.lists(st.integers(0, 60), min_size=2**k - 1, max_size=2**k - 1))
    pats = np.array([[(i >> (k - 1 - j)) & 1 for j in range(k)] for i in range(1, 2**k)])
    c = np.array(counts)
    # every list informative and some overlap so the table is estimable
    c[-1] = max(c[-1], 1)
    for j in range(k):
        single = np.zeros(k, dtype=int)
        single[j] = 1
        idx = int(np.flatnonzero((pats == single).all(axis=1))[0])
        c[idx] = max(c[idx], 1)
    return CaptureHistories(pats, c, [f"L{j}" for j in range(k)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=tables(), data=st.data())
def test_reordering_lists_changes_no_estimate(h: CaptureHistories, data: Any) -> None:
    perm = data.draw(st.permutations(list(h.lists)))
    g = h.reorder(perm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        for kw in ({"model": "Mt", "interval": "wald"}, {"criterion": "bic", "interval": "wald"}):
            try:
                a = LogLinear(**kw).fit(h).result_
            except NotEstimableError:
                with pytest.raises(NotEstimableError):
                    LogLinear(**kw).fit(g)
                continue
            b = LogLinear(**kw).fit(g).result_
            assert b.estimate == pytest.approx(a.estimate, rel=1e-6)
            assert b.upper == pytest.approx(a.upper, rel=1e-6)
            assert a.estimate >= h.n_observed
        for model in ("M0", "Mh Chao (LB)", "Mth Darroch"):
            fa = fit_closed_model(h, model)
            fb = fit_closed_model(g, model)
            assert fb.abundance == pytest.approx(fa.abundance, rel=1e-6)


@settings(max_examples=25, deadline=None)
@given(h=tables())
def test_estimate_never_below_observed(h: CaptureHistories) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        try:
            r = LogLinear(criterion="aic", interval="profile").fit(h).result_
        except NotEstimableError:
            return
    assert r.estimate >= h.n_observed
    assert r.lower >= h.n_observed


@settings(max_examples=60, deadline=None)
@given(
    k=st.integers(3, 5),
    seed=st.integers(0, 10_000),
    rate=st.sampled_from([0.3, 1.0, 3.0]),
    density=st.floats(0.0, 1.0),
)
def test_existence_dual_lp_agrees_with_sparsemse_primal(
    k: int, seed: int, rate: float, density: float
) -> None:
    rng = np.random.default_rng(seed)
    pairs = [p for p in itertools.combinations(range(k), 2) if rng.random() < density]
    X = loglinear_design(k, pairs)
    y = rng.poisson(rate, size=X.shape[0]).astype(float)
    assert mle_exists(X, y) == mle_exists_primal(X, y)


def test_reference_loglinear_matches_closedp_mt_on_all(reference: dict[str, Any]) -> None:
    for ds in reference["datasets"]:
        if not any(r["dataset"] == ds for r in reference["results"]):
            continue
        h = load_histories(ds)
        assert fit_loglinear(h).estimate == pytest.approx(
            fit_closed_model(h, "Mt").abundance, rel=1e-10
        )


def test_empty_list_is_dropped_with_warning() -> None:
    h = _hist("HIV")
    pats = np.column_stack([h.patterns, np.zeros(len(h.patterns), dtype=int)])
    g = CaptureHistories(pats, h.counts, [*h.lists, "empty"])
    with pytest.warns(EstimationWarning, match="dropped"):
        r = LogLinear(model="Mt", interval="wald").fit(g).result_
    assert r.estimate == pytest.approx(LogLinear(model="Mt", interval="wald").fit(h).result_.estimate)


def test_exhaustive_search_finds_at_least_as_good_a_model() -> None:
    h = _hist("dga_MY5_example")
    step = LogLinear(criterion="bic", search="stepwise", interval="wald").fit(h).result_
    full = LogLinear(criterion="bic", search="exhaustive", interval="wald").fit(h).result_
    assert full.diagnostics["bic"] <= step.diagnostics["bic"] + 1e-9
    assert full.models is not None and len(full.models) == 2**10
    with pytest.raises(InputError, match="two-list terms only"):
        LogLinear(criterion="bic", search="exhaustive", max_order=3).fit(h)
