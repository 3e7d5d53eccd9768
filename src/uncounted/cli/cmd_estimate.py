"""`uncounted estimate` and `uncounted estimate-table FILE.csv`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from uncounted.cli._common import (
    JsonOpt,
    ProjectOpt,
    console,
    open_project,
    print_json,
    progress_bar,
)
from uncounted.cli.main import app

MethodOpt = Annotated[
    str | None,
    typer.Option("--method", "-m", help="auto (default analysis), loglinear, loglinear-bic, "
                 "independence, sparsemse, bma, lcmcr, chao, lincoln-petersen."),
]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Random seed for samplers and bootstraps.")]


def show_analysis(analysis: Any, json: bool) -> None:
    d = analysis.to_dict()
    if json:
        print_json(d)
        return
    t = Table("stratum", "method", "N", "95% interval", "interval kind", "note")
    for row in analysis.table().itertuples(index=False):
        t.add_row(str(row.stratum), str(row.method), _fmt(row.N),
                  f"{_fmt(row.lower)} – {_fmt(row.upper)}", str(row.interval_kind), str(row.note))
    console.print(t)
    console.print(analysis.headline_text())


def _fmt(x: Any) -> str:
    try:
        return f"{float(x):,.0f}"
    except (TypeError, ValueError):
        return "–"


@app.command("estimate")
def estimate(
    project: ProjectOpt = None,
    method: MethodOpt = None,
    by: Annotated[str | None, typer.Option("--by", help="Comma-separated stratum fields, e.g. event_type,month.")] = None,
    seed: SeedOpt = None,
    json: JsonOpt = False,
) -> None:
    """Estimate the total (observed + unobserved) from the current clusters."""
    fields = [f.strip() for f in by.split(",") if f.strip()] if by else None
    with open_project(project) as proj, progress_bar("estimate") as cb:
        analysis = proj.estimate(method=method, by=fields, random_state=seed, progress=cb)
        proj.save_estimate(analysis, by=fields)
    show_analysis(analysis, json)


@app.command("estimate-table")
def estimate_table(
    file: Annotated[Path, typer.Argument(help="CSV: one 0/1 column per list, plus `count`.")],
    method: MethodOpt = None,
    seed: SeedOpt = None,
    json: JsonOpt = False,
) -> None:
    """Estimate straight from a capture-history table (no project needed)."""
    import pandas as pd

    from uncounted.estimate import CaptureHistories
    from uncounted.estimate.analysis import analyse
    from uncounted.exceptions import InputError

    try:
        df = pd.read_csv(file)
    except (OSError, ValueError) as exc:
        raise InputError(f"{file}: cannot read the table: {exc}") from exc
    hist = CaptureHistories.from_frame(df)
    with progress_bar("estimate") as cb:
        analysis = analyse(hist, method=method or "auto", random_state=2022 if seed is None else seed,
                           progress=cb)
    show_analysis(analysis, json)
