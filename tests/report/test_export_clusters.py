from __future__ import annotations

import csv


def test_export_clusters_exact_by_default_and_safe_on_request(linked_project, tmp_path):
    proj = linked_project
    with proj.store.transaction() as con:
        con.execute("UPDATE records SET record_id = '=HYPERLINK(\"http://x\")' WHERE record_uid = 1")
    exact = tmp_path / "c.csv"
    n = proj.export_clusters(exact)
    with exact.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert n == len(rows) == proj.store.scalar("SELECT count(*) FROM records WHERE active")
    assert set(rows[0]) == {"source", "record_id", "cluster_id"}
    ids = {r["record_id"] for r in rows}
    assert '=HYPERLINK("http://x")' in ids  # exactly as input: the contract
    safe = tmp_path / "s.csv"
    proj.export_clusters(safe, spreadsheet_safe=True)
    with safe.open(encoding="utf-8", newline="") as fh:
        sids = {r["record_id"] for r in csv.DictReader(fh)}
    assert not any(i.startswith(("=", "+", "-", "@")) for i in sids)
