"""Accuracy on the project's generator (cross-script names, case forms, diminutives).

The figures asserted are the ones measured (seed 4, 3,000 records, 2026-11-25; remeasured
2026-12-06 after the capped blocking, the date-narrowed EM sessions and the support rule of
the clustering), with a small margin; docs/benchmarks-link.md has them at larger sizes, where namesakes make linkage harder.
"""

from __future__ import annotations

import pandas as pd
import pytest

from uncounted.link import LinkSettings, link_records
from uncounted.simulate import DATE_LAGS, generate_records

#: The generator's lists described as a user describes theirs: the X-ray register dates
#: admissions, 0-2 days after the wounding (``uncounted.simulate.DATE_LAGS``).
DESCRIBED = LinkSettings(date_lags=tuple(sorted(DATE_LAGS.items())))


def _records(noise: float, seed: int = 4) -> tuple[pd.DataFrame, pd.Series]:
    r = generate_records(3000, seed=seed, noise=noise)
    r.insert(0, "record_uid", range(1, len(r) + 1))
    return r.drop(columns="person_id"), r.set_index("record_uid")["person_id"]


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_cross_script_lists_link_with_f1_above_097(seed: int) -> None:
    # noise=0: every record in its source's script, case form and name style, complete
    recs, truth = _records(0.0, seed)
    acc = link_records(recs, settings=DESCRIBED).accuracy(truth)
    # measured, seed 4: pairwise F1 0.980, B-cubed F1 0.990 (2026-12-06: 0.983, 0.991; late
    # evening, EM on rare names and the full-name term: 0.9815, 0.9899; default threshold
    # 0.3: 0.9826, 0.9905).  Late night, with the "alive, then dead within 14 days" event
    # level and four more diminutives, seeds 4 / 5 / 6: 0.9842 / 0.9787 / 0.9848, B-cubed
    # 0.9913 / 0.9890 / 0.9926 (seed 5 was 0.966 with the 60-day level).  2026-12-07, with the
    # town-stem place level and the X-ray list's admission dates described: 0.9873 / 0.9844 /
    # 0.9850, B-cubed 0.9925 / 0.9920 / 0.9927; with the follow-up level 0.9878 / 0.9834 /
    # 0.9876, B-cubed 0.9932 / 0.9920 / 0.9938; later that morning (learned unit names,
    # possible days of birth, the same day with one record dead) 0.9907 / 0.9890 / 0.9903,
    # B-cubed 0.9949 / 0.9939 / 0.9950
    assert acc.pairwise_f1 >= 0.97, acc
    assert acc.bcubed_f1 >= 0.97, acc


@pytest.mark.slow
def test_every_em_session_trains_on_damaged_lists(caplog: pytest.LogCaptureFixture) -> None:
    """Seed 3 lost its third EM session to Splink 5's refusal of an m of 0 (and 20,000
    records of seed 5 their second, which left an initial against a full given name at -6.4
    bits and pairwise F1 at 0.908); with EM updates clamped, every session trains.  Measured
    2026-12-07: pairwise F1 0.9681 -> 0.9693 here, 0.908 -> 0.927 at 20,000 records seed 5."""
    import logging

    recs, truth = _records(1.0, seed=3)
    with caplog.at_level(logging.WARNING, logger="uncounted.link.model"):
        res = link_records(recs, settings=DESCRIBED)
    assert not [r for r in caplog.records if "skipped" in r.getMessage()]
    given = next(c for c in res.model_json["comparisons"] if c["output_column_name"] == "given")
    weight = {lv.get("label_for_charts"): lv["m_probability"] / lv["u_probability"]
              for lv in given["comparison_levels"] if "m_probability" in lv}
    assert weight["initials only, same given initial"] > 2.0, weight
    acc = res.accuracy(truth)
    assert acc.pairwise_f1 >= 0.965 and acc.bcubed_f1 >= 0.98, acc


@pytest.mark.slow
def test_damaged_lists_reach_097_on_average_over_seeds() -> None:
    """Damaged lists (noise=1) vary by +-0.005 pairwise F1 from seed to seed at 3,000
    records, so one seed says little about the acceptance figure.  Measured 2026-12-07 (with
    the given name + family initial blocking rule), seeds 1 / 2 / 3 / 5 / 6: pairwise
    0.9735 / 0.9709 / 0.9709 / 0.9734 / 0.9744, B-cubed 0.9867 / 0.9856 / 0.9846 / 0.9862 /
    0.9859; over seeds 1-20 the mean is 0.9733 and 17 of 20 are >= 0.97 (lowest 0.9661,
    docs/linkage.md)."""
    accs = []
    for seed in (1, 2, 3, 5, 6):
        recs, truth = _records(1.0, seed)
        accs.append(link_records(recs, settings=DESCRIBED).accuracy(truth))
    pairwise = [a.pairwise_f1 for a in accs]
    assert sum(pairwise) / len(pairwise) >= 0.97, pairwise
    assert min(pairwise) >= 0.96, pairwise
    assert min(a.bcubed_f1 for a in accs) >= 0.98, accs


