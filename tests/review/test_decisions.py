"""Decisions are stored atomically with who/when, never lost under concurrency, and clusters follow."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from tests.review.client import ASGIClient
from tests.review.conftest import login
from uncounted.exceptions import InputError
from uncounted.review.decisions import (
    PairConflict,
    apply_labels,
    decide_pair,
    merge_clusters,
    split_cluster,
)


def cluster_of(store, uid: int) -> str:
    return str(store.scalar("SELECT cluster_id FROM clusters WHERE run_id = 1 AND record_uid = ?", [uid]))


def apart_pair(store) -> tuple[int, int]:
    df = store.query_df("""SELECT p.record_uid_l AS a, p.record_uid_r AS b FROM link_pairs p
        JOIN clusters x ON x.record_uid = p.record_uid_l JOIN clusters y ON y.record_uid = p.record_uid_r
        WHERE x.cluster_id <> y.cluster_id ORDER BY p.match_probability DESC LIMIT 1""")
    return int(df["a"].iloc[0]), int(df["b"].iloc[0])


def together_pair(store) -> tuple[int, int]:
    df = store.query_df("""SELECT p.record_uid_l AS a, p.record_uid_r AS b FROM link_pairs p
        JOIN clusters x ON x.record_uid = p.record_uid_l JOIN clusters y ON y.record_uid = p.record_uid_r
        WHERE x.cluster_id = y.cluster_id ORDER BY p.match_probability LIMIT 1""")
    return int(df["a"].iloc[0]), int(df["b"].iloc[0])


def test_decision_is_label_plus_audit_and_merges_clusters(review_project):
    st = review_project.store
    a, b = apart_pair(st)
    n_before = st.scalar("SELECT count(DISTINCT cluster_id) FROM clusters")
    hist_before = review_project.capture_histories().n_observed
    out = decide_pair(st, b, a, "match", "rev", seen_version=0, note="same unit, same day")
    lab = st.query_df("SELECT * FROM pair_labels")
    assert len(lab) == 1
    row = lab.iloc[0]
    assert (row.record_uid_l, row.record_uid_r) == (min(a, b), max(a, b))
    assert row.reviewer == "rev" and row.decision == "match" and row.version == 1 and row.origin == "review"
    assert row.note == "same unit, same day" and pd.notna(row.decided_at)
    aud = st.query_df("SELECT actor, action, object, detail FROM audit_log WHERE action = 'review.decide'")
    assert aud["actor"].tolist() == ["rev"] and f'"label_id": {out.label_ids[0]}' in aud["detail"].iloc[0]
    assert cluster_of(st, a) == cluster_of(st, b)
    assert st.scalar("SELECT count(DISTINCT cluster_id) FROM clusters") == n_before - 1
    assert review_project.capture_histories().n_observed == hist_before - 1
    assert bool(st.scalar("SELECT edited_by_review FROM link_runs WHERE run_id = 1"))


def test_non_match_splits_a_cluster(review_project):
    st = review_project.store
    a, b = together_pair(st)
    decide_pair(st, a, b, "non_match", "rev", seen_version=0)
    assert cluster_of(st, a) != cluster_of(st, b)


def test_unsure_changes_no_cluster(review_project):
    st = review_project.store
    before = st.query_df("SELECT record_uid, cluster_id FROM clusters ORDER BY record_uid")
    a, b = apart_pair(st)
    decide_pair(st, a, b, "unsure", "rev", seen_version=0)
    after = st.query_df("SELECT record_uid, cluster_id FROM clusters ORDER BY record_uid")
    pd.testing.assert_frame_equal(before, after)


def test_relabelling_without_new_labels_reproduces_the_clusters(review_project):
    """The local pass restricted to a cluster gives back the cluster (the module's claim)."""
    st = review_project.store
    before = st.query_df("SELECT record_uid, cluster_id FROM clusters ORDER BY record_uid")
    uids = before["record_uid"].astype(int).tolist()
    with st.transaction():
        changed = apply_labels(st, uids)
    assert changed == ()
    after = st.query_df("SELECT record_uid, cluster_id FROM clusters ORDER BY record_uid")
    pd.testing.assert_frame_equal(before, after)


def test_second_reviewer_gets_a_conflict_and_can_override(review_project):
    st = review_project.store
    a, b = apart_pair(st)
    decide_pair(st, a, b, "match", "rev", seen_version=0)
    with pytest.raises(PairConflict) as err:
        decide_pair(st, a, b, "non_match", "rita", seen_version=0, note="different fathers")
    assert err.value.current_version == 1
    assert [(d["reviewer"], d["decision"]) for d in err.value.newer] == [("rev", "match")]
    assert st.scalar("SELECT count(*) FROM pair_labels") == 1
    first = int(st.scalar("SELECT label_id FROM pair_labels"))
    decide_pair(st, a, b, "non_match", "rita", seen_version=1, overrides_label_id=first)
    lab = st.query_df("SELECT reviewer, decision, version, overrides_label_id FROM pair_labels ORDER BY version")
    assert lab["reviewer"].tolist() == ["rev", "rita"]
    assert lab["version"].tolist() == [1, 2]
    assert int(lab["overrides_label_id"].iloc[1]) == first
    assert cluster_of(st, a) != cluster_of(st, b)  # the latest decision wins


def test_concurrent_deciders_never_lose_a_decision(review_project):
    """Eight threads decide the same pair at version 0: exactly one wins, the others see 409."""
    st = review_project.store
    a, b = apart_pair(st)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            decide_pair(st, a, b, "match" if i % 2 else "non_match", f"r{i}", seen_version=0)
            results.append("ok")
        except PairConflict:
            results.append("conflict")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 7 + ["ok"]
    assert st.scalar("SELECT count(*) FROM pair_labels") == 1
    assert st.scalar("SELECT count(*) FROM audit_log WHERE action = 'review.decide'") == 1


def test_split_and_merge_store_labels_with_reasons(review_project):
    st = review_project.store
    big = st.query_df("SELECT cluster_id, count(*) AS n FROM clusters GROUP BY 1 HAVING n >= 3 ORDER BY 1 LIMIT 1")
    cid = str(big["cluster_id"].iloc[0])
    members = st.query_df("SELECT record_uid FROM clusters WHERE cluster_id = ? ORDER BY 1", [cid])["record_uid"].tolist()
    out = members[-1]
    n_before = st.scalar("SELECT count(DISTINCT cluster_id) FROM clusters")
    split_cluster(st, cid, [out], "rev", "born 20 years apart")
    assert cluster_of(st, out) != cid and cluster_of(st, members[0]) == cid
    assert st.scalar("SELECT count(DISTINCT cluster_id) FROM clusters") == n_before + 1
    labs = st.query_df("SELECT decision, origin, reason FROM pair_labels")
    assert set(labs["origin"]) == {"split"} and set(labs["reason"]) == {"born 20 years apart"}
    assert (labs["decision"] == "non_match").sum() == len(members) - 1
    other = cluster_of(st, out)
    merge_clusters(st, cid, other, "rita", "same person after all: typo in the year")
    assert cluster_of(st, out) == cid
    assert st.scalar("SELECT count(DISTINCT cluster_id) FROM clusters") == n_before
    acts = st.query_df("SELECT actor, action FROM audit_log WHERE action LIKE 'review.%' ORDER BY seq")
    assert acts.values.tolist() == [["rev", "review.split"], ["rita", "review.merge"]]
    with pytest.raises(InputError, match="reason"):
        merge_clusters(st, cid, "c999999", "rita", "  ")
    with pytest.raises(InputError):
        split_cluster(st, cid, members, "rev", "all of them")  # nobody left


def test_api_conflict_is_409_with_the_other_decision(app, review_project):
    a, b = apart_pair(review_project.store)
    with ASGIClient(app) as c1, ASGIClient(app) as c2:
        t1, t2 = login(c1, "rev"), login(c2, "rita")
        body = {"uid_l": a, "uid_r": b, "decision": "match", "version": 0}
        r1 = c1.post("/api/decisions", json=body, headers={"x-csrf-token": t1})
        assert r1.status_code == 201 and r1.json()["version"] == 1
        r2 = c2.post("/api/decisions", json=body | {"decision": "non_match"}, headers={"x-csrf-token": t2})
        assert r2.status_code == 409
        err = r2.json()["error"]
        assert err["status"] == 409 and err["current_version"] == 1 and err["newer"][0]["reviewer"] == "rev"
        # the form flow: the conflict page offers to confirm with the new version
        page = c2.post(f"/pairs/{a}/{b}", data={"decision": "non_match", "version": "0",
                                                "csrf_token": t2, "note": "no"})
        assert page.status_code == 409 and "confirm-override" in page.text and "rev" in page.text
        r3 = c2.post(f"/pairs/{a}/{b}", data={"decision": "non_match", "version": "1", "csrf_token": t2,
                                              "overrides_label_id": str(r1.json()["label_id"])})
        assert r3.status_code == 200
    lab = review_project.store.query_df("SELECT reviewer, decision FROM pair_labels ORDER BY version")
    assert lab.values.tolist() == [["rev", "match"], ["rita", "non_match"]]
