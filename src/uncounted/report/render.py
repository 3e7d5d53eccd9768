"""Render the publishable report: one self-contained HTML file.

No external scripts, styles, fonts or images: the Content-Security-Policy in the page forbids
them, so a report opened offline (or by someone under surveillance) makes no network request.
"""

from __future__ import annotations

import math
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from uncounted import __version__
from uncounted.estimate.verdict import VerdictRules
from uncounted.progress import ProgressCallback
from uncounted.report import figures, svg


def _fmt(v: Any) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "∞" if x > 0 else "–"
    return f"{x:,.0f}"


def _fmtv(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:,.0f}"
    return str(v)


def _vclass(v: Any) -> str:
    return {"robust": "verdict-robust", "sensitive": "verdict-sensitive"}.get(str(v), "verdict-not")


def _methods_text(estimates: dict[str, Any], link_run: dict[str, Any] | None) -> list[str]:
    paras = ["Records were ingested through per-source mapping files; rows that failed validation were "
             "quarantined with their file, line, field and reason and are not counted."]
    if link_run:
        paras.append(
            f"Records of the same person within and across lists were linked with Splink "
            f"{link_run.get('splink_version')} ({link_run.get('engine')} backend), a Fellegi–Sunter model "
            "trained by expectation maximisation on name keys that are invariant to script, "
            "transliteration, name order, diminutives and grammatical case, with dates, ages, unit and "
            f"place; pairs above match probability {link_run.get('threshold')} were clustered.")
    overall = estimates.get("")
    if overall:
        s = overall.get("settings", {})
        paras.append(
            "The total, including persons on no list, was estimated by multiple systems estimation. "
            f"Methods run: {', '.join(s.get('methods', []))} (random seed {s.get('random_state')}). "
            "lcmcr is the Dirichlet-process latent-class model (Manrique-Vallier 2016); bma is Bayesian "
            "model averaging over decomposable graphical models (Madigan & York 1997); loglinear and "
            "loglinear-bic are hierarchical log-linear models selected by AIC and BIC. "
            f"The headline method was chosen because {overall.get('reason')}.")
        paras.append("Each estimate carries a robustness verdict (robust / sensitive / not estimable) from "
                     "documented rules: disagreement between methods, sampler diagnostics, sparse cells, "
                     "posteriors against a bound, goodness of fit, extrapolation and linkage sensitivity. "
                     "When the verdict is not robust, the headline interval is the envelope of all methods.")
    return paras


def build_context(project: Any, progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain data (tests compare it with the store)."""
    import duckdb

    step = progress or (lambda d, t: None)
    estimates = project.latest_estimates()
    step(1, 6)
    sources = figures.records_by_source(project)
    link_run, link_table = figures.linkage_rows(project)
    overlaps = figures.overlaps(project.capture_histories()) if link_run else pd.DataFrame(
        columns=["pattern", "n_lists", "count"])
    step(2, 6)
    est_rows = figures.estimate_rows(estimates)
    heads = figures.headline_rows(estimates)
    claims = figures.claims_rows(project, estimates)
    timeline = figures.timeline_rows(project)
    checks = figures.incident_checks(project, estimates)
    step(3, 6)
    overall = estimates.get("") or {"N": None, "verdict": "not estimated", "verdict_reasons": [],
                                    "reason": "run `uncounted estimate` first"}
    lists = list(sources["source"]) if len(sources) else []
    est_chart_rows = heads.assign(label=heads["analysis"] + ": " + heads["stratum"].astype(str),
                                  highlight=heads["stratum"].isin(["all", "total"]))
    claim_refs = claims.assign(label=claims["claimant"].astype(str).str.slice(0, 34)).rename(
        columns={"claim_low": "low", "claim_high": "high"})[["label", "low", "high"]] if len(claims) else None
    charts = {
        "sources": svg.bar_chart(lists, list(sources["records"]) if len(sources) else [],
                                 title="records per list"),
        "overlaps": svg.upset_chart(overlaps, lists, title="persons by combination of lists")
        if len(overlaps) else "",
        "estimates": svg.interval_chart(est_chart_rows[["label", "N", "lower", "upper", "highlight"]].dropna(
            subset=["N"]), title="headline estimates with 95% intervals") if len(heads) else "",
        "claims": svg.interval_chart(
            est_chart_rows[est_chart_rows["highlight"]][["label", "N", "lower", "upper", "highlight"]].dropna(
                subset=["N"]), refs=claim_refs, title="claims (shaded ranges) against the estimate")
        if len(heads) else "",
        "timeline": svg.timeline_chart(timeline, title="incidents (count-only evidence)"),
    }
    step(4, 6)
    inputs = figures.provenance_rows(project)
    est_settings = overall.get("settings") or {}
    sens = est_settings.get("linkage_sensitivity") or {}
    f1 = {float(t): v for t, v in (est_settings.get("linkage_expected_f1") or {}).items()}
    judged = set((overall.get("checks") or {}).get("linkage_thresholds") or [])
    sensitivity = [{"threshold": float(t), "N": v, "expected_f1": f1.get(float(t)),
                    "judged": float(t) in judged}
                   for t, v in sorted(sens.items(), key=lambda kv: float(kv[0]))]
    repro = {
        "uncounted": __version__, "python": platform.python_version(), "duckdb": duckdb.__version__,
        "splink": (link_run or {}).get("splink_version", "-"),
        "estimation seed": (overall.get("settings") or {}).get("random_state", "-"),
        "linkage run": (link_run or {}).get("run_id", "-"),
        "audit entries": project.store.scalar("SELECT count(*) FROM audit_log"),
        "audit head hash": project.store.scalar("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1"),
    }
    return {
        "title": f"{project.config.name}: estimated casualties",
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__, "project": project.config.name,
        "headline": overall, "sources": sources.to_dict(orient="records"),
        "overlaps": overlaps.to_dict(orient="records"), "link_run": link_run,
        "link_table": link_table.to_dict(orient="records"), "link_cols": list(link_table.columns),
        "estimates": est_rows.to_dict(orient="records"), "headlines": heads.to_dict(orient="records"),
        "claims": claims.to_dict(orient="records"), "incidents": timeline.to_dict(orient="records"),
        "incident_checks": checks.to_dict(orient="records"),
        "methods": _methods_text(estimates, link_run), "repro": repro,
        "linkage_sensitivity": sensitivity,
        # the margin the analysis was judged with (older analyses: the default)
        "linkage_f1_margin": (est_settings.get("rules") or {}).get(
            "linkage_f1_margin", VerdictRules().linkage_f1_margin),
        "inputs": inputs.to_dict(orient="records"), "charts": charts,
    }


def render_html(context: dict[str, Any]) -> str:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("uncounted.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)
    env.globals.update(fmt=_fmt, fmtv=_fmtv, vclass=_vclass)
    return env.get_template("report.html").render(**context)


def write_report(project: Any, output: str | Path, *, progress: ProgressCallback | None = None) -> Path:
    """Write the report atomically (a crash never leaves half a file) and audit it."""
    import hashlib

    ctx = build_context(project, progress)
    html = render_html(ctx)
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    project.store.audit("report", str(out.name),
                        {"sha256": hashlib.sha256(html.encode("utf-8")).hexdigest()})
    if progress:
        progress(6, 6)
    return out
