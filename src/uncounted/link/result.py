"""The result of a linkage run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from uncounted.exceptions import InputError
from uncounted.link.cluster import CONFLICT_COLUMNS, Clustering, constrained_clusters
from uncounted.link.evaluate import Accuracy, capture_histories, cluster_accuracy
from uncounted.link.settings import LinkSettings


@dataclass
class LinkResult:
    """Pairs, clusters, threshold table and model of one linkage run.

    Attributes
    ----------
    records:
        ``record_uid, source, record_id`` of every record linked, plus the columns the
        clustering rules need.
    pairs:
        Scored pairs at or above the floor: ``record_uid_l < record_uid_r``,
        ``match_weight``, ``match_probability``, ``mw_*`` (partial match weights).
    clusters:
        ``record_uid, cluster_id, flagged`` at the default threshold.
    threshold_table:
        One row per candidate threshold (see :func:`uncounted.link.evaluate.threshold_table`).
    model_json:
        The Splink model (settings and trained parameters), reusable by a later run.
    """

    records: pd.DataFrame
    pairs: pd.DataFrame
    clusters: pd.DataFrame
    threshold: float
    threshold_table: pd.DataFrame
    model_json: dict[str, Any]
    splink_version: str
    engine: str
    settings: LinkSettings
    match_pairs: pd.DataFrame
    non_match_pairs: pd.DataFrame
    model_reused: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    started_at: datetime | None = None
    clusterings: dict[float, Clustering] = field(default_factory=dict, repr=False)

    @property
    def lists(self) -> list[str]:
        return sorted(self.records["source"].astype(str).unique().tolist())

    def _clustering(self, threshold: float) -> Clustering:
        t = float(threshold)
        if not 0 < t < 1:
            raise InputError(f"The 'threshold' parameter must be a float in (0, 1). Got {threshold!r}.")
        if t not in self.clusterings:
            s = self.settings
            self.clusterings.update(constrained_clusters(
                self.records[list(CONFLICT_COLUMNS)], self.pairs, [t],
                match_pairs=self.match_pairs, non_match_pairs=self.non_match_pairs,
                respect_conflicts=s.respect_conflicts,
                death_tolerance_days=s.death_tolerance_days, dob_conflicts=s.dob_conflicts,
                birth_year_tolerance=s.birth_year_tolerance, min_support=s.cluster_support))
        return self.clusterings[t]

    def clusters_at(self, threshold: float) -> pd.DataFrame:
        """``record_uid, cluster_id, flagged`` at ``threshold``."""
        c = self._clustering(threshold)
        uids = self.records["unique_id"].to_numpy(dtype="int64")
        flagged = np.array([c.flags.get(int(r)) for r in c.root], dtype=object)
        return pd.DataFrame({"record_uid": uids, "cluster_id": c.cluster_ids(uids),
                             "flagged": flagged})

    def histories_at(self, threshold: float | None = None) -> pd.DataFrame:
        """Capture histories at ``threshold`` (default: the run's): 0/1 per list and ``count``."""
        c = self._clustering(self.threshold if threshold is None else threshold)
        return capture_histories(self.records["source"].to_numpy(), c.root, self.lists)

    def accuracy(self, truth: Any, threshold: float | None = None) -> Accuracy:
        """Pairwise and B-cubed accuracy against ``truth``: a Series indexed by record_uid
        (e.g. the generator's ``person_id``) or an array aligned with :attr:`records`."""
        c = self._clustering(self.threshold if threshold is None else threshold)
        if isinstance(truth, pd.Series):
            truth = truth.reindex(self.records["unique_id"].to_numpy()).to_numpy()
        return cluster_accuracy(c.root, truth)

    def __str__(self) -> str:
        n = len(self.records)
        k = int(self.clusters["cluster_id"].nunique())
        fl = int(self.clusters["flagged"].notna().sum())
        return (f"LinkResult: {n} records from {len(self.lists)} lists -> {k} clusters at "
                f"threshold {self.threshold} ({fl} records in flagged clusters); "
                f"{len(self.pairs)} scored pairs; engine {self.engine}, splink "
                f"{self.splink_version}{', stored model reused' if self.model_reused else ''}")
