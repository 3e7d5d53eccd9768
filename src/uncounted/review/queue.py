"""Which uncertain pair a reviewer should see first.

The rule (also in docs/review.md)
---------------------------------
Candidates are the current run's scored pairs with ``queue_low <= p <= queue_high`` that no
person has decided yet (an ``unsure`` decision also takes a pair out of the queue; such pairs are
listed separately).  They are ordered by:

1. **pairs joining records of different lists first.**  Multiple-systems estimation draws its
   information about the unseen from the overlaps between lists; a cross-list link moves a
   person between overlap cells, while a within-list link only changes a list's size.
2. **expected change of the capture-history table, largest first**:
   ``score = w(p) * sum_c |dn_c| / (n_c + 1)``, where ``w(p)`` is the probability that the
   decision goes against the current clustering (``1 - p`` if the two records are together
   now, ``p`` if apart; the probabilities are calibrated, docs/linkage.md), and the sum runs
   over the cells ``c`` of the capture-history table that such a decision would change (a
   merge of the two clusters if they are apart now, the second record moved out if they are
   together).  So the score is the expected change.  (``1 - |2p - 1|``, used before, peaks
   at 0.5 whatever the clustering did with the pair, while the linkage threshold is 0.3: a
   pair joined at 0.31 is the likeliest to be undone.)  Dividing by ``n_c + 1`` weights
   small cells more, because the estimates move most with the sparse high-order overlaps:
   for two lists the Lincoln-Petersen estimate ``N = n1 n2 / m`` has ``dN/N = -dm/m``, so
   one person more or less in a small overlap ``m`` moves the count by ``1/m`` of itself.
3. ties: probability nearest 0.5, then record uids.

A pair opened by one reviewer is *leased* to them for ``lease_minutes`` and left out of the
others' queues, so twenty people reviewing at once do not all get the same pair.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from uncounted.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueItem:
    uid_l: int
    uid_r: int
    probability: float
    cross_list: bool
    score: float
    together: bool
    source_l: str
    source_r: str

    @property
    def key(self) -> str:
        return f"{self.uid_l}-{self.uid_r}"


def rank_pairs(pairs: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """Order candidate pairs by the rule in the module docstring.

    Parameters
    ----------
    pairs:
        ``record_uid_l, record_uid_r, match_probability``.
    clusters:
        ``record_uid, source, cluster_id`` of the current run (active records).

    Returns
    -------
    DataFrame
        ``pairs`` with ``source_l, source_r, cross_list, together, score`` in queue order.
    """
    cols = ["record_uid_l", "record_uid_r", "match_probability", "source_l", "source_r",
            "cross_list", "together", "score"]
    if pairs.empty or clusters.empty:
        return pd.DataFrame(columns=cols)
    lists = sorted(clusters["source"].astype(str).unique())
    bit = {s: 1 << i for i, s in enumerate(lists)}
    cl = clusters.assign(bit=clusters["source"].astype(str).map(bit).astype("int64"))
    # per cluster: history bitmask, and how many records each list has in it
    per_src = cl.groupby(["cluster_id", "bit"]).size().rename("k").reset_index()
    hist = per_src.groupby("cluster_id")["bit"].sum().astype("int64")  # distinct bits per cluster
    cell_n = hist.value_counts()
    n_of = {int(k): int(v) for k, v in zip(cell_n.index, cell_n.to_numpy(), strict=True)}
    k_of = {(c, int(b)): int(k) for c, b, k in per_src.itertuples(index=False)}
    by_uid = cl.set_index("record_uid")
    p = pairs[pairs["record_uid_l"].isin(by_uid.index) & pairs["record_uid_r"].isin(by_uid.index)]
    if p.empty:
        return pd.DataFrame(columns=cols)
    ca = by_uid.loc[p["record_uid_l"], "cluster_id"].to_numpy()
    cb = by_uid.loc[p["record_uid_r"], "cluster_id"].to_numpy()
    bb = by_uid.loc[p["record_uid_r"], "bit"].to_numpy()
    sa = by_uid.loc[p["record_uid_l"], "source"].astype(str).to_numpy()
    sb = by_uid.loc[p["record_uid_r"], "source"].astype(str).to_numpy()
    hmap = hist.to_dict()
    prob = p["match_probability"].to_numpy(dtype=float)
    impact = np.empty(len(p))
    together = ca == cb
    for i in range(len(p)):
        delta: dict[int, int] = {}
        if together[i]:
            h = int(hmap[ca[i]])
            rest = h if k_of[(ca[i], int(bb[i]))] > 1 else h & ~int(bb[i])
            delta[h] = delta.get(h, 0) - 1
            if rest:
                delta[rest] = delta.get(rest, 0) + 1
            delta[int(bb[i])] = delta.get(int(bb[i]), 0) + 1
        else:
            ha, hb = int(hmap[ca[i]]), int(hmap[cb[i]])
            delta[ha] = delta.get(ha, 0) - 1
            delta[hb] = delta.get(hb, 0) - 1
            delta[ha | hb] = delta.get(ha | hb, 0) + 1
        impact[i] = sum(abs(d) / (n_of.get(c, 0) + 1) for c, d in delta.items() if d)
    against = np.where(together, 1.0 - prob, prob)
    out = pd.DataFrame({
        "record_uid_l": p["record_uid_l"].to_numpy(dtype="int64"),
        "record_uid_r": p["record_uid_r"].to_numpy(dtype="int64"),
        "match_probability": prob, "source_l": sa, "source_r": sb,
        "cross_list": sa != sb, "together": together, "score": against * impact,
    })
    out["_mid"] = np.abs(prob - 0.5)
    out = out.sort_values(["cross_list", "score", "_mid", "record_uid_l", "record_uid_r"],
                          ascending=[False, False, True, True, True], kind="stable")
    return out.drop(columns="_mid").reset_index(drop=True)


class ReviewQueue:
    """The ranked queue of one project, cached and shared by all requests.

    The ranking is recomputed when the clusters changed and the cached one is more than
    ``max_age`` seconds old; decided pairs are filtered out on every call, so a decision leaves
    everyone's queue at once.
    """

    def __init__(self, store: Store, *, low: float, high: float, lease_seconds: float,
                 max_age: float = 2.0) -> None:
        self.store = store
        self.low = low
        self.high = high
        self.lease_seconds = lease_seconds
        self.max_age = max_age
        self._lock = threading.Lock()
        self._ranked: pd.DataFrame | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._at = 0.0
        self._leases: dict[str, tuple[str, float]] = {}
        self._decided: frozenset[tuple[int, int]] | set[tuple[int, int]] = frozenset()
        self._last_label = 0
        self._keys: list[tuple[int, int]] = []

    def _state(self) -> tuple[Any, ...]:
        row = self.store.query_df(
            "SELECT run_id, coalesce(review_edits, 0) AS e FROM link_runs WHERE current AND status = 'done' "
            "ORDER BY run_id DESC LIMIT 1")
        return () if row.empty else (int(row["run_id"].iloc[0]), int(row["e"].iloc[0]))

    def ranked(self) -> pd.DataFrame:
        """The ranked candidates (decided pairs included), recomputed when stale."""
        return self._snapshot()[0]

    def _snapshot(self) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
        state = self._state()
        with self._lock:
            fresh = self._ranked is not None and (
                state == self._stamp or (time.monotonic() - self._at < self.max_age
                                         and state[:1] == (self._stamp or ())[:1]))
            if fresh:
                assert self._ranked is not None
                return self._ranked, self._keys
        if not state:
            ranked = rank_pairs(pd.DataFrame(), pd.DataFrame())
        else:
            run = state[0]
            pairs = self.store.query_df(
                "SELECT record_uid_l, record_uid_r, match_probability FROM link_pairs "
                "WHERE run_id = ? AND match_probability BETWEEN ? AND ?", [run, self.low, self.high])
            clusters = self.store.query_df(
                "SELECT c.record_uid, r.source, c.cluster_id FROM clusters c JOIN records r USING (record_uid) "
                "WHERE c.run_id = ? AND r.active", [run])
            ranked = rank_pairs(pairs, clusters)
        keys = [(min(a, b), max(a, b)) for a, b in zip(ranked["record_uid_l"].astype(int),
                                                       ranked["record_uid_r"].astype(int), strict=True)]
        with self._lock:
            self._ranked, self._stamp, self._at, self._keys = ranked, state, time.monotonic(), keys
        return ranked, keys

    def decided(self) -> frozenset[tuple[int, int]] | set[tuple[int, int]]:
        """Pairs with any decision, read incrementally (labels are only ever appended)."""
        top = self.store.scalar("SELECT coalesce(max(label_id), 0) FROM pair_labels")
        with self._lock:
            last = self._last_label
        if top != last:
            df = self.store.query_df(
                "SELECT label_id, least(record_uid_l, record_uid_r) AS a, "
                "greatest(record_uid_l, record_uid_r) AS b FROM pair_labels WHERE label_id > ?", [last])
            with self._lock:
                if self._last_label == last:  # rebind, never mutate: callers hold snapshots
                    self._decided = self._decided | set(zip(df["a"].astype(int), df["b"].astype(int),
                                                            strict=True))
                    self._last_label = int(df["label_id"].max()) if len(df) else last
        with self._lock:
            return self._decided

    def lease(self, key: str, user: str) -> None:
        with self._lock:
            self._leases[key] = (user, time.monotonic() + self.lease_seconds)

    def leased_by_others(self, user: str) -> set[str]:
        t = time.monotonic()
        with self._lock:
            for k in [k for k, (_, exp) in self._leases.items() if exp < t]:
                del self._leases[k]
            return {k for k, (u, _) in self._leases.items() if u != user}

    def items(self, user: str, *, limit: int = 50, offset: int = 0,
              exclude: set[str] | None = None) -> tuple[list[QueueItem], int]:
        """Undecided pairs for ``user`` in queue order, and how many there are in all."""
        ranked, pairs = self._snapshot()
        if ranked.empty:
            return [], 0
        done = self.decided()
        skip = self.leased_by_others(user) | (exclude or set())
        keep = [i for i, pr in enumerate(pairs)
                if pr not in done and (not skip or f"{pr[0]}-{pr[1]}" not in skip)]
        sel = ranked.iloc[keep[offset:offset + limit]]
        items = []
        for r in sel.to_dict(orient="records"):
            a, b = int(r["record_uid_l"]), int(r["record_uid_r"])
            sa, sb = str(r["source_l"]), str(r["source_r"])
            items.append(QueueItem(min(a, b), max(a, b), float(r["match_probability"]),
                                   bool(r["cross_list"]), float(r["score"]), bool(r["together"]),
                                   sa if a < b else sb, sb if a < b else sa))
        return items, len(keep)

    def scored(self, a: int, b: int) -> tuple[float | None, list[tuple[str, float]]]:
        """The pair's match probability and the model's partial match weights
        (``link_pairs.detail``, strongest first), in one query."""
        df = self.store.query_df(
            "SELECT match_probability, detail FROM link_pairs WHERE run_id = (SELECT max(run_id) "
            "FROM link_runs WHERE current AND status = 'done') AND least(record_uid_l, record_uid_r) = ? "
            "AND greatest(record_uid_l, record_uid_r) = ? LIMIT 1", [a, b])
        if df.empty:
            return None, []
        p = df["match_probability"].iloc[0]
        prob = None if p is None or p != p else float(p)
        raw = df["detail"].iloc[0]
        try:
            d = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            d = {}
        ev = [(str(k), float(v)) for k, v in d.items() if isinstance(v, int | float)]
        return prob, sorted(ev, key=lambda kv: -abs(kv[1]))

    def unsure(self, limit: int = 50) -> list[dict[str, Any]]:
        """Pairs whose latest decision is 'unsure' (out of the queue, listed for a second look)."""
        df = self.store.query_df(
            """SELECT a, b, reviewer, decided_at, note FROM (
                 SELECT least(record_uid_l, record_uid_r) AS a, greatest(record_uid_l, record_uid_r) AS b,
                        decision, reviewer, decided_at, note,
                        row_number() OVER (PARTITION BY least(record_uid_l, record_uid_r),
                                           greatest(record_uid_l, record_uid_r)
                                           ORDER BY version DESC, label_id DESC) AS rn
                 FROM pair_labels) WHERE rn = 1 AND decision = 'unsure'
               ORDER BY decided_at DESC LIMIT ?""", [limit])
        return [{"uid_l": int(r["a"]), "uid_r": int(r["b"]), "reviewer": str(r["reviewer"]),
                 "decided_at": str(r["decided_at"])[:19],
                 "note": None if r["note"] is None or r["note"] != r["note"] else str(r["note"])}
                for r in df.to_dict(orient="records")]
