"""The Python API of a project folder: the same operations as the CLI.

``Project(path)`` opens ``path/uncounted.toml`` and ``path/.uncounted/uncounted.duckdb``.  Every
method that changes state runs as one store transaction with an audit entry, so the CLI, the web
app and notebooks see the same consistent project.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from uncounted.config import CONFIG_FILE, MAX_DATE_LAG_DAYS, ProjectConfig, SourceConfig
from uncounted.exceptions import InputError, ProjectError, UncountedError
from uncounted.progress import ProgressCallback
from uncounted.store import Store

log = logging.getLogger(__name__)

#: Linkage thresholds at which the estimate is recomputed (with the run's own threshold):
#: wide enough to show where the count breaks down, fine enough around the usual choices
#: (0.2-0.7) for the verdict's plausible band (:func:`~uncounted.estimate.verdict.plausible_thresholds`).
SENSITIVITY_THRESHOLDS = (0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


@dataclass(frozen=True)
class StatusReport:
    """What a project holds now."""

    project: str
    sources: pd.DataFrame
    n_records: int
    n_quarantined: int
    n_clusters: int | None
    link_run: dict[str, Any] | None
    histories: pd.DataFrame | None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "n_records": self.n_records,
            "n_quarantined": self.n_quarantined,
            "n_clusters": self.n_clusters,
            "sources": self.sources.to_dict(orient="records"),
            "link_run": self.link_run,
            "capture_histories": None if self.histories is None
            else self.histories.to_dict(orient="records"),
            **self.extra,
        }


class Project:
    """An uncounted project folder.

    Parameters
    ----------
    path:
        The folder holding ``uncounted.toml``.
    read_only:
        Open the database without write access.
    """

    def __init__(self, path: str | Path = ".", *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.config = ProjectConfig.load(self.path)
        self._read_only = read_only
        self._store: Store | None = None
        self._keyring: Any = None
        self.actor = "api"

    # -- lifecycle ------------------------------------------------------------------------
    @classmethod
    def init(cls, path: str | Path, *, name: str | None = None) -> Project:
        """Create a new project folder (refuses to overwrite an existing project)."""
        p = Path(path)
        if (p / CONFIG_FILE).exists():
            raise ProjectError(f"{p / CONFIG_FILE} already exists: {p} is already a project.")
        p.mkdir(parents=True, exist_ok=True)
        cfg = ProjectConfig(name=name or p.resolve().name)
        cfg.save(p)
        proj = cls(p)
        with proj.store.transaction():
            proj.store.audit("init", str(p.resolve().name), {"name": cfg.name}, actor="cli")
        return proj

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.for_project(self.path, read_only=self._read_only)
            self._store.actor = self.actor
            kr = self.keyring
            if kr is not None:
                self._store.audit_key = kr.audit_key
        return self._store

    @property
    def keyring(self) -> Any:
        """The unlocked key (from ``UNCOUNTED_KEYFILE`` / ``UNCOUNTED_PASSPHRASE``), or None.

        Without it the project still works on pseudonymous data: estimation and every aggregate
        view never need the sensitive values.
        """
        if self._keyring is None:
            from uncounted.store.crypto import KeyRing, encryption_configured

            if encryption_configured(self.path):
                self._keyring = KeyRing.from_env(self.path)
        return self._keyring

    def unlock(self, keyring: Any) -> None:
        """Use an explicitly unlocked key (e.g. from an interactive prompt)."""
        self._keyring = keyring
        if self._store is not None:
            self._store.audit_key = keyring.audit_key

    def sensitive(self) -> Any:
        """The store of sensitive values (source identities, witness contacts, notes)."""
        from uncounted.store.sensitive import SensitiveStore

        return SensitiveStore(self.store, self.keyring)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ingest ---------------------------------------------------------------------------
    def ingest(self, file: str | Path, *, source: str, mapping: str | Path | dict[str, Any],
               progress: ProgressCallback | None = None,
               date_lag_days: int | None = None) -> Any:
        """Ingest one file as one transaction; returns an ``IngestReport``.

        ``date_lag_days`` (kept in uncounted.toml; None leaves it as it is): the list's dates
        follow the event by up to so many days, as a hospital register's admissions do.
        """
        from uncounted.ingest import ingest_file

        if date_lag_days is not None and not 0 <= date_lag_days <= MAX_DATE_LAG_DAYS:
            raise InputError(f"date_lag_days must be from 0 to {MAX_DATE_LAG_DAYS} days, "
                             f"got {date_lag_days}")
        report = ingest_file(self.store, Path(file), source=source, mapping=mapping,
                             actor=self.actor, progress=progress)
        changed = False
        if source not in self.config.sources:
            self.config.sources[source] = SourceConfig(
                name=source, mapping=None if isinstance(mapping, dict) else self._where(mapping))
            changed = True
        if date_lag_days is not None and self.config.sources[source].date_lag_days != date_lag_days:
            self.config.sources[source].date_lag_days = date_lag_days
            changed = True
        if changed:
            self.config.save(self.path)
        return report

    def _where(self, path: str | Path) -> str:
        """``path`` as uncounted.toml records it: relative to the project folder when inside
        it, else absolute, so that it names the same file from any working folder (the path
        as typed was relative to wherever the command ran)."""
        full = Path(path).resolve()
        try:
            return full.relative_to(Path(self.path).resolve()).as_posix()
        except ValueError:
            return str(full)

    def records(self, *, active: bool = True) -> pd.DataFrame:
        where = "WHERE active" if active else ""
        return self.store.query_df(f"SELECT * FROM records {where} ORDER BY record_uid")

    def quarantine(self) -> pd.DataFrame:
        return self.store.query_df(
            "SELECT quarantine_id, source, file_name, line_no, field, raw_text, reason "
            "FROM quarantine ORDER BY quarantine_id")

    # -- link -----------------------------------------------------------------------------
    def link(self, *, engine: str | None = None, threshold: float | None = None,
             progress: ProgressCallback | None = None) -> Any:
        """Link records within and across lists and store the clusters (one transaction)."""
        from uncounted.link import LinkSettings, link_store

        thr = threshold if threshold is not None else self.config.link.threshold
        lags = tuple(sorted((name, src.date_lag_days) for name, src in self.config.sources.items()
                            if src.date_lag_days))
        settings = (LinkSettings(date_lags=lags) if thr is None
                    else LinkSettings(threshold=thr, date_lags=lags))

        def stage(name: str, frac: float) -> None:
            # linkage reports named stages with the fraction done; the project's callbacks (the
            # CLI's progress bars) count steps, so the fraction becomes percent
            if progress is not None:
                progress(round(frac * 100), 100)

        # link_records checks the engine name and says what it accepts
        eng = cast(Literal["duckdb", "spark"], engine or self.config.link.engine)
        outcome = link_store(self.store, settings=settings, engine=eng, actor=self.actor,
                             progress=stage)
        run = self.current_link_run() or {}
        return {"run_id": outcome.run_id, "action": outcome.action, "engine": run.get("engine"),
                "threshold": run.get("threshold"), "n_records": run.get("n_records"),
                "n_pairs": run.get("n_pairs"), "n_clusters": run.get("n_clusters")}

    def clusters(self) -> pd.DataFrame:
        """``source, record_id, cluster_id`` of the current linkage run (record ids as input)."""
        run = self.current_link_run()
        if run is None:
            raise ProjectError("no linkage yet: run `uncounted link` first.")
        return self.store.query_df(
            "SELECT r.source, r.record_id, c.cluster_id, r.record_uid, r.event_type, r.place, "
            "r.event_date FROM clusters c JOIN records r USING (record_uid) "
            "WHERE c.run_id = ? AND r.active ORDER BY r.source, r.record_uid", [run["run_id"]])

    def current_link_run(self) -> dict[str, Any] | None:
        """The current linkage run's summary (JSON-safe), or None before the first link."""
        from uncounted.link import current_run

        run = current_run(self.store)
        if run is None:
            return None
        keys = ("run_id", "started_at", "finished_at", "engine", "splink_version", "threshold",
                "n_records", "n_pairs", "n_clusters")
        return {k: (run[k].isoformat() if hasattr(run[k], "isoformat") else run[k]) for k in keys}

    def export_clusters(self, path: str | Path, *, spreadsheet_safe: bool = False) -> int:
        """Write ``source, record_id, cluster_id``; record ids exactly as in the input.

        The default is exact because scripts join on the ids.  ``spreadsheet_safe`` prefixes
        cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) with a quote,
        for files that people will open in Excel or LibreOffice.
        """
        df = self.clusters()[["source", "record_id", "cluster_id"]]
        if spreadsheet_safe:
            from uncounted.store.safe_export import write_csv_safe

            return write_csv_safe(path, list(df.columns), df.itertuples(index=False, name=None))
        df.to_csv(path, index=False)
        return len(df)

    # -- estimate -------------------------------------------------------------------------
    def capture_histories(self, by: list[str] | None = None) -> Any:
        """Capture histories from the current clusters, overall or per stratum.

        A person's stratum is taken from their records (the most severe event type; the most
        common value of other fields), so that one person is in exactly one stratum.
        """
        from uncounted.estimate import CaptureHistories

        df = self.clusters()
        lists = sorted(self.store.query_df("SELECT DISTINCT source FROM records WHERE active")["source"])
        if not by:
            return CaptureHistories.from_records(df, list_col="source", id_col="cluster_id", lists=lists)
        strata = person_strata(df, by)
        out: dict[str, Any] = {}
        for key, sub in df.assign(stratum=df["cluster_id"].map(strata)).groupby("stratum"):
            out[str(key)] = CaptureHistories.from_records(sub, list_col="source", id_col="cluster_id",
                                                          lists=lists)
        return out

    def linkage_tables(self, thresholds: list[float] | None = None) -> dict[float, Any]:
        """Capture histories at several linkage thresholds, from the stored scored pairs.

        Uses the linkage step's own constrained clustering and every person's decision, so the
        table at the run's threshold is the one the clusters give.  Why: the count depends on
        linkage decisions, and the verdict and report show by how much.
        """
        return self._linkage_tables(thresholds)[0]

    def _linkage_tables(self, thresholds: list[float] | None
                        ) -> tuple[dict[float, Any], np.ndarray]:
        """:meth:`linkage_tables` and the scored pairs' match probabilities (read once)."""
        from uncounted.estimate import CaptureHistories
        from uncounted.link.cluster import CONFLICT_COLUMNS, constrained_clusters
        from uncounted.link.evaluate import label_pairs
        from uncounted.link.persist import cluster_settings, current_run, load_labels, load_records
        from uncounted.link.prepare import prepare_records

        run = current_run(self.store)
        if run is None:
            raise ProjectError("no linkage yet: run `uncounted link` first.")
        thr = sorted(set(thresholds or SENSITIVITY_THRESHOLDS) | {float(run["threshold"])})
        recs = load_records(self.store)
        table = prepare_records(recs)[list(CONFLICT_COLUMNS)]
        pairs = self.store.query_df(
            "SELECT record_uid_l, record_uid_r, match_probability FROM link_pairs WHERE run_id = ?",
            [int(run["run_id"])]).astype({"record_uid_l": "int64", "record_uid_r": "int64",
                                          "match_probability": "float64"})
        labels = load_labels(self.store)
        m, nm = label_pairs(labels if len(labels) else None)
        st = cluster_settings(run.get("settings_json"), run.get("threshold"))
        st.pop("threshold")
        cl = constrained_clusters(table, pairs, thr, match_pairs=m, non_match_pairs=nm, **st)
        src = table["source"].astype(str).to_numpy()
        lists = sorted(set(src))
        out = {}
        for t, c in cl.items():
            df = pd.DataFrame({"source": src, "cluster_id": c.root})
            out[float(t)] = CaptureHistories.from_records(df, list_col="source", id_col="cluster_id",
                                                          lists=lists)
        return out, pairs["match_probability"].to_numpy()

    def linkage_sensitivity(self, thresholds: list[float] | None = None) -> pd.DataFrame:
        """The estimate at each linkage threshold (AIC log-linear: fast and deterministic),
        with the pairwise F1 the linkage model expects there (``expected_f1``), so that the
        verdict can tell thresholds an analyst could choose from ones nobody would."""
        from uncounted.estimate.analysis import make_estimator
        from uncounted.link.evaluate import expected_accuracy

        tables, p = self._linkage_tables(thresholds)
        rows = []
        for t, h in tables.items():
            row = {"threshold": t, "persons": h.n_observed,
                   "expected_f1": expected_accuracy(p, t)[2]}
            try:
                r = make_estimator("loglinear").fit(h).result_
                row.update({"N": r.estimate, "lower": r.lower, "upper": r.upper})
            except Exception as exc:  # noqa: BLE001 - a refusal is a result here
                row.update({"N": float("nan"), "lower": float("nan"), "upper": float("nan"),
                            "note": str(exc)})
            rows.append(row)
        return pd.DataFrame(rows)

    def estimate(self, *, method: str | None = None, by: list[str] | None = None,
                 random_state: int | None = None, progress: ProgressCallback | None = None,
                 overrides: dict[str, Any] | None = None) -> Any:
        """The default analysis (or one method), with the linkage movement in the verdict."""
        import math

        from uncounted.estimate.analysis import analyse
        from uncounted.estimate.verdict import plausible_thresholds

        hist = self.capture_histories(by)
        linkage = None
        plausible: dict[float, float] | None = None
        expected_f1: dict[float, float] = {}
        if not by:
            try:
                sens = self.linkage_sensitivity()
                linkage = {float(t): float(v) for t, v in zip(sens["threshold"], sens["N"], strict=True)
                           if isinstance(v, float) and math.isfinite(v)}
                expected_f1 = {float(t): float(f) for t, f in
                               zip(sens["threshold"], sens["expected_f1"], strict=True)}
                # the verdict judges the movement over the thresholds an analyst could defend
                keep = set(plausible_thresholds(expected_f1))
                plausible = {t: v for t, v in linkage.items() if t in keep}
            except (UncountedError, KeyError, ValueError) as exc:
                log.warning("linkage sensitivity not computed: %s", exc)
        an = analyse(hist, method=method or self.config.estimate.method,
                     random_state=self.config.estimate.seed if random_state is None else random_state,
                     progress=progress, overrides=overrides, linkage_estimates=plausible)
        if linkage:
            an.settings["linkage_sensitivity"] = linkage
            an.settings["linkage_expected_f1"] = expected_f1
        return an

    def save_estimate(self, analysis: Any, *, by: list[str] | None = None) -> int:
        """Keep an estimation run (its JSON) so reports and the dashboard show what was run."""
        import json

        from uncounted.store import now

        run = self.current_link_run()
        with self.store.transaction() as con:
            rid = self.store.next_id("seq_estimate_run")
            con.execute("UPDATE estimate_runs SET current = FALSE WHERE coalesce(by_fields, '') = ?",
                        [",".join(by or [])])
            con.execute(
                "INSERT INTO estimate_runs VALUES (?, ?, ?, ?, ?, ?, TRUE)",
                [rid, now(), None if run is None else run["run_id"], analysis.to_dict().get("method", ""),
                 ",".join(by or []), json.dumps(analysis.to_dict(), default=str)])
            self.store.audit("estimate", f"estimate_run:{rid}",
                             {"by": by or [], "method": analysis.to_dict().get("method")})
        return rid

    def latest_estimates(self) -> dict[str, Any]:
        """The current estimation run per stratification ('' = overall), as stored JSON."""
        import json

        df = self.store.query_df(
            "SELECT by_fields, result FROM estimate_runs WHERE current ORDER BY run_id")
        return {str(r.by_fields or ""): json.loads(r.result) for r in df.itertuples(index=False)}

    # -- claims and incidents -------------------------------------------------------------
    def add_claim(self, claim: dict[str, Any]) -> int:
        """Record an official or witness claim (who, when, what it counts, number or range)."""
        from uncounted.store import now

        counts = claim.get("counts", "both")
        if counts not in ("killed", "wounded", "both"):
            raise InputError(f"claim counts must be killed, wounded or both; got {counts!r}")
        low = claim.get("low", claim.get("number"))
        high = claim.get("high", low)
        with self.store.transaction() as con:
            cid = self.store.next_id("seq_claim")
            con.execute(
                "INSERT INTO claims (claim_id, claimant, said_on, published_in, counts, place, "
                "period_start, period_end, low, high, per_day, text, url, document_sha256, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [cid, claim["claimant"], claim.get("said_on"), claim.get("published_in"), counts,
                 claim.get("place"), claim.get("period_start"), claim.get("period_end"), low, high,
                 bool(claim.get("per_day", False)), claim.get("text"), claim.get("url"),
                 claim.get("document_sha256"), now()])
            self.store.audit("claim.add", f"claim:{cid}", {"claimant": claim["claimant"],
                                                           "low": low, "high": high})
        return cid

    def claims(self) -> pd.DataFrame:
        return self.store.query_df("SELECT * FROM claims ORDER BY claim_id")

    def add_incident(self, incident: dict[str, Any]) -> int:
        """Record count-only evidence (e.g. medical buses seen at a station)."""
        from uncounted.store import now

        with self.store.transaction() as con:
            iid = self.store.next_id("seq_incident")
            con.execute(
                "INSERT INTO incidents (incident_id, group_id, source, date_start, date_end, place, "
                "seen, count_min, count_max, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [iid, incident.get("group_id"), incident["source"], incident.get("date_start"),
                 incident.get("date_end", incident.get("date_start")), incident.get("place"),
                 incident.get("seen"), incident.get("count_min"), incident.get("count_max"),
                 incident.get("text"), now()])
            self.store.audit("incident.add", f"incident:{iid}", {"source": incident["source"]})
        return iid

    def incidents(self) -> pd.DataFrame:
        return self.store.query_df("SELECT * FROM incidents ORDER BY date_start, incident_id")

    # -- status ---------------------------------------------------------------------------
    def status(self) -> StatusReport:
        src = self.store.query_df(
            "SELECT source, count(*) FILTER (WHERE active) AS records, "
            "count(*) FILTER (WHERE NOT active) AS superseded FROM records GROUP BY source ORDER BY source")
        q = self.store.query_df("SELECT source, count(*) AS quarantined FROM quarantine GROUP BY source")
        src = src.merge(q, on="source", how="outer").fillna(0)
        for c in ("records", "superseded", "quarantined"):
            if c in src:
                src[c] = src[c].astype(int)
        n_records = int(self.store.scalar("SELECT count(*) FROM records WHERE active") or 0)
        n_q = int(self.store.scalar("SELECT count(*) FROM quarantine") or 0)
        run = self.current_link_run()
        hist = None
        n_clusters = None
        if run is not None:
            ch = self.capture_histories()
            hist = ch.to_frame()
            n_clusters = int(ch.n_observed)
        return StatusReport(project=self.config.name, sources=src, n_records=n_records,
                            n_quarantined=n_q, n_clusters=n_clusters, link_run=run, histories=hist)


