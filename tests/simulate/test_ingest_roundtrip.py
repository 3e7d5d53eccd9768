"""The written case goes through the real ingest: every record accounted for, quirks quarantined.

This is the contract between the generator and :mod:`uncounted.ingest`: the mapping files the
generator writes are valid, each file is read in its declared format and encoding, structural
rows (title, repeated header, totals) are quarantined and never become people, and the planted
bad values are quarantined with their reasons.
"""

from __future__ import annotations

import pytest

from uncounted.simulate import LIST_NAMES, generate_case, mapping_for


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    from uncounted.project import Project

    case = generate_case(seed=11, n_people=2000)
    root = tmp_path_factory.mktemp("gomel")
    files = case.write(root / "lists")
    proj = Project.init(root / "proj")
    reports = {name: proj.ingest(path, source=name,
                                 mapping=root / "lists" / "mappings" / f"{name}.toml")
               for name, path in files.items()}
    records = proj.records()
    quarantine = proj.quarantine()
    proj.close()
    return case, reports, records, quarantine


def test_mappings_validate_with_the_ingest():
    from uncounted.ingest.mapping import mapping_from_dict

    for name in LIST_NAMES:
        for fmt in ("parquet", "koi8-r"):
            m = mapping_from_dict(mapping_for(name, monitor_format=fmt), origin=name)
            assert m.id_column


def test_every_record_is_accepted_or_quarantined(ingested):
    case, reports, records, _ = ingested
    for name in LIST_NAMES:
        rep = reports[name]
        structural = sum(v for k, v in rep.reasons_summary.items()
                         if k in ("title_line", "repeated_header", "totals_row"))
        assert rep.n_accepted + rep.n_quarantined - structural == len(case.lists[name]), name
        got = set(records.loc[records["source"] == name, "record_id"])
        truth_ids = set(case.truth.loc[case.truth["source"] == name, "record_id"])
        assert got <= truth_ids  # nothing accepted that is not a true record
        assert len(got) == rep.n_accepted


def test_structural_rows_and_planted_errors_are_quarantined(ingested):
    _, reports, _, quarantine = ingested
    xray = reports["xray"].reasons_summary
    assert xray.get("title_line") == 1 and xray.get("repeated_header") == 1
    assert xray.get("totals_row") == 1
    morgue = reports["morgue"].reasons_summary
    assert morgue.get("date_invalid", 0) >= 3
    assert morgue.get("age_range", 0) >= 1
    reasons = quarantine.loc[quarantine["source"] == "morgue", "reason"]
    assert reasons.str.contains(r"date 3[01]\.02\.\d{4} does not exist").any()
    for name in ("ngo", "media", "monitor"):
        assert reports[name].n_quarantined == 0, (name, reports[name].reasons_summary)


def test_encodings_detected_as_declared(ingested):
    _, reports, _, _ = ingested
    assert reports["xray"].encoding == "windows-1251"
    assert reports["ngo"].encoding == "utf-8-sig"


def test_fields_arrive_in_the_canonical_record(ingested):
    case, _, records, _ = ingested
    by = dict(tuple(records.groupby("source")))
    assert by["xray"]["family_name"].notna().all()
    assert (by["xray"]["event_type"] == "wounded").all()
    assert by["morgue"]["birth_date"].notna().mean() > 0.8
    assert set(by["morgue"]["event_type"]) == {"killed", "died_of_wounds"}
    assert set(by["ngo"]["event_type"]) == {"killed", "wounded", "died_of_wounds"}
    media = by["media"]
    assert media["age"].notna().mean() > 0.5  # approximate ages ("около 25") are read
    assert media["event_date"].notna().mean() > 0.85  # '1 марта' and 'March 9, 2022'
    assert by["monitor"]["event_date"].notna().mean() > 0.85


def test_koi8r_monitor_through_the_ingest(tmp_path):
    from uncounted.project import Project

    case = generate_case(seed=3, n_people=800, monitor_format="koi8-r")
    files = case.write(tmp_path / "lists")
    proj = Project.init(tmp_path / "proj")
    rep = proj.ingest(files["monitor"], source="monitor",
                      mapping=tmp_path / "lists" / "mappings" / "monitor.toml")
    records = proj.records()
    proj.close()
    assert rep.encoding == "koi8-r"
    assert rep.n_quarantined == 0
    assert rep.n_accepted == len(case.lists["monitor"])
    assert records["name_raw"].str.contains("[А-Яа-я]").any()
