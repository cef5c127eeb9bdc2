"""One measured run of ``renkou bench import`` in its own process.

``python -m renkou.benchmarks.import_worker WHAT KIND FILE OUT.json`` with DATABASE_URL
set to the scratch database. WHAT is

- ``renkou``: the real import — ``feed_import`` (kind ``police``) or ``register_import``
  (kind ``register``): parse, validate and stage/apply, the valid rows applied and the
  others reported (``accept_valid``: a generated row dated after today's clock is one);
- ``raw_read``: the floor of reading alone — DuckDB's ``read_csv`` (every column as text)
  for a CSV, python-calamine's raw cell iteration for an XLSX;
- ``raw_stage``: the floor of reading and writing — the raw cells of every row into a
  table of text columns: a PostgreSQL COPY of the file itself (the server parses the
  CSV) or of calamine's rows; on SQLite one prepared INSERT per row (``executemany``)
  of DuckDB's or calamine's rows.

The database is emptied of earlier runs' imports first (not timed). The result: wall
seconds of the measured step and its CPU seconds in this process (user + system: on a
shared machine the steadier figure; the database server's own work is not in it), the
process's resident memory before it and its peak (VmHWM, which includes Django and the
libraries: ``peak - before`` is the step's own).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

CONTENDERS = ("raw_read", "raw_stage", "renkou")
_SCRATCH = "bench_import_raw"


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _cpu_s() -> float:
    """This process's CPU seconds (user + system; a database server's are its own)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _empty_imports() -> None:
    """Remove earlier runs' imports (feeds and register; org units stay)."""
    from django.db import connection

    from renkou.core.models import ImportBatch, ImportRowError
    from renkou.exchange.models import FeedBatch, FeedRow
    from renkou.registry.models import Household, LifeEvent, Marriage, Membership, Person

    # The bench's own scratch database only (imports._scratch names it): run by hand
    # against the live register, this would empty it.
    name = str(connection.settings_dict["NAME"])
    if "bench" not in Path(name).name:
        raise SystemExit(f"refusing to empty {name!r}: not a bench scratch database")
    models = (FeedRow, FeedBatch, ImportRowError, LifeEvent, Marriage, Membership)
    models += (Household, Person, ImportBatch)  # type: ignore[assignment]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            cursor.execute(f"TRUNCATE {tables} CASCADE")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for model in models:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 - model names
            cursor.execute("PRAGMA foreign_keys = ON")


def _renkou(kind: str, path: Path) -> dict[str, Any]:
    if kind == "register":
        from renkou.registry.importer import register_import

        result: Any = register_import(path=path, actor=None, accept_valid=True)
    else:
        from renkou.exchange.services import feed_import

        result = feed_import(kind=kind, path=path, month="2026-01", actor=None, accept_valid=True)
    if result.status != "applied":
        raise RuntimeError(f"import not applied: {result.status} {result.errors[:3]}")
    return {"rows": result.rows_total, "rows_error": result.rows_error}


def _xlsx_rows(path: Path) -> Any:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_index(0).iter_rows()


def _raw_read(path: Path) -> dict[str, Any]:
    if path.suffix == ".xlsx":
        return {"rows": sum(1 for _ in _xlsx_rows(path)) - 1}
    import duckdb

    query = "SELECT count(*) FROM read_csv(?, all_varchar = true, header = true)"
    count = duckdb.execute(query, [str(path)]).fetchone()
    return {"rows": int(count[0]) if count else 0}


def _raw_rows(path: Path) -> tuple[int, Any]:
    """The width and the raw rows (text cells) of a file, header left out."""
    if path.suffix == ".xlsx":
        rows = _xlsx_rows(path)
        width = len(next(rows))
        return width, ([str(c) for c in row[:width]] for row in rows)
    import duckdb

    query = "SELECT * FROM read_csv(?, all_varchar = true, header = true)"
    result = duckdb.connect().execute(query, [str(path)])

    def fetched() -> Any:
        while chunk := result.fetchmany(20_000):
            yield from chunk

    return len(result.description), fetched()


def _raw_stage(path: Path) -> dict[str, Any]:
    from django.db import connection, transaction

    rows: Any = None  # PostgreSQL and a CSV: the server parses the file itself
    if connection.vendor == "postgresql" and path.suffix == ".csv":
        width = len(_header(path))
    else:
        width, rows = _raw_rows(path)
    columns = ", ".join(f"c{i} text" for i in range(width))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_SCRATCH}")
        cursor.execute(f"CREATE TABLE {_SCRATCH} ({columns})")
        if connection.vendor == "postgresql":
            _copy(cursor.cursor, path, rows)
        else:
            marks = ", ".join(["%s"] * width)
            sql = f"INSERT INTO {_SCRATCH} VALUES ({marks})"  # noqa: S608 - fixed name
            batch: list[Any] = []
            for row in rows:
                batch.append(row)
                if len(batch) == 20_000:
                    cursor.executemany(sql, batch)
                    batch = []
            cursor.executemany(sql, batch)
        cursor.execute(f"SELECT count(*) FROM {_SCRATCH}")  # noqa: S608 - fixed name
        count = int(cursor.fetchone()[0])
        cursor.execute(f"DROP TABLE {_SCRATCH}")
    return {"rows": count}


def _header(path: Path) -> list[str]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh))


def _copy(raw: Any, path: Path, rows: Any) -> None:
    if rows is not None:
        with raw.copy(f"COPY {_SCRATCH} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"COPY {_SCRATCH} FROM STDIN (FORMAT csv, HEADER true)"
    with raw.copy(sql) as copy, path.open("rb") as fh:
        while block := fh.read(1 << 20):
            copy.write(block)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=CONTENDERS)
    parser.add_argument("kind", choices=("police", "register"))
    parser.add_argument("file", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renkou.settings")
    import django

    django.setup()
    _empty_imports()
    # Imported before the clock starts: the same libraries for every contender.
    import duckdb  # noqa: F401
    import python_calamine  # noqa: F401

    import renkou.exchange.services
    import renkou.registry.importer  # noqa: F401

    before = _status_kib("VmRSS")
    cpu = _cpu_s()
    started = time.perf_counter()
    if args.what == "renkou":
        out = _renkou(args.kind, args.file)
    elif args.what == "raw_read":
        out = _raw_read(args.file)
    else:
        out = _raw_stage(args.file)
    wall = time.perf_counter() - started
    out.update(
        what=args.what,
        wall_s=round(wall, 3),
        cpu_s=round(_cpu_s() - cpu, 3),
        rss_before_mib=round(before / 1024, 1),
        peak_rss_mib=round(_status_kib("VmHWM") / 1024, 1),
    )
    args.out.write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main()
