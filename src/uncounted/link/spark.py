"""The Spark engine: the same Splink model on PySpark (local mode unless a session is given).

Why the table goes through Parquet: the prepared table has nullable integers and a list column
(``given_aliases``); Parquet carries both types exactly, whereas converting a pandas frame row
by row loses them (nullable Int64 becomes float, empty lists become NULL inconsistently).

Splink's Jaro-Winkler on Spark is a Scala UDF shipped with Splink as a jar; the local session
built here puts that jar on the class path.  PySpark and a Java runtime are optional
dependencies (``pip install 'uncounted[spark]'``; Debian: ``apt install openjdk-17-jre``).
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from uncounted.exceptions import LinkageError

log = logging.getLogger(__name__)

_SESSION: Any = None
_TMP: Path | None = None


def _tmpdir() -> Path:
    global _TMP
    if _TMP is None:
        _TMP = Path(tempfile.mkdtemp(prefix="uncounted-spark-"))
        atexit.register(shutil.rmtree, _TMP, True)
    return _TMP


def get_spark_session(cores: int = 2, memory: str = "2g") -> Any:
    """A local SparkSession with Splink's similarity UDF jar (created once per process).

    Raises
    ------
    LinkageError
        When PySpark or Java is missing.
    """
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:
        raise LinkageError(
            "the Spark engine needs PySpark: `pip install 'uncounted[spark]'` "
            "(and a Java 17 runtime), or use --engine duckdb") from exc
    try:
        spark = (
            SparkSession.builder.master(f"local[{cores}]")
            .appName("uncounted-link")
            .config("spark.jars", similarity_jar_location())
            .config("spark.driver.memory", memory)
            .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
            .config("spark.default.parallelism", str(max(2, cores * 2)))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.local.dir", str(_tmpdir() / "local"))
            .getOrCreate()
        )
    except Exception as exc:  # Java missing, port trouble, ...
        raise LinkageError(f"could not start a local Spark session: {exc}. Is Java 17 installed "
                           "(`java -version`)? Or use --engine duckdb") from exc
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(_tmpdir() / "checkpoints"))
    _SESSION = spark
    return spark


def to_spark_frame(spark: Any, table: pd.DataFrame) -> Any:
    """The prepared table as a Spark DataFrame, via Parquet (keeps nullable ints and lists)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(tempfile.mkdtemp(prefix="records-", dir=_tmpdir())) / "records.parquet"
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), path)
    return spark.read.parquet(str(path))