@pytest.mark.slow
def test_damaged_lists_and_plain_baseline() -> None:
    # noise=1: also missing given names, initials, surname-only records, typos, missing dates
    recs, truth = _records(1.0)
    keyed = link_records(recs, settings=DESCRIBED).accuracy(truth)
    plain = link_records(recs, settings=DESCRIBED, keyed=False).accuracy(truth)
    # measured: keyed pairwise F1 0.928, B-cubed 0.959; plain 0.216, 0.660
    # (2026-12-06: keyed 0.929, 0.959; plain 0.215, 0.660; with the blocking rules for
    # initials-only, surname-only and misread family names: keyed 0.949, 0.970; with EM on
    # rare names and the full-name term: keyed 0.9435, 0.9686; plain 0.248, 0.670; default
    # threshold 0.3: keyed 0.9511, 0.9734; plain 0.267, 0.676; with the 14-day "alive, then
    # dead" level and initials told from different names: keyed 0.9510, 0.9749; plain 0.266,
    # 0.676; 2026-12-07, the town-stem place level and the X-ray list's admission dates
    # described: keyed 0.9590, 0.9786; with the follow-up level 0.9613, 0.9798; later that
    # morning, with surname-only blocking, learned unit names, possible days of birth and the
    # same day with one record dead: keyed 0.9714, 0.9851; plain 0.266, 0.678; that afternoon,
    # with undated and rounded ages, the list comparison, the EM clamp and the given name +
    # family initial rule: keyed 0.9792, 0.9889; plain 0.318, 0.693)
    assert keyed.pairwise_f1 >= 0.965 and keyed.bcubed_f1 >= 0.98, keyed
    assert plain.pairwise_f1 < 0.5 and plain.bcubed_f1 < 0.8, plain


@pytest.mark.slow
def test_full_name_frequency_calibrates_the_match_probabilities() -> None:
    """With the defaults (EM on rare names, full-name frequency term), pairs scored 0.5-0.9
    and 0.9-0.99 are true matches about as often as their probability says (20,000 damaged
    records, seed 1, measured 2026-12-06: 0.736 true at mean 0.723, 0.949 at 0.959).  Without
    the term namesakes of common full names were overrated: 0.599 at 0.713 and 0.885 at
    0.959 (docs/linkage.md)."""
    r = generate_records(20_000, seed=1, noise=1.0)
    r.insert(0, "record_uid", range(len(r)))
    res = link_records(r.drop(columns="person_id"))
    pid = r["person_id"].to_numpy()
    p = res.pairs["match_probability"].to_numpy()
    true = pid[res.pairs["record_uid_l"].to_numpy()] == pid[res.pairs["record_uid_r"].to_numpy()]
    for lo, hi in ((0.5, 0.9), (0.9, 0.99)):
        m = (p >= lo) & (p < hi)
        assert m.sum() > 1000
        assert abs(true[m].mean() - p[m].mean()) < 0.06, (lo, hi, true[m].mean(), p[m].mean())
    acc = res.accuracy(pd.Series(pid, index=r["record_uid"]))
    # measured 0.862 at 0.5 (0.837 with neither change), 0.868 at the default 0.3 (0.871 with
    # the 14-day "alive, then dead" level; bins 0.734 true at mean 0.722, 0.949 at 0.959;
    # 0.878 with initials told from different names: 0.727 at 0.727, 0.946 at 0.959)
    assert acc.pairwise_f1 >= 0.85, acc
    # missed links invent people, who inflate the count: at the default threshold 0.3 the
    # persons found exceed the true number by 5.4% (measured 2026-12-06), at 0.5 by 11.2%
    # (late night, with the 14-day level: 4.9% and 10.8%; with the initials levels: 3.5%
    # and 8.7%; 2026-12-07 with the unit, birth-day and same-day-death levels: 3.4% and 7.6%,
    # pairwise F1 0.907 and 0.904; bins 0.752 true at mean 0.729, 0.957 at 0.959)
    over = acc.n_pred_clusters / acc.n_true_clusters - 1
    assert over < 0.06, acc
    at_half = res.accuracy(pd.Series(pid, index=r["record_uid"]), threshold=0.5)
    # the reason for the default: at 0.5 the same model invents twice as many people
    assert at_half.n_pred_clusters / at_half.n_true_clusters - 1 > 1.5 * over, at_half


@pytest.mark.slow
def test_em_on_rare_names_learns_what_a_person_not_a_name_looks_like() -> None:
    """On 20,000 records a block of one common full name is mostly namesakes; EM trained on
    every name learnt that an event more than 30 days apart or a conflicting patronymic
    matters little (measured 2026-12-06, seed 1, damaged: -3.6 and -8.1 bits; at 200,000
    records -0.4 and -0.9).  On rare names only: -6.1 and -13.2 (at 200,000: -7.0, -9.8).
    Since units written as a number and as a name are one level (2026-12-07), the unit tells
    namesakes apart in the every-name blocks too, and EM on every name learns the patronymic
    as well (-13.2) and the event half as well (-5.6 bits against -7.9 on rare names)."""
    import math
    from dataclasses import replace

    r = generate_records(20_000, seed=1, noise=1.0)
    r.insert(0, "record_uid", range(len(r)))
    recs = r.drop(columns="person_id")

    def else_bits(settings: LinkSettings) -> dict[str, float]:
        model = link_records(recs, settings=settings).model_json
        out = {}
        for comp in model["comparisons"]:
            if comp["output_column_name"] in ("event", "patronymic"):
                last = comp["comparison_levels"][-1]  # the 'else' level
                out[comp["output_column_name"]] = math.log2(
                    last["m_probability"] / last["u_probability"])
        return out

    rare = else_bits(LinkSettings())
    every = else_bits(replace(LinkSettings(), em_rare_name=None, em_rare_family=None))
    assert rare["event"] < -7 and rare["event"] < every["event"] - 1.5, (rare, every)
    assert rare["patronymic"] < -11, (rare, every)
