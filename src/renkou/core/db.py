"""Database helpers that are not about one model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models, transaction


def refresh_planner_stats(*model_classes: type[models.Model]) -> None:
    """After a bulk load (a register import, a month's comparison, a campaign's frozen
    list), let PostgreSQL's planner see the new row counts at once instead of when
    autovacuum next samples the tables: ANALYZE them once the transaction commits.

    Measured on the 1M county: right after freezing a 228k-item campaign the county's
    item list took 1.4 s a page on stale statistics and 95 ms after ANALYZE.
    SQLite keeps no such statistics for us to refresh; nothing happens there."""
    if connection.vendor != "postgresql":
        return
    tables = [connection.ops.quote_name(m._meta.db_table) for m in model_classes]

    def analyze() -> None:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")  # names from our own models

    transaction.on_commit(analyze)


def insert_rows(objs: Sequence[models.Model], *, chunk: int = 5000) -> int:
    """Insert new rows of one model without Django building one INSERT per chunk:
    PostgreSQL's COPY, or one prepared INSERT run for every row on SQLite. Primary keys
    are left to the database and are not set on ``objs`` (query them back if needed).

    For staging tens of thousands of rows (a department file): measured on the 1M county,
    `bulk_create` spent 37 of a 77k-row file's 46 s compiling and running its INSERTs."""
    if not objs:
        return 0
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)

    def values(obj: models.Model) -> list[Any]:
        return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor: COPY … FROM STDIN
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row(values(obj))
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608  (model names)
            for start in range(0, len(objs), chunk):
                cursor.executemany(sql, [values(o) for o in objs[start : start + chunk]])
    return len(objs)
