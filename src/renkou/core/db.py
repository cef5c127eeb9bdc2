"""Database helpers that are not about one model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

_CHUNK = 5000


def refresh_planner_stats(
    *model_classes: type[models.Model], fields: Sequence[str] | None = None
) -> None:
    """After a bulk load (a register import, a month's comparison, a campaign's frozen
    list), let PostgreSQL's planner see the new row counts at once instead of when
    autovacuum next samples the tables: ANALYZE them once the transaction commits.

    Measured on the 1M county: right after freezing a 228k-item campaign the county's
    item list took 1.4 s a page on stale statistics and 95 ms after ANALYZE.
    SQLite keeps no such statistics for us to refresh; nothing happens there.

    ``fields`` (one model): only those columns' statistics — the row counts are renewed
    all the same, and the other columns keep theirs until autovacuum samples the table.
    Measured on a 200k-row FeedRow table: 2.0 s for every column, 0.5 s for the seven
    that queries use (the wide text, cipher and JSON columns are the rest)."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    tables = [quote(m._meta.db_table) for m in model_classes]
    if fields is not None:
        (model,) = model_classes
        columns = [model._meta.get_field(f).column for f in fields]  # type: ignore[union-attr]
        tables = [f"{tables[0]} ({', '.join(quote(c) for c in columns)})"]  # type: ignore[arg-type]

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


def _sqlite_literal(value: Any) -> str | None:
    """A NULL, boolean or integer as SQLite SQL (what binding it stores); None for
    any other value, which stays bound."""
    if value is None:
        return "NULL"
    if type(value) is bool or type(value) is int:
        return str(int(value))
    return None


def db_date(value: dt.date | None) -> Any:
    """A date as the backend stores it (for :class:`FastInsert`)."""
    if value is None:
        return None
    # SQLite stores dates as ISO text; PostgreSQL's driver takes the date itself.
    return value.isoformat() if connection.vendor == "sqlite" else value


class FastInsert:
    """INSERT rows given as tuples in the order of ``supplied`` (attribute names):
    PostgreSQL's COPY, or ``executemany`` on SQLite; runs in the caller's transaction.

    Django's bulk_create (and :func:`insert_rows`) prepares every value of every object
    through its field (about 30 µs per row for a person on SQLite). An importer that
    already holds DB-ready values (dates through :func:`db_date`, JSON as text) sends
    plain tuples instead. Fields it does not supply get their model default, prepared
    once; so a field added later with a default still works. ``fixed`` gives fields
    one value for every row (the batch a file's rows belong to).

    On SQLite a fixed or default value that is NULL, a boolean or an integer is written
    into the statement itself: the rows then go to ``executemany`` as they are, with no
    tuple copied to append it (a feed import's 10^5 rows: 0.09 s of copies)."""

    def __init__(
        self,
        model: type[models.Model],
        supplied: Sequence[str],
        fixed: Mapping[str, Any] | None = None,
    ) -> None:
        fixed = fixed or {}
        pk = model._meta.pk
        # An unsupplied primary key is left out so the database assigns it.
        given = set(supplied) | set(fixed)
        fields = [f for f in model._meta.concrete_fields if f is not pk or pk.attname in given]
        unknown = given - {f.attname for f in fields}
        if unknown:
            raise ValueError(f"not fields of {model.__name__}: {sorted(unknown)}")
        if set(supplied) & set(fixed):
            raise ValueError(f"both supplied and fixed: {sorted(set(supplied) & set(fixed))}")
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        by_attname = {f.attname: f for f in fields}
        # Supplied columns first, then the constants: a row is one tuple concatenation.
        ordered = [by_attname[name] for name in supplied]
        constants = []
        for f in fields:
            if f.attname in supplied:
                continue
            ordered.append(f)
            if f.attname in fixed:
                constants.append(fixed[f.attname])
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                constants.append(now)
            else:
                constants.append(f.get_db_prep_save(f.get_default(), connection))
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in ordered)
        marks = ["%s"] * len(supplied)
        bound = []
        for value in constants:
            literal = _sqlite_literal(value) if connection.vendor == "sqlite" else None
            if literal is None:
                marks.append("%s")
                bound.append(value)
            else:
                marks.append(literal)
        self.constants = tuple(constants)
        self.bound = tuple(bound)  # the constants SQLite's statement leaves to the rows
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(marks)})"  # noqa: S608 - names from the model
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        if connection.vendor == "postgresql":
            constants = self.constants
            self._copy([tuple(row) + constants for row in rows])
            return
        bound = self.bound
        full = [tuple(row) + bound for row in rows] if bound else rows
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

    def insert_batches(self, batches: Iterable[Sequence[Sequence[Any]]]) -> int:
        """Insert a stream of batches (read from a spool, say): on PostgreSQL one COPY
        whose data a writer thread sends while the next rows are formatted, so the
        server's work overlaps this process's; on SQLite one ``executemany`` a batch."""
        constants = self.constants
        count = 0
        if connection.vendor != "postgresql":
            for rows in batches:
                self.insert(rows)
                count += len(rows)
            return count
        with connection.cursor() as wrapper:
            raw = wrapper.cursor
            writer = QueuedLibpqWriter(raw)
            with raw.copy(self.copy_sql, writer=writer) as copy:
                for rows in batches:
                    for row in rows:
                        copy.write_row(tuple(row) + constants)
                    count += len(rows)
        return count
