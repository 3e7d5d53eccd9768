"""Sensitive values (source identities, witness names and contacts, notes) kept apart and encrypted.

Why apart: records, links and estimates never need who *told* us about a death, only that a
list did.  Keeping those values in their own table (``sensitive_values``) means every aggregate
view works without the key, and a redacted export can leave the table out entirely.

Why associated data: each ciphertext is bound to ``(owner_kind, owner_id, field)``.  Someone who
can write to the database but has no key could otherwise move a ciphertext to another row (put
one witness's phone number under another's name) and it would decrypt cleanly; with the binding it
fails to decrypt and :class:`~uncounted.exceptions.CryptoError` says so.

Crash points (see :mod:`uncounted.store.crashpoints`): ``sensitive.put_many.after_delete``,
``sensitive.encrypt_existing.row`` (once per row), ``sensitive.rotate_key.row`` (once per
value), ``sensitive.rotate_key.after_commit``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from uncounted.exceptions import CryptoError, InputError
from uncounted.store import audit
from uncounted.store.crashpoints import crashpoint
from uncounted.store.crypto import KeyRing, encryption_configured, finish_rotation
from uncounted.store.db import Store, now

log = logging.getLogger(__name__)

AAD_PREFIX = "uncounted/sensitive/v1"
PAD_BLOCK = 32


def associated_data(owner_kind: str, owner_id: str, field: str) -> bytes:
    """The bytes every sensitive ciphertext is bound to (unambiguous: JSON array)."""
    return json.dumps([AAD_PREFIX, owner_kind, owner_id, field], ensure_ascii=False).encode("utf-8")


def pad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    """ISO/IEC 7816-4 padding (0x80 then zeros) to a multiple of ``block`` bytes.

    AES-GCM ciphertext is exactly as long as its plaintext, so without padding the length of a
    name or phone number would show through the encryption.
    """
    n = len(data) + 1
    return data + b"\x80" + b"\x00" * ((-n) % block)


def unpad(data: bytes) -> bytes:
    """Inverse of :func:`pad`."""
    i = data.rfind(b"\x80")
    if i < 0 or data[i + 1:].strip(b"\x00"):
        raise CryptoError("a decrypted sensitive value has bad padding")
    return data[:i]


def _utf8(name: str, value: str) -> bytes:
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{name} is not valid Unicode text (lone surrogate at position "
                         f"{exc.start}); decode the input properly") from exc


def _check_part(name: str, value: object) -> str:
    if not isinstance(value, str) or not value or "\x00" in value:
        raise InputError(f"{name} must be a non-empty string without NUL; got {value!r}")
    _utf8(name, value)
    return value


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                      [name]).fetchone()
    return bool(row and row[0])


def active_key_id(store: Store) -> str | None:
    """The public id of the key the encrypted values use (None: not recorded yet)."""
    with store._lock:
        if not _has_table(store.con, "key_state"):
            return None
        row = store.con.execute("SELECT key_id FROM key_state WHERE id = 1").fetchone()
    return None if row is None else str(row[0])


def _claim_key(con: duckdb.DuckDBPyConnection, keyring: KeyRing) -> None:
    if _has_table(con, "key_state"):
        con.execute("INSERT INTO key_state SELECT 1, ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM key_state)", [keyring.key_id, now()])


def _project_dir(store: Store) -> Path | None:
    if store.path == ":memory:":
        return None
    return Path(store.path).resolve().parent.parent


class SensitiveStore:
    """Read and write sensitive values of one store, encrypting when a key is given.

    Parameters
    ----------
    store:
        The project store.
    keyring:
        The unlocked key, or None.  Without it, encrypted values cannot be read and new values
        cannot be written if the project has a key (``.uncounted/keyparams.json``): writing them
        in clear would silently defeat the encryption.
    allow_plaintext:
        Permit writing values in clear when there is no key.  Default: only when the project has
        no key configured (and for in-memory stores).
    """

    def __init__(self, store: Store, keyring: KeyRing | None,
                 *, allow_plaintext: bool | None = None) -> None:
        self.store = store
        self.keyring = keyring
        if allow_plaintext is None:
            project = _project_dir(store)
            allow_plaintext = project is None or not encryption_configured(project)
        self.allow_plaintext = allow_plaintext
        if keyring is not None:
            active = active_key_id(store)
            if active is not None and active != keyring.key_id:
                raise CryptoError(
                    f"this key ({keyring.key_id}) is not the key the project's sensitive values "
                    f"use ({active}). If a key rotation was interrupted, unlock with the other "
                    "passphrase or key file; crypto.finish_rotation() then settles the key files"
                )

    def put(self, owner_kind: str, owner_id: str, field: str, value: str) -> None:
        """Store (or replace) one value, in one transaction with an audit entry.

        The audit entry names the owner and field, never the value.

        Raises
        ------
        CryptoError
            No key, and the project requires encryption.
        InputError
            Empty names or a non-string value.
        """
        self.put_many([(owner_kind, owner_id, field, value)])

    def put_many(self, items: Iterable[tuple[str, str, str, str]]) -> int:
        """Store many ``(owner_kind, owner_id, field, value)`` in one transaction; return count.

        All or nothing: one bad item stores none.  One audit entry per owner kind and field.
        """
        latest = {(r[0], r[1], r[2]): r for r in (self._row(*item) for item in items)}
        rows = list(latest.values())
        if not rows:
            return 0
        with self.store.transaction() as con:
            if len(rows) == 1:
                row = rows[0]
                con.execute(
                    "DELETE FROM sensitive_values "
                    "WHERE owner_kind = ? AND owner_id = ? AND field = ?", row[:3],
                )
                con.execute("INSERT INTO sensitive_values VALUES (?, ?, ?, ?, ?, ?)", row)
            else:
                # Row-by-row statements cost milliseconds each in DuckDB; one set operation.
                batch = pa.table({
                    "owner_kind": [r[0] for r in rows], "owner_id": [r[1] for r in rows],
                    "field": [r[2] for r in rows], "encrypted": [r[3] for r in rows],
                    "value": pa.array([r[4] for r in rows], pa.string()),
                    "ciphertext": pa.array([r[5] for r in rows], pa.binary()),
                })
                con.register("_sensitive_batch", batch)
                try:
                    con.execute(
                        "DELETE FROM sensitive_values s USING _sensitive_batch b "
                        "WHERE s.owner_kind = b.owner_kind AND s.owner_id = b.owner_id "
                        "AND s.field = b.field"
                    )
                    crashpoint("sensitive.put_many.after_delete")
                    con.execute("INSERT INTO sensitive_values SELECT owner_kind, owner_id, "
                                "field, encrypted, value, ciphertext FROM _sensitive_batch")
                finally:
                    con.unregister("_sensitive_batch")
            if self.keyring is not None:
                _claim_key(con, self.keyring)
            if len(rows) == 1:
                self.store.audit("sensitive.put", f"{rows[0][0]}:{rows[0][1]}",
                                 {"field": rows[0][2], "encrypted": bool(rows[0][3])})
            else:
                groups = Counter((str(r[0]), str(r[2])) for r in rows)
                self.store.audit("sensitive.put_many", None, {
                    "n": len(rows), "encrypted": self.keyring is not None,
                    "fields": [{"owner_kind": k, "field": f, "n": n}
                               for (k, f), n in sorted(groups.items())],
                })
        return len(rows)

    def _row(self, owner_kind: str, owner_id: str, field: str, value: str) -> list[object]:
        for name, part in (("owner_kind", owner_kind), ("owner_id", owner_id), ("field", field)):
            _check_part(name, part)
        if not isinstance(value, str):
            raise InputError(f"a sensitive value must be a string; got {type(value).__name__}")
        if self.keyring is not None:
            blob = self.keyring.encrypt(pad(_utf8("value", value)),
                                        associated_data(owner_kind, owner_id, field))
            return [owner_kind, owner_id, field, True, None, blob]
        if self.allow_plaintext:
            _utf8("value", value)
            log.warning("storing sensitive %s.%s in clear: this project has no key",
                        owner_kind, field)
            return [owner_kind, owner_id, field, False, value, None]
        raise CryptoError(
            "this project encrypts sensitive values and no key was given; unlock it with "
            "UNCOUNTED_PASSPHRASE or UNCOUNTED_KEYFILE"
        )

    def get(self, owner_kind: str, owner_id: str, field: str,
            default: str | None = None) -> str | None:
        """Return the value, or ``default`` when there is none.

        Raises
        ------
        CryptoError
            The value is encrypted and there is no key, or it does not decrypt (wrong key, or
            the ciphertext was altered or moved from another row).
        """
        with self.store._lock:
            row = self.store.con.execute(
                "SELECT encrypted, value, ciphertext FROM sensitive_values "
                "WHERE owner_kind = ? AND owner_id = ? AND field = ?",
                [owner_kind, owner_id, field],
            ).fetchone()
        if row is None:
            return default
        encrypted, value, blob = row
        if not encrypted:
            return None if value is None else str(value)
        if self.keyring is None:
            raise CryptoError(
                f"{owner_kind} {owner_id}: {field} is encrypted; unlock the project with "
                "UNCOUNTED_PASSPHRASE or UNCOUNTED_KEYFILE to read it"
            )
        return unpad(self.keyring.decrypt(
            bytes(blob), associated_data(owner_kind, owner_id, field))).decode("utf-8")

    def fields(self, owner_kind: str, owner_id: str) -> list[str]:
        """Names of the fields stored for one owner (readable without the key)."""
        with self.store._lock:
            rows = self.store.con.execute(
                "SELECT field FROM sensitive_values WHERE owner_kind = ? AND owner_id = ? "
                "ORDER BY field", [owner_kind, owner_id],
            ).fetchall()
        return [str(r[0]) for r in rows]

    def delete(self, owner_kind: str, owner_id: str, field: str | None = None) -> int:
        """Delete one field (or all fields of an owner); returns how many were deleted.

        Notes
        -----
        DuckDB does not overwrite freed blocks at once: a deleted *plaintext* value may stay in
        the file until the space is reused.  Encrypted values are safe to delete.
        """
        sql = "FROM sensitive_values WHERE owner_kind = ? AND owner_id = ?"
        params: list[object] = [owner_kind, owner_id]
        if field is not None:
            sql += " AND field = ?"
            params.append(field)
        with self.store.transaction() as con:
            row = con.execute("SELECT count(*) " + sql, params).fetchone()
            n = int(row[0]) if row else 0
            if n:
                con.execute("DELETE " + sql, params)
                self.store.audit("sensitive.delete", f"{owner_kind}:{owner_id}",
                                 {"field": field, "n": n})
        return n

    def encrypt_existing(self) -> int:
        """Encrypt every value still stored in clear (after a key was created); returns the count.

        One transaction: a crash leaves either all or none encrypted.
        """
        if self.keyring is None:
            raise CryptoError("encrypt_existing needs a key")
        with self.store.transaction() as con:
            rows = con.execute(
                "SELECT owner_kind, owner_id, field, value FROM sensitive_values "
                "WHERE NOT encrypted"
            ).fetchall()
            for kind, oid, fld, value in rows:
                blob = self.keyring.encrypt(pad(str(value or "").encode("utf-8")),
                                            associated_data(kind, oid, fld))
                con.execute(
                    "UPDATE sensitive_values SET encrypted = TRUE, value = NULL, ciphertext = ? "
                    "WHERE owner_kind = ? AND owner_id = ? AND field = ?",
                    [blob, kind, oid, fld],
                )
                crashpoint("sensitive.encrypt_existing.row")
            if rows:
                _claim_key(con, self.keyring)
                self.store.audit("sensitive.encrypt_existing", None, {"n": len(rows)})
        return len(rows)

    def rotate_key(self, new: KeyRing, project_dir: str | Path | None = None) -> int:
        """Re-encrypt every value under ``new`` in one transaction; return how many.

        Use after :meth:`KeyRing.prepare_rotation` (for instance when someone who knew the
        passphrase has left or been detained).  The audit seal moves to the new audit key in the
        same transaction, after the whole log has been verified with the old one.  After the
        commit the pending key parameters replace the old ones (:func:`finish_rotation`); a
        crash between the two is settled by calling that function again.

        Notes
        -----
        Rotation protects what is written from now on and copies taken from now on.  It cannot
        take back a copy of the database and the old passphrase someone already has.

        Raises
        ------
        CryptoError
            No current key, or a value does not decrypt with it (nothing is changed then).
        AuditError
            The audit log does not verify (nothing is changed).
        """
        old = self.keyring
        if old is None:
            raise CryptoError("rotate_key needs the current key")
        if project_dir is None:
            project_dir = _project_dir(self.store)
        with self.store.transaction() as con:
            rows = con.execute(
                "SELECT owner_kind, owner_id, field, ciphertext FROM sensitive_values "
                "WHERE encrypted"
            ).fetchall()
            fresh = []
            for kind, oid, fld, blob in rows:
                aad = associated_data(kind, oid, fld)
                fresh.append((kind, oid, fld, new.encrypt(old.decrypt(bytes(blob), aad), aad)))
                crashpoint("sensitive.rotate_key.row")
            if fresh:
                batch = pa.table({
                    "owner_kind": [r[0] for r in fresh], "owner_id": [r[1] for r in fresh],
                    "field": [r[2] for r in fresh],
                    "ciphertext": pa.array([r[3] for r in fresh], pa.binary()),
                })
                con.register("_rekey_batch", batch)
                try:
                    con.execute(
                        "UPDATE sensitive_values s SET ciphertext = b.ciphertext "
                        "FROM _rekey_batch b WHERE s.owner_kind = b.owner_kind "
                        "AND s.owner_id = b.owner_id AND s.field = b.field"
                    )
                finally:
                    con.unregister("_rekey_batch")
            if _has_table(con, "key_state"):
                con.execute("DELETE FROM key_state")
                con.execute("INSERT INTO key_state VALUES (1, ?, ?)", [new.key_id, now()])
            self.store.audit("key.rotate", None, {"old_key_id": old.key_id,
                                                  "new_key_id": new.key_id, "n": len(fresh)})
            sealed = _has_table(con, audit.ANCHOR_TABLE) and con.execute(
                f"SELECT count(*) FROM {audit.ANCHOR_TABLE} WHERE kind = 'sealed'"
            ).fetchone() == (1,)
            audit.reseal(con, old.audit_key if sealed else None, new.audit_key)
        crashpoint("sensitive.rotate_key.after_commit")
        if project_dir is not None:
            finish_rotation(project_dir, new.key_id)
        self.keyring = new
        log.info("rotated %d sensitive values from key %s to %s", len(fresh), old.key_id,
                 new.key_id)
        return len(fresh)

    def count(self) -> tuple[int, int]:
        """(encrypted, in clear) counts (readable without the key)."""
        with self.store._lock:
            row = self.store.con.execute(
                "SELECT count(*) FILTER (WHERE encrypted), count(*) FILTER (WHERE NOT encrypted) "
                "FROM sensitive_values"
            ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])
