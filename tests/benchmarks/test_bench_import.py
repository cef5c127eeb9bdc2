"""`renkou bench import` runs end to end on tiny files (BENCHMARKS.md: the suite only
checks that benchmarks run; their figures come from the command itself)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_bench_import_on_tiny_files(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "RENKOU_"))}
    env.update(
        RENKOU_ENV="test",
        RENKOU_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'configured.sqlite3'}",
    )
    command = [sys.executable, "-m", "renkou", "bench", "import", "--rows", "300", "--repeat",
               "1", "--data", str(tmp_path / "files"), "--json"]  # fmt: skip
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["database"] == "sqlite"
    combos = {(r["kind"], r["format"]) for r in result["results"]}
    assert combos == {(k, f) for k in ("police", "register") for f in ("csv", "xlsx")}
    for item in result["results"]:
        assert item["rows"] == 300
        assert set(item["wall_s"]) == {"renkou", "raw_read", "raw_stage"}
        assert all(w > 0 for w in item["wall_s"].values())
        assert item["ratios"]["renkou_vs_raw_read"] > 0
        assert item["peak_rss_mib"]["renkou"] >= item["rss_before_mib"]["renkou"] > 0
    # The configured database is not the scratch one: nothing was imported into it.
    assert not (tmp_path / "configured.sqlite3").exists()


def test_bench_import_refuses_a_database_not_named_bench(tmp_path: Path) -> None:
    from renkou.benchmarks.imports import _scratch

    with pytest.raises(RuntimeError, match="bench"):
        _scratch("postgres://postgres@127.0.0.1:5432/renkou", tmp_path)
    assert _scratch("postgres://h/bench_x", tmp_path) == "postgres://h/bench_x"


def test_the_worker_refuses_to_empty_a_database_that_is_not_a_bench_scratch(
    tmp_path: Path,
) -> None:
    """The worker empties the register tables before each run; pointed by hand at a live
    database (here a migrated SQLite file not named "bench") it refuses before it runs."""
    live = tmp_path / "renkou.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "RENKOU_"))}
    env.update(RENKOU_ENV="test", DATABASE_URL=f"sqlite:///{live}",
               RENKOU_DATA_DIR=str(tmp_path / "data"))  # fmt: skip
    subprocess.run([sys.executable, "-m", "renkou", "migrate", "-v0"], env=env, check=True,
                   timeout=300)  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "renkou.benchmarks.import_worker", "raw_read", "police",
         str(tmp_path / "none.csv"), str(tmp_path / "out.json")],
        env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode != 0
    assert "refusing to empty" in result.stderr
    assert not (tmp_path / "out.json").exists()
