"""BMA over decomposable graphs against the R package dga (2.0.2), ``bma.cr``.

Expected numbers are in ``../shared/reference/r_reference.json`` (the R script and versions
are documented in that folder's README).  Same delta, same grid ``Nmissing`` and same prior
as the R run, so the posterior must agree to 1e-6 relative.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from uncounted.estimate.bma import BMA, GridPosterior, bma_posterior
from uncounted.exceptions import EstimationWarning

REF_DIR = Path(
    os.environ.get(
        "UNCOUNTED_REFERENCE_DIR",
        Path(__file__).resolve().parents[2].parent / "shared" / "reference",
    )
)
REL = 1e-6


@cache
def _reference() -> dict[str, Any]:
    path = REF_DIR / "r_reference.json"
    if not path.exists():
        return {"results": []}
    return json.loads(path.read_text())


def _dga_entries() -> list[Any]:
    out = []
    for r in _reference()["results"]:
        if r["package"] == "dga" and r.get("posterior"):
            out.append(pytest.param(r, id=f"{r['dataset']}-{'doc' if 'doc' in r['method'] else 'main'}"))
    return out


def _table(dataset: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    df = pd.read_csv(REF_DIR / f"{dataset}.csv")
    lists = [c for c in df.columns if c != "count"]
    return lists, df[lists].to_numpy(), df["count"].to_numpy()


def _prior(entry: dict[str, Any]) -> Any:
    """The prior on N used in the R run (the ?bma.cr 3-list example has its own)."""
    if "doc" in entry["method"] and entry["k"] == 3:
        # ?bma.cr: logprior = N log b - (N + a) log(1 + b) + lgamma(N + a) - lgamma(N + 1)
        # - lgamma(a), a = 13.14, b = 55.17 (a negative-binomial prior on N)
        a, b = 13.14, 55.17
        return lambda n: (n * np.log(b) - (n + a) * np.log1p(b) + gammaln(n + a)
                          - gammaln(n + 1) - gammaln(a))
    return "1/N"


pytestmark = pytest.mark.skipif(
    not (REF_DIR / "r_reference.json").exists(), reason=f"reference folder {REF_DIR} absent"
)


_POSTERIORS: dict[tuple[str, str], GridPosterior] = {}


def _posterior(entry: dict[str, Any]) -> GridPosterior:
    """Posterior with the R run's settings (computed once per entry)."""
    key = (entry["dataset"], entry["method"])
    if key not in _POSTERIORS:
        s = entry["settings"]
        _, pat, cnt = _table(entry["dataset"])
        _POSTERIORS[key] = bma_posterior(
            (pat, cnt), delta=s["delta"],
            nmissing=np.arange(s["Nmissing_min"], s["Nmissing_max"] + 1),
            prior_n=_prior(entry))
    return _POSTERIORS[key]


@pytest.mark.parametrize("entry", _dga_entries())
def test_posterior_of_n_against_R(entry: dict[str, Any]) -> None:
    post = _posterior(entry)
    got = post.summary()
    for key, want in entry["posterior"].items():
        assert got[key] == pytest.approx(want, rel=REL), key
    assert post.interval(0.95) == (entry["interval"]["lower"], entry["interval"]["upper"])
    assert post.mean() == pytest.approx(entry["estimate"], rel=REL)


def _canon(cliques: str) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(c.split(",")) for c in cliques.strip("[]").split("]["))


@pytest.mark.parametrize("entry", _dga_entries())
def test_model_weights_against_R(entry: dict[str, Any]) -> None:
    s = entry["settings"]
    lists, _, _ = _table(entry["dataset"])
    post = _posterior(entry)
    frame = post.models_frame(lists)
    assert len(frame) == s.get("n_graphs", {3: 8, 4: 61, 5: 822}[entry["k"]])
    weights = {_canon(g): p for g, p in zip(frame["graph"], frame["posterior_prob"], strict=True)}
    for top in entry["top_models"]:
        assert weights[_canon(top["cliques"])] == pytest.approx(top["posterior_prob"], rel=REL)
    # the best model is the same one
    assert _canon(frame["graph"].iloc[0]) == _canon(entry["top_models"][0]["cliques"])


@pytest.mark.parametrize(
    "entry", [p for p in _dga_entries() if "doc" not in p.values[0]["method"]])
def test_automatic_grid_against_R(entry: dict[str, Any]) -> None:
    # the grid rule (start max(5n, 1000), double until top-10% mass < 1e-6, cap) picks the
    # same M as the reference run, so the default fit reproduces the same posterior
    lists, pat, cnt = _table(entry["dataset"])
    df = pd.DataFrame(pat, columns=lists).assign(count=cnt)
    if entry["grid_converged"]:
        est = BMA().fit(df)
    else:
        with pytest.warns(EstimationWarning, match="top 10% of the grid"):
            est = BMA().fit(df)
    res = est.result_
    assert res.diagnostics["grid_max"] == entry["settings"]["Nmissing_max"]
    assert res.diagnostics["grid_converged"] == entry["grid_converged"]
    assert res.estimate == entry["posterior"]["median"]
    assert res.diagnostics["posterior_mean"] == pytest.approx(entry["estimate"], rel=REL)
    assert res.interval == (entry["interval"]["lower"], entry["interval"]["upper"])
