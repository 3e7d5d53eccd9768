"""Tamper-evident audit log: each entry's hash covers its content and the previous hash.

Editing, inserting or deleting any entry breaks the chain from that point on, and
:func:`verify` names the first sequence number where it breaks (a hash chain as in Haber and
Stornetta 1991, "How to time-stamp a digital document"; Schneier and Kelsey 1999, "Secure audit
logs to support computer forensics").

A chain alone cannot show that its *tail* was cut off, nor that someone rewrote the whole chain
and recomputed every hash.  Two anchors in table ``audit_anchor`` (migration ``0400_trust.sql``)
cover that:

* ``head``: the seq and hash of the last entry, updated by every :func:`append` in the same
  transaction.  It catches a tail deleted by someone who did not also update the anchor.  It has
  no key, so it stops accidents and naive edits only.
* ``sealed``: the seq and hash of an entry, plus an HMAC-SHA256 (RFC 2104) over them with the
  project's audit key (:attr:`uncounted.store.crypto.KeyRing.audit_key`).  Because each hash
  covers everything before it, one MAC over the head commits to the whole prefix: without the key,
  nobody can rewrite, truncate or re-seal it.  Written by :func:`append` when given
  ``anchor_key`` and by :func:`seal`; a seal is only written over a chain that verifies.

What this does not stop: an attacker with the key; entries appended *after* the last seal by
someone without the key are protected by the chain only; and replacing the whole database file
with an older, validly sealed copy (a rollback) - write down :func:`head` out of band to catch
that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from uncounted.exceptions import AuditError

log = logging.getLogger(__name__)

GENESIS = "0" * 64
ANCHOR_TABLE = "audit_anchor"
_MAC_LABEL = b"uncounted/audit-anchor/v1"


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


def anchor_mac(key: bytes, seq: int, h: str) -> str:
    """HMAC-SHA256 that seals "the chain had entry ``seq`` with hash ``h``"."""
    msg = _MAC_LABEL + b"\x00" + str(int(seq)).encode("ascii") + b"\x00" + h.encode("ascii")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def _has_anchor_table(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [ANCHOR_TABLE]
    ).fetchone()
    return bool(row and row[0])


_ANCHORED: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


def _anchors_exist(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether migration 0400 has run on this connection's database (cached once true)."""
    if con in _ANCHORED:
        return True
    if _has_anchor_table(con):
        _ANCHORED.add(con)
        return True
    return False


def _put_anchor(con: duckdb.DuckDBPyConnection, kind: str, seq: int, h: str, mac: str | None,
                at: datetime) -> None:
    # UPDATE first: in DuckDB it costs a third of INSERT OR REPLACE or DELETE + INSERT.
    row = con.execute(f"UPDATE {ANCHOR_TABLE} SET seq = ?, hash = ?, mac = ?, updated_at = ? "
                      "WHERE kind = ?", [seq, h, mac, at, kind]).fetchone()
    if not row or not row[0]:
        con.execute(f"INSERT INTO {ANCHOR_TABLE} VALUES (?, ?, ?, ?, ?)", [kind, seq, h, mac, at])


_LAST = ("(SELECT seq, hash FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)) l "
         "ON TRUE")


def append(con: duckdb.DuckDBPyConnection, actor: str, action: str, obj: str | None,
           detail: dict[str, Any], at: datetime, *, anchor_key: bytes | None = None) -> int:
    """Append one entry (inside the caller's transaction); return its seq.

    Parameters
    ----------
    anchor_key:
        The project's audit key; when given, the new head is also sealed with an HMAC (if the
        chain since the last seal verifies; otherwise the seal is left where it was, an error is
        logged, and :func:`verify` keeps reporting the break).

    Notes
    -----
    Each DuckDB statement costs about a millisecond and append runs once per state change, so
    it uses three: read the last entry and the seal, insert, update both anchors.
    """
    anchored = _anchors_exist(con)
    if anchored:
        row = con.execute(
            f"SELECT l.seq, l.hash, a.seq, a.hash, a.mac FROM (SELECT 1) LEFT JOIN {_LAST} "
            f"LEFT JOIN {ANCHOR_TABLE} a ON a.kind = 'sealed'"
        ).fetchone()
    else:
        row = con.execute(f"SELECT l.seq, l.hash FROM (SELECT 1) LEFT JOIN {_LAST}").fetchone()
    assert row is not None
    seq, prev = (1, GENESIS) if row[0] is None else (int(row[0]) + 1, str(row[1]))
    detail_json = json.loads(json.dumps(detail, default=str))
    h = entry_hash(seq, at, actor, action, obj, detail_json, prev)
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, at, actor, action, obj, json.dumps(detail_json, ensure_ascii=False), prev, h],
    )
    if not anchored:
        return seq
    if anchor_key is None:
        _put_anchor(con, "head", seq, h, None, at)
        return seq
    s_seq, s_hash, s_mac = row[2], row[3], row[4]
    if (s_seq is not None and int(s_seq) == seq - 1 and str(s_hash) == prev
            and hmac.compare_digest(str(s_mac or ""), anchor_mac(anchor_key, seq - 1, prev))):
        # The seal covered the entry we just chained onto: move both anchors in one statement.
        done = con.execute(
            f"UPDATE {ANCHOR_TABLE} SET seq = ?, hash = ?, updated_at = ?, "
            "mac = CASE WHEN kind = 'sealed' THEN ? ELSE NULL END "
            "WHERE kind IN ('head', 'sealed')",
            [seq, h, at, anchor_mac(anchor_key, seq, h)],
        ).fetchone()
        if done and done[0] == 2:
            return seq
    _put_anchor(con, "head", seq, h, None, at)
    try:
        _seal(con, anchor_key, at)
    except AuditError as exc:
        log.error("audit log not sealed: %s", exc)
    return seq


