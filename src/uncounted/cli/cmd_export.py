"""`uncounted export clusters -o FILE.csv`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uncounted.cli._common import ProjectOpt, console, open_project
from uncounted.cli.main import app

export_app = typer.Typer(help="Export project data.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("clusters")
def clusters(
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
    project: ProjectOpt = None,
) -> None:
    """Write source, record_id, cluster_id for every active record (ids exactly as input)."""
    with open_project(project, read_only=True) as proj:
        n = proj.export_clusters(output)
    console.print(f"wrote {n} rows to {output}")
