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

``--with-r`` also times R's LCMCR on the same machine, in turn with ours on the same tables
(``--r-rounds`` times each), and prints the same-run ratio, which does not depend on how the
recorded R figure's machine compares with this one.  It needs ``Rscript`` with the LCMCR
package installed (``--r-lib`` names the R library folder if it is not R's default); R and
LCMCR are not project dependencies, and nothing of LCMCR is shipped.

Run: ``.venv/bin/python bench/bench_lcmcr.py [--all] [--sweeps 50000]
[--with-r [--r-lib DIR] [--r-rounds 3]]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
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


#: The reference's throughput settings (r_reference.json's ``lcmcr_throughput``), used for
#: ours and handed to R's side of ``--with-r``: K, untimed warm-up sweeps, timed runs.
_K = 10
_WARMUP = 10_000
_RUNS = 3


def sweeps_per_second(
    h: CaptureHistories, sweeps: int, k: int = _K, runs: int = _RUNS
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
    kernel.run_sweeps(pat, cnt, lam, pi, v, sf, si, 0.25, 0.25, -1, _WARMUP, _WARMUP + 1, 2,
                      e, e, ei)
    wall, cpu = [], []
    for r in range(runs):
        t0, c0 = time.perf_counter(), time.thread_time()
        kernel.run_sweeps(pat, cnt, lam, pi, v, sf, si, 0.25, 0.25, -1, sweeps, sweeps + 1,
                          3 + r, e, e, ei)
        wall.append(sweeps / (time.perf_counter() - t0))
        cpu.append(sweeps / (time.thread_time() - c0))
    return statistics.median(wall), statistics.median(cpu)


#: R's side of ``--with-r``: the settings of r_reference.json's ``lcmcr_throughput`` (seed 1,
#: tracing off; K, the untimed burn-in and the number of timed ``Update(sweeps)`` runs come
#: from ``_K``, ``_WARMUP`` and ``_RUNS``), printing the median sweeps per wall-second and per
#: CPU-second.
_R_THROUGHPUT = r"""
args <- commandArgs(trailingOnly = TRUE)
lib <- if (nzchar(args[3])) args[3] else NULL
suppressMessages(library(LCMCR, lib.loc = lib))
d <- read.csv(args[1])
lists <- setdiff(names(d), "count")
tab <- data.frame(lapply(d[lists], function(x) factor(x, levels = c(0, 1))))
tab$Freq <- d$count
tab <- tab[rowSums(d[lists]) > 0, ]
sweeps <- as.integer(args[2])
K <- as.integer(args[4]); warmup <- as.integer(args[5]); runs <- as.integer(args[6])
s <- lcmCR(tab, tabular = TRUE, in_list_label = "1", not_in_list_label = "0", K = K,
           a_alpha = 0.25, b_alpha = 0.25, seed = 1, verbose = FALSE)
s$Deactivate_Tracing()
invisible(capture.output(s$Update(warmup, output = FALSE)))
wall <- c(); cpu <- c()
for (r in 1:runs) {
  t <- system.time(invisible(capture.output(s$Update(sweeps, output = FALSE))))
  wall <- c(wall, sweeps / t[["elapsed"]])
  cpu <- c(cpu, sweeps / (t[["user.self"]] + t[["sys.self"]]))
}
cat(sprintf("R_LCMCR %f %f\n", median(wall), median(cpu)))
"""


def r_sweeps_per_second(script: Path, csv: Path, sweeps: int, r_lib: str) -> tuple[float, float]:
    """R's LCMCR on one table, timed like :func:`sweeps_per_second`: (wall, CPU) rates.

    ``script`` holds :data:`_R_THROUGHPUT`."""
    argv = [str(script), str(csv), str(sweeps), r_lib, str(_K), str(_WARMUP), str(_RUNS)]
    out = subprocess.run(["Rscript", *argv], capture_output=True, text=True, check=True).stdout
    m = re.search(r"R_LCMCR (\S+) (\S+)", out)
    if m is None:
        raise RuntimeError(f"Rscript printed no timing: {out!r}")
    return float(m.group(1)), float(m.group(2))


def side_by_side(ref_dir: Path, tables: dict[str, CaptureHistories], chosen: list[str],
                 sweeps: int, r_lib: str, rounds: int = 3) -> None:
    """Ours and R's LCMCR in turn on each table, ``rounds`` times: the same-machine ratio."""
    if shutil.which("Rscript") is None:
        print("--with-r: Rscript not found; no side-by-side run")
        return
    print(f"\nside by side with R's LCMCR on this machine ({rounds} rounds, ours then R's, "
          f"each a median of {_RUNS} timed runs; per CPU-second)")
    print(f"{'dataset':18s} {'round':>5s} {'ours/cpu-s':>11s} {'R/cpu-s':>9s} {'ratio':>7s}")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "lcmcr_throughput.R"
        script.write_text(_R_THROUGHPUT)
        for ds in chosen:
            ratios = []
            for rnd in range(rounds):
                _, ours = sweeps_per_second(tables[ds], sweeps)
                _, theirs = r_sweeps_per_second(script, ref_dir / f"{ds}.csv", sweeps, r_lib)
                ratios.append(ours / theirs)
                print(f"{ds:18s} {rnd + 1:5d} {ours:11,.0f} {theirs:9,.0f} "
                      f"{ours / theirs:6.2f}x")
            print(f"{ds:18s} median ratio {statistics.median(ratios):.2f}x (target >= 3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="every table with an R figure")
    parser.add_argument("--sweeps", type=int, default=50_000, help="timed sweeps per run")
    parser.add_argument("--with-r", action="store_true",
                        help="also time R's LCMCR here, in turn with ours (needs Rscript)")
    parser.add_argument("--r-lib", default="", help="R library folder holding LCMCR")
    parser.add_argument("--r-rounds", type=int, default=3,
                        help="rounds of ours-then-R's per table (a sweep's cost swings with the "
                             "chain's state and the machine: use more to settle a few percent)")
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
    print(f"LCMCR Gibbs sweeps per second, one chain, K = {_K} "
          f"({_WARMUP:,} warm-up, {args.sweeps:,} timed, median of {_RUNS})")
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
    if args.with_r:
        side_by_side(ref_dir, tables, chosen, args.sweeps, args.r_lib, args.r_rounds)

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
