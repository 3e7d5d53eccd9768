"""The demo: a generated Gomel-2022 case run through every step, printed beside the truth.

Why a generator and not shipped data: the truth must be known to show how close the count gets,
and real lists are exactly what must never be published.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from rich.panel import Panel
from rich.table import Table

from uncounted.cli._common import console, progress_bar
from uncounted.estimate.result import format_count


def run_demo(directory: Path, *, seed: int = 2022, n_people: int | None = None,
             quiet: bool = False) -> dict[str, Any]:
    from uncounted.project import Project
    from uncounted.simulate import CASE_DATE_LAGS, generate_case

    out = console if not quiet else None
    t0 = time.perf_counter()
    if directory.exists():
        shutil.rmtree(directory)
    kwargs: dict[str, Any] = {"seed": seed}
    if n_people is not None:
        kwargs["n_people"] = n_people
    case = generate_case(**kwargs)
    proj = Project.init(directory, name="gomel-2022-demo")
    proj.actor = "demo"
    files = case.write(directory / "lists")
    if out:
        out.print(Panel.fit(
            "Generated example: spring 2022, Gomel region. Five lists in their own formats "
            "(hospital X-ray register, morgue log, NGO list, media list, monitoring group), "
            f"true total {case.true_total:,} people (known only because it is simulated).",
            title="uncounted demo"))
    ingest_rows = []
    for name, path in files.items():
        mapping = directory / "lists" / "mappings" / f"{name}.toml"
        # the X-ray register and the bus photographs date the arrival at hospital, not the
        # wounding: linkage is told so (uncounted.toml, date_lag_days)
        with progress_bar(f"ingest {name}") as cb:
            rep = proj.ingest(path, source=name, mapping=mapping, progress=cb,
                              date_lag_days=CASE_DATE_LAGS.get(name)).to_dict()
        ingest_rows.append(rep)
    if out:
        t = Table("list", "file", "accepted", "quarantined", title="ingest")
        for name, rep in zip(files, ingest_rows, strict=True):
            t.add_row(name, Path(files[name]).name, str(rep["n_accepted"]), str(rep["n_quarantined"]))
        out.print(t)

    with progress_bar("link") as cb:
        link_summary = proj.link(progress=cb)
    link_d = link_summary if isinstance(link_summary, dict) else link_summary.to_dict()
    quality = _linkage_quality(proj, case)
    if out:
        out.print(f"linkage: {link_d.get('n_records')} records → {link_d.get('n_clusters')} persons "
                  f"(true persons on the lists: {quality['true_observed']}); pairwise precision "
                  f"{quality['precision']:.3f}, recall {quality['recall']:.3f}, F1 {quality['f1']:.3f}")

    with progress_bar("estimate") as cb:
        analysis = proj.estimate(progress=cb)
        proj.save_estimate(analysis, by=None)
    with progress_bar("estimate by event type") as cb:
        by_type = proj.estimate(by=["event_type"], progress=cb)
        proj.save_estimate(by_type, by=["event_type"])
    for claim in case.claims:
        proj.add_claim(claim)
    for inc in getattr(case, "incidents", []):
        proj.add_incident(inc)
    report_path = directory / "report.html"
    report_ok = True
    try:
        from uncounted.report import write_report

        with progress_bar("report") as cb:
            write_report(proj, report_path, progress=cb)
    except ImportError:
        report_ok = False
    head = analysis.to_dict()
    truth = int(case.true_total)
    if out:
        from uncounted.cli.cmd_estimate import show_analysis

        show_analysis(analysis, json=False)
        t = Table("", "count", title="the count beside the truth and the claims")
        t.add_row("persons on at least one list (linked)", f"{int(head['n_observed']):,}")
        t.add_row(f"estimate ({head['method']}), 95% interval",
                  f"{head['N']:,.0f}  [{format_count(head['lower'])} – "
                  f"{format_count(head['upper'], 'no finite upper limit')}]")
        t.add_row("verdict", str(head.get("verdict", "")))
        t.add_row("true total (simulation)", f"{truth:,}")
        for claim in case.claims:
            when = claim.get('said_on') or claim.get('when') or ''
            t.add_row(f"claim: {claim['claimant']} ({when})", str(claim["text"]))
        out.print(t)
        out.print(f"report: {report_path if report_ok else 'not available in this version'}   "
                  f"({time.perf_counter() - t0:.0f} s)")
    proj.close()
    return {"true_total": truth, "estimate": head, "linkage": quality, "link": link_d,
            "ingest": ingest_rows, "report": str(report_path) if report_ok else None}


def _linkage_quality(proj: Any, case: Any) -> dict[str, Any]:
    """Pairwise precision/recall of the stored clusters against the generator's truth."""
    import pandas as pd

    clusters = proj.clusters()[["source", "record_id", "cluster_id"]]
    truth = case.truth[["source", "record_id", "person_id"]].astype({"record_id": str})
    df = clusters.astype({"record_id": str}).merge(truth, on=["source", "record_id"], how="inner")
    from uncounted.link import cluster_accuracy

    acc = cluster_accuracy(df["cluster_id"], df["person_id"])
    return {"precision": acc.pairwise_precision, "recall": acc.pairwise_recall, "f1": acc.pairwise_f1,
            "bcubed_f1": acc.bcubed_f1, "true_observed": int(pd.Series(df["person_id"]).nunique())}
