"""The Spark backend (local mode) gives the same links as DuckDB from the same stored model.

Runs in the suite (about 30–60 s: a Spark session starts); skipped only without Java.
"""

from __future__ import annotations

import pytest

from renkou.linkage.matcher import match
from renkou.linkage.model import Backend
from renkou.linkage.spark import java_available, spark_session
from tests.linkage.test_model import County, county  # noqa: F401 - the trained model

pytestmark = pytest.mark.skipif(not java_available(), reason="Spark needs Java (no java found)")


def test_spark_gives_the_same_links_as_duckdb(county: County) -> None:  # noqa: F811
    spark = spark_session("local[2]", "1g", partitions=2)
    duck = match(county.register, county.feeds, model=county.model, backend=Backend("duckdb"))
    try:
        sprk = match(
            county.register, county.feeds, model=county.model, backend=Backend("spark", spark)
        )
    finally:
        spark.stop()
    cols = ["kind", "row", "side", "person", "method", "review", "evidence"]
    assert [r.table.select(cols).to_pylist() for r in sprk] == [
        r.table.select(cols).to_pylist() for r in duck
    ]
    p_duck = [p for r in duck for p in r.table["probability"].to_pylist()]
    p_sprk = [p for r in sprk for p in r.table["probability"].to_pylist()]
    assert p_sprk == pytest.approx(p_duck, abs=1e-9)
    assert any(m == "probabilistic" for r in sprk for m in r.table["method"].to_pylist())
