"""`uncounted claim add|list` and `uncounted incident add|list`: claims and count-only evidence."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from uncounted.cli._common import JsonOpt, ProjectOpt, console, open_project, print_json
from uncounted.cli.main import app

claim_app = typer.Typer(help="Official and witness claims, compared with the estimate.", no_args_is_help=True)
incident_app = typer.Typer(help="Count-only evidence (buses seen, bodies counted).", no_args_is_help=True)
app.add_typer(claim_app, name="claim")
app.add_typer(incident_app, name="incident")


@claim_app.command("add")
def claim_add(
    claimant: Annotated[str, typer.Option(help="Who said it.")],
    counts: Annotated[str, typer.Option(help="killed, wounded or both.")],
    low: Annotated[float, typer.Option(help="The number, or the low end of a range.")],
    high: Annotated[float | None, typer.Option(help="High end of a range (default: = low).")] = None,
    said_on: Annotated[str | None, typer.Option(help="Date said (YYYY-MM-DD).")] = None,
    published_in: Annotated[str | None, typer.Option(help="Where it was published.")] = None,
    place: Annotated[str | None, typer.Option(help="Place the claim is about.")] = None,
    period_start: Annotated[str | None, typer.Option(help="Start of the period it counts.")] = None,
    period_end: Annotated[str | None, typer.Option(help="End of the period it counts.")] = None,
    per_day: Annotated[bool, typer.Option(help="The number is a daily rate.")] = False,
    text: Annotated[str | None, typer.Option(help="The words of the claim.")] = None,
    url: Annotated[str | None, typer.Option(help="Link to the publication.")] = None,
    document: Annotated[Path | None, typer.Option(help="A saved copy; its SHA-256 is recorded.")] = None,
    project: ProjectOpt = None,
    json: JsonOpt = False,
) -> None:
    """Record a claim: who, when, where published, what it counts, the number or range."""
    doc_hash = hashlib.sha256(document.read_bytes()).hexdigest() if document else None
    with open_project(project) as proj:
        cid = proj.add_claim({
            "claimant": claimant, "counts": counts, "low": low, "high": high if high is not None else low,
            "said_on": said_on, "published_in": published_in, "place": place,
            "period_start": period_start, "period_end": period_end, "per_day": per_day, "text": text,
            "url": url, "document_sha256": doc_hash})
    if json:
        print_json({"claim_id": cid, "document_sha256": doc_hash})
    else:
        console.print(f"claim {cid} recorded")


@claim_app.command("list")
def claim_list(project: ProjectOpt = None, json: JsonOpt = False) -> None:
    """Claims against the estimate of the matching stratum: below, inside or above its interval."""
    from uncounted.estimate.result import format_count
    from uncounted.report.figures import claims_rows

    with open_project(project) as proj:
        df = claims_rows(proj, proj.latest_estimates())
    if json:
        print_json(df.to_dict(orient="records"))
        return
    t = Table("id", "who", "claim", "implied", "estimate", "claim is")
    r: Any  # a row of a pandas frame
    for r in df.itertuples(index=False):
        est = ("–" if r.estimate is None else f"{format_count(r.estimate)} [{format_count(r.estimate_lower)}"
               f"–{format_count(r.estimate_upper, '∞')}]")
        t.add_row(str(r.claim_id), str(r.claimant), str(r.text or ""), f"{r.claim_low:,.0f}–{r.claim_high:,.0f}",
                  est, str(r.status))
    console.print(t)


@incident_app.command("add")
def incident_add(
    source: Annotated[str, typer.Option(help="Who reported it (a pseudonym if sensitive).")],
    date_start: Annotated[str, typer.Option("--date", help="Date or start of the period.")],
    seen: Annotated[str, typer.Option(help="What was seen: vehicles, wounded, bodies, ...")],
    count_min: Annotated[int, typer.Option("--min", help="Minimum count.")],
    count_max: Annotated[int | None, typer.Option("--max", help="Maximum count.")] = None,
    date_end: Annotated[str | None, typer.Option("--until", help="End of the period.")] = None,
    place: Annotated[str | None, typer.Option(help="Where.")] = None,
    text: Annotated[str | None, typer.Option(help="Description.")] = None,
    project: ProjectOpt = None,
    json: JsonOpt = False,
) -> None:
    """Record one source's report of an incident (reports of one event are grouped later)."""
    with open_project(project) as proj:
        iid = proj.add_incident({"source": source, "date_start": date_start, "date_end": date_end or date_start,
                                 "seen": seen, "count_min": count_min,
                                 "count_max": count_max if count_max is not None else count_min,
                                 "place": place, "text": text})
    if json:
        print_json({"incident_id": iid})
    else:
        console.print(f"incident report {iid} recorded")


@incident_app.command("list")
def incident_list(project: ProjectOpt = None, json: JsonOpt = False) -> None:
    """Incidents grouped across sources, with their floors and ceilings."""
    from uncounted.report.figures import timeline_rows

    with open_project(project) as proj:
        df = timeline_rows(proj)
    if json:
        print_json(df.to_dict(orient="records"))
        return
    t = Table("group", "from", "to", "place", "seen", "count", "sources")
    r: Any  # a row of a pandas frame
    for r in df.itertuples(index=False):
        t.add_row(str(r.group), str(r.date_start), str(r.date_end), str(r.place), str(r.seen),
                  f"{r.floor}–{r.ceiling}", str(r.sources))
    console.print(t)
