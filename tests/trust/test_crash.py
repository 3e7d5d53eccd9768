"""SIGKILL in the middle of a store transaction leaves no partial rows and a valid audit chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from uncounted.store import Store, crashpoints
from uncounted.store.audit import verify

from .crashkit import run_snippet, run_until_crash

# Writes 3 committed batches of 50 records (one transaction each, with an audit entry), then
# a 4th batch whose transaction is killed half way.  Rerun without a crash point, it resumes
# after the last committed batch.
WRITER = """
import sys
from datetime import datetime
from uncounted.store import Store, now
from uncounted.store.crashpoints import crashpoint

store = Store.for_project(sys.argv[1] if len(sys.argv) > 1 else "proj")
done = store.scalar("SELECT count(DISTINCT ingest_id) FROM records")
for batch in range(done, 5):
    with store.transaction() as con:
        for i in range(50):
            uid = batch * 1000 + i
            con.execute(
                "INSERT INTO records (record_uid, source, record_id, name_raw, ingest_id, "
                "file_sha256, line_no, ingested_at) VALUES (?, 'A', ?, 'X', ?, 'h', ?, ?)",
                [uid, str(uid), batch, i, now()],
            )
            if i == 25:
                crashpoint("test.mid_transaction")
        store.audit("test.batch", str(batch), {"n": 50})
    crashpoint("test.after_commit")
store.close()
"""


def _state(project: Path) -> tuple[int, int, bool]:
    with Store.for_project(project) as s:
        n = s.scalar("SELECT count(*) FROM records")
        batches = s.scalar("SELECT count(DISTINCT ingest_id) FROM records")
        ok = verify(s.con).ok and s.scalar("SELECT count(*) FROM audit_log") == batches
    return int(n), int(batches), ok


def test_kill_mid_transaction_then_resume(tmp_path: Path) -> None:
    res = run_until_crash(WRITER, "test.mid_transaction@4", cwd=tmp_path)
    assert res.label == "test.mid_transaction@4"
    n, batches, ok = _state(tmp_path / "proj")
    assert (n, batches, ok) == (150, 3, True)  # batch 4 vanished whole; the chain verifies
    run_snippet(WRITER, cwd=tmp_path)  # the rerun completes
    assert _state(tmp_path / "proj") == (250, 5, True)


def test_kill_right_after_commit_keeps_the_commit(tmp_path: Path) -> None:
    run_until_crash(WRITER, "test.after_commit@2", cwd=tmp_path)
    assert _state(tmp_path / "proj") == (100, 2, True)


def test_crashkit_fails_when_label_not_reached(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="was not killed"):
        run_until_crash("print('hello')", "nowhere", cwd=tmp_path)


def test_crashpoint_is_noop_without_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(crashpoints.ENV_CRASH_AFTER, raising=False)
    crashpoints.crashpoint("anything")  # returns
    monkeypatch.setenv(crashpoints.ENV_CRASH_AFTER, "other,third@2")
    crashpoints.reset()
    crashpoints.crashpoint("anything")
    assert crashpoints._targets("a, b@3, c@x,") == {"a": 1, "b": 3, "c": 1}


SENSITIVE = """
import sys
from uncounted.store import Store
from uncounted.store.crypto import KeyRing
from uncounted.store.sensitive import SensitiveStore

store = Store.for_project("proj")
ring = KeyRing.from_passphrase("proj", "a passphrase for the crash test")
ss = SensitiveStore(store, ring, allow_plaintext=True)
mode = sys.argv[1]
if mode == "replace":
    ss.put_many([("source", str(i), "contact", f"new {i}") for i in range(20)])
elif mode == "encrypt":
    ss.encrypt_existing()
store.close()
"""


def _prepare_sensitive(project: Path) -> None:
    from uncounted.store.crypto import KeyRing
    from uncounted.store.sensitive import SensitiveStore

    with Store.for_project(project) as s:
        ring = KeyRing.create(project, passphrase="a passphrase for the crash test", scrypt_n=1024)
        SensitiveStore(s, ring).put_many([("source", str(i), "contact", f"old {i}")
                                          for i in range(20)])
        SensitiveStore(s, None, allow_plaintext=True).put_many(
            [("witness", str(i), "name", f"w {i}") for i in range(5)])


def _sensitive_state(project: Path) -> tuple[list[str], tuple[int, int], bool]:
    from uncounted.store.crypto import KeyRing
    from uncounted.store.sensitive import SensitiveStore

    with Store.for_project(project) as s:
        ss = SensitiveStore(s, KeyRing.from_passphrase(project, "a passphrase for the crash test"))
        values = [ss.get("source", str(i), "contact") or "-" for i in range(20)]
        return values, ss.count(), verify(s.con).ok


def test_kill_between_delete_and_insert_keeps_old_values(tmp_path: Path) -> None:
    _prepare_sensitive(tmp_path / "proj")
    run_until_crash(SENSITIVE.replace("sys.argv[1]", "'replace'"),
                    "sensitive.put_many.after_delete", cwd=tmp_path)
    values, counts, ok = _sensitive_state(tmp_path / "proj")
    assert values == [f"old {i}" for i in range(20)] and counts == (20, 5) and ok
    run_snippet(SENSITIVE.replace("sys.argv[1]", "'replace'"), cwd=tmp_path)
    assert _sensitive_state(tmp_path / "proj")[0] == [f"new {i}" for i in range(20)]


def test_kill_mid_encrypt_existing_is_all_or_nothing(tmp_path: Path) -> None:
    _prepare_sensitive(tmp_path / "proj")
    run_until_crash(SENSITIVE.replace("sys.argv[1]", "'encrypt'"),
                    "sensitive.encrypt_existing.row@3", cwd=tmp_path)
    assert _sensitive_state(tmp_path / "proj")[1:] == ((20, 5), True)
    run_snippet(SENSITIVE.replace("sys.argv[1]", "'encrypt'"), cwd=tmp_path)
    assert _sensitive_state(tmp_path / "proj")[1:] == ((25, 0), True)


def test_kill_before_rename_leaves_no_partial_export(tmp_path: Path) -> None:
    snippet = """
from uncounted.store import Store
from uncounted.store.redact import export_redacted
with Store.for_project("proj") as s:
    s.con.execute("INSERT INTO records (record_uid, source, record_id, name_raw, ingest_id, "
                  "file_sha256, line_no, ingested_at) VALUES (1, 'A', '1', 'N', 1, 'h', 1, now())")
    export_redacted(s, "out/records.csv", key=b"k" * 32)
"""
    run_until_crash(snippet, "redact.csv_before_rename", cwd=tmp_path)
    assert not (tmp_path / "out" / "records.csv").exists()
    run_snippet(snippet.replace("s.con.execute", "0 and s.con.execute"), cwd=tmp_path)
    assert (tmp_path / "out" / "records.csv").read_text().count("\n") == 2
