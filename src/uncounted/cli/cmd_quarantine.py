"""`uncounted quarantine [--json]`."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from uncounted.cli._common import JsonOpt, ProjectOpt, console, open_project, print_json
from uncounted.cli.main import app


def _missing(v: object) -> bool:
    import pandas as pd

    value: Any = v  # a cell of a pandas frame: a scalar, None, NaN, NA or NaT
    return value is None or bool(pd.isna(value))


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
        raw = "" if _missing(r.raw_text) else str(r.raw_text)
        t.add_row(str(r.source), str(r.file_name), "" if _missing(r.line_no) else str(int(r.line_no)),
                  "" if _missing(r.field) else str(r.field), str(r.reason),
                  raw[:60] + ("…" if len(raw) > 60 else ""))
    console.print(t)
