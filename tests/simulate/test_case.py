"""The Gomel case: determinism, truth consistency, declared quirks, files read back."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date

import numpy as np
import pandas as pd
import pytest

from uncounted.exceptions import InputError
from uncounted.simulate import LIST_NAMES, generate_case, generate_people, mapping_for


@pytest.fixture(scope="module")
def case():
    return generate_case(seed=2022, n_people=4000)


@pytest.fixture(scope="module")
def small_case():
    return generate_case(seed=7, n_people=600)


def test_same_seed_same_case_different_seed_differs():
    a = generate_case(seed=3, n_people=400)
    b = generate_case(seed=3, n_people=400)
    c = generate_case(seed=4, n_people=400)
    pd.testing.assert_frame_equal(a.people, b.people)
    for name in LIST_NAMES:
        pd.testing.assert_frame_equal(a.lists[name], b.lists[name])
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert not a.people["family_name"].equals(c.people["family_name"])


def test_truth_maps_every_record_to_a_person(case):
    assert case.true_total == 4000 == len(case.people)
    for name in LIST_NAMES:
        t = case.truth[case.truth["source"] == name]
        ids = case.lists[name][case.id_columns[name]].astype(str)
        assert len(t) == len(ids)
        assert ids.is_unique
        assert list(t["record_id"]) == list(ids)
    assert case.truth["person_id"].between(0, case.true_total - 1).all()
    # the capture draw and the truth table agree: each captured person has >= 1 record
    for name in LIST_NAMES:
        seen = set(case.truth.loc[case.truth["source"] == name, "person_id"])
        assert seen == set(case.people["person_id"][case.captured[name]])


def test_list_sizes_in_the_declared_range(case):
    for name, df in case.lists.items():
        assert 200 <= len(df) <= 1600, (name, len(df))


def test_within_list_duplicates_exist(case):
    for name in ("xray", "morgue", "monitor"):
        t = case.truth[case.truth["source"] == name]
        assert t["person_id"].duplicated().sum() > 0, name


def test_histories_sum_to_people_seen(case):
    h = case.histories()
    assert set(h.columns) == {*LIST_NAMES, "count"}
    assert (h[list(LIST_NAMES)].sum(axis=1) > 0).all()
    assert h["count"].sum() == case.truth["person_id"].nunique()
    assert h["count"].sum() < case.true_total  # some people are on no list


def test_namesakes_exist():
    p = generate_people(4000, seed=11)
    same = p[p.duplicated(["family_name", "given_name"], keep=False)]
    # genuine namesakes: same family and given name, different birth dates
    g = same.groupby(["family_name", "given_name"])["birth_date"].nunique()
    assert (g > 1).sum() > 50
    top = p["family_name"].value_counts()
    assert top.index[0] in {"Иванов", "Смирнов", "Кузнецов"}
    assert top.iloc[0] >= 20


def test_people_are_plausible():
    p = generate_people(3000, seed=5)
    assert (p["sex"] == "M").mean() > 0.9
    assert p["age"].between(18, 60).all()
    assert p["event_date"].between("2022-02-24", "2022-04-30").all()
    dead = p["event_type"] != "wounded"
    assert p.loc[dead, "death_date"].notna().all()
    assert p.loc[~dead, "death_date"].isna().all()
    assert (p.loc[dead, "death_date"] >= p.loc[dead, "event_date"]).all()
    assert set(p["event_type"]) == {"killed", "wounded", "died_of_wounds"}
    assert p["unit_number"].str.fullmatch(r"в/ч \d{5}").all()


def test_generate_people_rejects_bad_n():
    with pytest.raises(InputError, match="positive integer"):
        generate_people(0, seed=1)


def test_morgue_has_genitive_names_and_bad_values(case):
    m = case.lists["morgue"]
    fio = m["ФИО"].str.lower()
    assert fio.str.contains(r"(?:ова|ева|ина) \w+(?:а|я) \w+(?:вича|ича)$").sum() > 100
    assert fio.str.contains(r"ович$|евич$").sum() > 50  # nominative forms too
    deaths = m["Дата смерти"]
    assert deaths.map(lambda v: isinstance(v, date)).sum() > 0.9 * len(m)
    impossible = deaths[deaths.map(lambda v: isinstance(v, str))]
    assert len(impossible) > 0
    assert impossible.isin(["31.02.2022", "30.02.2022", "29.02.2022", "31.04.2022",
                            "32.03.2022"]).all()
    ages = pd.to_numeric(m["Возраст"], errors="coerce")
    assert ((ages < 0) | (ages > 120)).sum() > 0


def test_media_has_diminutives_and_approximate_ages(case):
    md = case.lists["media"]
    first = md["name"].str.split().str[0]
    assert first.isin(["Саша", "Дима", "Серёжа", "Лёша", "Женя", "Ваня", "Миша"]).sum() > 20
    assert first.isin(["Sasha", "Dima", "Seryozha", "Zhenya", "Vanya", "Misha"]).sum() > 3
    assert md["age"].str.startswith("около ").sum() > 10
    assert md["date"].str.fullmatch(r"\d{1,2} (февраля|марта|апреля)").sum() > 50
    assert md["date"].str.fullmatch(r"(February|March|April) \d{1,2}, 2022").sum() > 20


def test_ngo_is_latin_family_comma_given(case):
    n = case.lists["ngo"]
    assert n["name"].str.fullmatch(r"[A-Z' -]+, [A-Za-z' -]+").mean() > 0.99
    assert set(n["status"]) == {"KIA", "WIA", "DOW"}
    dob = n["date_of_birth"][n["date_of_birth"] != ""]
    assert dob.str.fullmatch(r"\d{4}(-\d{2}-\d{2})?").all()


def test_monitor_mixes_scripts(case):
    names = case.lists["monitor"]["name"]
    assert names.str.fullmatch(r"[А-ЯЁа-яё-]+ [А-ЯЁ]\.(?:[А-ЯЁ]\.)?").sum() > 30  # initials
    assert names.str.fullmatch(r"[A-Za-z' -]+").sum() > 50  # Latin
    assert names.str.contains(r"^(?:Aliaksandr|Siarhei|Dzmitry|Andrei|Aliaksei) ").sum() > 5
    solo = names.str.fullmatch(r"[А-ЯЁа-яё-]+")
    assert solo.sum() > 30
    mon = case.lists["monitor"][solo]
    assert (mon["unit"] != "").all() and (mon["place"] != "").all()


def test_write_and_read_back(small_case, tmp_path):
    paths = small_case.write(tmp_path, include_truth=True)
    assert set(paths) == set(LIST_NAMES)
    # xray: windows-1251, ';', title line, repeated header, totals row
    raw = paths["xray"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("windows-1251").splitlines()
    assert lines[0].startswith("Журнал регистрации")
    header = lines[1]
    assert header.split(";")[:3] == ["№", "Дата", "Учреждение"]
    assert lines.count(header) == 2
    assert "Итого" in lines[-1]
    data = [ln for ln in lines[2:-1] if ln != header]
    assert len(data) == len(small_case.lists["xray"])
    assert all(re.match(r"\d+;\d{2}\.\d{2}\.2022;", ln) for ln in data)
    # morgue: xlsx, title row, header on row 2, real dates
    from openpyxl import load_workbook

    ws = load_workbook(paths["morgue"]).active
    assert ws.cell(row=2, column=1).value == "Рег. №"
    assert ws.max_row == len(small_case.lists["morgue"]) + 2
    # ngo: UTF-8 with BOM
    assert paths["ngo"].read_bytes().startswith(b"\xef\xbb\xbf")
    ngo = pd.read_csv(paths["ngo"], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(ngo, small_case.lists["ngo"].astype(str))
    # media: JSON lines
    recs = [json.loads(x) for x in paths["media"].read_text(encoding="utf-8").splitlines()]
    assert len(recs) == len(small_case.lists["media"])
    assert {"id", "name", "age", "date", "status"} <= set(recs[0])
    # monitor: parquet of strings
    mon = pd.read_parquet(paths["monitor"])
    assert list(mon["n"]) == list(small_case.lists["monitor"]["n"])
    # mappings: TOML, equal to mapping_for
    for name in LIST_NAMES:
        toml = tomllib.loads((tmp_path / "mappings" / f"{name}.toml").read_text("utf-8"))
        assert toml == mapping_for(name)
        assert toml["id_column"] in small_case.lists[name].columns
        for spec in toml["fields"].values():
            for col in spec.get("columns", [spec.get("column")]):
                assert col is None or col in small_case.lists[name].columns
    truth = pd.read_csv(tmp_path / "truth" / "truth.csv", dtype={"record_id": str})
    assert len(truth) == len(small_case.truth)


def test_monitor_koi8r(tmp_path):
    case = generate_case(seed=5, n_people=500, monitor_format="koi8-r")
    path = case.write(tmp_path)["monitor"]
    assert path.suffix == ".csv"
    raw = path.read_bytes()
    text = raw.decode("koi8-r")
    assert "n,name" in text.splitlines()[0]
    assert re.search("[А-Яа-я]", text)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert tomllib.loads((tmp_path / "mappings" / "monitor.toml").read_text("utf-8"))[
        "format"]["encoding"] == "koi8-r"


def test_claims_and_incidents(case):
    whos = [c["who"] for c in case.claims]
    assert any("Defence" in w for w in whos)
    mod = next(c for c in case.claims if "Defence" in c["who"])
    assert (mod["killed"], mod["wounded"]) == (498, 1597)
    assert any(c["range"] == (160, 170) for c in case.claims)
    assert all(i["reported"] >= 0 and i["true_count"] >= 0 for i in case.incidents)


def test_dependence_xray_morgue_for_died_of_wounds(case):
    cap, p = case.captured, case.people
    dow = (p["event_type"] == "died_of_wounds").to_numpy()
    x, m = cap["xray"].to_numpy()[dow], cap["morgue"].to_numpy()[dow]
    # positive dependence: P(morgue | xray) clearly above P(morgue | not xray)
    assert m[x].mean() > m[~x].mean() + 0.15


def test_media_and_ngo_positively_dependent(case):
    a, b = case.captured["media"].to_numpy(), case.captured["ngo"].to_numpy()
    odds = (np.sum(a & b) * np.sum(~a & ~b)) / (np.sum(a & ~b) * np.sum(~a & b))
    assert odds > 3


def test_unknown_inputs_rejected():
    with pytest.raises(InputError):
        mapping_for("radio")
    with pytest.raises(InputError):
        generate_case(n_people=100, monitor_format="xls")


def test_capture_rates_match_the_model(case):
    """Realised captures agree with the model's probabilities (sum of Bernoulli draws)."""
    from uncounted.simulate.lists import capture_probabilities

    cap = {k: case.captured[k].to_numpy() for k in LIST_NAMES}
    probs = capture_probabilities(case.people, cap)
    for name in LIST_NAMES:
        p = probs[name]
        expected, sd = p.sum(), np.sqrt((p * (1 - p)).sum())
        assert abs(cap[name].sum() - expected) < 4 * sd, name
    # structural zeros: the killed never on the X-ray list, the wounded never in the morgue
    et = case.people["event_type"].to_numpy()
    assert not cap["xray"][et == "killed"].any()
    assert not cap["morgue"][et == "wounded"].any()
    # heterogeneity: higher latent visibility, higher capture on every list
    hi = case.people["visibility"].to_numpy() > 0
    for name in LIST_NAMES:
        assert cap[name][hi].mean() > cap[name][~hi].mean(), name


