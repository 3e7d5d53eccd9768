"""Ingest: read a source's list through its mapping into canonical records, in one transaction.

The public surface is :func:`ingest_file`, :class:`IngestReport` and :func:`load_mapping`;
everything else (readers, date and value parsing, structure checks) is importable from its
module for tests and tools.  See ``docs/mapping.md`` and ``docs/schema.md``.
"""

from uncounted.ingest.mapping import Mapping, load_mapping
from uncounted.ingest.pipeline import file_sha256, ingest_file
from uncounted.ingest.result import IngestReport

__all__ = ["IngestReport", "Mapping", "file_sha256", "ingest_file", "load_mapping"]
