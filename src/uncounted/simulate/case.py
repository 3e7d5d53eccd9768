"""The Gomel case: a seeded, realistic example of the motivating problem, with known truth.

Spring 2022 (24 February – 30 April), Gomel region of Belarus.  Hospitals in Mazyr (Мозырь),
Gomel, Naroulia (Наровля) and Rechitsa (Речица) treated wounded Russian soldiers; morgues held
the dead.  Five incomplete, overlapping lists survive, each in its own format, script and
spelling; a few public officials gave numbers; a few incidents were counted without names.
:func:`generate_case` builds all of it from a seed, together with the truth (who every record
is), so that every step of the pipeline can be measured against the true total.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from uncounted.exceptions import InputError
from uncounted.simulate.lists import LIST_NAMES, capture, render_list
from uncounted.simulate.mappings import MONITOR_FORMATS, mapping_toml
from uncounted.simulate.people import generate_people

__all__ = ["OFFICIAL_CLAIMS", "GomelCase", "generate_case"]

logger = logging.getLogger(__name__)

#: Public statements about the number of casualties (as given in the project brief; the
#: simulated truth is *not* calibrated to them: they are shown beside the estimate).  Each has
#: the brief's keys (``who, when, text, counts, number, range``) and the store's keys
#: (``claimant, said_on, period_start, period_end, place, low, high, per_day``, see
#: :meth:`uncounted.project.Project.add_claim`).
OFFICIAL_CLAIMS: tuple[dict[str, Any], ...] = (
    {"who": "Belarusian leadership", "when": "2022-03",
     "text": "about 160–170 wounded treated during this entire period",
     "counts": "wounded", "number": None, "range": (160, 170), "per": "period",
     "scope": "Gomel region hospitals",
     "claimant": "Belarusian leadership", "said_on": None, "period_start": "2022-02-24",
     "period_end": None, "place": "Gomel region", "low": 160, "high": 170, "per_day": False},
    {"who": "A doctor at the Mazyr hospital (to the media, anonymously)", "when": "2022-03",
     "text": "40–50 wounded a day in early March",
     "counts": "wounded", "number": None, "range": (40, 50), "per": "day",
     "scope": "Mazyr hospital, early March",
     "claimant": "A doctor at the Mazyr hospital (anonymous)", "said_on": None,
     "period_start": "2022-03-01", "period_end": "2022-03-10", "place": "Мозырь",
     "low": 40, "high": 50, "per_day": True},
    {"who": "Russian Ministry of Defence", "when": "2022-03-02",
     "text": "498 killed and nearly 1,600 wounded",
     "counts": "both", "number": 498 + 1597, "range": None, "per": "period",
     "killed": 498, "wounded": 1597, "scope": "all of Ukraine, to 2 March 2022",
     "claimant": "Russian Ministry of Defence", "said_on": "2022-03-02",
     "period_start": "2022-02-24", "period_end": "2022-03-02", "place": "Ukraine (all fronts)",
     "low": 498 + 1597, "high": 498 + 1597, "per_day": False},
)


#: Days each Gomel list's dates may follow the event (``SourceConfig.date_lag_days``): the
#: X-ray register and the monitors' photographs of medical buses date the arrival at the
#: hospital, 0-2 days after the wounding.
CASE_DATE_LAGS: dict[str, int] = {"xray": 2, "monitor": 2}


@dataclass
class GomelCase:
    """A simulated case: truth, lists as the sources show them, claims and incidents.

    Attributes
    ----------
    people : DataFrame
        The true population (:func:`uncounted.simulate.generate_people`).
    lists : dict[str, DataFrame]
        Each list's records in its own columns and spelling (strings as in the file).
    truth : DataFrame
        ``source, record_id, person_id``: who every record is.
    captured : DataFrame
        ``person_id`` plus one bool column per list: the capture model's draw.
    true_total : int
        Number of people (what the pipeline tries to estimate).
    claims : list of dict
        Official statements (see :data:`OFFICIAL_CLAIMS`).
    incidents : list of dict
        Count-only observations (``when, where, what, counts, reported, true_count``).
    seed : int
    monitor_format : str
    """

    people: pd.DataFrame
    lists: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    captured: pd.DataFrame
    true_total: int
    claims: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    seed: int
    monitor_format: str = "parquet"
    id_columns: dict[str, str] = field(default_factory=dict)

    def histories(self, by: str | None = None) -> pd.DataFrame | dict[Any, pd.DataFrame]:
        """Capture-history table under perfect linkage: one 0/1 column per list plus ``count``.

        A person recorded twice by one list is still a ``1``.  This is the table an estimator
        would see if linkage made no mistakes, so comparing estimates from it and from the
        linked records separates estimation error from linkage error.

        Parameters
        ----------
        by : str, optional
            A column of :attr:`people` (e.g. ``"event_type"``): one table per stratum, keyed by
            its value, without the lists that record nobody in that stratum (the morgue for
            the wounded, the X-ray register for the killed).
        """
        if by is not None:
            out: dict[Any, pd.DataFrame] = {}
            for value, idx in self.people.groupby(by).groups.items():
                cap = self.captured.loc[idx, list(LIST_NAMES)]
                out[value] = _histories(cap[[c for c in LIST_NAMES if cap[c].any()]])
            return out
        return _histories(self.captured[list(LIST_NAMES)])

    def summary(self) -> pd.DataFrame:
        """One row per list: records, distinct people, within-list duplicates, coverage.

        ``coverage`` is the share of the true total the list records (people, not records).
        """
        rows = []
        for name in LIST_NAMES:
            t = self.truth[self.truth["source"] == name]
            people = int(t["person_id"].nunique())
            rows.append({"list": name, "records": len(t), "people": people,
                         "duplicates": len(t) - people,
                         "coverage": people / self.true_total})
        return pd.DataFrame(rows).set_index("list")

    def true_counts(self, by: str | list[str] = "event_type") -> pd.Series:
        """True number of people per stratum (e.g. per event type or facility town).

        Parameters
        ----------
        by : str or list of str
            Column(s) of :attr:`people`.
        """
        return self.people.groupby(by).size().rename("true_count")

    def write(self, folder: str | Path, *, include_truth: bool = False) -> dict[str, Path]:
        """Write every list in its own format, plus ``mappings/<name>.toml``.

        Parameters
        ----------
        folder : path
            Created if missing.  Files: ``xray.csv`` (windows-1251, ``;``, a title line, a
            repeated header row in the middle and a totals row at the end), ``morgue.xlsx``
            (a title row above the header; dates of death as Excel dates except where a
            clerk typed an impossible one), ``ngo.csv`` (UTF-8 with BOM), ``media.jsonl``,
            ``monitor.parquet`` or ``monitor.csv`` (KOI8-R).
        include_truth : bool
            Also write ``truth/truth.csv`` and ``truth/people.csv`` (UTF-8).

        Returns
        -------
        dict[str, Path]
            List name to the data file written.
        """
        folder = Path(folder)
        (folder / "mappings").mkdir(parents=True, exist_ok=True)
        paths = {
            "xray": self._write_xray(folder / "xray.csv"),
            "morgue": self._write_morgue(folder / "morgue.xlsx"),
            "ngo": self._write_ngo(folder / "ngo.csv"),
            "media": self._write_media(folder / "media.jsonl"),
            "monitor": self._write_monitor(
                folder / ("monitor.parquet" if self.monitor_format == "parquet"
                          else "monitor.csv")),
        }
        for name in LIST_NAMES:
            text = mapping_toml(name, monitor_format=self.monitor_format)
            (folder / "mappings" / f"{name}.toml").write_text(text, encoding="utf-8")
        if include_truth:
            (folder / "truth").mkdir(exist_ok=True)
            self.truth.to_csv(folder / "truth" / "truth.csv", index=False)
            self.people.to_csv(folder / "truth" / "people.csv", index=False)
        logger.info("wrote the Gomel case (seed %d) to %s", self.seed, folder)
        return paths

    # -- writers -------------------------------------------------------------------------
    def _write_xray(self, path: Path) -> Path:
        df = self.lists["xray"]
        header = list(df.columns)
        rows = df.astype(str).values.tolist()
        mid = len(rows) // 2
        with path.open("w", encoding="windows-1251", newline="") as fh:
            fh.write("Журнал регистрации рентгенологических исследований "
                     "(Мозырь, Гомель, Наровля, Речица) 24.02.2022–30.04.2022\r\n")
            w = csv.writer(fh, delimiter=";", lineterminator="\r\n")
            w.writerow(header)
            w.writerows(rows[:mid])
            w.writerow(header)  # the export repeats the header at a page break
            w.writerows(rows[mid:])
            total = [""] * len(header)
            total[1] = "Итого:"
            total[-1] = f"{len(rows)} исследований"
            w.writerow(total)
        return path

    def _write_morgue(self, path: Path) -> Path:
        from openpyxl import Workbook

        df = self.lists["morgue"]
        wb = Workbook()
        ws = wb.active
        ws.title = "Журнал"
        ws.append(["Журнал регистрации поступления тел, 2022 г."])
        ws.append(list(df.columns))
        date_col = list(df.columns).index("Дата смерти") + 1
        for row in df.itertuples(index=False):
            ws.append(list(row))
            cell = ws.cell(row=ws.max_row, column=date_col)
            if isinstance(cell.value, date):
                cell.number_format = "DD.MM.YYYY"
        wb.save(path)
        return path

    def _write_ngo(self, path: Path) -> Path:
        self.lists["ngo"].to_csv(path, index=False, encoding="utf-8-sig")
        return path

    def _write_media(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            for rec in self.lists["media"].to_dict(orient="records"):
                clean = {k: (None if v is None or v == "" else v) for k, v in rec.items()}
                fh.write(json.dumps(clean, ensure_ascii=False) + "\n")
        return path

    def _write_monitor(self, path: Path) -> Path:
        df = self.lists["monitor"].replace({"": None})
        if self.monitor_format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df.astype(object), preserve_index=False,
                                         schema=pa.schema([(c, pa.string()) for c in df]))
            pq.write_table(table, path)
        else:
            df.to_csv(path, index=False, encoding="koi8-r")
        return path


#: Wounded carried per medical bus (for turning the true arrivals into a bus count).
_PER_BUS = 8


def _histories(cap: pd.DataFrame) -> pd.DataFrame:
    cols = list(cap.columns)
    h = cap.astype(int)
    h = h[h.sum(axis=1) > 0]
    out = h.value_counts().rename("count").reset_index()
    return out.sort_values(cols, ascending=False, ignore_index=True)


def _incidents(people: pd.DataFrame, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Count-only incidents: a number seen by a witness, no names.

    Each has the keys ``when, where, what, counts, reported, true_count`` and the store's keys
    ``source, date_start, date_end, place, seen, count_min, count_max, text`` (see
    :meth:`uncounted.project.Project.add_incident`).  ``true_count`` is the number of wounded
    the incident reflects in the simulated truth.
    """
    adm = people["admission_date"]
    wounded = people["event_type"] != "killed"
    day = pd.Timestamp("2022-02-28")
    buses_true = int((wounded & (people["facility_town"] == "Мозырь") & (adm == day)).sum())
    n_buses = max(1, int(np.ceil(buses_true / _PER_BUS)))
    seen_buses = max(1, int(round(n_buses * rng.uniform(0.7, 1.0))))
    at_nar = wounded & (people["facility_town"] == "Наровля")
    field_true = int((at_nar & adm.between(pd.Timestamp("2022-02-24"),
                                           pd.Timestamp("2022-03-10"))).sum())
    low = int(round(field_true * rng.uniform(0.4, 0.7), -1))
    high = int(round(field_true * rng.uniform(0.9, 1.3), -1))
    return [
        {"when": "2022-02-28", "where": "Мозырь, railway station",
         "what": "medical buses unloading wounded soldiers, counted by a witness",
         "counts": "wounded", "true_count": buses_true, "reported": seen_buses,
         "source": "witness at Mazyr station", "date_start": "2022-02-28",
         "date_end": "2022-02-28", "place": "Мозырь, railway station", "seen": "vehicles",
         "count_min": seen_buses, "count_max": seen_buses,
         "text": f"{seen_buses} medical buses with wounded soldiers arrived at the station"},
        {"when": "2022-02-24/2022-03-10", "where": "field hospital near Наровля",
         "what": "tents of a field hospital; local residents' estimate of the wounded",
         "counts": "wounded", "true_count": field_true, "reported": (low + high) // 2,
         "source": "local residents near Naroulia", "date_start": "2022-02-24",
         "date_end": "2022-03-10", "place": "near Наровля (field hospital)", "seen": "wounded",
         "count_min": low, "count_max": high,
         "text": f"a field hospital treating {low}–{high} wounded, by residents' estimate"},
    ]


