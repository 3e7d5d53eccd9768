"""The project's DuckDB store: connection, migrations, transactions.

Why one class: every state change in uncounted must be a single transaction that also appends to
the hash-chained audit log, so that a crash or a kill mid-step leaves the project exactly as it
was and every change can be traced.  :meth:`Store.transaction` is the only way to write.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from uncounted.exceptions import StoreError
from uncounted.store import audit
from uncounted.store.crashpoints import crashpoint

log = logging.getLogger(__name__)

DB_DIR = ".uncounted"
DB_FILE = "uncounted.duckdb"


def now() -> datetime:
    """Naive UTC timestamp (DuckDB TIMESTAMP has no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _migrations() -> list[tuple[str, str]]:
    folder = resources.files("uncounted.store") / "migrations"
    items = [(p.name, p.read_text(encoding="utf-8")) for p in folder.iterdir() if p.name.endswith(".sql")]
    return sorted(items)


class Store:
    """A connection to one project's database.

    Parameters
    ----------
    path:
        The DuckDB file, or ``":memory:"`` for tests.
    read_only:
        Open without write access (several readers may share the file).
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(
                f"cannot open the project database {self.path}: {exc}. "
                "Is another uncounted process (e.g. `uncounted serve`) using it? Stop it and retry."
            ) from exc
        self._lock = threading.RLock()
        self._depth = 0
        self.actor = "system"
        #: HMAC key that seals the audit head (set from the project's KeyRing when unlocked).
        self.audit_key: bytes | None = None
        if not read_only:
            self.migrate()

    @classmethod
    def for_project(cls, project_dir: str | Path, *, read_only: bool = False) -> Store:
        return cls(Path(project_dir) / DB_DIR / DB_FILE, read_only=read_only)

    # -- schema ---------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending migrations, each in its own transaction; return their names."""
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)"
        )
        done = {r[0] for r in self.con.execute("SELECT name FROM schema_migrations").fetchall()}
        applied = []
        for name, sql in _migrations():
            if name in done:
                continue
            try:
                self.con.execute("BEGIN TRANSACTION")
                self.con.execute(sql)
                self.con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [name, now()])
                self.con.execute("COMMIT")
            except duckdb.Error as exc:
                self.con.execute("ROLLBACK")
                raise StoreError(f"migration {name} failed: {exc}") from exc
            applied.append(name)
            log.info("applied migration %s", name)
        return applied

    # -- transactions ---------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing block; nested use joins the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.con
                finally:
                    self._depth -= 1
                return
            self.con.execute("BEGIN TRANSACTION")
            self._depth = 1
            try:
                yield self.con
            except BaseException:
                self._depth = 0
                self.con.execute("ROLLBACK")
                raise
            self._depth = 0
            self.con.execute("COMMIT")

    def next_id(self, sequence: str) -> int:
        # fetchall, not fetchone: an unfinished result blocks the next register() in duckdb 2.0
        rows = self.con.execute(f"SELECT nextval('{sequence}')").fetchall()
        return int(rows[0][0])

    def audit(self, action: str, object: str | None = None, detail: dict[str, Any] | None = None,
              *, actor: str | None = None) -> int:
        """Append one entry to the hash-chained audit log (inside the caller's transaction)."""
        with self.transaction() as con:
            seq = audit.append(con, actor or self.actor, action, object, detail or {}, now(),
                               anchor_key=self.audit_key)
            # the last statement of most state changes, still inside their transaction: the
            # crash-safety tests kill commands here (UNCOUNTED_CRASH_AFTER=audit.<action>)
            crashpoint(f"audit.{action}")
            return seq

    # -- convenience ----------------------------------------------------------------------
    def query_df(self, sql: str, params: list[Any] | None = None) -> Any:
        with self._lock:
            return self.con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        with self._lock:
            rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
