"""A small linked project with names, scored pairs and users, built straight in the store.

People have Russian names; list ``hospital`` writes them in Cyrillic, ``morgue`` romanised (the
Wikipedia scheme), ``ngo`` in Cyrillic with the patronymic dropped.  Pairs of records of one
person get probabilities spread over (0.3, 0.99), and some pairs of different people get
(0.05, 0.75), so the queue has true and false candidates.  Clusters are made by the linkage
step's own constrained clustering at threshold 0.9, as a real run would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import iuliia
import numpy as np
import pandas as pd
import pytest

from tests.review.client import ASGIClient
from uncounted.link import LinkSettings
from uncounted.link.cluster import CONFLICT_COLUMNS, constrained_clusters
from uncounted.link.prepare import prepare_records
from uncounted.project import Project
from uncounted.review.auth import add_user
from uncounted.review.settings import ReviewSettings
from uncounted.store import now

FAMILIES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов",
            "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов",
            "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров",
            "Никитин", "Захаров", "Зайцев", "Борисов", "Яковлев", "Григорьев"]
GIVENS = ["Иван", "Пётр", "Сергей", "Алексей", "Дмитрий", "Андрей", "Михаил", "Николай", "Владимир",
          "Олег", "Юрий", "Виктор"]
PATRONYMICS = ["Иванович", "Петрович", "Сергеевич", "Алексеевич", "Дмитриевич", "Андреевич",
               "Михайлович", "Николаевич"]
LISTS = ("hospital", "morgue", "ngo")

FAST = ReviewSettings(argon2_time_cost=1, argon2_memory_kib=8192, estimate_method="loglinear",
                      estimate_by="")
PASSWORD = "correct horse battery"
USERS = {"ada": "admin", "rev": "reviewer", "rita": "reviewer", "vic": "viewer"}


def build_review_project(path: Path, seed: int = 11, n_people: int = 80, n_false: int = 60) -> Project:
    proj = Project.init(path, name="review-test")
    rng = np.random.default_rng(seed)
    caught = rng.random((n_people, 3)) < np.array([0.6, 0.5, 0.45])
    caught[~caught.any(axis=1), 0] = True
    rows: list[dict[str, Any]] = []
    for person in range(n_people):
        fam = FAMILIES[person % len(FAMILIES)]
        giv = GIVENS[(person * 7 + person // len(FAMILIES)) % len(GIVENS)]
        pat = PATRONYMICS[(person * 3) % len(PATRONYMICS)]
        byear = 1960 + (person * 13) % 40
        etype = "killed" if person % 3 == 0 else "wounded"
        day = person % 50
        for j, src in enumerate(LISTS):
            if not caught[person, j]:
                continue
            if src == "morgue":
                name = iuliia.WIKIPEDIA.translate(f"{fam} {giv} {pat}")
            elif src == "ngo":
                name = f"{fam} {giv}"
            else:
                name = f"{fam} {giv} {pat}"
            rows.append({"person": person, "source": src, "name_raw": name, "birth_year": byear,
                         "event_type": etype, "day": day})
    recs = pd.DataFrame(rows)
    recs["record_uid"] = np.arange(1, len(recs) + 1)
    recs["record_id"] = [f"{s}-{p}" for s, p in zip(recs["source"], recs["person"], strict=True)]
    pairs = []
    for _, grp in recs.groupby("person"):
        u = grp["record_uid"].tolist()
        for i in range(len(u)):
            for k in range(i + 1, len(u)):
                pairs.append((u[i], u[k], float(rng.uniform(0.3, 0.995))))
    seen = {(a, b) for a, b, _ in pairs}
    uids = recs["record_uid"].to_numpy()
    person_of = dict(zip(recs["record_uid"], recs["person"], strict=True))
    n_true = len(pairs)
    while len(pairs) < n_true + n_false:
        a, b = sorted(int(x) for x in rng.choice(uids, 2, replace=False))
        if person_of[a] == person_of[b] or (a, b) in seen:
            continue
        seen.add((a, b))
        pairs.append((a, b, float(rng.uniform(0.05, 0.75))))
    pairs_df = pd.DataFrame(pairs, columns=["record_uid_l", "record_uid_r", "match_probability"])
    st = proj.store
    t = now()
    settings = LinkSettings()
    with st.transaction() as con:
        con.execute("INSERT INTO ingests (ingest_id, source, file_name, file_sha256, mapping_sha256, "
                    "mapping_version, ingested_at, n_rows, n_accepted, n_quarantined) VALUES "
                    "(1, 'all', 'synthetic.csv', 'ab12cd34ef56ab12cd34ef56', 'def', '1', ?, 0, 0, 0)", [t])
        con.register("_recs", recs)
        con.execute("INSERT INTO records (record_uid, source, record_id, name_raw, birth_year, birth_precision, "
                    "event_type, event_date, ingest_id, file_sha256, line_no, ingested_at) "
                    "SELECT record_uid, source, record_id, name_raw, birth_year, 'year', event_type, "
                    "DATE '2022-03-01' + CAST(day AS INTEGER), 1, 'ab12cd34ef56ab12cd34ef56', "
                    "record_uid + 1, ? FROM _recs", [t])
        con.unregister("_recs")
        table = prepare_records(st.query_df("SELECT * FROM records ORDER BY record_uid"))
        cl = constrained_clusters(table[list(CONFLICT_COLUMNS)], pairs_df, [0.9],
                                  death_tolerance_days=settings.death_tolerance_days)[0.9]
        cids = cl.cluster_ids(table["unique_id"].to_numpy())
        con.execute("INSERT INTO link_runs (run_id, started_at, finished_at, engine, splink_version, "
                    "threshold, n_records, n_pairs, n_clusters, status, current, threshold_table, "
                    "settings_json) VALUES (1, ?, ?, 'duckdb', 'test', 0.9, ?, ?, ?, 'done', TRUE, '[]', ?)",
                    [t, t, len(recs), len(pairs_df), int(len(set(cids))),
                     json.dumps(settings.to_dict(), default=str)])
        con.register("_pairs", pairs_df)
        con.execute("INSERT INTO link_pairs SELECT 1, record_uid_l, record_uid_r, 0.0, match_probability, "
                    "to_json(struct_pack(family := round(match_probability * 8 - 3, 2), birth := -0.5)) "
                    "FROM _pairs")
        con.unregister("_pairs")
        con.register("_cl", pd.DataFrame({"record_uid": table["unique_id"], "cluster_id": cids}))
        con.execute("INSERT INTO clusters SELECT 1, record_uid, cluster_id, NULL FROM _cl")
        con.unregister("_cl")
    for name, role in USERS.items():
        add_user(st, name, role, PASSWORD, settings=FAST)
    return proj


def login(client: ASGIClient, user: str, password: str = PASSWORD) -> str:
    """Log in through the form (as a browser does); return the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post("/login", data={"username": user, "password": password, "csrf_token": token.group(1),
                                    "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return api_csrf(client)


def api_csrf(client: ASGIClient) -> str:
    page = client.get("/account")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m is not None, page.text[:500]
    return m.group(1)


@pytest.fixture(scope="module")
def review_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the project once per module; tests copy it (building costs a second)."""
    path = tmp_path_factory.mktemp("review") / "tpl"
    proj = build_review_project(path)
    proj.close()
    return path


@pytest.fixture
def review_project(review_template: Path, tmp_path: Path) -> Iterator[Project]:
    import shutil

    dest = tmp_path / "proj"
    shutil.copytree(review_template, dest)
    proj = Project(dest)
    yield proj
    proj.close()


@pytest.fixture
def app(review_project: Project) -> Iterator[Any]:
    from uncounted.review.app import create_app

    app = create_app(review_project, settings=FAST)
    yield app
    app.state.warm_thread.join()  # DuckDB refuses to close a connection in use


@pytest.fixture
def client(app: Any) -> Iterator[ASGIClient]:
    with ASGIClient(app) as c:
        yield c
