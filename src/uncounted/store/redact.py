"""Redacted exports: a copy of the records that can be shared without exposing identities.

What it does, column by column (an allow-list: a column added later is left out until someone
decides it is safe):

* person names (``name_raw``, ``family_name``, ``given_name``, ``patronymic``) become keyed
  hashes, ``p_`` + the first 16 hex digits of HMAC-SHA256(key, normalised name).  The same name
  always gives the same token, so a partner can still see that two lists name the same person,
  but cannot reverse a token or test a guess without the key.  (An unkeyed hash would be
  reversed by hashing a list of common names: names are low-entropy.)
* ``record_id`` (a source's own id may be a document or phone number) becomes ``r_`` + a keyed
  hash of (source, record_id), still unique and stable across exports with the same key;
* dates of birth are cut to the year by default;
* ``free_text``, ``extra``, file hashes, line numbers and ingest times are dropped, and no
  sensitive value, user, audit entry, claim or evidence file is exported;
* every text cell goes through :func:`~uncounted.store.safe_export.safe_cell`.

This is pseudonymisation, not anonymisation (GDPR recital 26 draws that line): the remaining
quasi-identifiers (place, date, unit, age, sex) can single out a person in a small place, and
anyone holding the key can test name guesses.  Give each recipient group its own key when the
exports must not be linkable to each other.

Crash point: ``redact.csv_before_rename`` (the CSV is complete under a temporary name).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from uncounted.exceptions import InputError
from uncounted.store.crashpoints import crashpoint
from uncounted.store.db import Store
from uncounted.store.safe_export import write_csv_safe

log = logging.getLogger(__name__)

NAME_COLUMNS = ("name_raw", "family_name", "given_name", "patronymic")
#: Columns exported as they are (besides the tokenised and coarsened ones).
KEPT_COLUMNS = (
    "record_uid", "source", "sex", "age", "age_date", "event_type", "event_date",
    "event_date_end", "event_date_precision", "place", "unit", "home_region", "mapping_version",
    "active", "superseded_by",
)
BIRTH_COLUMNS = ("birth_date", "birth_year", "birth_month", "birth_precision")
TOKEN_HEX = 16  # 64 bits: collisions become likely only around 4 billion distinct names
MIN_KEY_BYTES = 16


def _normalise(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def pseudonym(key: bytes, value: str | None, *, prefix: str = "p_",
              domain: str = "name") -> str | None:
    """Keyed hash token of a name: same name, same token; irreversible without ``key``.

    Case, Unicode compatibility forms and runs of white space are folded first, so
    ``"ИВАНОВ "`` and ``"Иванов"`` give one token.  Empty values stay None.
    """
    if value is None:
        return None
    norm = _normalise(str(value))
    if not norm:
        return None
    msg = domain.encode("utf-8") + b"\x00" + norm.encode("utf-8")
    return prefix + hmac.new(key, msg, hashlib.sha256).hexdigest()[:TOKEN_HEX]


def key_fingerprint(key: bytes) -> str:
    """Public fingerprint: two exports with the same fingerprint have linkable tokens."""
    return hmac.new(key, b"uncounted/redaction-fingerprint", hashlib.sha256).hexdigest()[:12]


@dataclass(frozen=True)
class RedactionReport:
    """What :func:`export_redacted` wrote."""

    n_records: int
    files: tuple[Path, ...]
    columns: tuple[str, ...]
    tokenised: tuple[str, ...]
    dropped: tuple[str, ...]
    key_fingerprint: str
    notes: tuple[str, ...] = field(default=())


def _column_types(store: Store) -> dict[str, str]:
    with store._lock:
        rows = store.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'records' ORDER BY ordinal_position"
        ).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def redacted_rows(store: Store, *, key: bytes, coarsen_birth: bool = True,
                  active_only: bool = True) -> tuple[list[str], list[list[Any]], list[str]]:
    """The redacted records as (header, rows, dropped column names), in record_uid order."""
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise InputError(f"the redaction key must be at least {MIN_KEY_BYTES} bytes "
                         "(use KeyRing.pseudonym_key)")
    present = list(_column_types(store))
    names = [c for c in NAME_COLUMNS if c in present]
    kept = [c for c in KEPT_COLUMNS if c in present]
    birth = [c for c in BIRTH_COLUMNS if c in present]
    if coarsen_birth:
        birth = [c for c in birth if c in ("birth_year", "birth_precision")]
    has_rid = "record_id" in present and "source" in present
    select = [*kept, *(["record_id"] if has_rid else []), *names, *birth]
    header = [*kept, *(["record_id"] if has_rid else []), *names, *birth]
    dropped = [c for c in present if c not in header]
    where = " WHERE active" if active_only and "active" in present else ""
    order = " ORDER BY record_uid" if "record_uid" in present else ""
    with store._lock:
        raw = store.con.execute(
            f"SELECT {', '.join(select)} FROM records{where}{order}"  # noqa: S608 (allow-listed)
        ).fetchall()
    i_src = select.index("source") if "source" in select else -1
    out: list[list[Any]] = []
    for r in raw:
        row = list(r)
        for j, col in enumerate(select):
            if col in NAME_COLUMNS:
                row[j] = pseudonym(key, row[j])
            elif col == "record_id":
                row[j] = pseudonym(key, f"{row[i_src]}\x00{row[j]}", prefix="r_",
                                   domain="record_id")
            elif col == "birth_precision" and coarsen_birth and row[j] in ("day", "month"):
                row[j] = "year"
        out.append(row)
    return header, out, dropped


def export_redacted(store: Store, out: str | Path, *, key: bytes, coarsen_birth: bool = True,
                    active_only: bool = True, duckdb_copy: bool = True) -> RedactionReport:
    """Write a shareable, redacted copy of the records.

    Parameters
    ----------
    store:
        The project store (no key needed: records hold no encrypted fields).
    out:
        A path ending in ``.csv`` (one CSV file), or a folder, which receives ``records.csv``,
        ``redacted.duckdb`` (when ``duckdb_copy``) and ``redaction.json`` saying what was
        done.  Files are written under a temporary name and renamed, so a crash leaves no
        half-written export under the final name.
    key:
        The pseudonym key, normally :attr:`KeyRing.pseudonym_key`, or a per-recipient key.
    coarsen_birth:
        Keep only the year of birth.
    active_only:
        Leave out superseded record versions.

    Returns
    -------
    RedactionReport
    """
    header, rows, dropped = redacted_rows(store, key=key, coarsen_birth=coarsen_birth,
                                          active_only=active_only)
    out = Path(out)
    files: list[Path] = []
    notes = ["pseudonymised, not anonymised: place, date, unit, age and sex may still single "
             "out a person; anyone with the key can test name guesses"]
    tokenised = [c for c in header if c in NAME_COLUMNS or c == "record_id"]
    if out.suffix.lower() == ".csv":
        out.parent.mkdir(parents=True, exist_ok=True)
        _atomic_csv(out, header, rows)
        files.append(out)
    else:
        out.mkdir(parents=True, exist_ok=True)
        csv_path = out / "records.csv"
        _atomic_csv(csv_path, header, rows)
        files.append(csv_path)
        if duckdb_copy:
            db_path = out / "redacted.duckdb"
            types = _column_types(store)
            types.update({c: "VARCHAR" for c in tokenised})
            _atomic_duckdb(db_path, header, rows, types)
            files.append(db_path)
        manifest = {
            "format": "uncounted redacted export v1",
            "n_records": len(rows),
            "columns": header,
            "tokenised": tokenised,
            "token": f"HMAC-SHA256, first {TOKEN_HEX} hex digits; p_ names, r_ record ids",
            "birth": "year only" if coarsen_birth else "as recorded",
            "dropped": dropped,
            "key_fingerprint": key_fingerprint(key),
            "notes": notes,
        }
        man = out / "redaction.json"
        _atomic_bytes(man, json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
        files.append(man)
    log.info("redacted export of %d records to %s", len(rows), out)
    # Who exported what, and with which key, is what an inquiry into a leak needs first.
    try:
        store.audit("export.redacted", out.name, {
            "n_records": len(rows), "key_fingerprint": key_fingerprint(key),
            "coarsen_birth": coarsen_birth, "active_only": active_only,
            "files": [p.name for p in files],
        })
    except duckdb.Error as exc:  # a read-only store cannot record it
        log.warning("the export was not recorded in the audit log: %s", exc)
    return RedactionReport(len(rows), tuple(files), tuple(header), tuple(tokenised),
                           tuple(dropped), key_fingerprint(key), tuple(notes))


def _tmp_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def _atomic_bytes(path: Path, data: bytes) -> None:
    tmp = _tmp_for(path)
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _atomic_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    tmp = _tmp_for(path)
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            write_csv_safe(fh, header, rows)
            fh.flush()
            os.fsync(fh.fileno())
        crashpoint("redact.csv_before_rename")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


_ARROW_TYPES = {
    "BIGINT": "int64", "INTEGER": "int32", "SMALLINT": "int16", "DOUBLE": "float64",
    "FLOAT": "float32", "BOOLEAN": "bool_", "DATE": "date32", "VARCHAR": "string",
}


def _arrow_type(duck_type: str) -> Any:
    import pyarrow as pa

    if duck_type == "TIMESTAMP":
        return pa.timestamp("us")
    return getattr(pa, _ARROW_TYPES.get(duck_type, "string"))()


def _atomic_duckdb(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]],
                   types: dict[str, str]) -> None:
    import pyarrow as pa

    fields = []
    cols = []
    for i, h in enumerate(header):
        t = _arrow_type(types.get(h, "VARCHAR"))
        values = [r[i] for r in rows]
        if pa.types.is_string(t):
            values = [None if v is None else str(v) for v in values]
        fields.append(pa.field(h, t))
        cols.append(pa.array(values, type=t))
    table = pa.Table.from_arrays(cols, schema=pa.schema(fields))
    tmpdir = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmpdir")
    tmpdir.mkdir()
    try:
        tmp = tmpdir / path.name
        con = duckdb.connect(str(tmp))
        try:
            con.register("redacted_src", table)
            con.execute("CREATE TABLE records AS SELECT * FROM redacted_src")
            con.unregister("redacted_src")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
