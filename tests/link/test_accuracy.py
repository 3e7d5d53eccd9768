"""Accuracy on the project's generator (cross-script names, case forms, diminutives).

The figures asserted are the ones measured (seed 4, 3,000 records, 2026-11-25; remeasured
2026-12-06 after the capped blocking, the date-narrowed EM sessions and the support rule of
the clustering), with a small margin; docs/benchmarks-link.md has them at larger sizes, where namesakes make linkage harder.
"""

from __future__ import annotations

import pandas as pd
import pytest

from uncounted.link import link_records
from uncounted.simulate import generate_records


def _records(noise: float) -> tuple[pd.DataFrame, pd.Series]:
    r = generate_records(3000, seed=4, noise=noise)
    r.insert(0, "record_uid", range(1, len(r) + 1))
    return r.drop(columns="person_id"), r.set_index("record_uid")["person_id"]


def test_cross_script_lists_link_with_f1_above_097() -> None:
    # noise=0: every record in its source's script, case form and name style, complete
    recs, truth = _records(0.0)
    acc = link_records(recs).accuracy(truth)
    # measured: pairwise F1 0.980, B-cubed F1 0.990 (2026-12-06: 0.983, 0.991)
    assert acc.pairwise_f1 >= 0.97, acc
    assert acc.bcubed_f1 >= 0.97, acc


@pytest.mark.slow
def test_damaged_lists_and_plain_baseline() -> None:
    # noise=1: also missing given names, initials, surname-only records, typos, missing dates
    recs, truth = _records(1.0)
    keyed = link_records(recs).accuracy(truth)
    plain = link_records(recs, keyed=False).accuracy(truth)
    # measured: keyed pairwise F1 0.928, B-cubed 0.959; plain 0.216, 0.660
    # (2026-12-06: keyed 0.929, 0.959; plain 0.215, 0.660; with the blocking rules for
    # initials-only, surname-only and misread family names: keyed 0.949, 0.970)
    assert keyed.pairwise_f1 >= 0.94 and keyed.bcubed_f1 >= 0.96, keyed
    assert plain.pairwise_f1 < 0.5 and plain.bcubed_f1 < 0.8, plain


@pytest.mark.slow
def test_full_name_frequency_calibrates_the_match_probabilities() -> None:
    """With the full-name frequency term, pairs scored 0.5-0.9 and 0.9-0.99 are true matches
    about as often as their probability says (20,000 damaged records, seed 1, measured
    2026-12-06: 0.694 true at mean 0.719, 0.943 at 0.959).  Without it namesakes of common
    full names were overrated: 0.514 at 0.709 and 0.865 at 0.959 (docs/linkage.md)."""
    from uncounted.link import LinkSettings

    r = generate_records(20_000, seed=1, noise=1.0)
    r.insert(0, "record_uid", range(len(r)))
    res = link_records(r.drop(columns="person_id"),
                       settings=LinkSettings(joint_name_frequency=True))
    pid = r["person_id"].to_numpy()
    p = res.pairs["match_probability"].to_numpy()
    true = pid[res.pairs["record_uid_l"].to_numpy()] == pid[res.pairs["record_uid_r"].to_numpy()]
    for lo, hi in ((0.5, 0.9), (0.9, 0.99)):
        m = (p >= lo) & (p < hi)
        assert m.sum() > 1000
        assert abs(true[m].mean() - p[m].mean()) < 0.06, (lo, hi, true[m].mean(), p[m].mean())
    acc = res.accuracy(pd.Series(pid, index=r["record_uid"]))
    assert acc.pairwise_f1 >= 0.84, acc  # measured 0.855 (0.836 without the term)
