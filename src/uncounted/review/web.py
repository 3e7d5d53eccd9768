"""Shared machinery of the pages: the app context, templates, roles and CSRF as dependencies."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import jinja2
from fastapi import Depends, Request
from starlette.responses import HTMLResponse

from uncounted.exceptions import InputError
from uncounted.review import csrf
from uncounted.review.auth import ROLE_RANK, LoginThrottle, Session, SessionStore, require_role
from uncounted.review.people import NameIndex
from uncounted.review.queue import ReviewQueue
from uncounted.review.settings import ReviewSettings

log = logging.getLogger(__name__)

COOKIE = "uncounted_session"
MAX_ID = 2**62
#: Roles as written on routes (``openapi_extra={"x-role": ...}``); "public" needs no login.
PUBLIC = "public"
#: Flash messages by code (a redirect carries the code, never free text).
MESSAGES = {"estimate": "Re-estimated: the estimate below is computed from the current clusters.",
            "split": "Split saved: the records moved out are a person of their own.",
            "merge": "Merged: the two are now one person.",
            "decided": "Decision saved.", "totp_on": "Second factor turned on.",
            "totp_off": "Second factor turned off.", "user_added": "User added.",
            "user_changed": "User changed."}


@dataclass
class ReviewContext:
    """Everything a request handler needs, created once per app."""

    project: Any
    settings: ReviewSettings
    sessions: SessionStore
    queue: ReviewQueue
    templates: jinja2.Environment
    names: NameIndex
    throttle: LoginThrottle
    estimate_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def store(self) -> Any:
        return self.project.store


def ctx(request: Request) -> ReviewContext:
    c: ReviewContext = request.app.state.review
    return c


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    c = ctx(request)
    sess: Session | None = getattr(request.state, "session", None)
    body = c.templates.get_template(template).render(
        request=request, session=sess, user=sess.username if sess else None,
        role=sess.role if sess else None, csrf_token=sess.csrf_token if sess else "",
        can_review=bool(sess and ROLE_RANK.get(sess.role, -1) >= ROLE_RANK["reviewer"]),
        is_admin=bool(sess and sess.role == "admin"), **values)
    return HTMLResponse(body, status_code=status)


def load_session(request: Request) -> Session | None:
    sess = ctx(request).sessions.get(request.cookies.get(COOKIE))
    request.state.session = sess
    return sess


def role(name: str) -> Any:
    """A dependency that admits users with at least role ``name`` and checks CSRF on writes."""

    def dep(request: Request) -> Session:
        sess = require_role(load_session(request), name)
        # forms are checked in the handler (the token is a form field); the API by header
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.url.path.startswith("/api/"):
            csrf.check(sess.csrf_token, request.headers.get(csrf.HEADER))
        return sess

    dep.__name__ = f"require_{name}"
    return Depends(dep)


def check_form_csrf(sess: Session, token: str | None) -> None:
    csrf.check(sess.csrf_token, token)


def route_extra(role_name: str) -> dict[str, Any]:
    return {"x-role": role_name}


def clean_text(value: str | None, *, name: str, max_len: int = 2000, required: bool = False) -> str | None:
    """Text from a request: must be valid Unicode (no lone surrogates or NUL) and not too long."""
    if value is None or value.strip() == "":
        if required:
            raise InputError(f"{name} is required")
        return None
    if len(value) > max_len:
        raise InputError(f"{name} may have at most {max_len} characters; got {len(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{name} is not valid text") from exc
    if "\x00" in value:
        raise InputError(f"{name} must not contain NUL characters")
    return value.strip()


def safe_next(target: str | None) -> str:
    """Only same-site paths ("/..." but not "//host") may be redirected to after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 32 for ch in target):
        return "/"
    return target

