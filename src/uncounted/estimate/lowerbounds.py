"""Lower bounds and simple closed forms: Chao's lower bound, sample coverage, Lincoln-Petersen.

These need no model search and make good sanity checks beside the log-linear, BMA and
latent-class estimates:

* **Chao's lower bound** (Chao 1987; Rivest & Baillargeon 2007) uses only ``f1`` and ``f2``,
  the numbers of people on exactly one and exactly two lists:
  ``N = n + (k-1)/k * f1**2 / (2 f2)``.  It is a lower bound under heterogeneous capture
  probabilities and equals Rcapture's "Mh Chao (LB)" when no eta is set to zero.  With
  ``f2 = 0`` the bias-corrected form ``(k-1)/k * f1 (f1 - 1) / (2 (f2 + 1))`` is used.
* **Sample coverage** (Chao & Tsay 1998): with ``D`` the mean over lists of the number of
  people on the *other* lists and ``C = 1 - mean_j(Z_j / n_j)`` (``Z_j``: people only on
  list ``j``), ``N0 = D / C``; it reduces to Lincoln-Petersen for two lists.  A correction
  for positive dependence, ``N1 = N0 + f1 / C * gamma2``, uses the mean pairwise
  covariation ``gamma2 = mean_{j<l}(N0 n_jl / (n_j n_l)) - 1`` floored at 0.
* **Lincoln-Petersen / Chapman** for two lists (Chapman 1951; Seber 1970 variance), for
  comparison only: it assumes independent lists and homogeneous capture.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from uncounted.estimate.heterogeneity import chao_lognormal_interval
from uncounted.estimate.histories import CaptureHistories
from uncounted.estimate.result import (
    EstimateResult,
    Estimator,
    Interval,
    Options,
    Predicate,
    build_provenance,
)
from uncounted.exceptions import EstimationWarning, NotEstimableError

__all__ = [
    "ChaoLowerBound",
    "LincolnPetersen",
    "SampleCoverage",
    "capture_frequencies",
]

logger = logging.getLogger(__name__)


def capture_frequencies(h: CaptureHistories) -> np.ndarray:
    """``f[j]`` = number of people on exactly ``j`` lists, ``j = 0..k`` (``f[0] = 0``)."""
    f = np.zeros(h.k + 1, dtype=np.int64)
    np.add.at(f, h.patterns.sum(axis=1), h.counts)
    return f


class ChaoLowerBound(Estimator):
    """Chao's (1987) moment lower bound for ``N`` under heterogeneous capture.

    Parameters
    ----------
    level : float
        Coverage of Chao's log-normal interval.
    bias_corrected : bool or "auto"
        Use ``f1 (f1 - 1) / (2 (f2 + 1))``; "auto" does so only when ``f2 = 0``.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "level": [Interval(float, 0.0, 1.0, closed="neither")],
        "bias_corrected": [Options((True, False, "auto"))],
    }

    def __init__(self, level: float = 0.95, bias_corrected: bool | str = "auto") -> None:
        self.level = level
        self.bias_corrected = bias_corrected

    def _fit(self, histories: CaptureHistories) -> EstimateResult:
        h = histories
        k = h.k
        f = capture_frequencies(h)
        f1, f2 = float(f[1]), float(f[2])
        n = h.n_observed
        c = (k - 1) / k
        msgs: list[str] = []
        corrected = self.bias_corrected is True or (self.bias_corrected == "auto" and f2 == 0)
        if corrected:
            f0 = c * f1 * (f1 - 1) / (2 * (f2 + 1))
            var = (
                c * f1 * (f1 - 1) / (2 * (f2 + 1))
                + c**2 * f1 * (2 * f1 - 1) ** 2 / (4 * (f2 + 1) ** 2)
                + c**2 * f1**2 * f2 * (f1 - 1) ** 2 / (4 * (f2 + 1) ** 4)
            )
            if f2 == 0:
                msgs.append("no one is on exactly two lists: bias-corrected form used")
        else:
            r = f1 / f2
            f0 = c * f1**2 / (2 * f2)
            var = f2 * (c**2 * r**4 / 4 + c**2 * r**3 + c * r**2 / 2)
        N = n + f0
        se = math.sqrt(max(var, 0.0))
        lo, hi = chao_lognormal_interval(n, N, se, self.level)
        for w in msgs:
            warnings.warn(w, EstimationWarning, stacklevel=3)
        return EstimateResult(
            method="Chao lower bound" + (" (bias-corrected)" if corrected else ""),
            estimate=N,
            interval=(lo, hi),
            interval_kind="wald-log",
            level=self.level,
            n_observed=n,
            diagnostics={"f1": int(f1), "f2": int(f2), "f0": f0, "stderr": se,
                         "frequencies": [int(x) for x in f]},
            warnings=tuple(msgs),
            provenance=build_provenance(h, None, self.get_params()),
        )


