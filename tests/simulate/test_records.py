"""generate_records: canonical columns, truth, and the declared cross-script noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uncounted.exceptions import InputError
from uncounted.simulate import RECORD_COLUMNS, generate_people, generate_records


@pytest.fixture(scope="module")
def recs() -> pd.DataFrame:
    return generate_records(100_000, seed=2022)


def test_columns_size_and_ids(recs):
    assert list(recs.columns) == list(RECORD_COLUMNS)
    assert len(recs) == 100_000
    assert set(recs["source"]) == {"xray", "morgue", "ngo", "media", "monitor"}
    assert not recs.duplicated(["source", "record_id"]).any()
    assert recs["record_id"].notna().all() and recs["name_raw"].notna().all()
    assert recs["person_id"].between(0, 50_000 - 1).all()
    assert str(recs["event_date"].dtype).startswith("datetime64")
    assert str(recs["birth_date"].dtype).startswith("datetime64")
    ages = recs["age"].dropna()
    assert ages.between(0, 120).all()


def test_truth_structure(recs):
    per_person = recs.groupby("person_id").size()
    assert per_person.mean() > 1.5  # people appear on several lists ...
    assert (per_person == 1).sum() > 1000  # ... or only once
    dup = recs.groupby(["source", "person_id"]).size().gt(1).groupby("source").mean()
    assert (dup > 0.005).all() and (dup < 0.15).all()  # within-list duplicates, realistic rates
    # killed people are never on the X-ray list, the wounded never in the morgue
    et = recs.groupby("person_id")["event_type"].agg(set)
    morgue_people = set(recs.loc[recs["source"] == "morgue", "person_id"])
    xray_people = set(recs.loc[recs["source"] == "xray", "person_id"])
    assert not any(et[p] == {"wounded"} and p in morgue_people for p in list(et.index[:2000]))
    assert morgue_people & xray_people  # died of wounds: on both


def test_cross_script_noise(recs):
    by = dict(tuple(recs.groupby("source")))
    ngo = by["ngo"]["name_raw"]
    assert ngo.str.fullmatch(r"[A-Z' -]+, [A-Za-z' -]+").mean() > 0.99
    mon = by["monitor"]["name_raw"]
    assert mon.str.fullmatch(r"[A-Za-z' -]+").mean() > 0.25
    assert mon.str.contains(r"^[А-ЯЁ][а-яё-]+ [А-ЯЁ]\.", regex=True).mean() > 0.1
    assert mon.str.contains(r"^(?:Aliaksandr|Siarhei|Dzmitry|Aliaksei) ").sum() > 50
    morgue = by["morgue"]["name_raw"].str.lower()
    assert morgue.str.contains(r"(?:ова|ева|ина) \w+ \w+ича$").mean() > 0.3
    media = by["media"]["name_raw"]
    assert media.str.contains(r"^(?:Саша|Дима|Серёжа|Лёша|Ваня) ").sum() > 100
    assert media.str.contains(r"^(?:Sasha|Dima|Seryozha|Lyosha|Vanya) ").sum() > 30
    xray = by["xray"]
    assert xray["family_name"].notna().all()
    assert xray["patronymic"].isna().all()


def test_typo_rate_close_to_parameter():
    n = 20_000
    recs = generate_records(n, seed=5, typo_rate=0.1)
    people = generate_people(int(n * 0.5), seed=5).set_index("person_id")
    x = recs[recs["source"] == "xray"]
    truth = people.loc[x["person_id"], "family_name"].str.replace("ё", "е").str.upper()
    written = x["family_name"].str.replace("ё", "е").str.upper()
    mismatch = float((truth.to_numpy() != written.to_numpy()).mean())
    # one edit per 10% of surnames; a few edits are invisible (doubled vowel swapped etc.)
    assert 0.06 < mismatch < 0.11


def test_deterministic_by_seed():
    a = generate_records(3000, seed=1)
    b = generate_records(3000, seed=1)
    c = generate_records(3000, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["name_raw"].to_numpy(), c["name_raw"].to_numpy())


@pytest.mark.parametrize("kwargs", [{"n_records": 0}, {"n_records": 10, "typo_rate": 2.0},
                                    {"n_records": 10, "people_per_record": 0}])
def test_bad_arguments(kwargs):
    with pytest.raises(InputError):
        generate_records(**kwargs)


def test_noise_knob():
    clean = generate_records(5000, seed=4, noise=0.0)
    noisy = generate_records(5000, seed=4, noise=2.0)
    mon_c = clean.loc[clean["source"] == "monitor", "name_raw"]
    mon_n = noisy.loc[noisy["source"] == "monitor", "name_raw"]
    single = r"[А-ЯЁа-яё-]+"
    assert not mon_c.str.fullmatch(single).any()  # no surname-only records without noise
    assert mon_n.str.fullmatch(single).mean() > 0.2
    assert clean["event_date"].notna().all()
    # still cross-script without noise
    assert clean.loc[clean["source"] == "ngo", "name_raw"].str.match("[A-Z]").all()
    with pytest.raises(InputError):
        generate_records(10, noise=5.0)