def test_capture_params_override(tmp_path):
    base = generate_case(seed=8, n_people=1500)
    more = generate_case(seed=8, n_people=1500,
                         capture_params={"monitor": {"base": -1.0, "duplicate": 0.0}})
    assert more.captured["monitor"].sum() > 1.5 * base.captured["monitor"].sum()
    t = more.truth[more.truth["source"] == "monitor"]
    assert not t["person_id"].duplicated().any()
    with pytest.raises(InputError, match="unknown list"):
        generate_case(seed=8, n_people=100, capture_params={"radio": {"base": 0.0}})


def test_true_counts_by_stratum(case):
    by_type = case.true_counts()
    assert by_type.sum() == case.true_total
    assert set(by_type.index) == {"killed", "wounded", "died_of_wounds"}
    assert case.true_counts(["event_type", "facility_town"]).sum() == case.true_total


def test_summary(case):
    s = case.summary()
    assert list(s.index) == list(LIST_NAMES)
    assert (s["records"] == [len(case.lists[n]) for n in LIST_NAMES]).all()
    assert (s["records"] == s["people"] + s["duplicates"]).all()
    assert s["coverage"].between(0.05, 0.6).all()


def test_histories_by_stratum(case):
    by = case.histories(by="event_type")
    assert set(by) == {"killed", "wounded", "died_of_wounds"}
    assert "morgue" not in by["wounded"].columns and "xray" not in by["killed"].columns
    assert set(by["died_of_wounds"].columns) == {*LIST_NAMES, "count"}
    total = sum(int(t["count"].sum()) for t in by.values())
    assert total == int(case.histories()["count"].sum())
