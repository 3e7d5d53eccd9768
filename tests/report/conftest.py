"""A small linked project built straight in the store (no Splink), for report tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uncounted.project import Project
from uncounted.store import now

LISTS = ("xray", "morgue", "ngo")


def build_linked_project(path, seed: int = 7, n_people: int = 1200) -> Project:
    proj = Project.init(path, name="report-test")
    rng = np.random.default_rng(seed)
    p = np.array([0.45, 0.35, 0.4])
    caught = rng.random((n_people, 3)) < p
    etype = np.where(rng.random(n_people) < 0.3, "killed", "wounded")
    st = proj.store
    t = now()
    with st.transaction() as con:
        con.execute("INSERT INTO ingests (ingest_id, source, file_name, file_sha256, mapping_sha256, "
                    "mapping_version, ingested_at, n_rows, n_accepted, n_quarantined) VALUES "
                    "(1, 'all', 'synthetic.csv', 'abc', 'def', '1', ?, 0, 0, 0)", [t])
        con.execute("INSERT INTO link_runs (run_id, started_at, finished_at, engine, splink_version, "
                    "threshold, n_records, n_pairs, n_clusters, status, current, threshold_table) "
                    "VALUES (1, ?, ?, 'duckdb', 'test', 0.9, 0, 0, 0, 'done', TRUE, '[]')", [t, t])
        rows = [(person, j, name) for person in range(n_people) for j, name in enumerate(LISTS)
                if caught[person, j]]
        recs = pd.DataFrame({
            "record_uid": np.arange(1, len(rows) + 1),
            "source": [r[2] for r in rows],
            "record_id": [f"{r[2]}-{r[0]}" for r in rows],
            "event_type": [str(etype[r[0]]) for r in rows],
            "day": [int(r[0] % 60) for r in rows],
            "cluster_id": [f"c{r[0]}" for r in rows],
        })
        con.register("_recs", recs)
        con.execute("INSERT INTO records (record_uid, source, record_id, event_type, event_date, ingest_id, "
                    "file_sha256, line_no, ingested_at) SELECT record_uid, source, record_id, event_type, "
                    "DATE '2022-03-01' + CAST(day AS INTEGER), 1, 'abc', record_uid, ? FROM _recs", [t])
        con.execute("INSERT INTO clusters SELECT 1, record_uid, cluster_id, NULL FROM _recs")
        con.unregister("_recs")
        uid = len(rows)
        n_clusters = int(caught.any(axis=1).sum())
        con.execute("UPDATE link_runs SET n_records = ?, n_clusters = ?", [uid, n_clusters])
    return proj


@pytest.fixture
def linked_project(tmp_path):
    proj = build_linked_project(tmp_path / "p")
    yield proj
    proj.close()
