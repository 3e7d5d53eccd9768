"""Shared fixtures: one seed, the reference folder, fresh projects."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SEED = 2022
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def seed() -> int:
    return SEED


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    env = os.environ.get("UNCOUNTED_REFERENCE_DIR")
    path = Path(env) if env else REPO.parent / "shared" / "reference"
    if not path.is_dir():
        pytest.skip(f"reference folder {path} is absent")
    return path


@pytest.fixture
def project(tmp_path: Path):
    from uncounted.project import Project

    proj = Project.init(tmp_path / "proj", name="test")
    yield proj
    proj.close()
