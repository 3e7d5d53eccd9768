"""The Fellegi-Sunter model (via Splink): comparisons, blocking, training and prediction.

The model follows Fellegi & Sunter (1969), "A theory for record linkage", JASA 64:1183-1210:
each comparison has levels, each level an m probability (among true matches) and a u
probability (among non-matches); a pair's match weight is the sum of log2(m/u).  Parameters are
estimated without labels as in Winkler (1988) and Splink's documentation: u by random sampling
of record pairs (almost all random pairs are non-matches), m by expectation maximisation on
blocked pairs, several times with different blocking rules so that every comparison is trained
on pairs not selected by it.  Exact matches on common surnames are down-weighted with
term-frequency adjustments (Winkler 1989, "Frequency-based matching in Fellegi-Sunter model of
record linkage").

Only this module (and the rest of :mod:`uncounted.link`) imports Splink.
"""

from __future__ import annotations

import atexit
import json
import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from uncounted.exceptions import LinkageError
from uncounted.link.settings import LinkSettings

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None] | None


def _splink() -> Any:
    try:
        import splink
    except ImportError as exc:  # pragma: no cover
        raise LinkageError("Splink is not installed; `pip install 'splink>=5,<6'`") from exc
    return splink


def splink_version() -> str:
    return str(_splink().__version__)


# -- comparisons ---------------------------------------------------------------------------

#: Window of the event level "alive, then dead": most deaths from wounds follow within two
#: weeks.  A wider window (it was 60 days) mostly catches strangers: in a campaign of a few
#: weeks a fifth of all unrelated pairs are "alive, then dead within 60 days", so EM priced
#: the level at -4 bits and true died-of-wounds pairs fell below the threshold (generator
#: lists, 3,000 records, seeds 4-8 undamaged: pairwise F1 0.966-0.984 -> 0.979-0.985).
DEATH_AFTER_WOUND_DAYS = 14

#: How long after the wounding a hospital list (one with ``date_lags``) may still date a
#: record of the patient beyond its usual delay: a follow-up X-ray or a later treatment.  On
#: the generator's lists 8% of X-ray records are follow-ups 1-11 days after the admission; a
#: level for them (after the usual delay, up to two weeks) raised pairwise F1 by 0.001 at
#: 3,000 records (mean of 8 sets; seed 5 damaged -0.001) and 0.002-0.003 at 20,000.
HOSPITAL_FOLLOW_UP_DAYS = 14


def _either_way(condition: str, **values: Any) -> str:
    """``condition`` about record ``{b}`` dated after record ``{a}``, asked both ways round.

    The direction of time is the evidence (a death after a wound, a hospital date after the
    wounding), not which side of the pair Splink put each record on.
    """
    return (f"({condition.format(a='l', b='r', **values)})"
            f" OR ({condition.format(a='r', b='l', **values)})")


