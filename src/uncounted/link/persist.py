"""Linkage runs in the project store: save, load, and rerun only what changed.

A run is written in one transaction (``link_runs``, ``link_pairs``, ``clusters`` and an audit
entry), so a crash leaves the previous run current.  A run records fingerprints of what it was
computed from (the set of active record uids, the latest label per pair, the settings and the
model's code version), which lets :func:`link_store` decide:

* nothing changed -> no new run, the current one stands;
* the record set only grew (no record removed or superseded) and the model settings are the
  same -> the stored trained parameters are reused (no training), pairs are re-predicted and
  clusters rebuilt;
* otherwise -> train afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from uncounted.exceptions import LinkageError
from uncounted.link import model as _model
from uncounted.link.api import Engine, Progress, link_records
from uncounted.link.result import LinkResult
from uncounted.link.settings import LinkSettings

log = logging.getLogger(__name__)

#: Version of the model's structure (comparisons, blocking, derived columns).  Bump it when
#: :mod:`uncounted.link.model` or :mod:`uncounted.link.prepare` change what a stored model means.
MODEL_CODE_VERSION = "17"  # 4: five more blocking rules for damaged records; 5: full-name
# frequency; 6: EM on rare names; 7: event levels "within 1 day", "alive, then dead within 14
# days"; 8: given-name levels for initials split from full names that differ; 9: the names
# step reads Latin ŭ as ў (u), so keys of Belarusian national-romanization names changed;
# 10: place level "same town (stem)"; 11: event level "hospital date after the event"
# (event_lag, from LinkSettings.date_lags); 12: "hospital date up to two weeks after";
# 13: blocking of surname-only records; unit level "same unit (number and name, learned)"
# and a floor under the unit's "else" m; "alive, then dead within 14 days" ahead of "within
# 1 day" and "within 3 days"; 14: birth level "possible days of birth overlap" (birth_lo,
# birth_hi); 15: event level "event dates overlap, one record dead" split from "overlap";
# 16: birth levels for undated ages (age_lo, age_hi) and rounded ages (age_round), the
# "list" comparison (same list or not), blocking on the family prefix and the event day;
# 17: blocking on the given name and the family initial

RECORD_COLUMNS = (
    "record_uid", "source", "record_id", "name_raw", "family_name", "given_name", "patronymic",
    "sex", "birth_date", "birth_year", "birth_month", "birth_precision", "age", "age_date",
    "event_type", "event_date", "event_date_end", "event_date_precision", "place", "unit",
    "home_region",
)


def _sha(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def records_fingerprint(uids: Any) -> str:
    """SHA-256 of the sorted record uids (a changed record has a new uid)."""
    arr = np.sort(np.asarray(uids, dtype=np.int64))
    return hashlib.sha256(arr.tobytes()).hexdigest()


def labels_fingerprint(match_pairs: pd.DataFrame, non_match_pairs: pd.DataFrame) -> str:
    rows = sorted(
        [(int(a), int(b), "m") for a, b in match_pairs[["record_uid_l", "record_uid_r"]].itertuples(index=False)]
        + [(int(a), int(b), "n") for a, b in non_match_pairs[["record_uid_l", "record_uid_r"]].itertuples(index=False)]
    )
    return _sha(rows)


def model_fingerprint(settings: LinkSettings, engine: str) -> str:
    return _sha([settings.model_fingerprint(), MODEL_CODE_VERSION, _model.splink_version(), engine])


def save_link_result(store: Any, result: LinkResult, actor: str) -> int:
    """Write ``result`` as the project's current linkage run; return its ``run_id``.

    One transaction: the run row (model JSON, Splink version, threshold and threshold table,
    fingerprints), every scored pair (with its partial match weights per comparison as JSON), the clusters at the
    default threshold with their flags, and an audit entry ``link``.
    """
    s = result.settings
    started = result.started_at or _now()
    pairs = result.pairs
    parts = [c for c in pairs.columns if c.startswith("mw_")]
    n_clusters = int(result.clusters["cluster_id"].nunique())
    uids = result.records["unique_id"].to_numpy()
    with store.transaction() as con:
        run_id = store.next_id("seq_link_run")
        con.execute("UPDATE link_runs SET current = FALSE WHERE current")
        con.execute(
            """INSERT INTO link_runs (run_id, started_at, finished_at, engine, splink_version,
                   threshold, model_json, threshold_table, n_records, n_pairs, n_clusters, status,
                   current, records_sha256, labels_sha256, settings_json, model_fingerprint,
                   model_reused, actor)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'done', TRUE, ?, ?, ?, ?, ?, ?)""",
            [run_id, started, _now(), result.engine, result.splink_version, result.threshold,
             json.dumps(result.model_json), result.threshold_table.to_json(orient="records"),
             len(uids), len(pairs), n_clusters, records_fingerprint(uids),
             labels_fingerprint(result.match_pairs, result.non_match_pairs),
             json.dumps(s.to_dict(), default=str), model_fingerprint(s, result.engine),
             result.model_reused, actor])
        con.register("_uncounted_pairs", pairs)
        detail = ("to_json(struct_pack(" + ", ".join(f"{g[3:]} := round({g}, 4)" for g in parts)
                  + "))" if parts else "NULL")
        con.execute(
            f"""INSERT INTO link_pairs SELECT ?, record_uid_l, record_uid_r, match_weight,
                    match_probability, {detail} FROM _uncounted_pairs""", [run_id])
        con.unregister("_uncounted_pairs")
        cl = result.clusters[["record_uid", "cluster_id", "flagged"]]
        con.register("_uncounted_clusters", cl)
        con.execute("INSERT INTO clusters SELECT ?, record_uid, cluster_id, flagged "
                    "FROM _uncounted_clusters", [run_id])
        con.unregister("_uncounted_clusters")
        store.audit("link", f"link_run:{run_id}", {
            "run_id": run_id, "engine": result.engine, "threshold": result.threshold,
            "n_records": len(uids), "n_pairs": len(pairs), "n_clusters": n_clusters,
            "n_flagged_clusters": int(result.clusters.loc[result.clusters["flagged"].notna(),
                                                          "cluster_id"].nunique()),
            "model_reused": result.model_reused, "splink_version": result.splink_version,
        }, actor=actor)
    log.info("saved link run %d: %d records, %d clusters", run_id, len(uids), n_clusters)
    return int(run_id)


def _now() -> Any:
    from uncounted.store.db import now

    return now()


def current_run(store: Any) -> dict[str, Any] | None:
    """The current linkage run's row as a dict (``model_json`` parsed), or None."""
    df = store.query_df("SELECT * FROM link_runs WHERE current ORDER BY run_id DESC LIMIT 1")
    if len(df) == 0:
        return None
    row = df.iloc[0].to_dict()
    for k in ("model_json", "threshold_table", "settings_json"):
        if isinstance(row.get(k), str):
            row[k] = json.loads(row[k])
    return row


