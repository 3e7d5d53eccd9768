"""The audit chain and its anchors detect edits, insertions, deletions and truncation, and say where."""

from __future__ import annotations

import json
from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.exceptions import AuditError
from uncounted.store import Store, audit, now
from uncounted.store.audit import GENESIS, entry_hash, seal, verify

KEY = b"k" * 32


def _fill(store: Store, n: int = 10, *, key: bytes | None = None) -> None:
    for i in range(n):
        with store.transaction() as con:
            audit.append(con, "alice", "test.step", f"obj{i}", {"i": i}, now(), anchor_key=key)


def _shift_up(con: duckdb.DuckDBPyConnection, from_seq: int) -> None:
    rows = con.execute("SELECT seq FROM audit_log WHERE seq >= ? ORDER BY seq DESC",
                       [from_seq]).fetchall()
    for (seq,) in rows:
        con.execute("UPDATE audit_log SET seq = seq + 1 WHERE seq = ?", [seq])


def _rewrite_all(con: duckdb.DuckDBPyConnection, edit_seq: int) -> None:
    """What an attacker without the key can do: edit one entry and recompute every hash."""
    rows = con.execute("SELECT seq, logged_at, actor, action, object, detail FROM audit_log "
                       "ORDER BY seq").fetchall()
    prev = GENESIS
    for seq, at, actor, action, obj, detail in rows:
        d = json.loads(detail)
        if seq == edit_seq:
            d["i"] = 999
        h = entry_hash(seq, at, actor, action, obj, d, prev)
        con.execute("UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    [json.dumps(d), prev, h, seq])
        prev = h
    # ... and update the unkeyed head anchor too.
    con.execute("UPDATE audit_anchor SET hash = ? WHERE kind = 'head'", [prev])


def test_clean_log_verifies(store: Store) -> None:
    _fill(store)
    rep = verify(store.con)
    assert rep.ok and rep.n_entries == 10 and rep.first_bad_seq is None
    assert "OK" in str(rep)


def test_edit_in_middle(store: Store) -> None:
    _fill(store)
    store.con.execute("""UPDATE audit_log SET detail = '{"i": 99}' WHERE seq = 5""")
    rep = verify(store.con)
    assert not rep.ok and rep.first_bad_seq == 5
    assert any("entry 5: content does not match" in p for p in rep.problems)


def test_edit_at_end(store: Store) -> None:
    _fill(store)
    store.con.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 10")
    rep = verify(store.con)
    assert rep.first_bad_seq == 10 and "edited" in rep.problems[0]


def test_delete_in_middle(store: Store) -> None:
    _fill(store)
    store.con.execute("DELETE FROM audit_log WHERE seq IN (4, 5)")
    rep = verify(store.con)
    assert rep.first_bad_seq == 4
    assert any("entries 4-5 missing" in p for p in rep.problems)


def test_insert_in_middle(store: Store) -> None:
    _fill(store)
    _shift_up(store.con, 6)
    forged = entry_hash(6, now(), "mallory", "review.merge", "x", {}, "f" * 64)
    store.con.execute("INSERT INTO audit_log VALUES (6, ?, 'mallory', 'review.merge', 'x', '{}', ?, ?)",
                      [now(), "f" * 64, forged])
    rep = verify(store.con)
    assert rep.first_bad_seq == 6
    assert any("entry 6: previous-hash link broken" in p for p in rep.problems)
    assert any("entry 7" in p for p in rep.problems)  # the renumbered original no longer fits


def test_insert_at_end_with_bad_link(store: Store) -> None:
    _fill(store)
    h = entry_hash(11, now(), "m", "a", None, {}, GENESIS)
    store.con.execute("INSERT INTO audit_log VALUES (11, ?, 'm', 'a', NULL, '{}', ?, ?)",
                      [now(), GENESIS, h])
    rep = verify(store.con)
    assert rep.first_bad_seq == 11


def test_truncated_tail_detected_by_head_anchor(store: Store) -> None:
    _fill(store)
    store.con.execute("DELETE FROM audit_log WHERE seq > 7")
    rep = verify(store.con)
    assert not rep.ok and rep.first_bad_seq == 8
    assert any("ends at entry 7" in p and "entries 8-10 deleted" in p for p in rep.problems)


def test_whole_chain_rewrite_needs_key_to_detect(store: Store) -> None:
    _fill(store, key=KEY)
    _rewrite_all(store.con, edit_seq=3)
    assert verify(store.con).ok  # without the key a consistent rewrite is invisible
    rep = verify(store.con, key=KEY)
    assert not rep.ok and rep.first_bad_seq == 10
    assert any("rewritten" in p and "sealed" in p for p in rep.problems)


def test_truncation_plus_anchor_update_needs_key(store: Store) -> None:
    _fill(store, key=KEY)
    store.con.execute("DELETE FROM audit_log WHERE seq > 6")
    store.con.execute("UPDATE audit_anchor SET seq = 6, hash = (SELECT hash FROM audit_log "
                      "WHERE seq = 6) WHERE kind = 'head'")
    assert verify(store.con).ok
    rep = verify(store.con, key=KEY)
    assert rep.first_bad_seq == 7 and "tail truncated" in rep.problems[0]


def test_deleted_or_forged_seal_detected(store: Store) -> None:
    _fill(store, key=KEY)
    store.con.execute("UPDATE audit_anchor SET mac = ? WHERE kind = 'sealed'", ["0" * 64])
    assert any("bad HMAC" in p for p in verify(store.con, key=KEY).problems)
    assert any("bad HMAC" in p for p in verify(store.con, key=b"x" * 32).problems)
    store.con.execute("DELETE FROM audit_anchor WHERE kind = 'sealed'")
    assert any("no key-sealed anchor" in p for p in verify(store.con, key=KEY).problems)


def test_keyless_appends_after_seal_are_noted_not_flagged(store: Store) -> None:
    _fill(store, 4, key=KEY)
    _fill(store, 3)
    rep = verify(store.con, key=KEY)
    assert rep.ok
    assert any("entries 5-7 come after the key-sealed anchor" in n for n in rep.notes)
    with store.transaction() as con:
        assert seal(con, KEY) == 7
    assert not verify(store.con, key=KEY).notes


def test_seal_refuses_broken_chain(store: Store) -> None:
    _fill(store, 3, key=KEY)
    _fill(store, 3)
    store.con.execute("UPDATE audit_log SET actor = 'm' WHERE seq = 5")
    with pytest.raises(AuditError, match="refusing to seal"):
        seal(store.con, KEY)
    # A keyed append does not bless the break either: the seal stays at entry 3.
    _fill(store, 1, key=KEY)
    assert store.scalar("SELECT seq FROM audit_anchor WHERE kind = 'sealed'") == 3
    assert verify(store.con, key=KEY).first_bad_seq == 5


def test_store_audit_maintains_head(store: Store) -> None:
    store.audit("user.add", "bob", {"role": "reviewer"})
    assert store.scalar("SELECT seq FROM audit_anchor WHERE kind = 'head'") == 1
    assert audit.head(store.con)[0] == 1
    assert verify(store.con).ok


def test_delete_first_entry_and_everything(store: Store) -> None:
    _fill(store)
    store.con.execute("DELETE FROM audit_log WHERE seq = 1")
    rep = verify(store.con)
    assert rep.first_bad_seq == 1 and "entry 1 missing" in rep.problems[0]
    store.con.execute("DELETE FROM audit_log")
    rep = verify(store.con)
    assert not rep.ok and any("entries 1-10 deleted" in p for p in rep.problems)


@pytest.fixture(scope="module")
def chain() -> Iterator[Store]:
    with Store(":memory:") as s:
        _fill(s, 12, key=KEY)
        yield s


_FIELDS = ["logged_at", "actor", "action", "object", "detail", "prev_hash", "hash"]


@settings(max_examples=60, deadline=None)
@given(seq=st.integers(1, 12), field=st.sampled_from([*_FIELDS, "delete", "truncate"]))
def test_property_any_single_tamper_is_found_at_or_before_it(chain: Store, seq: int,
                                                             field: str) -> None:
    con = chain.con
    con.execute("BEGIN")
    try:
        if field == "delete":
            con.execute("DELETE FROM audit_log WHERE seq = ?", [seq])
        elif field == "truncate":
            con.execute("DELETE FROM audit_log WHERE seq >= ?", [seq])
        elif field == "logged_at":
            con.execute("UPDATE audit_log SET logged_at = logged_at + INTERVAL 1 SECOND "
                        "WHERE seq = ?", [seq])
        elif field == "detail":
            con.execute("""UPDATE audit_log SET detail = '{"i": -1}' WHERE seq = ?""", [seq])
        else:
            con.execute(f"UPDATE audit_log SET {field} = 'x' || {field} WHERE seq = ?", [seq])
        for key in (None, KEY):
            rep = verify(con, key=key)
            assert not rep.ok and rep.first_bad_seq is not None and rep.first_bad_seq <= seq
    finally:
        con.execute("ROLLBACK")
    assert verify(con, key=KEY).ok
