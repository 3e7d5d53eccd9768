"""The JSON API under ``/api/`` (pairs queue, decide, people, clusters, estimate) and its schema.

Same session and roles as the pages; writes need the session's CSRF token in ``X-CSRF-Token``
(``POST /api/session`` returns it).  Errors: ``{"error": {"status": int, "message": str}}``.
"""

from __future__ import annotations

import contextlib
import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from uncounted.review.decisions import (
    PairConflict,
    cluster_members,
    decide_pair,
    merge_clusters,
    ordered,
    split_cluster,
)
from uncounted.review.pages.dashboard import current_counts, estimate_summary, run_estimate
from uncounted.review.pages.pairs import pair_context
from uncounted.review.pages.people import CLUSTER_ID, cluster_context, search_people
from uncounted.review.web import MAX_ID, clean_text, ctx, role, route_extra

router = APIRouter(prefix="/api")


class ErrorDetail(BaseModel):
    status: int
    message: str
    current_version: int | None = None
    newer: list[dict[str, Any]] | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422)}


def jsonable(v: Any) -> Any:
    """Plain JSON values from numpy / pandas / datetime (NaN -> null)."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set):
        return [jsonable(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        with contextlib.suppress(ValueError, AttributeError):
            v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is not None and not isinstance(v, str | int | float | bool):
        try:
            if v != v:  # NaT / NA
                return None
        except (TypeError, ValueError):
            pass
        return v.isoformat() if hasattr(v, "isoformat") else str(v)
    return v


def _text(v: str | None) -> str | None:
    return clean_text(v, name="text", max_len=2000)


class QueueItemOut(BaseModel):
    uid_l: int
    uid_r: int
    probability: float
    cross_list: bool
    score: float
    together: bool
    source_l: str
    source_r: str


class QueueOut(BaseModel):
    total: int
    items: list[QueueItemOut]


@router.get("/pairs", response_model=QueueOut, responses=ERRORS, openapi_extra=route_extra("reviewer"))
def api_queue(request: Request, sess=role("reviewer"),  # noqa: B008
              limit: Annotated[int, Query(ge=0, le=500)] = 20,
              offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
              lease: bool = False) -> QueueOut:
    """Undecided uncertain pairs in review order (see docs/review.md for the rule).

    With ``lease=true`` the first pair returned is kept out of other reviewers' queues for a while.
    """
    c = ctx(request)
    items, total = c.queue.items(sess.username, limit=limit, offset=offset)
    if lease and items:
        c.queue.lease(items[0].key, sess.username)
    return QueueOut(total=total, items=[QueueItemOut(**it.__dict__) for it in items])


@router.get("/pairs/{uid_a}/{uid_b}", responses=ERRORS, openapi_extra=route_extra("viewer"))
def api_pair(request: Request, uid_a: Annotated[int, Path(ge=0, le=MAX_ID)],
             uid_b: Annotated[int, Path(ge=0, le=MAX_ID)], sess=role("viewer")) -> dict[str, Any]:  # noqa: B008
    """Both records (names as written, in the other script, as keys), their differences, the
    pair's decision version and history."""
    if uid_a == uid_b:
        raise HTTPException(status_code=404, detail="a pair needs two different records")
    a, b = ordered(uid_a, uid_b)
    out: dict[str, Any] = jsonable(pair_context(ctx(request), a, b))
    return out


class DecisionIn(BaseModel):
    uid_l: int = Field(ge=0, le=MAX_ID)
    uid_r: int = Field(ge=0, le=MAX_ID)
    decision: Literal["match", "non_match", "unsure"]
    version: int = Field(ge=0, le=10**9, description="The pair's version when it was loaded (0: undecided).")
    note: str | None = Field(default=None, max_length=2000)
    overrides_label_id: int | None = Field(default=None, ge=0, le=MAX_ID)

    @field_validator("note")
    @classmethod
    def _note(cls, v: str | None) -> str | None:
        return _text(v)


class DecisionOut(BaseModel):
    label_id: int
    version: int
    clusters_changed: list[str]


@router.post("/decisions", status_code=201, response_model=DecisionOut, responses=ERRORS,
             openapi_extra=route_extra("reviewer"))
def api_decide(request: Request, body: DecisionIn, sess=role("reviewer")) -> Response:  # noqa: B008
    """Store a decision; 409 (with the decisions you did not see) if the pair moved on since
    ``version``; send again with the new version to override (both decisions stay)."""
    c = ctx(request)
    try:
        out = decide_pair(c.store, body.uid_l, body.uid_r, body.decision, sess.username,
                          seen_version=body.version, note=body.note,
                          overrides_label_id=body.overrides_label_id)
    except PairConflict as exc:
        return JSONResponse({"error": {"status": 409, "message": str(exc),
                                       "current_version": exc.current_version,
                                       "newer": jsonable(exc.newer)}}, status_code=409)
    return JSONResponse({"label_id": out.label_ids[0], "version": out.version,
                         "clusters_changed": list(out.clusters_changed)}, status_code=201)


