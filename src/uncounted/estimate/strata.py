"""Estimation by stratum, refusal of strata that cannot be estimated, and their total.

Capture probabilities and list dependence often differ between groups (regions, months,
event types); estimating within strata and adding up reduces the heterogeneity bias of a
single pooled fit (Sekar & Deming 1949; Lum, Price & Banks 2013).  But small strata are
where MSE breaks: a stratum with fewer than three informative lists, with no overlap
between lists, or whose MLE does not exist gives a number that means nothing.  Those
strata are *refused with the reason* and never silently estimated; their observed counts
still enter the total as a floor, with a warning.

Totals: when every estimated stratum carries posterior (or bootstrap) draws of ``N``, the
draws are summed (strata are independent samples, so draws are paired at random);
otherwise the standard errors are combined by the delta method on the unobserved part, or,
with ``combine="bootstrap"``, by refitting the estimator on multinomial resamples of each
stratum.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from uncounted.estimate.histories import CaptureHistories, as_histories
from uncounted.estimate.result import EstimateResult, Estimator, build_provenance
from uncounted.exceptions import (
    EstimationError,
    EstimationWarning,
    InputError,
    UncountedError,
)

__all__ = ["StratifiedResult", "estimate_by_stratum", "refusal_reason"]

logger = logging.getLogger(__name__)

EstimatorFactory = Callable[[], Estimator] | Estimator


def refusal_reason(h: CaptureHistories, min_lists: int = 3) -> str | None:
    """Why a stratum's table cannot support an estimate, or ``None`` if it can be tried.

    Refused: fewer than ``min_lists`` *informative* lists (holding someone but not everyone
    observed in the stratum), no overlap between any two lists, or no finite MLE for the
    independence model (Fienberg & Rinaldo 2012).  Estimator-specific failures (e.g. a
    chosen model without MLE) are caught when fitting.
    """
    sizes = h.list_sizes
    n = h.n_observed
    if n == 0:
        return "no one observed"
    informative = [str(k) for k, s in sizes.items() if 0 < s < n]
    if len(informative) < min_lists:
        return (
            f"only {len(informative)} informative list(s) {informative}; at least {min_lists} "
            "are needed to allow for dependence between lists"
        )
    ov = h.overlap_matrix().to_numpy().copy()
    np.fill_diagonal(ov, 0)
    if ov.sum() == 0:
        return "no two lists share anyone: there is no overlap to estimate from"
    from uncounted.estimate.loglinear import loglinear_design
    from uncounted.estimate.sparse import mle_exists

    if not mle_exists(loglinear_design(h.k, ()), h.cell_counts().astype(float)):
        return (
            "the maximum likelihood estimate of even the independence model does not exist "
            "(the zero cells of this table put it at the boundary)"
        )
    return None


@dataclass(frozen=True)
class StratifiedResult:
    """Per-stratum results, refusals with reasons, and the combined total."""

    results: dict[str, EstimateResult]
    refusals: dict[str, str]
    n_observed: dict[str, int]
    total: EstimateResult | None
    warnings: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """One row per stratum plus ``"total"``: numeric ``N, lower, upper, n_observed`` and
        the ``method``, ``status`` ("estimated" / "refused") and ``reason`` columns."""
        rows = []
        for s, n in self.n_observed.items():
            if s in self.results:
                r = self.results[s]
                rows.append({"stratum": s, "N": r.estimate, "lower": r.lower, "upper": r.upper,
                             "n_observed": n, "method": r.method, "status": "estimated",
                             "reason": ""})
            else:
                rows.append({"stratum": s, "N": math.nan, "lower": math.nan, "upper": math.nan,
                             "n_observed": n, "method": "", "status": "refused",
                             "reason": self.refusals.get(s, "")})
        if self.total is not None:
            t = self.total
            rows.append({"stratum": "total", "N": t.estimate, "lower": t.lower, "upper": t.upper,
                         "n_observed": t.n_observed, "method": t.method, "status": "combined",
                         "reason": "; ".join(self.warnings)})
        return pd.DataFrame(rows).set_index("stratum")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: per-stratum results, refusals and the total."""
        return {
            "strata": {s: r.to_dict() for s, r in self.results.items()},
            "refused": dict(self.refusals),
            "total": None if self.total is None else self.total.to_dict(),
            "warnings": list(self.warnings),
        }


def _make(factory: EstimatorFactory) -> Estimator:
    if isinstance(factory, Estimator):
        return factory.clone()
    est = factory()
    if not isinstance(est, Estimator):
        raise InputError(
            f"estimator_factory must return an Estimator; got {type(est).__name__}."
        )
    return est


def _se(r: EstimateResult, level: float) -> float:
    se = r.diagnostics.get("stderr")
    if isinstance(se, (int, float)) and math.isfinite(se):
        return float(se)
    if r.draws is not None:
        return float(np.std(np.asarray(r.draws, dtype=float).ravel(), ddof=1))
    lo, hi = r.interval
    if math.isfinite(lo) and math.isfinite(hi):
        z = float(stats.norm.ppf(1 - (1 - r.level) / 2))
        return (hi - lo) / (2 * z)
    return math.nan


