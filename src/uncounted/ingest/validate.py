"""Turn one input row into one canonical record, or into the reasons it cannot be one.

Why all problems of a row at once: whoever fixes the file should see "age -3 is outside
0–120; date 31.02.2022 does not exist" in one pass, not one problem per ingest round.
"""

from __future__ import annotations

import json
from collections.abc import Mapping as AbcMapping
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from uncounted.ingest.dates import DateProblem, ParsedDate, parse_date
from uncounted.ingest.mapping import FieldSpec, Mapping
from uncounted.ingest.values import ValueProblem, normalize_key, parse_age, parse_int

__all__ = ["OUT_COLUMNS", "Problem", "RowConverter"]

# Column order of converted records (the canonical columns of table `records` that come from
# the file; provenance is added by the pipeline).
OUT_COLUMNS = (
    "record_id", "name_raw", "family_name", "given_name", "patronymic", "sex",
    "birth_date", "birth_year", "birth_month", "birth_precision", "age", "age_date",
    "event_type", "event_date", "event_date_end", "event_date_precision",
    "place", "unit", "home_region", "free_text", "extra",
)
_IDX = {c: i for i, c in enumerate(OUT_COLUMNS)}
_TEXT_TARGETS = ("name_raw", "family_name", "given_name", "patronymic", "place", "unit",
                 "home_region", "free_text")

Problem = tuple[str, str, str]  # (field, kind, message)
_MISS = object()


def cell_text(x: Any) -> str | None:
    """A cell as stripped text; empty -> None.  XLSX/Parquet values are rendered plainly."""
    if x is None:
        return None
    if isinstance(x, str):
        t = x.strip()
        return t or None
    if isinstance(x, datetime):
        return x.date().isoformat() if x.time() == datetime.min.time() else x.isoformat(sep=" ")
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    t = str(x).strip()
    return t or None


