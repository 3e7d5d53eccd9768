"""Review step of the pipeline: the web app where people decide uncertain matches.

``create_app(project_dir, settings=ReviewSettings())`` returns the ASGI app that
``uncounted serve`` runs (see docs/review.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from uncounted.review.settings import ReviewSettings

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(project_dir: str | Path | Any, *, settings: ReviewSettings | None = None) -> FastAPI:
    """See :func:`uncounted.review.app.create_app` (imported lazily: FastAPI is heavy)."""
    from uncounted.review.app import create_app as _create

    return _create(project_dir, settings=settings)


__all__ = ["ReviewSettings", "create_app"]