@dataclass(frozen=True)
class AuditReport:
    """Outcome of :func:`verify`.

    Attributes
    ----------
    ok:
        True when no problem was found.
    n_entries:
        Entries in the log.
    problems:
        Each break, naming the entry (seq) where it is seen.
    first_bad_seq:
        The lowest seq named in ``problems`` (None when ok).
    notes:
        Facts that are not breaks, e.g. how many entries the key-sealed anchor does not cover.
    """

    ok: bool
    n_entries: int
    problems: tuple[str, ...]
    first_bad_seq: int | None = None
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.ok:
            head = f"audit log OK: {self.n_entries} entries verify"
        else:
            head = (f"audit log BROKEN ({len(self.problems)} problems, first at entry "
                    f"{self.first_bad_seq}):")
        lines = [head, *(f"  - {p}" for p in self.problems), *(f"  note: {n}" for n in self.notes)]
        return "\n".join(lines)


Row = tuple[Any, ...]


def _check_chain(rows: Sequence[Row], prev: str, expected_seq: int,
                 problems: list[tuple[int, str]]) -> None:
    for seq, at, actor, action, obj, detail, prev_hash, h in rows:
        if seq != expected_seq:
            if seq > expected_seq:
                gone = (f"entry {expected_seq}" if seq == expected_seq + 1
                        else f"entries {expected_seq}-{seq - 1}")
                problems.append((expected_seq, f"{gone} missing (next entry is {seq}): deleted"))
            else:
                problems.append((seq, f"entry {seq} out of order after {expected_seq - 1}: "
                                      "inserted or renumbered"))
        if prev_hash != prev:
            problems.append((seq, f"entry {seq}: previous-hash link broken (an entry before it "
                                  "was changed, inserted or deleted)"))
        if entry_hash(seq, at, actor, action, obj, detail, prev_hash) != h:
            problems.append((seq, f"entry {seq}: content does not match its hash (edited)"))
        prev = h
        expected_seq = seq + 1


_COLUMNS = "seq, logged_at, actor, action, object, detail, prev_hash, hash"


def _anchor(con: duckdb.DuckDBPyConnection, kind: str) -> Row | None:
    return con.execute(f"SELECT seq, hash, mac FROM {ANCHOR_TABLE} WHERE kind = ?",
                       [kind]).fetchone()


def verify(con: duckdb.DuckDBPyConnection, *, key: bytes | None = None) -> AuditReport:
    """Check the whole chain and its anchors; name where it breaks.

    Parameters
    ----------
    key:
        The project's audit key.  With it, the sealed anchor is checked too, which catches a
        whole-chain rewrite, a truncation and a deleted seal.  Without it, only the chain and
        the unkeyed head anchor are checked.
    """
    rows = con.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq").fetchall()
    problems: list[tuple[int, str]] = []
    notes: list[str] = []
    _check_chain(rows, GENESIS, 1, problems)
    by_seq = {int(r[0]): str(r[7]) for r in rows}
    last = int(rows[-1][0]) if rows else 0
    if _has_anchor_table(con):
        head = _anchor(con, "head")
        if head is None:
            if rows:
                notes.append("no head anchor (log written before migration 0400, or the anchor "
                             "was deleted)")
        else:
            _check_anchor("head anchor", int(head[0]), str(head[1]), last, by_seq, problems)
            if int(head[0]) < last:
                notes.append(f"the head anchor is at entry {head[0]} but the log goes on to "
                             f"{last}: entries appended without updating it")
        if key is not None:
            sealed = _anchor(con, "sealed")
            if sealed is None:
                if rows:
                    problems.append((1, "no key-sealed anchor: it was deleted, or this log was "
                                        "never sealed with this key (after checking the log, "
                                        "seal it with `uncounted audit seal`)"))
            elif not hmac.compare_digest(str(sealed[2] or ""),
                                         anchor_mac(key, int(sealed[0]), str(sealed[1]))):
                problems.append((int(sealed[0]), f"the sealed anchor at entry {sealed[0]} has a "
                                                 "bad HMAC: forged, or the key is wrong"))
            else:
                _check_anchor("key-sealed anchor", int(sealed[0]), str(sealed[1]), last, by_seq,
                              problems)
                if int(sealed[0]) < last:
                    notes.append(f"entries {int(sealed[0]) + 1}-{last} come after the key-sealed "
                                 "anchor and are protected by the hash chain only")
    elif key is not None and rows:
        problems.append((1, f"table {ANCHOR_TABLE} is missing: cannot check the sealed anchor"))
    problems.sort(key=lambda p: p[0])
    return AuditReport(ok=not problems, n_entries=len(rows),
                       problems=tuple(p for _, p in problems),
                       first_bad_seq=problems[0][0] if problems else None, notes=tuple(notes))


