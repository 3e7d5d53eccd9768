"""The report renders in real headless Chromium and makes no network request."""

from __future__ import annotations

import pytest

from tests.browser import browser
from tests.report.test_report import estimate_and_claims
from uncounted.report import write_report

pytestmark = pytest.mark.browser


def test_report_renders_offline_without_requests(linked_project, tmp_path):
    estimate_and_claims(linked_project)
    out = write_report(linked_project, tmp_path / "report.html")
    requests: list[str] = []
    with browser() as b:
        page = b.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out.resolve().as_uri())
        page.wait_for_load_state("networkidle")
        verdict = page.locator("#verdict").inner_text()
        n_svgs = page.locator("svg").count()
        claims_rows = page.locator("#claims-table tr").count()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert requests == [out.resolve().as_uri()]
    assert verdict in ("robust", "sensitive", "not estimable")
    assert n_svgs >= 4
    assert claims_rows == 1 + 3  # header + the three claims
