from __future__ import annotations

import json

from tests.cli.test_cli_contract import run


def test_claim_and_incident_roundtrip(tmp_path):
    p = str(tmp_path / "p")
    run("init", p)
    doc = tmp_path / "statement.txt"
    doc.write_text("we treated about 160-170 wounded", encoding="utf-8")
    out = json.loads(run("claim", "add", "--claimant", "Belarusian leadership", "--counts", "wounded",
                         "--low", "160", "--high", "170", "--said-on", "2022-03-10", "--document", str(doc),
                         "--json", "-p", p).stdout)
    assert out["claim_id"] == 1 and len(out["document_sha256"]) == 64
    listed = json.loads(run("claim", "list", "--json", "-p", p).stdout)
    assert listed[0]["claim_low"] == 160 and listed[0]["status"] == "no estimate"
    bad = run("claim", "add", "--claimant", "x", "--counts", "injured", "--low", "1", "-p", p, check=False)
    assert bad.returncode == 2 and "killed, wounded or both" in bad.stderr
    run("incident", "add", "--source", "mon-A", "--date", "2022-02-28", "--seen", "wounded", "--min", "30",
        "--max", "60", "--place", "Mazyr station", "-p", p)
    run("incident", "add", "--source", "chan-B", "--date", "2022-02-28", "--seen", "wounded", "--min", "40",
        "--max", "50", "--place", "Mazyr station", "-p", p)
    groups = json.loads(run("incident", "list", "--json", "-p", p).stdout)
    assert len(groups) == 1 and groups[0]["n_reports"] == 2 and groups[0]["sources"] == "chan-B, mon-A"
    audit_actions = run("status", "--json", "-p", p)  # the store is still consistent and readable
    assert json.loads(audit_actions.stdout)["n_records"] == 0
