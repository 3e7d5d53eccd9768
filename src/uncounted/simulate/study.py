"""The simulation study behind the verdict (issue 9): coverage and verdicts with known truth.

Each replicate draws a capture-history table from one of :mod:`uncounted.simulate.histories`'
scenarios, runs the default analysis on it and records whether the headline interval covers
the true total, the verdict, and every method's estimate.  ``bench/sim_verdict.py`` prints the
summary; the tests bound it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from uncounted.simulate.histories import simulate_histories

#: Chain lengths used in the study (shorter than the interactive default, to make 100s of
#: replicates affordable; R-hat and ESS are still checked in every replicate).
STUDY_LCMCR = {"burnin": 5000, "samples": 1000, "thinning": 20, "chains": 2}


@dataclass(frozen=True)
class StudySummary:
    scenario: str
    replicates: int
    coverage: float
    not_robust: float
    not_estimable: float
    bias: float
    per_method: pd.DataFrame
    rows: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "replicates": self.replicates, "coverage": self.coverage,
                "not_robust": self.not_robust, "not_estimable": self.not_estimable,
                "relative_bias": self.bias}


def run_study(scenario: str, replicates: int, *, N: int = 2000, k: int = 5, seed: int = 5000,
              lcmcr: dict[str, Any] | None = None,
              progress: Callable[[int, int], None] | None = None) -> StudySummary:
    """Run the default analysis on ``replicates`` simulated tables of one scenario."""
    from uncounted.estimate.analysis import analyse

    rows = []
    method_rows = []
    for r in range(replicates):
        sim = simulate_histories(N, k=k, scenario=scenario, seed=seed + r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            an = analyse(sim.histories, overrides={"lcmcr": lcmcr or STUDY_LCMCR}, random_state=r)
        d = an.to_dict()
        truth = sim.true_total
        covered = d["N"] is not None and d["lower"] <= truth <= d["upper"]
        rows.append({"replicate": r, "truth": truth, "n_observed": d["n_observed"], "N": d["N"],
                     "lower": d["lower"], "upper": d["upper"], "method": d["method"],
                     "covered": bool(covered), "verdict": d["verdict"],
                     "reasons": " | ".join(d["verdict_reasons"])})
        for m in d["methods"]:
            method_rows.append({"replicate": r, "method": m["method"], "N": m["N"], "lower": m["lower"],
                                "upper": m["upper"], "truth": truth})
        if progress:
            progress(r + 1, replicates)
    df = pd.DataFrame(rows)
    mdf = pd.DataFrame(method_rows)
    per = mdf.assign(covered=(mdf["lower"] <= mdf["truth"]) & (mdf["truth"] <= mdf["upper"]),
                     rel=mdf["N"] / mdf["truth"] - 1).groupby("method").agg(
        coverage=("covered", "mean"), relative_bias=("rel", "mean"), n=("rel", "size"))
    est = df["N"].astype(float)
    return StudySummary(
        scenario=scenario, replicates=replicates, coverage=float(df["covered"].mean()),
        not_robust=float((df["verdict"] != "robust").mean()),
        not_estimable=float((df["verdict"] == "not estimable").mean()),
        bias=float(np.nanmean(est / df["truth"] - 1)), per_method=per, rows=df)
