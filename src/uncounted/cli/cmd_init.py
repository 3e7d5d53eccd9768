"""`uncounted init DIR`: create a project folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uncounted.cli._common import JsonOpt, console, print_json
from uncounted.cli.main import app


@app.command("init")
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
    name: Annotated[str | None, typer.Option(help="Project name (default: the folder name).")] = None,
    json: JsonOpt = False,
) -> None:
    """Create a new project: uncounted.toml and an empty store under .uncounted/."""
    from uncounted.project import Project

    proj = Project.init(directory, name=name)
    proj.close()
    if json:
        print_json({"project": str(directory), "name": proj.config.name})
    else:
        console.print(f"created project [bold]{proj.config.name}[/bold] in {directory}")
