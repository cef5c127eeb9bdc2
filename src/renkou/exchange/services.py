"""Importing a department feed: stage → validate → apply in ONE transaction.

- Idempotent: the same file (same SHA-256) for the same kind and month is a no-op.
- A corrected file (other hash, same kind and month) changes only what changed: rows are
  matched by the department's record number when the file has one, else by a key derived
  from the identifying columns. Unchanged rows are untouched; a changed row is inserted
  and the old one gets ``superseded_by``; rows absent from the corrected file are marked
  ``withdrawn``; new rows are inserted.
- Streamed: the file is read and normalised in batches (outside any transaction, so
  progress shows); the rows to write wait in a spool (core.intake.spool) and are
  written batch by batch: memory stays flat in the file's size (a key per row grows).
- Atomic by default: any row error → nothing applied. With ``accept_valid`` the valid rows
  are applied and the rejected ones reported; then nothing is withdrawn (a rejected row
  is not a row the department took back).
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from renkou.core.audit import audit_record
from renkou.core.db import FastInsert, refresh_planner_stats
from renkou.core.intake import (
    IntakeError,
    IntakeResult,
    Notice,
    RowError,
    StoredFile,
    intake_store,
    read_table,
    row_errors_store,
)
from renkou.core.intake.columns import ColumnBatch, read_columns
from renkou.core.intake.spool import RowSpool
from renkou.core.models import ImportBatch, ImportRowError, OrgUnit, User
from renkou.exchange.feeds import FEEDS, FeedKind
from renkou.exchange.feeds.base import key_digests, key_text
from renkou.exchange.feeds.seen import SeenKeys, digest_halves
from renkou.exchange.feeds.stage import (
    CONTENT_HASH,
    STAGED_FIELDS,
    Outcome,
    Staged,
    normalise_batch,
)
from renkou.exchange.models import FeedBatch, FeedRow
from renkou.exchange.scope import check_no_overlap, feed_unit

__all__ = ["FeedImportResult", "IntakeError", "feed_import", "parse_month"]

BATCH = 1000
SQLITE_CACHE_KIB = 64 * 1024
PROGRESS_EVERY = 1000
Progress = Callable[[int], None]
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(kw_only=True)
class FeedImportResult(IntakeResult):
    """A feed import: the shared counts plus how the month's rows changed."""

    kind: str
    month: str
    feed_batch_id: int | None = None
    superseded: int = 0
    withdrawn: int = 0


