"""Every route refuses anonymous users and users of a lesser role (enumerated from the app)."""

from __future__ import annotations

import re

import pytest

from tests.review.client import ASGIClient
from tests.review.conftest import login
from uncounted.review.app import iter_routes
from uncounted.review.auth import ROLE_RANK, ROLES
from uncounted.review.web import PUBLIC

#: Routes anyone may reach (login itself, and static files); this list is checked to be exact.
EXPECTED_PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/login/totp"),
                   ("POST", "/login/totp"), ("POST", "/api/session")}
SAMPLE = {"uid_a": "1", "uid_b": "2", "cluster_id": "c1", "username": "vic", "action": "disable"}


def routes(app):
    out = []
    for r in iter_routes(app.routes):
        methods = getattr(r, "methods", None)
        if methods is None:  # the /static mount
            continue
        extra = getattr(r, "openapi_extra", None) or {}
        for m in sorted(methods - {"HEAD", "OPTIONS"}):
            out.append((m, r.path, extra.get("x-role")))
    return out


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], path)


def test_every_route_declares_a_role(app):
    rs = routes(app)
    assert len(rs) >= 25
    missing = [(m, p) for m, p, role in rs if role not in (*ROLES, PUBLIC)]
    assert missing == []
    assert {(m, p) for m, p, role in rs if role == PUBLIC} == EXPECTED_PUBLIC


def _refused_anonymous(r, path: str) -> bool:
    if path.startswith("/api/"):
        return r.status_code == 401 and r.json()["error"]["status"] == 401
    if r.status_code == 303:
        return r.headers["location"].startswith("/login")
    return r.status_code in (401, 403)


def test_anonymous_is_refused_everywhere(app, review_project):
    n_before = review_project.store.scalar("SELECT count(*) FROM audit_log")
    with ASGIClient(app) as c:
        for method, path, role in routes(app):
            if role == PUBLIC:
                continue
            url = concrete(path)
            kw = {"json": {}} if path.startswith("/api/") and method == "POST" else {}
            r = c.request(method, url, follow_redirects=False, **kw)
            assert _refused_anonymous(r, path), (method, url, r.status_code, r.text[:200])
    assert review_project.store.scalar("SELECT count(*) FROM audit_log") == n_before


@pytest.mark.parametrize("user", ["vic", "rev"])
def test_lesser_roles_are_refused(app, review_project, user):
    """Each route needing more than the user's role answers 403, even with a valid CSRF token."""
    n_labels = review_project.store.scalar("SELECT count(*) FROM pair_labels")
    with ASGIClient(app) as c:
        token = login(c, user)
        mine = ROLE_RANK[{"vic": "viewer", "rev": "reviewer"}[user]]
        checked = 0
        for method, path, role in routes(app):
            if role == PUBLIC or ROLE_RANK[role] <= mine:
                continue
            url = concrete(path)
            if path.startswith("/api/"):
                kw = {"json": {}, "headers": {"x-csrf-token": token}} if method == "POST" else {}
            else:
                kw = {"data": {"csrf_token": token}} if method == "POST" else {}
            r = c.request(method, url, follow_redirects=False, **kw)
            assert r.status_code == 403, (user, method, url, r.status_code, r.text[:200])
            checked += 1
        assert checked >= (3 if user == "rev" else 12)
    assert review_project.store.scalar("SELECT count(*) FROM pair_labels") == n_labels


def test_allowed_roles_get_through(app):
    """The converse, so the refusals above are not an app that refuses everyone."""
    with ASGIClient(app) as c:
        login(c, "ada")
        for method, path, _role in routes(app):
            if method != "GET" or "{" in path:
                continue
            r = c.get(path + ("?q=ivanov" if path == "/api/people" else ""), follow_redirects=False)
            assert r.status_code in (200, 303), (path, r.status_code)
