"""The Spark backend (local mode): the same links as DuckDB from the same stored model, its
data exchanged as Parquet files in a private spool that is gone afterwards — also when
Spark fails — and the hostile months (no subjects, no candidate pairs, no pair above the
review threshold) answered like DuckDB.

One Spark session for the module (a session takes 10–30 s to start); skipped only
without Java.
"""

from __future__ import annotations

import copy
import logging
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from renkou.linkage.matcher import match
from renkou.linkage.model import (
    Backend,
    StoredModel,
    Thresholds,
    address_labels,
    feed_frame,
    register_frame,
    train,
)
from renkou.linkage.spark import java_available, spark_session, spark_stop
from renkou.linkage.subjects import subjects_of
from renkou.linkage.tables import Register
from tests.linkage.linkage_helpers import ADDRESS, feed, model_with, person, register
from tests.linkage.test_model import County, county  # noqa: F401 - the trained model

pytestmark = pytest.mark.skipif(not java_available(), reason="Spark needs Java (no java found)")

COLS = ["kind", "row", "side", "person", "method", "review", "evidence"]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    session = spark_session(
        "local[2]", "1g", partitions=2, scratch_root=tmp_path_factory.mktemp("scratch")
    )
    yield session
    spark_stop(session)


def _same(duck: list[Any], sprk: list[Any]) -> None:
    assert [r.table.select(COLS).to_pylist() for r in sprk] == [
        r.table.select(COLS).to_pylist() for r in duck
    ]
    p_duck = [p for r in duck for p in r.table["probability"].to_pylist()]
    p_sprk = [p for r in sprk for p in r.table["probability"].to_pylist()]
    assert p_sprk == pytest.approx(p_duck, abs=1e-9)


def test_spark_gives_the_same_links_as_duckdb(
    county: County,  # noqa: F811
    spark: Any,
    tmp_path: Path,
) -> None:
    spool = tmp_path / "spool"
    duck = match(county.register, county.feeds, model=county.model, backend=Backend("duckdb"))
    sprk = match(
        county.register, county.feeds, model=county.model,
        backend=Backend("spark", spark, spool=spool),
    )  # fmt: skip
    _same(duck, sprk)
    assert any(m == "probabilistic" for r in sprk for m in r.table["method"].to_pylist())
    assert list(spool.iterdir()) == []  # the run's directory is gone, the root stays


def _frames(reg: Register, rows: list[dict[str, str]]) -> tuple[Any, Any, dict[str, Any]]:
    s = subjects_of(feed("pupil", *rows))
    con = duckdb.connect()
    try:
        return (
            register_frame(reg, con),
            feed_frame([(s, i) for i in range(len(s))], address_labels(reg), con),
            {},
        )
    finally:
        con.close()


def _reg() -> Register:
    return register(
        person("P1", "王建国", "男", date(1990, 3, 14), "123"),
        person("P2", "李秀英", "女", date(1985, 7, 2), "124"),
    )


def _pupil(name: str, born: str, number: str = "", sex: str = "男") -> dict[str, str]:
    return {"学生姓名": name, "性别": sex, "身份证号": number, "出生日期": born,
            "家庭住址": ADDRESS}  # fmt: skip


def test_the_spool_is_private_and_holds_the_exchange_files(spark: Any, tmp_path: Path) -> None:
    reg, fd, tfs = _frames(_reg(), [_pupil("王建国", "1990-03-14")])
    backend = Backend("spark", spark, spool=tmp_path / "spool")
    settings_dict = model_with().settings_for("spark")
    with backend.linked(reg, fd, settings_dict, tfs) as run:
        assert run.spool is not None
        assert run.spool.parent == tmp_path / "spool"
        assert stat.S_IMODE(run.spool.stat().st_mode) == 0o700
        assert {p.name for p in run.spool.glob("*.parquet")} == {
            "register.parquet", "feed.parquet",
        }  # fmt: skip
        pred = run.linker.inference.predict(threshold_match_probability=0.5)
        rows = list(backend.records(run, pred, ["unique_id_l", "unique_id_r"]))
        assert len(rows) == 1
        assert any(run.spool.glob("out_*/*.parquet"))  # Spark wrote them, pyarrow read them
    assert not run.spool.exists()
    assert list((tmp_path / "spool").iterdir()) == []