@dataclass
class _Pass:
    """One reading of a file, batch by batch: its errors and notices, and how its valid
    rows compare with the month's current rows (``current`` loses each row matched)."""

    current: dict[str, tuple[int, str]]
    errors: list[RowError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    total: int = 0
    created: int = 0
    unchanged: int = 0
    changed: list[tuple[str, int]] = field(default_factory=list)  # (natural key, old pk)
    withdrawn: list[int] = field(default_factory=list)


def parse_month(month: str | dt.date) -> dt.date:
    """``"2026-01"`` (or any date in the month) → the first day; IntakeError otherwise."""
    if isinstance(month, dt.date):
        return month.replace(day=1)
    match = _MONTH.fullmatch(month.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise IntakeError(f"月份格式应为 YYYY-MM：{month[:20]}")
    return dt.date(int(match[1]), int(match[2]), 1)


def _batches(
    feed: FeedKind, path: Path, fmt: str, mapping: dict[str, str] | None, columnar: bool
) -> tuple[Iterator[ColumnBatch], list[Notice]]:
    if columnar:
        table = read_columns(path=path, fmt=fmt, spec=feed.spec, mapping=mapping)  # type: ignore[arg-type]
        return table.batches, table.notices
    # The reference: rows read one by one, each its own one-row batch.
    rows = read_table(path=path, fmt=fmt, spec=feed.spec, mapping=mapping, columnar=False)  # type: ignore[arg-type]
    singles = (
        ColumnBatch(r.sheet, [r.number], {k: [v] for k, v in r.values.items()},
                    {0: r.errors} if r.errors else {})
        for r in rows.rows
    )  # fmt: skip
    return singles, rows.notices


def _compare(run: _Pass, keys: list[str], accepted: list[Staged]) -> list[tuple[Any, ...]]:
    """Count the batch's valid rows against the month's current ones (each match leaves
    ``run.current``); the new and changed ones as rows to write (natural key first)."""
    current = run.current
    pending: list[tuple[Any, ...]] = []
    for natural_key, outcome in zip(keys, accepted, strict=True):
        old = current.pop(natural_key, None)
        if old is None:
            run.created += 1
        elif old[1] != outcome.values[CONTENT_HASH]:
            run.changed.append((natural_key, old[0]))
        else:
            run.unchanged += 1
            continue
        pending.append((natural_key, *outcome.values))
    return pending


def _read(
    feed: FeedKind, path: Path, fmt: str, mapping: dict[str, str] | None, *,
    current: dict[str, tuple[int, str]], progress: Progress | None = None,
    spool: RowSpool | None = None, accept_valid: bool = False, columnar: bool = True,
) -> _Pass:  # fmt: skip
    """Read, normalise and compare the file batch by batch; the new and changed rows go to
    ``spool`` (as FeedRow values less the batch) while nothing forbids applying them."""
    batches, notices = _batches(feed, path, fmt, mapping, columnar)
    today = timezone.localdate()
    run = _Pass(current=current, notices=notices)
    errors = run.errors
    sources = SeenKeys()  # the record numbers so far (24 bytes a row, not a dict's 130)
    seen_keys: dict[str, int] = {}
    header = feed.header(feed.source_key) if feed.source_key else ""
    for batch in batches:
        outcomes = normalise_batch(feed, batch, today, columnar=columnar)
        done, run.total = run.total, run.total + len(outcomes)
        if progress is not None:
            for count in range(done - done % PROGRESS_EVERY + PROGRESS_EVERY, run.total + 1,
                               PROGRESS_EVERY):  # fmt: skip
                progress(count)
        accepted, keys = _accepted(outcomes, errors, sources, seen_keys, header)
        pending = _compare(run, keys, accepted)
        if spool is not None and pending and (accept_valid or not errors):
            spool.add(pending)
    if not errors:
        run.withdrawn = sorted(pk for pk, _ in current.values())
    return run


def _accepted(
    outcomes: list[Outcome], errors: list[RowError], sources: SeenKeys,
    seen_keys: dict[str, int], header: str,
) -> tuple[list[Staged], list[str]]:  # fmt: skip
    """A batch's staged rows less those in error (added to ``errors``) or repeating an
    earlier row's record number, and each one's natural key."""
    staged = [o for o in outcomes if not isinstance(o, list)]
    # A record number's key digests "s:" + the number: digested once, it serves both
    # to find repeats and (for a number of up to 64 characters) as the natural key.
    marked = key_digests(["s:" + o.source for o in staged if o.source])
    hi, lo = digest_halves(marked)
    earlier = sources.first_rows(hi, lo)
    here: dict[str, int] = {}  # this batch's record numbers (by digest) → row
    new: list[int] = []
    accepted: list[Staged] = []
    keyed: list[str] = []  # what each accepted row's natural key digests ("" = known)
    keys: list[str] = []
    k = 0
    for outcome in outcomes:
        if isinstance(outcome, list):
            errors.extend(outcome)
            continue
        source, material = outcome.source, outcome.key_material
        if source:
            digest, first = marked[k], earlier[k]
            k += 1
            first = first or here.get(digest, 0)
            if first:
                reason = f"{header}与第 {first} 行重复"
                errors.append(RowError(outcome.sheet, outcome.number, header, source, reason))
                continue
            here[digest] = outcome.number
            new.append(k - 1)
            same = material == "s:" + source
            keyed.append("" if same else material)
            keys.append(digest if same else "")
        else:
            keyed.append(key_text(material, seen_keys))
            keys.append("")
        accepted.append(outcome)
    picked = np.array(new, dtype=np.intp)
    sources.add(hi[picked], lo[picked], [int(n) for n in here.values()])
    missing = [j for j, key in enumerate(keys) if not key]
    for j, digest in zip(missing, key_digests([keyed[j] for j in missing]), strict=True):
        keys[j] = digest
    return accepted, keys


def _current(kind: str, month: dt.date, unit: OrgUnit | None) -> dict[str, tuple[int, str]]:
    """The current rows of the same kind, month and unit: what a new file replaces."""
    same_unit = Q(batch__org_unit=unit)
    if unit is None or unit.parent_id is None:
        same_unit |= Q(batch__org_unit__isnull=True)  # whole-county files of old
    rows = FeedRow.objects.filter(
        same_unit, batch__kind=kind, batch__month=month, superseded_by__isnull=True,
        withdrawn=False,
    ).values_list("id", "natural_key", "content_hash")  # fmt: skip
    return {key: (pk, digest) for pk, key, digest in rows}


WRITTEN = ("natural_key", *STAGED_FIELDS)
# The FeedRow columns queries filter, join, sort or group on: their statistics are
# renewed after a load (the wide text, cipher and JSON columns' would cost 3/4 of it).
PLANNED = ("id", "batch", "natural_key", "superseded_by", "withdrawn", "row_number",
           "event_type")  # fmt: skip


def _apply(
    *, feed: FeedKind, month: dt.date, batch: ImportBatch, run: _Pass, spool: RowSpool,
    result: FeedImportResult, actor: User | None, unit: OrgUnit | None,
) -> FeedBatch:  # fmt: skip
    with transaction.atomic():
        if connection.vendor == "sqlite":
            # Index updates of 10^5 random natural keys otherwise thrash SQLite's default
            # 2 MB page cache; a fixed cap (not the register import's 256 MB) keeps the
            # import's memory flat in the file's size (ADR 0013).
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        refresh_planner_stats(FeedRow, fields=PLANNED)
        feed_batch = FeedBatch.objects.create(
            kind=feed.kind, month=month, org_unit=unit, import_batch=batch,
            rows_total=result.rows_total,
            rows_error=result.rows_error, rows_created=run.created,
            rows_superseded=len(run.changed), rows_withdrawn=len(run.withdrawn),
            rows_unchanged=run.unchanged,
        )  # fmt: skip
        inserter = FastInsert(FeedRow, WRITTEN, fixed={"batch_id": feed_batch.pk})
        inserter.insert_batches(spool.batches())
        # A corrected row points its predecessor at its replacement (same natural key).
        keys = [key for key, _ in run.changed]
        replaced: dict[str, int] = {}
        for start in range(0, len(keys), BATCH):
            chunk = FeedRow.objects.filter(
                batch=feed_batch, natural_key__in=keys[start : start + BATCH]
            )
            replaced.update(chunk.values_list("natural_key", "pk"))
        olds = [FeedRow(pk=old, superseded_by_id=replaced[key]) for key, old in run.changed]
        FeedRow.objects.bulk_update(olds, ["superseded_by"], batch_size=BATCH)
        for start in range(0, len(run.withdrawn), BATCH):
            FeedRow.objects.filter(pk__in=run.withdrawn[start : start + BATCH]).update(
                withdrawn=True
            )
        batch.status = ImportBatch.Status.APPLIED
        batch.rows_created, batch.rows_updated = run.created, len(run.changed)
        batch.rows_unchanged = run.unchanged
        batch.save()
        result.error_report = row_errors_store(batch=batch, errors=result.errors)
        audit_record(
            action=f"import.feed.{feed.kind}", actor=actor, object_type="batch",
            object_id=batch.pk,
            detail={
                "sha256": batch.sha256, "month": f"{month:%Y-%m}", "rows": result.rows_total,
                "rejected": result.rows_error, "created": run.created,
                "superseded": len(run.changed), "withdrawn": len(run.withdrawn),
                "unchanged": run.unchanged,
            },
        )  # fmt: skip
    return feed_batch


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is read and written.

    An import makes millions of tuples and strings that live until their batch is
    spooled or written; none form a cycle (reference counting frees them), yet each one
    made counts towards a collection pass that walks the young ones — some 10 % of an
    import's CPU time (ADR 0013). The collector runs again, as it was, on leaving."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _feed(kind: str) -> FeedKind:
    try:
        return FEEDS[kind]
    except KeyError as exc:
        raise IntakeError(f"未知的数据类别：{kind[:20]}（可用：{'、'.join(FEEDS)}）") from exc


def feed_import(
    *,
    kind: str,
    path: Path | str,
    month: str | dt.date,
    actor: User | None,
    mapping: dict[str, str] | None = None,
    accept_valid: bool = False,
    dry_run: bool = False,
    file_name: str | None = None,
    progress: Progress | None = None,
    stored: StoredFile | None = None,
    unit: OrgUnit | None = None,
    columnar: bool = True,
) -> FeedImportResult:
    """Import one department feed file for a month; raises IntakeError when the whole
    file is refused (unknown kind, bad month, wrong type, missing required column).

    ``file_name`` is the name the file came with (a web upload's temporary file has
    another); ``progress`` is called with the rows read so far every 1000 rows.

    ``stored`` is a file the web already stored (a STAGED batch from ``intake_store``):
    a dry run of it leaves it STAGED, to be applied later, and each pass replaces the
    batch's row errors instead of adding to them.

    ``unit`` is whose data the file is (default: the actor's unit; the command line's is
    the whole county); a file replaces only the rows of the same unit (scope.py).

    The file is read, checked and written batch by batch (memory flat in its size), its
    rows normalised column-wise (:mod:`renkou.exchange.feeds.stage`); ``columnar=False``
    reads and normalises it row by row instead — the reference the fast path must equal."""
    started = time.perf_counter()
    feed, first = _feed(kind), parse_month(month)
    scope_unit = feed_unit(actor, unit)
    check_no_overlap(kind=feed.kind, month=first, unit=scope_unit)
    label = f"{first:%Y-%m}"
    staged = stored is not None
    if stored is None:
        stored = intake_store(
            path=Path(path), kind=feed.spec.kind, actor=actor, period=label, file_name=file_name
        )
    elif stored.batch.status != ImportBatch.Status.STAGED or stored.batch.period != label:
        raise IntakeError("该文件已处理过或月份不符，请重新上传。")
    batch = stored.batch
    if stored.duplicate_of is not None:
        return FeedImportResult(
            status="unchanged", kind=kind, month=label, batch_id=batch.pk,
            rows_total=batch.rows_total, unchanged=batch.rows_total,
        )  # fmt: skip
    current = _current(feed.kind, first, scope_unit)
    with RowSpool() as spool, _collector_paused():
        try:
            run = _read(
                feed, stored.path, stored.format, mapping, current=current, progress=progress,
                spool=None if dry_run else spool, accept_valid=accept_valid, columnar=columnar,
            )  # fmt: skip
        except IntakeError:
            if not staged:
                batch.status = ImportBatch.Status.REJECTED
                batch.save(update_fields=["status"])
            raise
        if staged:
            ImportRowError.objects.filter(batch=batch).delete()
        result = FeedImportResult(
            status="dry_run", kind=kind, month=label, batch_id=batch.pk, rows_total=run.total,
            rows_error=len(run.errors), created=run.created, unchanged=run.unchanged,
            superseded=len(run.changed), withdrawn=len(run.withdrawn),
        )  # fmt: skip
        result.errors, result.notices = run.errors, run.notices
        batch.rows_total, batch.rows_error = run.total, len(run.errors)
        batch.rows_ok = run.total - len(run.errors)
        if dry_run or (run.errors and not accept_valid):
            result.status = "dry_run" if dry_run else "rejected"
            keep = staged and dry_run
            batch.status = ImportBatch.Status.STAGED if keep else ImportBatch.Status.REJECTED
            batch.save()
            result.error_report = row_errors_store(batch=batch, errors=run.errors)
        else:
            try:
                result.feed_batch_id = _apply(
                    feed=feed, month=first, batch=batch, run=run, spool=spool, result=result,
                    actor=actor, unit=scope_unit,
                ).pk  # fmt: skip
            except Exception:
                ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
                raise
            result.status = "applied"
    result.seconds = round(time.perf_counter() - started, 3)
    return result
