"""Benchmark: BMA over decomposable graphs against R's dga (``bma.cr``).

For every dga entry of ``../shared/reference/r_reference.json`` (5-list tables first: 822
graphs), time :func:`uncounted.estimate.bma.bma_posterior` with R's delta, grid and prior,
median of ``--repeat`` runs, and print it next to R's median seconds as a speed-up ratio
(R seconds / ours).  R was timed on an idle machine; ours is printed as wall-clock and as
process CPU time (the fair figure when other jobs share the cores).  Also checks that the
posterior mean agrees with R's (relative error).
The graph enumeration is cached after its first use, as dga's ``graphs5`` is loaded data.

Run:  ``.venv/bin/python bench/bench_bma.py [--repeat 5] [--all] [--mcmc]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import gammaln

from uncounted.estimate.bma import bma_posterior
from uncounted.estimate.bma_mcmc import bma_posterior_mcmc
from uncounted.estimate.graphs import enumerate_decomposable_graphs

REF_DIR = Path(os.environ.get("UNCOUNTED_REFERENCE_DIR",
                              Path(__file__).resolve().parents[1].parent / "shared" / "reference"))


def _table(name: str) -> tuple[np.ndarray, np.ndarray]:
    df = pd.read_csv(REF_DIR / f"{name}.csv")
    lists = [c for c in df.columns if c != "count"]
    return df[lists].to_numpy(), df["count"].to_numpy()


def _prior(entry: dict) -> object:
    if "doc" in entry["method"] and entry["k"] == 3:
        a, b = 13.14, 55.17
        return lambda n: (n * np.log(b) - (n + a) * np.log1p(b) + gammaln(n + a)
                          - gammaln(n + 1) - gammaln(a))
    return "1/N"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--all", action="store_true", help="also k = 3 and 4 tables")
    parser.add_argument("--mcmc", action="store_true", help="also time MCMC for k = 6, 8")
    args = parser.parse_args()
    path = REF_DIR / "r_reference.json"
    if not path.exists():
        print(f"reference file {path} not found", file=sys.stderr)
        return 1
    ref = json.loads(path.read_text())
    for k in (3, 4, 5):
        enumerate_decomposable_graphs(k)  # load once, like data(graphs5)
    entries = [r for r in ref["results"] if r["package"] == "dga" and r.get("posterior")]
    if not args.all:
        entries = [r for r in entries if r["k"] == 5]
    entries.sort(key=lambda r: (-r["k"], -r["settings"]["Nmissing_max"]))
    print(f"{'dataset':<18} {'setting':<8} {'k':>2} {'graphs':>6} {'M':>8} "
          f"{'wall s':>8} {'cpu s':>8} {'R s':>7} {'R/wall':>7} {'R/cpu':>7} "
          f"{'rel.err mean':>12}")
    ratios, cpu_ratios = [], []
    for r in entries:
        s = r["settings"]
        data = _table(r["dataset"])
        grid = np.arange(s["Nmissing_min"], s["Nmissing_max"] + 1)
        times, cpu = [], []
        post = None
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            post = bma_posterior(data, delta=s["delta"], nmissing=grid, prior_n=_prior(r))
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        assert post is not None
        ours, ours_cpu = statistics.median(times), statistics.median(cpu)
        rerr = abs(post.mean() - r["estimate"]) / r["estimate"]
        ratio = r["seconds"] / max(ours, 1e-9)
        cpu_ratio = r["seconds"] / max(ours_cpu, 1e-9)
        ratios.append(ratio)
        cpu_ratios.append(cpu_ratio)
        setting = "doc" if "doc" in r["method"] else "main"
        print(f"{r['dataset']:<18} {setting:<8} {r['k']:>2} {len(post.graphs):>6} "
              f"{s['Nmissing_max']:>8} {ours:>8.4f} {ours_cpu:>8.4f} {r['seconds']:>7.3f} "
              f"{ratio:>7.1f} {cpu_ratio:>7.1f} {rerr:>12.1e}")
    if ratios:
        print(f"speed-up over R (R seconds / ours), wall: median "
              f"{statistics.median(ratios):.1f}x, min {min(ratios):.1f}x; cpu: median "
              f"{statistics.median(cpu_ratios):.1f}x, min {min(cpu_ratios):.1f}x")
        if os.getloadavg()[0] > (os.cpu_count() or 1):
            print(f"note: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: "
                  "wall-clock figures are inflated by other jobs; compare the cpu column.")
    if args.mcmc:
        print("\nMCMC over decomposable graphs (defaults: 4 chains x (1,000 + 5,000) iterations,"
              " 4-rung tempering ladder, automatic grid)")
        for name in ("hare", "UKdat", "NewOrl"):
            data = _table(name)
            t0, c0 = time.perf_counter(), time.process_time()
            mc = bma_posterior_mcmc(data, random_state=1)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            lo, hi = mc.interval()
            print(f"{name:<8} k={data[0].shape[1]} M={mc.grid_max:>7} median {mc.median():>7} "
                  f"[{lo} - {hi}]  se(mean) {mc.diagnostics['mcmc_se_mean']:.1f}  "
                  f"{mc.diagnostics['mcmc_distinct_graphs']} graphs  {dt:.1f} s wall, "
                  f"{dc:.1f} s cpu")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
