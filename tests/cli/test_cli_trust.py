from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.cli.test_cli_contract import run


def run_env(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "uncounted", *args], capture_output=True, text=True,
                          env={**os.environ, "CI": "true", **env}, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc


def test_audit_verify_detects_an_edit(tmp_path):
    import duckdb

    p = str(tmp_path / "p")
    run("init", p)
    run("claim", "add", "--claimant", "x", "--counts", "both", "--low", "5", "-p", p)
    ok = json.loads(run("audit", "verify", "--json", "-p", p).stdout)
    assert ok["ok"] and ok["n_entries"] >= 2
    con = duckdb.connect(str(tmp_path / "p" / ".uncounted" / "uncounted.duckdb"))
    con.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
    con.close()
    bad = run("audit", "verify", "--json", "-p", p, check=False)
    assert bad.returncode == 2
    assert json.loads(bad.stdout)["first_bad_seq"] == 2


def test_key_sensitive_and_redacted_export(tmp_path):
    p = str(tmp_path / "p")
    run("init", p)
    keyfile = tmp_path / "project.key"
    env = {"UNCOUNTED_KEYFILE": str(keyfile)}
    run_env("key", "init", "--keyfile", str(keyfile), "-p", p, env={})
    run_env("sensitive", "set", "source:xray", "identity", "--value", "Dr. Petrova, Mazyr", "-p", p, env=env)
    assert run_env("sensitive", "get", "source:xray", "identity", "-p", p, env=env).stdout.strip() == \
        "Dr. Petrova, Mazyr"
    raw = (tmp_path / "p" / ".uncounted" / "uncounted.duckdb").read_bytes()
    assert b"Petrova" not in raw
    nokey = run_env("sensitive", "get", "source:xray", "identity", "-p", p, env={}, check=False)
    assert nokey.returncode == 2
    out = tmp_path / "shared.csv"
    run_env("export", "--redact", "-o", str(out), "-p", p, env=env)
    assert out.is_file() and b"Petrova" not in out.read_bytes()
    assert json.loads(run_env("audit", "verify", "--json", "-p", p, env=env).stdout)["ok"]
