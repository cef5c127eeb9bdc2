"""``renkou bench import``: parse + validate + stage of a department feed and of a register
file, CSV and XLSX, against the floors of reading and of writing the same rows
(BENCHMARKS.md §3).

Files come from ``renkou synth``: the police feed of a synthetic month, repeated with
fresh record numbers (业务流水号) up to N rows — its noise (invalid or mangled numbers,
lower-case x …) keeps its share — and the first N rows of the register of a county of
about N people; the XLSX files hold the same cells as text. They go into a scratch
database: a new SQLite file, or a PostgreSQL database given by URL whose name must
contain ``bench`` (its imports are emptied before every run; org units stay).

Each run is a fresh process (:mod:`renkou.benchmarks.import_worker`) so that its peak
memory is its own; each repetition runs the three contenders side by side — the raw
read, the raw read + write, renkou's import — and the ratios are of their medians.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlparse

from renkou.benchmarks.import_worker import CONTENDERS

__all__ = ["FORMATS", "KINDS", "run_import_bench"]

FORMATS: Final = ("csv", "xlsx")
KINDS: Final = ("police", "register")
_RECORD_NO: Final = "业务流水号"


def _env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=database_url,
        RENKOU_DATA_DIR=str(data_dir),
        PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
    )
    return env


def _run(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("ab") as fh:
        command = [sys.executable, *args]
        code = subprocess.call(command, stdout=fh, stderr=subprocess.STDOUT, env=env)  # noqa: S603
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(args[:4])} failed:\n{tail}")


def _rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        return next(reader), list(reader)


def _write_csv(path: Path, header: list[str], rows: Any) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def _to_xlsx(source: Path, target: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    with source.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    book.save(target)


def _files(
    rows: int, seed: int, data: Path, formats: tuple[str, ...], kinds: tuple[str, ...] = KINDS
) -> dict[str, Path]:
    """The feed and register files of ``rows`` rows (generated once into ``data``)."""
    from renkou.synth import generate

    files = {
        "police": data / f"police_{rows}.csv",
        "register": data / f"register_{rows}.csv",
        "orgunits": data / "county" / "orgunits.csv",
    }
    if not files["register"].is_file():
        county = data / "county"
        generate(people=max(100, rows * 100 // 103 + 100), seed=seed, out_dir=county, months=1)
        header, body = _rows_of(county / "register.csv")
        _write_csv(files["register"], header, body[:rows])
        header, body = _rows_of(county / "feeds" / "2026-01" / "police.csv")
        key = header.index(_RECORD_NO)

        def tiled() -> Any:
            for i in range(rows):
                row = list(body[i % len(body)])
                row[key] = f"YW{i:014d}"
                yield row

        _write_csv(files["police"], header, tiled())
    if "xlsx" in formats:
        for kind in kinds:
            xlsx = files[kind].with_suffix(".xlsx")
            if not xlsx.is_file():
                _to_xlsx(files[kind], xlsx)
    return files


def _scratch(database_url: str | None, work: Path) -> str:
    if database_url is None:
        return f"sqlite:///{work / 'bench.sqlite3'}"
    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    if not parsed.scheme.startswith("postgres") or "bench" not in name:
        raise RuntimeError("--database-url must be a PostgreSQL database whose name has 'bench'")
    return database_url


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return round(float(statistics.median(float(r[key]) for r in runs)), 3)


def _summary(kind: str, fmt: str, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    wall = {name: _median(runs[name], "wall_s") for name in CONTENDERS}
    ours = runs["renkou"]
    rows = ours[0]["rows"]
    return {
        "kind": kind,
        "format": fmt,
        "rows": rows,
        "rows_error": ours[0].get("rows_error", 0),
        "repeat": len(ours),
        "wall_s": wall,
        "walls_s": {name: [r["wall_s"] for r in runs[name]] for name in CONTENDERS},
        "cpu_s": {name: _median(runs[name], "cpu_s") for name in CONTENDERS},
        "rows_per_s": {name: round(rows / w) if w else None for name, w in wall.items()},
        "peak_rss_mib": {name: _median(runs[name], "peak_rss_mib") for name in CONTENDERS},
        "rss_before_mib": {name: _median(runs[name], "rss_before_mib") for name in CONTENDERS},
        "ratios": {
            "renkou_vs_raw_read": round(wall["renkou"] / wall["raw_read"], 2),
            "renkou_vs_raw_stage": round(wall["renkou"] / wall["raw_stage"], 2),
        },
    }


def run_import_bench(
    *, rows: int, formats: tuple[str, ...] = FORMATS, kinds: tuple[str, ...] = KINDS,
    repeat: int = 3, database_url: str | None = None, data: Path | None = None, seed: int = 2026,
) -> dict[str, Any]:  # fmt: skip
    """Generate (or reuse) the files; migrate the scratch database; run every contender
    ``repeat`` times on every kind and format; medians, rows/s and ratios."""
    with tempfile.TemporaryDirectory(prefix="renkou-bench-import-") as tmp:
        work = Path(tmp)
        folder = data if data is not None else work / "files"
        folder.mkdir(parents=True, exist_ok=True)
        files = _files(rows, seed, folder, formats, kinds)
        url = _scratch(database_url, work)
        env = _env(url, work / "data")
        log = work / "bench.log"
        _run(["-m", "renkou", "migrate", "-v0"], env, log)
        _run(["-m", "renkou", "import", "--kind", "orgunits", str(files["orgunits"])], env, log)
        results = []
        for kind in kinds:
            for fmt in formats:
                path = files[kind] if fmt == "csv" else files[kind].with_suffix(".xlsx")
                runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTENDERS}
                for _ in range(repeat):
                    for name in CONTENDERS:
                        out = work / "run.json"
                        module = "renkou.benchmarks.import_worker"
                        _run(["-m", module, name, kind, str(path), str(out)], env, log)
                        runs[name].append(json.loads(out.read_text(encoding="utf-8")))
                results.append(_summary(kind, fmt, runs))
    vendor = "postgresql" if url.startswith("postgres") else "sqlite"
    return {
        "rows": rows,
        "repeat": repeat,
        "database": vendor,
        "results": results,
        "note": "wall_s, cpu_s (the worker's user + system): medians; renkou = parse + "
        "validate + stage (feed) or apply (register) "
        "in one transaction; raw_read = DuckDB read_csv / calamine cells; raw_stage = raw "
        "read + plain COPY (PostgreSQL) or executemany (SQLite) of the raw text cells; "
        "peak_rss_mib includes Django and the libraries (rss_before_mib)",
    }
