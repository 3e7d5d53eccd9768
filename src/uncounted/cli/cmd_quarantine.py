"""`uncounted quarantine [--json]`."""

from __future__ import annotations

from rich.table import Table

from uncounted.cli._common import JsonOpt, ProjectOpt, console, open_project, print_json
from uncounted.cli.main import app


@app.command("quarantine")
def quarantine(project: ProjectOpt = None, json: JsonOpt = False) -> None:
    """Rows that were not ingested: file, line, field, raw text and why."""
    with open_project(project) as proj:
        df = proj.quarantine()
    if json:
        print_json(df.to_dict(orient="records"))
        return
    if df.empty:
        console.print("quarantine is empty")
        return
    t = Table("source", "file", "line", "field", "reason", "raw text")
    for r in df.itertuples(index=False):
        raw = "" if r.raw_text is None else str(r.raw_text)
        t.add_row(str(r.source), str(r.file_name), str(r.line_no), str(r.field or ""), str(r.reason),
                  raw[:60] + ("…" if len(raw) > 60 else ""))
    console.print(t)
