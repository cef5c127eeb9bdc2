"""A Spark session for the linkage model's Spark backend.

Splink's string-similarity functions on Spark come from a jar shipped inside the Splink
package (nothing is downloaded). ``master`` is "local[N]" on one machine (the tests, a
county) or a cluster URL at province scale. Spark needs Java (17 here); ``java_available``
lets callers refuse clearly when it is missing.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from typing import Any

__all__ = ["SparkUnavailableError", "java_available", "spark_session"]


class SparkUnavailableError(RuntimeError):
    """Spark cannot start here (no Java, or pyspark missing)."""


def java_available() -> bool:
    """True when a ``java`` executable is on the PATH (or JAVA_HOME is set)."""
    import os

    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


def spark_session(master: str = "local[2]", driver_memory: str = "2g", partitions: int = 8) -> Any:
    """Start (or reuse) a Spark session configured for Splink (``partitions``: shuffle
    partitions; few for small data, where each one costs more than it saves)."""
    if not java_available():
        raise SparkUnavailableError("Spark 引擎需要 Java（未找到 java）。")
    # py4j reports every connection it closes at INFO, the last one from an exit hook
    # when the log streams may already be closed.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise SparkUnavailableError(f"Spark 引擎不可用：{exc}") from exc
    local_dir = tempfile.mkdtemp(prefix="renkou-spark-")
    return (
        SparkSession.builder.master(master)
        .appName("renkou-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.local.dir", local_dir)
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "false")
        .getOrCreate()
    )
