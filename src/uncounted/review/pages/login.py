"""Log in (password, then TOTP when the account has it), log out; the same for the JSON API."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from uncounted.exceptions import AuthError
from uncounted.review import csrf
from uncounted.review.auth import (
    authenticate,
    is_locked,
    record_failure,
    totp_ok,
    totp_secret_of,
)
from uncounted.review.web import (
    COOKIE,
    PUBLIC,
    ctx,
    load_session,
    render,
    role,
    route_extra,
    safe_next,
)

router = APIRouter()
MAX_TOTP_TRIES = 5


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _set_session_cookie(request: Request, resp: Response, token: str) -> None:
    c = ctx(request)
    resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=c.settings.cookie_secure,
                    max_age=c.settings.session_max_hours * 3600, path="/")


def _login_page(request: Request, nxt: str, error: str | None = None, status: int = 200) -> Response:
    token = csrf.new_token()
    resp = render(request, "login.html", status=status, pre_token=token, next=safe_next(nxt), error=error)
    resp.set_cookie(csrf.PRE_COOKIE, token, httponly=True, samesite="strict",
                    secure=ctx(request).settings.cookie_secure, max_age=3600, path="/login")
    return resp


@router.get("/login", include_in_schema=False, openapi_extra=route_extra(PUBLIC))
def login_form(request: Request, next: str = "/") -> Response:
    if load_session(request) is not None and not request.state.session.totp_pending:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next)


@router.post("/login", include_in_schema=False, openapi_extra=route_extra(PUBLIC))
def login_submit(request: Request, username: Annotated[str, Form(max_length=200)] = "",
                 password: Annotated[str, Form(max_length=1024)] = "",
                 csrf_token: Annotated[str, Form(max_length=200)] = "",
                 next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    c = ctx(request)
    try:
        csrf.check(request.cookies.get(csrf.PRE_COOKIE), csrf_token)
    except AuthError:
        return _login_page(request, next, "The form expired; please log in again.", status=400)
    addr = _client(request)
    if c.throttle.blocked(addr):
        return _login_page(request, next, "too many failed logins from this address; wait and try again",
                           status=429)
    try:
        res = authenticate(c.store, username, password, settings=c.settings)
    except AuthError as exc:
        c.throttle.failed(addr)
        return _login_page(request, next, str(exc), status=401)
    token, _ = c.sessions.create(res.username, res.role, totp_pending=res.totp_required,
                                 user_agent=request.headers.get("user-agent", ""))
    target = (f"/login/totp?next={quote(safe_next(next), safe='/')}" if res.totp_required
              else safe_next(next))
    resp = RedirectResponse(target, status_code=303)
    _set_session_cookie(request, resp, token)
    resp.delete_cookie(csrf.PRE_COOKIE, path="/login")
    return resp


@router.get("/login/totp", include_in_schema=False, openapi_extra=route_extra(PUBLIC))
def totp_form(request: Request, next: str = "/") -> Response:
    sess = load_session(request)
    if sess is None:
        return RedirectResponse("/login", status_code=303)
    if not sess.totp_pending:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "totp.html", pending_csrf=sess.csrf_token, next=safe_next(next))


@router.post("/login/totp", include_in_schema=False, openapi_extra=route_extra(PUBLIC))
def totp_submit(request: Request, code: Annotated[str, Form(max_length=20)] = "",
                csrf_token: Annotated[str, Form(max_length=200)] = "",
                next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    c = ctx(request)
    sess = load_session(request)
    if sess is None or not sess.totp_pending:
        return RedirectResponse("/login", status_code=303)
    csrf.check(sess.csrf_token, csrf_token)
    secret = totp_secret_of(c.store, sess.username)
    if is_locked(c.store, sess.username) or secret is None:
        c.sessions.revoke(sess.token_sha256, reason="locked")
        return _login_page(request, next, "this account is locked after repeated failed logins; "
                                          "try again later or ask an admin", status=401)
    if not totp_ok(secret, code):
        if record_failure(c.store, sess.username, "totp", settings=c.settings):
            c.sessions.revoke(sess.token_sha256, reason="locked")
            return _login_page(request, next, "this account is locked after repeated failed logins",
                               status=401)
        return render(request, "totp.html", status=401, pending_csrf=sess.csrf_token, next=safe_next(next),
                      error="wrong code; check the clock of your device")
    c.sessions.complete_totp(sess)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False, openapi_extra=route_extra("viewer"))
def logout(request: Request, sess=role("viewer"),  # noqa: B008
           csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    csrf.check(sess.csrf_token, csrf_token)
    ctx(request).sessions.revoke(sess.token_sha256)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


class LoginIn(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)
    totp: str | None = Field(default=None, max_length=20)

    @field_validator("username", "password", "totp")
    @classmethod
    def _unicode(cls, v: str | None) -> str | None:
        if v is not None:
            v.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, a ValueError: 422
        return v


class SessionOut(BaseModel):
    username: str
    role: str
    csrf_token: str


@router.post("/api/session", response_model=SessionOut, openapi_extra=route_extra(PUBLIC),
             responses={401: {"description": "wrong credentials"},
                        429: {"description": "too many failed logins from this address"}})
def api_login(request: Request, body: LoginIn) -> Response:
    """Log in; the session cookie is set, and writes must send ``csrf_token`` as ``X-CSRF-Token``."""
    c = ctx(request)
    addr = _client(request)
    if c.throttle.blocked(addr):
        raise HTTPException(status_code=429, detail="too many failed logins from this address; wait")
    try:
        res = authenticate(c.store, body.username, body.password, settings=c.settings)
    except AuthError:
        c.throttle.failed(addr)
        raise
    if res.totp_required:
        secret = totp_secret_of(c.store, res.username)
        if secret is None or not totp_ok(secret, body.totp or ""):
            record_failure(c.store, res.username, "totp", settings=c.settings)
            raise AuthError("a valid TOTP code is required for this account")
    token, sess = c.sessions.create(res.username, res.role, totp_pending=False,
                                    user_agent=request.headers.get("user-agent", ""))
    resp = JSONResponse({"username": sess.username, "role": sess.role, "csrf_token": sess.csrf_token})
    _set_session_cookie(request, resp, token)
    return resp


@router.post("/api/logout", openapi_extra=route_extra("viewer"))
def api_logout(request: Request, sess=role("viewer")) -> dict[str, bool]:  # noqa: B008
    """End this session."""
    ctx(request).sessions.revoke(sess.token_sha256)
    return {"ok": True}
