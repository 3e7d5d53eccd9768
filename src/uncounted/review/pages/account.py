"""Own account (TOTP on/off) and, for admins, the users page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from uncounted.exceptions import AuthError, InputError
from uncounted.review import csrf
from uncounted.review.auth import (
    add_user,
    list_users,
    new_totp_secret,
    set_disabled,
    set_totp,
    totp_ok,
    totp_secret_of,
)
from uncounted.review.web import MESSAGES, clean_text, ctx, render, role, route_extra

router = APIRouter()
UserName = Annotated[str, Path(pattern=r"^[a-z0-9._\-]{1,64}$")]


@router.get("/account", include_in_schema=False, openapi_extra=route_extra("viewer"))
def account_page(request: Request, sess=role("viewer"),  # noqa: B008
                 done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    import pyotp

    c = ctx(request)
    on = totp_secret_of(c.store, sess.username) is not None
    secret = new_totp_secret()
    uri = pyotp.TOTP(secret).provisioning_uri(name=sess.username, issuer_name="uncounted")
    return render(request, "account.html", totp_on=on, new_secret=secret, totp_uri=uri,
                  idle=c.settings.session_idle_minutes, message=MESSAGES.get(done or ""))


@router.post("/account/totp", include_in_schema=False, openapi_extra=route_extra("viewer"))
def account_totp(request: Request, sess=role("viewer"),  # noqa: B008
                 action: Annotated[str, Form(pattern="^(on|off)$")] = "on",
                 secret: Annotated[str, Form(max_length=64)] = "",
                 code: Annotated[str, Form(max_length=20)] = "",
                 csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    csrf.check(sess.csrf_token, csrf_token)
    c = ctx(request)
    if action == "on":
        if not secret or not secret.isalnum() or not totp_ok(secret.upper(), code):
            raise InputError("the code does not match the secret; check the device clock and try again")
        set_totp(c.store, sess.username, secret.upper(), actor=sess.username)
        return RedirectResponse("/account?done=totp_on", status_code=303)
    cur = totp_secret_of(c.store, sess.username)
    if cur is None or not totp_ok(cur, code):
        raise AuthError("wrong code: the second factor stays on")
    set_totp(c.store, sess.username, None, actor=sess.username)
    return RedirectResponse("/account?done=totp_off", status_code=303)


@router.get("/admin/users", include_in_schema=False, openapi_extra=route_extra("admin"))
def users_page(request: Request, sess=role("admin"),  # noqa: B008
               done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    return render(request, "users.html", users=list_users(ctx(request).store),
                  message=MESSAGES.get(done or ""))


@router.post("/admin/users", include_in_schema=False, openapi_extra=route_extra("admin"))
def users_add(request: Request, sess=role("admin"),  # noqa: B008
              username: Annotated[str, Form(max_length=64)] = "",
              role_name: Annotated[str, Form(alias="role", max_length=20)] = "viewer",
              password: Annotated[str, Form(max_length=1024)] = "",
              csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    csrf.check(sess.csrf_token, csrf_token)
    c = ctx(request)
    name = clean_text(username, name="username", max_len=64, required=True) or ""
    add_user(c.store, name, role_name, password, actor=sess.username, settings=c.settings)
    return RedirectResponse("/admin/users?done=user_added", status_code=303)


@router.post("/admin/users/{username}/{action}", include_in_schema=False,
             openapi_extra=route_extra("admin"))
def users_change(request: Request, username: UserName,
                 action: Annotated[str, Path(pattern="^(disable|enable)$")],
                 sess=role("admin"),  # noqa: B008
                 csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    csrf.check(sess.csrf_token, csrf_token)
    c = ctx(request)
    if username == sess.username:
        raise InputError("you cannot disable your own account here (ask another admin)")
    set_disabled(c.store, username, action == "disable", actor=sess.username)
    if action == "disable":
        c.sessions.revoke_user(username)
    return RedirectResponse("/admin/users?done=user_changed", status_code=303)