class SampleCoverage(Estimator):
    """Chao & Tsay's (1998) sample-coverage estimator for ``k >= 2`` lists.

    Parameters
    ----------
    correct_dependence : bool
        Add the covariation correction ``f1 / C * gamma2`` (``N1``); else ``N0 = D / C``.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "correct_dependence": [Options((True, False))],
    }

    def __init__(self, correct_dependence: bool = True) -> None:
        self.correct_dependence = correct_dependence

    def _fit(self, histories: CaptureHistories) -> EstimateResult:
        h = histories
        P, w = h.patterns, h.counts.astype(float)
        k, n = h.k, float(h.n_observed)
        sizes = P.T @ w
        only = np.array([float(w[(P[:, j] == 1) & (P.sum(axis=1) == 1)].sum()) for j in range(k)])
        if np.any(sizes == 0):
            raise NotEstimableError("A list is empty: sample coverage needs every list to hold someone.")
        D = float(np.mean(n - only))
        C = 1.0 - float(np.mean(only / sizes))
        if C <= 0:
            raise NotEstimableError(
                "Estimated sample coverage is zero: no one appears on more than one list."
            )
        N0 = D / C
        gammas = []
        for i in range(k - 1):
            for j in range(i + 1, k):
                nij = float(w[(P[:, i] == 1) & (P[:, j] == 1)].sum())
                gammas.append(N0 * nij / (sizes[i] * sizes[j]) - 1.0)
        gamma2 = max(float(np.mean(gammas)), 0.0)
        f1 = float(only.sum())
        N = N0 + (f1 / C * gamma2 if self.correct_dependence else 0.0)
        N = max(N, n)
        return EstimateResult(
            method="sample coverage" + (" (dependence-corrected)" if self.correct_dependence else ""),
            estimate=N,
            interval=(float("nan"), float("nan")),
            interval_kind="none",
            level=0.95,
            n_observed=int(n),
            diagnostics={"coverage": C, "D": D, "N0": N0, "gamma2": gamma2, "f1": f1},
            provenance=build_provenance(h, None, self.get_params()),
        )


def _pair_ok(value: Any) -> bool:
    return value is None or (len(value) == 2 and value[0] != value[1])


class LincolnPetersen(Estimator):
    """Two-list Lincoln-Petersen estimate in Chapman's (1951) nearly unbiased form.

    For comparison only: it assumes the two lists are independent and everyone is equally
    likely to be listed, which casualty lists rarely satisfy.

    Parameters
    ----------
    lists : pair of list names, optional
        Which two lists (default: the two largest; the others are ignored).
    level : float
        Coverage of the log-normal interval built on Seber's (1970) variance.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "lists": [Predicate(_pair_ok, "None or a pair of distinct list names")],
        "level": [Interval(float, 0.0, 1.0, closed="neither")],
    }

    def __init__(self, lists: Sequence[str] | None = None, level: float = 0.95) -> None:
        self.lists = lists
        self.level = level

    def _fit(self, histories: CaptureHistories) -> EstimateResult:
        h = histories
        if self.lists is None:
            sizes = h.list_sizes.sort_values(ascending=False, kind="stable")
            pair = [str(x) for x in sizes.index[:2]]
        else:
            pair = [str(x) for x in self.lists]
        sub = h.subset(pair)
        ov = sub.overlap_matrix().to_numpy(dtype=float)
        n1, n2, m = float(ov[0, 0]), float(ov[1, 1]), float(ov[0, 1])
        if m == 0:
            raise NotEstimableError(
                f"Lists {pair[0]!r} and {pair[1]!r} share nobody: Lincoln-Petersen needs an overlap."
            )
        N = (n1 + 1) * (n2 + 1) / (m + 1) - 1
        var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
        se = math.sqrt(var)
        nobs = sub.n_observed
        lo, hi = chao_lognormal_interval(nobs, N, se, self.level)
        return EstimateResult(
            method=f"Lincoln-Petersen (Chapman) {pair[0]} x {pair[1]}",
            estimate=N,
            interval=(lo, hi),
            interval_kind="wald-log",
            level=self.level,
            n_observed=nobs,
            diagnostics={"n1": n1, "n2": n2, "m": m, "stderr": se, "lists": pair,
                         "note": "comparison only: assumes independent, homogeneous lists",
                         "n_observed_all_lists": h.n_observed},
            provenance=build_provenance(h, None, self.get_params()),
        )