@router.get("/people", responses=ERRORS, openapi_extra=route_extra("viewer"))
def api_people(request: Request, q: Annotated[str, Query(min_length=1, max_length=200)],
               sess=role("viewer"),  # noqa: B008
               limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """Records whose name matches ``q`` in any script (fold keys), with their person (cluster)."""
    text = clean_text(q, name="q", max_len=200) or ""
    rows = search_people(ctx(request), text, limit=limit) if text else []
    return {"query": text, "records": jsonable(rows)}


ClusterPath = Annotated[str, Path(pattern=CLUSTER_ID, max_length=100)]


@router.get("/clusters/{cluster_id}", responses=ERRORS, openapi_extra=route_extra("viewer"))
def api_cluster(request: Request, cluster_id: ClusterPath, sess=role("viewer")) -> dict[str, Any]:  # noqa: B008
    """A person: the records, their sources and provenance, links to other people, decisions."""
    out: dict[str, Any] = jsonable(cluster_context(ctx(request), cluster_id))
    return out


class SplitIn(BaseModel):
    move_out: list[int] = Field(min_length=1, max_length=1000)
    reason: str = Field(min_length=1, max_length=2000)

    @field_validator("move_out")
    @classmethod
    def _uids(cls, v: list[int]) -> list[int]:
        if any(not 0 <= u <= MAX_ID for u in v):
            raise ValueError("record uids must be in [0, 2^62]")
        return v

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        t = _text(v)
        if not t:
            raise ValueError("give a reason")
        return t


class EditOut(BaseModel):
    clusters_changed: list[str]
    n_labels: int


@router.post("/clusters/{cluster_id}/split", response_model=EditOut, responses=ERRORS,
             openapi_extra=route_extra("reviewer"))
def api_split(request: Request, cluster_id: ClusterPath, body: SplitIn,
              sess=role("reviewer")) -> EditOut:  # noqa: B008
    """Move records out of a person into one of their own (stored as labels, audited)."""
    c = ctx(request)
    out = split_cluster(c.store, cluster_id, body.move_out, sess.username, body.reason,
                        max_records=c.settings.max_cluster_edit)
    return EditOut(clusters_changed=list(out.clusters_changed), n_labels=len(out.label_ids))


class MergeIn(BaseModel):
    cluster_a: str = Field(pattern=CLUSTER_ID, max_length=100)
    cluster_b: str = Field(pattern=CLUSTER_ID, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        t = _text(v)
        if not t:
            raise ValueError("give a reason")
        return t


@router.post("/clusters/merge", response_model=EditOut, responses=ERRORS,
             openapi_extra=route_extra("reviewer"))
def api_merge(request: Request, body: MergeIn, sess=role("reviewer")) -> EditOut:  # noqa: B008
    """Merge two people into one (stored as match labels, audited)."""
    c = ctx(request)
    if not cluster_members(c.store, body.cluster_a) or not cluster_members(c.store, body.cluster_b):
        raise HTTPException(status_code=404, detail="no such person (cluster) in the current linkage")
    out = merge_clusters(c.store, body.cluster_a, body.cluster_b, sess.username, body.reason,
                         max_records=c.settings.max_cluster_edit)
    return EditOut(clusters_changed=list(out.clusters_changed), n_labels=len(out.label_ids))


@router.get("/estimate", responses=ERRORS, openapi_extra=route_extra("viewer"))
def api_estimate(request: Request, sess=role("viewer")) -> dict[str, Any]:  # noqa: B008
    """Current counts (records, persons, decisions) and the stored estimates by method and stratum."""
    c = ctx(request)
    summ = estimate_summary(c)
    rows = summ["rows"]
    return jsonable({**current_counts(c), "estimate_run_id": summ["run_id"],
                     "headline": summ["headline"],
                     "rows": [] if rows.empty else rows.to_dict(orient="records")})


@router.post("/estimate", responses=ERRORS, openapi_extra=route_extra("admin"))
def api_re_estimate(request: Request, sess=role("admin")) -> dict[str, Any]:  # noqa: B008
    """Re-estimate from the current clusters with the fast method and save it (admins)."""
    ids = run_estimate(ctx(request), sess.username)
    return {"estimate_runs": ids}


@router.get("/openapi.json", include_in_schema=False, openapi_extra=route_extra("viewer"))
def api_schema(request: Request, sess=role("viewer")) -> dict[str, Any]:  # noqa: B008
    """The OpenAPI schema of ``/api/`` (logged-in users only)."""
    schema: dict[str, Any] = request.app.openapi()
    return schema
