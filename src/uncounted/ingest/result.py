"""The result of ingesting one file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

__all__ = ["IngestReport"]


@dataclass(frozen=True)
class IngestReport:
    """What one call of :func:`~uncounted.ingest.ingest_file` did.

    Counts: ``n_rows = n_accepted + n_quarantined`` (blank rows are skipped and counted in
    ``n_blank``); ``n_accepted = n_new + n_superseded + n_unchanged``, where ``n_superseded``
    rows replaced an earlier active version with the same source record id and
    ``n_unchanged`` rows were identical to it (the earlier record stays, with its uid).
    ``n_vanished`` counts active records of this source whose ids are not in this file; they
    stay active.  ``duplicate_of`` is the earlier ingest of the very same file (same SHA-256,
    same source), in which case nothing was changed and all counts are zero.
    """

    source: str
    file: str
    sha256: str
    ingest_id: int
    n_rows: int = 0
    n_accepted: int = 0
    n_quarantined: int = 0
    n_superseded: int = 0
    n_new: int = 0
    n_unchanged: int = 0
    n_vanished: int = 0
    n_blank: int = 0
    duplicate_of: int | None = None
    also_ingested_as: tuple[str, ...] = ()
    reasons: tuple[tuple[str, int], ...] = ()
    examples: tuple[tuple[int, str, str], ...] = ()
    file_format: str = ""
    encoding: str | None = None
    mapping_version: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def reasons_summary(self) -> dict[str, int]:
        """Quarantined rows per reason code ('age_range', 'totals_row', ...)."""
        return dict(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (``reasons`` as a dict, examples as line/field/reason)."""
        d = asdict(self)
        d["reasons"] = dict(self.reasons)
        d["examples"] = [{"line": ln, "field": f, "reason": r} for ln, f, r in self.examples]
        d["also_ingested_as"] = list(self.also_ingested_as)
        d["notes"] = list(self.notes)
        return d

    def to_frame(self) -> pd.DataFrame:
        """One row with the counts (reasons as ``reason_<code>`` columns)."""
        d = {k: v for k, v in asdict(self).items()
             if k not in ("reasons", "examples", "also_ingested_as", "notes")}
        for k, v in self.reasons:
            d[f"reason_{k}"] = v
        return pd.DataFrame([d])

    def __str__(self) -> str:
        if self.duplicate_of is not None:
            return (f"{self.file}: already ingested for source {self.source!r} "
                    f"(ingest {self.duplicate_of}); nothing changed")
        lines = [
            f"{self.file} -> source {self.source!r} (ingest {self.ingest_id}, "
            f"{self.file_format}{', ' + self.encoding if self.encoding else ''})",
            f"  {self.n_rows} rows: {self.n_accepted} accepted ({self.n_new} new, "
            f"{self.n_superseded} superseding, {self.n_unchanged} unchanged), "
            f"{self.n_quarantined} quarantined, {self.n_blank} blank skipped",
        ]
        if self.n_vanished:
            lines.append(f"  {self.n_vanished} earlier records of this source are not in this "
                         "file (kept active)")
        for k, v in self.reasons:
            lines.append(f"  quarantined {k}: {v}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)
