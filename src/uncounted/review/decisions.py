"""Reviewers' decisions written to the store, and the clusters made to follow them.

Every write here is one store transaction holding the label(s), the audit entry and the
updated clusters, so a decision is never half-applied and never lost.

Concurrency (two reviewers, one pair)
-------------------------------------
Optimistic concurrency control (Kung and Robinson 1981, "On optimistic methods for concurrency
control"): a pair's *version* is the number of decisions on it.  A decision form carries the
version its reviewer saw; if the pair has moved on, the write is refused with
:class:`PairConflict`, which carries the decisions the reviewer did not see.  Confirming then
writes a new decision over them (``overrides_label_id``); both stay in ``pair_labels`` and the
latest wins, as everywhere in uncounted.

Clusters follow at once
-----------------------
Re-running Splink after each click would take minutes.  Instead the records of the clusters a
decision touches are re-clustered locally with the linkage step's own rule
(:func:`uncounted.link.cluster.constrained_clusters`: a person's match is joined first, a
person's non-match is never joined, then the run's scored pairs in decreasing probability at the
run's threshold, with its conflict rules).  Restricted to one cluster, that greedy pass
reproduces the cluster exactly when no label changed (every join inside a final cluster only
involves its own records), so only the decision's effect is applied.  What a local pass cannot
see (a record split off that would now join a third cluster) is left for the next full
``uncounted link``; the run is marked ``edited_by_review`` so that the dashboard says a relink
is due, and :func:`uncounted.link.link_store` reruns anyway because the labels changed.

Splits and merges are stored as labels too (origin ``'split'`` / ``'merge'``), so a full relink
reproduces them: a split writes non-match labels between the records moved out and those left
and match labels chaining each side; a merge writes match labels chaining all records.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from uncounted.exceptions import ConflictError, InputError
from uncounted.store import Store, now

log = logging.getLogger(__name__)

Decision = Literal["match", "non_match", "unsure"]
DECISIONS: tuple[str, ...] = ("match", "non_match", "unsure")
MAX_NOTE = 2000
#: Largest set of records re-clustered locally in one write (beyond it: relink later).
MAX_LOCAL = 5000


class PairConflict(ConflictError):
    """The pair was decided by someone else since the form was loaded."""

    def __init__(self, uid_l: int, uid_r: int, current_version: int, newer: list[dict[str, Any]]) -> None:
        who = ", ".join(f"{d['reviewer']} ({d['decision']})" for d in newer) or "someone"
        super().__init__(f"pair {uid_l}-{uid_r} was decided by {who} since you opened it "
                         f"(version {current_version}); review their decision and confirm yours "
                         "to override it")
        self.uid_l = uid_l
        self.uid_r = uid_r
        self.current_version = current_version
        self.newer = newer


@dataclass(frozen=True)
class DecisionOutcome:
    """What one write did."""

    label_ids: tuple[int, ...]
    version: int
    clusters_changed: tuple[str, ...] = ()
    audit_seq: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def ordered(a: int, b: int) -> tuple[int, int]:
    a, b = int(a), int(b)
    if a == b:
        raise InputError(f"a pair needs two different records; got {a} twice")
    return (a, b) if a < b else (b, a)


def pair_history(store: Store, uid_l: int, uid_r: int) -> list[dict[str, Any]]:
    """Every decision on a pair, oldest first."""
    a, b = ordered(uid_l, uid_r)
    df = store.query_df(
        "SELECT label_id, decision, reviewer, note, decided_at, version, origin, seen_version, "
        "overrides_label_id, reason FROM pair_labels WHERE least(record_uid_l, record_uid_r) = ? "
        "AND greatest(record_uid_l, record_uid_r) = ? ORDER BY version, label_id", [a, b])
    return _records(df)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in df.to_dict(orient="records"):
        out.append({str(k): (None if _isnull(v) else v) for k, v in r.items()})
    return out


def _isnull(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def pair_version(con: Any, a: int, b: int) -> int:
    row = con.execute(
        "SELECT coalesce(max(version), 0) FROM pair_labels WHERE least(record_uid_l, record_uid_r) = ? "
        "AND greatest(record_uid_l, record_uid_r) = ?", [a, b]).fetchone()
    return int(row[0]) if row else 0


def _check_records(con: Any, uids: list[int]) -> None:
    uniq = sorted(set(uids))
    found = {int(r[0]) for r in con.execute(
        f"SELECT record_uid FROM records WHERE active AND record_uid IN ({','.join('?' * len(uniq))})",
        uniq).fetchall()}
    missing = [u for u in uniq if u not in found]
    if missing:
        raise InputError(f"no active record with uid {missing[:5]}")


def _insert_label(store: Store, con: Any, a: int, b: int, decision: str, reviewer: str, note: str | None,
                  version: int, origin: str, seen: int | None, overrides: int | None,
                  reason: str | None) -> int:
    lid = store.next_id("seq_label")
    con.execute(
        "INSERT INTO pair_labels (label_id, record_uid_l, record_uid_r, decision, reviewer, note, "
        "decided_at, version, origin, seen_version, overrides_label_id, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [lid, a, b, decision, reviewer, note, now(), version, origin, seen, overrides, reason])
    return int(lid)


def decide_pair(store: Store, uid_l: int, uid_r: int, decision: str, reviewer: str, *,
                seen_version: int, note: str | None = None, overrides_label_id: int | None = None,
                apply: bool = True) -> DecisionOutcome:
    """Store one reviewer's decision on a pair (optimistic concurrency), audit it, update clusters.

    Parameters
    ----------
    seen_version:
        The pair's version when the reviewer loaded it (0 = undecided).
    overrides_label_id:
        Set when the reviewer confirmed over a decision shown on a conflict page.
    apply:
        Re-cluster the affected records now (see the module docstring).

    Raises
    ------
    PairConflict
        The pair's version is no longer ``seen_version``.
    InputError
        Unknown decision, records or note too long.
    """
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}; got {decision!r}")
    a, b = ordered(uid_l, uid_r)
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InputError(f"a note may have at most {MAX_NOTE} characters; got {len(note)}")
    if seen_version < 0:
        raise InputError(f"version must be >= 0; got {seen_version}")
    with store.transaction() as con:
        _check_records(con, [a, b])
        cur = pair_version(con, a, b)
        if cur != seen_version:
            newer = [h for h in _records(con.execute(
                "SELECT label_id, decision, reviewer, note, decided_at, version, origin FROM pair_labels "
                "WHERE least(record_uid_l, record_uid_r) = ? AND greatest(record_uid_l, record_uid_r) = ? "
                "AND version > ? ORDER BY version", [a, b, seen_version]).df())]
            raise PairConflict(a, b, cur, newer)
        lid = _insert_label(store, con, a, b, decision, reviewer, note, cur + 1, "review",
                            seen_version, overrides_label_id, None)
        changed = apply_labels(store, [a, b]) if apply and decision != "unsure" else ()
        seq = store.audit("review.decide", f"pair:{a}-{b}", {
            "label_id": lid, "decision": decision, "version": cur + 1, "seen_version": seen_version,
            "overrides_label_id": overrides_label_id, "note": note is not None,
            "clusters_changed": list(changed)}, actor=reviewer)
    return DecisionOutcome((lid,), cur + 1, tuple(changed), seq)


def cluster_members(store: Store, cluster_id: str) -> list[int]:
    run = current_run_id(store)
    if run is None:
        raise InputError("the project has no linkage run yet; run `uncounted link` first")
    df = store.query_df("SELECT c.record_uid FROM clusters c JOIN records r USING (record_uid) "
                        "WHERE c.run_id = ? AND c.cluster_id = ? AND r.active ORDER BY c.record_uid",
                        [run, cluster_id])
    return [int(x) for x in df["record_uid"]]


def current_run_id(store: Store) -> int | None:
    v = store.scalar("SELECT run_id FROM link_runs WHERE current AND status = 'done' "
                     "ORDER BY run_id DESC LIMIT 1")
    return None if v is None else int(v)


def _chain(uids: list[int]) -> list[tuple[int, int]]:
    s = sorted(uids)
    return [(s[i], s[i + 1]) for i in range(len(s) - 1)]


def _reason(reason: str) -> str:
    r = (reason or "").strip()
    if not r:
        raise InputError("give a reason: it is kept with the labels and in the audit log")
    if len(r) > MAX_NOTE:
        raise InputError(f"a reason may have at most {MAX_NOTE} characters; got {len(r)}")
    return r


def split_cluster(store: Store, cluster_id: str, move_out: list[int], reviewer: str, reason: str, *,
                  max_records: int = 200) -> DecisionOutcome:
    """Move ``move_out`` records out of a cluster into a person of their own, with a reason.

    Stores non-match labels between every moved and every remaining record and match labels
    chaining each side (origin ``'split'``), then re-clusters those records.
    """
    reason = _reason(reason)
    with store.transaction() as con:
        members = cluster_members(store, cluster_id)
        if not members:
            raise InputError(f"no cluster {cluster_id!r} in the current linkage run")
        if len(members) > max_records:
            raise InputError(f"cluster {cluster_id} has {len(members)} records; split accepts at most "
                             f"{max_records} (setting max_cluster_edit)")
        out = sorted({int(u) for u in move_out})
        stray = [u for u in out if u not in members]
        if stray:
            raise InputError(f"records {stray[:5]} are not in cluster {cluster_id}")
        stay = [u for u in members if u not in out]
        if not out or not stay:
            raise InputError("choose at least one record to move out and leave at least one")
        pairs = ([(*ordered(x, y), "non_match") for x in out for y in stay]
                 + [(*p, "match") for p in _chain(out)] + [(*p, "match") for p in _chain(stay)])
        ids = [_label_over(store, con, a, b, d, reviewer, "split", reason) for a, b, d in pairs]
        changed = apply_labels(store, members)
        seq = store.audit("review.split", f"cluster:{cluster_id}", {
            "moved_out": out, "kept": stay, "reason": reason, "label_ids": [ids[0], ids[-1]],
            "n_labels": len(ids), "clusters_changed": list(changed)}, actor=reviewer)
    return DecisionOutcome(tuple(ids), 0, tuple(changed), seq)


def merge_clusters(store: Store, cluster_a: str, cluster_b: str, reviewer: str, reason: str, *,
                   max_records: int = 200) -> DecisionOutcome:
    """Merge two clusters into one person, with a reason (match labels chaining all records)."""
    reason = _reason(reason)
    if cluster_a == cluster_b:
        raise InputError("choose two different clusters to merge")
    with store.transaction() as con:
        ma, mb = cluster_members(store, cluster_a), cluster_members(store, cluster_b)
        for cid, m in ((cluster_a, ma), (cluster_b, mb)):
            if not m:
                raise InputError(f"no cluster {cid!r} in the current linkage run")
        if len(ma) + len(mb) > max_records:
            raise InputError(f"the merged cluster would have {len(ma) + len(mb)} records; merge accepts "
                             f"at most {max_records} (setting max_cluster_edit)")
        ids = [_label_over(store, con, a, b, "match", reviewer, "merge", reason)
               for a, b in _chain(ma + mb)]
        changed = apply_labels(store, ma + mb, prefer=cluster_a)
        seq = store.audit("review.merge", f"cluster:{cluster_a}+{cluster_b}", {
            "clusters": [cluster_a, cluster_b], "records": sorted(ma + mb), "reason": reason,
            "label_ids": [ids[0], ids[-1]], "n_labels": len(ids),
            "clusters_changed": list(changed)}, actor=reviewer)
    return DecisionOutcome(tuple(ids), 0, tuple(changed), seq)


def _label_over(store: Store, con: Any, a: int, b: int, decision: str, reviewer: str, origin: str,
                reason: str) -> int:
    """A split/merge label: a new version over whatever the pair had (the reviewer chose it)."""
    cur = pair_version(con, a, b)
    last = con.execute(
        "SELECT label_id, decision FROM pair_labels WHERE least(record_uid_l, record_uid_r) = ? AND "
        "greatest(record_uid_l, record_uid_r) = ? ORDER BY version DESC, label_id DESC LIMIT 1",
        [a, b]).fetchone()
    overrides = int(last[0]) if last is not None and last[1] != decision else None
    return _insert_label(store, con, a, b, decision, reviewer, None, cur + 1, origin, cur, overrides,
                         reason)


# -- clusters follow the labels ----------------------------------------------------------------
def apply_labels(store: Store, uids: list[int], *, prefer: str | None = None) -> tuple[str, ...]:
    """Re-cluster the clusters holding ``uids`` under all labels; return the changed cluster ids.

    Runs inside the caller's transaction.  Cluster ids are kept where a cluster survives (the
    new group that holds most of an old cluster keeps its id; ``prefer`` wins ties on a merge);
    new groups get ``c<smallest record_uid>`` (suffixed if that id is taken).
    """
    from uncounted.link.cluster import CONFLICT_COLUMNS, constrained_clusters
    from uncounted.link.evaluate import label_pairs
    from uncounted.link.persist import RECORD_COLUMNS, run_cluster_settings
    from uncounted.link.prepare import prepare_records

    run = current_run_id(store)
    if run is None:
        return ()
    with store.transaction() as con:
        uid_list = sorted({int(u) for u in uids})
        marks = ",".join("?" * len(uid_list))
        old = con.execute(
            f"""SELECT c.record_uid, c.cluster_id FROM clusters c JOIN records r USING (record_uid)
                WHERE c.run_id = ? AND r.active AND c.cluster_id IN (
                  SELECT cluster_id FROM clusters WHERE run_id = ? AND record_uid IN ({marks}))""",
            [run, run, *uid_list]).df()
        if old.empty:
            return ()
        members = sorted(int(u) for u in old["record_uid"])
        if len(members) > MAX_LOCAL:
            log.warning("%d records to re-cluster: left for the next full relink", len(members))
            _mark_edited(con, run)
            return ()
        con.register("_rv_members", pd.DataFrame({"record_uid": members}))
        try:
            recs = con.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records "
                               "WHERE record_uid IN (SELECT record_uid FROM _rv_members) "
                               "ORDER BY record_uid").df()
            pairs = con.execute(
                "SELECT record_uid_l, record_uid_r, match_probability FROM link_pairs WHERE run_id = ? "
                "AND record_uid_l IN (SELECT record_uid FROM _rv_members) "
                "AND record_uid_r IN (SELECT record_uid FROM _rv_members)", [run]).df()
            labels = con.execute(
                "SELECT record_uid_l, record_uid_r, decision, version, label_id FROM pair_labels "
                "WHERE record_uid_l IN (SELECT record_uid FROM _rv_members) "
                "AND record_uid_r IN (SELECT record_uid FROM _rv_members)").df()
        finally:
            con.unregister("_rv_members")
        if not labels.empty:
            # the latest per pair by version (a counter under the store lock, unlike clocks)
            labels = labels.sort_values(["version", "label_id"]).assign(
                decided_at=lambda d: range(len(d)))
        m, nm = label_pairs(labels if not labels.empty else None)
        st = run_cluster_settings(store, run)
        thr = st.pop("threshold")
        table = _prepared(store, recs, prepare_records, list(CONFLICT_COLUMNS))
        pairs = pairs.astype({"record_uid_l": "int64", "record_uid_r": "int64",
                              "match_probability": "float64"})
        cl = constrained_clusters(table, pairs, [thr], match_pairs=m, non_match_pairs=nm,
                                  **st)[thr]
        uids_arr = table["unique_id"].to_numpy(dtype="int64")
        groups: dict[int, list[int]] = {}
        for u, root in zip(uids_arr.tolist(), cl.root.tolist(), strict=True):
            groups.setdefault(int(root), []).append(int(u))
        old_of = dict(zip(old["record_uid"].astype(int), old["cluster_id"].astype(str), strict=True))
        old_sets: dict[str, set[int]] = {}
        for u, c in old_of.items():
            old_sets.setdefault(c, set()).add(u)
        taken_elsewhere = {str(r[0]) for r in con.execute(
            "SELECT DISTINCT cluster_id FROM clusters WHERE run_id = ? AND cluster_id IN (SELECT unnest(?))",
            [run, [f"c{min(g)}" for g in groups.values()]]).fetchall()} - set(old_sets)
        new_id: dict[int, str] = {}
        used: set[str] = set()
        order = sorted(groups, key=lambda r: (-len(groups[r]), min(groups[r])))
        for root in order:
            g = set(groups[root])
            best = sorted(old_sets, key=lambda c: (c != prefer, -len(old_sets[c] & g), c))
            cid = next((c for c in best if old_sets[c] & g and c not in used), None)
            if cid is None:
                cid = f"c{min(g)}"
                k = 1
                while cid in used or cid in taken_elsewhere or cid in old_sets:
                    cid = f"c{min(g)}-{k}"
                    k += 1
            used.add(cid)
            new_id[root] = cid
        flags = {root: cl.flags.get(root) for root in groups}
        rows = pd.DataFrame({"record_uid": uids_arr,
                             "cluster_id": [new_id[int(r)] for r in cl.root.tolist()],
                             "flagged": [flags[int(r)] for r in cl.root.tolist()]})
        changed = sorted({c for u, c in zip(rows["record_uid"], rows["cluster_id"], strict=True)
                          if old_of.get(int(u)) != c} | {old_of[int(u)] for u, c in
                                                          zip(rows["record_uid"], rows["cluster_id"],
                                                              strict=True) if old_of.get(int(u)) != c})
        if changed:
            con.register("_rv_new", rows)
            try:
                con.execute("UPDATE clusters SET cluster_id = n.cluster_id, flagged = n.flagged "
                            "FROM _rv_new n WHERE clusters.run_id = ? AND clusters.record_uid = n.record_uid",
                            [run])
            finally:
                con.unregister("_rv_new")
            n = con.execute("SELECT count(DISTINCT cluster_id) FROM clusters WHERE run_id = ?",
                            [run]).fetchone()
            con.execute("UPDATE link_runs SET n_clusters = ? WHERE run_id = ?", [int(n[0]) if n else 0, run])
        _mark_edited(con, run)
        return tuple(changed)


_PREP_LOCK = threading.Lock()
_PREP_CACHE: dict[tuple[str, int], dict[str, Any]] = {}


def _prepared(store: Store, recs: pd.DataFrame, prepare: Any, columns: list[str]) -> pd.DataFrame:
    """The linkage's prepared columns for ``recs``, cached per record.

    A ``record_uid`` names one immutable version of a record (a correction gets a new uid), so
    its prepared row never changes; caching it spares re-deriving name keys on every click.
    """
    key = str(store.path)
    with _PREP_LOCK:
        missing = [i for i, u in enumerate(recs["record_uid"].astype(int)) if (key, u) not in _PREP_CACHE]
    if missing:
        fresh = prepare(recs.iloc[missing].reset_index(drop=True))[columns]
        rows = fresh.to_dict(orient="records")
        with _PREP_LOCK:
            for r in rows:
                _PREP_CACHE[(key, int(r["unique_id"]))] = r
    with _PREP_LOCK:
        rows = [_PREP_CACHE[(key, int(u))] for u in recs["record_uid"]]
    return pd.DataFrame(rows, columns=columns)


def warm_prepared(store: Store, *, max_records: int = 200_000) -> int:
    """Prepare every active record once (vectorised), so the first decisions are fast.

    Run in a background thread by the app at start; skipped above ``max_records``.
    Returns the number of records prepared.
    """
    from uncounted.link.cluster import CONFLICT_COLUMNS
    from uncounted.link.persist import RECORD_COLUMNS
    from uncounted.link.prepare import prepare_records

    n = int(store.scalar("SELECT count(*) FROM records WHERE active") or 0)
    if n == 0 or n > max_records:
        return 0
    recs = store.query_df(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records WHERE active ORDER BY record_uid")
    _prepared(store, recs, prepare_records, list(CONFLICT_COLUMNS))
    log.info("prepared %d records for local re-clustering", n)
    return n


def _mark_edited(con: Any, run: int) -> None:
    con.execute("UPDATE link_runs SET edited_by_review = TRUE, review_edits = coalesce(review_edits, 0) + 1 "
                "WHERE run_id = ?", [run])
