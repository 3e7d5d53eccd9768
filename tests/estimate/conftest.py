"""Shared fixtures for the estimate tests: the R reference numbers and their datasets."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from uncounted.estimate import CaptureHistories


def reference_dir() -> Path:
    """``../shared/reference`` beside the repository, or ``$UNCOUNTED_REFERENCE_DIR``."""
    env = os.environ.get("UNCOUNTED_REFERENCE_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "reference"


def _load() -> dict[str, Any] | None:
    path = reference_dir() / "r_reference.json"
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


REFERENCE: dict[str, Any] | None = _load()


def reference_entries(predicate: Any) -> list[Any]:
    """pytest params of the reference entries matching ``predicate`` (id = dataset/model)."""
    if REFERENCE is None:
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(
                    reason=f"R reference folder not found at {reference_dir()} "
                    "(set UNCOUNTED_REFERENCE_DIR)"
                ),
                id="no-reference",
            )
        ]
    out = []
    for i, r in enumerate(REFERENCE["results"]):
        if predicate(r):
            out.append(pytest.param(r, id=f"{r['dataset']}-{r.get('model')}-{i}"))
    return out


_CACHE: dict[str, CaptureHistories] = {}


def load_histories(dataset: str) -> CaptureHistories:
    """The capture histories of a reference dataset (cached)."""
    if dataset not in _CACHE:
        assert REFERENCE is not None
        info = REFERENCE["datasets"][dataset]
        df = pd.read_csv(reference_dir() / info["csv"])
        h = CaptureHistories(df)
        assert h.n_observed == info["n_observed"]
        _CACHE[dataset] = h
    return _CACHE[dataset]


@pytest.fixture(scope="session")
def reference() -> dict[str, Any]:
    if REFERENCE is None:
        pytest.skip(f"R reference folder not found at {reference_dir()}")
    return REFERENCE
