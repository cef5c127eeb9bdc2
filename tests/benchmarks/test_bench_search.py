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


@pytest.mark.slow
def test_bench_search_on_a_tiny_county(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "RENKOU_"))}
    env.update(
        RENKOU_ENV="test",
        RENKOU_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'bench.sqlite3'}",
    )
    _renkou("migrate", "-v0", env=env)
    _renkou(
        "synth",
        "--people",
        "400",
        "--seed",
        "3",
        "--out",
        str(tmp_path / "c"),
        "--months",
        "0",
        env=env,
    )
    _renkou("import", "--kind", "orgunits", str(tmp_path / "c" / "orgunits.csv"), env=env)
    _renkou("import", "--kind", "register", str(tmp_path / "c" / "register.csv"), env=env)
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
