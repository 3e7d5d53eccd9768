"""Fixtures for the trust tests: a fresh on-disk project store and a fast key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from uncounted.store import Store
from uncounted.store.crypto import MIN_SCRYPT_N, KeyRing

PASSPHRASE = "correct horse battery staple ocean"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    d = tmp_path / "proj"
    d.mkdir()
    return d


@pytest.fixture
def store(project_dir: Path) -> Iterator[Store]:
    s = Store.for_project(project_dir)
    yield s
    s.close()


@pytest.fixture
def keyring(project_dir: Path) -> KeyRing:
    # The lowest scrypt cost, to keep tests fast; production uses 2**17.
    return KeyRing.create(project_dir, passphrase=PASSPHRASE, scrypt_n=MIN_SCRYPT_N)
