"""End-to-end linkage with Splink on toy records (name keys from the local stand-in)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from tests.link.standin import name_keys_standin
from uncounted.exceptions import InputError
from uncounted.link import LinkSettings, link_records


def test_links_toy_lists_accurately(toy: pd.DataFrame, toy_result) -> None:
    r = toy_result
    truth = toy.set_index("record_uid")["person_id"]
    acc = r.accuracy(truth)
    # toy data: typos in 10% of family names, diminutives, missing dates; measured ~0.98
    assert acc.pairwise_f1 >= 0.95, acc
    assert acc.bcubed_f1 >= 0.95, acc
    assert set(r.clusters.columns) == {"record_uid", "cluster_id", "flagged"}
    assert len(r.clusters) == len(toy)
    assert (r.pairs["record_uid_l"] < r.pairs["record_uid_r"]).all()
    assert r.pairs["match_probability"].min() >= r.settings.floor


def test_threshold_table_and_histories(toy_result) -> None:
    r = toy_result
    tt = r.threshold_table
    assert tt["threshold"].tolist() == sorted(r.settings.all_thresholds, reverse=True)
    # more clusters at stricter thresholds; expected recall grows as the threshold falls
    # (rows run from the strictest threshold down)
    assert tt["n_clusters"].is_monotonic_decreasing
    assert tt["expected_recall"].is_monotonic_increasing
    assert ((tt["expected_precision"] >= tt["threshold"]) | tt["expected_precision"].isna()).all()
    for t in (0.5, 0.9, 0.99):
        h = r.histories_at(t)
        assert list(h.columns) == [*r.lists, "count"]
        assert h["count"].sum() == r.clusters_at(t)["cluster_id"].nunique()
        assert (h[r.lists].sum(axis=1) > 0).all()
    with pytest.raises(InputError):
        r.histories_at(1.5)


def test_labels_force_merges_and_cuts(toy: pd.DataFrame, toy_result, fast_settings) -> None:
    r = toy_result
    c = r.clusters.set_index("record_uid")["cluster_id"]
    # a linked pair to cut, and two records in different clusters to join
    strong = r.pairs.sort_values("match_probability", ascending=False).iloc[0]
    a, b = int(strong.record_uid_l), int(strong.record_uid_r)
    assert c[a] == c[b]
    uids = c.index.to_numpy()
    x = int(uids[0])
    y = int(next(u for u in uids if c[u] != c[x]))
    labels = pd.DataFrame({"record_uid_l": [a, x], "record_uid_r": [b, y],
                           "decision": ["non_match", "match"]})
    r2 = link_records(toy, settings=fast_settings, labels=labels, name_keys=name_keys_standin,
                      model_json=r.model_json)
    c2 = r2.clusters.set_index("record_uid")["cluster_id"]
    assert c2[a] != c2[b]
    assert c2[x] == c2[y]
    assert r2.model_reused
    tt = r2.threshold_table
    assert (tt["n_labelled"] == 2).all()
    # the model says match for (a, b) and not for (x, y): measured precision 0 at every threshold
    assert (tt["measured_precision"].fillna(0) == 0).all()


def test_reusing_the_model_reproduces_the_clusters(toy: pd.DataFrame, toy_result, fast_settings) -> None:
    r2 = link_records(toy, settings=fast_settings, name_keys=name_keys_standin,
                      model_json=toy_result.model_json)
    assert r2.model_reused and not toy_result.model_reused
    m = toy_result.clusters.merge(r2.clusters, on="record_uid")
    assert (m["cluster_id_x"] == m["cluster_id_y"]).all()


def test_training_is_reproducible(toy: pd.DataFrame, fast_settings) -> None:
    small = toy[toy["person_id"] < 80]
    a = link_records(small, settings=fast_settings, name_keys=name_keys_standin)
    b = link_records(small, settings=fast_settings, name_keys=name_keys_standin)
    pa = a.pairs.set_index(["record_uid_l", "record_uid_r"])["match_probability"]
    pb = b.pairs.set_index(["record_uid_l", "record_uid_r"])["match_probability"]
    assert pa.index.equals(pb.index)
    assert np.allclose(pa.to_numpy(), pb.to_numpy(), atol=1e-9)


def test_plain_baseline_runs_and_is_worse_on_diminutives(toy: pd.DataFrame, toy_result, fast_settings) -> None:
    plain = link_records(toy, settings=fast_settings, keyed=False)
    truth = toy.set_index("record_uid")["person_id"]
    assert plain.accuracy(truth).pairwise_recall < toy_result.accuracy(truth).pairwise_recall


def test_invalid_settings_are_reported_together() -> None:
    with pytest.raises(InputError) as e:
        LinkSettings(threshold=2.0, floor=0.0, max_iterations=0).validate()
    msg = str(e.value)
    assert "'threshold'" in msg and "'floor'" in msg and "'max_iterations'" in msg


def test_unknown_engine(toy: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="engine"):
        link_records(toy, engine="oracle", name_keys=name_keys_standin)  # type: ignore[arg-type]


def test_accepts_a_duckdb_relation_and_reports_progress(toy: pd.DataFrame, toy_result,
                                                        fast_settings) -> None:
    import duckdb

    con = duckdb.connect()
    con.register("toy", toy.drop(columns=["person_id"]))
    stages: list[str] = []
    r = link_records(con.sql("SELECT * FROM toy"), settings=fast_settings,
                     name_keys=name_keys_standin, model_json=toy_result.model_json,
                     progress=lambda stage, frac: stages.append(stage))
    assert stages[0] == "normalise" and stages[-1] == "done"
    m = r.clusters.merge(toy_result.clusters, on="record_uid")
    assert len(m) == len(toy) and (m["cluster_id_x"] == m["cluster_id_y"]).all()


def test_full_name_frequency_term_enters_exactly_the_same_name_pairs(
        toy: pd.DataFrame, toy_result, fast_settings) -> None:
    """With the model fixed (no prior re-estimate), switching the full-name term off changes
    the weight of a pair by exactly its term when both records have the same family and given
    keys, and leaves every other pair as it was; the term shows in ``mw_tf_adj_given``."""
    from dataclasses import replace

    from uncounted.link.prepare import joint_name_weight, prepare_records

    off = link_records(toy, settings=replace(fast_settings, joint_name_frequency=False),
                       name_keys=name_keys_standin, model_json=toy_result.model_json)
    on = link_records(toy, settings=replace(fast_settings, joint_name_frequency=True),
                      name_keys=name_keys_standin, model_json=toy_result.model_json)
    table = prepare_records(toy, name_keys=name_keys_standin)
    codes, adj = joint_name_weight(table)
    code = dict(zip(table["unique_id"], codes.astype("float64").to_numpy(), strict=True))
    term = dict(zip(table["unique_id"], adj, strict=True))
    m = on.pairs.merge(off.pairs, on=["record_uid_l", "record_uid_r"], suffixes=("_on", "_off"))
    assert len(m) > 0.9 * min(len(on.pairs), len(off.pairs))
    same = np.array([code[a] == code[b] for a, b in zip(m["record_uid_l"], m["record_uid_r"],
                                                         strict=True)])
    expect = np.where(same, [term[a] for a in m["record_uid_l"]], 0.0)
    assert same.sum() > 20 and np.abs(expect[same]).max() > 0.1
    assert np.allclose(m["match_weight_on"] - m["match_weight_off"], expect, atol=1e-9)
    assert np.allclose(m["mw_tf_adj_given_on"] - m["mw_tf_adj_given_off"], expect, atol=1e-5)


def test_name_sessions_of_em_train_on_rare_names_only() -> None:
    from uncounted.link.model import training_rules

    rules = training_rules(4, 10)
    assert len(rules) == 5
    assert rules[1] == "l.family_key = r.family_key AND l.event_start = r.event_start AND l.n_family <= 10"
    for r in rules[2:]:
        assert isinstance(r, str) and r.endswith("AND l.n_full_name <= 4")
        assert r.startswith("l.family_key = r.family_key AND l.given_key = r.given_key")
    # None: the plain rules on every name
    assert not any(isinstance(r, str) for r in training_rules(None, None))
    with pytest.raises(InputError, match="em_rare_name"):
        LinkSettings(em_rare_name=1).validate()
    with pytest.raises(InputError, match="em_rare_family"):
        LinkSettings(em_rare_family=2.5).validate()  # type: ignore[arg-type]
    assert LinkSettings(em_rare_name=None).model_fingerprint() != LinkSettings().model_fingerprint()


def _levels(comparison: str, columns: list[str], rows: Sequence[tuple[object, ...]]) -> list[str]:
    """The label of the level each hand-made pair falls in, evaluated by DuckDB on the
    comparison's own SQL (the first level that holds applies, as in Splink)."""
    import duckdb

    from uncounted.link.model import settings_creator

    spec = settings_creator().create_settings_dict("duckdb")
    comp = next(c for c in spec["comparisons"] if c["output_column_name"] == comparison)
    levels = [(lv.get("label_for_charts"), lv["sql_condition"]) for lv in comp["comparison_levels"]]
    case = " ".join(f"WHEN {sql} THEN {i}" for i, (_, sql) in enumerate(levels)
                    if sql.strip() != "ELSE") + f" ELSE {len(levels) - 1}"

    def lit(v: object) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return str(v).lower()
        return f"'{v}'" if isinstance(v, str) else str(v)

    values = ", ".join("(" + ", ".join(lit(v) for v in r) + ")" for r in rows)
    got = duckdb.connect().execute(
        f"SELECT CASE {case} END FROM (VALUES {values}) t({', '.join(columns)})").fetchall()
    return [str(levels[g[0]][0]) for g in got]


