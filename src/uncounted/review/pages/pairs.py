"""The review queue and the pair page: two records side by side, decide by button or key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from uncounted.review import csrf
from uncounted.review.decisions import PairConflict, decide_pair, ordered, pair_history
from uncounted.review.people import differences, load_records
from uncounted.review.web import MAX_ID, ReviewContext, clean_text, ctx, render, role, route_extra

router = APIRouter()
Uid = Annotated[int, Path(ge=0, le=MAX_ID)]
PAGE = 50


def names_of(c: ReviewContext, uids: list[int]) -> dict[int, str]:
    if not uids:
        return {}
    df = c.store.query_df(
        "SELECT record_uid, coalesce(name_raw, concat_ws(' ', family_name, given_name, patronymic), "
        f"record_id) AS nm FROM records WHERE record_uid IN ({','.join('?' * len(uids))})", uids)
    return dict(zip(df["record_uid"].astype(int), df["nm"].astype(str), strict=True))


@router.get("/queue", include_in_schema=False, openapi_extra=route_extra("reviewer"))
def queue_page(request: Request, sess=role("reviewer"),  # noqa: B008
               offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> Response:
    c = ctx(request)
    items, total = c.queue.items(sess.username, limit=PAGE, offset=offset)
    names = names_of(c, sorted({u for it in items for u in (it.uid_l, it.uid_r)}))
    unsure = c.queue.unsure()
    names.update(names_of(c, sorted({u for x in unsure for u in (x["uid_l"], x["uid_r"])} - set(names))))
    return render(request, "queue.html", items=items, total=total, offset=offset, limit=PAGE,
                  names=names, low=c.settings.queue_low, high=c.settings.queue_high, unsure=unsure)


def _parse_key(key: str | None) -> tuple[int, int] | None:
    if not key or len(key) > 50:
        return None
    parts = key.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 18 for p in parts):
        return None
    a, b = int(parts[0]), int(parts[1])
    return (min(a, b), max(a, b)) if a != b else None


@router.get("/queue/next", include_in_schema=False, openapi_extra=route_extra("reviewer"))
def queue_next(request: Request, sess=role("reviewer"),  # noqa: B008
               after: Annotated[str | None, Query(max_length=50)] = None) -> Response:
    """The pair after ``after`` in this reviewer's queue (or the first), else the queue page."""
    c = ctx(request)
    cur = _parse_key(after)
    items, _ = c.queue.items(sess.username, limit=1000)
    keys = [(it.uid_l, it.uid_r) for it in items]
    nxt = None
    if cur is not None and cur in keys:
        i = keys.index(cur)
        nxt = keys[i + 1] if i + 1 < len(keys) else None
    else:
        nxt = next((k for k in keys if k != cur), None)
    if nxt is None:
        return RedirectResponse("/queue", status_code=303)
    return RedirectResponse(f"/pairs/{nxt[0]}/{nxt[1]}", status_code=303)


def pair_context(c: ReviewContext, a: int, b: int) -> dict[str, Any]:
    recs = load_records(c.store, [a, b])
    if a not in recs or b not in recs:
        raise HTTPException(status_code=404, detail=f"no record pair {a}-{b}")
    cl = c.store.query_df("SELECT record_uid, cluster_id FROM clusters WHERE run_id = (SELECT max(run_id) "
                          "FROM link_runs WHERE current AND status = 'done') AND record_uid IN (?, ?)", [a, b])
    cmap = dict(zip(cl["record_uid"].astype(int), cl["cluster_id"].astype(str), strict=True))
    hist = pair_history(c.store, a, b)
    prob, evidence = c.queue.scored(a, b)
    return {"a": recs[a], "b": recs[b], "diffs": differences(recs[a], recs[b]),
            "probability": prob, "evidence": evidence,
            "cluster_a": cmap.get(a), "cluster_b": cmap.get(b),
            "together": cmap.get(a) is not None and cmap.get(a) == cmap.get(b),
            "version": max((int(h["version"]) for h in hist), default=0), "history": hist}


@router.get("/pairs/{uid_a}/{uid_b}", include_in_schema=False, openapi_extra=route_extra("viewer"))
def pair_page(request: Request, uid_a: Uid, uid_b: Uid, sess=role("viewer")) -> Response:  # noqa: B008
    c = ctx(request)
    if uid_a == uid_b:
        raise HTTPException(status_code=404, detail="a pair needs two different records")
    a, b = ordered(uid_a, uid_b)
    if (a, b) != (uid_a, uid_b):
        return RedirectResponse(f"/pairs/{a}/{b}", status_code=303)
    values = pair_context(c, a, b)
    key = f"{a}-{b}"
    prev_href = None
    hist = [h for h in sess.history if h != key]
    if hist:
        pa, pb = hist[-1].split("-")
        prev_href = f"/pairs/{pa}/{pb}"
    c.sessions.remember(sess, key)
    reviewer = sess.role in ("reviewer", "admin")
    if reviewer:
        c.queue.lease(key, sess.username)
    return render(request, "pair.html", prev_href=prev_href,
                  next_href=f"/queue/next?after={key}" if reviewer else None,
                  overrides_label_id=None, **values)


@router.post("/pairs/{uid_a}/{uid_b}", include_in_schema=False, openapi_extra=route_extra("reviewer"))
def pair_decide(request: Request, uid_a: Uid, uid_b: Uid, sess=role("reviewer"),  # noqa: B008
                decision: Annotated[str, Form(max_length=20)] = "",
                version: Annotated[int, Form(ge=0, le=10**9)] = 0,
                note: Annotated[str, Form(max_length=2000)] = "",
                overrides_label_id: Annotated[int | None, Form(ge=0, le=MAX_ID)] = None,
                csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    csrf.check(sess.csrf_token, csrf_token)
    c = ctx(request)
    text = clean_text(note, name="note")
    try:
        decide_pair(c.store, uid_a, uid_b, decision, sess.username, seen_version=version, note=text,
                    overrides_label_id=overrides_label_id)
    except PairConflict as exc:
        return render(request, "conflict.html", status=409, error_message=str(exc), newer=exc.newer,
                      decision=decision, note=text, uid_l=exc.uid_l, uid_r=exc.uid_r,
                      current_version=exc.current_version)
    a, b = ordered(uid_a, uid_b)
    return RedirectResponse(f"/queue/next?after={a}-{b}", status_code=303)
