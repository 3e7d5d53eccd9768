"""Count-only evidence: incidents, grouped across sources, used as lower bounds.

Several sources often report the same event (a monitoring group's photo and a local channel's
post of the same buses).  Reports are grouped when they are at the same place, close in time and
their counts are compatible; each source's report is kept, and a group's floor is the largest
minimum any of its reports supports.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

MAX_GAP_DAYS = 1


def _place_key(p: object) -> str:
    return " ".join(str(p or "").lower().replace("ё", "е").split())


def group_incidents(incidents: pd.DataFrame, max_gap_days: int = MAX_GAP_DAYS) -> pd.Series:
    """A group label per incident (union of pairwise 'same event' relations)."""
    n = len(incidents)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows: list[Any] = list(incidents.itertuples(index=False))  # rows of a pandas frame
    for i in range(n):
        for j in range(i + 1, n):
            a, b = rows[i], rows[j]
            if _place_key(a.place) != _place_key(b.place) or str(a.seen) != str(b.seen):
                continue
            a0, a1 = pd.Timestamp(a.date_start), pd.Timestamp(a.date_end if pd.notna(a.date_end) else a.date_start)
            b0, b1 = pd.Timestamp(b.date_start), pd.Timestamp(b.date_end if pd.notna(b.date_end) else b.date_start)
            gap = max((b0 - a1).days, (a0 - b1).days, 0)
            if gap > max_gap_days:
                continue
            amin, amax = float(a.count_min or 0), float(a.count_max or a.count_min or 0)
            bmin, bmax = float(b.count_min or 0), float(b.count_max or b.count_min or 0)
            if amin > bmax * 1.5 or bmin > amax * 1.5:  # counts too different to be one event
                continue
            parent[find(i)] = find(j)
    roots = [find(i) for i in range(n)]
    labels = {r: k + 1 for k, r in enumerate(dict.fromkeys(roots))}
    return pd.Series([labels[r] for r in roots], index=incidents.index, name="group")


def incident_groups(incidents: pd.DataFrame) -> pd.DataFrame:
    """One row per grouped event: dates, place, what was seen, floor and ceiling, sources."""
    if incidents.empty:
        return pd.DataFrame(columns=["group", "date_start", "date_end", "place", "seen", "floor",
                                     "ceiling", "sources", "n_reports"])
    df = incidents.assign(group=group_incidents(incidents))
    out = df.groupby("group").agg(
        date_start=("date_start", "min"), date_end=("date_end", "max"), place=("place", "first"),
        seen=("seen", "first"), floor=("count_min", "max"), ceiling=("count_max", "max"),
        sources=("source", lambda s: ", ".join(sorted(set(map(str, s))))),
        n_reports=("source", "size")).reset_index()
    return out


def lower_bound_checks(groups: pd.DataFrame, estimates: dict[str, object]) -> pd.DataFrame:
    """Compare the sum of incident floors per kind with the estimate of the matching stratum."""
    from uncounted.estimate.result import finite
    from uncounted.report.claims import stratum_estimate

    rows = []
    for seen, counts in (("wounded", "wounded"), ("bodies", "killed")):
        floor = float(groups.loc[groups["seen"] == seen, "floor"].fillna(0).sum()) if len(groups) else 0.0
        if floor <= 0:
            continue
        est = stratum_estimate(estimates, counts)  # type: ignore[arg-type]
        if est is None or est.get("N") is None:
            status = "no estimate"
        else:
            upper = finite(est.get("upper"))  # None: no finite upper limit, so nothing is below
            status = ("consistent" if upper is None or upper >= floor
                      else "estimate below count-only evidence")
        rows.append({"seen": seen, "incident_floor": floor, "stratum": counts,
                     "estimate_upper": None if est is None else est.get("upper"), "status": status})
    return pd.DataFrame(rows)