class RowConverter:
    """Converts cells (aligned with the header) into a tuple in :data:`OUT_COLUMNS` order.

    Parameters
    ----------
    mapping:
        The validated mapping.
    index:
        Column name -> position in the row's cells, for every column the mapping reads.
    extra_index:
        Columns kept verbatim in ``extra`` (JSON), name -> position.
    today:
        Event dates after this day are rejected as "in the future".
    """

    def __init__(self, mapping: Mapping, index: dict[str, int],
                 extra_index: dict[str, int] | None = None, today: date | None = None) -> None:
        self.mapping = mapping
        self.index = index
        self.extra_index = extra_index or {}
        self.today = today or date.today()
        self.id_pos = index[mapping.id_column] if mapping.id_column else None
        self.fields: list[tuple[FieldSpec, tuple[int, ...]]] = [
            (f, tuple(index[c] for c in f.columns)) for f in mapping.fields]
        self.splits = [(s, index[s.column]) for s in mapping.splits]
        self._plan = [(f.name, _IDX[f.name], f.kind, pos[0] if len(pos) == 1 else -1, pos, f)
                      for f, pos in self.fields]
        self._vcache: dict[str, dict[Any, str | None]] = {}
        self.fill_name_raw = "name_raw" not in mapping.targets and bool(mapping.splits)

    def _value(self, cells: Sequence[Any], kind: str, p1: int, pos: tuple[int, ...],
               join: str) -> Any:
        n = len(cells)
        if p1 >= 0:
            v = cells[p1] if p1 < n else None
            if v.__class__ is str:
                return v.strip() or None
            if kind == "date" and isinstance(v, date):
                return v
            if kind == "int" and isinstance(v, int | float) and not isinstance(v, bool):
                return v
            return cell_text(v)
        parts = [cell_text(cells[p]) if p < n else None for p in pos]
        joined = join.join(p for p in parts if p)
        return joined or None

    def _mapped(self, name: str, values: AbcMapping[str, str], default: str | None,
                v: Any) -> str | None:
        cache = self._vcache.setdefault(name, {})
        hit = cache.get(v, _MISS)
        if hit is not _MISS:
            return hit  # type: ignore[return-value]
        res = values.get(normalize_key(str(v)), default)
        if len(cache) < 10_000:
            cache[v] = res
        return res

    def convert(self, cells: Sequence[Any], line_no: int) -> tuple[list[Any], list[Problem]]:
        """The record values and the problems found (a record is usable only without problems)."""
        out: list[Any] = [None] * len(OUT_COLUMNS)
        problems: list[Problem] = []
        n = len(cells)
        rid = cell_text(cells[self.id_pos]) if self.id_pos is not None and self.id_pos < n else None
        out[0] = rid if rid is not None else f"L{line_no}"
        dates: dict[str, ParsedDate] = {}
        for name, oi, kind, p1, pos, spec in self._plan:
            v = self._value(cells, kind, p1, pos, spec.join)
            if v is None:
                continue
            try:
                if kind == "text":
                    out[oi] = self._mapped(name, spec.values, v, v) if spec.values else v
                elif kind == "value":
                    mapped = self._mapped(name, spec.values, spec.default, v)
                    if mapped is None:
                        label = "event type" if name == "event_type" else name
                        raise ValueProblem(
                            f"{label} {str(v)!r} is not in the value map; add it under "
                            f"[fields.{name}.values] in the mapping (or set a default)",
                            f"{name}_unknown")
                    out[oi] = mapped
                elif kind == "int":
                    if name == "age":
                        out[oi] = parse_age(v)
                    elif name == "birth_year":
                        out[oi] = parse_int(v, "birth year", 1850, self.today.year)
                    else:
                        out[oi] = parse_int(v, "birth month", 1, 12)
                else:
                    pd_ = parse_date(v, spec.formats, spec.default_year)
                    if pd_ is not None:
                        dates[name] = pd_
            except DateProblem as exc:
                problems.append((name, f"date_{exc.kind}", str(exc)))
            except ValueProblem as exc:
                problems.append((name, exc.kind, str(exc)))
        for s, p in self.splits:
            v = cell_text(cells[p]) if p < n else None
            if v is None:
                continue
            parts = v.split(s.sep) if s.sep else v.split()
            parts = [x.strip() for x in parts if x.strip()]
            k = len(s.into)
            if len(parts) > k:
                parts = parts[:k - 1] + [(s.sep or " ").join(parts[k - 1:])]
            for target, part in zip(s.into, parts, strict=False):
                out[_IDX[target]] = part
            if self.fill_name_raw and out[_IDX["name_raw"]] is None:
                out[_IDX["name_raw"]] = v
        self._apply_dates(out, dates, problems)
        if self.extra_index:
            extra = {c: cell_text(cells[p]) for c, p in self.extra_index.items() if p < n}
            extra = {c: t for c, t in extra.items() if t is not None}
            out[_IDX["extra"]] = json.dumps(extra, ensure_ascii=False) if extra else None
        return out, problems

    def _apply_dates(self, out: list[Any], dates: dict[str, ParsedDate],
                     problems: list[Problem]) -> None:
        ev = dates.get("event_date")
        end = dates.get("event_date_end")
        if ev is not None or end is not None:
            start_d = ev or end
            assert start_d is not None
            stop = end.end if end is not None else start_d.end
            if stop < start_d.start:
                problems.append(("event_date_end", "date_invalid",
                                 f"event date range {start_d.start}–{stop} ends before it starts"))
            prec = start_d.precision if (end is None or stop == start_d.end) else "range"
            out[_IDX["event_date"]] = start_d.start
            out[_IDX["event_date_end"]] = stop
            out[_IDX["event_date_precision"]] = prec
            if start_d.start > self.today:
                problems.append(("event_date", "date_future",
                                 f"event date {start_d.start} is in the future"))
        b = dates.get("birth_date")
        if b is not None:
            if b.precision == "range":
                problems.append(("birth_date", "date_range",
                                 f"date of birth {b.start}–{b.end} is a range; give one date, "
                                 "a month or a year"))
            else:
                out[_IDX["birth_date"]] = b.start
                out[_IDX["birth_year"]] = b.start.year
                out[_IDX["birth_month"]] = b.start.month if b.precision in ("day", "month") else None
                out[_IDX["birth_precision"]] = b.precision
        elif out[_IDX["birth_year"]] is not None:
            y = out[_IDX["birth_year"]]
            m = out[_IDX["birth_month"]]
            out[_IDX["birth_date"]] = date(y, m or 1, 1)
            out[_IDX["birth_precision"]] = "month" if m else "year"
        elif out[_IDX["birth_month"]] is not None:
            out[_IDX["birth_month"]] = None  # a month without a year says nothing usable
        bd = out[_IDX["birth_date"]]
        if bd is not None:
            if ev is not None and bd > ev.end:
                problems.append(("birth_date", "birth_after_event",
                                 f"date of birth {bd} is after the event date {ev.start}"))
            elif bd > self.today:
                problems.append(("birth_date", "date_future", f"date of birth {bd} is in the future"))
        ad = dates.get("age_date")
        if ad is not None:
            out[_IDX["age_date"]] = ad.start
        elif out[_IDX["age"]] is not None and ev is not None:
            out[_IDX["age_date"]] = ev.start