def test_an_age_that_misses_the_date_of_birth_is_not_the_same_year_of_birth() -> None:
    """"28 on 11 March 2022" and a birth on 20 September 1994 share the estimated year 1994 but
    no possible day of birth; against the year 1993 the age is consistent."""
    columns = ["birth_year_est_l", "birth_year_est_r", "birth_lo_l", "birth_hi_l", "birth_lo_r",
               "birth_hi_r", "birth_y_l", "birth_m_l", "birth_d_l", "birth_y_r", "birth_m_r",
               "birth_d_r"]
    age = (8471, 8835)  # 1993-03-12 .. 1994-03-11
    rows = [
        (1994, 1994, *age, 9028, 9028, None, None, None, 1994, 9, 20),  # 1994-09-20
        (1994, 1993, *age, 8401, 8765, None, None, None, 1993, None, None),  # the year 1993
        (1994, 1995, *age, 9131, 9495, None, None, None, 1995, None, None),  # 1995
    ]
    columns += ["age_lo_l", "age_hi_l", "age_lo_r", "age_hi_r", "age_round_l", "age_round_r"]
    rows = [(*r, None, None, None, None, False, False) for r in rows]
    assert _levels("birth", columns, rows) == [
        "same (estimated) year of birth", "possible days of birth overlap",
        "year of birth within 1 (age vs year)"]


