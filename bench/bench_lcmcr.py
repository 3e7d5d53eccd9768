"""Throughput of the LCMCR Gibbs sampler against the R package LCMCR 0.4.14.

Measures Gibbs *sweeps* (iterations) per second of one chain with K = 10 classes, the way
the reference figures in ``r_reference.json`` (``lcmcr_throughput``) were measured in R:
10,000 untimed warm-up sweeps, then 50,000 timed sweeps without storing draws, median of
3 runs.  Compilation (numba) is excluded, like R's package loading.

By default it runs on ``kosovo_aggregate`` and on the largest reference table (the one with
the most observed cells × lists); ``--all`` runs every table that has an R figure.  Prints
the ratio to R (target: at least 3×).  Nothing is asserted: timings depend on the machine
and its load (the R figures come from an idle 2-core AMD EPYC VM).  On a shared machine the
CPU-time figure is still depressed by a busy sibling hyperthread, so compare kernels side by
side at the same load rather than against an old printout.

Also prints ESS per second of the default :class:`~uncounted.estimate.lcmcr.LCMCR` fit on
kosovo_aggregate, since sweeps per second alone ignores mixing.

Run: ``.venv/bin/python bench/bench_lcmcr.py [--all] [--sweeps 50000]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from uncounted.estimate import _lcmcr_kernel as kernel
from uncounted.estimate.histories import CaptureHistories
from uncounted.estimate.lcmcr import LCMCR


def _reference_dir() -> Path:
    env = os.environ.get("UNCOUNTED_REFERENCE_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def sweeps_per_second(
    h: CaptureHistories, sweeps: int, k: int = 10, runs: int = 3
) -> tuple[float, float]:
    """Median over ``runs`` of sweeps per second after 10,000 warm-up sweeps.

    Returns ``(per wall-clock second, per CPU second of this thread)``.  On an idle machine
    the two agree; on a shared, loaded one the CPU-time figure is the one comparable with
    R's (measured on an idle machine).
    """
    pat = np.ascontiguousarray(h.patterns, dtype=np.int8)
    cnt = np.ascontiguousarray(h.counts, dtype=np.int64)
    lam, pi, v, sf, si = kernel.init_state(h.n_observed, k, h.k, 0.25, 0.25, 1)
    e, ei = np.empty(0), np.empty(0, dtype=np.int64)
    kernel.run_sweeps(pat, cnt, lam, pi, v, sf, si, 0.25, 0.25, -1, 10_000, 10_001, 2,
                      e, e, ei)
    wall, cpu = [], []
    for r in range(runs):
        t0, c0 = time.perf_counter(), time.thread_time()
        kernel.run_sweeps(pat, cnt, lam, pi, v, sf, si, 0.25, 0.25, -1, sweeps, sweeps + 1,
                          3 + r, e, e, ei)
        wall.append(sweeps / (time.perf_counter() - t0))
        cpu.append(sweeps / (time.thread_time() - c0))
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="every table with an R figure")
    parser.add_argument("--sweeps", type=int, default=50_000, help="timed sweeps per run")
    args = parser.parse_args()

    ref_dir = _reference_dir()
    ref = json.loads((ref_dir / "r_reference.json").read_text())
    r_rates = {t["dataset"]: t for t in ref["lcmcr_throughput"]}
    tables = {ds: CaptureHistories(pd.read_csv(ref_dir / f"{ds}.csv")) for ds in r_rates}
    largest = max(tables, key=lambda ds: len(tables[ds]) * tables[ds].k)
    chosen = list(r_rates) if args.all else ["kosovo_aggregate", largest]

    # compile once (cached on disk by numba afterwards)
    t0 = time.perf_counter()
    sweeps_per_second(tables["kosovo_aggregate"], 10, runs=1)
    print(f"numba compile/load: {time.perf_counter() - t0:.1f} s (excluded below)")
    print(f"cpu count: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    print("LCMCR Gibbs sweeps per second, one chain, K = 10 "
          f"(10,000 warm-up, {args.sweeps:,} timed, median of 3)")
    print("(ours per wall-clock second, and per CPU second of the sampling thread; R's figure"
          " is wall-clock on an idle machine)")
    print(f"{'dataset':18s} {'lists':>5s} {'cells':>5s} {'n':>6s} {'ours/wall-s':>12s} "
          f"{'ours/cpu-s':>11s} {'R/s':>9s} {'ratio wall':>10s} {'ratio cpu':>9s}")
    ratios = []
    for ds in chosen:
        h = tables[ds]
        wall, cpu = sweeps_per_second(h, args.sweeps)
        r = float(r_rates[ds]["iterations_per_second"])
        ratios.append(cpu / r)
        mark = "  (largest table)" if ds == largest else ""
        print(f"{ds:18s} {h.k:5d} {len(h):5d} {h.n_observed:6d} {wall:12,.0f} {cpu:11,.0f} "
              f"{r:9,.0f} {wall / r:9.2f}x {cpu / r:8.2f}x{mark}")
    print(f"geometric mean ratio (CPU time): {float(np.exp(np.mean(np.log(ratios)))):.2f}x "
          f"(target >= 3x); load average now {os.getloadavg()[0]:.2f}")

    # mixing-aware figure: effective draws of N per second for the default fit
    h = tables["kosovo_aggregate"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0, c0 = time.perf_counter(), time.process_time()
        res = LCMCR(random_state=1).fit(h).result_
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
    ess = float(res.diagnostics["ess_bulk"])
    long = next(r for r in ref["results"] if r.get("package") == "LCMCR"
                and r["dataset"] == "kosovo_aggregate" and r["settings"]["burnin"] == 10_000
                and r["settings"]["thinning"] == 100)
    r_ess_rate = float(long["pooled"]["ess"]) / sum(long["seconds_runs"])
    print(f"kosovo_aggregate default fit (4 chains x 110,000 sweeps): {dt:.1f} s wall, "
          f"{dc:.1f} s CPU; bulk ESS {ess:.0f} -> {ess / dc:.0f} ESS per CPU-s; R doc run "
          f"(5 seeds, coda ESS): {r_ess_rate:.0f} ESS/s (ratio {ess / dc / r_ess_rate:.2f}x)")

    # the same fit with its chains on every core (R's LCMCR runs one chain per call, on one
    # core): a machine's throughput, not a per-core figure; the draws are the same
    jobs = os.cpu_count() or 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        res_par = LCMCR(random_state=1, n_jobs=jobs).fit(h).result_
        dt_par = time.perf_counter() - t0
    same = bool(np.array_equal(res_par.draws, res.draws))
    rate = res_par.diagnostics["chains"] * res_par.diagnostics["sweeps_per_chain"] / dt_par
    r_rate = float(r_rates["kosovo_aggregate"]["iterations_per_second"])
    print(f"kosovo_aggregate default fit, n_jobs={jobs}: {dt_par:.1f} s wall, {rate:,.0f} sweeps "
          f"per wall-second over its chains (R, one chain on one core: {r_rate:,.0f}; ratio "
          f"{rate / r_rate:.2f}x, per machine, not per core); same draws as n_jobs=1: {same}")


if __name__ == "__main__":
    main()
