"""Linkage runs in the store: one transaction with an audit entry; reruns reuse what they can."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.link.standin import name_keys_standin, toy_records
from uncounted.exceptions import LinkageError
from uncounted.link import (
    current_run,
    link_store,
    load_current_clusters,
    load_current_histories,
    save_link_result,
)
from uncounted.store.audit import verify
from uncounted.store.db import Store, now


def _insert_records(store: Store, recs: pd.DataFrame) -> None:
    df = recs.drop(columns=["person_id"]).copy()
    df["ingest_id"] = 1
    df["file_sha256"] = "x" * 64
    df["line_no"] = range(1, len(df) + 1)
    df["ingested_at"] = now()
    df["birth_date"] = pd.to_datetime(df["birth_date"]).dt.date
    for c in ("event_date", "event_date_end"):
        df[c] = pd.to_datetime(df[c]).dt.date
    cols = list(df.columns)
    with store.transaction() as con:
        con.register("_r", df)
        con.execute(f"INSERT INTO records ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _r")
        con.unregister("_r")


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


def test_save_and_load(store: Store, toy: pd.DataFrame, toy_result) -> None:
    with pytest.raises(LinkageError, match="no linkage run"):
        load_current_clusters(store)
    _insert_records(store, toy)
    run_id = save_link_result(store, toy_result, actor="alice")
    run = current_run(store)
    assert run is not None and run["run_id"] == run_id and run["status"] == "done"
    assert run["splink_version"] == toy_result.splink_version
    assert run["model_json"]["comparisons"][0]["output_column_name"] == "family"
    assert len(run["threshold_table"]) == len(toy_result.threshold_table)
    assert store.scalar("SELECT count(*) FROM link_pairs WHERE run_id = ?", [run_id]) == len(toy_result.pairs)
    detail = json.loads(store.scalar("SELECT detail FROM link_pairs LIMIT 1"))
    assert "family" in detail and "birth" in detail
    cl = load_current_clusters(store)
    assert len(cl) == len(toy_result.clusters)
    merged = cl.merge(toy_result.clusters, on="record_uid")
    assert (merged["cluster_id_x"] == merged["cluster_id_y"]).all()
    h = load_current_histories(store)
    assert h.equals(toy_result.histories_at(toy_result.threshold))
    audit = store.query_df("SELECT actor, action, object FROM audit_log")
    assert audit.iloc[-1].tolist() == ["alice", "link", f"link_run:{run_id}"]
    assert verify(store.con).ok
    # a second save makes the new run current, the old one stays
    run2 = save_link_result(store, toy_result, actor="bob")
    assert store.scalar("SELECT count(*) FROM link_runs WHERE current") == 1
    assert current_run(store)["run_id"] == run2


def test_failed_save_leaves_previous_run_current(store: Store, toy_result) -> None:
    run_id = save_link_result(store, toy_result, actor="alice")
    bad = toy_result.clusters.copy()
    bad.loc[0, "cluster_id"] = None  # violates NOT NULL
    broken = type(toy_result)(**{**toy_result.__dict__, "clusters": bad})
    n_audit = store.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(Exception):  # noqa: B017 - any database error
        save_link_result(store, broken, actor="alice")
    assert current_run(store)["run_id"] == run_id
    assert store.scalar("SELECT count(*) FROM audit_log") == n_audit


def test_link_store_is_incremental(store: Store, fast_settings) -> None:
    recs = toy_records(n_people=120, n_sources=3, seed=3)
    first = recs[recs["source"] != "S2"]
    _insert_records(store, first)
    o1 = link_store(store, settings=fast_settings, name_keys=name_keys_standin, actor="a")
    assert o1.action == "trained"
    o2 = link_store(store, settings=fast_settings, name_keys=name_keys_standin, actor="a")
    assert o2.action == "unchanged" and o2.run_id == o1.run_id
    _insert_records(store, recs[recs["source"] == "S2"])   # a new list arrives
    o3 = link_store(store, settings=fast_settings, name_keys=name_keys_standin, actor="a")
    assert o3.action == "reused_model" and o3.run_id != o1.run_id
    assert len(load_current_clusters(store)) == len(recs)
    # a label changes the fingerprint: a new run, same model
    a, b = (int(x) for x in o3.result.pairs.iloc[0][["record_uid_l", "record_uid_r"]])
    with store.transaction() as con:
        con.execute("INSERT INTO pair_labels (label_id, record_uid_l, record_uid_r, decision, "
                    "reviewer, decided_at) VALUES (nextval('seq_label'), ?, ?, 'non_match', "
                    "'rev', ?)", [a, b, now()])
    o4 = link_store(store, settings=fast_settings, name_keys=name_keys_standin, actor="a")
    assert o4.action == "reused_model"
    cl = load_current_clusters(store).set_index("record_uid")["cluster_id"]
    assert cl[a] != cl[b]
    assert link_store(store, settings=fast_settings, name_keys=name_keys_standin,
                      force=True).action == "trained"
