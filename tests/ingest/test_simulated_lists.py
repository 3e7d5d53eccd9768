"""Contract test with the generator: its five lists and mappings ingest as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from uncounted.ingest import ingest_file
from uncounted.store import Store


@pytest.mark.parametrize("monitor_format", ["parquet", "koi8-r"])
def test_simulated_case_ingests(tmp_path: Path, monitor_format: str) -> None:
    case_mod = pytest.importorskip("uncounted.simulate.case")
    case = case_mod.generate_case(seed=2022, n_people=600, monitor_format=monitor_format)
    files = case.write(tmp_path / "case")
    with Store(tmp_path / "db.duckdb") as store:
        for name, path in files.items():
            if name not in case.lists:
                continue
            r = ingest_file(store, path, source=name,
                            mapping=tmp_path / "case" / "mappings" / f"{name}.toml")
            # every record the generator wrote is either accepted or quarantined for a reason
            # a person can act on; layout rows (title, repeated header, totals) never count
            layout = sum(r.reasons_summary.get(k, 0)
                         for k in ("title_line", "repeated_header", "totals_row"))
            assert r.n_rows - layout == len(case.lists[name]), name
            assert "internal_error" not in r.reasons_summary
            assert r.n_accepted >= 0.9 * len(case.lists[name]), (name, r.reasons)
        if monitor_format == "koi8-r":
            assert store.scalar("SELECT encoding FROM ingests WHERE source = 'monitor'") == "koi8-r"
