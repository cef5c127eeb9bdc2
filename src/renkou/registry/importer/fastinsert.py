"""Bulk INSERT without the ORM's per-object cost, for the import's hot tables.

Django's bulk_create prepares every value of every object through its field (about
30 µs per row for a person on SQLite, whose 999-parameter limit also cuts each INSERT
to ~28 rows). The importer already holds DB-ready values, so it reserves primary keys
itself and sends plain tuples through ``executemany``. Fields it does not supply get
their model default, prepared once; so a field added later with a default still works.
Runs inside the caller's transaction (on SQLite an IMMEDIATE one: the write lock is
held, so the reserved ids cannot be taken by anyone else).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

_CHUNK = 5000


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


def db_date(value: dt.date | None) -> Any:
    if value is None:
        return None
    # SQLite stores dates as ISO text; PostgreSQL's driver takes the date itself.
    return value.isoformat() if connection.vendor == "sqlite" else value


class FastInsert:
    """INSERT rows given as tuples in the order of ``supplied`` (attribute names)."""

    def __init__(self, model: type[models.Model], supplied: Sequence[str]) -> None:
        pk = model._meta.pk
        # An unsupplied primary key is left out so the database assigns it.
        fields = [f for f in model._meta.concrete_fields if f is not pk or pk.attname in supplied]
        position = {name: i for i, name in enumerate(supplied)}
        unknown = set(supplied) - {f.attname for f in fields}
        if unknown:
            raise ValueError(f"not fields of {model.__name__}: {sorted(unknown)}")
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        by_attname = {f.attname: f for f in fields}
        # Supplied columns first, then the constants: a row is one tuple concatenation.
        ordered = [by_attname[name] for name in supplied]
        constants = []
        for f in fields:
            if f.attname in position:
                continue
            ordered.append(f)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                constants.append(now)
            else:
                constants.append(f.get_db_prep_save(f.get_default(), connection))
        self.constants = tuple(constants)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in ordered)
        marks = ", ".join(["%s"] * len(ordered))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
        self.copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        constants = self.constants
        full = [tuple(row) + constants for row in rows]
        if connection.vendor == "postgresql":
            self._copy(full)
            return
        with connection.cursor() as cursor:
            for start in range(0, len(full), _CHUNK):
                cursor.executemany(self.sql, full[start : start + _CHUNK])

    def _copy(self, rows: list[tuple[Any, ...]]) -> None:
        # PostgreSQL: COPY is several times faster than a pipelined executemany.
        with connection.cursor() as wrapper:
            raw = wrapper.cursor
            with raw.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)


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
