from __future__ import annotations

import duckdb
import pytest

from uncounted.exceptions import StoreError
from uncounted.store import Store, audit


def test_migrations_apply_once_and_are_recorded(tmp_path):
    path = tmp_path / "db.duckdb"
    s = Store(path)
    names = [r[0] for r in s.con.execute("SELECT name FROM schema_migrations").fetchall()]
    assert "0001_core.sql" in names
    s.close()
    s2 = Store(path)
    assert s2.migrate() == []  # nothing pending the second time
    s2.close()


def test_transaction_rolls_back_everything_on_error():
    s = Store(":memory:")
    with pytest.raises(RuntimeError), s.transaction() as con:
        con.execute("INSERT INTO claims (claim_id, claimant, counts, created_at) "
                    "VALUES (1, 'x', 'both', now())")
        s.audit("claim.add", "claim:1", {})
        raise RuntimeError("boom")
    assert s.scalar("SELECT count(*) FROM claims") == 0
    assert s.scalar("SELECT count(*) FROM audit_log") == 0


def test_nested_transactions_join_the_outer_one():
    s = Store(":memory:")
    with pytest.raises(ValueError), s.transaction():
        s.audit("a")
        with s.transaction():
            s.audit("b")
        raise ValueError
    assert s.scalar("SELECT count(*) FROM audit_log") == 0
    with s.transaction():
        s.audit("a")
        with s.transaction():
            s.audit("b")
    assert s.scalar("SELECT count(*) FROM audit_log") == 2


def test_audit_chain_detects_edit_and_deletion():
    s = Store(":memory:")
    for i in range(5):
        s.audit("step", f"obj:{i}", {"i": i, "name": "Иванов"})
    assert audit.verify(s.con).ok
    s.con.execute("UPDATE audit_log SET detail = '{\"i\": 99}' WHERE seq = 3")
    rep = audit.verify(s.con)
    assert not rep.ok and any("entry 3" in p for p in rep.problems)
    s2 = Store(":memory:")
    for i in range(5):
        s2.audit("step", f"obj:{i}", {"i": i})
    s2.con.execute("DELETE FROM audit_log WHERE seq = 2")
    rep2 = audit.verify(s2.con)
    assert not rep2.ok and any("entry 2" in p for p in rep2.problems)


def test_second_writer_process_gets_a_clear_error(tmp_path):
    import subprocess
    import sys
    import time

    path = tmp_path / "db.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match="another uncounted process"):
            Store(path)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    time.sleep(0.1)
    Store(path).close()  # free again once the other process is gone
    assert duckdb.__version__ >= "2"
