"""Per-source mapping files: which column feeds which canonical field, and how to read it.

Why a validated dataclass: a mapping is written by hand, per list, often by someone who is not
a programmer.  Like Splink's settings, every problem in it is collected and reported at once,
each with the file and the key ("map.toml: fields.age.type: 'date' does not fit field 'age'
(allowed: int)"), so one edit round fixes them all.  The format is documented with examples in
``docs/mapping.md``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uncounted.exceptions import MappingError
from uncounted.ingest.dates import validate_formats
from uncounted.ingest.values import EVENT_TYPES, SEX_VALUES, builtin_values, normalize_key

__all__ = [
    "DATE_FIELDS",
    "FIELD_KINDS",
    "FieldSpec",
    "FormatSpec",
    "Mapping",
    "SplitSpec",
    "load_mapping",
]

TEXT_FIELDS = ("name_raw", "family_name", "given_name", "patronymic", "place", "unit",
               "home_region", "free_text")
DATE_FIELDS = ("birth_date", "event_date", "event_date_end", "age_date")
INT_FIELDS = ("age", "birth_year", "birth_month")
VALUE_FIELDS = ("sex", "event_type")
FIELD_KINDS: dict[str, str] = (
    {f: "text" for f in TEXT_FIELDS} | {f: "date" for f in DATE_FIELDS}
    | {f: "int" for f in INT_FIELDS} | {f: "value" for f in VALUE_FIELDS}
)
_TYPE_ALIASES = {
    "text": {"str", "string", "text"},
    "date": {"date"},
    "int": {"int", "integer"},
    "value": {"str", "string", "text", "category", "value", "enum"},
}
_ALLOWED_VALUES = {"sex": SEX_VALUES, "event_type": EVENT_TYPES}
FILE_TYPES = ("csv", "xlsx", "jsonl", "parquet")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "utf-16", "windows-1251", "cp1251", "koi8-r",
             "koi8_r", "koi8-u", "koi8_u")
_TOP_KEYS = {"mapping_version", "format", "id_column", "default_year", "fields", "split",
             "extra_columns", "source", "name", "description", "notes"}
_FORMAT_KEYS = {"type", "encoding", "delimiter", "quotechar", "header_row", "sheet"}
_FIELD_KEYS = {"column", "columns", "join", "type", "formats", "values", "default",
               "default_year"}
_SPLIT_KEYS = {"column", "into", "sep"}


@dataclass(frozen=True)
class FormatSpec:
    """How to read the file.  ``type=None`` means: from the file extension."""

    type: str | None = None
    encoding: str = "auto"
    delimiter: str = "auto"
    quotechar: str = '"'
    header_row: int | str = "auto"
    sheet: str | int | None = None


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field fed by one column, or several columns joined."""

    name: str
    columns: tuple[str, ...]
    join: str = " "
    formats: tuple[str, ...] = ("auto",)
    values: AbcMapping[str, str] = field(default_factory=dict)
    default: str | None = None
    default_year: int | None = None

    @property
    def kind(self) -> str:
        return FIELD_KINDS[self.name]


