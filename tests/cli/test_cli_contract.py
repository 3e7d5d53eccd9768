"""The CLI contract that scripts rely on: command names, exit codes, one-line errors, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "true"}
    proc = subprocess.run([sys.executable, "-m", "uncounted", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


def test_version_and_help():
    assert run("--version").stdout.startswith("uncounted ")
    out = run("--help").stdout
    for cmd in ("init", "ingest", "status", "quarantine", "link", "estimate", "report", "export",
                "estimate-table", "demo"):
        assert cmd in out


def test_usage_errors_show_usage_and_exit_2_not_an_internal_error():
    # typer 0.29 raises the exceptions of its own copy of click, which click's classes missed:
    # these were reported as "internal error ... please report it" with exit code 1
    for args, words in ((("report",), "Missing option '-o' / '--output'"),
                        (("nosuchcmd",), "No such command 'nosuchcmd'"),
                        (("estimate", "--seed", "abc"), "Invalid value for '--seed'")):
        proc = run(*args, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Usage: " in proc.stderr and words in proc.stderr, proc.stderr
        assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


def test_init_then_status_json(tmp_path):
    run("init", str(tmp_path / "p"))
    assert (tmp_path / "p" / "uncounted.toml").is_file()
    assert (tmp_path / "p" / ".uncounted" / "uncounted.duckdb").is_file()
    st = json.loads(run("status", "--json", "-p", str(tmp_path / "p")).stdout)
    assert st["n_records"] == 0 and st["n_clusters"] is None
    # the global -p form and the current-folder form give the same answer
    st2 = json.loads(run("-p", str(tmp_path / "p"), "status", "--json").stdout)
    st3 = json.loads(run("status", "--json", cwd=tmp_path / "p").stdout)
    assert st == st2 == st3


def test_errors_are_one_line_and_nonzero(tmp_path):
    run("init", str(tmp_path / "p"))
    again = run("init", str(tmp_path / "p"), check=False)
    assert again.returncode == 2
    assert "already" in again.stderr and "Traceback" not in again.stderr
    missing = run("status", "-p", str(tmp_path / "nowhere"), check=False)
    assert missing.returncode == 2 and "uncounted init" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) <= 3


def test_quarantine_json_empty_and_export_needs_linkage(tmp_path):
    run("init", str(tmp_path / "p"))
    assert json.loads(run("quarantine", "--json", "-p", str(tmp_path / "p")).stdout) == []
    exp = run("export", "clusters", "-o", str(tmp_path / "c.csv"), "-p", str(tmp_path / "p"), check=False)
    assert exp.returncode == 2 and "uncounted link" in exp.stderr


def test_debug_shows_traceback(tmp_path):
    proc = run("--debug", "status", "-p", str(tmp_path / "nowhere"), check=False)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_ingest_can_say_a_list_dates_admissions(tmp_path):
    from uncounted.simulate import generate_case

    files = generate_case(n_people=40, seed=3).write(tmp_path / "lists")
    mapping = str(tmp_path / "lists" / "mappings" / "xray.toml")
    run("init", str(tmp_path / "p"))
    bad = run("ingest", str(files["xray"]), "--source", "xray", "--mapping", mapping,
              "--date-lag-days", "-1", "-p", str(tmp_path / "p"), check=False)
    assert bad.returncode == 2 and "--date-lag-days" in bad.stderr
    run("ingest", str(files["xray"]), "--source", "xray", "--mapping", mapping,
        "--date-lag-days", "2", "-p", str(tmp_path / "p"))
    text = (tmp_path / "p" / "uncounted.toml").read_text(encoding="utf-8")
    assert "date_lag_days = 2" in text
