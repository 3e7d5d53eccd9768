"""uncounted: count the casualties no single list holds."""

from __future__ import annotations

__version__ = "0.1.0"

from uncounted.exceptions import UncountedError  # noqa: E402

__all__ = ["UncountedError", "__version__"]
