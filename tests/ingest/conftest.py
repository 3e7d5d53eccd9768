"""Fixtures for ingest tests: a fresh store and a helper that writes CSV fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from uncounted.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "db" / "uncounted.duckdb")
    yield s
    s.close()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def _write(text: str, name: str = "list.csv", encoding: str = "utf-8") -> Path:
        p = tmp_path / name
        p.write_bytes(text.encode(encoding))
        return p
    return _write


BASE_MAPPING: dict[str, Any] = {
    "mapping_version": "1",
    "format": {"type": "csv", "delimiter": ";"},
    "id_column": "id",
    "default_year": 2022,
    "fields": {
        "family_name": {"column": "surname"},
        "given_name": {"column": "name"},
        "age": {"column": "age", "type": "int"},
        "event_date": {"column": "date"},
        "event_type": {"column": "status"},
    },
}


def mapping(**over: Any) -> dict[str, Any]:
    """A copy of the base mapping with top-level keys replaced."""
    import copy

    m = copy.deepcopy(BASE_MAPPING)
    m.update(over)
    return m


HEADER = "id;surname;name;age;date;status\n"
