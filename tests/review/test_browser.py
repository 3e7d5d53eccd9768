"""The review app in real headless Chromium: log in, review ten pairs by keyboard, split, merge,
and see the estimate change.  uvicorn runs in a thread on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import browser
from tests.review.conftest import FAST, PASSWORD

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(review_project) -> Iterator[tuple[str, Any]]:
    import uvicorn

    from uncounted.review.app import create_app

    app = create_app(review_project, settings=FAST)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", review_project
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.warm_thread.join()


def test_review_by_keyboard_split_merge_and_estimate_changes(live_server):
    base, project = live_server
    st = project.store
    requests: list[str] = []
    problems: list[str] = []
    with browser() as b:
        page = b.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(base + "/")
        assert "/login" in page.url
        page.fill("#username", "ada")
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#n-persons")
        persons_before = int(page.inner_text("#n-persons"))
        # a baseline estimate
        page.click("#re-estimate")
        page.wait_for_selector("#estimate-N")
        n_before = page.inner_text("#estimate-N")
        observed_before = st.scalar("SELECT count(DISTINCT cluster_id) FROM clusters")

        # -- ten pairs by keyboard -------------------------------------------------------------
        page.goto(base + "/queue")
        page.keyboard.press("Enter")  # opens the selected (first) row
        page.wait_for_selector("#decide-form")
        first_url = page.url
        page.keyboard.press("j")        # skip to the next pair ...
        page.wait_for_url(lambda u: u != first_url)
        page.wait_for_selector("#decide-form")
        page.keyboard.press("k")        # ... and back
        page.wait_for_url(first_url)
        page.wait_for_selector("#decide-form")
        seen = []
        keys = "mnmnmumnmm"
        for key in keys:
            url = page.url
            seen.append(url)
            page.keyboard.press(key)
            page.wait_for_url(lambda u, url=url: u != url)
            page.wait_for_selector("#decide-form")
        assert len(set(seen)) == 10
        labels = st.query_df("SELECT reviewer, decision, origin FROM pair_labels ORDER BY label_id")
        assert len(labels) == 10
        assert set(labels["reviewer"]) == {"ada"}
        assert labels["decision"].tolist() == [{"m": "match", "n": "non_match", "u": "unsure"}[k] for k in keys]
        assert st.scalar("SELECT count(*) FROM audit_log WHERE action = 'review.decide'") == 10

        # -- split a person --------------------------------------------------------------------
        cid = str(st.scalar("SELECT cluster_id FROM clusters GROUP BY 1 HAVING count(*) >= 3 ORDER BY 1 LIMIT 1"))
        uids = [int(u) for u in st.query_df("SELECT record_uid FROM clusters WHERE cluster_id = ? ORDER BY 1",
                                            [cid])["record_uid"]]
        page.goto(f"{base}/clusters/{cid}")
        page.check(f"#move-{uids[-1]}")
        page.fill("#split-reason", "born twenty years apart")
        page.click("#split-submit")
        page.wait_for_selector("#flash")
        assert "Split saved" in page.inner_text("#flash")
        moved_to = str(st.scalar("SELECT cluster_id FROM clusters WHERE record_uid = ?", [uids[-1]]))
        assert moved_to != cid

        # -- merge two people ------------------------------------------------------------------
        others = st.query_df("SELECT cluster_id FROM clusters WHERE cluster_id NOT IN (?, ?) GROUP BY 1 "
                             "ORDER BY 1 LIMIT 2", [cid, moved_to])["cluster_id"].tolist()
        page.goto(f"{base}/clusters/{others[0]}")
        page.fill("#merge-other", others[1])
        page.fill("#merge-reason", "same person, name misspelt")
        page.click("#merge-submit")
        page.wait_for_selector("#flash")
        assert "Merged" in page.inner_text("#flash")
        assert st.scalar("SELECT count(DISTINCT cluster_id) FROM clusters WHERE cluster_id IN (?, ?)",
                         [others[0], others[1]]) == 1

        # -- the count follows -----------------------------------------------------------------
        page.goto(base + "/")
        persons_after = int(page.inner_text("#n-persons"))
        assert persons_after < persons_before
        assert page.locator("#estimate-stale").count() == 1
        page.click("#re-estimate")
        page.wait_for_selector("#flash")
        n_after = page.inner_text("#estimate-N")
        page.screenshot(path=str(project.path / "dashboard.png"), full_page=True)
    assert n_after != n_before
    assert st.scalar("SELECT count(DISTINCT cluster_id) FROM clusters") < observed_before
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    assert problems == []


def _login(page, base: str, user: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#n-persons")


def test_two_reviewers_one_pair_the_second_sees_the_conflict(live_server):
    base, project = live_server
    st = project.store
    with browser() as b:
        rev, rita = b.new_context().new_page(), b.new_context().new_page()
        _login(rev, base, "rev")
        _login(rita, base, "rita")
        rev.goto(base + "/queue/next")
        rev.wait_for_selector("#decide-form")
        pair_url = rev.url
        rita.goto(pair_url)  # both have the pair open at version 0
        rita.wait_for_selector("#decide-form")
        rev.keyboard.press("m")
        rev.wait_for_url(lambda u: u != pair_url)
        rita.fill("#note", "the fathers' names differ")
        rita.click("#btn-non-match")
        rita.wait_for_selector("#confirm-override")
        assert "409" in rita.inner_text("h1")
        assert rita.inner_text("#conflict-newer .decision") == "match"
        assert st.scalar("SELECT count(*) FROM pair_labels") == 1
        rita.click("#confirm-override")
        rita.wait_for_url(lambda u: "/pairs/" in u and u != pair_url)
    lab = st.query_df("SELECT reviewer, decision, version, note, overrides_label_id FROM pair_labels "
                      "ORDER BY version")
    assert lab[["reviewer", "decision", "version"]].values.tolist() == [["rev", "match", 1],
                                                                       ["rita", "non_match", 2]]
    assert lab["note"].iloc[1] == "the fathers' names differ"
    assert int(lab["overrides_label_id"].iloc[1]) > 0
