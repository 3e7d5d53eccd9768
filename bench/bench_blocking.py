"""What each blocking rule costs and earns, on the project's generator (issue 4).

Usage::

    python bench/bench_blocking.py [--n 200000] [--cap 300] [--seed 1] [--noise 1.0]

Prints, per rule of :data:`uncounted.link.blocking.BLOCK_RULES` after the size caps: the
candidate pairs it makes, and the true pairs (same generator ``person_id``) that it alone puts
up for scoring; then the sum of candidate pairs and the share of all true pairs that some rule
blocks.  Nothing is linked or scored: this is the input to choosing rules and caps.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from uncounted.link.blocking import BLOCK_RULES, add_block_keys
from uncounted.link.prepare import prepare_records
from uncounted.simulate import generate_records


def true_pairs(person: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of every pair of records of one person."""
    order = np.argsort(person, kind="stable")
    sp = person[order]
    starts = np.flatnonzero(np.r_[True, sp[1:] != sp[:-1]])
    ends = np.r_[starts[1:], len(sp)]
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for s, e in zip(starts, ends, strict=True):
        if e - s < 2:
            continue
        idx = order[s:e]
        a, b = np.triu_indices(len(idx), k=1)
        left.append(idx[a])
        right.append(idx[b])
    if not left:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(left), np.concatenate(right)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--cap", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise", type=float, default=1.0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    recs = generate_records(args.n, seed=args.seed, noise=args.noise)
    recs.insert(0, "record_uid", range(1, len(recs) + 1))
    person = recs["person_id"].to_numpy()
    table = add_block_keys(prepare_records(recs.drop(columns=["person_id"])), cap=args.cap)
    left, right = true_pairs(person)
    print(f"# {args.n:,} records, {len(np.unique(person)):,} people, {len(left):,} true pairs; "
          f"cap {args.cap}; prepared in {time.perf_counter() - t0:.1f} s")
    hit = np.zeros((len(left), len(BLOCK_RULES)), dtype=bool)
    made = []
    for i in range(len(BLOCK_RULES)):
        key = table[f"blk_{i}"]
        sizes = pd.Series(key.dropna().to_numpy(np.int64)).value_counts().to_numpy()
        made.append(int((sizes * (sizes - 1) // 2).sum()))
        k = key.to_numpy(dtype="float64", na_value=np.nan)
        hit[:, i] = (k[left] == k[right]) & ~np.isnan(k[left])
    print(f"{'rule':44s} {'candidate pairs':>16s} {'true pairs only it blocks':>26s}")
    for i, rule in enumerate(BLOCK_RULES):
        others = np.delete(hit, i, axis=1).any(axis=1)
        only = int((hit[:, i] & ~others).sum())
        print(f"{' + '.join(rule):44s} {made[i]:>16,} {only:>26,}")
    blocked = hit.any(axis=1).mean() if len(left) else 1.0
    print(f"sum of candidate pairs {sum(made):,}; true pairs blocked by some rule {blocked:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
