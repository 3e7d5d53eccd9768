"""Accuracy measures, capture histories, labels."""

from __future__ import annotations

import pandas as pd
import pytest

from uncounted.exceptions import InputError
from uncounted.link.evaluate import capture_histories, cluster_accuracy, label_pairs


def test_perfect_and_known_pairwise_and_bcubed() -> None:
    a = cluster_accuracy([0, 0, 1, 1, 2], [5, 5, 6, 6, 7])
    assert a.pairwise_f1 == 1.0 and a.bcubed_f1 == 1.0
    # predicted merges two true people of sizes 2 and 1
    a = cluster_accuracy([0, 0, 0], [1, 1, 2])
    assert a.pairwise_precision == pytest.approx(1 / 3)
    assert a.pairwise_recall == 1.0
    # B-cubed precision: records 1,2 -> 2/3 each, record 3 -> 1/3
    assert a.bcubed_precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3)
    assert a.bcubed_recall == 1.0
    with pytest.raises(InputError):
        cluster_accuracy([0, 1], [0])


def test_capture_histories_count_people_not_records() -> None:
    h = capture_histories(["A", "A", "B", "B", "C"], [1, 1, 1, 2, 3], ["A", "B", "C"])
    h = h.set_index(["A", "B", "C"])["count"]
    assert h.loc[(1, 1, 0)] == 1 and h.loc[(0, 1, 0)] == 1 and h.loc[(0, 0, 1)] == 1
    assert h.sum() == 3


def test_label_pairs_latest_wins_and_order_is_normalised() -> None:
    lab = pd.DataFrame({
        "record_uid_l": [5, 1, 2], "record_uid_r": [1, 5, 3],
        "decision": ["match", "non_match", "unsure"],
        "decided_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01"]),
    })
    m, nm = label_pairs(lab)
    assert len(m) == 0
    assert nm.to_dict("records") == [{"record_uid_l": 1, "record_uid_r": 5}]
    with pytest.raises(InputError, match="decisions"):
        label_pairs(lab.assign(decision="yes"))


def test_expected_accuracy_is_the_models_own_precision_and_recall() -> None:
    import numpy as np

    from uncounted.link.evaluate import expected_accuracy

    p = np.array([0.9, 0.5, 0.1])
    prec, rec, f1 = expected_accuracy(p, 0.5)
    assert prec == pytest.approx(0.7) and rec == pytest.approx(1.4 / 1.5)
    assert f1 == pytest.approx(2 * 0.7 * (1.4 / 1.5) / (0.7 + 1.4 / 1.5))
    nothing = expected_accuracy(p, 0.95)
    assert np.isnan(nothing[0]) and nothing[1] == 0.0 and np.isnan(nothing[2])
