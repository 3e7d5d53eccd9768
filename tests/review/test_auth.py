"""Accounts, login, lockout, sessions that expire, TOTP, CSRF; every user change audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from typer.testing import CliRunner

from tests.review.conftest import FAST, PASSWORD, login
from uncounted.exceptions import AuthError, InputError
from uncounted.review import auth
from uncounted.review.web import COOKIE


def audit_actions(store, obj: str) -> list[str]:
    return store.query_df("SELECT action FROM audit_log WHERE object = ? ORDER BY seq", [obj])["action"].tolist()


def test_add_list_disable_are_audited(review_project):
    st = review_project.store
    auth.add_user(st, "Nina", "reviewer", "a long passphrase", actor="ada", settings=FAST)
    users = {u["username"]: u for u in auth.list_users(st)}
    assert users["nina"]["role"] == "reviewer"
    h = st.scalar("SELECT password_hash FROM users WHERE username = 'nina'")
    assert h.startswith("$argon2id$") and "a long passphrase" not in h
    with pytest.raises(InputError):
        auth.add_user(st, "nina", "viewer", "another long one", settings=FAST)
    with pytest.raises(InputError):
        auth.add_user(st, "bob", "superuser", "a long passphrase", settings=FAST)
    with pytest.raises(InputError):
        auth.add_user(st, "bob", "viewer", "short", settings=FAST)
    auth.set_disabled(st, "nina", True, actor="ada")
    assert audit_actions(st, "user:nina") == ["user.add", "user.disable"]
    with pytest.raises(AuthError, match="disabled"):
        auth.authenticate(st, "nina", "a long passphrase", settings=FAST)


def test_lockout_after_repeated_failures(review_project):
    st = review_project.store
    for _ in range(FAST.max_failed_logins):
        with pytest.raises(AuthError, match="wrong user name or password"):
            auth.authenticate(st, "rev", "not the password", settings=FAST)
    # now even the right password is refused
    with pytest.raises(AuthError, match="locked"):
        auth.authenticate(st, "rev", PASSWORD, settings=FAST)
    assert "user.lock" in audit_actions(st, "user:rev")
    # an unknown user gets the same message as a wrong password
    with pytest.raises(AuthError, match="wrong user name or password"):
        auth.authenticate(st, "nobody", PASSWORD, settings=FAST)


def test_login_logout_and_session_cookie(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    page = client.get("/login")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m is not None
    r = client.post("/login", data={"username": "vic", "password": PASSWORD, "csrf_token": m.group(1)},
                    follow_redirects=False)
    assert r.status_code == 303
    sess_cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(COOKIE + "="))
    assert "HttpOnly" in sess_cookie and "samesite=strict" in sess_cookie.lower()
    r = client.get("/")
    assert r.status_code == 200 and "vic (viewer)" in r.text
    r = client.post("/logout", data={"csrf_token": auth_token(client)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def auth_token(client) -> str:
    from tests.review.conftest import api_csrf

    return api_csrf(client)


def test_login_form_needs_its_csrf_token(client):
    client.get("/login")
    r = client.post("/login", data={"username": "vic", "password": PASSWORD, "csrf_token": "forged"},
                    follow_redirects=False)
    assert r.status_code == 400
    assert client.get("/", follow_redirects=False).status_code == 303


def test_post_without_csrf_is_refused(client, review_project):
    login(client, "rev")
    r = client.post("/pairs/1/2", data={"decision": "match", "version": "0"})
    assert r.status_code == 403
    r = client.post("/api/decisions", json={"uid_l": 1, "uid_r": 2, "decision": "match", "version": 0})
    assert r.status_code == 403 and r.json()["error"]["status"] == 403
    assert review_project.store.scalar("SELECT count(*) FROM pair_labels") == 0


def test_sessions_expire_idle_and_absolute(review_project, monkeypatch):
    st = review_project.store
    sessions = auth.SessionStore(st, FAST)
    token, sess = sessions.create("vic", "viewer", totp_pending=False)
    assert sessions.get(token) is not None
    t0 = auth.now()
    monkeypatch.setattr(auth, "now", lambda: t0 + timedelta(minutes=FAST.session_idle_minutes + 1))
    assert sessions.get(token) is None
    # revoked in the database too: a fresh cache does not bring it back
    monkeypatch.setattr(auth, "now", lambda: t0)
    assert auth.SessionStore(st, FAST).get(token) is None
    token2, _ = sessions.create("vic", "viewer", totp_pending=False)
    t = t0
    for _ in range(FAST.session_max_hours * 3 + 1):  # active every 20 minutes, past the absolute limit
        t = t + timedelta(minutes=20)
        monkeypatch.setattr(auth, "now", lambda t=t: t)
        if sessions.get(token2) is None:
            break
    assert t - t0 >= timedelta(hours=FAST.session_max_hours)
    assert t - t0 <= timedelta(hours=FAST.session_max_hours, minutes=20)
    assert st.scalar("SELECT count(*) FROM sessions WHERE token_sha256 = ?", [auth._sha(token)]) == 1
    assert st.scalar("SELECT count(*) FROM sessions WHERE token_sha256 = ?", [token]) == 0  # no raw token


def test_disabling_a_user_ends_their_session(client, review_project):
    c_admin = client
    login(c_admin, "ada")
    from tests.review.client import ASGIClient

    with ASGIClient(client.client._transport.app) as other:
        login(other, "rita")
        assert other.get("/queue").status_code == 200
        r = c_admin.post("/admin/users/rita/disable", data={"csrf_token": auth_token(c_admin)})
        assert r.status_code == 200
        assert other.get("/queue", follow_redirects=False).status_code == 303
    assert audit_actions(review_project.store, "user:rita")[-1] == "user.disable"


def test_totp_second_factor(client, review_project):
    st = review_project.store
    secret = pyotp.random_base32()
    auth.set_totp(st, "rev", secret, actor="rev")
    page = client.get("/login")
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "rev", "password": PASSWORD, "csrf_token": tok},
                    follow_redirects=False)
    assert r.headers["location"].startswith("/login/totp")
    # half-logged-in: no page yet, only the code form
    half = client.get("/queue", follow_redirects=False)
    assert half.status_code == 303 and half.headers["location"].startswith("/login/totp")
    assert client.get("/api/pairs").status_code == 401
    form = client.get("/login/totp")
    ptok = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    bad = client.post("/login/totp", data={"code": "000000", "csrf_token": ptok})
    assert bad.status_code == 401
    ok = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": ptok})
    assert ok.status_code == 200
    assert client.get("/queue").status_code == 200
    assert "user.totp" in audit_actions(st, "user:rev")


def test_api_login_and_totp(client, review_project):
    r = client.post("/api/session", json={"username": "rev", "password": "wrong password!"})
    assert r.status_code == 401 and r.json() == {"error": {"status": 401, "message": "wrong user name or password"}}
    r = client.post("/api/session", json={"username": "rev", "password": PASSWORD})
    assert r.status_code == 200 and r.json()["role"] == "reviewer"
    token = r.json()["csrf_token"]
    assert client.get("/api/pairs").status_code == 200
    assert client.post("/api/logout", headers={"x-csrf-token": token}).json() == {"ok": True}
    assert client.get("/api/pairs").status_code == 401


def test_cli_user_commands(review_project, tmp_path):
    from uncounted.cli.commands import cmd_user  # noqa: F401  (registers the commands)
    from uncounted.cli.main import app

    path = str(review_project.path)
    review_project.close()
    runner = CliRunner()
    r = runner.invoke(app, ["user", "add", "zoe", "--role", "reviewer", "--password-stdin", "-p", path],
                      input="zoe's long passphrase\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["user", "list", "--json", "-p", path])
    assert r.exit_code == 0 and '"zoe"' in r.output
    r = runner.invoke(app, ["user", "disable", "zoe", "-p", path])
    assert r.exit_code == 0
    from uncounted.project import Project

    with Project(path) as p:
        assert bool(p.store.scalar("SELECT disabled FROM users WHERE username = 'zoe'"))
        acts = p.store.query_df("SELECT action, actor FROM audit_log WHERE object = 'user:zoe' ORDER BY seq")
    assert acts["action"].tolist() == ["user.add", "user.disable"]


def test_password_spraying_from_one_address_is_throttled(client, review_project):
    from uncounted.review.settings import ReviewSettings

    limit = ReviewSettings().max_failed_logins_per_ip
    assert FAST.max_failed_logins_per_ip == limit
    for i in range(limit):
        r = client.post("/api/session", json={"username": f"guess{i}", "password": "Summer2022!"})
        assert r.status_code == 401
    r = client.post("/api/session", json={"username": "rev", "password": PASSWORD})
    assert r.status_code == 429 and r.json()["error"]["status"] == 429
    page = client.get("/login")
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "rev", "password": PASSWORD, "csrf_token": tok})
    assert r.status_code == 429
    # no account was locked by it: the accounts did not exist
    assert review_project.store.scalar("SELECT count(*) FROM users WHERE locked_until IS NOT NULL") == 0


def test_admin_adds_a_user_and_a_user_turns_on_totp_from_the_web(client, review_project):
    st = review_project.store
    token = login(client, "ada")
    r = client.post("/admin/users", data={"csrf_token": token, "username": "Olga", "role": "reviewer",
                                          "password": "olga's long passphrase"})
    assert r.status_code == 200 and "olga" in r.text
    acts = st.query_df("SELECT actor, action FROM audit_log WHERE object = 'user:olga'")
    assert acts.values.tolist() == [["ada", "user.add"]]
    client.post("/logout", data={"csrf_token": token})
    login(client, "olga", "olga's long passphrase")
    page = client.get("/account").text
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    token = auth_token(client)
    bad = client.post("/account/totp", data={"csrf_token": token, "action": "on", "secret": secret,
                                             "code": "123456"})
    assert bad.status_code == 400 and auth.totp_secret_of(st, "olga") is None
    ok = client.post("/account/totp", data={"csrf_token": token, "action": "on", "secret": secret,
                                            "code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 200 and "Second factor turned on" in ok.text
    assert auth.totp_secret_of(st, "olga") == secret
    assert st.query_df("SELECT actor, action FROM audit_log WHERE object = 'user:olga' ORDER BY seq")[
        "action"].tolist()[-1] == "user.totp"
