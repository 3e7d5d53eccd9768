"""Capture histories: the frequency table every multiple systems estimator starts from.

A capture history is the 0/1 vector saying on which of the ``k`` lists a person appears.
Multiple systems estimation (MSE) works on the *frequency table* of these histories: how
many people were seen with each pattern.  The all-zero pattern (seen on no list) is the
unobserved cell whose size the estimators infer (Bishop, Fienberg & Holland 1975, ch. 6;
International Working Group for Disease Monitoring and Forecasting 1995).

:class:`CaptureHistories` is the one input type of :mod:`uncounted.estimate`.  It is built from
a DataFrame (one 0/1 column per list plus ``count``), from an array, or from long-form
records (one row per record: cluster id and list name).  It is immutable, validated once,
and aggregated: each observed pattern appears once with its total count.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from uncounted.exceptions import InputError

__all__ = ["CaptureHistories", "as_histories"]

logger = logging.getLogger(__name__)

_COUNT = "count"


def _is_binary(values: np.ndarray) -> bool:
    return bool(np.all((values == 0) | (values == 1)))


class CaptureHistories:
    """An aggregated, validated table of capture histories over ``k >= 2`` lists.

    Parameters
    ----------
    patterns : array-like of shape (m, k)
        0/1 matrix; row ``i`` is a capture history.  Rows may repeat (they are summed).
    counts : array-like of shape (m,), optional
        Number of people with each row's history (default 1 per row).  Non-negative integers.
    lists : sequence of str, optional
        List (source) names, one per column (default ``"L1" .. "Lk"``).

    Raises
    ------
    InputError
        If values are not 0/1, counts are negative or not whole, a row is all zero, there
        are fewer than two lists, or list names repeat.

    Notes
    -----
    Patterns are stored sorted in the standard order (history ``(x_1, ..., x_k)`` read as the
    binary number with ``x_1`` as the most significant bit), with zero-count rows dropped, so
    two tables holding the same people compare equal and hash equally.
    """

    __slots__ = ("_lists", "_patterns", "_counts")

    def __init__(
        self,
        patterns: npt.ArrayLike | pd.DataFrame,
        counts: npt.ArrayLike | None = None,
        lists: Sequence[str] | None = None,
    ) -> None:
        if isinstance(patterns, pd.DataFrame):
            if counts is not None:
                raise InputError("Pass counts in the DataFrame's 'count' column, not separately.")
            patterns, counts, lists = _parse_frame(patterns, lists, _COUNT)
        pat = np.asarray(patterns)
        if pat.ndim != 2:
            raise InputError(
                f"Capture histories must be a 2-D 0/1 matrix (rows = histories, columns = lists); "
                f"got an array with {pat.ndim} dimension(s)."
            )
        m, k = pat.shape
        if k < 2:
            raise InputError(
                f"Capture histories need at least 2 lists; got {k}. Multiple systems estimation "
                "compares the overlap between lists, so a single list cannot be used."
            )
        if lists is None:
            lists = [f"L{j + 1}" for j in range(k)]
        lists = [str(x) for x in lists]
        if len(lists) != k:
            raise InputError(f"Got {len(lists)} list names for {k} columns of histories.")
        if len(set(lists)) != k:
            dup = sorted({x for x in lists if lists.count(x) > 1})
            raise InputError(f"List names must be unique; repeated: {dup}.")
        try:
            patf = pat.astype(float)
        except (TypeError, ValueError) as exc:
            raise InputError(f"Capture histories must be numeric 0/1 values: {exc}") from None
        if np.isnan(patf).any():
            r, c = np.argwhere(np.isnan(patf))[0]
            raise InputError(
                f"Missing value in capture histories at row {int(r)}, list {lists[int(c)]!r}; "
                "use 0 for 'not on this list'."
            )
        if not _is_binary(patf):
            r, c = np.argwhere(~((patf == 0) | (patf == 1)))[0]
            raise InputError(
                f"Capture history values must be 0 or 1; got {patf[r, c]:g} at row {int(r)}, "
                f"list {lists[int(c)]!r}."
            )
        if counts is None:
            cnt = np.ones(m, dtype=float)
        else:
            try:
                cnt = np.asarray(counts, dtype=float).reshape(-1)
            except (TypeError, ValueError) as exc:
                raise InputError(f"Counts must be numeric: {exc}") from None
            if cnt.shape[0] != m:
                raise InputError(f"Got {cnt.shape[0]} counts for {m} capture histories.")
        if np.isnan(cnt).any() or np.isinf(cnt).any():
            r = int(np.argwhere(~np.isfinite(cnt))[0][0])
            raise InputError(f"Count at row {r} is {cnt[r]!r}; counts must be finite numbers.")
        if (cnt < 0).any():
            r = int(np.argwhere(cnt < 0)[0][0])
            raise InputError(
                f"Counts must be non-negative; row {r} has count {cnt[r]:g}."
            )
        if (cnt != np.round(cnt)).any():
            r = int(np.argwhere(cnt != np.round(cnt))[0][0])
            raise InputError(f"Counts must be whole numbers; row {r} has count {cnt[r]:g}.")
        pat_i = patf.astype(np.int64)
        zero_rows = np.where((pat_i.sum(axis=1) == 0) & (cnt > 0))[0]
        if zero_rows.size:
            r = int(zero_rows[0])
            raise InputError(
                f"Row {r} is an all-zero capture history (on no list) with count {cnt[r]:g}. "
                "Nobody can be observed on no list: the unobserved cell is what is estimated. "
                "Drop that row."
            )
        # aggregate by pattern index
        idx = self._index_of(pat_i) if m else np.zeros(0, dtype=np.int64)
        keep = (cnt > 0) & (pat_i.sum(axis=1) > 0) if m else np.zeros(0, dtype=bool)
        uniq, inv = np.unique(idx[keep], return_inverse=True)
        agg = np.zeros(uniq.shape[0], dtype=np.int64)
        np.add.at(agg, inv, cnt[keep].astype(np.int64))
        self._lists: tuple[str, ...] = tuple(lists)
        self._patterns: np.ndarray = self._patterns_of(uniq, k)
        self._counts: np.ndarray = agg
        self._patterns.setflags(write=False)
        self._counts.setflags(write=False)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        lists: Sequence[str] | None = None,
        count_col: str | None = _COUNT,
    ) -> CaptureHistories:
        """Build from a DataFrame with one 0/1 column per list and an optional ``count``.

        Parameters
        ----------
        df : pandas.DataFrame
            One 0/1 column per list, plus the ``count_col`` column if present (else each row
            counts once).  Rows may repeat.
        lists : sequence of str, optional
            The list columns, in order (default: every column except ``count_col``).
        count_col : str or None
            Name of the count column (default ``"count"``).
        """
        arr, counts, names = _parse_frame(df, lists, count_col)
        return cls(arr, counts, names)

    @classmethod
    def from_records(
        cls,
        df: pd.DataFrame,
        list_col: str = "source",
        id_col: str = "cluster_id",
        lists: Sequence[str] | None = None,
    ) -> CaptureHistories:
        """Build from long-form records: one row per (person cluster, list) appearance.

        Parameters
        ----------
        df : pandas.DataFrame
            Record table; duplicate rows (the same person twice on one list) count once.
        list_col : str
            Column naming the list (source) of each record.
        id_col : str
            Column identifying the person (linked cluster).
        lists : sequence of str, optional
            Lists to use, in order (default: sorted distinct values of ``list_col``).  Listing a
            source with no records keeps it as an all-zero column.
        """
        for c in (list_col, id_col):
            if c not in df.columns:
                raise InputError(f"Column {c!r} not in the records; columns are {list(df.columns)}.")
        sub = df[[id_col, list_col]]
        if sub.isna().any().any():
            bad = sub[sub.isna().any(axis=1)].index[0]
            raise InputError(f"Record at row {bad!r} has no {id_col!r} or {list_col!r}.")
        if lists is None:
            lists = sorted(str(x) for x in sub[list_col].unique())
        lists = [str(x) for x in lists]
        sub = sub.assign(**{list_col: sub[list_col].astype(str)})
        unknown = sorted(set(sub[list_col]) - set(lists))
        if unknown:
            raise InputError(f"Records name lists {unknown} that are not in lists={lists}.")
        wide = pd.crosstab(sub[id_col], sub[list_col]).clip(upper=1)
        wide = wide.reindex(columns=lists, fill_value=0)
        return cls(wide.to_numpy(), None, lists)

    @classmethod
    def by_stratum(
        cls,
        df: pd.DataFrame,
        stratum_col: str,
        list_col: str = "source",
        id_col: str = "cluster_id",
        lists: Sequence[str] | None = None,
    ) -> dict[str, CaptureHistories]:
        """One table per stratum from long-form records (clusters x sources).

        A person (cluster) whose records disagree on the stratum (e.g. one list says
        "killed", another "missing") is put in the stratum most of their records give;
        ties go to the first value in sorted order, and records with no stratum value are
        ignored for the choice.  Clusters with no stratum value at all go to stratum
        ``"unknown"``.  Every table keeps the same lists, so a list absent from a stratum
        is visible as an empty column.

        Returns
        -------
        dict of str to CaptureHistories
            Keyed by stratum value (as str), sorted.
        """
        for c in (stratum_col, list_col, id_col):
            if c not in df.columns:
                raise InputError(f"Column {c!r} not in the records; columns are {list(df.columns)}.")
        if lists is None:
            lists = sorted(str(x) for x in df[list_col].dropna().unique())
        vals = df[[id_col, stratum_col]].dropna()
        counts = vals.groupby([id_col, stratum_col]).size().rename("n").reset_index()
        counts[stratum_col] = counts[stratum_col].astype(str)
        counts = counts.sort_values([id_col, "n", stratum_col], ascending=[True, False, True])
        choice = counts.drop_duplicates(id_col).set_index(id_col)[stratum_col]
        strata = df[id_col].map(choice).fillna("unknown")
        out: dict[str, CaptureHistories] = {}
        for s in sorted(strata.unique()):
            out[str(s)] = cls.from_records(df[strata == s], list_col, id_col, lists)
        return out

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _index_of(patterns: np.ndarray) -> np.ndarray:
        k = patterns.shape[1]
        weights = 1 << np.arange(k - 1, -1, -1, dtype=np.int64)
        return np.asarray(patterns.astype(np.int64) @ weights, dtype=np.int64)

    @staticmethod
    def _patterns_of(index: np.ndarray, k: int) -> np.ndarray:
        shifts = np.arange(k - 1, -1, -1, dtype=np.int64)
        return np.asarray((index[:, None] >> shifts[None, :]) & 1, dtype=np.int64)

    # ------------------------------------------------------------------ properties
    @property
    def lists(self) -> tuple[str, ...]:
        """List names, in column order."""
        return self._lists

    @property
    def k(self) -> int:
        """Number of lists."""
        return len(self._lists)

    @property
    def patterns(self) -> np.ndarray:
        """Observed histories (``m x k`` int matrix, read-only), standard order, count > 0."""
        return self._patterns

    @property
    def counts(self) -> np.ndarray:
        """Counts of :attr:`patterns` (int, read-only)."""
        return self._counts

    @property
    def n_observed(self) -> int:
        """Number of distinct people observed on at least one list."""
        return int(self._counts.sum())

    @property
    def list_sizes(self) -> pd.Series:
        """Number of people on each list."""
        return pd.Series(self._patterns.T @ self._counts, index=list(self._lists), name="size")

    def cell_counts(self) -> np.ndarray:
        """Counts of all ``2**k - 1`` observable cells in standard order (index 1 .. 2**k-1).

        Element ``i`` is the count of the history whose binary number is ``i + 1``; absent
        patterns are 0.  This is the response vector of the log-linear models.
        """
        full = np.zeros(2**self.k, dtype=np.int64)
        full[self._index_of(self._patterns)] = self._counts
        return full[1:]

    def full_table(self) -> pd.DataFrame:
        """All ``2**k`` cells including the unobserved all-zero cell.

        Returns
        -------
        pandas.DataFrame
            One 0/1 column per list, ``count`` (float; ``NaN`` for the unobserved cell) and
            ``observable`` (False only for the all-zero cell).  Unseen observable patterns have
            count 0, which the sparse-table checks treat as structural information.
        """
        k = self.k
        pats = self._patterns_of(np.arange(2**k, dtype=np.int64), k)
        counts = np.concatenate([[np.nan], self.cell_counts().astype(float)])
        df = pd.DataFrame(pats, columns=list(self._lists))
        df[_COUNT] = counts
        df["observable"] = np.arange(2**k) > 0
        return df

    def to_frame(self) -> pd.DataFrame:
        """Observed histories as a DataFrame: one 0/1 column per list plus ``count``."""
        df = pd.DataFrame(self._patterns, columns=list(self._lists))
        df[_COUNT] = self._counts
        return df

    def overlap_matrix(self) -> pd.DataFrame:
        """``k x k`` matrix of people on both lists ``i`` and ``j`` (diagonal: list sizes)."""
        w = self._patterns * self._counts[:, None]
        mat = w.T @ self._patterns
        return pd.DataFrame(mat, index=list(self._lists), columns=list(self._lists))

    def subset(self, lists: Iterable[str]) -> CaptureHistories:
        """Histories restricted to some lists (people on none of them are dropped)."""
        lists = list(lists)
        missing = [x for x in lists if x not in self._lists]
        if missing:
            raise InputError(f"Unknown list(s) {missing}; lists are {list(self._lists)}.")
        cols = [self._lists.index(x) for x in lists]
        pat = self._patterns[:, cols]
        keep = pat.sum(axis=1) > 0
        return CaptureHistories(pat[keep], self._counts[keep], lists)

    def reorder(self, lists: Sequence[str]) -> CaptureHistories:
        """The same table with the lists in another order."""
        if sorted(lists) != sorted(self._lists):
            raise InputError(f"reorder() needs a permutation of {list(self._lists)}; got {list(lists)}.")
        return self.subset(lists)

    def sha256(self) -> str:
        """Hash of the aggregated table (lists, patterns, counts): the input's identity."""
        h = hashlib.sha256()
        h.update("\x1f".join(self._lists).encode())
        h.update(np.ascontiguousarray(self._patterns, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(self._counts, dtype=np.int64).tobytes())
        return h.hexdigest()

    # ------------------------------------------------------------------ dunder
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CaptureHistories):
            return NotImplemented
        return (
            self._lists == other._lists
            and np.array_equal(self._patterns, other._patterns)
            and np.array_equal(self._counts, other._counts)
        )

    def __hash__(self) -> int:
        return hash(self.sha256())

    def __len__(self) -> int:
        return int(self._patterns.shape[0])

    def __repr__(self) -> str:
        return (
            f"CaptureHistories(k={self.k}, lists={list(self._lists)}, "
            f"n_observed={self.n_observed}, patterns={len(self)})"
        )


