"""`uncounted demo [DIR]`: the whole pipeline on a generated example with known truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uncounted.cli._common import JsonOpt, print_json
from uncounted.cli.main import app


@app.command("demo")
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder for the demo project.")] = Path("demo-project"),
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 2022,
    people: Annotated[int | None, typer.Option(help="True number of people (default: the generator's).")] = None,
    json: JsonOpt = False,
) -> None:
    """Generate the Gomel 2022 example, then ingest → link → estimate → report, beside the truth."""
    from uncounted.cli.demo_pipeline import run_demo

    outcome = run_demo(directory, seed=seed, n_people=people, quiet=json)
    if json:
        print_json(outcome)
