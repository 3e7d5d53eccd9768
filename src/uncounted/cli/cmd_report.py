"""`uncounted report -o FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uncounted.cli._common import ProjectOpt, console, open_project, progress_bar
from uncounted.cli.main import app


@app.command("report")
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write (self-contained).")],
    project: ProjectOpt = None,
) -> None:
    """Write the publishable, self-contained HTML report."""
    from uncounted.report import write_report

    with open_project(project) as proj, progress_bar("report") as cb:
        path = write_report(proj, output, progress=cb)
    console.print(f"wrote {path}")
