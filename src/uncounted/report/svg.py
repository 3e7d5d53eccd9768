"""Server-side SVG charts: no JavaScript, no fonts, no network.

Why hand-written SVG rather than a plotting library: the report must be one self-contained file
that renders offline in any browser, and these four chart shapes (bars, intervals, an UpSet-style
overlap chart, a timeline) are a few dozen lines each.  Every function takes the same tidy
DataFrame that the tests check, so the data behind a chart is tested, not its pixels.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from uncounted.estimate.result import finite

FONT = "font-family='system-ui,sans-serif' font-size='12'"
PALETTE = ["#3366aa", "#aa3333", "#33884d", "#aa7a22", "#774499", "#228899"]


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _nice_max(v: float) -> float:
    if v <= 0 or not math.isfinite(v):
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= v:
            return float(m * mag)
    return float(10 * mag)


def _fmt(v: float) -> str:
    return f"{v:,.0f}"


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, width: int = 560,
              bar_h: int = 22) -> str:
    """Horizontal bars, one per label."""
    n = len(labels)
    left, right, top = 170, 70, 28
    h = top + n * (bar_h + 6) + 10
    vmax = _nice_max(max([float(v) for v in values] + [0.0]))
    inner = width - left - right
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' role='img' aria-label='{_esc(title)}' "
             f"width='{width}' height='{h}' viewBox='0 0 {width} {h}' {FONT}>",
             f"<text x='0' y='16' font-weight='bold'>{_esc(title)}</text>"]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar_h + 6)
        w = inner * float(v) / vmax
        parts.append(f"<text x='{left - 6}' y='{y + bar_h * 0.7:.1f}' text-anchor='end'>{_esc(lab)}</text>")
        parts.append(f"<rect x='{left}' y='{y}' width='{w:.1f}' height='{bar_h}' fill='{PALETTE[0]}'>"
                     f"<title>{_esc(lab)}: {_fmt(float(v))}</title></rect>")
        parts.append(f"<text x='{left + w + 4:.1f}' y='{y + bar_h * 0.7:.1f}'>{_fmt(float(v))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def upset_chart(overlaps: pd.DataFrame, lists: Sequence[str], *, title: str, width: int = 640,
                max_bars: int = 20) -> str:
    """UpSet-style chart: bars of pattern counts above a dot matrix of which lists they join."""
    df = overlaps.head(max_bars)
    n = len(df)
    left, top, bar_area, row_h = 120, 28, 140, 16
    col_w = max(14, min(28, (width - left - 10) // max(n, 1)))
    h = top + bar_area + 10 + len(lists) * row_h + 10
    vmax = _nice_max(float(df["count"].max()) if n else 1.0)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' role='img' aria-label='{_esc(title)}' "
             f"width='{width}' height='{h}' viewBox='0 0 {width} {h}' {FONT}>",
             f"<text x='0' y='16' font-weight='bold'>{_esc(title)}</text>"]
    base = top + bar_area
    for j, name in enumerate(lists):
        y = base + 10 + j * row_h + row_h / 2
        parts.append(f"<text x='{left - 8}' y='{y + 4:.1f}' text-anchor='end'>{_esc(name)}</text>")
    row: Any  # a row of a pandas frame
    for i, row in enumerate(df.itertuples(index=False)):
        x = left + i * col_w + col_w / 2
        bh = bar_area * float(row.count) / vmax
        parts.append(f"<rect x='{x - col_w * 0.35:.1f}' y='{base - bh:.1f}' width='{col_w * 0.7:.1f}' "
                     f"height='{bh:.1f}' fill='{PALETTE[0]}'><title>{_esc(row.pattern)}: "
                     f"{_fmt(float(row.count))}</title></rect>")
        members = set(str(row.pattern).split(" & "))
        ys = []
        for j, name in enumerate(lists):
            y = base + 10 + j * row_h + row_h / 2
            on = name in members
            if on:
                ys.append(y)
            parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='4' fill='{'#222' if on else '#ddd'}'/>")
        if len(ys) > 1:
            parts.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{min(ys):.1f}' y2='{max(ys):.1f}' "
                         "stroke='#222' stroke-width='2'/>")
    parts.append("</svg>")
    return "".join(parts)


def interval_chart(rows: pd.DataFrame, *, title: str, width: int = 640,
                   refs: pd.DataFrame | None = None) -> str:
    """Point estimates with interval whiskers, one row per label; optional reference ranges.

    ``rows``: columns ``label, N, lower, upper`` (and optional ``highlight``).
    ``refs``: columns ``label, low, high`` drawn as shaded claim ranges.
    """
    refs = refs if refs is not None else pd.DataFrame(columns=["label", "low", "high"])
    n = len(rows) + len(refs)
    left, right, top, row_h = 230, 30, 34, 24
    h = top + n * row_h + 30
    vals = [*rows["upper"].tolist(), *rows["N"].tolist(), *refs["high"].tolist(), *refs["low"].tolist()]
    limits = [x for x in map(finite, vals) if x is not None]
    vmax = _nice_max(max(limits + [1.0]))
    inner = width - left - right

    def sx(v: float) -> float:
        return left + inner * min(max(float(v), 0.0), vmax) / vmax

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' role='img' aria-label='{_esc(title)}' "
             f"width='{width}' height='{h}' viewBox='0 0 {width} {h}' {FONT}>",
             f"<text x='0' y='16' font-weight='bold'>{_esc(title)}</text>"]
    for t in range(5):
        v = vmax * t / 4
        x = sx(v)
        parts.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{top - 6}' y2='{h - 24}' stroke='#eee'/>")
        parts.append(f"<text x='{x:.1f}' y='{h - 8}' text-anchor='middle'>{_fmt(v)}</text>")
    i = 0
    row: Any  # a row of a pandas frame
    for row in rows.itertuples(index=False):
        y = top + i * row_h + row_h / 2
        color = PALETTE[1] if getattr(row, "highlight", False) else PALETTE[0]
        parts.append(f"<text x='{left - 8}' y='{y + 4:.1f}' text-anchor='end'>{_esc(row.label)}</text>")
        est = finite(row.N)
        if est is not None:
            lo = finite(row.lower)
            lo = est if lo is None else lo
            hi = finite(row.upper)
            hi = vmax if hi is None else hi  # no finite upper limit: the whisker runs off the axis
            parts.append(f"<line x1='{sx(lo):.1f}' x2='{sx(hi):.1f}' y1='{y:.1f}' y2='{y:.1f}' "
                         f"stroke='{color}' stroke-width='2'/>")
            parts.append(f"<circle cx='{sx(est):.1f}' cy='{y:.1f}' r='5' fill='{color}'>"
                         f"<title>{_esc(row.label)}: {_fmt(est)} [{_fmt(lo)} – {_fmt(hi)}]"
                         "</title></circle>")
        i += 1
    for row in refs.itertuples(index=False):
        y = top + i * row_h + row_h / 2
        lo, hi = float(row.low), float(row.high)
        parts.append(f"<text x='{left - 8}' y='{y + 4:.1f}' text-anchor='end'>{_esc(row.label)}</text>")
        parts.append(f"<rect x='{sx(lo):.1f}' y='{y - 6:.1f}' width='{max(sx(hi) - sx(lo), 3):.1f}' "
                     f"height='12' fill='{PALETTE[3]}' opacity='0.8'><title>{_esc(row.label)}: "
                     f"{_fmt(lo)} – {_fmt(hi)}</title></rect>")
        i += 1
    parts.append("</svg>")
    return "".join(parts)


def timeline_chart(events: pd.DataFrame, *, title: str, width: int = 640) -> str:
    """Incidents on a date axis: ``date_start, date_end, label, count_max`` (size by count)."""
    if events.empty:
        return f"<p>{_esc(title)}: no incidents recorded.</p>"
    start = pd.to_datetime(events["date_start"]).min()
    end = pd.to_datetime(events["date_end"].fillna(events["date_start"])).max()
    span = max((end - start).days, 1)
    left, right, top, row_h = 20, 20, 34, 22
    h = top + len(events) * row_h + 30
    inner = width - left - right

    def sx(d: pd.Timestamp) -> float:
        return left + inner * (d - start).days / span

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' role='img' aria-label='{_esc(title)}' "
             f"width='{width}' height='{h}' viewBox='0 0 {width} {h}' {FONT}>",
             f"<text x='0' y='16' font-weight='bold'>{_esc(title)}</text>",
             f"<text x='{left}' y='{h - 8}'>{start.date()}</text>",
             f"<text x='{width - right}' y='{h - 8}' text-anchor='end'>{end.date()}</text>"]
    row: Any  # a row of a pandas frame
    for i, row in enumerate(events.itertuples(index=False)):
        y = top + i * row_h + row_h / 2
        d0 = pd.Timestamp(row.date_start)
        d1 = pd.Timestamp(row.date_end) if pd.notna(row.date_end) else d0
        x0, x1 = sx(d0), max(sx(d1), sx(d0) + 6)
        parts.append(f"<rect x='{x0:.1f}' y='{y - 6:.1f}' width='{x1 - x0:.1f}' height='12' "
                     f"fill='{PALETTE[i % len(PALETTE)]}'><title>{_esc(row.label)}</title></rect>")
        anchor = "end" if x0 > width * 0.6 else "start"
        tx = x0 - 6 if anchor == "end" else x1 + 6
        parts.append(f"<text x='{tx:.1f}' y='{y + 4:.1f}' text-anchor='{anchor}'>{_esc(row.label)}</text>")
    parts.append("</svg>")
    return "".join(parts)