def test_birth_levels_for_undated_and_rounded_ages() -> None:
    """An age with no date (age_lo / age_hi) is compared with the other record's days of
    birth: overlapping, within three years, or else (27 against 20 is two people).  An age
    that is a multiple of five may be rounded, so three years off is its own level; three
    years off an exact age is not."""
    columns = ["birth_year_est_l", "birth_year_est_r", "birth_lo_l", "birth_hi_l", "birth_lo_r",
               "birth_hi_r", "birth_y_l", "birth_m_l", "birth_d_l", "birth_y_r", "birth_m_r",
               "birth_d_r", "age_lo_l", "age_hi_l", "age_lo_r", "age_hi_r", "age_round_l",
               "age_round_r"]
    undated_27 = (8826, 9220)  # 1994-03-02 .. 1995-03-31
    rows = [
        # undated 27 against a full date of birth inside its range, 2 years off, 7 years off
        (None, 1994, None, None, 9028, 9028, None, None, None, 1994, 9, 20, *undated_27,
         None, None, False, False),
        (None, 1992, None, None, 8300, 8300, None, None, None, 1992, 9, 22, *undated_27,
         None, None, False, False),
        (None, 2001, None, None, 11300, 11300, None, None, None, 2000, 12, 11, *undated_27,
         None, None, False, False),
        # two undated ages: 27 and 28 overlap
        (None, None, None, None, None, None, None, None, None, None, None, None, *undated_27,
         8461, 8855, False, False),
        # an age of 25 (a multiple of five) three years off a year of birth, and an age of 24
        (1997, 1994, 9557, 9921, 8766, 9130, None, None, None, 1994, None, None, None, None,
         None, None, True, False),
        (1998, 1995, 9922, 10286, 9131, 9495, None, None, None, 1995, None, None, None, None,
         None, None, False, False),
        # nothing on one side
        (None, 1994, None, None, 9028, 9028, None, None, None, 1994, 9, 20, None, None, None,
         None, False, False),
    ]
    assert _levels("birth", columns, rows) == [
        "age without a date: possible days of birth overlap",
        "age without a date: within 3 years",
        "All other comparisons",
        "age without a date: possible days of birth overlap",
        "year of birth within 3, an age a multiple of 5 (rounded)",
        "year of birth within 3",
        "no date of birth or age on one side",
    ]