def estimate_by_stratum(
    histories_by_stratum: Mapping[str, Any],
    estimator_factory: EstimatorFactory,
    *,
    combine: str = "auto",
    level: float = 0.95,
    min_lists: int = 3,
    n_boot: int = 200,
    random_state: int | np.random.Generator | None = None,
) -> StratifiedResult:
    """Estimate each stratum separately, refuse those that cannot be estimated, and add up.

    Parameters
    ----------
    histories_by_stratum : mapping of str to CaptureHistories (or DataFrame)
        One table per stratum (the lists may differ between strata).
    estimator_factory : Estimator or callable returning one
        A fresh estimator per stratum (an instance is cloned).
    combine : {"auto", "draws", "delta", "bootstrap"}
        "auto": sum draws if every estimated stratum has them, else delta method.
    level : float
        Coverage of the total's interval.
    min_lists : int
        Informative lists a stratum needs (3 by default: two lists cannot show dependence).
    n_boot : int
        Resamples per stratum for ``combine="bootstrap"``.
    random_state : int, Generator or None
        Seeds the pairing of draws and the bootstrap.
    """
    if combine not in ("auto", "draws", "delta", "bootstrap"):
        raise InputError(
            f"The 'combine' parameter must be one of 'auto', 'draws', 'delta', 'bootstrap'. "
            f"Got {combine!r}."
        )
    if not histories_by_stratum:
        raise InputError("No strata given: pass a mapping {stratum name: CaptureHistories}.")
    rng = np.random.default_rng(random_state)
    results: dict[str, EstimateResult] = {}
    refusals: dict[str, str] = {}
    nobs: dict[str, int] = {}
    tables: dict[str, CaptureHistories] = {}
    for name, h in histories_by_stratum.items():
        name = str(name)
        try:
            h = as_histories(h)
        except InputError as exc:
            raise InputError(f"Stratum {name!r}: {exc}") from None
        tables[name] = h
        nobs[name] = h.n_observed
        reason = refusal_reason(h, min_lists)
        if reason is None:
            try:
                results[name] = _make(estimator_factory).fit(h).result_
            except UncountedError as exc:  # NotEstimable, Convergence, Input on this table
                reason = str(exc)
        if reason is not None:
            refusals[name] = reason
            logger.info("stratum %s refused: %s", name, reason)
    msgs: list[str] = []
    for name, reason in refusals.items():
        msgs.append(
            f"stratum {name!r} refused ({reason}); only its {nobs[name]} observed people are "
            "in the total, which is therefore a lower bound for that stratum"
        )
    total = None
    if results:
        total = _combine(tables, results, refusals, nobs, estimator_factory,
                         combine, level, n_boot, rng, msgs)
    for w in msgs:
        warnings.warn(w, EstimationWarning, stacklevel=2)
    return StratifiedResult(results, refusals, nobs, total, tuple(msgs))


def _combine(
    tables: Mapping[str, CaptureHistories],
    results: dict[str, EstimateResult],
    refusals: dict[str, str],
    nobs: dict[str, int],
    factory: EstimatorFactory,
    combine: str,
    level: float,
    n_boot: int,
    rng: np.random.Generator,
    msgs: list[str],
) -> EstimateResult:
    floor = float(sum(nobs[s] for s in refusals))
    n_total = int(sum(nobs.values()))
    a = (1 - level) / 2
    have_draws = all(r.draws is not None for r in results.values())
    mode = combine
    if mode == "auto":
        mode = "draws" if have_draws else "delta"
    if mode == "draws" and not have_draws:
        raise InputError("combine='draws' needs draws from every stratum's estimator.")
    draws = None
    if mode in ("draws", "bootstrap"):
        if mode == "bootstrap":
            per = {s: _bootstrap_stratum(tables[s], factory, n_boot, rng) for s in results}
        else:
            per = {s: np.asarray(r.draws, dtype=float).ravel() for s, r in results.items()}
        m = max(len(d) for d in per.values())
        total_draws = np.zeros(m)
        for s, d in per.items():
            d = d[np.isfinite(d)]
            if len(d) == 0:
                raise EstimationError(f"Stratum {s!r} produced no finite draws to combine.")
            total_draws += d[rng.permutation(m) % len(d)] if len(d) != m else rng.permutation(d)
        total_draws += floor
        draws = total_draws
        est = float(np.median(total_draws))
        lo, hi = (float(x) for x in np.quantile(total_draws, [a, 1 - a]))
        kind = "sum of draws" if mode == "draws" else "bootstrap sum"
    else:
        est = float(sum(r.estimate for r in results.values())) + floor
        ses = [_se(r, level) for r in results.values()]
        if any(not math.isfinite(s) for s in ses):
            msgs.append("some strata have no standard error: the total's interval is unknown")
            lo = hi = math.nan
        else:
            se = math.sqrt(sum(s * s for s in ses))
            from uncounted.estimate.heterogeneity import chao_lognormal_interval

            lo, hi = chao_lognormal_interval(n_total, est, se, level)
        kind = "delta"
    methods = sorted({r.method for r in results.values()})
    return EstimateResult(
        method="sum of strata: " + ", ".join(methods),
        estimate=est,
        interval=(lo, hi),
        interval_kind=kind,
        level=level,
        n_observed=n_total,
        diagnostics={
            "strata_estimated": sorted(results),
            "strata_refused": sorted(refusals),
            "refused_observed_floor": floor,
            "combine": mode,
        },
        warnings=tuple(msgs),
        draws=draws,
        provenance=build_provenance(None, None, {"combine": mode, "level": level}),
    )


def _bootstrap_stratum(
    h: CaptureHistories, factory: EstimatorFactory, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    out = np.full(n_boot, np.nan)
    n = h.n_observed
    p = h.counts / n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        for b in range(n_boot):
            c = rng.multinomial(n, p)
            keep = c > 0
            try:
                out[b] = _make(factory).fit(
                    CaptureHistories(h.patterns[keep], c[keep], h.lists)
                ).result_.estimate
            except UncountedError:
                continue
    return out
