"""A Spark session for the linkage model's Spark backend.

Splink's string-similarity functions on Spark come from a jar shipped inside the Splink
package (nothing is downloaded; Spark serves it to the executors). ``master`` is "local[N]"
on one machine (the tests, a county) or a cluster URL (``spark://host:7077``) at province
scale. Spark needs Java (17 here); ``java_available`` lets callers refuse clearly when it
is missing.

The driver's scratch directory (``spark.local.dir``: shuffle and spill files, which hold
identity data in the clear) is a private directory (0700) made under ``scratch_root``
(renkou passes RENKOU_SPARK_SPOOL, which ``renkou purge_files`` sweeps); ``spark_stop``
stops the session and removes it, and so does an exit hook if nobody did. On a standalone
cluster the executors' scratch is the workers' own (SPARK_LOCAL_DIRS, docs/decisions/0012).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "SparkUnavailableError",
    "java_available",
    "spark_running",
    "spark_session",
    "spark_stop",
]

_log = logging.getLogger(__name__)

# Hosts that mean "this machine": a master there has its executors here too, so the
# driver binds to the loopback interface and is reachable from nowhere else.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

# The scratch directory of the session this process started (one SparkContext at a time):
# at most one entry.
_scratch: list[Path] = []


class SparkUnavailableError(RuntimeError):
    """Spark cannot start here (no Java, or pyspark missing)."""


def java_available() -> bool:
    """True when a ``java`` executable is on the PATH (or JAVA_HOME is set)."""
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


def spark_running() -> bool:
    """True when this process already has a running Spark session."""
    try:
        from pyspark import SparkContext
    except ImportError:  # pragma: no cover - a dependency of the project
        return False
    return SparkContext._active_spark_context is not None


def spark_session(
    master: str = "local[2]",
    driver_memory: str = "2g",
    partitions: int = 8,
    *,
    executor_memory: str = "1g",
    scratch_root: str | os.PathLike[str] | None = None,
) -> Any:
    """Start (or reuse) a Spark session configured for Splink (``partitions``: shuffle
    partitions; few for small data, where each one costs more than it saves;
    ``executor_memory``: per executor on a cluster; ``scratch_root``: where the private
    scratch directory goes, default the system's temporary directory)."""
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
    if spark_running():
        # The running session keeps its own settings (Spark fixes them at start).
        return SparkSession.builder.getOrCreate()
    builder = (
        SparkSession.builder.master(master)
        .appName("renkou-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", driver_memory)
        .config("spark.executor.memory", executor_memory)
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "false")
    )
    if not os.environ.get("PYSPARK_PYTHON"):
        # Executors that start Python start this interpreter (the venv's), not "python3".
        builder = builder.config("spark.pyspark.python", sys.executable)
    if _on_this_machine(master):
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    scratch = _scratch_dir(scratch_root)
    try:
        session = builder.config("spark.local.dir", str(scratch)).getOrCreate()
    except BaseException:
        _remove_scratch(scratch)
        raise
    _own_scratch(scratch)
    return session


def spark_stop(session: Any) -> None:
    """Stop ``session`` and remove the scratch directory this process made for it (also
    when stopping fails: the JVM's files are what must not stay)."""
    try:
        jvm = session._jvm
        session.stop()
        # The JVM outlives the session and remembers the first session's scratch path
        # for its own temporary files: the next session in this process must get its own.
        getattr(getattr(jvm.org.apache.spark.util, "Utils$"), "MODULE$").clearLocalRootDirs()
    finally:
        _own_scratch_removed()


def _on_this_machine(master: str) -> bool:
    """True for local mode and for a cluster master on the loopback interface."""
    if master.startswith("local"):
        return True
    hosts = [urlsplit(f"//{part}").hostname for part in master.split("://", 1)[-1].split(",")]
    return all(host in _LOOPBACK for host in hosts)


def _scratch_dir(root: str | os.PathLike[str] | None) -> Path:
    """A new private directory (0700) for the session's shuffle and spill files."""
    base = Path(root) if root is not None else Path(tempfile.gettempdir())
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="renkou-spark-", dir=base))


def _own_scratch(scratch: Path) -> None:
    _own_scratch_removed()  # a session stopped without spark_stop left it behind
    _scratch.append(scratch)


def _remove_scratch(scratch: Path) -> None:
    """Remove a scratch directory; a failure is logged as an error (identity data would
    stay behind, until ``renkou purge_files``)."""

    def report(_fn: Any, path: str, exc_info: Any) -> None:
        _log.error("Spark scratch not removed (identity data in the clear): %s: %s",
                   path, exc_info[1])  # fmt: skip

    if scratch.exists():
        shutil.rmtree(scratch, onerror=report)


@atexit.register
def _stop_at_exit() -> None:
    """At interpreter exit, a session nobody stopped is stopped (its JVM is still up: it
    leaves when this process is gone) and its scratch removed."""
    if not _scratch:
        return
    from pyspark import SparkContext

    context = SparkContext._active_spark_context
    if context is None:
        _own_scratch_removed()
        return
    with contextlib.suppress(Exception):  # whatever state Spark is in, the files go
        spark_stop(context)


def _own_scratch_removed() -> None:
    while _scratch:
        _remove_scratch(_scratch.pop())
