"""One file = one transaction: SIGKILL mid-ingest leaves the store exactly as before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.ingest.conftest import HEADER, mapping
from uncounted.ingest import ingest_file
from uncounted.store import Store

SRC = Path(__file__).resolve().parents[2] / "src"
TABLES = ["ingests", "records", "quarantine", "record_changes", "audit_log"]

CHILD = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from uncounted.store import Store
    from uncounted.ingest import ingest_file

    db, csv_path, marker, mapping = sys.argv[1], sys.argv[2], Path(sys.argv[3]), json.loads(sys.argv[4])
    where = sys.argv[5]
    calls = []
    def progress(done, total):
        calls.append(done)
        # 'stream': three batches are staged in the open transaction;
        # 'finish': the rows are in `records` and the older version is marked superseded,
        # but the ingest is not committed
        if where == "stream":
            hit, note = len(calls) == 3, done
        else:  # the callback runs inside the transaction, so it sees its own writes
            note = store.scalar("SELECT count(*) FROM records")
            hit = note > 1
        if hit:
            # write then rename, so the parent never reads a marker that exists but is empty
            tmp = marker.with_suffix(".tmp")
            tmp.write_text(str(note))
            tmp.replace(marker)
            time.sleep(120)          # wait here to be killed
    store = Store(db)
    ingest_file(store, csv_path, source="big", mapping=mapping, progress=progress,
                batch_size=500)
    print("finished", flush=True)
""")


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    with Store(db) as s:
        return {t: s.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
@pytest.mark.parametrize("where", ["stream", "finish"])
def test_sigkill_mid_ingest_leaves_store_unchanged(tmp_path: Path, where: str) -> None:
    import json

    db = tmp_path / "p" / "uncounted.duckdb"
    small = tmp_path / "small.csv"
    small.write_text(HEADER + "1;Иванов;Иван;35;01.03.2022;убит\n2;Орлов;Ян;-1;01.03.2022;убит\n",
                     encoding="utf-8")
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(1, 5001):
            age = -4 if i % 97 == 0 else 20 + i % 50
            fh.write(f"{i};Фамилия{i};Имя;{age};0{1 + i % 9}.03.2022;убит\n")
    with Store(db) as s:
        ingest_file(s, small, source="big", mapping=mapping())
        # the big file also supersedes record 1 of the earlier file
    before = _snapshot(db)
    assert len(before["records"]) == 1 and len(before["quarantine"]) == 1

    marker = tmp_path / "marker"
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(big), str(marker),
                             json.dumps(mapping()), where], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()[1].decode()
            assert time.monotonic() < deadline, "child never reached the middle of the ingest"
            time.sleep(0.05)
        seen = int(marker.read_text())
        assert seen > 0 if where == "stream" else seen == 1 + 4949  # all rows inserted
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert b"finished" not in out

    after = _snapshot(db)
    assert after == before

    with Store(db) as s:
        r = ingest_file(s, big, source="big", mapping=mapping())
        assert r.n_rows == 5000 and r.n_quarantined == 51 and r.n_accepted == 4949
        assert r.n_superseded == 1 and r.n_new == 4948
        assert s.scalar("SELECT count(*) FROM records WHERE active") == 4949
        from uncounted.store.audit import verify
        assert verify(s.con).ok