def _parse_frame(
    df: pd.DataFrame, lists: Sequence[str] | None, count_col: str | None
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Split a wide DataFrame into (0/1 matrix, counts or None, list names), validated."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"Expected a pandas DataFrame; got {type(df).__name__}.")
    has_count = count_col is not None and count_col in df.columns
    if lists is None:
        lists = [str(c) for c in df.columns if not (has_count and c == count_col)]
    missing = [c for c in lists if c not in df.columns]
    if missing:
        raise InputError(
            f"List column(s) {missing} not in the table; columns are {list(df.columns)}."
        )
    pat = df[list(lists)]
    for c in pat.columns:
        if not pd.api.types.is_numeric_dtype(pat[c]) and not pd.api.types.is_bool_dtype(
            pat[c]
        ):
            bad = pat[c][~pat[c].isin([0, 1, "0", "1"])]
            if len(bad):
                raise InputError(
                    f"Capture history values must be 0 or 1; got {bad.iloc[0]!r} in "
                    f"column {c!r} at row {bad.index[0]!r}."
                )
    try:
        arr = pat.astype(float).to_numpy()
    except (TypeError, ValueError) as exc:
        raise InputError(f"Capture history columns must be 0/1: {exc}") from None
    counts = df[count_col].to_numpy(dtype=float) if has_count else None
    zero = np.where(np.nansum(arr, axis=1) == 0)[0]
    if zero.size and (counts is None or counts[zero[0]] != 0):
        label = df.index[zero[0]]
        raise InputError(
            f"Row {label!r} is an all-zero capture history (on no list). Nobody can be "
            "observed on no list: the unobserved cell is what is estimated. Drop that row."
        )
    return arr, counts, [str(x) for x in lists]


def as_histories(data: Any, lists: Sequence[str] | None = None) -> CaptureHistories:
    """Coerce a DataFrame, array, mapping or :class:`CaptureHistories` to capture histories.

    Parameters
    ----------
    data : CaptureHistories, pandas.DataFrame, numpy array or mapping
        A DataFrame with 0/1 list columns and optional ``count``; a 2-D array whose last
        column is the count when ``lists`` has one name fewer than it has columns, else a
        0/1 matrix of one row per person; or a mapping ``{pattern string: count}`` such as
        ``{"110": 5, "011": 3}``.
    lists : sequence of str, optional
        List names.
    """
    if isinstance(data, CaptureHistories):
        return data if lists is None else data.reorder(lists)
    if isinstance(data, pd.DataFrame):
        return CaptureHistories.from_frame(data, lists)
    if isinstance(data, Mapping):
        keys = [str(x) for x in data]
        if not keys:
            raise InputError("Empty mapping of capture histories.")
        k = len(keys[0])
        if any(len(x) != k for x in keys):
            raise InputError("All pattern strings must have the same length.")
        try:
            pat = np.array([[int(ch) for ch in x] for x in keys])
        except ValueError:
            raise InputError(f"Pattern strings must be made of 0 and 1; got {keys[:3]}.") from None
        return CaptureHistories(pat, list(data.values()), lists)
    arr = np.asarray(data)
    if arr.ndim == 2 and lists is not None and arr.shape[1] == len(lists) + 1:
        return CaptureHistories(arr[:, :-1], arr[:, -1], lists)
    return CaptureHistories(arr, None, lists)
