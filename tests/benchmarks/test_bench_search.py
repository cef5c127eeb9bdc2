"""`renkou bench search` runs end to end on a tiny county (BENCHMARKS.md: the suite only
checks that benchmarks run; their figures come from the command itself)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from renkou.benchmarks.stats import percentile, summary_ms


def _renkou(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "renkou", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A tiny county with a register and one reconciled month (so items are open)."""
    tmp_path = tmp_path_factory.mktemp("bench")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "RENKOU_"))}
    env.update(
        RENKOU_ENV="test",
        RENKOU_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'bench.sqlite3'}",
    )
    _renkou("migrate", "-v0", env=env)
    out = str(tmp_path / "c")
    _renkou("synth", "--people", "400", "--seed", "3", "--out", out, "--months", "1", env=env)
    _renkou("import", "--kind", "orgunits", f"{out}/orgunits.csv", env=env)
    _renkou("import", "--kind", "register", f"{out}/register.csv", env=env)
    month = sorted(p.name for p in Path(out, "feeds").iterdir())[0]
    for feed in sorted(Path(out, "feeds", month).glob("*.csv")):
        _renkou(
            "import", "--kind", feed.stem, str(feed), "--month", month, "--accept-valid", env=env
        )
    _renkou("reconcile", "--month", month, env=env)
    return env


@pytest.mark.slow
def test_bench_search_on_a_tiny_county(county: dict[str, str]) -> None:
    env = county
    out = _renkou(
        "bench", "search", "--users", "3", "--requests", "24", "--sample", "10", "--json", env=env
    )
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == 0
    assert result["requests"] == 24
    assert result["persons"] > 400
    assert set(result["by_kind"]) <= {"id", "name", "pinyin", "household"}
    assert {"id", "name"} <= set(result["by_kind"])
    assert result["all"]["p95_ms"] >= result["all"]["p50_ms"] > 0


def test_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert summary_ms([0.001, 0.002])["p50_ms"] == 1.0


@pytest.mark.slow
def test_bench_worklists_on_a_tiny_county(county: dict[str, str]) -> None:
    out = _renkou(
        "bench", "worklists", "--users", "3", "--requests", "45", "--sample", "5", "--campaign",
        "--json", env=county,
    )  # fmt: skip
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == 0
    assert result["requests"] == 45
    assert result["open_items"] >= result["township_open_items"] >= result["village_open_items"]
    assert result["village_open_items"] > 0
    assert {"list", "board", "my_items", "county_list", "coverage", "targets"} <= set(
        result["by_kind"]
    )
    assert result["campaign_freeze_s"] > 0
    assert result["all"]["p95_ms"] >= result["all"]["p50_ms"] > 0


@pytest.mark.slow
def test_bench_report_on_a_tiny_county(county: dict[str, str]) -> None:
    out = _renkou(
        "bench", "report", "--users", "2", "--requests", "16", "--sample", "4", "--json",
        env=county,
    )  # fmt: skip
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == 0
    assert result["requests"] == 16
    assert set(result["by_kind"]) == {"county", "county_township", "township", "county_xlsx"}
    assert result["feed_subjects"] > 0
    assert result["tally_rows"] > 0
    assert result["all"]["p95_ms"] >= result["all"]["p50_ms"] > 0
    with pytest.raises(AssertionError, match=r"no finished comparison"):
        _renkou("bench", "report", "--month", "2020-01", "--requests", "1", env=county)
