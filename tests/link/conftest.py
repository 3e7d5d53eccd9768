"""Fixtures for the linkage tests: toy records with name keys from a local stand-in."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.link.standin import name_keys_standin, toy_records
from uncounted.link import LinkSettings, link_records


@pytest.fixture(scope="session")
def toy() -> pd.DataFrame:
    return toy_records(n_people=250, n_sources=4, seed=7)


@pytest.fixture(scope="session")
def fast_settings() -> LinkSettings:
    return LinkSettings(u_max_pairs=1e5, max_iterations=8)


@pytest.fixture(scope="session")
def toy_result(toy: pd.DataFrame, fast_settings: LinkSettings):
    return link_records(toy, settings=fast_settings, name_keys=name_keys_standin)
