"""The report's numbers and the data behind each chart, checked against the store."""

from __future__ import annotations

import re

import pytest

from uncounted.report import build_context, render_html, write_report
from uncounted.report.claims import compare_claims
from uncounted.report.figures import overlaps

FAST = {"bma": {}}


def estimate_and_claims(proj):
    an = proj.estimate(method="bma")
    proj.save_estimate(an)
    by = proj.estimate(method="bma", by=["event_type"])
    proj.save_estimate(by, by=["event_type"])
    proj.add_claim({"claimant": "Belarusian leadership", "said_on": "2022-03-10", "counts": "wounded",
                    "low": 160, "high": 170, "text": "about 160–170 wounded treated during this entire period"})
    proj.add_claim({"claimant": "Mazyr doctor", "said_on": "2022-03-05", "counts": "wounded", "low": 40,
                    "high": 50, "per_day": True, "period_start": "2022-03-01", "period_end": "2022-03-10",
                    "text": "40–50 wounded a day in early March"})
    proj.add_claim({"claimant": "Russian MoD", "said_on": "2022-03-02", "counts": "killed", "low": 1e6,
                    "high": 1e6, "text": "an absurd upper claim"})
    proj.add_incident({"source": "monitor-A", "date_start": "2022-02-28", "place": "Mazyr station",
                       "seen": "wounded", "count_min": 30, "count_max": 60})
    proj.add_incident({"source": "channel-B", "date_start": "2022-02-28", "place": "mazyr  station",
                       "seen": "wounded", "count_min": 40, "count_max": 50})
    proj.add_incident({"source": "satellite", "date_start": "2022-03-15", "date_end": "2022-03-20",
                       "place": "Naroulia", "seen": "vehicles", "count_min": 10, "count_max": 20})
    return an, by


def test_context_numbers_match_the_store(linked_project):
    proj = linked_project
    an, _ = estimate_and_claims(proj)
    ctx = build_context(proj)
    st = proj.store
    # data by source
    by_src = {r["source"]: r["records"] for r in ctx["sources"]}
    for src, n in st.con.execute("SELECT source, count(*) FROM records WHERE active GROUP BY source").fetchall():
        assert by_src[src] == n
    # overlaps: every linked person counted once
    n_clusters = st.scalar("SELECT count(DISTINCT cluster_id) FROM clusters WHERE run_id = 1")
    assert sum(r["count"] for r in ctx["overlaps"]) == n_clusters
    both = st.scalar(
        "SELECT count(*) FROM (SELECT cluster_id FROM clusters JOIN records USING (record_uid) "
        "GROUP BY cluster_id HAVING list(DISTINCT source ORDER BY source) = ['morgue','ngo','xray'])")
    assert {r["pattern"]: r["count"] for r in ctx["overlaps"]}["morgue & ngo & xray"] == both
    # headline equals the stored overall estimate
    stored = proj.latest_estimates()[""]
    assert ctx["headline"]["N"] == pytest.approx(stored["N"])
    assert ctx["headline"]["N"] == pytest.approx(an.to_dict()["N"])
    # claims: the small official figure is below, the absurd one above, the rate is expanded
    claims = {c["claimant"]: c for c in ctx["claims"]}
    assert claims["Belarusian leadership"]["status"] == "below"
    assert claims["Russian MoD"]["status"] == "above"
    assert claims["Mazyr doctor"]["claim_low"] == 400 and claims["Mazyr doctor"]["claim_high"] == 500
    assert "partial" in claims["Mazyr doctor"]["note"] or "part of the period" in claims["Mazyr doctor"]["note"]
    # incidents: the two station reports are one event; the floor is the larger minimum
    groups = ctx["incidents"]
    assert len(groups) == 2
    station = next(g for g in groups if "station" in str(g["place"]).lower())
    assert station["n_reports"] == 2 and station["floor"] == 40
    assert ctx["repro"]["audit entries"] == st.scalar("SELECT count(*) FROM audit_log")


def test_overlaps_sum_to_observed(linked_project):
    h = linked_project.capture_histories()
    ov = overlaps(h)
    assert ov["count"].sum() == h.n_observed
    assert ov["count"].is_monotonic_decreasing


