"""`uncounted ingest FILE --source NAME --mapping MAP.toml`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uncounted.cli._common import (
    JsonOpt,
    ProjectOpt,
    console,
    open_project,
    print_json,
    progress_bar,
)
from uncounted.cli.main import app
from uncounted.config import MAX_DATE_LAG_DAYS


@app.command("ingest")
def ingest(
    file: Annotated[Path, typer.Argument(help="The list to ingest (CSV, XLSX, JSONL, Parquet).")],
    source: Annotated[str, typer.Option("--source", "-s", help="Name of the list (source).")],
    mapping: Annotated[Path, typer.Option("--mapping", "-m", help="Mapping file (TOML).")],
    date_lag_days: Annotated[int | None, typer.Option(
        "--date-lag-days", min=0, max=MAX_DATE_LAG_DAYS,
        help="This list's dates follow the event by up to N days (a hospital register dates "
             "admissions); kept in uncounted.toml for linkage.")] = None,
    project: ProjectOpt = None,
    json: JsonOpt = False,
) -> None:
    """Ingest one file as one transaction; bad rows go to quarantine with a reason."""
    with open_project(project) as proj, progress_bar(f"ingest {file.name}") as cb:
        report = proj.ingest(file, source=source, mapping=mapping, progress=cb,
                             date_lag_days=date_lag_days)
    d = report.to_dict()
    if json:
        print_json(d)
        return
    if d.get("duplicate_of"):
        console.print(f"{file}: already ingested (ingest {d['duplicate_of']}), nothing changed")
        return
    console.print(
        f"{file}: {d['n_accepted']} accepted, {d['n_quarantined']} quarantined, "
        f"{d.get('n_superseded', 0)} superseded (source {source})")
    if d["n_quarantined"]:
        console.print("see them with `uncounted quarantine`")
