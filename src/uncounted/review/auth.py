"""Accounts, passwords, lockout, TOTP and server-side sessions of the review app.

Why these choices
-----------------
* Passwords are hashed with Argon2id (RFC 9106), the memory-hard winner of the Password Hashing
  Competition; a hash is rehashed at the next login when the cost settings change.
* A login for an unknown user still verifies a dummy hash, so response time does not tell
  which accounts exist.  After ``max_failed_logins`` failures in a row the account is locked
  for ``lockout_minutes`` (OWASP Authentication Cheat Sheet).
* Sessions are server-side: the cookie holds 256 random bits; the database holds only their
  SHA-256, with an idle and an absolute expiry, so logout and ``user disable`` end a session at
  once and a copy of the database cannot be replayed as a cookie.
* The optional second factor is TOTP (RFC 6238), accepting one step of clock drift.

Every change to an account (add, disable, enable, password, TOTP, lockout) appends to the audit
log in the same transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from uncounted.exceptions import AuthError, InputError
from uncounted.review.settings import ReviewSettings
from uncounted.store import Store, now

log = logging.getLogger(__name__)

Role = Literal["viewer", "reviewer", "admin"]
ROLES: tuple[str, ...] = ("viewer", "reviewer", "admin")
#: What each role may do includes everything of the roles before it.
ROLE_RANK = {r: i for i, r in enumerate(ROLES)}
MIN_PASSWORD = 10
_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def hasher(settings: ReviewSettings | None = None) -> PasswordHasher:
    s = settings or ReviewSettings()
    return PasswordHasher(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib,
                          parallelism=1)


def check_username(name: str) -> str:
    n = (name or "").strip().lower()
    if not (1 <= len(n) <= 64) or not set(n) <= _NAME_OK:
        raise InputError(f"user name {name!r} is not allowed: use 1-64 letters a-z, digits, '.', "
                         "'_' or '-'")
    return n


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    return role


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters "
                         f"(got {len(password or '')}); a passphrase of several words is best")


# -- users ------------------------------------------------------------------------------------
def add_user(store: Store, name: str, role: str, password: str, *, actor: str = "cli",
             settings: ReviewSettings | None = None) -> str:
    """Create an account (one transaction with its audit entry); return the normalised name.

    Raises
    ------
    InputError
        Bad name, role or password, or the user exists.
    """
    name = check_username(name)
    check_role(role)
    check_password(password)
    digest = hasher(settings).hash(password)
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM users WHERE username = ?", [name]).fetchone():
            raise InputError(f"user {name!r} already exists; use `uncounted user list`")
        con.execute("INSERT INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                    [name, role, digest, now()])
        store.audit("user.add", f"user:{name}", {"role": role}, actor=actor)
    return name


def list_users(store: Store) -> list[dict[str, Any]]:
    df = store.query_df(
        "SELECT username, role, disabled, totp_secret IS NOT NULL AS totp, failed_logins, "
        "locked_until, created_at, last_login_at FROM users ORDER BY username")
    return [{k: (None if v is None or (isinstance(v, float) and v != v) else v)
             for k, v in r.items()} for r in df.to_dict(orient="records")]


def set_disabled(store: Store, name: str, disabled: bool, *, actor: str = "cli") -> None:
    """Disable (or enable) an account; disabling also ends its sessions."""
    name = check_username(name)
    with store.transaction() as con:
        if not con.execute("SELECT 1 FROM users WHERE username = ?", [name]).fetchone():
            raise InputError(f"no user {name!r}")
        con.execute("UPDATE users SET disabled = ? WHERE username = ?", [disabled, name])
        if disabled:
            con.execute("UPDATE sessions SET revoked = TRUE WHERE username = ?", [name])
        store.audit("user.disable" if disabled else "user.enable", f"user:{name}", {}, actor=actor)


def set_password(store: Store, name: str, password: str, *, actor: str = "cli",
                 settings: ReviewSettings | None = None) -> None:
    name = check_username(name)
    check_password(password)
    digest = hasher(settings).hash(password)
    with store.transaction() as con:
        if not con.execute("SELECT 1 FROM users WHERE username = ?", [name]).fetchone():
            raise InputError(f"no user {name!r}")
        con.execute("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL "
                    "WHERE username = ?", [digest, name])
        con.execute("UPDATE sessions SET revoked = TRUE WHERE username = ?", [name])
        store.audit("user.password", f"user:{name}", {}, actor=actor)


def set_totp(store: Store, name: str, secret: str | None, *, actor: str = "cli") -> None:
    """Turn the second factor on (``secret``, base32) or off (None)."""
    name = check_username(name)
    if secret is not None:
        try:
            pyotp.TOTP(secret).now()
        except Exception as exc:  # binascii.Error / ValueError from a bad base32 secret
            raise InputError("the TOTP secret must be base32 text") from exc
    with store.transaction() as con:
        if not con.execute("SELECT 1 FROM users WHERE username = ?", [name]).fetchone():
            raise InputError(f"no user {name!r}")
        con.execute("UPDATE users SET totp_secret = ?, totp_enabled_at = ? WHERE username = ?",
                    [secret, now() if secret else None, name])
        store.audit("user.totp", f"user:{name}", {"enabled": secret is not None}, actor=actor)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_ok(secret: str, code: str) -> bool:
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    return bool(pyotp.TOTP(secret).verify(code, valid_window=1))


# -- login ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoginResult:
    username: str
    role: str
    totp_required: bool


_DUMMY: dict[tuple[int, int], str] = {}


def _dummy_hash(ph: PasswordHasher) -> str:
    key = (ph.time_cost, ph.memory_cost)
    if key not in _DUMMY:
        _DUMMY[key] = ph.hash(secrets.token_urlsafe(16))
    return _DUMMY[key]


def authenticate(store: Store, name: str, password: str, *,
                 settings: ReviewSettings | None = None) -> LoginResult:
    """Check a password, applying lockout; audit failures and lockouts.

    Raises
    ------
    AuthError
        With one message for every failure ("wrong user name or password"), except a locked or
        disabled account, which says so (the user must learn to ask an admin).
    """
    s = settings or ReviewSettings()
    ph = hasher(s)
    try:
        uname = check_username(name)
        (password or "").encode("utf-8")
    except (InputError, UnicodeEncodeError):
        uname, password = "", ""
    row = None
    if uname:
        rows = store.query_df("SELECT username, role, password_hash, totp_secret, failed_logins, "
                              "locked_until, disabled FROM users WHERE username = ?", [uname])
        row = None if rows.empty else rows.iloc[0].to_dict()
    if row is None:
        with contextlib.suppress(VerificationError):
            ph.verify(_dummy_hash(ph), password or "")
        with store.transaction():
            store.audit("auth.login_failed", f"user:{uname or '?'}", {"reason": "unknown user"},
                        actor=uname or "anonymous")
        raise AuthError("wrong user name or password")
    t = now()
    locked = row["locked_until"]
    if locked is not None and not _isnull(locked) and locked > t:
        raise AuthError("this account is locked after repeated failed logins; try again later "
                        "or ask an admin")
    try:
        ph.verify(row["password_hash"], password or "")
        ok = True
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or bool(row["disabled"]):
        record_failure(store, uname, "disabled" if ok else "password", settings=s)
        if ok:
            raise AuthError("this account is disabled; ask an admin")
        raise AuthError("wrong user name or password")
    new_hash = ph.hash(password) if ph.check_needs_rehash(row["password_hash"]) else None
    with store.transaction() as con:
        con.execute("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ?, "
                    "password_hash = coalesce(?, password_hash) WHERE username = ?", [t, new_hash, uname])
    return LoginResult(uname, str(row["role"]), totp_required=row["totp_secret"] is not None
                       and not _isnull(row["totp_secret"]))


def record_failure(store: Store, username: str, reason: str, *,
                   settings: ReviewSettings | None = None) -> bool:
    """Count one failed login (password or TOTP code); lock the account at the limit.

    Returns True when this failure locked the account.
    """
    s = settings or ReviewSettings()
    t = now()
    with store.transaction() as con:
        row = con.execute("SELECT failed_logins FROM users WHERE username = ?", [username]).fetchone()
        if row is None:
            return False
        fails = int(row[0] or 0) + 1
        lock = t + timedelta(minutes=s.lockout_minutes) if fails >= s.max_failed_logins else None
        con.execute("UPDATE users SET failed_logins = ?, locked_until = coalesce(?, locked_until) "
                    "WHERE username = ?", [0 if lock else fails, lock, username])
        store.audit("auth.login_failed", f"user:{username}", {"reason": reason, "failures": fails},
                    actor=username)
        if lock is not None:
            con.execute("UPDATE sessions SET revoked = TRUE WHERE username = ? AND totp_pending", [username])
            store.audit("user.lock", f"user:{username}", {"until": lock.isoformat()}, actor="system")
    return lock is not None


def is_locked(store: Store, username: str) -> bool:
    v = store.scalar("SELECT locked_until FROM users WHERE username = ?", [username])
    return v is not None and not _isnull(v) and v > now()


def totp_secret_of(store: Store, username: str) -> str | None:
    v = store.scalar("SELECT totp_secret FROM users WHERE username = ?", [username])
    return None if v is None or _isnull(v) else str(v)


def _isnull(v: Any) -> bool:
    try:
        return bool(v != v)  # NaN / NaT
    except (TypeError, ValueError):
        return False


# -- sessions ---------------------------------------------------------------------------------
def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Session:
    """A live session (``token_sha256`` identifies it; the token itself only lives in the cookie)."""

    token_sha256: str
    username: str
    role: str
    csrf_token: str
    created_at: datetime
    last_seen: datetime
    expires_at: datetime
    totp_pending: bool = False
    history: tuple[str, ...] = field(default=(), compare=False)


class SessionStore:
    """Sessions in the ``sessions`` table with an in-process cache.

    The cache spares a database write per request: ``last_seen`` is written at most once a
    minute, which is precise enough for a 30-minute idle limit.
    """

    def __init__(self, store: Store, settings: ReviewSettings) -> None:
        self.store = store
        self.settings = settings
        self._cache: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, username: str, role: str, *, totp_pending: bool, user_agent: str = "") -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        t = now()
        sess = Session(_sha(token), username, role, secrets.token_urlsafe(32), t, t,
                       t + timedelta(hours=self.settings.session_max_hours), totp_pending)
        with self.store.transaction() as con:
            con.execute("INSERT INTO sessions (token_sha256, username, csrf_token, created_at, last_seen, "
                        "expires_at, totp_pending, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [sess.token_sha256, username, sess.csrf_token, t, t, sess.expires_at,
                         totp_pending, user_agent[:200]])
            if not totp_pending:
                self.store.audit("auth.login", f"user:{username}", {}, actor=username)
        with self._lock:
            self._cache[sess.token_sha256] = sess
        return token, sess

    def get(self, token: str | None) -> Session | None:
        """The valid session for a cookie value, or None (expired, revoked, user disabled)."""
        if not token or len(token) > 200:
            return None
        key = _sha(token)
        t = now()
        with self._lock:
            sess = self._cache.get(key)
        if sess is None:
            df = self.store.query_df(
                "SELECT s.token_sha256, s.username, u.role, s.csrf_token, s.created_at, s.last_seen, "
                "s.expires_at, s.totp_pending FROM sessions s JOIN users u USING (username) "
                "WHERE s.token_sha256 = ? AND NOT s.revoked AND NOT u.disabled", [key])
            if df.empty:
                return None
            r = df.iloc[0]
            sess = Session(str(r.token_sha256), str(r.username), str(r.role), str(r.csrf_token),
                           r.created_at.to_pydatetime(), r.last_seen.to_pydatetime(),
                           r.expires_at.to_pydatetime(), bool(r.totp_pending))
        idle = timedelta(minutes=self.settings.session_idle_minutes)
        if t >= sess.expires_at or t - sess.last_seen >= idle:
            self.revoke(key, reason="expired")
            return None
        if t - sess.last_seen >= timedelta(seconds=60):
            with self.store.transaction() as con:
                con.execute("UPDATE sessions SET last_seen = ? WHERE token_sha256 = ?", [t, key])
            sess = replace(sess, last_seen=t)
        with self._lock:
            self._cache[key] = sess
        return sess

    def complete_totp(self, sess: Session) -> Session:
        new = replace(sess, totp_pending=False)
        with self.store.transaction() as con:
            con.execute("UPDATE sessions SET totp_pending = FALSE WHERE token_sha256 = ?",
                        [sess.token_sha256])
            self.store.audit("auth.login", f"user:{sess.username}", {"totp": True}, actor=sess.username)
        with self._lock:
            self._cache[sess.token_sha256] = new
        return new

    def remember(self, sess: Session, pair: str) -> Session:
        """Append a visited pair to the session's browsing history (in memory only; for k)."""
        hist = tuple(h for h in sess.history if h != pair)[-49:] + (pair,)
        new = replace(sess, history=hist)
        with self._lock:
            if sess.token_sha256 in self._cache:
                self._cache[sess.token_sha256] = new
        return new

    def revoke(self, key: str, *, reason: str = "logout", actor: str | None = None) -> None:
        with self._lock:
            sess = self._cache.pop(key, None)
        with self.store.transaction() as con:
            con.execute("UPDATE sessions SET revoked = TRUE WHERE token_sha256 = ?", [key])
            if reason == "logout" and sess is not None:
                self.store.audit("auth.logout", f"user:{sess.username}", {}, actor=actor or sess.username)

    def revoke_user(self, username: str) -> None:
        """Drop cached sessions of a user (after disable or password change)."""
        with self._lock:
            for k in [k for k, s in self._cache.items() if s.username == username]:
                del self._cache[k]


