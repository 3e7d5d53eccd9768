"""Records as reviewers see them: names in both scripts and as keys, differences, name search.

Names are shown three ways, because reviewers read one script better than the other and the
linkage compares neither: as written; in the other script (Cyrillic romanised with the
Wikipedia scheme from :mod:`iuliia`, Latin put back into Cyrillic with a small reverse table,
for reading only); and as the keys the model compares (:func:`uncounted.names.name_keys`).

Search folds the query with :func:`uncounted.names.fold_key`, the linkage's own
transliteration-invariant key, so "Иванов", "Ivanov" and "Iwanow" find the same people.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

import pandas as pd

from uncounted.names import fold_key, name_keys, script_of
from uncounted.store import Store

log = logging.getLogger(__name__)

FIELDS = ("source", "record_id", "name_raw", "family_name", "given_name", "patronymic", "sex",
          "birth_date", "birth_year", "age", "event_type", "event_date", "event_date_end", "place",
          "unit", "home_region", "free_text")
PROVENANCE = ("file_sha256", "line_no", "ingested_at", "mapping_version", "ingest_id")
KEYS = ("family_key", "family_phonetic", "given_key", "patronymic_key", "initials", "sex_inferred")

# Latin -> Cyrillic for reading (longest first); not a linkage key.
_LAT2CYR = [
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("tz", "ц"), ("ch", "ч"),
    ("sh", "ш"), ("yu", "ю"), ("iu", "ю"), ("ju", "ю"), ("ya", "я"), ("ia", "я"), ("ja", "я"),
    ("yo", "ё"), ("ye", "е"), ("ie", "е"), ("yi", "ї"), ("a", "а"), ("b", "б"), ("v", "в"), ("w", "в"),
    ("g", "г"), ("h", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("y", "ы"), ("j", "й"),
    ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"),
    ("t", "т"), ("u", "у"), ("f", "ф"), ("c", "ц"), ("x", "кс"), ("q", "к"), ("'", "ь"),
]
_LAT_RE = re.compile("|".join(re.escape(a) for a, _ in _LAT2CYR), re.IGNORECASE)
_LAT_MAP = dict(_LAT2CYR)


def _to_cyrillic(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        s = m.group(0)
        out = _LAT_MAP[s.lower()]
        return out[:1].upper() + out[1:] if s[:1].isupper() else out
    out = _LAT_RE.sub(one, text)
    # "ы" at a word start or after a vowel is "й" in real names (Yakov -> Яков handled above)
    return re.sub(r"(?<=[аеиоуыэюяё])ы", "й", out)


def other_script(text: str | None) -> str | None:
    """The name in the other script (for reading), or None when it has no letters."""
    if not text:
        return None
    sc = script_of(text)
    if sc == "cyrillic":
        import iuliia

        return str(iuliia.WIKIPEDIA.translate(text))
    if sc == "latin":
        return _to_cyrillic(text)
    return None


def _val(v: Any) -> Any:
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10] if hasattr(v, "hour") and v.hour == 0 and v.minute == 0 else v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


_REC_LOCK = threading.Lock()
_REC_CACHE: dict[tuple[str, int], dict[str, Any]] = {}
_REC_CACHE_MAX = 100_000


def load_records(store: Store, uids: list[int]) -> dict[int, dict[str, Any]]:
    """Records by uid with their name keys and the name in the other script.

    Cached per ``record_uid``: a uid names one immutable version of a record (a corrected
    record gets a new uid, and ingest cannot run while the app holds the database).
    """
    if not uids:
        return {}
    key = str(store.path)
    out: dict[int, dict[str, Any]] = {}
    with _REC_LOCK:
        for u in uids:
            hit = _REC_CACHE.get((key, int(u)))
            if hit is not None:
                out[int(u)] = hit
    missing = sorted({int(u) for u in uids} - set(out))
    if not missing:
        return out
    cols = ", ".join(("record_uid", *FIELDS, *PROVENANCE, "active"))
    df = store.query_df(f"SELECT {cols} FROM records WHERE record_uid IN "
                        f"({','.join('?' * len(missing))}) ORDER BY record_uid", missing)
    if df.empty:
        return out
    name_cols = ["name_raw", "family_name", "given_name", "patronymic", "sex"]
    keys = name_keys(df[name_cols].astype(object).where(df[name_cols].notna(), None))
    fresh: dict[int, dict[str, Any]] = {}
    for i, row in enumerate(df.to_dict(orient="records")):
        rec = {k: _val(v) for k, v in row.items()}
        written = rec.get("name_raw") or " ".join(
            str(rec[k]) for k in ("family_name", "given_name", "patronymic") if rec.get(k))
        rec["name_written"] = written or None
        rec["name_other_script"] = other_script(written)
        rec["keys"] = {k: _val(keys.iloc[i][k]) for k in KEYS}
        rec["fold"] = fold_key(written) if written else ""
        fresh[int(rec["record_uid"])] = rec
    with _REC_LOCK:
        if len(_REC_CACHE) > _REC_CACHE_MAX:
            _REC_CACHE.clear()
        for u, rec in fresh.items():
            _REC_CACHE[(key, u)] = rec
    out.update(fresh)
    return out


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field comparison: ``field, left, right, state`` ('same', 'differ', 'one_missing')."""
    rows = []
    for f in FIELDS:
        va, vb = a.get(f), b.get(f)
        if va is None and vb is None:
            continue
        if va is None or vb is None:
            state = "one_missing"
        elif str(va).strip().lower() == str(vb).strip().lower():
            state = "same"
        else:
            state = "differ"
        rows.append({"field": f, "left": va, "right": vb, "state": state})
    for k in KEYS:
        va, vb = a["keys"].get(k), b["keys"].get(k)
        if va is None and vb is None:
            continue
        state = "one_missing" if va is None or vb is None else ("same" if va == vb else "differ")
        rows.append({"field": f"key: {k}", "left": va, "right": vb, "state": state})
    return rows


