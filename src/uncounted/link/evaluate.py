"""Accuracy measures, the threshold table and capture histories.

Pairwise precision/recall count record pairs placed in one cluster; B-cubed (Bagga & Baldwin
1998, "Entity-based cross-document coreferencing using the vector space model", COLING-ACL)
averages, over records, the share of a record's predicted cluster that is truly its own
(precision) and the share of its true cluster that was found (recall).  Pairwise measures are
dominated by large clusters; B-cubed weights every record equally, which is closer to what
counting people needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from uncounted.exceptions import InputError


@dataclass(frozen=True)
class Accuracy:
    """Precision, recall and F1, pairwise and B-cubed."""

    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    n_records: int
    n_pred_clusters: int
    n_true_clusters: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _pairs(counts: np.ndarray) -> float:
    c = counts.astype(np.float64)
    return float((c * (c - 1) / 2).sum())


def cluster_accuracy(predicted: Any, truth: Any) -> Accuracy:
    """Compare a predicted clustering with the truth (both: one label per record, aligned).

    Raises
    ------
    InputError
        When the two have different lengths.
    """
    pred = pd.factorize(pd.Series(np.asarray(predicted)))[0]
    true = pd.factorize(pd.Series(np.asarray(truth)))[0]
    if len(pred) != len(true):
        raise InputError(f"predicted ({len(pred)}) and truth ({len(true)}) differ in length")
    n = len(pred)
    joint = pd.DataFrame({"p": pred, "t": true}).value_counts()
    psize = np.bincount(pred)
    tsize = np.bincount(true)
    tp = _pairs(joint.to_numpy())
    pp, tt = _pairs(psize), _pairs(tsize)
    prec = tp / pp if pp else 1.0
    rec = tp / tt if tt else 1.0
    # B-cubed: for each record, |P∩T|/|P| and |P∩T|/|T|; a cell of size k contributes k times
    cells = joint.reset_index(name="k")
    k = cells["k"].to_numpy(np.float64)
    bp = float((k * k / psize[cells["p"].to_numpy()]).sum() / n)
    br = float((k * k / tsize[cells["t"].to_numpy()]).sum() / n)
    return Accuracy(prec, rec, _f1(prec, rec), bp, br, _f1(bp, br), n,
                    int(len(psize)), int(len(tsize)))


def capture_histories(sources: Any, cluster: Any, lists: list[str] | None = None) -> pd.DataFrame:
    """One 0/1 column per list and ``count``: how many clusters (people) have each pattern."""
    df = pd.DataFrame({"source": np.asarray(sources, dtype=object), "cluster": np.asarray(cluster)})
    lists = sorted(df["source"].unique().tolist()) if lists is None else list(lists)
    wide = pd.crosstab(df["cluster"], df["source"]).reindex(columns=lists, fill_value=0)
    wide = (wide > 0).astype(int)
    wide = wide[wide.sum(axis=1) > 0]
    hist = wide.value_counts().reset_index(name="count")
    hist.columns = [*lists, "count"]
    return hist.sort_values(lists, ascending=False, kind="stable").reset_index(drop=True)


def label_pairs(labels: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split labels into (match, non_match) pairs, normalised so that uid_l < uid_r.

    The latest decision per pair wins when ``decided_at`` is present; ``unsure`` is ignored.
    """
    empty = pd.DataFrame({"record_uid_l": pd.Series(dtype="int64"),
                          "record_uid_r": pd.Series(dtype="int64")})
    if labels is None or len(labels) == 0:
        return empty, empty.copy()
    need = {"record_uid_l", "record_uid_r", "decision"}
    if not need <= set(labels.columns):
        raise InputError(f"labels need the columns {sorted(need)}; got {list(labels.columns)}")
    bad = set(labels["decision"].dropna().unique()) - {"match", "non_match", "unsure"}
    if bad:
        raise InputError(f"label decisions must be 'match', 'non_match' or 'unsure'; got {sorted(bad)}")
    lab = labels.copy()
    a = lab["record_uid_l"].astype("int64")
    b = lab["record_uid_r"].astype("int64")
    lab["record_uid_l"], lab["record_uid_r"] = np.minimum(a, b), np.maximum(a, b)
    if "decided_at" in lab.columns:
        lab = lab.sort_values("decided_at", kind="stable")
    lab = lab.drop_duplicates(["record_uid_l", "record_uid_r"], keep="last")
    cols = ["record_uid_l", "record_uid_r"]
    m = lab.loc[lab["decision"] == "match", cols].reset_index(drop=True)
    nm = lab.loc[lab["decision"] == "non_match", cols].reset_index(drop=True)
    return m, nm


def expected_accuracy(p: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """The model's own expected pairwise precision, recall and F1 at ``threshold``.

    ``p`` holds the match probabilities of the scored pairs.  Precision is the mean
    probability of the pairs at or above the threshold; recall their summed probability over
    that of all scored pairs (pairs never blocked together are not counted, so it is an upper
    bound).  NaN where undefined.
    """
    total = float(p.sum())
    above = p[p >= threshold]
    prec = float(above.mean()) if len(above) else float("nan")
    rec = float(above.sum() / total) if total else float("nan")
    f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else float("nan")
    return prec, rec, f1


def threshold_table(pairs: pd.DataFrame, clusterings: dict[float, Any],
                    match_pairs: pd.DataFrame, non_match_pairs: pd.DataFrame) -> pd.DataFrame:
    """Expected and measured accuracy, and the number of clusters, per candidate threshold.

    ``expected_precision`` is the mean match probability of the pairs at or above the
    threshold; ``expected_recall`` is their summed probability over that of all pairs kept above
    the floor (pairs never blocked together are not counted, so this is an upper bound).
    ``measured_*`` use the pairs people labelled (match / non_match) and the model's pairwise
    decision (probability >= threshold; an unscored pair counts as 0), not the label-corrected
    clusters, which would agree with the labels by construction.
    """
    p = pairs["match_probability"].to_numpy(np.float64)
    if len(match_pairs) or len(non_match_pairs):
        lab = pd.concat([match_pairs.assign(truth=True), non_match_pairs.assign(truth=False)])
        lab = lab.merge(pairs[["record_uid_l", "record_uid_r", "match_probability"]],
                        on=["record_uid_l", "record_uid_r"], how="left")
        lab["match_probability"] = lab["match_probability"].fillna(0.0)
    else:
        lab = None
    rows = []
    for t in sorted(clusterings, reverse=True):
        prec, rec, _ = expected_accuracy(p, t)
        row: dict[str, Any] = {
            "threshold": t,
            "n_pairs": int((p >= t).sum()),
            "expected_precision": prec,
            "expected_recall": rec,
            "n_clusters": clusterings[t].n_clusters(),
            "n_flagged": len(clusterings[t].flags),
        }
        if lab is not None:
            pred = lab["match_probability"].to_numpy() >= t
            truth = lab["truth"].to_numpy(bool)
            tp = int((pred & truth).sum())
            row["measured_precision"] = tp / int(pred.sum()) if pred.any() else float("nan")
            row["measured_recall"] = tp / int(truth.sum()) if truth.any() else float("nan")
            row["n_labelled"] = len(lab)
        else:
            row["measured_precision"] = float("nan")
            row["measured_recall"] = float("nan")
            row["n_labelled"] = 0
        rows.append(row)
    return pd.DataFrame(rows)
