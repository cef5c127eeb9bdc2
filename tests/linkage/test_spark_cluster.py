"""The Spark backend on a real Spark cluster (a standalone master and worker on this
machine: executors in their own JVM, reading the Parquet spool themselves) gives the same
links as local mode; Spark's scratch directories hold no identity data afterwards.

Each test starts its own sessions (a few minutes in all, most of it Spark's start-up and
first-query warm-up); skipped only without Java.
"""

from __future__ import annotations

import csv
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from renkou.linkage.matcher import match
from renkou.linkage.model import Backend
from renkou.linkage.spark import java_available, spark_running, spark_session, spark_stop
from renkou.linkage.tables import Feed, Register
from tests.linkage.helpers import trained_county
from tests.linkage.spark_cluster import standalone_cluster

pytestmark = pytest.mark.skipif(not java_available(), reason="Spark needs Java (no java found)")

COLS = ["kind", "row", "side", "person", "method", "review", "evidence"]


def _scratch(spool: Path) -> list[Path]:
    return sorted(spool.glob("renkou-spark-*"))


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _run(master: str, spool: Path, reg: Register, feeds: list[Feed], model: Any) -> list[Any]:
    """``match`` on a session of ``master`` started and stopped here; the session's
    scratch directory is private while it runs and gone afterwards."""
    spark = spark_session(master, "1g", partitions=2, executor_memory="1g", scratch_root=spool)
    try:
        assert spark.sparkContext.master == master
        (scratch,) = _scratch(spool)
        assert stat.S_IMODE(scratch.stat().st_mode) == 0o700
        results = match(reg, feeds, model=model, backend=Backend("spark", spark, spool=spool))
    finally:
        spark_stop(spark)
    assert not scratch.exists()
    assert list(spool.iterdir()) == []  # the run's spool and the scratch are gone
    return results


def test_a_standalone_cluster_gives_the_same_links_as_local_mode(tmp_path: Path) -> None:
    county = tmp_path / "county"
    reg, feeds, model = trained_county(county, 1000)
    spool = tmp_path / "spool"

    local = _run("local[2]", spool, reg, feeds, model)
    with standalone_cluster(tmp_path / "cluster") as cluster:
        remote = _run(cluster.master, spool, reg, feeds, model)
        # The executor ran on the worker (its log and the similarity jar it fetched) ...
        assert any(cluster.work_dir.glob("app-*/*/scala-udf-similarity*.jar"))
        # ... and the worker removes its shuffle files when the application ends.
        deadline = time.monotonic() + 60
        while _files(cluster.local_dir) and time.monotonic() < deadline:
            time.sleep(1)
        assert _files(cluster.local_dir) == []
        logs = " ".join(p.read_text(errors="replace") for p in _files(cluster.work_dir)
                        if p.suffix != ".jar")  # fmt: skip

    assert [r.table.select(COLS).to_pylist() for r in remote] == [
        r.table.select(COLS).to_pylist() for r in local
    ]
    p_local = [p for r in local for p in r.table["probability"].to_pylist()]
    p_remote = [p for r in remote for p in r.table["probability"].to_pylist()]
    assert p_remote == pytest.approx(p_local, abs=1e-9)
    assert any(m == "probabilistic" for r in remote for m in r.table["method"].to_pylist())
    with (county / "register.csv").open(encoding="utf-8") as fh:
        numbers = [row["公民身份号码"] for row in csv.DictReader(fh)]
    assert not [n for n in numbers if n and n in logs]  # no identity number in the logs


def test_the_scratch_goes_when_the_session_cannot_start(tmp_path: Path) -> None:
    if spark_running():
        pytest.skip("a session runs in this process already")
    with pytest.raises(Exception, match=r"(?i)master url|java gateway"):
        spark_session("no-such-master", scratch_root=tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert not spark_running()


def test_the_scratch_goes_when_the_process_exits_without_stopping(tmp_path: Path) -> None:
    """A process that ends without stopping its session (an error, a forgotten stop)
    removes the scratch directory on its way out."""
    code = (
        "import sys; from renkou.linkage.spark import spark_session; "
        "s = spark_session('local[1]', '512m', partitions=1, scratch_root=sys.argv[1]); "
        "s.range(1000).repartition(4).count(); print(s.conf.get('spark.local.dir'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
        timeout=300, check=True,
    )  # fmt: skip
    scratch = Path(done.stdout.strip().splitlines()[-1])
    assert scratch.parent == tmp_path
    assert not scratch.exists()
    assert list(tmp_path.iterdir()) == []
