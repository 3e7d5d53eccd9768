"""estimate step of the pipeline: multiple systems estimation from capture histories.

Usable alone: takes a capture-history table (DataFrame, array or :class:`CaptureHistories`)
and never imports ``link`` or ``store``.
"""

from __future__ import annotations

from uncounted.estimate.histories import CaptureHistories, as_histories
from uncounted.estimate.result import EstimateResult, Estimator

__all__ = [
    "CaptureHistories",
    "EstimateResult",
    "Estimator",
    "as_histories",
]
