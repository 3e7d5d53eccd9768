"""`uncounted link`."""

from __future__ import annotations

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


@app.command("link")
def link(
    project: ProjectOpt = None,
    engine: Annotated[str | None, typer.Option(help="duckdb (default) or spark.")] = None,
    threshold: Annotated[float | None, typer.Option(help="Match probability threshold.")] = None,
    json: JsonOpt = False,
) -> None:
    """Link records within and across lists into persons (clusters)."""
    with open_project(project) as proj, progress_bar("link") as cb:
        summary = proj.link(engine=engine, threshold=threshold, progress=cb)
    d = summary if isinstance(summary, dict) else summary.to_dict()
    if json:
        print_json(d)
    else:
        console.print(f"linked {d.get('n_records')} records into {d.get('n_clusters')} persons "
                      f"at threshold {d.get('threshold')} (engine {d.get('engine')})")
