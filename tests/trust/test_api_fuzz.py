"""Fuzz the review app's JSON API against its own OpenAPI schema (schemathesis + hypothesis).

Schemathesis generates requests, valid and invalid, from the schema FastAPI publishes; they
are sent in-process as an admin with a valid session and CSRF token, so the fuzz reaches the
handlers rather than stopping at the login check.  The contract: never a 5xx, and every error
under ``/api/`` has the JSON error shape.  ``UNCOUNTED_FUZZ_EXAMPLES`` sets the examples per
operation (small in ``make test``, larger under ``make fuzz``).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.review.client import ASGIClient
from tests.review.conftest import FAST, PASSWORD, api_csrf, build_review_project, login
from uncounted.review.app import create_app
from uncounted.review.auth import add_user

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("UNCOUNTED_FUZZ_EXAMPLES", "15"))


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory):
    proj = build_review_project(tmp_path_factory.mktemp("fuzz") / "p")
    add_user(proj.store, "fuzzadmin", "admin", PASSWORD, settings=FAST)
    app = create_app(proj, settings=FAST)
    client = ASGIClient(app)
    login(client, "fuzzadmin")
    csrf = api_csrf(client)
    schema = schemathesis.openapi.from_dict(client.get("/api/openapi.json").json())
    ops = [r.ok() for r in schema.get_all_operations()]
    yield client, csrf, ops
    client.close()
    proj.close()


def test_schema_lists_the_api(fuzz_env):
    _, _, ops = fuzz_env
    paths = {op.path for op in ops}
    assert any(p.startswith("/api/") for p in paths)


def test_api_never_answers_5xx(fuzz_env):
    client, csrf, ops = fuzz_env
    api_ops = [op for op in ops if op.path.startswith("/api/") and op.path not in ("/api/logout", "/api/session")]
    assert api_ops
    seen: dict[int, int] = {}

    @settings(max_examples=EXAMPLES * len(api_ops), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data: st.DataObject) -> None:
        op = data.draw(st.sampled_from(api_ops))
        case = data.draw(op.as_strategy())
        headers = {k: str(v) for k, v in (case.headers or {}).items()
                   if k.lower() not in ("cookie", "host", "content-length")}
        headers["X-CSRF-Token"] = csrf
        kw = {"params": case.query or None, "headers": headers}
        if case.body is not None and not isinstance(case.body, schemathesis.core.NotSet):
            kw["json"] = case.body
        resp = client.request(case.method.upper(), case.formatted_path, **kw)
        seen[resp.status_code] = seen.get(resp.status_code, 0) + 1
        assert resp.status_code < 500, f"{case.method} {case.formatted_path} {kw}: {resp.text[:300]}"
        if resp.status_code >= 400:
            body = resp.json()
            assert set(body) == {"error"} and {"status", "message"} <= set(body["error"])
            assert "Traceback" not in resp.text

    run()
    assert sum(seen.values()) >= len(api_ops)