def run_cluster_settings(store: Any, run_id: int) -> dict[str, Any]:
    """The clustering settings a stored run used: ``threshold`` and the keyword arguments of
    :func:`~uncounted.link.cluster.constrained_clusters` (``respect_conflicts``,
    ``death_tolerance_days``, ``dob_conflicts``, ``birth_year_tolerance``, ``min_support``).

    Why one place: re-clustering after a person's decision and the capture histories at other
    thresholds must cluster exactly as the run did, or the stored clusters and the tables the
    estimate uses drift apart.
    """
    row = store.query_df("SELECT settings_json, threshold FROM link_runs WHERE run_id = ?", [run_id])
    raw, thr = (row.iloc[0, 0], row.iloc[0, 1]) if len(row) else (None, None)
    return cluster_settings(raw, thr)


def cluster_settings(raw: Any, thr: Any) -> dict[str, Any]:
    """:func:`run_cluster_settings` from a run's ``settings_json`` (text or parsed) and
    ``threshold``, for a caller that has the run's row already (:func:`current_run`)."""
    raw = None if raw is None or (isinstance(raw, float) and pd.isna(raw)) else raw
    thr = None if thr is None or pd.isna(thr) else thr
    s: dict[str, Any] = {}
    if raw:
        try:
            s = json.loads(raw) if isinstance(raw, str) else dict(raw)
        except (ValueError, TypeError):
            s = {}
    d = LinkSettings()
    return {"threshold": float(thr if thr is not None else s.get("threshold", d.threshold)),
            "respect_conflicts": bool(s.get("respect_conflicts", d.respect_conflicts)),
            "death_tolerance_days": int(s.get("death_tolerance_days", d.death_tolerance_days)),
            "dob_conflicts": bool(s.get("dob_conflicts", d.dob_conflicts)),
            "birth_year_tolerance": int(s.get("birth_year_tolerance", d.birth_year_tolerance)),
            # runs stored before the support rule existed clustered without it
            "min_support": float(s.get("cluster_support", 0.0))}


