"""The demo's own five lists linked with the name keys and with raw strings (issue 3).

Usage: python bench/bench_demo_lists.py [--seed 2022] [--people 4000]

Generates the Gomel case, ingests the five lists through their mappings (quarantine and all),
links the accepted records once with the name keys and once with Splink on the raw lower-cased
name strings (same comparisons and blocking structure), and prints pairwise and B-cubed
precision / recall / F1 against the generator's truth, and the ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from uncounted.link import link_records
from uncounted.link.persist import load_records
from uncounted.project import Project
from uncounted.simulate import generate_case


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--people", type=int, default=4000)
    a = ap.parse_args()
    case = generate_case(seed=a.seed, n_people=a.people)
    with tempfile.TemporaryDirectory() as tmp:
        proj = Project.init(Path(tmp) / "p")
        files = case.write(Path(tmp) / "lists")
        for name, path in files.items():
            proj.ingest(path, source=name, mapping=Path(tmp) / "lists" / "mappings" / f"{name}.toml")
        recs = load_records(proj.store)
        proj.close()
    truth = case.truth.astype({"record_id": str})
    key = recs[["record_uid", "source", "record_id"]].astype({"record_id": str}).merge(
        truth, on=["source", "record_id"], how="left")
    person = pd.Series(key["person_id"].to_numpy(), index=key["record_uid"].to_numpy())
    print(f"# demo lists: seed {a.seed}, {a.people} people, {len(recs)} accepted records, "
          f"{person.nunique()} true persons on the lists")
    out = {}
    for label, keyed in (("name keys", True), ("raw strings", False)):
        t0 = time.perf_counter()
        res = link_records(recs, keyed=keyed)
        acc = res.accuracy(person)
        out[label] = acc
        print(f"{label:12s} {time.perf_counter() - t0:6.1f} s  clusters {res.clusters['cluster_id'].nunique():5d}  "
              f"pairwise P {acc.pairwise_precision:.3f} R {acc.pairwise_recall:.3f} F1 {acc.pairwise_f1:.3f}  "
              f"B-cubed P {acc.bcubed_precision:.3f} R {acc.bcubed_recall:.3f} F1 {acc.bcubed_f1:.3f}")
    k, r = out["name keys"], out["raw strings"]
    print(f"keys / raw: pairwise F1 {k.pairwise_f1 / max(r.pairwise_f1, 1e-9):.2f}x, "
          f"B-cubed F1 {k.bcubed_f1 / max(r.bcubed_f1, 1e-9):.2f}x")


if __name__ == "__main__":
    main()