def test_the_spool_is_removed_when_spark_fails(spark: Any, tmp_path: Path) -> None:
    """A Spark job that fails mid-run (here: SQL Spark cannot analyse) leaves no file."""
    reg, fd, tfs = _frames(_reg(), [_pupil("王建国", "1990-03-14")])
    backend = Backend("spark", spark, spool=tmp_path / "spool")
    broken = copy.deepcopy(model_with().settings_for("spark"))
    broken["comparisons"][0]["comparison_levels"][1]["sql_condition"] = "no_such_fn(id_l) = 1"
    seen: list[Path] = []

    def predict() -> None:
        with backend.linked(reg, fd, broken, tfs) as run:
            assert run.spool is not None
            seen.append(run.spool)
            run.linker.inference.predict(threshold_match_probability=0.5)

    with pytest.raises(Exception, match=r"(?i)no_such_fn"):
        predict()
    assert seen
    assert not seen[0].exists()
    assert list((tmp_path / "spool").iterdir()) == []


@pytest.mark.parametrize(
    ("rows", "review"),
    [
        ([], 0.8),  # an empty feed: no subject at all
        ([_pupil("", "", "")] * 3, 0.8),  # subjects without name or birth date: no block
        ([_pupil("赵四海", "2001-12-25")], 0.8),  # nobody shares a blocking key
        ([_pupil("汪建国", "1991-05-14", sex="女")], 0.999),  # a pair, below review
        ([_pupil("王建国", "1990-03-14"), _pupil("王建國", "1990-03-15")], 0.8),
    ],
)
def test_hostile_months_give_the_same_answer_on_both_backends(
    spark: Any, tmp_path: Path, rows: list[dict[str, str]], review: float
) -> None:
    reg = _reg()
    fd = feed("pupil", *rows)
    thresholds = Thresholds(auto=max(review, 0.99), review=review)
    duck = match(reg, [fd], model=model_with(), thresholds=thresholds)
    sprk = match(
        reg, [fd], model=model_with(), thresholds=thresholds,
        backend=Backend("spark", spark, spool=tmp_path),
    )  # fmt: skip
    _same(duck, sprk)
    assert sprk[0].table.num_rows == len(rows)
    assert list(tmp_path.iterdir()) == []


def test_training_on_spark_reads_the_register_from_parquet(
    county: County,  # noqa: F811
    spark: Any,
    tmp_path: Path,
) -> None:
    """`linkage_train --backend spark`: the whole register goes to Spark as a Parquet file
    (it failed inside Spark when the rows were handed over from the driver's Python);
    the trained parameters load and link on either backend."""
    subjects = []
    for f in county.feeds:
        s = subjects_of(f)
        subjects.extend((s, i) for i in range(len(s)) if not s.newborn[i])
    model = train(
        county.register, subjects, backend=Backend("spark", spark, spool=tmp_path),
        max_subjects=300,
    )  # fmt: skip
    assert model.summary["backend"] == "spark"
    reloaded = StoredModel.from_json(model.to_json())
    results = match(county.register, county.feeds, model=reloaded)
    assert any(m == "probabilistic" for r in results for m in r.table["method"].to_pylist())
    assert list(tmp_path.iterdir()) == []


def test_a_spool_that_cannot_be_removed_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Identity data left behind must not go unnoticed (here: the directory is already
    gone, so removing it fails)."""
    from renkou.linkage.model import _remove_spool

    with caplog.at_level(logging.ERROR, logger="renkou.linkage.model"):
        _remove_spool(tmp_path / "renkou-spool-gone")
    assert "Spark spool not removed" in caplog.text
    assert "renkou-spool-gone" in caplog.text
