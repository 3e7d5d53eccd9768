"""The robustness verdict: robust / sensitive / not estimable, from explicit rules.

Why a verdict at all: multiple systems estimation can be confidently wrong (a hidden group that
no list records well, lists that depend on one another), and a casualty count is cited for
years.  The rules below are deliberately simple, each one is a symptom that a published number
would not survive scrutiny, and each threshold is documented with its reason in
``docs/verdict.md``.  The verdict is computed only from what the data and the fits show; it
never looks at the truth.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from uncounted.estimate.histories import CaptureHistories
from uncounted.estimate.result import EstimateResult

ROBUST = "robust"
SENSITIVE = "sensitive"
NOT_ESTIMABLE = "not estimable"


@dataclass(frozen=True)
class VerdictRules:
    """Thresholds of the verdict (see docs/verdict.md for the reason behind each)."""

    min_informative_lists: int = 3
    max_method_ratio: float = 1.25
    max_rhat: float = 1.05
    min_ess: float = 100.0
    max_chain_spread: float = 0.10
    max_interval_ratio: float = 3.0
    min_cell_count: int = 3
    max_sparse_fraction: float = 0.5
    bound_fraction: float = 0.9
    min_gof_pvalue: float = 0.01
    max_linkage_movement: float = 0.20
    linkage_f1_margin: float = 0.02
    max_dark_fraction: float = 0.80
    max_mean_pairwise_log_or: float = 0.7


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reasons: tuple[str, ...] = ()
    checks: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reasons": list(self.reasons), "checks": self.checks}


def pairwise_dependence(hist: CaptureHistories) -> float | None:
    """Mean two-way interaction (log odds ratio) of the all-two-way log-linear model.

    Why: strong, uniform positive dependence between every pair of lists is what a group that
    every list tends to miss leaves behind in the observed table (Fienberg, Johnson & Junker
    1999); such a group can hold many people that no model fitted to the observed cells sees.
    Returns None where the model cannot be fitted (fewer than 3 lists, too few cells).
    """
    import itertools
    import warnings as _w

    from uncounted.estimate.loglinear import fit_loglinear

    k = hist.k
    if k < 3:
        return None
    try:
        with _w.catch_warnings(), np.errstate(all="ignore"):
            _w.simplefilter("ignore")
            fit = fit_loglinear(hist, list(itertools.combinations(range(k), 2)))
    except Exception:  # noqa: BLE001 - a diagnostic must never break the analysis
        return None
    coef = np.asarray(fit.fit.coef[1 + k:], dtype=float)
    coef = coef[np.isfinite(coef)]
    if coef.size == 0 or not fit.exists:
        return None
    return float(coef.mean())


def sampler_ess(diagnostics: Mapping[str, Any]) -> float | None:
    """The smaller of bulk and tail ESS (or a plain ``ess``), if the method reports one."""
    vals = [diagnostics.get(k) for k in ("ess", "ess_bulk", "ess_tail")]
    finite = [float(v) for v in vals if v is not None and np.isfinite(v)]
    return min(finite) if finite else None


def plausible_thresholds(expected_f1: Mapping[float, float],
                         rules: VerdictRules = VerdictRules()) -> list[float]:
    """Linkage thresholds an analyst could defend: expected F1 within the margin of the best.

    Why: the linkage check asks whether reasonable linkage decisions change the count.  A
    threshold of 0.95 that the model itself expects to miss half the true links is not such a
    decision, and an estimate that moves across it says nothing about the data: on the demo's
    lists the log-linear estimate moved 156% across 0.3-0.95, but 24% across 0.3-0.7, the
    thresholds whose expected F1 is within 0.02 of the best.  ``expected_f1`` comes from the
    linkage model's match probabilities (mean probability above the threshold for precision,
    their share of the summed probability for recall).
    """
    finite = {float(t): float(f) for t, f in expected_f1.items() if math.isfinite(f)}
    if not finite:
        return []
    best = max(finite.values())
    return sorted(t for t, f in finite.items() if f >= best - rules.linkage_f1_margin)


def estimability(hist: CaptureHistories, rules: VerdictRules = VerdictRules()) -> list[str]:
    """Reasons why no estimate should be attempted at all (empty list: go ahead)."""
    reasons = []
    sizes = hist.list_sizes
    informative = int((sizes > 0).sum())
    if informative < rules.min_informative_lists:
        reasons.append(f"only {informative} list(s) record anyone in this stratum; at least "
                       f"{rules.min_informative_lists} are needed to model dependence between lists")
    pats = hist.patterns
    counts = hist.counts
    overlap = int(counts[pats.sum(axis=1) >= 2].sum()) if len(counts) else 0
    if overlap == 0:
        reasons.append("no person is on more than one list: without overlap the lists say nothing "
                       "about who is missing")
    if hist.n_observed < 10:
        reasons.append(f"only {hist.n_observed} persons observed")
    return reasons


def judge(
    hist: CaptureHistories,
    results: Mapping[str, EstimateResult],
    failures: Mapping[str, str] | None = None,
    *,
    linkage_estimates: Mapping[float, float] | None = None,
    rules: VerdictRules = VerdictRules(),
) -> Verdict:
    """Apply the verdict rules to the fits of one stratum.

    Parameters
    ----------
    hist : CaptureHistories
        The stratum's table.
    results : mapping of method name to EstimateResult
        The defensible methods that produced an estimate.
    failures : mapping of method name to reason
        Methods that refused (non-existent MLE, non-identifiable, ...).
    linkage_estimates : mapping threshold -> headline estimate, optional
        The estimate at several linkage thresholds (from the linkage step), best restricted
        to the :func:`plausible_thresholds`.
    """
    failures = dict(failures or {})
    pre = estimability(hist, rules)
    if pre:
        return Verdict(NOT_ESTIMABLE, tuple(pre), {"estimability": pre})
    if not results:
        return Verdict(NOT_ESTIMABLE, tuple(f"{m}: {r}" for m, r in failures.items())
                       or ("no method produced an estimate",), {})
    reasons: list[str] = []
    checks: dict[str, Any] = {}
    n = hist.n_observed

    # 1. methods disagree beyond their intervals, or by more than a factor
    ests = {m: r.estimate for m, r in results.items() if math.isfinite(r.estimate)}
    if len(ests) >= 2:
        lo_m, hi_m = min(ests, key=ests.__getitem__), max(ests, key=ests.__getitem__)
        ratio = ests[hi_m] / max(ests[lo_m], 1.0)
        checks["method_ratio"] = ratio
        disjoint = [
            (a, b) for a in results for b in results
            if a < b and (results[a].upper < results[b].lower or results[b].upper < results[a].lower)
        ]
        checks["disjoint_intervals"] = [f"{a} vs {b}" for a, b in disjoint]
        if ratio > rules.max_method_ratio:
            reasons.append(f"methods disagree: {lo_m} gives {ests[lo_m]:,.0f}, {hi_m} gives "
                           f"{ests[hi_m]:,.0f} (ratio {ratio:.2f} > {rules.max_method_ratio})")
        elif disjoint:
            reasons.append("methods' 95% intervals do not overlap: " + "; ".join(checks["disjoint_intervals"]))

    # 2. sampler diagnostics
    for m, r in results.items():
        d = r.diagnostics
        rhat = d.get("rhat")
        ess = sampler_ess(d)
        if rhat is not None and np.isfinite(rhat) and rhat > rules.max_rhat:
            reasons.append(f"{m}: chains have not converged (R-hat {rhat:.3f} > {rules.max_rhat})")
        if ess is not None and np.isfinite(ess) and ess < rules.min_ess:
            reasons.append(f"{m}: effective sample size {ess:.0f} < {rules.min_ess:.0f}")
        meds = d.get("chain_medians")
        if meds is not None and len(meds) >= 2:
            meds = np.asarray(meds, dtype=float)
            spread = float((meds.max() - meds.min()) / max(np.median(meds), 1.0))
            checks[f"{m}_chain_spread"] = spread
            if spread > rules.max_chain_spread:
                reasons.append(f"{m}: chains disagree (medians {meds.min():,.0f}–{meds.max():,.0f})")
        # 4. posterior or profile piled against a bound
        if d.get("grid_converged") is False:
            reasons.append(f"{m}: posterior mass piles against the upper end of the grid")
        if d.get("at_bound") or d.get("upper_censored"):
            reasons.append(f"{m}: the interval reaches the search bound")
        # 5. goodness of fit
        p = d.get("gof_pvalue")
        if p is not None and np.isfinite(p) and p < rules.min_gof_pvalue:
            reasons.append(f"{m}: the selected model fits poorly (goodness-of-fit p = {p:.3g})")

    # 3. sparse or empty cells
    cells = hist.counts
    k = hist.k
    n_cells = 2**k - 1
    sparse = (n_cells - len(cells)) + int((cells < rules.min_cell_count).sum())
    frac = sparse / n_cells
    checks["sparse_cell_fraction"] = frac
    if frac > rules.max_sparse_fraction:
        reasons.append(f"{sparse} of {n_cells} observable cells have fewer than "
                       f"{rules.min_cell_count} persons: interactions are weakly identified")

    # 6. precision: an interval so wide that the number says little
    for m, r in results.items():
        if r.lower > 0 and math.isfinite(r.upper):
            ir = r.upper / r.lower
            if ir > rules.max_interval_ratio:
                reasons.append(f"{m}: the 95% interval spans a factor of {ir:.1f}")
        elif not math.isfinite(r.upper):
            reasons.append(f"{m}: the interval has no finite upper limit")

    # 7. most of the count is extrapolated
    med = float(np.median(list(ests.values()))) if ests else math.nan
    if math.isfinite(med) and med > 0:
        dark = 1 - n / med
        checks["dark_fraction"] = dark
        if dark > rules.max_dark_fraction:
            reasons.append(f"{dark:.0%} of the estimate is people on no list: the count rests on "
                           "extrapolation")

    # 8. uniform positive dependence: the signature of a group every list misses
    dep = pairwise_dependence(hist)
    checks["mean_pairwise_log_odds_ratio"] = dep
    if dep is not None and dep > rules.max_mean_pairwise_log_or:
        reasons.append(
            f"lists are strongly dependent on one another (mean pairwise odds ratio "
            f"{math.exp(dep):.1f}): people one list misses, the others tend to miss too, so a "
            "group that no list records well cannot be ruled out and the total may be far higher")

    # 9. linkage sensitivity
    if linkage_estimates and len(linkage_estimates) >= 2:
        est = {float(t): float(v) for t, v in linkage_estimates.items() if math.isfinite(v)}
        if len(est) >= 2:
            vals = np.array(list(est.values()))
            move = float((vals.max() - vals.min()) / max(np.median(vals), 1.0))
            checks["linkage_movement"] = move
            checks["linkage_thresholds"] = sorted(est)
            if move > rules.max_linkage_movement:
                reasons.append(f"the estimate moves by {move:.0%} across linkage thresholds "
                               f"{min(est):g}-{max(est):g}")

    for m, why in failures.items():
        checks.setdefault("refused", {})[m] = why
    return Verdict(SENSITIVE if reasons else ROBUST, tuple(reasons), checks)
