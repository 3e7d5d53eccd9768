"""uncounted: count the casualties no single list holds.

The top level re-exports a handful of names; heavy parts (Splink, numba) load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from uncounted.exceptions import UncountedError

__version__ = "0.1.0"

if TYPE_CHECKING:
    from uncounted.project import Project

__all__ = ["Project", "UncountedError", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Project":
        from uncounted.project import Project

        return Project
    raise AttributeError(f"module 'uncounted' has no attribute {name!r}")
