"""Simulation study of the default analysis and its verdict (issue 9).

Usage: python bench/sim_verdict.py [--reps 100] [--scenarios heterogeneous,hidden_group,...]

Prints, per scenario: headline 95% coverage, share of verdicts that are not "robust", relative
bias, and each method's coverage and bias. Record the output in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import platform
import time

from uncounted.simulate.study import STUDY_LCMCR, run_study


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--N", type=int, default=2000)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--scenarios", default="heterogeneous,hidden_group,independent,dependent")
    a = ap.parse_args()
    print(f"# verdict simulation study: {a.reps} replicates, N={a.N}, k={a.k}, LCMCR {STUDY_LCMCR}")
    print(f"# {platform.platform()} python {platform.python_version()}")
    for sc in a.scenarios.split(","):
        t0 = time.perf_counter()
        s = run_study(sc, a.reps, N=a.N, k=a.k)
        dt = time.perf_counter() - t0
        print(f"\n## {sc}: headline coverage {s.coverage:.3f}, not robust {s.not_robust:.3f}, "
              f"not estimable {s.not_estimable:.3f}, headline bias {s.bias:+.3f} ({dt:.0f} s)")
        print(s.per_method.round(3).to_string())
        reasons = s.rows["reasons"].str.split(r" \| ").explode()
        reasons = reasons[reasons.str.len() > 0].str.extract(r"^([^(:]{0,50})")[0].value_counts().head(6)
        print("most common verdict reasons:")
        print(reasons.to_string())


if __name__ == "__main__":
    main()
