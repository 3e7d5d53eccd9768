"""One error shape, no tracebacks, security headers, garbage input answered with 4xx."""

from __future__ import annotations

import json

import pytest

from tests.review.client import ASGIClient
from tests.review.conftest import login
from uncounted.review.security import CSP


def check_headers(r) -> None:
    h = r.headers
    assert h["content-security-policy"] == CSP
    assert "http" not in CSP and "'unsafe-inline'" not in CSP
    assert h["x-frame-options"] == "DENY"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    assert "server" not in h


def test_headers_on_pages_api_errors_and_static(client):
    for r in (client.get("/login"), client.get("/api/pairs"), client.get("/nope"),
              client.get("/static/app.js"), client.get("/", follow_redirects=False)):
        check_headers(r)
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_error_shapes(client):
    r = client.get("/api/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"error": {"status": 404, "message": "Not Found"}}
    login(client, "rev")
    r = client.get("/api/pairs?limit=abc")
    assert r.status_code == 422 and set(r.json()["error"]) >= {"status", "message"}
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"] and "404" in r.text
    r = client.get("/pairs/1/999999")
    assert r.status_code == 404 and "<html" in r.text


def test_no_traceback_reaches_the_browser(app, monkeypatch):
    from uncounted.review.pages import api, dashboard

    def boom(*a, **k):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(dashboard, "current_counts", boom)
    monkeypatch.setattr(api, "current_counts", boom)
    with ASGIClient(app) as c:
        login(c, "vic")
        r = c.get("/")
        assert r.status_code == 500
        assert "secret internals" not in r.text and "Traceback" not in r.text
        assert "something went wrong" in r.text
        check_headers(r)
        r = c.get("/api/estimate")
        assert r.status_code == 500 and r.json()["error"]["status"] == 500
        assert "secret" not in r.text


GARBAGE_JSON = [
    {}, [], "x", 1, None, {"uid_l": "a"}, {"uid_l": 1, "uid_r": 2, "decision": "maybe", "version": 0},
    {"uid_l": 2**70, "uid_r": 2, "decision": "match", "version": 0},
    {"uid_l": -1, "uid_r": 2, "decision": "match", "version": 0},
    {"uid_l": 1, "uid_r": 1, "decision": "match", "version": 0},
    {"uid_l": 1, "uid_r": 999999, "decision": "match", "version": 0},
    {"uid_l": 1, "uid_r": 2, "decision": "match", "version": 0, "note": "\ud800"},
    {"uid_l": 1, "uid_r": 2, "decision": "match", "version": 0, "note": "a\x00b"},
    {"uid_l": 1, "uid_r": 2, "decision": "match", "version": 0, "note": "x" * 5000},
    {"uid_l": 1, "uid_r": 2, "decision": "match", "version": -3},
    {"uid_l": 1.5, "uid_r": 2, "decision": "match", "version": 0},
    {"move_out": [], "reason": ""}, {"move_out": [2**63], "reason": "x"},
    {"cluster_a": "../etc", "cluster_b": "c1", "reason": "x"},
    {"cluster_a": "c1", "cluster_b": "c1", "reason": "x"},
    {"cluster_a": "c1", "cluster_b": "nope", "reason": "x"},
    {"username": "ada", "password": "\ud800"}, {"username": "\udfff", "password": "x"},
    {"username": "ada", "password": "x", "totp": "\ud800"},
    {"cluster_a": "c1", "cluster_b": "c2", "reason": "\ud800"},
    {"move_out": [1], "reason": "\udc00"},
]
GET_URLS = ["/api/pairs?limit=-1", "/api/pairs?offset=99999999999999999999", "/api/pairs/0/0",
            "/api/pairs/1/99999999999999999999999", "/api/pairs/x/y", "/api/people?q=",
            "/api/people?q=%00", "/api/people?q=" + "й" * 300, "/api/clusters/..%2F..", "/api/clusters/c%00",
            "/api/clusters/" + "c" * 200, "/pairs/5/5", "/queue?offset=-4", "/people?q=%ED%A0%80",
            "/clusters/%3Cscript%3E", "/queue/next?after=1-x", "/queue/next?after=99999999999999999999-1"]


def test_garbage_gets_4xx_never_500(app, review_project):
    with ASGIClient(app) as c:
        token = login(c, "ada")
        h = {"x-csrf-token": token}
        for url in GET_URLS:
            r = c.get(url, follow_redirects=False)
            assert r.status_code < 500, (url, r.status_code, r.text[:300])
        for path in ("/api/decisions", "/api/clusters/c1/split", "/api/clusters/merge", "/api/session"):
            for body in GARBAGE_JSON:
                r = c.post(path, content=json.dumps(body), headers=h | {"content-type": "application/json"})
                assert 400 <= r.status_code < 500, (path, body, r.status_code, r.text[:300])
            for raw in (b"{", b"\xff\xfe", b"", b"[" * 10000):
                r = c.post(path, content=raw, headers=h | {"content-type": "application/json"})
                assert 400 <= r.status_code < 500, (path, raw[:10], r.status_code)
        for data in ({"decision": "match", "version": "x"}, {"decision": "x" * 100, "version": "0"},
                     {"decision": "match", "version": "0", "note": "n" * 3000}):
            r = c.post("/pairs/1/2", data=data | {"csrf_token": token})
            assert 400 <= r.status_code < 500, (data, r.status_code)
        for raw in (b"decision=match&version=0&note=%ED%A0%80&csrf_token=" + token.encode(),
                    b"decision=match&version=0&note=%FF%FE&csrf_token=" + token.encode(),
                    b"\xff\xfe\x00", b"version=" + b"9" * 5000):
            r = c.post("/pairs/1/999999", content=raw,  # no such record: nothing may be written
                       headers={"content-type": "application/x-www-form-urlencoded"})
            assert r.status_code < 500, (raw[:40], r.status_code, r.text[:300])
        for raw in (b"username=%ED%A0%80&password=%ED%A0%80", b"\x00\x01"):
            r = c.post("/login", content=raw, headers={"content-type": "application/x-www-form-urlencoded"})
            assert r.status_code < 500, (raw, r.status_code)
    assert review_project.store.scalar("SELECT count(*) FROM pair_labels") == 0


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil", "/ok"])
def test_login_redirect_stays_on_site(client, target):
    import re

    page = client.get("/login")
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "vic", "password": "correct horse battery",
                                    "csrf_token": tok, "next": target}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == ("/ok" if target == "/ok" else "/")


def test_openapi_schema_lists_every_api_route(app):
    from uncounted.review.app import iter_routes

    with ASGIClient(app) as c:
        assert c.get("/api/openapi.json").status_code == 401
        login(c, "vic")
        schema = c.get("/api/openapi.json").json()
    api = {(m.lower(), r.path) for r in iter_routes(app.routes) if getattr(r, "path", "").startswith("/api/")
           and getattr(r, "include_in_schema", False) for m in r.methods - {"HEAD", "OPTIONS"}}
    listed = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    assert api == listed and len(api) >= 10
    assert schema["paths"]["/api/decisions"]["post"]["responses"]["409"]