def generate_case(seed: int = 2022, n_people: int = 4000, *,
                  capture_params: dict[str, dict[str, Any]] | None = None,
                  monitor_format: str = "parquet") -> GomelCase:
    """Generate the Gomel case.

    Parameters
    ----------
    seed : int
        Everything (people, captures, spelling noise) follows from it.
    n_people : int
        True total.  The default 4,000 gives lists of roughly 250-1,500 records.
    capture_params : dict, optional
        Overrides of :data:`uncounted.simulate.lists.CAPTURE`.
    monitor_format : {"parquet", "koi8-r"}
        The monitoring group's file: Parquet, or a KOI8-R CSV.

    Returns
    -------
    GomelCase

    Raises
    ------
    InputError
        For a non-positive ``n_people`` or an unknown ``monitor_format``.

    Examples
    --------
    >>> case = generate_case(seed=1, n_people=300)
    >>> case.true_total
    300
    >>> set(case.lists) == {"xray", "morgue", "ngo", "media", "monitor"}
    True
    """
    if monitor_format not in MONITOR_FORMATS:
        raise InputError(f"monitor_format must be one of {MONITOR_FORMATS}; got "
                         f"{monitor_format!r}.")
    people = generate_people(n_people, seed)
    # independent streams for captures and for each list's writing
    ss = np.random.SeedSequence([seed, 7])
    child = ss.spawn(2 + len(LIST_NAMES))
    cap = capture(people, np.random.default_rng(child[0]), capture_params)
    lists: dict[str, pd.DataFrame] = {}
    ids: dict[str, str] = {}
    truth_parts = []
    for k, name in enumerate(LIST_NAMES):
        dup = (capture_params or {}).get(name, {}).get("duplicate")
        rl = render_list(name, people, cap[name], np.random.default_rng(child[2 + k]),
                         duplicate_rate=None if dup is None else float(dup),
                         koi8=(monitor_format == "koi8-r"))
        lists[name] = rl.frame
        ids[name] = rl.id_column
        truth_parts.append(pd.DataFrame({"source": name,
                                         "record_id": rl.frame[rl.id_column].astype(str),
                                         "person_id": rl.person_id.astype(np.int64)}))
    truth = pd.concat(truth_parts, ignore_index=True)
    captured = pd.DataFrame({"person_id": people["person_id"], **cap})
    case = GomelCase(
        people=people, lists=lists, truth=truth, captured=captured, true_total=len(people),
        claims=[dict(c) for c in OFFICIAL_CLAIMS],
        incidents=_incidents(people, np.random.default_rng(child[1])), seed=seed,
        monitor_format=monitor_format, id_columns=ids,
    )
    logger.info("Gomel case seed %d: %d people, lists %s", seed, len(people),
                {k: len(v) for k, v in lists.items()})
    return case
