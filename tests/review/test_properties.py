"""Property: after any sequence of decisions, the clusters honour every person's latest decision."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uncounted.project import Project
from uncounted.review.decisions import decide_pair, pair_version


def _components(pairs: list[tuple[int, int]]) -> dict[int, int]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    return {x: find(x) for x in parent}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(0, 39), st.sampled_from(["match", "non_match", "unsure"])),
                      min_size=1, max_size=10))
def test_clusters_follow_latest_decisions(review_template: Path, steps):
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "p"
        shutil.copytree(review_template, dest)
        with Project(dest) as proj:
            store = proj.store
            pairs = store.query_df("SELECT record_uid_l AS a, record_uid_r AS b FROM link_pairs "
                                   "ORDER BY abs(match_probability - 0.5), a, b LIMIT 40")
            cand = list(zip(pairs["a"].astype(int), pairs["b"].astype(int), strict=True))
            latest: dict[tuple[int, int], str] = {}
            for i, decision in steps:
                a, b = cand[i % len(cand)]
                with store.transaction() as con:
                    v = pair_version(con, a, b)
                decide_pair(store, a, b, decision, "prop", seen_version=v)
                latest[(a, b)] = decision
            cl = store.query_df("SELECT record_uid, cluster_id FROM clusters WHERE run_id = 1")
            cid = dict(zip(cl["record_uid"].astype(int), cl["cluster_id"].astype(str), strict=True))
            n_records = store.scalar("SELECT count(*) FROM records WHERE active")
    assert len(cid) == n_records  # nobody dropped out of the clustering
    matched = [p for p, d in latest.items() if d == "match"]
    comp = _components(matched)
    for (a, b), d in latest.items():
        if d == "match":
            assert cid[a] == cid[b], ((a, b), d)
        elif d == "non_match" and comp.get(a, a) != comp.get(b, b):
            # (a person's matches that chain a and b together win over their own non-match)
            assert cid[a] != cid[b], ((a, b), d)
