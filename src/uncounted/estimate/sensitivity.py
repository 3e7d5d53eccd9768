"""How the estimate moves with the record-linkage threshold.

Linkage errors change the capture histories: missed links split one person into several
single-list "people" (inflating ``f1`` and the estimate), false links merge different
people (inflating overlaps and deflating it).  Rather than trusting one threshold, fit the
same estimator on the tables produced at several thresholds and show the spread (cf. Tancredi
& Liseo 2011 for a joint model; Lum, Price & Banks 2013 on linkage in casualty counts).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from uncounted.estimate.histories import as_histories
from uncounted.estimate.result import Estimator
from uncounted.exceptions import EstimationWarning, InputError, UncountedError

__all__ = ["linkage_sensitivity"]

logger = logging.getLogger(__name__)


def linkage_sensitivity(
    tables: Mapping[float, Any],
    estimator: Estimator | Callable[[], Estimator],
) -> pd.DataFrame:
    """Fit ``estimator`` to the table at each linkage threshold.

    Parameters
    ----------
    tables : mapping of float to CaptureHistories
        Linkage threshold (e.g. match probability) -> capture histories at that threshold.
    estimator : Estimator or callable returning one
        Cloned for each threshold, so every fit uses the same settings.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``threshold`` (ascending): ``n_observed, f1_share, N, lower, upper,
        relative_to_median`` (``N`` over the median ``N`` across thresholds), ``method``,
        ``status`` ("estimated"/"refused") and ``reason``.  Warnings raised by the fits are
        collected in ``n_warnings`` rather than re-raised.
    """
    if not tables:
        raise InputError("No tables given: pass {threshold: CaptureHistories}.")
    rows = []
    for thr in sorted(tables):
        try:
            h = as_histories(tables[thr])
        except InputError as exc:
            raise InputError(f"Threshold {thr!r}: {exc}") from None
        est = estimator.clone() if isinstance(estimator, Estimator) else estimator()
        single = float(h.counts[h.patterns.sum(axis=1) == 1].sum())
        row: dict[str, Any] = {"threshold": float(thr), "n_observed": h.n_observed,
               "f1_share": single / h.n_observed if h.n_observed else math.nan}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EstimationWarning)
            try:
                r = est.fit(h).result_
                row |= {"N": r.estimate, "lower": r.lower, "upper": r.upper, "method": r.method,
                        "status": "estimated", "reason": ""}
            except UncountedError as exc:
                row |= {"N": math.nan, "lower": math.nan, "upper": math.nan, "method": "",
                        "status": "refused", "reason": str(exc)}
        row["n_warnings"] = sum(1 for w in caught if issubclass(w.category, EstimationWarning))
        rows.append(row)
    df = pd.DataFrame(rows).set_index("threshold")
    med = float(df["N"].median())
    df["relative_to_median"] = df["N"] / med if med and math.isfinite(med) else math.nan
    cols = ["n_observed", "f1_share", "N", "lower", "upper", "relative_to_median", "method",
            "status", "reason", "n_warnings"]
    return df[cols]
