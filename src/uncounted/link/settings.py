"""Settings of one linkage run (what a user may change), validated all at once.

Why a frozen dataclass: the settings are part of the stored model's fingerprint (a rerun with
the same settings and the same records can reuse the stored model), so they must be hashable,
serialisable and impossible to change after a run has started.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from uncounted.config import MAX_DATE_LAG_DAYS
from uncounted.exceptions import InputError

DEFAULT_THRESHOLDS: tuple[float, ...] = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999)


@dataclass(frozen=True)
class LinkSettings:
    """What a linkage run may be told.

    Parameters
    ----------
    threshold:
        Match probability at or above which two records are joined when clustering (the
        default threshold; the threshold table shows the others).  0.3, not 0.5: with
        calibrated probabilities the threshold that maximises F1 is half the best F1 (Lipton,
        Elkan & Naryanaswamy 2014), about 0.3-0.49 for these lists, and clustering joins records
        through third records too.  Measured on the generator against 0.5 (2026-12-06):
        pairwise F1 +0.001 to +0.002 on undamaged 3,000-record lists, +0.004 to +0.007
        damaged, +0.004 to +0.008 at 20,000, +0.011 at 200,000, +0.034 at 1,000,000; and
        fewer invented people, which inflate the count (3,000 damaged records: +3% persons
        instead of +5%; 20,000: +6% instead of +12.5%) (docs/linkage.md, "Thresholds").
    floor:
        Predictions below this match probability are dropped (kept pairs are stored and feed
        the expected-recall column of the threshold table).
    thresholds:
        Candidate thresholds for the threshold table and :meth:`LinkResult.histories_at`.
    seed:
        Seed of the random sampling that estimates the u probabilities (and of everything else
        random in training), so that a rerun on the same data gives the same model.
    u_max_pairs:
        Number of random record pairs used to estimate u probabilities.
    em_max_pairs:
        Upper bound on blocked pairs per EM training session (``None``: all).
    max_iterations:
        EM iterations per training session.
    prior_recall:
        Assumed recall of the deterministic rule (same family key, given key and birth year)
        used to estimate the prior probability that two random records match.
    respect_conflicts:
        Break clusters that would chain records which cannot be one person (see
        :mod:`uncounted.link.cluster`). Off only for experiments.
    death_tolerance_days:
        A record of a person alive (wounded, missing), or of a second death, more than this
        many days after a record of their death conflicts with it.
    birth_year_tolerance:
        Two records whose (estimated) years of birth differ by more than this conflict.
    train_sample:
        Train on a seeded random sample of this many records when there are more (``None``:
        all); prediction always scores all records.
    duckdb_memory_limit:
        DuckDB's memory limit (it spills to a temporary directory beyond it).
    predict_chunks:
        Score pairs in ``k x k`` chunks of records (Splink's chunked prediction) to bound
        memory; ``None``: one chunk per 200,000 records.
    m_floor:
        Smallest m (and u) probability of a comparison level after training (see
        :func:`uncounted.link.model.smooth_m_probabilities`).
    block_cap:
        Largest block of any blocking rule (``None``: no cap).  Larger blocks of a rule are
        left to its narrower rules, so candidate pairs grow linearly with the records
        (:mod:`uncounted.link.blocking`).
    cluster_support:
        Average-linkage guard of the clustering: two clusters with more than two records
        between them join only when the mean match probability over all their cross pairs is
        at least this (0: off).  0.2 raised pairwise F1 on 20,000 generated records from 0.831
        to 0.842 (measured before the EM sessions were reordered; docs/linkage.md).
    joint_name_frequency:
        Weigh an exact family-and-given-name agreement by the frequency of the full name, not
        of its parts as if independent (:func:`uncounted.link.prepare.joint_name_weight`).
        On by default since EM trains on rare names (``em_rare_name``): together they keep the
        match probabilities calibrated and raise pairwise F1 from 20,000 records up (0.424 to
        0.585 at 1,000,000); alone, the term lowered F1 from 200,000 records up
        (docs/linkage.md).
    em_rare_name:
        EM sessions blocked on the full name train only on names that at most this many
        records share (``None``: all names).  On large lists a block of a common name is mostly
        namesakes, and EM then learns "same name" instead of "same person": at 200,000
        generated records a conflicting patronymic cost 0.9 bits instead of about 10, and
        dates hardly counted (:func:`uncounted.link.prepare.name_counts`, docs/linkage.md).
    em_rare_family:
        The same for the EM session blocked on the family name and the event date: family
        names of at most this many records.
    dob_conflicts:
        Treat two full dates of birth that differ by more than a day/month swap or one typo as
        a conflict.
    date_lags:
        ``(list, days)`` pairs for lists whose dates follow the event they record by up to
        ``days``: a hospital's register dates the admission or the X-ray, not the wounding.
        Such a record dated 1 to ``days`` days after another list's record of the person
        alive falls in its own event level ("hospital date after the event") instead of
        "within 1 day" / "within 3 days", which unrelated pairs crowd.  On the generator's
        lists (the X-ray register dates admissions, 0-2 days after the wounding:
        ``uncounted.simulate.DATE_LAGS``) it raised pairwise F1 at 3,000 records by 0.004
        (damaged) and 0.001 (undamaged), mean of the seeds (docs/linkage.md).
    """

    threshold: float = 0.3
    floor: float = 0.01
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    seed: int = 20240224
    u_max_pairs: float = 2e6
    em_max_pairs: float | None = 2e6
    max_iterations: int = 20
    prior_recall: float = 0.7
    m_floor: float = 1e-4
    train_sample: int | None = 200_000
    duckdb_memory_limit: str | None = "2.5GB"
    predict_chunks: int | None = None
    respect_conflicts: bool = True
    death_tolerance_days: int = 14
    birth_year_tolerance: int = 4
    dob_conflicts: bool = True
    joint_name_frequency: bool = True
    em_rare_name: int | None = 4
    em_rare_family: int | None = 10
    block_cap: int | None = 300
    cluster_support: float = 0.2
    date_lags: tuple[tuple[str, int], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def validate(self) -> LinkSettings:
        """Collect every problem and raise them together (as Splink does for its settings)."""
        problems: list[str] = []

        def prob(name: str, v: float, lo_open: bool = True) -> None:
            ok = (0 < v < 1) if lo_open else (0 <= v < 1)
            if not ok:
                problems.append(f"The '{name}' parameter must be a float in (0, 1). Got {v!r}.")

        prob("threshold", self.threshold)
        prob("floor", self.floor)
        if not self.thresholds:
            problems.append("The 'thresholds' parameter must hold at least one threshold.")
        for t in self.thresholds:
            prob("thresholds", t)
        if self.floor > self.threshold:
            problems.append(
                f"The 'floor' ({self.floor}) must not exceed the 'threshold' ({self.threshold})."
            )
        if min(self.thresholds, default=1.0) < self.floor:
            problems.append("Every candidate threshold must be at or above the 'floor'.")
        if self.u_max_pairs < 1e3:
            problems.append(f"The 'u_max_pairs' parameter must be >= 1000. Got {self.u_max_pairs}.")
        if self.max_iterations < 1:
            problems.append(f"The 'max_iterations' parameter must be >= 1. Got {self.max_iterations}.")
        if not 0 < self.prior_recall <= 1:
            problems.append(f"The 'prior_recall' parameter must be in (0, 1]. Got {self.prior_recall}.")
        if not 0 < self.m_floor < 0.01:
            problems.append(f"The 'm_floor' parameter must be in (0, 0.01). Got {self.m_floor}.")
        if self.birth_year_tolerance < 0:
            problems.append("The 'birth_year_tolerance' parameter must be >= 0.")
        if self.block_cap is not None and self.block_cap < 2:
            problems.append(f"The 'block_cap' parameter must be an int >= 2 or None. Got {self.block_cap!r}.")
        if not 0 <= self.cluster_support < 1:
            problems.append(
                f"The 'cluster_support' parameter must be a float in [0, 1). Got {self.cluster_support!r}.")
        for name in ("em_rare_name", "em_rare_family"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, int) or v < 2):
                problems.append(f"The '{name}' parameter must be an int >= 2 or None. Got {v!r}.")
        if self.death_tolerance_days < 0:
            problems.append("The 'death_tolerance_days' parameter must be >= 0.")
        for item in self.date_lags:
            ok = (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)
                  and isinstance(item[1], int) and not isinstance(item[1], bool)
                  and 0 <= item[1] <= MAX_DATE_LAG_DAYS)
            if not ok:
                problems.append("The 'date_lags' parameter must hold (list name, days) pairs with "
                                f"0 <= days <= {MAX_DATE_LAG_DAYS}. Got {item!r}.")
        if problems:
            raise InputError(
                "Invalid linkage settings:\n"
                + "\n".join(f"  {i}. {p}" for i, p in enumerate(problems, 1))
            )
        return self

    @property
    def all_thresholds(self) -> tuple[float, ...]:
        """Candidate thresholds plus the default one, sorted descending."""
        return tuple(sorted(set(self.thresholds) | {self.threshold}, reverse=True))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["thresholds"] = list(self.thresholds)
        return d

    def model_fingerprint(self) -> str:
        """Hash of the settings that change the trained model (not the clustering ones)."""
        keys = ("seed", "u_max_pairs", "em_max_pairs", "max_iterations", "prior_recall",
                "m_floor", "train_sample", "joint_name_frequency", "em_rare_name",
                "em_rare_family")
        d: dict[str, Any] = {k: getattr(self, k) for k in keys}
        if self.date_lags:  # (absent when empty: fingerprints of earlier runs stay valid)
            d["date_lags"] = sorted([str(a), int(b)] for a, b in self.date_lags)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()