def purge_sessions(store: Store, *, keep_days: int = 7) -> int:
    """Delete sessions that ended (expired or revoked) more than ``keep_days`` ago."""
    cutoff = now() - timedelta(days=keep_days)
    with store.transaction() as con:
        row = con.execute("SELECT count(*) FROM sessions WHERE expires_at < ? OR (revoked AND last_seen < ?)",
                          [cutoff, cutoff]).fetchone()
        con.execute("DELETE FROM sessions WHERE expires_at < ? OR (revoked AND last_seen < ?)", [cutoff, cutoff])
    return int(row[0]) if row else 0


class LoginThrottle:
    """Failed logins per client address in a sliding window (in memory).

    Account lockout alone does not stop one address trying one password on many accounts
    ("password spraying", OWASP); this refuses an address after ``limit`` failures within
    ``window`` seconds, whatever the accounts.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, addr: str, t: float) -> list[float]:
        xs = [x for x in self._fails.get(addr, []) if t - x < self.window]
        if xs:
            self._fails[addr] = xs
        else:
            self._fails.pop(addr, None)
        return xs

    def blocked(self, addr: str) -> bool:
        import time

        with self._lock:
            return len(self._recent(addr, time.monotonic())) >= self.limit

    def failed(self, addr: str) -> None:
        import time

        t = time.monotonic()
        with self._lock:
            self._fails[addr] = [*self._recent(addr, t), t]


def require_role(sess: Session | None, role: str) -> Session:
    """The session if its user has at least ``role``; raises :class:`AuthError` otherwise."""
    if sess is None or sess.totp_pending:
        raise AuthError("log in first")
    if ROLE_RANK.get(sess.role, -1) < ROLE_RANK[role]:
        raise AuthError(f"this needs the {role} role; you are {sess.role}")
    return sess