def test_the_list_comparison_tells_one_list_from_two() -> None:
    assert _levels("list", ["source_l", "source_r"], [("morgue", "morgue"), ("morgue", "ngo")]) == [
        "same list", "different lists"]


def test_event_levels_take_a_death_after_a_wound_within_two_weeks_only() -> None:
    """A death 1-14 days after a wound is its own level, ahead of "within 1 day" and "within
    3 days" (which EM learns from pairs of two live or two dead records, and which priced an
    X-ray the day before the death at -8.6 bits); later, earlier (the dead record dated
    before the wounded one) or both alive, the pair falls to the levels by distance."""
    # (start_l, dead_l, start_r, dead_r) -> expected label; days since 1970
    cases = [
        (100, False, 100, False, "event dates overlap"),
        (100, True, 100, True, "event dates overlap"),
        # the same day, one record dead: a death on the day of the wound, or two people
        (100, False, 100, True, "event dates overlap, one record dead"),
        (100, True, 100, False, "event dates overlap, one record dead"),
        (100, False, 101, False, "event within 1 day"),
        (100, False, 101, True, "alive, then dead within 14 days"),
        (100, True, 101, False, "event within 1 day"),  # dead the day before
        (100, False, 103, True, "alive, then dead within 14 days"),
        (100, True, 103, False, "event within 3 days"),
        (100, False, 109, True, "alive, then dead within 14 days"),
        (109, True, 100, False, "alive, then dead within 14 days"),
        (100, False, 114, True, "alive, then dead within 14 days"),
        (100, False, 120, True, "event within 30 days"),
        (109, False, 100, True, "event within 30 days"),  # dead before the wound
        (100, False, 109, False, "event within 30 days"),
        (100, True, 109, True, "event within 30 days"),
        (100, False, 140, True, "All other comparisons"),
    ]
    columns = ["event_start_l", "event_end_l", "dead_l", "event_start_r", "event_end_r",
               "dead_r", "event_y_l", "event_m_l", "event_d_l", "event_y_r", "event_m_r",
               "event_d_r", "event_lag_l", "event_lag_r"]
    rows = [(a, a, da, b, b, db, 2022, 3, 1, 2022, 3, 2, 0, 0) for a, da, b, db, _ in cases]
    assert _levels("event", columns, rows) == [c[4] for c in cases]


def test_a_hospital_date_one_or_two_days_after_the_wounding_is_its_own_level() -> None:
    """A list that dates admissions (event_lag 2) records the wounding 0-2 days late: 1-2 days
    after another list's record of the person alive is its own level, up to two weeks a
    second one (follow-ups); the same gap from a list without a lag, a hospital date *before*
    the other, or after a death record, is not."""
    cases = [  # (start_l, dead_l, lag_l, start_r, dead_r, lag_r) -> expected label
        (100, False, 0, 100, False, 2, "event dates overlap"),
        (100, False, 0, 101, False, 2, "hospital date after the event"),
        (100, False, 0, 102, False, 2, "hospital date after the event"),
        (102, False, 2, 100, False, 0, "hospital date after the event"),
        (100, False, 0, 103, False, 2, "event within 3 days"),
        (100, False, 0, 104, False, 2, "hospital date up to two weeks after"),
        (100, False, 0, 114, False, 2, "hospital date up to two weeks after"),
        (100, False, 0, 115, False, 2, "event within 30 days"),
        (100, False, 0, 104, False, 0, "event within 30 days"),  # a list without a lag
        (100, False, 0, 101, False, 0, "event within 1 day"),
        (101, False, 0, 100, False, 2, "event within 1 day"),  # hospital date before
        (100, True, 0, 101, False, 2, "event within 1 day"),  # after a death record
    ]
    columns = ["event_start_l", "event_end_l", "dead_l", "event_lag_l", "event_start_r",
               "event_end_r", "dead_r", "event_lag_r", "event_y_l", "event_m_l", "event_d_l",
               "event_y_r", "event_m_r", "event_d_r"]
    rows = [(a, a, da, la, b, b, db, lb, 2022, 3, 1, 2022, 3, 2)
            for a, da, la, b, db, lb, _ in cases]
    assert _levels("event", columns, rows) == [c[6] for c in cases]


