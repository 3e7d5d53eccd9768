"""The Spark engine gives the same pairs and clusters as DuckDB (small set; Spark is slow to start)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.link.standin import name_keys_standin, toy_records
from uncounted.link import LinkSettings, link_records

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]


@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")
def test_spark_scores_and_clusters_like_duckdb() -> None:
    pytest.importorskip("pyspark")
    recs = toy_records(n_people=60, n_sources=3, seed=5)
    settings = LinkSettings(u_max_pairs=1e5, max_iterations=8)
    duck = link_records(recs, settings=settings, name_keys=name_keys_standin)
    # the same trained model, scored and clustered on Spark
    spark = link_records(recs, settings=settings, name_keys=name_keys_standin, engine="spark",
                         model_json=duck.model_json)
    assert spark.engine == "spark" and spark.model_reused
    a = duck.pairs.set_index(["record_uid_l", "record_uid_r"]).sort_index()
    b = spark.pairs.set_index(["record_uid_l", "record_uid_r"]).sort_index()
    assert a.index.equals(b.index)
    assert np.allclose(a["match_probability"], b["match_probability"], atol=1e-9)
    m = duck.clusters.merge(spark.clusters, on="record_uid")
    assert len(m) == len(recs)
    assert (m["cluster_id_x"] == m["cluster_id_y"]).all()
    assert duck.histories_at(0.9).equals(spark.histories_at(0.9))
