"""Clustering scored pairs into people, without chaining people who cannot be one.

Plain connected components (what Splink's ``cluster_pairwise_predictions_at_threshold`` does)
joins A and C whenever A–B and B–C are above the threshold, even when A and C cannot be the
same person.  Here clusters are built greedily from the strongest link down, like Kruskal's
algorithm with *cannot-link* constraints (Wagstaff et al. 2001, "Constrained k-means clustering
with background knowledge", ICML), so that a weak link never overrides a hard fact:

The rule
--------
1. Pairs a person labelled ``match`` are joined first, unconditionally (a person's decision
   always wins over the model and over the data rules below).
2. Scored pairs are taken in decreasing match probability (ties by record ids, so the result is
   deterministic on every engine).  A pair joins its two clusters unless some record of one
   cluster and some record of the other

   * were labelled ``non_match`` by a person (forced cut), or
   * both have a full date of birth and the two dates differ by more than a day/month swap
     or a single differing part (year, month or day) — ``dob``, or
   * have (estimated) years of birth more than ``birth_year_tolerance`` apart (an age is a
     year of birth too, given the event date) — ``birth_year``, or
   * both have a patronymic and the two differ by more than one edit (the patronymic names
     the father, and the names step reduces all its case forms and scripts to one key) —
     ``patronymic``, or
   * have given names with different first letters that share no alias (Саша and Александр
     share one; Иван and Пётр do not) — ``given_name``, or
   * come from the same list with different record ids and conflicting details (different
     sex, or estimated birth years more than 2 apart) — ``same_source``, or
   * one records a death (killed, died of wounds) and the other records the person alive
     (any other event) more than ``death_tolerance_days`` after the end of the death's date
     range — ``alive_after_death``, or
   * both record a death, more than ``death_tolerance_days`` apart — ``two_deaths``.

   On the project's generator none of these rules separates two records of one person
   (measured on 19,138 true pairs of 20,000 records) except ``given_name``, which separates
   0.2% of them (where the names step misread a given name), while ``birth_year`` separates
   19% of the pairs of *different* people who share family and given name, ``patronymic``
   11%, ``two_deaths`` 5%, and ``given_name`` 78% of the pairs of different people who share
   a family name (docs/linkage.md).

   * *weak support* (``min_support``, average linkage): when the two clusters hold more than
     two records between them, the mean match probability over all their cross pairs (pairs
     never scored count as 0) is below ``min_support``.  A strong pair alone does not chain a
     record to a cluster whose other members look like someone else (``weak_support``).

   A refused pair at or above the threshold flags both resulting clusters with the reason
   (``flagged`` column), so reviewers see where the model and the data disagree.
3. Because pairs are processed in decreasing probability, the clustering at a threshold t is
   the state of the process after every pair with probability >= t: one pass yields the
   clusters at all candidate thresholds.

Within-source duplicates (same list, different ids, no conflict) are allowed to join.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from uncounted.exceptions import LinkageError

log = logging.getLogger(__name__)

#: Pairs below this probability count as 0 in the support of a join (``min_support``).
SUPPORT_FLOOR = 0.1

#: Columns of the prepared table the conflict rules need.
CONFLICT_COLUMNS = ("unique_id", "source", "record_id", "birth_y", "birth_m", "birth_d",
                    "birth_year_est", "sex_c", "dead", "event_start", "event_end",
                    "patronymic_key", "given_init", "given_aliases")


@dataclass
class Clustering:
    """Cluster assignment of every record at one threshold."""

    threshold: float
    root: np.ndarray            # index of the cluster representative, per record
    flags: dict[int, str] = field(default_factory=dict)   # root -> reasons ("dob;same_source")

    def cluster_ids(self, uids: np.ndarray) -> np.ndarray:
        """Cluster ids ``"c<smallest record_uid>"``: stable while the cluster keeps that record."""
        s = pd.Series(uids).groupby(self.root).transform("min").to_numpy()
        return np.array([f"c{int(v)}" for v in s], dtype=object)

    def n_clusters(self) -> int:
        return int(len(np.unique(self.root)))


class _Records:
    """Per-record attributes as plain Python lists (fast scalar access in the greedy loop)."""

    def __init__(self, table: pd.DataFrame, death_tolerance_days: int, dob: bool,
                 birth_year_tolerance: int = 4) -> None:
        def ints(col: str) -> list[int | None]:
            v = pd.to_numeric(table[col], errors="coerce")
            return [None if pd.isna(x) else int(x) for x in v.tolist()]

        self.by = ints("birth_y")
        self.bm = ints("birth_m")
        self.bd = ints("birth_d")
        self.ye = ints("birth_year_est")
        self.es = ints("event_start")
        self.ee = ints("event_end")
        self.src = pd.factorize(table["source"])[0].tolist()
        self.rid = table["record_id"].astype(str).tolist()
        sex = table["sex_c"].astype(object).tolist()
        self.sex = [s if s in ("M", "F") else None for s in sex]
        self.dead = [bool(x) for x in table["dead"].fillna(False).tolist()]
        self.tol = int(death_tolerance_days)
        self.dob = dob
        self.by_tol = int(birth_year_tolerance)
        pat = table["patronymic_key"].astype(object).tolist() if "patronymic_key" in table else [None] * len(table)
        self.pat = [p if isinstance(p, str) and p else None for p in pat]
        gi = table["given_init"].astype(object).tolist() if "given_init" in table else [None] * len(table)
        self.gi = [g if isinstance(g, str) and g else None for g in gi]
        al = table["given_aliases"].tolist() if "given_aliases" in table else [None] * len(table)
        self.alias = [frozenset(a) if a is not None and len(a) else frozenset() for a in al]

    def conflict(self, i: int, j: int) -> str | None:
        """Why records i and j cannot be one person (None if they can)."""
        if self.dob:
            di, dj = self.bd[i], self.bd[j]
            if di is not None and dj is not None:
                yi, yj, mi, mj = self.by[i], self.by[j], self.bm[i], self.bm[j]
                same = (yi == yj) + (mi == mj) + (di == dj)
                swapped = yi == yj and mi == dj and di == mj
                if same < 2 and not swapped:
                    return "dob"
        yi, yj = self.ye[i], self.ye[j]
        if yi is not None and yj is not None and abs(yi - yj) > self.by_tol:
            return "birth_year"
        pi, pj = self.pat[i], self.pat[j]
        if pi is not None and pj is not None and pi != pj and not _within_one_edit(pi, pj):
            return "patronymic"
        gi, gj = self.gi[i], self.gi[j]
        if gi is not None and gj is not None and gi != gj and self.alias[i].isdisjoint(self.alias[j]):
            return "given_name"
        if self.src[i] == self.src[j] and self.rid[i] != self.rid[j]:
            si, sj = self.sex[i], self.sex[j]
            if si is not None and sj is not None and si != sj:
                return "same_source"
            yi, yj = self.ye[i], self.ye[j]
            if yi is not None and yj is not None and abs(yi - yj) > 2:
                return "same_source"
        for a, b in ((i, j), (j, i)):
            ea, sb = self.ee[a], self.es[b]
            if self.dead[a] and ea is not None and sb is not None and sb > ea + self.tol:
                return "two_deaths" if self.dead[b] else "alive_after_death"
        return None


def _within_one_edit(a: str, b: str) -> bool:
    """True if ``a`` and ``b`` differ by at most one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]


