"""CSRF protection: a secret token bound to the server-side session.

Every state-changing request (POST) must carry the session's token, in the form field
``csrf_token`` (pages) or the ``X-CSRF-Token`` header (``/api/``).  A forged cross-site request
cannot read the token, so it cannot send it ("synchronizer token pattern", OWASP CSRF
Prevention Cheat Sheet).  The session cookie is also ``SameSite=Strict`` as a second layer.

Before login there is no session; the login form then uses a short-lived *pre-session* token
kept in its own cookie and compared with the form field (double submit), so that a third-party
site cannot log a victim into the attacker's account (login CSRF).
"""

from __future__ import annotations

import hmac
import secrets

from uncounted.exceptions import AuthError

FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
PRE_COOKIE = "uncounted_pre"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def check(expected: str | None, given: str | None) -> None:
    """Raise :class:`AuthError` unless ``given`` equals ``expected`` (constant time)."""
    if not expected or not given or len(given) > 200:
        raise AuthError("missing or invalid CSRF token: reload the page and try again")
    if not hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8")):
        raise AuthError("missing or invalid CSRF token: reload the page and try again")
