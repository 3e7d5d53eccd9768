"""Pages: dashboard and re-estimate, name search across scripts, a person's page, split, merge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.review.client import ASGIClient
from tests.review.conftest import login
from uncounted.review.settings import SETTINGS, ReviewSettings, check_declared

DOCS = Path(__file__).resolve().parents[2] / "docs" / "review.md"


def test_dashboard_counts_and_reestimate(app, review_project):
    st = review_project.store
    with ASGIClient(app) as c:
        token = login(c, "ada")
        page = c.get("/")
        assert page.status_code == 200
        n_persons = st.scalar("SELECT count(DISTINCT cluster_id) FROM clusters")
        assert f'id="n-persons">{n_persons}<' in page.text
        assert "No estimate yet" in page.text
        assert page.text.count("<svg") >= 2  # sources, overlaps
        r = c.post("/estimate", data={"csrf_token": token})
        assert r.status_code == 200 and 'id="estimate-N"' in r.text and "Re-estimated" in r.text
        # a claim far below the estimate is shown against it
        review_project.add_claim({"claimant": "Ministry", "counts": "both", "low": 3, "said_on": "2022-03-02"})
        page = c.get("/").text
        row = re.search(r'<table id="claims-table">.*?</table>', page, re.S).group(0)
        assert "Ministry" in row and "below" in row
        assert re.search(r'<table id="estimate-table">.*overall.*loglinear', page, re.S)
        api = c.get("/api/estimate").json()
        assert api["n_persons"] == n_persons and api["headline"]["n_observed"] == n_persons
        assert api["headline"]["N"] >= n_persons
    assert st.scalar("SELECT count(*) FROM audit_log WHERE action = 'estimate' AND actor = 'ada'") == 1


def test_viewer_sees_no_decision_buttons(app):
    with ASGIClient(app) as c:
        login(c, "vic")
        page = c.get("/pairs/1/2")
        assert page.status_code == 200 and "btn-match" not in page.text and "Re-estimate" not in c.get("/").text


def test_search_finds_a_person_in_either_script(app, review_project):
    st = review_project.store
    with ASGIClient(app) as c:
        login(c, "vic")
        latin = c.get("/people", params={"q": "Ivanov Ivan"}).text
        cyr = c.get("/people", params={"q": "Иванов"}).text
        assert "Иванов Иван" in latin  # a Cyrillic record found by a Latin query
        assert "Ivanov" in cyr          # and a romanised one by a Cyrillic query
        api = c.get("/api/people", params={"q": "Petrov"}).json()
        assert api["records"] and all("etrov" in r["name_other_script"] + r["name_written"]
                                      or "етров" in r["name_written"] + (r["name_other_script"] or "")
                                      for r in api["records"])
    assert st.scalar("SELECT count(*) FROM records WHERE name_raw LIKE 'Ivanov%'") >= 1


def test_pair_page_shows_names_three_ways_and_differences(app, review_project):
    df = review_project.store.query_df(
        "SELECT a.record_uid AS a, b.record_uid AS b FROM records a JOIN records b ON a.record_id = "
        "'hospital-' || split_part(b.record_id, '-', 2) AND b.source = 'morgue' LIMIT 1")
    a, b = sorted((int(df["a"].iloc[0]), int(df["b"].iloc[0])))
    with ASGIClient(app) as c:
        login(c, "rev")
        page = c.get(f"/pairs/{a}/{b}").text
    assert "name as written" in page and "other script" in page and "key: family_key" in page
    assert re.search(r'<th>family</th><td>[+-]\d+\.\d\d</td>', page)  # the model's evidence
    assert re.search(r'<tr class="differ"><th>source</th>', page)
    assert re.search(r'<tr class="same"><th>key: family_key</th>', page)


def test_cluster_page_split_and_merge_by_form(app, review_project):
    st = review_project.store
    big = st.query_df("SELECT cluster_id, count(*) AS n FROM clusters GROUP BY 1 HAVING n >= 2 ORDER BY 1 LIMIT 1")
    cid = str(big["cluster_id"].iloc[0])
    uids = st.query_df("SELECT record_uid FROM clusters WHERE cluster_id = ? ORDER BY 1", [cid])["record_uid"].tolist()
    with ASGIClient(app) as c:
        token = login(c, "rev")
        page = c.get(f"/clusters/{cid}").text
        assert "ab12cd34ef56" in page and "line" in page  # provenance
        r = c.post(f"/clusters/{cid}/split", data={"csrf_token": token, "move_out": [str(uids[-1])],
                                                   "reason": "different birth years"})
        assert r.status_code == 200 and "Split saved" in r.text
        new = str(st.scalar("SELECT cluster_id FROM clusters WHERE record_uid = ?", [uids[-1]]))
        assert new != cid
        r = c.post("/clusters/merge", data={"csrf_token": token, "cluster_a": cid, "cluster_b": new,
                                            "reason": "same person"})
        assert r.status_code == 200 and "Merged" in r.text
        assert str(st.scalar("SELECT cluster_id FROM clusters WHERE record_uid = ?", [uids[-1]])) == cid
        r = c.post("/clusters/merge", data={"csrf_token": token, "cluster_a": cid, "cluster_b": new,
                                            "reason": ""})
        assert r.status_code == 400
    origins = st.query_df("SELECT DISTINCT origin FROM pair_labels ORDER BY 1")["origin"].tolist()
    assert origins == ["merge", "split"]


def test_every_setting_is_documented_and_declared():
    assert check_declared() == []
    text = DOCS.read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert missing == []
    assert ReviewSettings.from_pairs([("queue_low", "0.2")]).queue_low == 0.2
    with pytest.raises(ValueError):
        ReviewSettings.from_pairs([("no_such", "1")])


def test_serve_refuses_non_loopback_hosts(tmp_path):
    from uncounted.cli.cmd_serve import is_loopback
    from uncounted.cli.main import main

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    runner = CliRunner()
    from uncounted.cli.commands import cmd_serve  # noqa: F401
    from uncounted.cli.main import app

    r = runner.invoke(app, ["serve", "--host", "0.0.0.0", "-p", str(tmp_path)])
    assert r.exit_code != 0 and "loopback" in str(r.exception)
    assert main is not None


def test_a_project_without_linkage_still_serves(tmp_path):
    from tests.review.conftest import FAST, PASSWORD
    from uncounted.project import Project
    from uncounted.review.app import create_app
    from uncounted.review.auth import add_user

    with Project.init(tmp_path / "empty", name="empty") as proj:
        add_user(proj.store, "ada", "admin", PASSWORD, settings=FAST)
        app = create_app(proj, settings=FAST)
        app.state.warm_thread.join()
        with ASGIClient(app) as c:
            token = login(c, "ada")
            assert 'id="n-persons">–<' in c.get("/").text
            assert "Nothing to review" in c.get("/queue").text
            assert c.get("/people", params={"q": "Ivanov"}).status_code == 200
            r = c.post("/estimate", data={"csrf_token": token})
            assert r.status_code == 400 and "link" in r.text
            assert c.get("/api/pairs").json() == {"total": 0, "items": []}


def test_uncounted_serve_runs_on_loopback(review_project, tmp_path):
    """`uncounted serve` as a user runs it: a subprocess answering on a loopback port."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    path = str(review_project.path)
    review_project.close()  # one writer per database: the server takes it
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    err_path = tmp_path / "serve.err"
    with err_path.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "uncounted", "serve", "-p", path, "--port", str(port),
                                 "--setting", "session_idle_minutes=5"],
                                env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 90
            r = None
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    r = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            assert r is not None and r.status_code == 200, err_path.read_text(errors="replace")[-2000:]
            assert r.headers["x-frame-options"] == "DENY" and "server" not in r.headers
            anon = httpx.get(f"http://127.0.0.1:{port}/api/pairs", timeout=5)
            assert anon.status_code == 401
        finally:
            proc.terminate()
            proc.wait(timeout=30)
