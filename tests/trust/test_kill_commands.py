"""Each long-running command killed with SIGKILL mid-way leaves a consistent store, and a rerun
completes (issue 8, item 3).  The kill happens inside the command's transaction, at its audit
entry (``UNCOUNTED_CRASH_AFTER=audit.<action>``): everything it wrote before must vanish."""

from __future__ import annotations

import duckdb
import pytest

from tests.trust.crashkit import run_snippet, run_until_crash

CLI = "from uncounted.cli.main import main\nmain({args!r})\n"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    d = tmp_path_factory.mktemp("kill") / "p"
    run_snippet(f"""
        from pathlib import Path
        from uncounted.project import Project
        from uncounted.simulate import generate_case
        case = generate_case(seed=5, n_people=300)
        p = Project.init({str(d)!r})
        files = case.write(Path({str(d)!r}) / "lists")
        for name, path in files.items():
            p.ingest(path, source=name, mapping=Path({str(d)!r}) / "lists" / "mappings" / f"{{name}}.toml")
        p.close()
    """, timeout=600)
    return d


def db(d):
    return duckdb.connect(str(d / ".uncounted" / "uncounted.duckdb"), read_only=True)


def audit_ok(d) -> bool:
    from uncounted.store import audit

    con = db(d)
    try:
        return audit.verify(con).ok
    finally:
        con.close()


def test_link_estimate_report_killed_mid_transaction(ingested, tmp_path):
    d = ingested
    env = {"CI": "true"}
    # link: killed with pairs and clusters written but not committed
    run_until_crash(CLI.format(args=["link", "-p", str(d)]), "audit.link", env=env)
    con = db(d)
    assert con.execute("SELECT count(*) FROM link_runs").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM link_pairs").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM clusters").fetchone()[0] == 0
    con.close()
    assert audit_ok(d)
    run_snippet(CLI.format(args=["link", "-p", str(d)]), env=env, timeout=600)
    con = db(d)
    n_runs, n_clusters = con.execute(
        "SELECT count(*), max(n_clusters) FROM link_runs WHERE status = 'done'").fetchone()
    assert n_runs == 1
    assert con.execute("SELECT count(DISTINCT cluster_id) FROM clusters").fetchone()[0] == n_clusters
    con.close()

    # estimate: killed inside the transaction that stores the run
    args = ["estimate", "--method", "loglinear", "-p", str(d)]
    run_until_crash(CLI.format(args=args), "audit.estimate", env=env)
    con = db(d)
    assert con.execute("SELECT count(*) FROM estimate_runs").fetchone()[0] == 0
    con.close()
    run_snippet(CLI.format(args=args), env=env, timeout=600)
    con = db(d)
    assert con.execute("SELECT count(*) FROM estimate_runs WHERE current").fetchone()[0] == 1
    con.close()

    # report: the file is renamed into place atomically; a kill leaves a whole file or none
    out = tmp_path / "report.html"
    run_until_crash(CLI.format(args=["report", "-o", str(out), "-p", str(d)]), "audit.report", env=env)
    assert not out.exists() or out.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert not list(tmp_path.glob("*.tmp"))
    run_snippet(CLI.format(args=["report", "-o", str(out), "-p", str(d)]), env=env, timeout=600)
    assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert audit_ok(d)
