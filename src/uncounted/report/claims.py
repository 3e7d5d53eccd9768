"""Claims set against the estimate: below the interval, inside it, or above it.

A claim counts killed, wounded or both, over a period, sometimes as a rate ("40–50 a day").  It
is compared with the estimate of the matching stratum; a rate is turned into the total it
implies over its own period, and a claim that covers only part of the estimate's period is a
floor for the full period, which the comparison says.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from uncounted.estimate.result import finite

#: which event-type strata each kind of claim counts
CLAIM_STRATA = {
    "killed": ("killed", "died_of_wounds"),
    "wounded": ("wounded", "died_of_wounds"),
    "both": None,  # the overall total
}


def _sum_limits(parts: list[dict[str, Any]], key: str) -> float | None:
    """Sum of the strata's limits; None (no finite limit) if any stratum has none."""
    vals = [finite(p.get(key)) for p in parts]
    return None if any(v is None for v in vals) else sum(v for v in vals if v is not None)


def stratum_estimate(estimates: dict[str, Any], counts: str) -> dict[str, Any] | None:
    """The estimate to compare a claim with: the event-type strata it counts, or the total.

    ``estimates``: :meth:`Project.latest_estimates` (``""`` overall, ``"event_type"`` stratified).
    """
    overall = estimates.get("")
    strat = (estimates.get("event_type") or {}).get("strata") or {}
    wanted = CLAIM_STRATA.get(counts)
    if wanted is None or not strat:
        return None if overall is None else overall | {"basis": "all persons"}
    parts = [strat[s] for s in wanted if s in strat]
    if not parts or any(p.get("N") is None for p in parts):
        return None if overall is None else overall | {"basis": "all persons (stratum not estimable)"}
    n = sum(float(p["N"]) for p in parts)
    lo, hi = _sum_limits(parts, "lower"), _sum_limits(parts, "upper")
    verdicts = {p.get("verdict") for p in parts}
    return {"N": n, "lower": lo, "upper": hi, "basis": " + ".join(wanted),
            "verdict": "robust" if verdicts == {"robust"} else "sensitive",
            "interval_kind": "sum of stratum intervals (conservative)"}


def compare_claims(claims: pd.DataFrame, estimates: dict[str, Any],
                   period: tuple[Any, Any] | None = None) -> pd.DataFrame:
    """One row per claim: the implied range, the matching estimate and the comparison."""
    rows = []
    p0, p1 = (pd.Timestamp(period[0]), pd.Timestamp(period[1])) if period else (None, None)
    c: Any  # a row of a pandas frame
    for c in claims.itertuples(index=False):
        low = float(c.low) if c.low is not None and not pd.isna(c.low) else math.nan
        high = float(c.high) if c.high is not None and not pd.isna(c.high) else low
        note = ""
        partial = False
        if bool(c.per_day):
            if pd.isna(c.period_start) or pd.isna(c.period_end):
                days = 1
                note = "a daily rate with no period: compared as one day"
            else:
                days = (pd.Timestamp(c.period_end) - pd.Timestamp(c.period_start)).days + 1
                note = f"a daily rate over {days} days ({c.period_start} – {c.period_end})"
            low, high = low * days, high * days
        if p0 is not None and p1 is not None and not pd.isna(c.period_start) and not pd.isna(c.period_end):
            cs, ce = pd.Timestamp(c.period_start), pd.Timestamp(c.period_end)
            if cs > p0 or ce < p1:
                partial = True
                note = (note + "; " if note else "") + "covers part of the period only: a floor for the whole"
        est = stratum_estimate(estimates, str(c.counts))
        if est is None or est.get("N") is None:
            status = "no estimate"
        else:
            lower, upper = finite(est.get("lower")), finite(est.get("upper"))
            if lower is not None and high < lower:
                status = "below"
            elif upper is not None and low > upper:
                status = "above"
            else:
                status = "inside"
            if upper is None:
                note = (note + "; " if note else "") + "the estimate has no finite upper limit"
        if partial and status == "below":
            status = "below (partial period)"
        rows.append({
            "claim_id": int(c.claim_id), "claimant": c.claimant, "said_on": c.said_on,
            "counts": c.counts, "text": c.text, "claim_low": low, "claim_high": high,
            "estimate": None if est is None else est.get("N"),
            "estimate_lower": None if est is None else est.get("lower"),
            "estimate_upper": None if est is None else est.get("upper"),
            "basis": None if est is None else est.get("basis"),
            "verdict": None if est is None else est.get("verdict"),
            "status": status, "note": note,
        })
    return pd.DataFrame(rows)
