"""Primary keys reserved ahead and raw keyed selects, for the import's hot tables.

The register importer reserves primary keys itself and inserts plain tuples through
:class:`renkou.core.db.FastInsert` (re-exported here). Runs inside the caller's
transaction (on SQLite an IMMEDIATE one: the write lock is held, so the reserved ids
cannot be taken by anyone else).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from renkou.core.db import FastInsert, db_date

__all__ = ["FastInsert", "db_date", "reserve_ids", "select_by"]


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model`` (callers must be inside a transaction)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - quoted model table name
        top = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
    start = max(top, int(row[0]) if row else 0) + 1
    return list(range(start, start + count))


def select_by(
    model: type[models.Model], key: str, columns: Sequence[str], keys: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """``{key: (columns…)}`` for rows of ``model`` whose ``key`` is in ``keys`` (raw SQL).

    The ORM's ``__in`` lookup prepares every parameter through the field, which cost
    more than the queries themselves for 10^5 keys. Dates come back as the backend
    stores them; callers here only compare keys, ids and hashes, or parse dates.
    """
    quote = connection.ops.quote_name
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    names = ", ".join(quote(column_of[c]) for c in (key, *columns))
    table, key_column = quote(model._meta.db_table), quote(column_of[key])
    found: dict[str, tuple[Any, ...]] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 900):
            chunk = list(keys[start : start + 900])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {names} FROM {table} WHERE {key_column} IN ({marks})", chunk)  # noqa: S608 - names from the model
            found.update((row[0], tuple(row[1:])) for row in cursor.fetchall())
    return found
