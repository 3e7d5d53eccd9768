"""`uncounted evidence add|export|custody`: evidence files with a chain of custody."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from uncounted.cli._common import JsonOpt, ProjectOpt, console, open_project, print_json
from uncounted.cli.main import app

evidence_app = typer.Typer(help="Photos, scans and X-rays, stored by SHA-256.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")


def _actor() -> str:
    return os.environ.get("UNCOUNTED_ACTOR", "cli")


@evidence_app.command("add")
def evidence_add(
    file: Annotated[Path, typer.Argument(help="The file.")],
    origin: Annotated[str | None, typer.Option(help="Where it came from (kept in the custody log).")] = None,
    project: ProjectOpt = None,
    json: JsonOpt = False,
) -> None:
    """Store a file under its SHA-256 and log who added it, when and from where."""
    from uncounted.report.evidence import add_evidence

    with open_project(project) as proj:
        rec = add_evidence(proj, file, actor=_actor(), origin=origin)
    if json:
        print_json(rec.to_dict())
    else:
        console.print(f"{rec.sha256} {'stored' if rec.new else 'already stored'} ({rec.size_bytes} bytes)")


@evidence_app.command("export")
def evidence_export(
    sha256: Annotated[str, typer.Argument(help="The file's SHA-256.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the copy.")],
    keep_metadata: Annotated[bool, typer.Option(help="Keep EXIF/GPS and other metadata.")] = False,
    project: ProjectOpt = None,
    json: JsonOpt = False,
) -> None:
    """Write a copy with EXIF/GPS and other metadata stripped (unless --keep-metadata)."""
    from uncounted.report.evidence import export_evidence

    with open_project(project) as proj:
        info = export_evidence(proj, sha256, output, actor=_actor(), keep_metadata=keep_metadata)
    if json:
        print_json(info)
    else:
        console.print(f"wrote {output}" + (" (metadata stripped)" if info["metadata_stripped"] else "")
                      + (f"; {info['note']}" if info["note"] else ""))


@evidence_app.command("custody")
def evidence_custody(
    sha256: Annotated[str, typer.Argument(help="The file's SHA-256.")],
    project: ProjectOpt = None,
    json: JsonOpt = False,
) -> None:
    """The chain of custody of one file."""
    from uncounted.report.evidence import custody

    with open_project(project) as proj:
        df = custody(proj, sha256)
    if json:
        print_json(df.to_dict(orient="records"))
    else:
        for r in df.itertuples(index=False):
            console.print(f"{r.logged_at}  {r.actor:12} {r.action:22} {r.origin or ''}")
