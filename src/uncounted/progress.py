"""Progress reporting without a dependency on any terminal library.

Library code reports progress through a plain callback ``callback(done, total)``; the CLI turns
it into a rich progress bar, and it is silent in tests, notebooks and CI.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[int, int], None]


def null_progress(done: int, total: int) -> None:  # noqa: ARG001
    """The default callback: report nothing."""
