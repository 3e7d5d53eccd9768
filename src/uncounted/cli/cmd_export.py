"""`uncounted export clusters -o FILE.csv`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uncounted.cli._common import ProjectOpt, console, open_project
from uncounted.cli.main import app

export_app = typer.Typer(help="Export project data (`export --redact -o OUT` for a shareable copy).",
                         invoke_without_command=True)
app.add_typer(export_app, name="export")


@export_app.callback()
def export_root(
    ctx: typer.Context,
    redact: Annotated[bool, typer.Option("--redact", help="Write a shareable copy: sensitive fields removed, "
                                         "names replaced by keyed hashes.")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="A .csv file or a folder.")] = None,
    keep_birth_dates: Annotated[bool, typer.Option(help="Keep full dates of birth (default: year only).")] = False,
    project: ProjectOpt = None,
) -> None:
    """Export project data."""
    if ctx.invoked_subcommand is not None:
        return
    from uncounted.exceptions import CryptoError, InputError

    if not redact or output is None:
        raise InputError("use `uncounted export --redact -o OUT` or `uncounted export clusters -o FILE.csv`")
    from uncounted.store.redact import export_redacted

    with open_project(project) as proj:
        kr = proj.keyring
        if kr is None:
            raise CryptoError("a redacted export needs the project key for the name hashes: set "
                              "UNCOUNTED_KEYFILE or UNCOUNTED_PASSPHRASE (run `uncounted key init` once)")
        rep = export_redacted(proj.store, output, key=kr.pseudonym_key, coarsen_birth=not keep_birth_dates)
    console.print(f"wrote a redacted export of {rep.n_records} records to {output}")


@export_app.command("clusters")
def clusters(
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
    spreadsheet_safe: Annotated[bool, typer.Option(
        help="Neutralise cells a spreadsheet would run as formulas (changes such ids).")] = False,
    project: ProjectOpt = None,
) -> None:
    """Write source, record_id, cluster_id for every active record (ids exactly as input)."""
    with open_project(project, read_only=True) as proj:
        n = proj.export_clusters(output, spreadsheet_safe=spreadsheet_safe)
    console.print(f"wrote {n} rows to {output}")
