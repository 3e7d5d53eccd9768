"""End-to-end linkage benchmark on the project's generator (issue 4).

Usage::

    python bench/bench_link.py [--n 1000000] [--seed 1] [--noise 1.0] [--no-baseline]

Prints, for the keyed model (name keys from ``uncounted.names``) and then for a plain Splink
model on the raw lower-cased name strings with the same comparison and blocking structure:
wall time per step (normalise, train, predict, cluster), peak resident memory, and pairwise and
B-cubed precision/recall/F1 against the generator's ``person_id`` at the default threshold
(and the best F1 over the candidate thresholds), then the keyed/plain ratios.  Last, what the
linkage does to the count: people found against the truth, and the log-linear estimate (model
chosen by AIC) and Chao's lower bound from the linked capture histories against the same
estimators on the true ones (perfect linkage), so the linkage's share of an estimate's error
is printed beside the accuracy figures.

Peak memory is the process's maximum resident set size (``ru_maxrss``), so it includes the
generated records and, for the baseline, everything before it.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd

from uncounted.estimate import CaptureHistories, ChaoLowerBound, LogLinear
from uncounted.link import LinkSettings, link_records
from uncounted.simulate import DATE_LAGS, generate_records


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def estimates(sources: pd.Series, person: pd.Series) -> tuple[float, float]:
    """Log-linear (AIC) and Chao lower-bound estimates from one person id per record."""
    h = CaptureHistories.from_records(pd.DataFrame({"source": sources.to_numpy(),
                                                    "cluster_id": person.to_numpy()}))
    return (float(LogLinear(criterion="aic", interval="wald").fit(h).estimate_),
            float(ChaoLowerBound().fit(h).estimate_))


def run(records, truth, label: str, keyed: bool, settings: LinkSettings,
        true_estimates: tuple[float, float]) -> dict:
    t0 = time.perf_counter()

    def progress(stage: str, frac: float) -> None:
        print(f"  [{time.perf_counter() - t0:7.1f} s] {stage}  (peak RSS {peak_mb():.0f} MB)",
              flush=True)

    res = link_records(records, settings=settings, keyed=keyed, progress=progress)
    wall = time.perf_counter() - t0
    acc = res.accuracy(truth)
    best = max(((t, res.accuracy(truth, t)) for t in settings.all_thresholds),
               key=lambda x: x[1].pairwise_f1)
    tm = res.timings
    print(f"\n== {label} ==")
    print(f"wall {wall:8.1f} s  (normalise {tm['normalise']:.1f}, train {tm['train']:.1f}, "
          f"predict {tm['predict']:.1f}, cluster {tm['cluster']:.1f})")
    print(f"peak RSS so far {peak_mb():8.0f} MB")
    print(f"scored pairs {len(res.pairs):,}; clusters {acc.n_pred_clusters:,} "
          f"(true people {acc.n_true_clusters:,}); prior "
          f"{res.model_json['probability_two_random_records_match']:.3g}")
    print(f"threshold {settings.threshold}: pairwise P {acc.pairwise_precision:.4f} "
          f"R {acc.pairwise_recall:.4f} F1 {acc.pairwise_f1:.4f} | B-cubed P "
          f"{acc.bcubed_precision:.4f} R {acc.bcubed_recall:.4f} F1 {acc.bcubed_f1:.4f}")
    b = best[1]
    print(f"best pairwise F1 over thresholds: {b.pairwise_f1:.4f} at {best[0]} "
          f"(B-cubed F1 {b.bcubed_f1:.4f})")
    print(res.threshold_table[["threshold", "n_pairs", "expected_precision", "expected_recall",
                               "n_clusters", "n_flagged"]].to_string(index=False))
    cl = res.clusters.set_index("record_uid")["cluster_id"]
    sources = records.set_index("record_uid")["source"]
    ll, chao = estimates(sources.loc[cl.index], cl)
    ll0, chao0 = true_estimates
    print(f"the count: people found {acc.n_pred_clusters:,} against {acc.n_true_clusters:,} "
          f"({100 * (acc.n_pred_clusters / acc.n_true_clusters - 1):+.1f}%); log-linear (AIC) "
          f"{ll:,.0f} against {ll0:,.0f} from the true histories ({100 * (ll / ll0 - 1):+.1f}%); "
          f"Chao lower bound {chao:,.0f} against {chao0:,.0f} ({100 * (chao / chao0 - 1):+.1f}%)")
    return {"wall": wall, "acc": acc, "peak": peak_mb()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise", type=float, default=1.0)
    ap.add_argument("--threshold", type=float, default=LinkSettings().threshold)
    ap.add_argument("--floor", type=float, default=LinkSettings().floor)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-date-lags", action="store_true",
                    help="do not tell the model that the X-ray list dates admissions")
    ap.add_argument("--joint-names", action=argparse.BooleanOptionalAction, default=None,
                    help="full-name frequency term (LinkSettings.joint_name_frequency; default: "
                         "the setting's default, on)")
    ap.add_argument("--all-names-em", action="store_true",
                    help="EM name sessions on every name, not only rare ones "
                         "(LinkSettings.em_rare_name/em_rare_family = None; the old training)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"# bench_link  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  n={args.n:,} seed={args.seed} "
          f"noise={args.noise}")
    print(f"# {platform.platform()}; python {platform.python_version()}; "
          f"{os.cpu_count()} cpus visible")
    t0 = time.perf_counter()
    recs = generate_records(args.n, seed=args.seed, noise=args.noise)
    recs.insert(0, "record_uid", range(1, len(recs) + 1))
    truth = recs.set_index("record_uid")["person_id"]
    recs = recs.drop(columns=["person_id"])
    print(f"generated {len(recs):,} records of {truth.nunique():,} people in "
          f"{time.perf_counter() - t0:.1f} s")
    # the generator's lists, described as a user would describe theirs: the X-ray register
    # dates admissions, 0-2 days after the wounding (uncounted.simulate.DATE_LAGS)
    lags = () if args.no_date_lags else tuple(sorted(DATE_LAGS.items()))
    settings = LinkSettings(threshold=args.threshold, floor=args.floor, date_lags=lags)
    if args.joint_names is not None:
        settings = replace(settings, joint_name_frequency=args.joint_names)
    if args.all_names_em:
        settings = replace(settings, em_rare_name=None, em_rare_family=None)
    print(f"# joint_name_frequency={settings.joint_name_frequency} "
          f"em_rare_name={settings.em_rare_name} em_rare_family={settings.em_rare_family} "
          f"date_lags={dict(settings.date_lags)}")
    true_est = estimates(recs.set_index("record_uid")["source"].loc[truth.index], truth)
    k = run(recs, truth, "keyed model (uncounted.names keys)", True, settings, true_est)
    if not args.no_baseline:
        p = run(recs, truth, "plain Splink (raw name strings, same blocking)", False, settings,
                true_est)
        print("\n== keyed / plain ==")
        print(f"pairwise F1 {k['acc'].pairwise_f1 / max(p['acc'].pairwise_f1, 1e-9):.3f}x; "
              f"B-cubed F1 {k['acc'].bcubed_f1 / max(p['acc'].bcubed_f1, 1e-9):.3f}x; "
              f"wall {k['wall'] / max(p['wall'], 1e-9):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
