"""Search people by name in any script; a person's (cluster's) page; split and merge."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from uncounted.names import fold_key
from uncounted.review import csrf
from uncounted.review.decisions import (
    cluster_members,
    current_run_id,
    merge_clusters,
    split_cluster,
)
from uncounted.review.people import load_records
from uncounted.review.web import MAX_ID, ReviewContext, clean_text, ctx, render, role, route_extra

router = APIRouter()
CLUSTER_ID = r"^[A-Za-z0-9_.:\-]{1,100}$"
ClusterId = Annotated[str, Path(pattern=CLUSTER_ID, max_length=100)]


def search_people(c: ReviewContext, q: str, limit: int = 100) -> list[dict[str, Any]]:
    uids = c.names.search(q, limit=limit)
    recs = load_records(c.store, uids)
    run = current_run_id(c.store)
    cmap: dict[int, str] = {}
    if run is not None and uids:
        df = c.store.query_df(f"SELECT record_uid, cluster_id FROM clusters WHERE run_id = ? AND record_uid "
                              f"IN ({','.join('?' * len(uids))})", [run, *uids])
        cmap = dict(zip(df["record_uid"].astype(int), df["cluster_id"].astype(str), strict=True))
    return [{**recs[u], "cluster_id": cmap.get(u)} for u in uids if u in recs]


@router.get("/people", include_in_schema=False, openapi_extra=route_extra("viewer"))
def people_page(request: Request, sess=role("viewer"),  # noqa: B008
                q: Annotated[str, Query(max_length=200)] = "") -> Response:
    c = ctx(request)
    q = clean_text(q, name="q", max_len=200) or ""
    results = search_people(c, q) if q else []
    return render(request, "people.html", q=q, results=results, folded=fold_key(q) if q else "")


def cluster_context(c: ReviewContext, cluster_id: str) -> dict[str, Any]:
    uids = cluster_members(c.store, cluster_id)
    if not uids:
        raise HTTPException(status_code=404, detail=f"no person (cluster) {cluster_id!r} in the current linkage")
    recs = load_records(c.store, uids)
    run = current_run_id(c.store)
    flagged = c.store.scalar("SELECT string_agg(DISTINCT flagged, ';') FROM clusters WHERE run_id = ? AND "
                             "cluster_id = ? AND flagged IS NOT NULL", [run, cluster_id])
    marks = ",".join("?" * len(uids))
    nb = c.store.query_df(
        f"""WITH p AS (
              SELECT record_uid_l AS here, record_uid_r AS other, match_probability AS p FROM link_pairs
              WHERE run_id = ? AND record_uid_l IN ({marks}) AND record_uid_r NOT IN ({marks})
              UNION ALL
              SELECT record_uid_r, record_uid_l, match_probability FROM link_pairs
              WHERE run_id = ? AND record_uid_r IN ({marks}) AND record_uid_l NOT IN ({marks}))
            SELECT p.here AS uid_here, p.other AS uid_other, p.p, c.cluster_id AS cluster_other,
                   r.name_raw AS name
            FROM p JOIN clusters c ON c.run_id = ? AND c.record_uid = p.other
            JOIN records r ON r.record_uid = p.other AND r.active
            ORDER BY p.p DESC LIMIT 20""", [run, *uids, *uids, run, *uids, *uids, run])
    labels = c.store.query_df(
        f"SELECT record_uid_l, record_uid_r, decision, reviewer, decided_at, origin, reason, note "
        f"FROM pair_labels WHERE record_uid_l IN ({marks}) AND record_uid_r IN ({marks}) "
        f"ORDER BY label_id DESC LIMIT 100", [*uids, *uids])
    records = [recs[u] for u in uids if u in recs]
    return {"cluster_id": cluster_id, "records": records,
            "lists": sorted({str(r["source"]) for r in records}), "flagged": flagged,
            "neighbours": nb.to_dict(orient="records"),
            "labels": [{k: (None if v is None or v != v else v) for k, v in r.items()}
                       for r in labels.to_dict(orient="records")],
            "suggest": None if nb.empty else str(nb["cluster_other"].iloc[0])}


@router.get("/clusters/{cluster_id}", include_in_schema=False, openapi_extra=route_extra("viewer"))
def cluster_page(request: Request, cluster_id: ClusterId, sess=role("viewer"),  # noqa: B008
                 done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    from uncounted.review.web import MESSAGES

    return render(request, "cluster.html", message=MESSAGES.get(done or ""),
                  **cluster_context(ctx(request), cluster_id))


@router.post("/clusters/{cluster_id}/split", include_in_schema=False, openapi_extra=route_extra("reviewer"))
def cluster_split(request: Request, cluster_id: ClusterId, sess=role("reviewer"),  # noqa: B008
                  move_out: Annotated[list[Annotated[int, Form(ge=0, le=MAX_ID)]], Form()] = [],  # noqa: B006
                  reason: Annotated[str, Form(max_length=2000)] = "",
                  csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    csrf.check(sess.csrf_token, csrf_token)
    c = ctx(request)
    text = clean_text(reason, name="reason", required=True) or ""
    if len(move_out) > c.settings.max_cluster_edit:
        raise HTTPException(status_code=400, detail="too many records")
    split_cluster(c.store, cluster_id, move_out, sess.username, text,
                  max_records=c.settings.max_cluster_edit)
    remaining = c.store.scalar("SELECT cluster_id FROM clusters WHERE run_id = ? AND cluster_id = ? LIMIT 1",
                               [current_run_id(c.store), cluster_id])
    target = cluster_id if remaining else None
    if target is None:
        target = str(c.store.scalar("SELECT cluster_id FROM clusters WHERE run_id = ? AND record_uid = ?",
                                    [current_run_id(c.store), int(move_out[0])]))
    return RedirectResponse(f"/clusters/{target}?done=split", status_code=303)


@router.post("/clusters/merge", include_in_schema=False, openapi_extra=route_extra("reviewer"))
def cluster_merge(request: Request, sess=role("reviewer"),  # noqa: B008
                  cluster_a: Annotated[str, Form(pattern=r"^[A-Za-z0-9_.:\-]{1,100}$")] = "",
                  cluster_b: Annotated[str, Form(max_length=100)] = "",
                  reason: Annotated[str, Form(max_length=2000)] = "",
                  csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    csrf.check(sess.csrf_token, csrf_token)
    c = ctx(request)
    text = clean_text(reason, name="reason", required=True) or ""
    other = (clean_text(cluster_b, name="cluster_b", max_len=100, required=True) or "").strip()
    before = cluster_members(c.store, cluster_a)
    merge_clusters(c.store, cluster_a, other, sess.username, text, max_records=c.settings.max_cluster_edit)
    target = str(c.store.scalar("SELECT cluster_id FROM clusters WHERE run_id = ? AND record_uid = ?",
                                [current_run_id(c.store), before[0]]))
    return RedirectResponse(f"/clusters/{target}?done=merge", status_code=303)
