"""The dashboard: records per source, list overlaps, the current estimate, claims against it."""

from __future__ import annotations

import logging
import math
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from uncounted.exceptions import InputError, UncountedError
from uncounted.review import csrf
from uncounted.review.web import MESSAGES, ReviewContext, ctx, render, role, route_extra

log = logging.getLogger(__name__)
router = APIRouter()


def fmt(v: Any) -> str:
    """Counts as whole numbers with thin-space thousands ("12 345"); missing as an en dash."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "∞" if x > 0 else "–"
    return f"{round(x):,}".replace(",", "\u2009")


def current_counts(c: ReviewContext) -> dict[str, Any]:
    st = c.store
    n_records = int(st.scalar("SELECT count(*) FROM records WHERE active") or 0)
    run = st.query_df("SELECT run_id, coalesce(edited_by_review, FALSE) AS edited, "
                      "coalesce(review_edits, 0) AS edits FROM link_runs WHERE current AND status = 'done' "
                      "ORDER BY run_id DESC LIMIT 1")
    n_persons = None
    edited, edits = False, 0
    if not run.empty:
        rid = int(run["run_id"].iloc[0])
        n_persons = int(st.scalar("SELECT count(DISTINCT c.cluster_id) FROM clusters c JOIN records r "
                                  "USING (record_uid) WHERE c.run_id = ? AND r.active", [rid]) or 0)
        edited, edits = bool(run["edited"].iloc[0]), int(run["edits"].iloc[0])
    n_labels = int(st.scalar("SELECT count(*) FROM pair_labels") or 0)
    return {"n_records": n_records, "n_persons": n_persons, "n_labels": n_labels,
            "relink_due": edited, "review_edits": edits}


def estimate_summary(c: ReviewContext) -> dict[str, Any]:
    """The stored estimates (what was last run), as the dashboard and ``/api/estimate`` show them."""
    from uncounted.report import figures

    est = c.project.latest_estimates()
    run = c.store.query_df("SELECT run_id, created_at FROM estimate_runs WHERE current AND "
                           "coalesce(by_fields, '') = '' ORDER BY run_id DESC LIMIT 1")
    rows = figures.estimate_rows(est) if est else pd.DataFrame()
    heads = figures.headline_rows(est) if est else pd.DataFrame()
    headline = None
    if not heads.empty:
        h = heads[heads["analysis"] == "overall"]
        if not h.empty:
            headline = h.iloc[0].to_dict()
    return {"estimates": est, "rows": rows, "headline": headline,
            "run_id": None if run.empty else int(run["run_id"].iloc[0]),
            "created_at": None if run.empty else str(run["created_at"].iloc[0])[:19]}


@router.get("/", include_in_schema=False, openapi_extra=route_extra("viewer"))
def dashboard(request: Request, sess=role("viewer"), done: str | None = None) -> Response:  # noqa: B008
    from uncounted.report import figures, svg

    c = ctx(request)
    counts = current_counts(c)
    summ = estimate_summary(c)
    rows = summ["rows"]
    est_rows = [] if rows.empty else [
        {**r, "N": fmt(r["N"]), "lower": fmt(r["lower"]), "upper": fmt(r["upper"])}
        for r in rows.to_dict(orient="records")]
    interval_svg = ""
    if not rows.empty:
        chart = rows.assign(label=rows["analysis"] + " · " + rows["stratum"].astype(str) + " · "
                            + rows["method"].astype(str), highlight=rows["headline"].astype(bool))
        n = pd.to_numeric(chart["N"], errors="coerce")
        # a method without an interval bound is drawn as its point (svg needs numbers)
        chart = chart.assign(N=n, lower=pd.to_numeric(chart["lower"], errors="coerce").fillna(n),
                             upper=pd.to_numeric(chart["upper"], errors="coerce").fillna(n))
        chart = chart[chart["N"].notna()]
        if not chart.empty:
            interval_svg = svg.interval_chart(chart, title="Estimates with intervals")
    head = summ["headline"]
    headline = None
    if head is not None:
        headline = {**head, "N": fmt(head.get("N")), "lower": fmt(head.get("lower")),
                    "upper": fmt(head.get("upper"))}
    claims = []
    if summ["estimates"]:
        try:
            cr = figures.claims_rows(c.project, summ["estimates"])
        except (UncountedError, KeyError, ValueError) as exc:
            log.warning("claims could not be compared: %s", exc)
            cr = pd.DataFrame()
        for r in cr.to_dict(orient="records"):
            claims.append({"claimant": r["claimant"], "said_on": r["said_on"], "counts": r["counts"],
                           "claim": fmt(r["claim_low"]) if r["claim_low"] == r["claim_high"]
                           else f"{fmt(r['claim_low'])} – {fmt(r['claim_high'])}",
                           "estimate": f"{fmt(r['estimate'])} [{fmt(r['estimate_lower'])} – "
                                       f"{fmt(r['estimate_upper'])}]",
                           "comparison": r["status"] + (f" ({r['note']})" if r["note"] else "")})
    sources = c.store.query_df("SELECT source, count(*) AS n FROM records WHERE active GROUP BY source "
                               "ORDER BY source")
    sources_svg = svg.bar_chart(sources["source"].astype(str).tolist(), sources["n"].tolist(),
                                title="Records per source") if not sources.empty else ""
    upset_svg = ""
    if counts["n_persons"]:
        hist = c.project.capture_histories()
        ov = figures.overlaps(hist)
        lists = [x for x in hist.to_frame().columns if x != "count"]
        upset_svg = svg.upset_chart(ov, lists, title="Persons by the lists that hold them")
    stale = (head is not None and counts["n_persons"] is not None
             and head.get("n_observed") is not None and int(head["n_observed"]) != counts["n_persons"])
    n_queue = c.queue.items(sess.username, limit=0)[1] if counts["n_persons"] is not None else 0
    return render(request, "dashboard.html", project_name=c.project.config.name, **counts,
                  n_queue=n_queue, headline=headline, estimate_rows=est_rows,
                  interval_svg=interval_svg, claims=claims, sources_svg=sources_svg,
                  upset_svg=upset_svg, estimate_stale=stale, estimate_run_id=summ["run_id"],
                  estimate_created=summ["created_at"], estimate_method=c.settings.estimate_method,
                  message=MESSAGES.get(done or ""))


def run_estimate(c: ReviewContext, actor: str) -> list[int]:
    """Re-estimate overall and by the configured strata with the fast method; save each run.

    Runs one at a time (a lock); the fits run outside the store lock, so reviewers go on working.
    """
    if not c.estimate_lock.acquire(blocking=False):
        raise InputError("an estimate is already running; reload the dashboard in a moment")
    try:
        ids: list[int] = []
        by_fields = c.settings.by_fields()
        runs: list[list[str]] = [[]] + ([by_fields] if by_fields else [])
        for by in runs:
            try:
                an = c.project.estimate(method=c.settings.estimate_method, by=by or None)
            except UncountedError as exc:
                if by:  # a stratified analysis that cannot run does not block the overall one
                    log.warning("stratified estimate by %s failed: %s", by, exc)
                    continue
                raise
            with c.store.transaction():
                old = c.store.actor
                c.store.actor = actor
                try:
                    ids.append(c.project.save_estimate(an, by=by or None))
                finally:
                    c.store.actor = old
        return ids
    finally:
        c.estimate_lock.release()


@router.post("/estimate", include_in_schema=False, openapi_extra=route_extra("admin"))
def re_estimate(request: Request, sess=role("admin"),  # noqa: B008
                csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    csrf.check(sess.csrf_token, csrf_token)
    c = ctx(request)
    ids = run_estimate(c, sess.username)
    log.info("re-estimated by %s: runs %s", sess.username, ids)
    return RedirectResponse("/?done=estimate", status_code=303)
