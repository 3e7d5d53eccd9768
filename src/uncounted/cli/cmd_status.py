"""`uncounted status [--json]`."""

from __future__ import annotations

from rich.table import Table

from uncounted.cli._common import JsonOpt, ProjectOpt, console, open_project, print_json
from uncounted.cli.main import app


@app.command("status")
def status(project: ProjectOpt = None, json: JsonOpt = False) -> None:
    """Records per source, quarantine, clusters and the capture-history table."""
    with open_project(project) as proj:
        st = proj.status()
    if json:
        print_json(st.to_dict())
        return
    console.print(f"[bold]{st.project}[/bold]: {st.n_records} records, {st.n_quarantined} quarantined, "
                  f"{st.n_clusters if st.n_clusters is not None else 'not yet linked'} persons (clusters)")
    t = Table("source", "records", "superseded", "quarantined")
    for row in st.sources.itertuples(index=False):
        t.add_row(str(row.source), str(row.records), str(getattr(row, "superseded", 0)),
                  str(getattr(row, "quarantined", 0)))
    console.print(t)
    if st.histories is not None:
        h = Table(*[str(c) for c in st.histories.columns], title="capture histories")
        for row in st.histories.itertuples(index=False):
            h.add_row(*[str(v) for v in row])
        console.print(h)
