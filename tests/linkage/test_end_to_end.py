"""The cascade on a small synthetic county, scored against its truth files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from renkou.benchmarks.linkage import KINDS, _worker
from renkou.benchmarks.management.commands.bench import _fail_if_any
from renkou.linkage.cascade import link, link_all, link_exact_only
from renkou.linkage.evaluate import evaluate
from renkou.linkage.spark import java_available
from renkou.linkage.tables import Feed, Register
from renkou.synth import generate


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("county")
    generate(people=3000, seed=11, out_dir=out, months=1)
    return out


def test_cascade_on_a_synthetic_county(county: Path) -> None:
    register = Register.from_csv(county / "register.csv")
    feeds = [Feed.from_csv(county / "feeds" / "2026-01" / f"{k}.csv", k) for k in KINDS]
    truths = {k: county / "truth" / "2026-01" / f"{k}.csv" for k in KINDS}
    ours = evaluate([link(register, f) for f in feeds], truths, register)
    base = evaluate([link_exact_only(register, f) for f in feeds], truths, register)
    assert ours.total.rows == sum(len(f) for f in feeds)
    assert ours.total.f1 >= 0.95
    assert ours.total.f1 > base.total.f1
    assert ours.valid_id_false_links == 0
    assert ours.total.fp == 0


def test_one_cascade_over_all_feeds_links_as_feed_by_feed(county: Path) -> None:
    # The passes run once over the month's feeds together (reconcile, bench): every
    # link, method, role and evidence level is the one the feed alone gets.
    register = Register.from_csv(county / "register.csv")
    feeds = [Feed.from_csv(county / "feeds" / "2026-01" / f"{k}.csv", k) for k in KINDS]
    together = link_all(register, feeds)
    alone = [link(register, f) for f in feeds]
    assert [r.table.num_rows for r in together] == [r.table.num_rows for r in alone]
    assert sum(len(r.linked()) for r in together) > 0
    for mine, theirs in zip(together, alone, strict=True):
        assert mine.table.equals(theirs.table)


def test_bench_linkage_command_runs(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("bench", "linkage", "--people", "2000", "--repeat", "1", "--json")
    result = json.loads(capsys.readouterr().out)
    runs = {r["name"]: r for r in result["runs"]}
    assert set(runs) == {"exact_id_join", "renkou_cascade", "renkou", "splink_standard"}
    for run in runs.values():
        assert run["rows"] == result["feed_rows"] > 0
        assert 0.0 < run["f1"] <= 1.0
        assert run["peak_rss_mib"] >= run["load_peak_rss_mib"] > 0
        assert run["cpu_s"] > 0
        assert len(run["cpus_s"]) == 1
    assert runs["renkou"]["f1"] >= runs["renkou_cascade"]["f1"] > runs["exact_id_join"]["f1"]
    assert runs["renkou"]["valid_id_false_links"] == 0
    assert result["renkou_train"]["wall_s"] > 0
    assert result["ratios"]["splink_standard_vs_renkou_wall"] is not None


def test_bench_linkage_refuses_unknown_contenders() -> None:
    with pytest.raises(CommandError, match="contenders"):
        call_command("bench", "linkage", "--people", "2000", "--contenders", "nobody")


@pytest.mark.skipif(not java_available(), reason="Spark needs Java (no java found)")
def test_bench_linkage_runs_renkous_model_on_spark(capsys: pytest.CaptureFixture[str]) -> None:
    """`--backend spark`: renkou's monthly run scores on a local Spark session (the model
    is trained on DuckDB); the result names the backend and the driver JVM's peak memory."""
    call_command(
        "bench", "linkage", "--people", "1000", "--contenders", "renkou", "--backend", "spark",
        "--json",
    )  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    (run,) = result["runs"]
    assert (result["backend"], run["backend"], result["renkou_train"]["backend"]) == (
        "spark", "spark", "duckdb",
    )  # fmt: skip
    assert run["jvm_peak_rss_mib"] > 0
    assert run["spark_start_s"] > 0
    assert run["f1"] > 0.9
    assert run["valid_id_false_links"] == 0


def test_a_failing_contender_is_a_result_not_the_end_of_the_bench(tmp_path: Path) -> None:
    """At 5M, standard Splink can run out of memory; the other contenders' figures must
    survive it. A worker that really fails (here: asked for a method it does not know)
    comes back as a failed entry with its exit status, log tail and peak memory."""
    run = _worker("nobody", tmp_path, tmp_path, tmp_path / "model.json", 1, backend="duckdb")
    assert run["failed"].startswith("exit status 2")
    assert "nobody" in run["failed"]
    assert run["os_maxrss_mib"] > 0
    result = {"runs": [{"name": "renkou", "f1": 1.0}, {"name": "splink_standard", **run}]}
    with pytest.raises(CommandError, match="failed: splink_standard"):
        _fail_if_any(result)
