"""The review queue's order (docs/review.md) and what leaves it."""

from __future__ import annotations

import pandas as pd

from uncounted.review.decisions import decide_pair
from uncounted.review.queue import ReviewQueue, rank_pairs


def test_rank_rule_cross_list_first_then_impact_then_uncertainty():
    clusters = pd.DataFrame({
        "record_uid": [1, 2, 3, 4, 5, 6, 7, 8],
        "source": ["A", "B", "A", "A", "A", "B", "B", "A"],
        "cluster_id": ["p1", "p2", "p3", "p4", "p5", "p5", "p6", "p7"],
    })
    pairs = pd.DataFrame({
        "record_uid_l": [3, 1, 1, 5, 7],
        "record_uid_r": [4, 2, 7, 6, 8],
        "match_probability": [0.5, 0.9, 0.5, 0.6, 0.5],
    })
    out = rank_pairs(pairs, clusters)
    keys = list(zip(out["record_uid_l"], out["record_uid_r"], strict=True))
    # the within-list pair (3, 4) is last even though it is the most uncertain
    assert keys[-1] == (3, 4)
    assert out["cross_list"].tolist() == [True, True, True, True, False]
    # among cross-list pairs the score is the expected change: P(the answer goes against the
    # clustering) * impact.  (1, 2) at p = 0.9 is apart now, so a reviewer will most likely
    # join them: it comes first (under the old weight 1 - |2p - 1| it came last)
    assert keys[0] == (1, 2)
    scores = out["score"].tolist()
    assert scores[:4] == sorted(scores[:4], reverse=True)
    row = {k: s for k, s in zip(keys, scores, strict=True)}
    # same impact (1/5 + 1/3 + 1/2): apart at 0.5 (answer goes against: 0.5) outranks
    # together at 0.6 (0.4)
    assert abs(row[(1, 7)] / row[(5, 6)] - 0.5 / 0.4) < 1e-12
    assert abs(row[(1, 2)] - 0.9 * (1 / 5 + 1 / 3 + 1 / 2)) < 1e-12


def test_decided_pairs_leave_the_queue_and_leases_hide_pairs(review_project):
    st = review_project.store
    q = ReviewQueue(st, low=0.05, high=0.98, lease_seconds=60, max_age=0)
    items, total = q.items("rev", limit=5)
    assert total > 10 and len(items) == 5
    first = items[0]
    assert all(it.cross_list for it in items[:1])
    q.lease(first.key, "rita")
    items_rev, total_rev = q.items("rev", limit=5)
    assert first.key not in [it.key for it in items_rev] and total_rev == total - 1
    items_rita, _ = q.items("rita", limit=5)
    assert items_rita[0].key == first.key
    decide_pair(st, first.uid_l, first.uid_r, "unsure", "rita", seen_version=0)
    _, total_after = q.items("rita", limit=5)
    assert total_after == total - 1
    assert [(x["uid_l"], x["uid_r"], x["reviewer"]) for x in q.unsure()] == [(first.uid_l, first.uid_r, "rita")]
    decide_pair(st, first.uid_l, first.uid_r, "match", "rev", seen_version=1)
    assert q.unsure() == []
    probs = [it.probability for it in q.items("rev", limit=1000)[0]]
    assert all(0.05 <= p <= 0.98 for p in probs)