def test_html_is_self_contained_and_audited(linked_project, tmp_path):
    proj = linked_project
    estimate_and_claims(proj)
    out = write_report(proj, tmp_path / "r.html")
    html = out.read_text(encoding="utf-8")
    # nothing is fetched: no src/href to any URL, no <script>, no @import or url()
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", html)
    assert "<script" not in html.lower() and "@import" not in html and "url(" not in html
    assert "Content-Security-Policy" in html
    for section in ("sources", "overlaps", "linkage", "estimates", "claims", "incidents", "methods",
                    "reproducibility"):
        assert f'id="{section}"' in html
    assert "Verdict" in html or "verdict" in html
    last = proj.store.query_df("SELECT action, detail FROM audit_log ORDER BY seq DESC LIMIT 1")
    assert last["action"].iloc[0] == "report"


def test_a_new_project_reports_that_nothing_is_estimated_yet(project, tmp_path):
    # was a KeyError ("internal error") on the empty table of headlines
    html = write_report(project, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No linkage run yet." in html
    assert "run `uncounted estimate` first" in html
    for section in ("sources", "estimates", "claims", "methods", "reproducibility"):
        assert f'id="{section}"' in html


def test_compare_claims_without_estimate_says_so(linked_project):
    proj = linked_project
    proj.add_claim({"claimant": "x", "counts": "both", "low": 5, "high": 5})
    df = compare_claims(proj.claims(), {}, None)
    assert df["status"].tolist() == ["no estimate"]


def test_render_escapes_hostile_text(linked_project):
    proj = linked_project
    estimate_and_claims(proj)
    proj.add_claim({"claimant": "<script>alert(1)</script>", "counts": "both", "low": 1, "high": 2,
                    "text": "<img src=x onerror=alert(1)>"})
    html = render_html(build_context(proj))
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html


def test_a_stratum_without_finite_upper_limit_is_compared_without_crashing() -> None:
    """A profile interval can have no finite upper limit (the likelihood never falls far
    enough); the envelope then has none, and so does a sum of strata that includes it.  The
    demo on 300 people hit this (2026-12-06) and the report crashed on float(None)."""
    import pandas as pd

    from uncounted.report.claims import stratum_estimate
    from uncounted.report.incidents import lower_bound_checks

    strata = {"killed": {"N": 76.0, "lower": 67.0, "upper": 116.7, "verdict": "sensitive"},
              "died_of_wounds": {"N": 22.0, "lower": 22.0, "upper": None, "verdict": "sensitive"},
              "wounded": {"N": 169.0, "lower": 141.0, "upper": 939.7, "verdict": "robust"}}
    estimates = {"": {"N": 335.0, "lower": 272.0, "upper": 713.9},
                 "event_type": {"strata": strata}}
    est = stratum_estimate(estimates, "killed")
    assert est is not None
    assert est["N"] == 98.0 and est["lower"] == 89.0 and est["upper"] is None
    assert stratum_estimate(estimates, "wounded")["upper"] is None  # type: ignore[index]
    claims = pd.DataFrame([
        {"claim_id": 1, "claimant": "state", "said_on": None, "counts": "killed", "text": "50",
         "low": 50, "high": 50, "per_day": False, "period_start": None, "period_end": None},
        {"claim_id": 2, "claimant": "ngo", "said_on": None, "counts": "killed", "text": "10,000",
         "low": 10_000, "high": 10_000, "per_day": False, "period_start": None, "period_end": None},
    ])
    df = compare_claims(claims, estimates, None)
    # below the lower limit is still below; no claim can be above a missing upper limit
    assert df["status"].tolist() == ["below", "inside"]
    assert all("no finite upper limit" in n for n in df["note"])
    groups = pd.DataFrame({"seen": ["bodies"], "floor": [5000.0]})
    checks = lower_bound_checks(groups, estimates)
    assert checks["status"].tolist() == ["consistent"]
    from uncounted.report.svg import interval_chart

    rows = pd.DataFrame({"label": ["died of wounds", "killed"], "N": [22.0, 76.0],
                         "lower": [22.0, 67.0], "upper": [None, 116.7]}, dtype=object)
    svg = interval_chart(rows, title="strata")
    assert svg.count("<circle") == 2 and "22 [22 –" in svg
