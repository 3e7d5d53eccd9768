"""Tamper-evident audit log: each entry's hash covers its content and the previous hash.

Editing, inserting or deleting any entry breaks the chain from that point on, and
:func:`verify` names the first sequence number where it breaks.  (A key-anchored variant for an
attacker who can rewrite the whole chain is layered on top by the trust module.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

GENESIS = "0" * 64


def _canonical(seq: int, at: datetime, actor: str, action: str, obj: str | None,
               detail: Any, prev_hash: str) -> bytes:
    if isinstance(detail, str):
        detail = json.loads(detail)
    body = {
        "seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor,
        "action": action, "object": obj, "detail": detail, "prev": prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def entry_hash(seq: int, at: datetime, actor: str, action: str, obj: str | None,
               detail: Any, prev_hash: str) -> str:
    return hashlib.sha256(_canonical(seq, at, actor, action, obj, detail, prev_hash)).hexdigest()


def append(con: duckdb.DuckDBPyConnection, actor: str, action: str, obj: str | None,
           detail: dict[str, Any], at: datetime) -> int:
    row = con.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (1, GENESIS) if row is None else (int(row[0]) + 1, str(row[1]))
    detail_json = json.loads(json.dumps(detail, default=str))
    h = entry_hash(seq, at, actor, action, obj, detail_json, prev)
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, at, actor, action, obj, json.dumps(detail_json, ensure_ascii=False), prev, h],
    )
    return seq


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    n_entries: int
    problems: tuple[str, ...]


def verify(con: duckdb.DuckDBPyConnection) -> AuditReport:
    rows = con.execute(
        "SELECT seq, logged_at, actor, action, object, detail, prev_hash, hash FROM audit_log ORDER BY seq"
    ).fetchall()
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    for seq, at, actor, action, obj, detail, prev_hash, h in rows:
        if seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (next entry is {seq}): deletion or insertion")
        if prev_hash != prev:
            problems.append(f"entry {seq}: previous-hash link broken (an entry before it was changed, inserted or deleted)")
        if entry_hash(seq, at, actor, action, obj, detail, prev_hash) != h:
            problems.append(f"entry {seq}: content does not match its hash (edited)")
        prev = h
        expected_seq = seq + 1
    return AuditReport(ok=not problems, n_entries=len(rows), problems=tuple(problems))