@njit(cache=True, nogil=True)
def _cross_weight(indptr: np.ndarray, nbr: np.ndarray, nbw: np.ndarray, owner: np.ndarray,
                  members: np.ndarray, other: int) -> float:  # pragma: no cover - jitted
    """Sum of the support-graph weights between ``members`` and the cluster rooted at ``other``."""
    tot = 0.0
    for i in members:
        for k in range(indptr[i], indptr[i + 1]):
            if owner[nbr[k]] == other:
                tot += nbw[k]
    return tot


class _RowLookup:
    """Row of a record uid in the table (uids sorted once, looked up by binary search)."""

    def __init__(self, uids: np.ndarray) -> None:
        self.uids = uids
        self.order = np.argsort(uids, kind="stable")
        self.sorted = uids[self.order]

    def find(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of ``values`` and whether each was found (rows of missing values are junk)."""
        at = np.searchsorted(self.sorted, values)
        at[at >= len(self.sorted)] = 0
        if not len(self.sorted):
            return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
        rows = self.order[at]
        return rows, self.uids[rows] == values

    def rows(self, values: np.ndarray) -> np.ndarray:
        """Rows of ``values``; every value must be in the table."""
        rows, found = self.find(values)
        if not found.all():
            raise LinkageError(f"a scored pair names record {int(values[~found][0])}, "
                               "which is not in the records being clustered")
        return rows


def constrained_clusters(table: pd.DataFrame, pairs: pd.DataFrame, thresholds: Any, *,
                         match_pairs: pd.DataFrame | None = None,
                         non_match_pairs: pd.DataFrame | None = None,
                         respect_conflicts: bool = True, death_tolerance_days: int = 14,
                         dob_conflicts: bool = True,
                         birth_year_tolerance: int = 4,
                         min_support: float = 0.0) -> dict[float, Clustering]:
    """Cluster records at each threshold (see the module docstring for the rule).

    Parameters
    ----------
    table:
        Prepared records (:data:`CONFLICT_COLUMNS`), one row per record.
    pairs:
        Scored pairs ``record_uid_l, record_uid_r, match_probability``.
    thresholds:
        Candidate thresholds (any order).
    match_pairs, non_match_pairs:
        Pairs (``record_uid_l, record_uid_r``) a person labelled match / non-match.
    min_support:
        Two clusters with more than two records between them join only when the mean match
        probability over all their cross pairs (a pair below :data:`SUPPORT_FLOOR`, or never
        scored, counts as 0) is at least this (average linkage).  0 turns the check off.

    Returns
    -------
    dict
        threshold -> :class:`Clustering`.
    """
    n = len(table)
    uids = table["unique_id"].to_numpy(dtype="int64")
    lookup = _RowLookup(uids)
    recs = _Records(table, death_tolerance_days, dob_conflicts, birth_year_tolerance)
    parent = list(range(n))
    members: dict[int, list[int]] = {}
    forbid: dict[int, set[int]] = {}
    flags: dict[int, set[str]] = {}
    support = min_support > 0
    owner = np.arange(n, dtype=np.int64)  # cluster root of every record (kept for the support)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def mem(r: int) -> list[int]:
        return members.get(r) or [r]

    def union(ra: int, rb: int) -> int:
        ma, mb = mem(ra), mem(rb)
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        parent[rb] = ra
        if support:
            owner[mb] = ra
        members[ra] = ma + mb
        members.pop(rb, None)
        if rb in forbid:
            forbid.setdefault(ra, set()).update(forbid.pop(rb))
        if rb in flags:
            flags.setdefault(ra, set()).update(flags.pop(rb))
        return ra

    def idx(df: pd.DataFrame | None) -> list[tuple[int, int]]:
        if df is None or len(df) == 0:
            return []
        rl, found_l = lookup.find(df["record_uid_l"].to_numpy(np.int64))
        rr, found_r = lookup.find(df["record_uid_r"].to_numpy(np.int64))
        ok = found_l & found_r
        return list(zip(rl[ok].tolist(), rr[ok].tolist(), strict=True))

    for a, b in idx(non_match_pairs):
        forbid.setdefault(a, set()).add(b)
        forbid.setdefault(b, set()).add(a)
    for a, b in idx(match_pairs):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        contradiction = bool(forbid.get(ra, set()) & set(mem(rb)))
        r = union(ra, rb)
        if contradiction:
            flags.setdefault(r, set()).add("label_contradiction")

    ths = sorted({float(t) for t in thresholds}, reverse=True)
    lowest = ths[-1]
    # plain arrays of the pairs that matter, three columns only: a million records keep tens
    # of millions of scored pairs, and each pandas copy of the pairs frame (filter, sort) or
    # Python dict of them cost gigabytes
    prob_all = pairs["match_probability"].to_numpy(np.float64)
    sel = np.flatnonzero(prob_all >= (min(lowest, SUPPORT_FLOOR) if support else lowest))
    prob = prob_all[sel]
    pl = lookup.rows(pairs["record_uid_l"].to_numpy(np.int64)[sel])
    pr = lookup.rows(pairs["record_uid_r"].to_numpy(np.int64)[sel])
    del sel, prob_all
    keep = np.flatnonzero(prob >= lowest)
    # decreasing probability, ties by record ids (the same order on every engine)
    order = keep[np.lexsort((uids[pr[keep]], uids[pl[keep]], -prob[keep]))]
    el = pl[order].tolist()
    er = pr[order].tolist()
    ep = prob[order].tolist()
    del keep, order
    # support graph (pairs at or above SUPPORT_FLOOR, whatever the thresholds asked for, so
    # that every caller gets the same clusters at the same threshold) in compressed rows, and
    # the cluster root of every record, for the average-linkage sum in numba
    indptr: np.ndarray = np.zeros(1, dtype=np.int64)
    nbr: np.ndarray = np.zeros(0, dtype=np.int64)
    nbw: np.ndarray = np.zeros(0)
    if support:
        s_ = np.flatnonzero(prob >= SUPPORT_FLOOR)
        src = np.concatenate([pl[s_], pr[s_]])
        srt = np.argsort(src, kind="stable")
        nbr = np.concatenate([pr[s_], pl[s_]])[srt]
        nbw = np.concatenate([prob[s_], prob[s_]])[srt]
        indptr = np.searchsorted(src[srt], np.arange(n + 1))
        del s_, src, srt
    del prob, pl, pr

    out: dict[float, Clustering] = {}

    def snapshot(t: float) -> None:
        # path-halving on the whole array at once: follow parents until every entry is a root
        root = np.asarray(parent, dtype=np.int64)
        while True:
            nxt = root[root]
            if np.array_equal(nxt, root):
                break
            root = nxt
        fl = {r: ";".join(sorted(v)) for r, v in flags.items() if v}
        out[t] = Clustering(threshold=t, root=root, flags=fl)

    ti = 0
    n_refused = 0
    refused: set[tuple[int, int, int, int]] = set()
    for a, b, prob in zip(el, er, ep, strict=True):
        while ti < len(ths) and prob < ths[ti]:
            snapshot(ths[ti])
            ti += 1
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        ma, mb = mem(ra), mem(rb)
        # a refusal stands while neither cluster has changed (clusters only grow)
        state = (ra, len(ma), rb, len(mb)) if ra < rb else (rb, len(mb), ra, len(ma))
        if state in refused:
            continue
        reason = None
        fa, fb = forbid.get(ra), forbid.get(rb)
        if (fa and not fa.isdisjoint(mb)) or (fb and not fb.isdisjoint(ma)):
            reason = "label_non_match"
        elif respect_conflicts:
            for i in ma:
                for j in mb:
                    reason = recs.conflict(i, j)
                    if reason:
                        break
                if reason:
                    break
        if reason is None and support and len(ma) * len(mb) > 1:
            small, other = (ma, rb) if len(ma) <= len(mb) else (mb, ra)
            tot = _cross_weight(indptr, nbr, nbw, owner, np.asarray(small, dtype=np.int64), other)
            if tot < min_support * len(ma) * len(mb):
                reason = "weak_support"
        if reason is None:
            union(ra, rb)
        else:
            n_refused += 1
            refused.add(state)
            if reason != "label_non_match":  # a person's cut is a decision, not a doubt
                flags.setdefault(ra, set()).add(reason)
                flags.setdefault(rb, set()).add(reason)
    while ti < len(ths):
        snapshot(ths[ti])
        ti += 1
    log.info("clustered %d records with %d pairs; %d joins refused", n, len(el), n_refused)
    return out