_SEVERITY = {"killed": 0, "died_of_wounds": 1, "missing": 2, "wounded": 3, "unknown": 4}


def person_strata(df: pd.DataFrame, by: list[str]) -> pd.Series:
    """One stratum label per cluster from its records' fields (see :meth:`Project.capture_histories`)."""
    missing = [b for b in by if b not in df.columns and b != "month"]
    if missing:
        raise InputError(f"cannot stratify by {missing}: allowed fields are event_type, place, month, "
                         "source fields present in the records.")
    parts = []
    for b in by:
        if b == "event_type":
            sev = df["event_type"].fillna("unknown").map(_SEVERITY).fillna(4)
            s = df.assign(_sev=sev).sort_values("_sev").groupby("cluster_id")["event_type"].first()
            parts.append(s.fillna("unknown"))
        elif b == "month":
            m = pd.to_datetime(df["event_date"]).dt.strftime("%Y-%m")
            parts.append(df.assign(_m=m).groupby("cluster_id")["_m"].agg(
                lambda x: x.mode().iloc[0] if x.notna().any() else "unknown"))
        else:
            parts.append(df.groupby("cluster_id")[b].agg(
                lambda x: x.mode().iloc[0] if x.notna().any() else "unknown"))
    lab = parts[0].astype(str)
    for p in parts[1:]:
        lab = lab + "/" + p.astype(str)
    return lab