def load_current_clusters(store: Any) -> pd.DataFrame:
    """Clusters of the current run: ``record_uid, source, record_id, cluster_id, flagged``.

    Raises
    ------
    LinkageError
        When the project has no linkage run yet.
    """
    run = current_run(store)
    if run is None:
        raise LinkageError("the project has no linkage run yet; run `uncounted link` first")
    return store.query_df(
        """SELECT c.record_uid, r.source, r.record_id, c.cluster_id, c.flagged
           FROM clusters c LEFT JOIN records r USING (record_uid)
           WHERE c.run_id = ? ORDER BY c.record_uid""", [int(run["run_id"])])


def load_current_histories(store: Any) -> pd.DataFrame:
    """Capture histories of the current run's clusters (one 0/1 column per list, ``count``).

    Raises
    ------
    LinkageError
        When the project has no linkage run yet.
    """
    from uncounted.link.evaluate import capture_histories

    cl = load_current_clusters(store)
    return capture_histories(cl["source"].to_numpy(), cl["cluster_id"].to_numpy())


def load_labels(store: Any) -> pd.DataFrame:
    """The latest decision per pair from ``pair_labels``."""
    return store.query_df(
        """SELECT record_uid_l, record_uid_r, decision, decided_at FROM pair_labels
           QUALIFY row_number() OVER (
               PARTITION BY least(record_uid_l, record_uid_r), greatest(record_uid_l, record_uid_r)
               ORDER BY decided_at DESC, label_id DESC) = 1""")


def load_records(store: Any) -> pd.DataFrame:
    cols = ", ".join(RECORD_COLUMNS)
    return store.query_df(f"SELECT {cols} FROM records WHERE active ORDER BY record_uid")


@dataclass(frozen=True)
class StoreLinkOutcome:
    """What :func:`link_store` did: ``action`` is ``'unchanged'`` (no new run),
    ``'reused_model'`` or ``'trained'``."""

    run_id: int
    action: Literal["unchanged", "reused_model", "trained"]
    result: LinkResult | None


def link_store(store: Any, *, settings: LinkSettings = LinkSettings(), engine: Engine = "duckdb",
               actor: str = "system", force: bool = False, progress: Progress = None,
               **kwargs: Any) -> StoreLinkOutcome:
    """Link the project's active records with its labels, incrementally where possible.

    Parameters
    ----------
    force:
        Train afresh even when a stored model could be reused.
    kwargs:
        Passed to :func:`link_records` (e.g. ``name_keys``).
    """
    from uncounted.link.evaluate import label_pairs

    records = load_records(store)
    if len(records) == 0:
        raise LinkageError("the project has no active records; run `uncounted ingest` first")
    labels = load_labels(store)
    m, nm = label_pairs(labels)
    rec_fp = records_fingerprint(records["record_uid"].to_numpy())
    lab_fp = labels_fingerprint(m, nm)
    mod_fp = model_fingerprint(settings, engine)
    prev = current_run(store)
    model_json = None
    if prev is not None and not force and prev.get("model_fingerprint") == mod_fp:
        same_settings = prev.get("settings_json") == json.loads(json.dumps(settings.to_dict(), default=str))
        if (same_settings and prev.get("records_sha256") == rec_fp
                and prev.get("labels_sha256") == lab_fp):
            log.info("nothing changed since link run %s", prev["run_id"])
            return StoreLinkOutcome(int(prev["run_id"]), "unchanged", None)
        gone = store.scalar(
            """SELECT count(*) FROM clusters c WHERE c.run_id = ? AND c.record_uid NOT IN
               (SELECT record_uid FROM records WHERE active)""", [int(prev["run_id"])])
        if gone == 0:
            model_json = prev["model_json"]
    result = link_records(records, settings=settings, labels=labels, engine=engine,
                          progress=progress, model_json=model_json, **kwargs)
    run_id = save_link_result(store, result, actor)
    return StoreLinkOutcome(run_id, "reused_model" if result.model_reused else "trained", result)