class NameIndex:
    """Fold keys of every active record's name words, rebuilt when the records change."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._tokens: dict[str, set[int]] = {}

    def _refresh(self) -> None:
        row = self.store.query_df("SELECT count(*) AS n, coalesce(max(record_uid), 0) AS m FROM records WHERE active")
        stamp = (int(row["n"].iloc[0]), int(row["m"].iloc[0]))
        with self._lock:
            if stamp == self._stamp:
                return
        df = self.store.query_df(
            "SELECT record_uid, concat_ws(' ', name_raw, family_name, given_name, patronymic) AS txt "
            "FROM records WHERE active")
        tokens: dict[str, set[int]] = {}
        cache: dict[str, str] = {}
        for uid, txt in zip(df["record_uid"].astype(int), df["txt"].astype(object), strict=True):
            if not isinstance(txt, str):
                continue
            for w in re.findall(r"\w+", txt):
                k = cache.get(w)
                if k is None:
                    k = cache[w] = fold_key(w)
                for t in k.split():
                    tokens.setdefault(t, set()).add(int(uid))
        with self._lock:
            self._tokens, self._stamp = tokens, stamp

    def search(self, query: str, limit: int = 100) -> list[int]:
        """Record uids whose name words match every query word (equal key, or prefix of >= 3)."""
        self._refresh()
        words = [t for w in re.findall(r"\w+", query) for t in fold_key(w).split()]
        if not words:
            return []
        with self._lock:
            toks = self._tokens
        hits: set[int] | None = None
        for w in words:
            found: set[int] = set(toks.get(w, set()))
            if len(w) >= 3:
                for t, uids in toks.items():
                    if t.startswith(w):
                        found |= uids
            hits = found if hits is None else hits & found
            if not hits:
                return []
        return sorted(hits or [])[:limit]