def test_date_lags_reach_the_model_table_and_are_validated() -> None:
    from uncounted.link.prepare import prepare_records

    recs = pd.DataFrame({"record_uid": [1, 2, 3], "source": ["xray", "ngo", "xray"],
                         "record_id": ["1", "2", "3"], "name_raw": ["Иванов Иван"] * 3})
    table = prepare_records(recs, date_lags={"xray": 2})
    assert table["event_lag"].tolist() == [2, 0, 2]
    assert prepare_records(recs)["event_lag"].tolist() == [0, 0, 0]
    with pytest.raises(InputError, match="date_lags"):
        LinkSettings(date_lags=(("xray", -1),)).validate()
    with pytest.raises(InputError, match="date_lags"):
        LinkSettings(date_lags=(("xray", 2.5),)).validate()  # type: ignore[arg-type]
    ok = LinkSettings(date_lags=(("xray", 2),))
    assert ok.validate() is ok
    # the lags change what the model learns, so they are part of its fingerprint
    assert ok.model_fingerprint() != LinkSettings().model_fingerprint()


def test_given_levels_tell_an_initial_from_a_different_name() -> None:
    """An initial agreeing with a name is evidence for the pair; two different full names
    with the same initial are evidence against it, and get their own level."""
    cases = [  # (given_key, initials, given_init) left and right -> expected label
        (("vladimir", "vv", "v"), ("vladimir", "vv", "v"), "Exact match on given_key"),
        ((None, "vv", "v"), ("vladimir", "vv", "v"), "initials only, same initials"),
        ((None, "v", "v"), ("vladimir", "vv", "v"), "initials only, same given initial"),
        ((None, "v", "v"), (None, "v", "v"), "initials only, same initials"),
        (("vadim", "v", "v"), ("vladimir", "vv", "v"), "full given names differ, same initial"),
        (("vadim", "vv", "v"), ("vladimir", "vv", "v"), "full given names differ, same initial"),
        (("pavel", "p", "p"), ("vladimir", "vv", "v"), "All other comparisons"),
        ((None, "p", "p"), ("vladimir", "vv", "v"), "All other comparisons"),
    ]
    columns = ["given_key_l", "initials_l", "given_init_l", "given_aliases_l",
               "given_key_r", "initials_r", "given_init_r", "given_aliases_r"]
    rows = [(*lt, None, *rt, None) for lt, rt, _ in cases]  # no alias sets
    assert _levels("given", columns, rows) == [c[2] for c in cases]


def test_a_town_and_the_hospital_named_after_it_share_the_place_stem() -> None:
    """X-ray registers write the town, morgue logs the hospital, monitors the town in Russian,
    Belarusian or Latin: all agree on the town's stem; other towns do not."""
    from uncounted.link.prepare import _place_stem, _to_key

    places = ["Мозырь", "Мазыр", "Mazyr", "Мозырская городская больница",
              "Наровля", "Нароўля", "Naroulia", "Наровлянская ЦРБ",
              "Гомель", "Homiel", "Гомельская областная клиническая больница",
              "Речица", "Рэчыца", "Rechytsa", "Калинковичи", "Калінкавічы", "Ельск", None, "Б"]
    stems = _place_stem(_to_key(pd.Series(places, dtype=object))).tolist()
    assert stems[:4] == ["mazir"] * 4
    assert stems[4:8] == ["narav"] * 4
    assert stems[8:11] == ["gamil"] * 3
    assert stems[11:14] == ["richi"] * 3
    assert stems[14] == stems[15] != stems[16]
    assert pd.isna(stems[17]) and pd.isna(stems[18])  # no place; too short to name a town

    # the comparison: exact place, then the stem, then Jaro-Winkler, else
    cases = [  # (place_key, place_stem) left and right -> expected label
        (("mozir", "mazir"), ("mozir", "mazir"), "Exact match on place_key"),
        (("mozirska gorodska bolnitsa", "mazir"), ("mazir", "mazir"), "same town (stem)"),
        (("gomel", "gamil"), ("mozir", "mazir"), "All other comparisons"),
        ((None, None), ("mozir", "mazir"), "place_key is NULL"),
    ]
    columns = ["place_key_l", "place_stem_l", "place_key_r", "place_stem_r"]
    labels = _levels("place", columns, [(*lt, *rt) for lt, rt, _ in cases])
    assert [lb.lower() for lb in labels] == [c[2].lower() for c in cases], labels


