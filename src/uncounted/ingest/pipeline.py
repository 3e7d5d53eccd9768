"""Ingest one file into the store: read, check, quarantine, supersede, in one transaction.

Why this shape:

* **One file = one transaction.**  Everything (records, quarantine rows, the ``ingests`` row,
  supersession, the audit entry) is written inside :meth:`Store.transaction`; DuckDB commits
  it atomically, so a process killed mid-ingest leaves the store exactly as it was.
* **Streaming.**  Rows are converted in Python one at a time but handed to DuckDB in Arrow
  batches (``batch_size`` rows) appended to a staging table; the file is never held in Python
  objects.  Set logic over the whole file (duplicate ids, supersession, vanished ids) runs as
  SQL inside DuckDB, which spills to disk when needed.
* **Nothing silently lost.**  Every non-blank row after the header is either accepted (one
  active record) or quarantined with file, line, field, raw text and a reason a person can act
  on.  Blank rows are skipped and counted.
* **Idempotent.**  The same file (same SHA-256) for the same source is recognised and changes
  nothing.  A different file for the same source supersedes earlier records by source record
  id: changed rows get a new version (the old one is kept, ``active = false``,
  ``superseded_by`` = new uid, each changed field in ``record_changes`` and the audit log);
  identical rows keep their record (and uid, so links and review decisions stay valid);
  records whose ids are absent from the new file stay active and are reported as vanished,
  because a source delivered in parts would otherwise lose its earlier parts.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from uncounted.exceptions import IngestError, StoreError, UncountedError
from uncounted.ingest.mapping import Mapping, load_mapping
from uncounted.ingest.readers import open_reader
from uncounted.ingest.result import IngestReport
from uncounted.ingest.structure import (
    HEADER_SEARCH_ROWS,
    find_header,
    is_blank,
    is_repeated_header,
    norm_header,
    totals_cell,
)
from uncounted.ingest.validate import OUT_COLUMNS, RowConverter, cell_text
from uncounted.store.db import Store, now

log = logging.getLogger(__name__)

__all__ = ["ingest_file", "file_sha256"]

DEFAULT_BATCH = 50_000
MAX_RAW_CHARS = 100_000
_SURROGATE = re.compile("[\udc80-\udcff]")
_DATE_COLS = {"birth_date", "age_date", "event_date", "event_date_end"}
_INT_COLS = {"birth_year", "birth_month", "age"}
_STAGE_SCHEMA = pa.schema(
    [("line_no", pa.int64()), ("raw_text", pa.string())]
    + [(c, pa.date32() if c in _DATE_COLS else pa.int32() if c in _INT_COLS else pa.string())
       for c in OUT_COLUMNS])
_Q_SCHEMA = pa.schema([("line_no", pa.int64()), ("field", pa.string()), ("raw_text", pa.string()),
                       ("reason", pa.string()), ("kind", pa.string()), ("record_id", pa.string())])
_CONTENT = [c for c in OUT_COLUMNS if c != "record_id"]


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes, streamed in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sql_type(c: str) -> str:
    return "DATE" if c in _DATE_COLS else "INTEGER" if c in _INT_COLS else "VARCHAR"


class _Batches:
    """Accumulates accepted and quarantined rows and appends them to DuckDB in Arrow batches."""

    def __init__(self, con: Any, ingest_id: int, source: str, file_name: str, sha: str,
                 at: Any, batch_size: int) -> None:
        self.con = con
        self.meta = [ingest_id, source, file_name, sha, at]
        self.batch_size = batch_size
        self.acc: list[list[Any]] = []
        self.quar: list[tuple[Any, ...]] = []
        self.n_accepted = 0
        self.n_quarantined = 0

    def accept(self, line: int, raw: str, values: list[Any]) -> None:
        self.acc.append([line, raw, *values])
        if len(self.acc) >= self.batch_size:
            self.flush()

    def reject(self, line: int, field: str | None, raw: str, reason: str, kind: str,
               record_id: str | None = None) -> None:
        if len(raw) > MAX_RAW_CHARS:
            raw = raw[:MAX_RAW_CHARS] + f"… [{len(raw) - MAX_RAW_CHARS} more characters]"
        self.quar.append((line, field, raw, reason, kind, record_id))
        self.n_quarantined += 1
        if len(self.quar) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.acc:
            cols = list(zip(*self.acc, strict=True))
            tbl = pa.Table.from_arrays(
                [pa.array(col, type=f.type) for col, f in zip(cols, _STAGE_SCHEMA, strict=True)],
                schema=_STAGE_SCHEMA)
            self.n_accepted += len(self.acc)
            self.acc = []
            # A replacement scan of the local Arrow table: a registered view would keep every
            # batch alive until the transaction ends (DuckDB holds the Arrow scan), defeating
            # the streaming; the relation API (from_arrow().insert_into()) refuses to run
            # while a caller's earlier result on this connection is not fully fetched.
            _ingest_batch = tbl  # noqa: F841 - read by name in the SQL below
            self.con.execute("INSERT INTO _ingest_stage SELECT * FROM _ingest_batch")
            del tbl, _ingest_batch
        if self.quar:
            cols = list(zip(*self.quar, strict=True))
            qtbl = pa.Table.from_arrays(
                [pa.array(col, type=f.type) for col, f in zip(cols, _Q_SCHEMA, strict=True)],
                schema=_Q_SCHEMA)
            self.quar = []
            _ingest_qbatch = qtbl  # noqa: F841 - read by name in the SQL below
            self.con.execute("INSERT INTO _ingest_q SELECT * FROM _ingest_qbatch")
            del qtbl, _ingest_qbatch

    def move_quarantine(self) -> None:
        """Copy the staged quarantine rows into ``quarantine``, numbered in line order."""
        self.con.execute(
            "INSERT INTO quarantine (quarantine_id, ingest_id, source, file_name, file_sha256,"
            " line_no, field, raw_text, reason, quarantined_at, kind, record_id) "
            "SELECT nextval('seq_quarantine'), ?, ?, ?, ?, line_no, field, raw_text, reason,"
            " ?, kind, record_id FROM (SELECT * FROM _ingest_q ORDER BY line_no)", self.meta)
        self.con.execute("DROP TABLE _ingest_q")


def ingest_file(store: Store, path: str | Path, *, source: str,
                mapping: Mapping | dict[str, Any] | str | Path, actor: str = "cli",
                progress: Callable[[int, int], None] | None = None,
                batch_size: int = DEFAULT_BATCH) -> IngestReport:
    """Ingest one file for one source, as one transaction.

    Parameters
    ----------
    store:
        The project's store.
    path:
        A CSV, XLSX, JSON Lines or Parquet file (type from the mapping or the extension).
    source:
        The list's name; supersession and duplicate detection are per source.
    mapping:
        A :class:`~uncounted.ingest.mapping.Mapping`, its dict form, or a TOML file path
        (see ``docs/mapping.md``).
    actor:
        Who ingests (recorded in ``ingests`` and the audit log).
    progress:
        Called as ``progress(done, total)`` after each batch (bytes for CSV and JSON Lines,
        rows for XLSX and Parquet), and once more with ``done == total`` when the records
        are written (all still inside the transaction).
    batch_size:
        Rows per Arrow batch appended to DuckDB; bounds the memory held in Python objects.

    Returns
    -------
    IngestReport

    Raises
    ------
    IngestError
        The file cannot be ingested at all (missing, unreadable, no header with the mapped
        columns), naming file, line and field.  Nothing is written.
    MappingError
        The mapping is invalid (every problem listed).
    StoreError
        The database refused a write (read-only store, disk full); nothing is written.
    """
    t0 = time.perf_counter()
    p = Path(path)
    label = str(p)
    if not isinstance(source, str) or not source.strip():
        raise IngestError(f"source must be a non-empty list name, got {source!r}", file=label)
    if batch_size < 1:
        raise IngestError(f"batch_size must be >= 1, got {batch_size}", file=label)
    if not p.is_file():
        raise IngestError("no such file (check the path)", file=label)
    m = load_mapping(mapping)
    sha = file_sha256(p)
    reader = open_reader(p, m.format, label=label, wanted=m.columns,
                         all_columns=m.extra_columns == "*", batch_size=batch_size)
    cb = progress or (lambda done, total: None)
    at = now()
    try:
        with store.transaction() as con:
            prior = con.execute(
                "SELECT ingest_id FROM ingests WHERE source = ? AND file_sha256 = ? "
                "AND duplicate_of IS NULL ORDER BY ingest_id LIMIT 1", [source, sha]).fetchone()
            others = tuple(r[0] for r in con.execute(
                "SELECT DISTINCT source FROM ingests WHERE file_sha256 = ? AND source <> ? "
                "ORDER BY 1", [sha, source]).fetchall())
            if others:
                log.warning("%s was already ingested as source(s) %s; ingesting it again as %r "
                            "makes the lists overlap completely", label, ", ".join(others), source)
            ingest_id = store.next_id("seq_ingest")
            if prior is not None:
                return _record_duplicate(store, con, ingest_id, int(prior[0]), source, p, sha, m,
                                         actor, at, reader.kind, others, t0)
            report = _ingest(store, con, reader, ingest_id, source, p, sha, m, actor, at, cb,
                             batch_size, others, t0)
    except duckdb.Error as exc:
        raise StoreError(f"the store refused the ingest of {label} ({exc}); nothing was "
                         "written. Is the project opened read-only or by another process?"
                         ) from exc
    finally:
        reader.close()
    log.info("%s", report)
    return report


def _record_duplicate(store: Store, con: Any, ingest_id: int, prior: int, source: str, p: Path,
                      sha: str, m: Mapping, actor: str, at: Any, kind: str,
                      others: tuple[str, ...], t0: float) -> IngestReport:
    con.execute(
        "INSERT INTO ingests (ingest_id, source, file_name, file_sha256, mapping_sha256, "
        "mapping_version, ingested_at, actor, n_rows, n_accepted, n_quarantined, n_superseded, "
        "duplicate_of, file_format) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?)",
        [ingest_id, source, p.name, sha, m.sha256, m.mapping_version, at, actor, prior, kind])
    store.audit("ingest_duplicate", f"ingest:{ingest_id}",
                {"source": source, "file": p.name, "sha256": sha, "duplicate_of": prior},
                actor=actor)
    return IngestReport(source=source, file=str(p), sha256=sha, ingest_id=ingest_id,
                        duplicate_of=prior, also_ingested_as=others, file_format=kind,
                        mapping_version=m.mapping_version, seconds=time.perf_counter() - t0,
                        notes=(f"the same file was ingested for {source!r} as ingest {prior}; "
                               "nothing changed",))


def _ingest(store: Store, con: Any, reader: Any, ingest_id: int, source: str, p: Path, sha: str,
            m: Mapping, actor: str, at: Any, cb: Callable[[int, int], None], batch_size: int,
            others: tuple[str, ...], t0: float) -> IngestReport:
    label = str(p)
    con.execute("CREATE OR REPLACE TEMP TABLE _ingest_stage (line_no BIGINT, raw_text VARCHAR, "
                + ", ".join(f"{c} {_sql_type(c)}" for c in OUT_COLUMNS) + ")")
    con.execute("CREATE OR REPLACE TEMP TABLE _ingest_q (line_no BIGINT, field VARCHAR, "
                "raw_text VARCHAR, reason VARCHAR, kind VARCHAR, record_id VARCHAR)")
    out = _Batches(con, ingest_id, source, p.name, sha, at, batch_size)
    n_blank = 0
    check_bytes = reader.kind in ("csv", "jsonl")
    enc_name = reader.encoding or "utf-8"
    conv: RowConverter | None = None
    n_cols = 0
    header_pos: dict[str, int] = {}
    header_names: dict[str, str] = {}
    pre: list[tuple[int, list[Any], str]] = []
    id_pos: int | None = None
    last_line = 0
    since_cb = 0

    def setup(header: list[Any], header_line: int) -> None:
        nonlocal conv, n_cols, header_pos, header_names, id_pos
        cells = list(header)
        while cells and cell_text(cells[-1]) is None:
            cells.pop()
        n_cols = len(cells)
        positions: dict[str, int] = {}
        for i, c in enumerate(cells):
            positions.setdefault(norm_header(c), i)
        index: dict[str, int] = {}
        missing = []
        for col in m.columns:
            k = norm_header(col)
            if k in positions:
                index[col] = positions[k]
            else:
                missing.append(col)
        if missing:
            fields = [f.name for f in m.fields if set(f.columns) & set(missing)]
            fields += [f"split({s.column})" for s in m.splits if s.column in missing]
            raise IngestError(
                f"column(s) {', '.join(repr(c) for c in missing)} not in the header "
                f"(line {header_line}); the header has "
                f"{', '.join(repr(str(c)) for c in cells if cell_text(c))}",
                file=label, line=header_line, field=", ".join(fields) or None)
        extra_index: dict[str, int] = {}
        if m.extra_columns == "*":
            used = set(index.values())
            extra_index = {str(c): i for i, c in enumerate(cells)
                           if i not in used and cell_text(c) is not None}
        elif m.extra_columns:
            extra_index = {c: index[c] for c in m.extra_columns}
        header_pos = {norm_header(c): index[c] for c in m.columns}
        header_names = {norm_header(c): c for c in m.columns}
        id_pos = index[m.id_column] if m.id_column else None
        conv = RowConverter(m, index, extra_index)

    if not reader.tabular:
        setup(list(reader.columns), 0)
    rows = reader.rows()
    try:
        for line, cells, raw, error in rows:
            last_line = line
            since_cb += 1
            if since_cb >= batch_size:
                since_cb = 0
                out.flush()
                cb(reader.done(), reader.total)
            if error is not None:
                out.reject(line, None, raw, error, "unreadable_row")
                continue
            assert cells is not None
            if is_blank(cells):
                n_blank += 1
                continue
            if conv is None:
                # still looking for the header (CSV, XLSX)
                pre.append((line, cells, raw))
                hdr = m.format.header_row
                found: int | None = None
                if hdr == "auto":
                    want = {norm_header(c) for c in m.columns}
                    if want <= {norm_header(c) for c in cells}:
                        found = len(pre) - 1
                    elif len(pre) >= HEADER_SEARCH_ROWS:
                        find_header([(ln, cs) for ln, cs, _ in pre], m.columns, hdr, label)
                elif line >= int(hdr):
                    found = find_header([(ln, cs) for ln, cs, _ in pre], m.columns, hdr, label)
                if found is not None:
                    setup(pre[found][1], pre[found][0])
                    assert conv is not None
                    for ln, _cs, rw in pre[:found]:
                        out.reject(ln, None, rw, "title line above the header", "title_line")
                    for ln, cs, rw in pre[found + 1:]:  # header_row = N skipped past line N
                        _row(out, conv, ln, cs, rw, n_cols, header_pos, header_names, id_pos,
                             check_bytes, enc_name, reader.kind)
                    pre = []
                continue
            _row(out, conv, line, cells, raw, n_cols, header_pos, header_names, id_pos,
                 check_bytes, enc_name, reader.kind)
    except UncountedError:
        raise
    except Exception as exc:  # a reader failing mid-file (corrupt XLSX zip, Parquet page, ...)
        raise IngestError(f"reading failed after line {last_line}: {exc}", file=label,
                          line=last_line) from exc
    if conv is None:
        find_header([(ln, cs) for ln, cs, _ in pre], m.columns, m.format.header_row, label)
        raise IngestError("no header row found", file=label)  # pragma: no cover
    out.flush()
    cb(reader.done(), reader.total)
    return _finish(store, con, out, cb, ingest_id, source, p, sha, m, actor, at, reader, n_blank,
                   others, t0)


def _row(out: _Batches, conv: RowConverter, line: int, cells: list[Any], raw: str, n_cols: int,
         header_pos: dict[str, int], header_names: dict[str, str], id_pos: int | None,
         check_bytes: bool, enc_name: str, kind: str) -> None:
    rid = cell_text(cells[id_pos]) if id_pos is not None and id_pos < len(cells) else None
    if kind == "csv" and len(cells) != n_cols:
        if len(cells) > n_cols and all(cell_text(c) is None for c in cells[n_cols:]):
            cells = cells[:n_cols]
        else:
            out.reject(line, None, raw, f"{len(cells)} columns where the header has {n_cols}",
                       "column_count", rid)
            return
    if is_repeated_header(cells, header_pos, header_names):
        out.reject(line, None, raw, "repeated header row", "repeated_header")
        return
    tot = totals_cell(cells)
    if tot is not None:
        out.reject(line, None, raw, f"totals row ({tot[:60]!r})", "totals_row")
        return
    if check_bytes and _SURROGATE.search(raw):
        out.reject(line, None, raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                   f"bytes that are not valid {enc_name} (is the file in another encoding? "
                   "set format.encoding in the mapping)", "encoding", rid)
        return
    try:
        values, problems = conv.convert(cells, line)
    except Exception as exc:  # a bug must not lose the row or abort the file: quarantine it
        log.exception("line %s could not be converted", line)
        out.reject(line, None, raw, f"could not be converted (internal error: {exc!r}); "
                   "please report this row", "internal_error", rid)
        return
    if problems:
        out.reject(line, ", ".join(dict.fromkeys(f for f, _k, _m in problems)), raw,
                   "; ".join(msg for _f, _k, msg in problems), problems[0][1], rid)
        return
    out.accept(line, raw, values)


def _finish(store: Store, con: Any, out: _Batches, cb: Callable[[int, int], None],
            ingest_id: int, source: str, p: Path,
            sha: str, m: Mapping, actor: str, at: Any, reader: Any, n_blank: int,
            others: tuple[str, ...], t0: float) -> IngestReport:
    meta = [ingest_id, source, p.name, sha, at]
    out.move_quarantine()
    n_dup = int(con.execute("SELECT count(*) - count(DISTINCT record_id) FROM _ingest_stage"
                            ).fetchone()[0]) if m.id_column else 0
    if n_dup:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _ingest_dup AS "
            "SELECT s.line_no, s.record_id, s.raw_text, f.first_line FROM _ingest_stage s JOIN "
            "(SELECT record_id, min(line_no) AS first_line FROM _ingest_stage GROUP BY record_id "
            " HAVING count(*) > 1) f USING (record_id) WHERE s.line_no <> f.first_line")
        con.execute(
            "INSERT INTO quarantine (quarantine_id, ingest_id, source, file_name, file_sha256, "
            "line_no, field, raw_text, reason, quarantined_at, kind, record_id) "
            "SELECT nextval('seq_quarantine'), ?, ?, ?, ?, line_no, 'record_id', raw_text, "
            "'record id ''' || record_id || ''' appears more than once in this file (first at "
            "line ' || first_line || ')', ?, 'duplicate_id', record_id FROM _ingest_dup", meta)
        con.execute("DELETE FROM _ingest_stage WHERE line_no IN (SELECT line_no FROM _ingest_dup)")
        con.execute("DROP TABLE _ingest_dup")
    same = " AND ".join(
        f"s.{c} IS NOT DISTINCT FROM CAST(r.{c} AS VARCHAR)" if c == "extra"
        else f"s.{c} IS NOT DISTINCT FROM r.{c}" for c in _CONTENT)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ingest_cmp AS SELECT s.line_no, s.record_id, "
        f"r.record_uid AS old_uid, (r.record_uid IS NOT NULL AND {same}) AS same "
        "FROM _ingest_stage s "
        "LEFT JOIN records r ON r.source = ? AND r.active AND r.record_id = s.record_id",
        [source])
    counts = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE old_uid IS NULL), "
        "count(*) FILTER (WHERE same), count(*) FILTER (WHERE old_uid IS NOT NULL AND NOT same) "
        "FROM _ingest_cmp").fetchone()
    assert counts is not None
    n_accepted, n_new, n_unchanged, n_superseded = (int(x) for x in counts)
    cols = ", ".join(OUT_COLUMNS)
    con.execute(
        f"INSERT INTO records (record_uid, source, {cols}, ingest_id, file_sha256, line_no, "
        "ingested_at, mapping_version, active, superseded_by) "
        f"SELECT nextval('seq_record'), ?, {', '.join('s.' + c for c in OUT_COLUMNS)}, ?, ?, "
        "s.line_no, ?, ?, TRUE, NULL FROM _ingest_stage s JOIN _ingest_cmp c USING (line_no) "
        "WHERE c.same IS DISTINCT FROM TRUE ORDER BY s.line_no",
        [source, ingest_id, sha, at, m.mapping_version])
    changes: list[dict[str, Any]] = []
    if n_superseded:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _ingest_pairs AS SELECT c.record_id, c.old_uid, "
            "r.record_uid AS new_uid FROM _ingest_cmp c JOIN records r ON r.ingest_id = ? "
            "AND r.line_no = c.line_no WHERE c.old_uid IS NOT NULL AND NOT c.same", [ingest_id])
        con.execute(
            "UPDATE records SET active = FALSE, superseded_by = p.new_uid FROM _ingest_pairs p "
            "WHERE records.record_uid = p.old_uid")
        diffs = " UNION ALL ".join(
            f"SELECT ?, ?, p.record_id, p.old_uid, p.new_uid, '{c}', CAST(o.{c} AS VARCHAR), "
            f"CAST(n.{c} AS VARCHAR) FROM _ingest_pairs p "
            f"JOIN records o ON o.record_uid = p.old_uid "
            f"JOIN records n ON n.record_uid = p.new_uid "
            f"WHERE CAST(o.{c} AS VARCHAR) IS DISTINCT FROM CAST(n.{c} AS VARCHAR)"
            for c in _CONTENT)
        con.execute(f"INSERT INTO record_changes {diffs}", [ingest_id, source] * len(_CONTENT))
        con.execute("DROP TABLE _ingest_pairs")
        changes = [dict(zip(("record_id", "old_uid", "new_uid", "field", "old", "new"), r,
                            strict=True))
                   for r in con.execute(
                       "SELECT record_id, old_uid, new_uid, field, old_value, new_value FROM "
                       "record_changes WHERE ingest_id = ? ORDER BY record_id, field LIMIT 100",
                       [ingest_id]).fetchall()]
    cb(reader.total, reader.total)  # records written; bookkeeping follows
    vanished_sql = (
        "FROM records r WHERE r.source = ? AND r.active AND r.ingest_id <> ? "
        "AND r.record_id NOT IN (SELECT record_id FROM _ingest_stage) "
        "AND r.record_id NOT IN (SELECT record_id FROM quarantine WHERE ingest_id = ? "
        "AND record_id IS NOT NULL)")
    n_vanished = int(con.execute(f"SELECT count(*) {vanished_sql}",
                                 [source, ingest_id, ingest_id]).fetchone()[0])
    vanished_ids = [r[0] for r in con.execute(
        f"SELECT r.record_id {vanished_sql} ORDER BY r.record_uid LIMIT 100",
        [source, ingest_id, ingest_id]).fetchall()]
    reasons = tuple((str(k), int(n)) for k, n in con.execute(
        "SELECT coalesce(kind, 'other'), count(*) FROM quarantine WHERE ingest_id = ? "
        "GROUP BY 1 ORDER BY 2 DESC, 1", [ingest_id]).fetchall())
    n_quarantined = sum(n for _k, n in reasons)
    examples = tuple((int(ln) if ln is not None else 0, f or "", r) for ln, f, r in con.execute(
        "SELECT line_no, field, reason FROM quarantine WHERE ingest_id = ? "
        "ORDER BY line_no LIMIT 10", [ingest_id]).fetchall())
    n_rows = n_accepted + n_quarantined
    con.execute(
        "INSERT INTO ingests (ingest_id, source, file_name, file_sha256, mapping_sha256, "
        "mapping_version, ingested_at, actor, n_rows, n_accepted, n_quarantined, n_superseded, "
        "duplicate_of, file_format, encoding, n_new, n_unchanged, n_vanished, n_blank) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)",
        [ingest_id, source, p.name, sha, m.sha256, m.mapping_version, at, actor, n_rows,
         n_accepted, n_quarantined, n_superseded, reader.kind, reader.encoding, n_new,
         n_unchanged, n_vanished, n_blank])
    for t in ("_ingest_stage", "_ingest_cmp"):
        con.execute(f"DROP TABLE {t}")
    notes: list[str] = []
    if n_vanished:
        notes.append(f"{n_vanished} active record(s) of {source!r} are not in this file and stay "
                     "active (e.g. " + ", ".join(map(str, vanished_ids[:5])) + ")")
    if not m.id_column and (n_superseded or n_unchanged):
        notes.append("the mapping has no id_column: rows were matched to earlier versions by "
                     "line number, which is only right if no rows moved")
    if others:
        notes.append(f"the same file was also ingested as source(s) {', '.join(others)}")
    store.audit("ingest", f"ingest:{ingest_id}", {
        "source": source, "file": p.name, "sha256": sha, "mapping_sha256": m.sha256,
        "mapping_version": m.mapping_version, "n_rows": n_rows, "n_accepted": n_accepted,
        "n_quarantined": n_quarantined, "n_new": n_new, "n_superseded": n_superseded,
        "n_unchanged": n_unchanged, "n_vanished": n_vanished, "reasons": dict(reasons),
        "changes": changes, "vanished": vanished_ids}, actor=actor)
    return IngestReport(
        source=source, file=str(p), sha256=sha, ingest_id=ingest_id, n_rows=n_rows,
        n_accepted=n_accepted, n_quarantined=n_quarantined, n_superseded=n_superseded,
        n_new=n_new, n_unchanged=n_unchanged, n_vanished=n_vanished, n_blank=n_blank,
        duplicate_of=None, also_ingested_as=others, reasons=reasons, examples=examples,
        file_format=reader.kind, encoding=reader.encoding, mapping_version=m.mapping_version,
        seconds=time.perf_counter() - t0, notes=tuple(notes))
