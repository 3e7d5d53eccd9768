"""estimate step of the pipeline: multiple systems estimation from capture histories.

Usable alone: takes a capture-history table (DataFrame, array or :class:`CaptureHistories`)
and never imports ``link`` or ``store``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from uncounted.estimate.heterogeneity import CLOSEDP_MODELS, ClosedPopulation, closedp
from uncounted.estimate.histories import CaptureHistories, as_histories
from uncounted.estimate.loglinear import LogLinear
from uncounted.estimate.lowerbounds import ChaoLowerBound, LincolnPetersen, SampleCoverage
from uncounted.estimate.result import EstimateResult, Estimator
from uncounted.estimate.sensitivity import linkage_sensitivity
from uncounted.estimate.sparse import SparseMSE, check_identifiability
from uncounted.estimate.strata import StratifiedResult, estimate_by_stratum

if TYPE_CHECKING:
    from uncounted.estimate.analysis import Analysis, analyse
    from uncounted.estimate.bma import BMA
    from uncounted.estimate.lcmcr import LCMCR

#: heavier parts (numba kernels) load on first use
_LAZY = {"BMA": "uncounted.estimate.bma", "LCMCR": "uncounted.estimate.lcmcr",
         "analyse": "uncounted.estimate.analysis", "Analysis": "uncounted.estimate.analysis"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'uncounted.estimate' has no attribute {name!r}")


__all__ = [
    "BMA",
    "LCMCR",
    "Analysis",
    "analyse",
    "CLOSEDP_MODELS",
    "CaptureHistories",
    "ChaoLowerBound",
    "ClosedPopulation",
    "EstimateResult",
    "Estimator",
    "LincolnPetersen",
    "LogLinear",
    "SampleCoverage",
    "SparseMSE",
    "StratifiedResult",
    "as_histories",
    "check_identifiability",
    "closedp",
    "estimate_by_stratum",
    "linkage_sensitivity",
]
