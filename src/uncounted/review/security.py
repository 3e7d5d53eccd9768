"""Security headers and the one error shape of the review app.

Errors: pages get an HTML page, ``/api/...`` gets ``{"error": {"status": int, "message": str}}``.
No traceback ever reaches the browser: unexpected exceptions are logged with an id that the
error page shows, so a user can report it and an admin can find it in the log.

Headers (OWASP Secure Headers Project): a Content-Security-Policy that allows nothing from other
origins (every script, style and image is served by the app itself, nothing inline), framing
denied, no MIME sniffing, no referrer, and ``Cache-Control: no-store`` on everything but static
files, because pages show names of dead and wounded people.
"""

from __future__ import annotations

import html
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from uncounted.exceptions import AuthError, ConflictError, InputError, UncountedError

log = logging.getLogger(__name__)

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS: dict[str, str] = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]


class SecurityHeadersMiddleware:
    """Pure ASGI middleware adding :data:`HEADERS` (and no-store) to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode("latin-1").lower() not in HEADERS and k.lower() != b"server"]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def error_response(request: Request, status: int, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    """The single error shape: JSON under ``/api/``, an HTML page elsewhere."""
    hdrs = dict(HEADERS)
    hdrs["cache-control"] = "no-store"
    hdrs.update(headers or {})
    if wants_json(request):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status,
                            headers=hdrs)
    render = getattr(request.app.state, "render_error", None)
    if render is not None:
        try:
            body = render(request, status, message)
            return HTMLResponse(body, status_code=status, headers=hdrs)
        except Exception:  # a broken template must not turn an error into a traceback
            log.exception("error page failed to render")
    page = (f"<!doctype html><title>{status}</title><h1>{status}</h1>"
            f"<p>{html.escape(message)}</p><p><a href='/'>Home</a></p>")
    return HTMLResponse(page, status_code=status, headers=hdrs)


_STATUS_TEXT = {400: "Bad request", 401: "Log in first", 403: "Not allowed", 404: "Not found",
                405: "Method not allowed", 409: "Conflict", 413: "Too large", 415: "Unsupported type",
                422: "Invalid input", 429: "Too many requests"}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "form"))
        parts.append(f"{loc or 'input'}: {e.get('msg', 'invalid')}")
    return "invalid input: " + "; ".join(parts) if parts else "invalid input"


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to :func:`error_response`; 401 on a page redirects to the login."""

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else _STATUS_TEXT.get(exc.status_code, "error")
        return error_response(request, exc.status_code, detail, dict(exc.headers or {}))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, 422, _validation_message(exc))

    async def auth_error(request: Request, exc: Exception) -> Response:
        sess = getattr(request.state, "session", None)
        if sess is None or getattr(sess, "totp_pending", False):
            if not wants_json(request) and request.method == "GET":
                nxt = request.url.path if request.url.path.startswith("/") else "/"
                where = "/login/totp" if sess is not None else "/login"
                return RedirectResponse(f"{where}?next={quote(nxt, safe='/')}", status_code=303,
                                        headers=dict(HEADERS))
            return error_response(request, 401, str(exc))
        return error_response(request, 403, str(exc))

    async def conflict_error(request: Request, exc: Exception) -> Response:
        return error_response(request, 409, str(exc))

    async def input_error(request: Request, exc: Exception) -> Response:
        return error_response(request, 400, str(exc))

    async def server_error(request: Request, exc: Exception) -> Response:
        ref = secrets.token_hex(4)
        log.error("unexpected error %s on %s %s", ref, request.method, request.url.path, exc_info=exc)
        return error_response(request, 500, f"something went wrong on the server (error {ref}); "
                                            "nothing was saved by this request")

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(AuthError, auth_error)
    app.add_exception_handler(ConflictError, conflict_error)
    app.add_exception_handler(InputError, input_error)
    app.add_exception_handler(UncountedError, input_error)
    app.add_exception_handler(Exception, server_error)


def json_dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