def _check_anchor(name: str, seq: int, h: str, last: int, by_seq: dict[int, str],
                  problems: list[tuple[int, str]]) -> None:
    if seq > last:
        cut = f"entry {seq}" if seq == last + 1 else f"entries {last + 1}-{seq}"
        problems.append((last + 1, f"the log ends at entry {last} but the {name} records entry "
                                   f"{seq}: {cut} deleted (tail truncated)"))
    elif seq not in by_seq:
        problems.append((seq, f"entry {seq}, recorded by the {name}, is missing"))
    elif by_seq[seq] != h:
        problems.append((seq, f"entry {seq} no longer has the hash recorded by the {name}: the "
                              f"chain up to entry {seq} was rewritten"))


def _seal(con: duckdb.DuckDBPyConnection, key: bytes, at: datetime) -> int:
    sealed = _anchor(con, "sealed")
    start_seq, prev = 1, GENESIS
    if sealed is not None:
        s_seq, s_hash, s_mac = int(sealed[0]), str(sealed[1]), str(sealed[2] or "")
        if not hmac.compare_digest(s_mac, anchor_mac(key, s_seq, s_hash)):
            raise AuditError(f"the sealed anchor at entry {s_seq} has a bad HMAC (forged, or "
                             "the key is wrong); run `uncounted audit verify`")
        row = con.execute("SELECT hash FROM audit_log WHERE seq = ?", [s_seq]).fetchone()
        if row is None or str(row[0]) != s_hash:
            raise AuditError(f"entry {s_seq} no longer matches the sealed anchor; run "
                             "`uncounted audit verify`")
        start_seq, prev = s_seq + 1, s_hash
    rows = con.execute(f"SELECT {_COLUMNS} FROM audit_log WHERE seq >= ? ORDER BY seq",
                       [start_seq]).fetchall()
    problems: list[tuple[int, str]] = []
    _check_chain(rows, prev, start_seq, problems)
    if problems:
        raise AuditError("refusing to seal a broken chain: " + "; ".join(p for _, p in problems))
    if not rows:
        return start_seq - 1
    seq, h = int(rows[-1][0]), str(rows[-1][7])
    _put_anchor(con, "sealed", seq, h, anchor_mac(key, seq, h), at)
    return seq


def seal(con: duckdb.DuckDBPyConnection, key: bytes, *, at: datetime | None = None) -> int:
    """Seal the current head with the audit key; return the sealed seq.

    Checks the chain from the previous seal (or from the start) first.

    Raises
    ------
    AuditError
        The chain since the previous seal does not verify, or the previous seal is forged.
    """
    if not _has_anchor_table(con):
        raise AuditError(f"table {ANCHOR_TABLE} is missing; open the project with the store so "
                         "that migration 0400_trust.sql is applied")
    at = at or datetime.now(UTC).replace(tzinfo=None)
    return _seal(con, key, at)


def reseal(con: duckdb.DuckDBPyConnection, old_key: bytes | None, new_key: bytes, *,
           at: datetime | None = None) -> int:
    """Move the seal to a new audit key (key rotation); return the sealed seq.

    The whole chain is verified first, with the old key when there is one, so a rotation never
    launders a tampered log.

    Raises
    ------
    AuditError
        The log does not verify.
    """
    rep = verify(con, key=old_key)
    if not rep.ok:
        raise AuditError("the audit log does not verify, so it is not re-sealed: "
                         + "; ".join(rep.problems[:3]))
    if not _anchors_exist(con):
        raise AuditError(f"table {ANCHOR_TABLE} is missing")
    con.execute(f"DELETE FROM {ANCHOR_TABLE} WHERE kind = 'sealed'")
    return _seal(con, new_key, at or datetime.now(UTC).replace(tzinfo=None))


def head(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """(seq, hash) of the last entry: write it down out of band to detect a rollback later."""
    row = con.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
