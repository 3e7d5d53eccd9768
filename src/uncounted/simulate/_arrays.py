"""Array helpers shared by the generator's modules."""

from __future__ import annotations

from typing import Any

import numpy as np


def where(cond: Any, a: Any, b: Any) -> np.ndarray:
    """``numpy.where`` for object columns, where ``None`` marks a missing value.

    numpy's type stubs reject ``None`` as a branch of ``where``, although numpy accepts it and
    the generator needs it (a field the list does not hold); this keeps the call typed.
    """
    return np.asarray(np.where(cond, a, b))
