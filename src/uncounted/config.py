"""Project configuration: the ``uncounted.toml`` file at the root of a project folder.

A project is a folder so that it can be versioned, copied and audited with ordinary tools; the
configuration is plain TOML so that a person can read what an analysis used.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from uncounted.exceptions import ProjectError, ProjectNotFoundError

CONFIG_FILE = "uncounted.toml"

#: Longest delay a list may declare between an event and the date it records
#: (``date_lag_days``): beyond two months a date says little about the event.
MAX_DATE_LAG_DAYS = 60


@dataclass
class SourceConfig:
    """One list: where its mapping lives and a description (never the source's identity)."""

    name: str
    mapping: str | None = None
    description: str = ""
    #: Days this list's dates may follow the event it records: a hospital's register dates
    #: the admission or the X-ray, not the wounding (0: the list dates the event itself).
    date_lag_days: int = 0


@dataclass
class LinkConfig:
    engine: str = "duckdb"
    #: None: the linkage step's own default (uncounted.link.LinkSettings)
    threshold: float | None = None


@dataclass
class EstimateConfig:
    method: str = "auto"
    strata: list[str] = field(default_factory=list)
    seed: int = 2022


@dataclass
class ProjectConfig:
    name: str
    sources: dict[str, SourceConfig] = field(default_factory=dict)
    link: LinkConfig = field(default_factory=LinkConfig)
    estimate: EstimateConfig = field(default_factory=EstimateConfig)
    settings: dict[str, Any] = field(default_factory=dict)

    # -- io -------------------------------------------------------------------------------
    @classmethod
    def load(cls, project_dir: str | Path) -> ProjectConfig:
        path = Path(project_dir) / CONFIG_FILE
        if not path.is_file():
            raise ProjectNotFoundError(
                f"no {CONFIG_FILE} in {Path(project_dir).resolve()}: this folder is not an uncounted "
                "project. Create one with `uncounted init DIR` or pass -p/--project DIR."
            )
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ProjectError(f"{path}: invalid TOML: {exc}") from exc
        return cls.from_dict(raw, where=str(path))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, where: str = CONFIG_FILE) -> ProjectConfig:
        problems: list[str] = []
        proj = raw.get("project", {})
        name = proj.get("name") if isinstance(proj, dict) else None
        if not isinstance(name, str) or not name:
            problems.append("[project] name must be a non-empty string")
            name = "unnamed"
        sources: dict[str, SourceConfig] = {}
        for key, val in (raw.get("sources") or {}).items():
            if not isinstance(val, dict):
                problems.append(f"[sources.{key}] must be a table")
                continue
            lag = val.get("date_lag_days", 0)
            if isinstance(lag, bool) or not isinstance(lag, int) or not 0 <= lag <= MAX_DATE_LAG_DAYS:
                problems.append(f"[sources.{key}] date_lag_days must be a whole number of days "
                                f"from 0 to {MAX_DATE_LAG_DAYS}, got {lag!r}")
                lag = 0
            sources[key] = SourceConfig(name=key, mapping=val.get("mapping"),
                                        description=str(val.get("description", "")),
                                        date_lag_days=lag)
        link_raw = raw.get("link") or {}
        thr = link_raw.get("threshold")
        link = LinkConfig(engine=str(link_raw.get("engine", "duckdb")),
                          threshold=None if thr is None else float(thr))
        if link.engine not in ("duckdb", "spark"):
            problems.append(f"[link] engine must be 'duckdb' or 'spark', got {link.engine!r}")
        if link.threshold is not None and not 0.0 < link.threshold < 1.0:
            problems.append(f"[link] threshold must be in (0, 1), got {link.threshold}")
        est_raw = raw.get("estimate") or {}
        est = EstimateConfig(method=str(est_raw.get("method", "auto")),
                             strata=list(est_raw.get("strata", [])),
                             seed=int(est_raw.get("seed", 2022)))
        if problems:
            raise ProjectError(f"{where}: " + "; ".join(problems))
        return cls(name=name, sources=sources, link=link, estimate=est,
                   settings=dict(raw.get("settings") or {}))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"project": {"name": self.name}}
        out["sources"] = {
            k: {kk: vv for kk, vv in asdict(v).items()
                if kk != "name" and vv not in (None, "") and not (kk == "date_lag_days" and vv == 0)}
            for k, v in self.sources.items()
        }
        out["link"] = {k: v for k, v in asdict(self.link).items() if v is not None}
        out["estimate"] = asdict(self.estimate)
        out["settings"] = self.settings
        return out

    def save(self, project_dir: str | Path) -> None:
        path = Path(project_dir) / CONFIG_FILE
        tmp = path.with_suffix(".toml.tmp")
        tmp.write_text(tomli_w.dumps(self.to_dict()), encoding="utf-8")
        tmp.replace(path)  # atomic: a crash never leaves half a config
