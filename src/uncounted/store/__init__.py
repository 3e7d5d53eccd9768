"""DuckDB store: schema, migrations, transactions and the audit log."""

from uncounted.store.crashpoints import crashpoint
from uncounted.store.db import Store, now

__all__ = ["Store", "crashpoint", "now"]
