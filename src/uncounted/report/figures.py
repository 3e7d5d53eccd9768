"""The data behind every chart and table of the report, as tidy DataFrames.

Pure functions of the project's stored state, so that tests can check each number against the
store, and the review app's dashboard can reuse them.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from uncounted.report.claims import compare_claims
from uncounted.report.incidents import incident_groups, lower_bound_checks


def records_by_source(project: Any) -> pd.DataFrame:
    """``source, records, superseded, quarantined`` per list."""
    return project.status().sources.reset_index(drop=True)


def overlaps(histories: Any) -> pd.DataFrame:
    """UpSet-style: one row per capture pattern, ``pattern`` ('A & B'), ``n_lists``, ``count``."""
    df = histories.to_frame()
    lists = [c for c in df.columns if c != "count"]
    pattern = df[lists].apply(lambda r: " & ".join(c for c in lists if r[c] == 1), axis=1)
    out = pd.DataFrame({"pattern": pattern, "n_lists": df[lists].sum(axis=1), "count": df["count"]})
    return out.sort_values(["count", "n_lists"], ascending=[False, True]).reset_index(drop=True)


def estimate_rows(estimates: dict[str, Any]) -> pd.DataFrame:
    """Every method on every stratum: ``analysis, stratum, method, N, lower, upper, headline, verdict``."""
    rows = []
    for by, res in estimates.items():
        strata = res.get("strata") or {"": res}
        items = list(strata.items()) + ([("total", res)] if res.get("strata") else [])
        for name, st in items:
            for m in st.get("methods", []):
                rows.append({"analysis": by or "overall", "stratum": name or "all", "method": m["method"],
                             "N": m["N"], "lower": m["lower"], "upper": m["upper"],
                             "headline": m["method"] == st.get("method"),
                             "verdict": st.get("verdict")})
            if not st.get("methods"):
                rows.append({"analysis": by or "overall", "stratum": name or "all", "method": st.get("method"),
                             "N": st.get("N"), "lower": st.get("lower"), "upper": st.get("upper"),
                             "headline": True, "verdict": st.get("verdict")})
    return pd.DataFrame(rows, columns=["analysis", "stratum", "method", "N", "lower", "upper",
                                       "headline", "verdict"])


def headline_rows(estimates: dict[str, Any]) -> pd.DataFrame:
    """The headline of each stratum with its verdict (what the report leads with)."""
    rows = []
    for by, res in estimates.items():
        strata = res.get("strata") or {}
        for name, st in [*strata.items(), ("total" if strata else "all", res)]:
            rows.append({"analysis": by or "overall", "stratum": name, "N": st.get("N"),
                         "lower": st.get("lower"), "upper": st.get("upper"), "method": st.get("method"),
                         "interval_kind": st.get("interval_kind"), "verdict": st.get("verdict"),
                         "reasons": "; ".join(st.get("verdict_reasons") or []),
                         "n_observed": st.get("n_observed")})
    # the columns even when nothing was estimated yet: the report of a new project says so
    return pd.DataFrame(rows, columns=["analysis", "stratum", "N", "lower", "upper", "method",
                                       "interval_kind", "verdict", "reasons", "n_observed"])


def study_period(project: Any) -> tuple[Any, Any] | None:
    row = project.store.query_df(
        "SELECT min(event_date) AS a, max(coalesce(event_date_end, event_date)) AS b FROM records WHERE active")
    if row.empty or pd.isna(row["a"].iloc[0]):
        return None
    return (row["a"].iloc[0], row["b"].iloc[0])


def claims_rows(project: Any, estimates: dict[str, Any]) -> pd.DataFrame:
    return compare_claims(project.claims(), estimates, study_period(project))


def timeline_rows(project: Any) -> pd.DataFrame:
    groups = incident_groups(project.incidents())
    if groups.empty:
        return groups.assign(label=[])
    label = groups.apply(
        lambda g: f"{g.place}: {g.seen} {int(g.floor) if pd.notna(g.floor) else '?'}–"
                  f"{int(g.ceiling) if pd.notna(g.ceiling) else '?'} ({g.sources})", axis=1)
    return groups.assign(label=label)


def incident_checks(project: Any, estimates: dict[str, Any]) -> pd.DataFrame:
    return lower_bound_checks(incident_groups(project.incidents()), estimates)


def linkage_rows(project: Any) -> tuple[dict[str, Any] | None, pd.DataFrame]:
    """The current linkage run and its threshold table (expected/measured precision, recall)."""
    run = project.current_link_run()
    if run is None:
        return None, pd.DataFrame()
    raw = project.store.scalar("SELECT threshold_table FROM link_runs WHERE run_id = ?", [run["run_id"]])
    table = pd.DataFrame(json.loads(raw)) if raw else pd.DataFrame()
    if not table.empty:
        table = table[[c for c in table.columns if not isinstance(table[c].iloc[0], dict | list)]]
    return run, table


def provenance_rows(project: Any) -> pd.DataFrame:
    return project.store.query_df(
        "SELECT source, file_name, file_sha256, mapping_sha256, mapping_version, ingested_at, "
        "n_rows, n_accepted, n_quarantined FROM ingests ORDER BY ingest_id")