def _comparisons(keyed: bool = True) -> list[Any]:
    """The comparisons of the model (``keyed=False``: the plain baseline on raw strings).

    The baseline uses the same structure on raw, lower-cased name strings (``family_key`` etc.
    then hold the raw strings; no phonetic key, no alias sets), so the difference between the
    two models is the name normalisation, and the "list" comparison, which the baseline
    leaves out: with raw names too weak to lead it, EM took "same list" (records written in
    one list's formats) for the match class, and the baseline's pairwise F1 at 200,000
    records fell from 0.20 to 0.05.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    family_levels: list[Any] = [
        cll.NullLevel("family_key"),
        cll.ExactMatchLevel("family_key").configure(tf_adjustment_column="family_key"),
        cll.CustomLevel(
            "family_key_l = given_key_r AND given_key_l = family_key_r",
            label_for_charts="family and given name swapped",
        ),
        cll.JaroWinklerLevel("family_key", 0.95),
    ]
    if keyed:
        family_levels.append(cll.ExactMatchLevel("family_phonetic"))
    family_levels += [cll.JaroWinklerLevel("family_key", 0.85), cll.ElseLevel()]
    family = cl.CustomComparison(family_levels, output_column_name="family",
                                 comparison_description="family name key")

    one_initials_only = "(given_key_l IS NULL OR given_key_r IS NULL)"
    given_levels: list[Any] = [
        cll.CustomLevel(
            "(given_key_l IS NULL AND initials_l IS NULL) OR (given_key_r IS NULL AND initials_r IS NULL)",
            label_for_charts="given name and initials missing",
        ).configure(is_null_level=True),
        cll.ExactMatchLevel("given_key").configure(tf_adjustment_column="given_key"),
    ]
    if keyed:
        given_levels.append(cll.ArrayIntersectLevel("given_aliases", 1))
    given_levels += [
        cll.JaroWinklerLevel("given_key", 0.9),
        # An initial agreeing with a full name, or with another initial, is evidence; two
        # full given names that differ but share an initial ("Владимир", "Вадим") are
        # evidence against.  One level for both left EM with a weight near 0 bits; split,
        # +6.9 / +2.9 and -3.3 bits (3,000 damaged records: pairwise F1 +0.002 to +0.004,
        # seeds 4-8; 20,000: 0.871 -> 0.878).
        cll.CustomLevel(f"initials_l = initials_r AND {one_initials_only}",
                        label_for_charts="initials only, same initials"),
        cll.CustomLevel(f"given_init_l = given_init_r AND {one_initials_only}",
                        label_for_charts="initials only, same given initial"),
        cll.CustomLevel("given_init_l = given_init_r",
                        label_for_charts="full given names differ, same initial"),
        cll.ElseLevel(),
    ]
    given = cl.CustomComparison(given_levels, output_column_name="given",
                                comparison_description="given name key or alias set")

    patronymic = cl.CustomComparison([
        cll.NullLevel("patronymic_key"),
        cll.ExactMatchLevel("patronymic_key"),
        cll.JaroWinklerLevel("patronymic_key", 0.9),
        cll.ElseLevel(),
    ], output_column_name="patronymic")

    full = "birth_d_l IS NOT NULL AND birth_d_r IS NOT NULL"
    lo_l, hi_l, lo_r, hi_r = (f"coalesce(birth_{e}_{s}, age_{e}_{s})"
                              for s, e in (("l", "lo"), ("l", "hi"), ("r", "lo"), ("r", "hi")))
    undated = "(age_lo_l IS NOT NULL OR age_lo_r IS NOT NULL)"
    birth = cl.CustomComparison([
        cll.CustomLevel(f"{lo_l} IS NULL OR {lo_r} IS NULL").configure(
            is_null_level=True, label_for_charts="no date of birth or age on one side"),
        cll.CustomLevel(
            "birth_y_l = birth_y_r AND birth_m_l = birth_m_r AND birth_d_l = birth_d_r",
            label_for_charts="same full date of birth"),
        cll.CustomLevel(
            f"{full} AND ((birth_y_l = birth_y_r AND birth_m_l = birth_d_r AND birth_d_l = birth_m_r)"
            " OR (birth_y_l = birth_y_r AND birth_m_l = birth_m_r)"
            " OR (birth_y_l = birth_y_r AND birth_d_l = birth_d_r)"
            " OR (birth_m_l = birth_m_r AND birth_d_l = birth_d_r))",
            label_for_charts="day/month swapped or one part differs"),
        cll.CustomLevel(f"{full}", label_for_charts="full dates of birth conflict"),
        cll.CustomLevel("birth_y_l = birth_y_r AND birth_m_l = birth_m_r",
                        label_for_charts="same year and month of birth"),
        # an age against a date of birth or a year: the day of birth it allows (prepare's
        # birth_lo / birth_hi), not only the year, so "28 on 11 March 2022" (born 12 March
        # 1993 - 11 March 1994) does not meet "20 September 1994" (27 on that day)
        cll.CustomLevel("birth_lo_l <= birth_hi_r AND birth_lo_r <= birth_hi_l",
                        label_for_charts="possible days of birth overlap"),
        cll.CustomLevel("birth_year_est_l = birth_year_est_r",
                        label_for_charts="same (estimated) year of birth"),
        cll.CustomLevel("abs(birth_year_est_l - birth_year_est_r) <= 1",
                        label_for_charts="year of birth within 1 (age vs year)"),
        cll.CustomLevel("(age_round_l OR age_round_r) AND abs(birth_year_est_l - birth_year_est_r) <= 3",
                        label_for_charts="year of birth within 3, an age a multiple of 5 (rounded)"),
        cll.CustomLevel("abs(birth_year_est_l - birth_year_est_r) <= 3",
                        label_for_charts="year of birth within 3"),
        # an age with no date (prepare's age_lo / age_hi: an age during the lists' period)
        cll.CustomLevel(f"{undated} AND {lo_l} <= {hi_r} AND {lo_r} <= {hi_l}",
                        label_for_charts="age without a date: possible days of birth overlap"),
        cll.CustomLevel(f"{undated} AND greatest({lo_l} - {hi_r}, {lo_r} - {hi_l}) <= 1096",
                        label_for_charts="age without a date: within 3 years"),
        cll.ElseLevel(),
    ], output_column_name="birth",
        comparison_description="date of birth, partial date of birth or age at the event")

    gap = "greatest(event_start_l - event_end_r, event_start_r - event_end_l)"
    days = DEATH_AFTER_WOUND_DAYS
    event = cl.CustomComparison([
        cll.NullLevel("event_start"),
        cll.CustomLevel(f"{gap} <= 0 AND dead_l = dead_r", label_for_charts="event dates overlap"),
        # the same day, one record of a death and one of the person alive: most people are
        # recorded in one state by every list, so this is weaker evidence (3,000 damaged
        # records, seed 4: +1.3 bits against +5.5 for the same state; seeds 4-8 pairwise F1
        # +0.002 to +0.004 but seed 7 -0.001; 20,000 records +0.007 / +0.008)
        cll.CustomLevel(f"{gap} <= 0", label_for_charts="event dates overlap, one record dead"),
        cll.CustomLevel(
            "event_y_l = event_y_r AND event_m_l = event_d_r AND event_d_l = event_m_r",
            label_for_charts="event day/month swapped"),
        # a hospital's register dates the admission (or the X-ray), up to event_lag days
        # after the wounding another list records (LinkSettings.date_lags)
        cll.CustomLevel(
            _either_way("NOT dead_{a} AND event_lag_{b} > 0"
                        " AND event_start_{b} - event_end_{a} BETWEEN 1 AND event_lag_{b}"),
            label_for_charts="hospital date after the event"),
        # wounded, then died of those wounds: the death is recorded later than the wound.
        # Ahead of "within 1 day" / "within 3 days": EM learns those from pairs of two live
        # or two dead records, and priced an X-ray dated the day before the death at -8.6
        # bits (3,000 damaged records, seeds 4-8: pairwise F1 +0.0006; 20,000: +0.003)
        cll.CustomLevel(
            _either_way("dead_{b} AND NOT dead_{a} AND event_start_{b} >= event_start_{a}"
                        " AND event_start_{b} - event_end_{a} <= {days}", days=days),
            label_for_charts=f"alive, then dead within {days} days"),
        cll.CustomLevel(f"{gap} <= 1", label_for_charts="event within 1 day"),
        cll.CustomLevel(f"{gap} <= 3", label_for_charts="event within 3 days"),
        # a later date of the same hospital stay (follow-up X-ray), beyond the usual delay
        cll.CustomLevel(
            _either_way("NOT dead_{a} AND event_lag_{b} > 0 AND event_start_{b} - event_end_{a}"
                        " BETWEEN event_lag_{b} + 1 AND {days}", days=HOSPITAL_FOLLOW_UP_DAYS),
            label_for_charts="hospital date up to two weeks after"),
        cll.CustomLevel(f"{gap} <= 30", label_for_charts="event within 30 days"),
        cll.ElseLevel(),
    ], output_column_name="event")

    sex = cl.CustomComparison([
        cll.NullLevel("sex_c"), cll.ExactMatchLevel("sex_c"), cll.ElseLevel(),
    ], output_column_name="sex")

    unit = cl.CustomComparison([
        cll.NullLevel("unit_key"),
        cll.ExactMatchLevel("unit_key").configure(tf_adjustment_column="unit_key"),
        cll.ExactMatchLevel("unit_num"),
        # "в/ч 97669" and "37 омсбр", learned from the lists to be one unit (units.py)
        cll.ExactMatchLevel("unit_canon").configure(
            label_for_charts="same unit (number and name, learned from the lists)"),
        cll.ElseLevel(),
    ], output_column_name="unit")

    # a town and the hospital named after it ("Мозырь", "Мазыр", "Мозырская городская
    # больница") share the town's stem (prepare._place_stem)
    place = cl.CustomComparison([
        cll.NullLevel("place_key"),
        cll.ExactMatchLevel("place_key").configure(tf_adjustment_column="place_key"),
        cll.CustomLevel("place_stem_l = place_stem_r", label_for_charts="same town (stem)"),
        cll.JaroWinklerLevel("place_key", 0.85),
        cll.ElseLevel(),
    ], output_column_name="place")

    # a region may be written as its centre ("Khabarovsk") or in full ("Khabarovskii krai")
    region = cl.CustomComparison([
        cll.NullLevel("region_key"),
        cll.ExactMatchLevel("region_key").configure(tf_adjustment_column="region_key"),
        cll.CustomLevel("substr(region_key_l, 1, 5) = substr(region_key_r, 1, 5)",
                        label_for_charts="region keys share 5 first letters"),
        cll.ElseLevel(),
    ], output_column_name="region")

    # two records of one list: lists are mostly deduplicated by their keepers, so two namesakes
    # in one list are more often two people than a name matched across lists (EM learns how
    # often each list repeats a person)
    source = cl.CustomComparison([
        cll.ExactMatchLevel("source").configure(label_for_charts="same list"),
        cll.ElseLevel().configure(label_for_charts="different lists"),
    ], output_column_name="list")

    comps = [family, given, patronymic, birth, event, sex, unit, place, region]
    return comps + [source] if keyed else comps


def training_rules(rare_name: int | None = None, rare_family: int | None = None) -> list[Any]:
    """EM blocking rules, in order; each session estimates the comparisons not in its rule.

    Sessions run one after another and each starts a fresh Splink linker from the smoothed
    model of the one before (:func:`smooth_m_probabilities`), so a comparison keeps the m
    probabilities of the **last** session that estimates it.  Each session should draw its
    pairs from all lists: a session blocked on the full date of birth, for instance, would see
    only the lists that record one and teach the event comparison their habits.

    Why this order: EM learns what a true pair looks like only from blocks in which true pairs
    are common.  A block of one family and given name is that in a small population, but in a
    large one it is mostly namesakes (hundreds of "Цыренов Баир" at 200,000 records), and a
    block of one year of birth and event date is mostly strangers.  So the wide sessions come
    first and the name sessions narrowed by a date come last, and have the last word on dates
    of birth, events, patronymics, units and places.  Measured (pairwise F1 at threshold 0.5,
    damaged generator lists): 0.929 at 3,000 records, 0.831 at 20,000, 0.434 at 400,000,
    against 0.928, 0.826 and 0.16 with the earlier three sessions (plain name, year of birth +
    event, family name + event).

    ``rare_name`` / ``rare_family`` (``LinkSettings.em_rare_name`` / ``em_rare_family``)
    restrict the name sessions to full names, and the family session to family names, that
    at most so many records share (columns from :func:`uncounted.link.prepare.name_counts`):
    even the name sessions were namesake blocks on large lists, and taught EM that a
    conflicting patronymic or a date a month away hardly matters.
    """
    from splink import block_on

    def rule(fields: tuple[str, ...], count: str, limit: int | None) -> Any:
        if limit is None:
            return block_on(*fields)
        # plain SQL, the same on DuckDB and Spark; a NULL count (key missing) never blocks
        return " AND ".join([f"l.{f} = r.{f}" for f in fields] + [f"l.{count} <= {int(limit)}"])

    return [
        block_on("birth_year_est", "event_start"),
        # records with initials only, or a surname only, meet others mostly here
        rule(("family_key", "event_start"), "n_family", rare_family),
        rule(("family_key", "given_key"), "n_full_name", rare_name),
        rule(("family_key", "given_key", "event_start"), "n_full_name", rare_name),
        rule(("family_key", "given_key", "birth_year_est"), "n_full_name", rare_name),
    ]


def settings_creator(keyed: bool = True, prior: float = 1e-4, max_iterations: int = 20,
                     joint_name: bool = False) -> Any:
    from splink import SettingsCreator

    from uncounted.link.blocking import blocking_rules

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=_comparisons(keyed),
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,  # for the mw_ columns
        # the full-name frequency term (prepare.joint_name_weight), added at prediction; the
        # two columns cost a quarter of the scoring time on a million records, so only if on
        additional_columns_to_retain=["full_name_code", "name_joint_adj"] if joint_name else [],
        em_convergence=1e-4,
        max_iterations=max_iterations,
    )


# -- engines ----------------------------------------------------------------------------------

_SPILL: str | None = None


def _spill_dir() -> str:
    """One temporary spill directory per process, removed at exit."""
    global _SPILL
    if _SPILL is None:
        _SPILL = tempfile.mkdtemp(prefix="uncounted-duckdb-")
        atexit.register(shutil.rmtree, _SPILL, True)
    return _SPILL


def make_db_api(engine: str, spark_session: Any = None, memory_limit: str | None = None) -> Any:
    """A Splink database API for ``engine`` ("duckdb" or "spark")."""
    splink = _splink()
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect(":memory:")
        if memory_limit:
            # bounded, spilling to a temporary directory beyond it (DuckDB's default is 80% of
            # the machine's memory, which a shared machine does not have to give)
            con.execute(f"SET memory_limit = '{memory_limit}'")
            con.execute(f"SET temp_directory = '{_spill_dir()}'")
        con.execute("SET preserve_insertion_order = false")
        return splink.DuckDBAPI(connection=con)
    if engine == "spark":
        from uncounted.link.spark import get_spark_session

        spark = spark_session or get_spark_session()
        from splink.internals.spark.database_api import SparkAPI

        # local mode: keep intermediate tables in memory rather than writing Parquet
        return SparkAPI(spark_session=spark, break_lineage_method="persist",
                        num_partitions_on_repartition=4)
    raise LinkageError(f"The 'engine' parameter must be 'duckdb' or 'spark'. Got {engine!r}.")


def _register(db_api: Any, table: pd.DataFrame, engine: str) -> Any:
    name = f"uncounted_records_{uuid.uuid4().hex[:8]}"  # the Spark session outlives a run
    if engine == "spark":
        from uncounted.link.spark import to_spark_frame

        return db_api.register(to_spark_frame(db_api.spark, table), table_name=name)
    return db_api.register(table, table_name=name)


def transfer_parameters(model_json: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """Copy trained parameters (prior, m and u per level) from a stored model into ``target``.

    Why not load the stored JSON as it is: its SQL is written in the dialect it was trained in
    (DuckDB quotes identifiers with ``"``, Spark reads ``"x"`` as a string literal), so a model
    trained on DuckDB must be rebuilt for Spark from the code's comparisons.  The structure
    must be the same (same comparisons, same number of levels); otherwise the stored model
    belongs to another version of this code and cannot be reused.

    Raises
    ------
    LinkageError
        When the structures differ.
    """
    out = dict(target)
    out["probability_two_random_records_match"] = model_json["probability_two_random_records_match"]
    src = {c["output_column_name"]: c for c in model_json.get("comparisons", [])}
    comps = []
    for comp in target["comparisons"]:
        name = comp["output_column_name"]
        old = src.get(name)
        if old is None or len(old["comparison_levels"]) != len(comp["comparison_levels"]):
            raise LinkageError(
                f"the stored model does not match this version's comparison {name!r}; "
                "train afresh (`uncounted link --retrain`)")
        levels = []
        for new_l, old_l in zip(comp["comparison_levels"], old["comparison_levels"], strict=True):
            lv = dict(new_l)
            for k in ("m_probability", "u_probability"):
                if k in old_l:
                    lv[k] = old_l[k]
            levels.append(lv)
        comps.append({**comp, "comparison_levels": levels})
    out["comparisons"] = comps
    return out


@dataclass
class TrainedModel:
    """A Splink linker with trained parameters, and how it was obtained."""

    linker: Any
    model_json: dict[str, Any]
    reused: bool
    engine: str


#: Smallest m or u Splink 5 accepts (``splink.internals.comparison_level.M_U_CLAMP_MIN``).
EM_CLAMP = 1e-300


@contextmanager
def _clamped_em_updates() -> Iterator[None]:
    """Let an EM iteration set an m or u probability of (nearly) zero to :data:`EM_CLAMP`.

    Why: Splink 5 raises when an EM update gives a level an m below 1e-300 (all its pairs in
    the session's blocks look like non-matches), and the whole session is then lost.  On the
    damaged generator lists that was often the session on family name and event day, the
    one that teaches the model what an initial is worth against a full given name: without
    it, "Доржи Гомбоев" and "Гомбоев Д.Б." of the same day were scored -6.4 bits on the given
    name (20,000 records, seed 5) instead of +2.6.  Splink 4 kept such an m at 0; here it is
    kept at the smallest value Splink 5 accepts, and the smoothing between sessions
    (:func:`smooth_m_probabilities`) then lifts it to the model's floor.  Only updates that
    Splink would refuse are changed, so a session that trained before trains the same.  The
    wrapped function is Splink's M-step helper; if a Splink version lacks it, sessions are
    skipped on the error as before.
    """
    try:
        from splink.internals import expectation_maximisation as em
    except ImportError:  # pragma: no cover - other Splink layouts
        yield
        return
    original = getattr(em, "populate_m_u_from_lookup", None)
    if original is None:  # pragma: no cover - other Splink layouts
        yield
        return

    def clamped(fixed: Any, level: Any, column: str, lookup: dict[str, dict[int, Any]]) -> Any:
        record = lookup.get(column, {}).get(int(getattr(level, "comparison_vector_value", -1)))
        if isinstance(record, dict):
            for key in ("m_probability", "u_probability"):
                v = record.get(key)
                if isinstance(v, int | float) and v < EM_CLAMP:
                    record[key] = EM_CLAMP
        return original(fixed, level, column, lookup)

    setattr(em, "populate_m_u_from_lookup", clamped)  # noqa: B010 - typed module attribute
    try:
        yield
    finally:
        setattr(em, "populate_m_u_from_lookup", original)  # noqa: B010


def train(table: pd.DataFrame, settings: LinkSettings, *, engine: str = "duckdb",
          model_json: dict[str, Any] | None = None, keyed: bool = True,
          spark_session: Any = None, progress: Progress = None) -> TrainedModel:
    """Train the model on ``table`` (from :func:`prepare_records`), or load ``model_json``.

    Raises
    ------
    LinkageError
        When Splink fails (the message names the step).
    """
    from splink import Linker, block_on

    creator = settings_creator(keyed, max_iterations=settings.max_iterations,
                               joint_name=settings.joint_name_frequency)
    db_api = make_db_api(engine, spark_session, settings.duckdb_memory_limit)
    sdf = _register(db_api, table, engine)
    if model_json is not None:
        dialect = "spark" if engine == "spark" else "duckdb"
        linker = Linker(sdf, transfer_parameters(model_json, creator.create_settings_dict(dialect)),
                        log_level=None)
        return TrainedModel(linker, model_json, True, engine)

    train_sdf = sdf
    if settings.train_sample and len(table) > settings.train_sample:
        # Parameters are estimated on a seeded random sample of records: m and u describe
        # pairs, and a sample of records keeps the mix of pairs in every block (both sides are
        # thinned alike); the prior is re-estimated on all records at prediction.
        sample = table.sample(n=settings.train_sample, random_state=settings.seed)
        train_sdf = _register(db_api, sample.reset_index(drop=True), engine)
        log.info("training on a sample of %d of %d records", len(sample), len(table))
    linker = Linker(train_sdf, creator, log_level=None)
    step = "prior"
    try:
        if progress:
            progress("train: prior", 0.0)
        try:
            linker.training.estimate_probability_two_random_records_match(
                [block_on("family_key", "given_key", "birth_year_est")], recall=settings.prior_recall)
        except ValueError as exc:  # too many matches for the assumed recall: keep the default
            log.warning("prior not estimated (%s); keeping the default", exc)
        step = "u"
        if progress:
            progress("train: u by random sampling", 0.1)
        linker.training.estimate_u_using_random_sampling(
            max_pairs=settings.u_max_pairs, seed=settings.seed)
        rules = training_rules(settings.em_rare_name, settings.em_rare_family)
        done = 0
        for i, rule in enumerate(rules):
            step = f"EM session {i + 1}"
            if progress:
                progress(f"train: EM {i + 1}/{len(rules)}", 0.2 + 0.2 * i)
            snapshot = linker.misc.save_model_to_json()
            try:
                # EM on counts of agreement patterns (term frequencies apply at prediction
                # only): far faster, and the exact-match levels' m hardly change
                with _clamped_em_updates():
                    linker.training.estimate_parameters_using_expectation_maximisation(
                        rule, max_pairs=settings.em_max_pairs,
                        estimate_without_term_frequencies=True,
                        populate_probability_two_random_records_match_from_trained_values=(i == 0))
                done += 1
                # smooth between sessions: a zero m from one session would otherwise zero the
                # posteriors, and then the m's, of the next
                linker = Linker(train_sdf, smooth_m_probabilities(
                    linker.misc.save_model_to_json(), settings.m_floor), log_level=None)
            except ValueError as exc:
                # Splink refuses an m probability that underflows to 0 (a level whose pairs
                # all look like non-matches) after it has already changed some parameters, so
                # the model is restored from before the session; the other sessions still
                # train that comparison.
                log.warning("EM session %d skipped: %s", i + 1, exc)
                linker = Linker(train_sdf, snapshot, log_level=None)
        if done == 0:
            raise LinkageError("every EM training session failed; too few records to train? "
                               "Link more records together or supply a stored model")
    except LinkageError:
        raise
    except Exception as exc:
        raise LinkageError(f"training failed at step {step!r}: {exc}") from exc
    model = smooth_m_probabilities(linker.misc.save_model_to_json(), settings.m_floor)
    dialect = "spark" if engine == "spark" else "duckdb"
    linker = Linker(sdf, transfer_parameters(model, creator.create_settings_dict(dialect)),
                    log_level=None)
    return TrainedModel(linker, model, False, engine)


#: Smallest m of a comparison's last ("else") level, for disagreements that real lists hold
#: and generated ones do not: a wounded soldier X-rayed in Mozyr and dying after a transfer to
#: the regional hospital in Gomel is in two places.  The generator keeps everyone in one
#: town, so EM learns m = 0 for "different towns" (with the town-stem level, on 3,000 damaged
#: records, seed 5) and the floor alone would make a transfer a veto (-12.8 bits).  Assumed:
#: at least 1 in 20 people recorded in two places moved between them (about -3.8 bits).
#: Units likewise: once a unit's number and its name are one level (``unit_canon``), the
#: generator's people never disagree on their unit and EM priced a disagreement at -7.4 bits;
#: real lists write a brigade as its army, a battalion as its brigade, or a wrong unit.
#: Assumed: 1 in 20 pairs of one person's records disagree on the unit (3,000 damaged
#: records, seeds 4-8: pairwise F1 -0.0004 on the generator, which has no such records).
ELSE_M_FLOOR = {"place": 0.05, "unit": 0.05}


def smooth_m_probabilities(model_json: dict[str, Any], floor: float) -> dict[str, Any]:
    """Raise every trained m (and u) probability to at least ``floor``, then renormalise.

    Why: EM gives m = 0 to a level never seen among the pairs it believes are matches (e.g.
    "sex differs" when no training match happened to differ), and log2(0/u) is an infinite
    penalty: one wrong sex code would veto a pair whatever the names and dates say.  Additive
    smoothing of the level probabilities (the usual remedy for zero cell counts, as in
    Laplace's rule of succession) keeps such levels strongly negative but finite.
    """
    out = json.loads(json.dumps(model_json))
    for comp in out.get("comparisons", []):
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        for key in ("m_probability", "u_probability"):
            vals = [lv.get(key) for lv in levels]
            if any(v is None for v in vals):
                # an untrained level (never observed): give it the floor too
                vals = [floor if v is None else v for v in vals]
            raised = [max(float(v), floor) for v in vals]
            total = sum(raised)
            raised = [v / total for v in raised]
            least = ELSE_M_FLOOR.get(comp.get("output_column_name", ""))
            if key == "m_probability" and least is not None and raised[-1] < least:
                # the else level takes ``least``; the others keep their proportions
                rest = 1.0 - raised[-1]
                raised = [v * (1.0 - least) / rest for v in raised[:-1]] + [least]
            for lv, v in zip(levels, raised, strict=True):
                lv[key] = v
    return out


@njit(cache=True, nogil=True)
def _posterior_sum(bf: np.ndarray, logit_prior: float) -> float:  # pragma: no cover - jitted
    """Sum over pairs of the posterior match probability ``1 / (1 + 2^-(bf + logit))``.

    A loop rather than a numpy expression: on a million records there are tens of millions of
    scored pairs, and the expression built four temporaries of that size per EM step
    (gigabytes at the peak); the loop builds none.
    """
    total = 0.0
    for x in bf:
        total += 1.0 / (1.0 + 2.0 ** (-(x + logit_prior)))
    return total


def refine_prior(match_weight: np.ndarray, prior: float, n_records: int,
                 max_iter: int = 200, tol: float = 1e-10) -> tuple[float, np.ndarray]:
    """Re-estimate the prior match probability by EM over all record pairs, m and u fixed.

    Why: Splink's estimates of the prior (from a deterministic rule with an assumed recall, or
    backed out of one EM session) are off by a factor of several on lists where many fields
    are missing, and the prior shifts every match weight.  With m and u fixed, the EM update
    of the prior is the mean posterior match probability over *all* n(n-1)/2 pairs (Winkler
    1988); pairs never blocked together, or scored far below the floor, have posterior ~0 and
    only count in the denominator.

    Returns the prior and the match weights under it.
    """
    n_pairs = n_records * (n_records - 1) / 2
    if n_pairs <= 0 or len(match_weight) == 0:
        return prior, match_weight
    bf = np.asarray(match_weight, dtype=np.float64) - np.log2(prior / (1 - prior))
    lam = prior
    for _ in range(max_iter):
        post_sum = _posterior_sum(bf, float(np.log2(lam / (1 - lam))))
        new = float(min(max(post_sum / n_pairs, 1e-12), 0.5))
        if abs(new - lam) <= tol * max(lam, 1e-12):
            lam = new
            break
        lam = new
    bf += np.log2(lam / (1 - lam))  # in place: the weights under the new prior
    return lam, bf


def _fetch_columns(linker: Any, table: str, where: str, select: dict[str, tuple[str, Any]],
                   order_by: str = "") -> pd.DataFrame:
    """``SELECT`` the given expressions from a Splink table into a DataFrame, columnwise.

    ``select`` maps output name -> (SQL expression, numpy dtype).  On DuckDB the rows are
    counted first and streamed in chunks into arrays of that length, so the peak is the
    result plus one chunk; the pandas conversion of a whole result held it twice or more
    (on a million records that was the difference between 11 and under 8 GB).  Other engines
    go through Splink's ``query_sql``.
    """
    cols = ", ".join(f"{expr} AS {name}" for name, (expr, _) in select.items())
    sql = f"SELECT {cols} FROM {table} WHERE {where}" + (f" ORDER BY {order_by}" if order_by else "")
    import splink

    db_api = getattr(linker, "_db_api", None)
    # every Splink database API has a ``duckdb_con`` (a scratch DuckDB); only DuckDBAPI's
    # holds the tables
    if not isinstance(db_api, splink.DuckDBAPI):
        df = linker.misc.query_sql(sql, "pandas")
        return pd.DataFrame({name: df[name].to_numpy(dtype) for name, (_, dtype) in select.items()},
                            copy=False)
    con = db_api.duckdb_con
    counted = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()
    n = int(counted[0]) if counted else 0
    out = {name: np.empty(n, dtype=dtype) for name, (_, dtype) in select.items()}
    res = con.execute(sql)
    pos = 0
    while True:
        chunk = res.fetch_df_chunk(64)  # 64 vectors of 2,048 rows
        if chunk is None or len(chunk) == 0:
            break
        k = len(chunk)
        if pos + k > n:
            raise LinkageError(f"the table {table} changed while it was read")
        for name in out:
            out[name][pos:pos + k] = chunk[name].to_numpy(out[name].dtype)
        pos += k
        del chunk
    if pos != n:
        raise LinkageError(f"read {pos} of the {n} rows of {table}")
    return pd.DataFrame(out, copy=False)


def _joint_name_sql() -> str:
    """SQL for the full-name frequency term of a scored pair: the record's
    ``name_joint_adj`` when the two records have the same family and given keys (the same
    ``full_name_code``; NULL without both keys).

    It is added to the pair's weight and shown in the given name's term-frequency part
    (``mw_tf_adj_given``), which it turns into the given name's frequency among records of
    that family name.
    """
    return ("(CASE WHEN full_name_code_l = full_name_code_r THEN name_joint_adj_l "
            "ELSE 0.0 END)")


def predict(model: TrainedModel, settings: LinkSettings, *, n_records: int | None = None) -> pd.DataFrame:
    """Score the blocked pairs; keep those at or above ``settings.floor``.

    When the model was just trained (not reused) and ``n_records`` is given, the prior is
    re-estimated first (:func:`refine_prior`), on pairs scored down to a hundredth of the floor,
    and stored in ``model.model_json``.

    Returns a DataFrame with ``record_uid_l < record_uid_r``, ``match_weight``,
    ``match_probability`` and the partial match weights ``mw_<comparison>`` (and
    ``mw_tf_<comparison>`` for term-frequency adjustments), which explain a score to a reviewer.
    """
    refine = n_records is not None and not model.reused
    floor = settings.floor / 100 if refine else settings.floor
    linker = model.linker
    chunks = settings.predict_chunks
    if chunks is None:
        # bounded memory: one left/right chunk per ~200,000 records
        chunks = max(1, -(-int(n_records or 0) // 200_000))
    try:
        if chunks > 1:
            log.info("scoring in %d x %d chunks", chunks, chunks)
            df = linker.inference.predict(threshold_match_probability=floor, warning_mode="never",
                                          num_chunks_left=chunks, num_chunks_right=chunks)
        else:
            df = linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
        shift = 0.0
        adj = _joint_name_sql() if settings.joint_name_frequency else "0.0"
        weight = f"(match_weight + {adj})"
        if refine:
            assert n_records is not None
            old = float(model.model_json["probability_two_random_records_match"])
            mw = _fetch_columns(linker, df.physical_name, "true",
                                {"match_weight": (weight, np.float64)})
            lam, _ = refine_prior(mw["match_weight"].to_numpy(), old, n_records)
            del mw  # free the weights of every pair before the kept ones are fetched
            log.info("prior re-estimated by EM over all pairs: %.3g -> %.3g", old, lam)
            model.model_json["probability_two_random_records_match"] = lam
            shift = float(np.log2(lam / (1 - lam)) - np.log2(old / (1 - old)))
        min_mw = float(np.log2(settings.floor / (1 - settings.floor))) - shift
        cols = [c.unquote().name for c in df.columns]
        parts = [c for c in cols if c.startswith("mw_")]
        # ids ordered (l < r) and rows sorted inside DuckDB, within its memory limit, and
        # streamed into preallocated arrays: on a million records tens of millions of pairs are
        # kept, and each pandas copy of them cost gigabytes
        select: dict[str, tuple[str, Any]] = {
            "record_uid_l": ("CAST(least(unique_id_l, unique_id_r) AS BIGINT)", np.int64),
            "record_uid_r": ("CAST(greatest(unique_id_l, unique_id_r) AS BIGINT)", np.int64),
            "match_weight": (f"{weight} + {shift!r}", np.float64),
            **{c: (f"CAST({c} + {adj} AS FLOAT)" if c == "mw_tf_adj_given" else
                   f"CAST({c} AS FLOAT)", np.float32) for c in parts}}
        pairs = _fetch_columns(linker, df.physical_name, f"{weight} >= {min_mw!r}", select,
                               order_by="record_uid_l, record_uid_r")
        df.drop_table_from_database_and_remove_from_cache()
    except LinkageError:
        raise
    except Exception as exc:
        raise LinkageError(f"prediction failed: {exc}") from exc
    pairs.insert(3, "match_probability",
                 1.0 / (1.0 + np.exp2(-pairs["match_weight"].to_numpy(np.float64))))
    return pairs