def test_smoothing_keeps_zero_m_levels_finite_and_a_place_disagreement_possible() -> None:
    """EM's m = 0 becomes the floor (a strong but finite penalty); the place and unit "else"
    levels keep at least ELSE_M_FLOOR (people moved between hospitals, units written
    differently), the others their ratios."""
    from uncounted.link.model import ELSE_M_FLOOR, smooth_m_probabilities

    def comp(name: str, m: list[float]) -> dict[str, object]:
        levels: list[dict[str, object]] = [{"is_null_level": True}]
        levels += [{"m_probability": x, "u_probability": 0.25} for x in m]
        return {"output_column_name": name, "comparison_levels": levels}

    model = {"comparisons": [comp("sex", [1.0, 0.0]), comp("place", [0.6, 0.3, 0.1, 0.0])]}
    out = smooth_m_probabilities(model, floor=1e-4)
    sex = [lv["m_probability"] for lv in out["comparisons"][0]["comparison_levels"][1:]]
    place = [lv["m_probability"] for lv in out["comparisons"][1]["comparison_levels"][1:]]
    assert sex[1] == pytest.approx(1e-4 / (1 + 1e-4)) and sum(sex) == pytest.approx(1.0)
    assert place[-1] == pytest.approx(ELSE_M_FLOOR["place"]) and sum(place) == pytest.approx(1.0)
    assert place[0] / place[1] == pytest.approx(2.0) and place[1] / place[2] == pytest.approx(3.0)
    assert model["comparisons"][1]["comparison_levels"][-1]["m_probability"] == 0.0  # a copy
    # the unit's "else" too: real lists write one person's unit differently
    unit = smooth_m_probabilities({"comparisons": [comp("unit", [0.5, 0.3, 0.2, 0.0])]},
                                  floor=1e-4)["comparisons"][0]["comparison_levels"]
    assert unit[-1]["m_probability"] == pytest.approx(ELSE_M_FLOOR["unit"]) == pytest.approx(0.05)


def test_an_em_update_to_zero_is_clamped_instead_of_losing_the_session() -> None:
    """Splink 5 refuses an m of 0 from an EM update (and the whole session was lost); inside
    the training's context the update is kept at Splink's smallest value, and outside it
    Splink's own check is back."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink.internals import expectation_maximisation as em

    from uncounted.link.model import EM_CLAMP, _clamped_em_updates

    comp = cl.CustomComparison([cll.NullLevel("x"), cll.ExactMatchLevel("x"), cll.ElseLevel()],
                               output_column_name="c").get_comparison("duckdb")
    level = comp._comparison_levels_excluding_null[0]

    def lookup() -> dict[str, dict[int, dict[str, float]]]:
        return {"c": {level.comparison_vector_value: {"m_probability": 0.0, "u_probability": 0.2}}}

    with pytest.raises(ValueError, match="below the minimum"):
        em.populate_m_u_from_lookup(set(), level, "c", lookup())
    with _clamped_em_updates():
        em.populate_m_u_from_lookup(set(), level, "c", lookup())
    assert level.m_probability == EM_CLAMP and level.u_probability == 0.2
    with pytest.raises(ValueError, match="below the minimum"):
        em.populate_m_u_from_lookup(set(), level, "c", lookup())
    # an update Splink accepts is left as it is
    ok = {"c": {level.comparison_vector_value: {"m_probability": 0.3, "u_probability": 0.2}}}
    with _clamped_em_updates():
        em.populate_m_u_from_lookup(set(), level, "c", ok)
    assert level.m_probability == 0.3