@dataclass(frozen=True)
class SplitSpec:
    """One column split into several fields ('Иванов Иван Иванович' -> family, given, patr.).

    Splits on runs of whitespace when ``sep`` is None or a space; extra parts go to the last
    field, missing parts are left empty.
    """

    column: str
    into: tuple[str, ...]
    sep: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A validated mapping (see ``docs/mapping.md``)."""

    mapping_version: str
    format: FormatSpec
    fields: tuple[FieldSpec, ...]
    splits: tuple[SplitSpec, ...] = ()
    id_column: str | None = None
    default_year: int | None = None
    extra_columns: tuple[str, ...] | str = ()
    origin: str = "<dict>"
    sha256: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        """Every input column the mapping reads, in first-use order."""
        cols: list[str] = []
        if self.id_column:
            cols.append(self.id_column)
        for f in self.fields:
            cols.extend(f.columns)
        for s in self.splits:
            cols.append(s.column)
        if isinstance(self.extra_columns, tuple):
            cols.extend(self.extra_columns)
        return tuple(dict.fromkeys(cols))

    @property
    def targets(self) -> frozenset[str]:
        """Canonical fields this mapping fills."""
        return frozenset([f.name for f in self.fields] + [t for s in self.splits for t in s.into])

    def get_field(self, name: str) -> FieldSpec | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _parse_fields(raw: Any, problems: list[str], default_year: int | None) -> list[FieldSpec]:
    out: list[FieldSpec] = []
    if not isinstance(raw, dict):
        problems.append("fields: must be a table of field = {column = ...}")
        return out
    for name, spec in raw.items():
        key = f"fields.{name}"
        if name not in FIELD_KINDS:
            problems.append(f"{key}: unknown field {name!r}; known fields: "
                            f"{', '.join(FIELD_KINDS)} (the record id is set by id_column)")
            continue
        kind = FIELD_KINDS[name]
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, dict):
            problems.append(f"{key}: must be a table like {{column = \"...\"}} or a column name")
            continue
        for k in spec:
            if k not in _FIELD_KEYS:
                problems.append(f"{key}.{k}: unknown key; allowed: {', '.join(sorted(_FIELD_KEYS))}")
        cols: list[str] = []
        if "column" in spec and "columns" in spec:
            problems.append(f"{key}: give either column or columns, not both")
        if "column" in spec:
            if isinstance(spec["column"], str) and spec["column"]:
                cols = [spec["column"]]
            else:
                problems.append(f"{key}.column: must be a non-empty column name")
        elif "columns" in spec:
            c = spec["columns"]
            if isinstance(c, list) and c and all(isinstance(x, str) and x for x in c):
                cols = list(c)
            else:
                problems.append(f"{key}.columns: must be a non-empty list of column names")
        else:
            problems.append(f"{key}: needs column = \"...\" or columns = [\"...\", ...]")
        typ = spec.get("type")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in _TYPE_ALIASES[kind]):
            problems.append(f"{key}.type: {typ!r} does not fit field {name!r} "
                            f"(allowed: {', '.join(sorted(_TYPE_ALIASES[kind]))})")
        join = spec.get("join", " ")
        if not isinstance(join, str):
            problems.append(f"{key}.join: must be a string")
            join = " "
        formats: tuple[str, ...] = ("auto",)
        if "formats" in spec or "format" in spec:
            fm = spec.get("formats", spec.get("format"))
            if isinstance(fm, str):
                fm = [fm]
            if kind != "date":
                problems.append(f"{key}.formats: only date fields ({', '.join(DATE_FIELDS)}) take formats")
            elif not isinstance(fm, list) or not fm:
                problems.append(f"{key}.formats: must be a non-empty list of date formats")
            else:
                problems.extend(f"{key}.formats: {p}" for p in validate_formats(fm))
                formats = tuple(str(x) for x in fm)
        values: dict[str, str] = builtin_values(name)
        if "values" in spec:
            vm = spec["values"]
            if not isinstance(vm, dict):
                problems.append(f"{key}.values: must be a table of \"as written\" = \"canonical\"")
            else:
                for k, v in vm.items():
                    allowed = _ALLOWED_VALUES.get(name)
                    if not isinstance(v, str):
                        problems.append(f"{key}.values.{k}: value must be a string")
                    elif allowed and v not in allowed:
                        problems.append(f"{key}.values.{k}: {v!r} is not one of {', '.join(allowed)}")
                    else:
                        values[normalize_key(str(k))] = v
        default = spec.get("default")
        if default is not None:
            allowed = _ALLOWED_VALUES.get(name)
            if not isinstance(default, str) or (allowed and default not in allowed):
                problems.append(f"{key}.default: {default!r} is not one of "
                                f"{', '.join(allowed or ('a string',))}")
                default = None
        fdy = spec.get("default_year", default_year)
        if fdy is not None and not _is_int(fdy):
            problems.append(f"{key}.default_year: must be a year like 2022")
            fdy = None
        out.append(FieldSpec(name=name, columns=tuple(cols), join=join, formats=formats,
                             values=values, default=default, default_year=fdy))
    return out


def _parse_splits(raw: Any, problems: list[str]) -> list[SplitSpec]:
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        problems.append("split: must be a table {column, into, sep} or a list of them")
        return []
    out = []
    for i, s in enumerate(items):
        key = "split" if isinstance(raw, dict) else f"split[{i}]"
        if not isinstance(s, dict):
            problems.append(f"{key}: must be a table {{column, into, sep}}")
            continue
        for k in s:
            if k not in _SPLIT_KEYS:
                problems.append(f"{key}.{k}: unknown key; allowed: {', '.join(sorted(_SPLIT_KEYS))}")
        col = s.get("column")
        if not isinstance(col, str) or not col:
            problems.append(f"{key}.column: must be a non-empty column name")
        into = s.get("into")
        if not isinstance(into, list) or not into or not all(isinstance(x, str) for x in into):
            problems.append(f"{key}.into: must be a non-empty list of field names")
            into = []
        bad = [t for t in into if FIELD_KINDS.get(t) != "text"]
        for t in bad:
            problems.append(f"{key}.into: {t!r} is not a text field; allowed: {', '.join(TEXT_FIELDS)}")
        if bad:
            into = []
        sep = s.get("sep")
        if sep is not None and (not isinstance(sep, str) or not sep):
            problems.append(f"{key}.sep: must be a non-empty string")
            sep = None
        if sep is not None and not sep.strip():
            sep = None
        if isinstance(col, str) and col and into:
            out.append(SplitSpec(column=col, into=tuple(into), sep=sep))
    return out


def _parse_format(raw: Any, problems: list[str]) -> FormatSpec:
    if raw is None:
        return FormatSpec()
    if not isinstance(raw, dict):
        problems.append("format: must be a table {type, encoding, delimiter, header_row, ...}")
        return FormatSpec()
    for k in raw:
        if k not in _FORMAT_KEYS:
            problems.append(f"format.{k}: unknown key; allowed: {', '.join(sorted(_FORMAT_KEYS))}")
    typ = raw.get("type")
    if typ is not None and typ not in FILE_TYPES:
        problems.append(f"format.type: {typ!r} is not one of {', '.join(FILE_TYPES)}")
        typ = None
    enc = str(raw.get("encoding", "auto")).lower()
    if enc not in ENCODINGS:
        problems.append(f"format.encoding: {enc!r} is not one of {', '.join(ENCODINGS)}")
        enc = "auto"
    enc = {"cp1251": "windows-1251", "koi8_r": "koi8-r", "koi8_u": "koi8-u"}.get(enc, enc)
    delim = raw.get("delimiter", "auto")
    if delim in ("\\t", "tab"):
        delim = "\t"
    if not isinstance(delim, str) or (delim != "auto" and len(delim) != 1):
        problems.append(f"format.delimiter: {delim!r} must be one character or \"auto\"")
        delim = "auto"
    quote = raw.get("quotechar", '"')
    if not isinstance(quote, str) or len(quote) != 1:
        problems.append(f"format.quotechar: {quote!r} must be one character")
        quote = '"'
    hr = raw.get("header_row", "auto")
    if not (hr == "auto" or (_is_int(hr) and hr >= 1)):
        problems.append(f"format.header_row: {hr!r} must be a row number >= 1 or \"auto\"")
        hr = "auto"
    sheet = raw.get("sheet")
    if sheet is not None and not isinstance(sheet, str | int):
        problems.append("format.sheet: must be a sheet name or a 0-based index")
        sheet = None
    return FormatSpec(type=typ, encoding=enc, delimiter=delim, quotechar=quote,
                      header_row=hr, sheet=sheet)


def mapping_from_dict(raw: dict[str, Any], origin: str = "<dict>") -> Mapping:
    """Validate a mapping given as a dict (the parsed TOML).

    Raises
    ------
    MappingError
        Listing every problem found, each prefixed with ``origin`` and the key.
    """
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise MappingError(f"{origin}: a mapping must be a table, got {type(raw).__name__}")
    for k in raw:
        if k not in _TOP_KEYS:
            problems.append(f"{k}: unknown key; allowed: {', '.join(sorted(_TOP_KEYS))}")
    version = str(raw.get("mapping_version", "1"))
    dy = raw.get("default_year")
    if dy is not None and not (_is_int(dy) and 1800 <= dy <= 2200):
        problems.append(f"default_year: {dy!r} must be a year like 2022")
        dy = None
    idc = raw.get("id_column")
    if idc is not None and (not isinstance(idc, str) or not idc):
        problems.append("id_column: must be a non-empty column name")
        idc = None
    fmt = _parse_format(raw.get("format"), problems)
    fields = _parse_fields(raw.get("fields", {}), problems, dy)
    splits = _parse_splits(raw["split"], problems) if "split" in raw else []
    extra = raw.get("extra_columns", [])
    if extra == "*":
        extra_cols: tuple[str, ...] | str = "*"
    elif isinstance(extra, list) and all(isinstance(x, str) for x in extra):
        extra_cols = tuple(extra)
    else:
        problems.append("extra_columns: must be a list of column names or \"*\"")
        extra_cols = ()
    seen: dict[str, str] = {}
    for f in fields:
        seen[f.name] = f"fields.{f.name}"
    for i, s in enumerate(splits):
        skey = "split" if isinstance(raw.get("split"), dict) else f"split[{i}]"
        for t in s.into:
            if t in seen:
                problems.append(f"{skey}.into: {t!r} is also filled by {seen[t]}")
            seen[t] = skey
    if not fields and not splits:
        problems.append("fields: the mapping maps no fields; map at least a name column")
    if problems:
        raise MappingError(
            f"{origin}: {len(problems)} problem(s) in the mapping:\n"
            + "\n".join(f"  - {origin}: {p}" for p in problems))
    digest = hashlib.sha256(
        json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()
    return Mapping(mapping_version=version, format=fmt, fields=tuple(fields),
                   splits=tuple(splits), id_column=idc, default_year=dy,
                   extra_columns=extra_cols, origin=origin, sha256=digest)


def load_mapping(mapping: Mapping | dict[str, Any] | str | Path) -> Mapping:
    """A :class:`Mapping` from a TOML file path, a dict, or an existing mapping.

    Raises
    ------
    MappingError
        When the file is missing or not TOML, or when the mapping has problems (all listed).
    """
    if isinstance(mapping, Mapping):
        return mapping
    if isinstance(mapping, dict):
        return mapping_from_dict(mapping)
    path = Path(mapping)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise MappingError(f"mapping file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: not a valid UTF-8 TOML file: {exc}") from exc
    return mapping_from_dict(raw, origin=str(path))
