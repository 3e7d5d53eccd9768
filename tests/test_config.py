from __future__ import annotations

import pytest

from uncounted.config import ProjectConfig, SourceConfig
from uncounted.exceptions import ProjectError, ProjectNotFoundError


def test_roundtrip(tmp_path):
    cfg = ProjectConfig(name="p", sources={"xray": SourceConfig("xray", mapping="m/xray.toml")})
    cfg.estimate.strata = ["event_type"]
    cfg.save(tmp_path)
    back = ProjectConfig.load(tmp_path)
    assert back.name == "p"
    assert back.sources["xray"].mapping == "m/xray.toml"
    assert back.estimate.strata == ["event_type"]
    assert back.link.threshold is None  # the linkage step's own default


def test_a_list_that_dates_admissions_says_so_and_bad_lags_are_refused(tmp_path):
    cfg = ProjectConfig(name="p", sources={"xray": SourceConfig("xray", date_lag_days=2),
                                           "ngo": SourceConfig("ngo")})
    cfg.save(tmp_path)
    text = (tmp_path / "uncounted.toml").read_text(encoding="utf-8")
    assert "date_lag_days = 2" in text and text.count("date_lag_days") == 1  # 0 is not written
    back = ProjectConfig.load(tmp_path)
    assert back.sources["xray"].date_lag_days == 2 and back.sources["ngo"].date_lag_days == 0
    for bad in ("-1", "2.5", '"two"', "90"):
        (tmp_path / "uncounted.toml").write_text(
            f'[project]\nname = "p"\n[sources.xray]\ndate_lag_days = {bad}\n', encoding="utf-8")
        with pytest.raises(ProjectError, match=r"\[sources.xray\] date_lag_days"):
            ProjectConfig.load(tmp_path)


def test_missing_project_says_how_to_create_one(tmp_path):
    with pytest.raises(ProjectNotFoundError, match="uncounted init"):
        ProjectConfig.load(tmp_path)


def test_all_problems_reported_at_once(tmp_path):
    (tmp_path / "uncounted.toml").write_text(
        '[project]\nname = ""\n[link]\nengine = "oracle"\nthreshold = 2.0\n', encoding="utf-8")
    with pytest.raises(ProjectError) as exc:
        ProjectConfig.load(tmp_path)
    msg = str(exc.value)
    assert "name" in msg and "engine" in msg and "threshold" in msg



def test_ingest_records_the_mapping_path_from_the_project_not_the_working_folder(
        tmp_path, monkeypatch):
    from uncounted.project import Project
    from uncounted.simulate import generate_case

    proj = Project.init(tmp_path / "proj", name="p")
    inside = generate_case(n_people=40, seed=1).write(tmp_path / "proj" / "lists")
    outside = generate_case(n_people=40, seed=2).write(tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path)  # paths as typed are relative to here, not to the project
    for files, src in ((inside, "xray"), (outside, "ngo")):
        mapping = files[src].parent / "mappings" / f"{src}.toml"
        proj.ingest(files[src], source=src, mapping=mapping.relative_to(tmp_path))
    proj.close()
    back = ProjectConfig.load(tmp_path / "proj")
    assert back.sources["xray"].mapping == "lists/mappings/xray.toml"
    assert back.sources["ngo"].mapping == str((tmp_path / "elsewhere" / "mappings" / "ngo.toml").resolve())
