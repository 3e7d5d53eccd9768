"""``link_records``: normalise, block, train, predict and cluster in one call."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import pandas as pd

from uncounted.exceptions import InputError
from uncounted.link import model as _model
from uncounted.link.blocking import add_block_keys
from uncounted.link.cluster import CONFLICT_COLUMNS, constrained_clusters
from uncounted.link.evaluate import label_pairs, threshold_table
from uncounted.link.prepare import joint_name_weight, name_counts, prepare_records
from uncounted.link.result import LinkResult
from uncounted.link.settings import LinkSettings

log = logging.getLogger(__name__)

Engine = Literal["duckdb", "spark"]
Progress = Callable[[str, float], None] | None


def _quiet_splink() -> None:
    # Splink logs every untrained level at WARNING; ours is the log that matters.
    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("splink").setLevel(logging.ERROR)


def link_records(records: Any, *, settings: LinkSettings = LinkSettings(),
                 labels: pd.DataFrame | None = None, engine: Engine = "duckdb",
                 progress: Progress = None, model_json: dict[str, Any] | None = None,
                 name_keys: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                 keyed: bool = True, spark_session: Any = None) -> LinkResult:
    """Link records within and across lists: one link-and-dedupe model over all sources.

    Parameters
    ----------
    records:
        pandas DataFrame or DuckDB relation: ``record_uid``, ``source``, ``record_id`` and the
        canonical columns (docs/architecture.md).  Name keys are computed with
        :func:`uncounted.names.name_keys` unless already present.
    settings:
        :class:`LinkSettings`.
    labels:
        Pair decisions by people: ``record_uid_l, record_uid_r, decision`` (``match``,
        ``non_match``, ``unsure``; optional ``decided_at``, the latest per pair wins).  A match
        always joins the pair, a non-match always separates it; both feed the measured columns
        of the threshold table.
    engine:
        ``"duckdb"`` (default) or ``"spark"`` (PySpark; local mode unless a session is given).
    progress:
        Callback ``(stage, fraction)``.
    model_json:
        A trained model from an earlier run: training is skipped and its parameters reused.
    name_keys:
        Override of the name-key function (tests, experiments).
    keyed:
        ``False`` runs the plain baseline: raw lower-cased name strings instead of the keys,
        no phonetic key, no alias sets, same comparison and blocking structure.
    spark_session:
        An existing SparkSession for ``engine="spark"``.

    Returns
    -------
    LinkResult

    Raises
    ------
    InputError
        Bad records, labels or settings.
    LinkageError
        Splink failed to train or predict.
    """
    settings.validate()
    if engine not in ("duckdb", "spark"):
        raise InputError(f"The 'engine' parameter must be 'duckdb' or 'spark'. Got {engine!r}.")
    _quiet_splink()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def step(name: str, frac: float) -> None:
        log.info("link: %s", name)
        if progress:
            progress(name, frac)

    step("normalise", 0.0)
    if not keyed:
        records = _raw_keys(records)
    table = add_block_keys(prepare_records(records, name_keys=name_keys,
                                           date_lags=dict(settings.date_lags)),
                           keyed=keyed, cap=settings.block_cap)
    table["n_full_name"], table["n_family"] = name_counts(table)
    if settings.joint_name_frequency:
        table["full_name_code"], table["name_joint_adj"] = joint_name_weight(
            table, enabled=keyed, counts=(table["n_full_name"], table["n_family"]))
    timings["normalise"] = time.perf_counter() - t0
    match_pairs, non_match_pairs = label_pairs(labels)

    t1 = time.perf_counter()
    step("train", 0.1)
    trained = _model.train(table, settings, engine=engine, model_json=model_json, keyed=keyed,
                           spark_session=spark_session)
    timings["train"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    step("predict", 0.5)
    pairs = _model.predict(trained, settings, n_records=len(table))
    timings["predict"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    step("cluster", 0.8)
    clusterings = constrained_clusters(
        table[list(CONFLICT_COLUMNS)], pairs, settings.all_thresholds,
        match_pairs=match_pairs, non_match_pairs=non_match_pairs,
        respect_conflicts=settings.respect_conflicts,
        death_tolerance_days=settings.death_tolerance_days, dob_conflicts=settings.dob_conflicts,
        birth_year_tolerance=settings.birth_year_tolerance,
        min_support=settings.cluster_support)
    ttable = threshold_table(pairs, clusterings, match_pairs, non_match_pairs)
    timings["cluster"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0

    keep = table[list(CONFLICT_COLUMNS)].copy()
    result = LinkResult(
        records=keep, pairs=pairs, clusters=pd.DataFrame(), threshold=settings.threshold,
        threshold_table=ttable, model_json=trained.model_json,
        splink_version=_model.splink_version(), engine=engine, settings=settings,
        match_pairs=match_pairs, non_match_pairs=non_match_pairs,
        model_reused=trained.reused, timings=timings, clusterings=clusterings,
        started_at=started_at)
    result.clusters = result.clusters_at(settings.threshold)
    step("done", 1.0)
    log.info("%s", result)
    return result


def _raw_keys(records: Any) -> pd.DataFrame:
    """Name columns for the plain baseline: raw strings, lower-cased, nothing else."""
    if not isinstance(records, pd.DataFrame):
        records = records.df()
    df = records.copy()

    def low(col: str) -> pd.Series:
        if col not in df.columns:
            return pd.Series([None] * len(df), index=df.index, dtype=object)
        v = df[col].astype(object).map(
            lambda v: v.strip().lower() if isinstance(v, str) and v.strip() else None)
        return v.astype(object).where(v.notna(), None)

    fam, giv, pat = low("family_name"), low("given_name"), low("patronymic")
    raw = low("name_raw")
    parts = raw.map(lambda v: v.replace(",", " ").split() if isinstance(v, str) else [])
    # when a source gives only the full name, take its first word as family name, second as given
    fam = fam.where(fam.notna(), parts.map(lambda p: p[0] if p else None))
    giv = giv.where(giv.notna(), parts.map(lambda p: p[1] if len(p) > 1 else None))
    df["family_key"] = fam
    df["family_phonetic"] = fam
    df["given_key"] = giv
    df["given_aliases"] = giv.map(lambda v: [v] if isinstance(v, str) else None)
    df["patronymic_key"] = pat
    df["initials"] = giv.map(lambda v: v[0] if isinstance(v, str) else None)
    df["sex_inferred"] = None
    df["name_order_ok"] = True
    return df
