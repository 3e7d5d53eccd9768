"""``create_app(project_dir, settings=...)``: the review web app as an ASGI application.

The app holds one :class:`~uncounted.project.Project` (one DuckDB connection).  FastAPI runs the
synchronous handlers in a thread pool; every database access goes through the store's lock
(:meth:`uncounted.store.Store.transaction` and ``query_df``), so requests never share the
connection at the same moment, and each write is one transaction with its audit entry.

Pages live one per module in :mod:`uncounted.review.pages`; every route declares the least role
it needs (``openapi_extra={"x-role": ...}``), which the authorization tests enumerate.
"""

from __future__ import annotations

import logging
import threading
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from starlette.staticfiles import StaticFiles

from uncounted.review.auth import LoginThrottle, SessionStore, purge_sessions
from uncounted.review.decisions import warm_prepared
from uncounted.review.people import NameIndex
from uncounted.review.queue import ReviewQueue
from uncounted.review.security import SecurityHeadersMiddleware, install_error_handlers
from uncounted.review.settings import ReviewSettings
from uncounted.review.web import ReviewContext

log = logging.getLogger(__name__)

_TITLES = {400: "Bad request", 401: "Log in first", 403: "Not allowed", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 422: "Invalid input", 500: "Server error"}


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("uncounted.review", "templates"),
        autoescape=jinja2.select_autoescape(["html"]))
    return env


def _static_dir() -> str:
    return str(resources.files("uncounted.review") / "static")


def iter_routes(routes: Any) -> list[Any]:
    """Every route of an app or router, flattened through included routers.

    Newer FastAPI keeps an included router as one entry (with ``original_router``); older
    versions copy its routes.  Both are handled, so tests can enumerate every route.
    """
    out: list[Any] = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            out.extend(iter_routes(inner.routes))
        else:
            out.append(r)
    return out


def create_app(project_dir: str | Path | Any, *, settings: ReviewSettings | None = None) -> FastAPI:
    """Build the review app for one project.

    Parameters
    ----------
    project_dir:
        The project folder, or an open :class:`~uncounted.project.Project` (tests).
    settings:
        :class:`ReviewSettings` (defaults when None).
    """
    from uncounted.project import Project

    s = settings or ReviewSettings()
    project = project_dir if isinstance(project_dir, Project) else Project(project_dir)
    store = project.store
    env = _templates()
    context = ReviewContext(
        project=project, settings=s, sessions=SessionStore(store, s),
        queue=ReviewQueue(store, low=s.queue_low, high=s.queue_high, lease_seconds=s.lease_minutes * 60),
        templates=env, names=NameIndex(store),
        throttle=LoginThrottle(s.max_failed_logins_per_ip, s.lockout_minutes * 60.0))

    app = FastAPI(title="uncounted review API", version="1",
                  description="Decide uncertain record pairs, split and merge people, read the "
                              "estimate. Log in with POST /api/session; send the returned "
                              "csrf_token as X-CSRF-Token on writes.",
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.review = context

    def render_error(request: Request, status: int, message: str) -> str:
        sess = getattr(request.state, "session", None)
        return env.get_template("error.html").render(
            request=request, session=sess, user=getattr(sess, "username", None),
            role=getattr(sess, "role", None), csrf_token=getattr(sess, "csrf_token", ""),
            can_review=False, is_admin=False, status=status, title=_TITLES.get(status, "Error"),
            error_message=message)

    app.state.render_error = render_error
    install_error_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware)

    from uncounted.review.pages import account, api, dashboard, login, pairs, people

    for mod in (login, dashboard, pairs, people, account, api):
        app.include_router(mod.router)
    app.mount("/static", StaticFiles(directory=_static_dir()), name="static")

    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            routes = [r for r in iter_routes(app.routes) if getattr(r, "path", "").startswith("/api/")]
            app.openapi_schema = get_openapi(title=app.title, version=app.version,
                                             description=app.description, routes=routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    def warm() -> None:
        try:
            warm_prepared(store)
        except Exception:  # only a speed-up: a failure here must not stop the app
            log.exception("warming the prepared-record cache failed")

    purge_sessions(store)
    warmer = threading.Thread(target=warm, name="uncounted-review-warm", daemon=True)
    warmer.start()
    app.state.warm_thread = warmer  # joined by whoever closes the project under a running app
    log.info("review app for %s", project.path)
    return app
