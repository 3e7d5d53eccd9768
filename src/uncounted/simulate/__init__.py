"""Seeded generators with known truth: the Gomel case, linkage benchmarks, capture histories.

* :func:`generate_case` — the motivating case (spring 2022, Gomel region): a true population
  and five lists in their own formats, spellings and scripts, with claims and incidents.
* :func:`generate_people` — just the true population.
* :func:`mapping_for` — the ingest mapping of each simulated list.
* :func:`generate_records` — millions of canonical records with cross-script noise for the
  linkage benchmark.
* :func:`simulate_histories` — capture histories under documented scenarios for estimator
  studies.

Nothing in the library imports this package except the CLI and the demo.
"""

from uncounted.simulate.case import CASE_DATE_LAGS, OFFICIAL_CLAIMS, GomelCase, generate_case
from uncounted.simulate.histories import SCENARIOS, HistorySimulation, simulate_histories
from uncounted.simulate.lists import CAPTURE, LIST_NAMES
from uncounted.simulate.mappings import mapping_for, mapping_toml
from uncounted.simulate.people import generate_people
from uncounted.simulate.records import DATE_LAGS, RECORD_COLUMNS, generate_records

__all__ = [
    "CAPTURE",
    "CASE_DATE_LAGS",
    "DATE_LAGS",
    "LIST_NAMES",
    "OFFICIAL_CLAIMS",
    "RECORD_COLUMNS",
    "GomelCase",
    "HistorySimulation",
    "SCENARIOS",
    "generate_case",
    "generate_people",
    "generate_records",
    "mapping_for",
    "mapping_toml",
    "simulate_histories",
]
