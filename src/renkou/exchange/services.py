"""Importing a department feed: stage → validate → apply in ONE transaction.

- Idempotent: the same file (same SHA-256) for the same kind and month is a no-op.
- A corrected file (other hash, same kind and month) changes only what changed: rows are
  matched by the department's record number when the file has one, else by a key derived
  from the identifying columns. Unchanged rows are untouched; a changed row is inserted
  and the old one gets ``superseded_by``; rows absent from the corrected file are marked
  ``withdrawn``; new rows are inserted.
- Atomic by default: any row error → nothing applied. With ``accept_valid`` the valid rows
  are applied and the rejected ones reported; then nothing is withdrawn (a rejected row
  is not a row the department took back).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from renkou.core.audit import audit_record
from renkou.core.db import insert_rows, refresh_planner_stats
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
from renkou.core.models import ImportBatch, ImportRowError, OrgUnit, User
from renkou.exchange.feeds import FEEDS, FeedKind
from renkou.exchange.feeds.base import FeedRecord, RowRejectedError, finish_keys, normalise_row
from renkou.exchange.models import FeedBatch, FeedRow
from renkou.exchange.scope import check_no_overlap, feed_unit

__all__ = ["FeedImportResult", "IntakeError", "feed_import", "parse_month"]

BATCH = 1000
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
class _Diff:
    new: list[FeedRecord] = field(default_factory=list)
    changed: list[tuple[FeedRecord, int]] = field(default_factory=list)  # (record, old pk)
    unchanged: int = 0
    withdrawn: list[int] = field(default_factory=list)


def parse_month(month: str | dt.date) -> dt.date:
    """``"2026-01"`` (or any date in the month) → the first day; IntakeError otherwise."""
    if isinstance(month, dt.date):
        return month.replace(day=1)
    match = _MONTH.fullmatch(month.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise IntakeError(f"月份格式应为 YYYY-MM：{month[:20]}")
    return dt.date(int(match[1]), int(match[2]), 1)


def _read(
    feed: FeedKind, path: Path, fmt: str, mapping: dict[str, str] | None,
    progress: Progress | None = None,
) -> tuple[list[FeedRecord], list[RowError], list[Notice], int]:  # fmt: skip
    table = read_table(path=path, fmt=fmt, spec=feed.spec, mapping=mapping)  # type: ignore[arg-type]
    today = timezone.localdate()
    records: list[FeedRecord] = []
    errors: list[RowError] = []
    seen_sources: dict[str, int] = {}
    total = 0
    for row in table.rows:
        total += 1
        if progress is not None and total % PROGRESS_EVERY == 0:
            progress(total)
        if row.errors:
            errors.extend(row.errors)
            continue
        try:
            record = normalise_row(feed, row, today)
        except RowRejectedError as exc:
            errors.append(exc.as_error(row))
            continue
        source = record.source_record_id
        if source and source in seen_sources:
            header = feed.header(feed.source_key)
            reason = f"{header}与第 {seen_sources[source]} 行重复"
            errors.append(RowError(row.sheet, row.number, header, source, reason))
            continue
        if source:
            seen_sources[source] = row.number
        records.append(record)
    finish_keys(records)
    return records, errors, table.notices, total


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


def _diff(records: list[FeedRecord], current: dict[str, tuple[int, str]], withdraw: bool) -> _Diff:
    diff = _Diff()
    for record in records:
        old = current.pop(record.natural_key, None)
        if old is None:
            diff.new.append(record)
        elif old[1] != record.content_hash:
            diff.changed.append((record, old[0]))
        else:
            diff.unchanged += 1
    if withdraw:
        diff.withdrawn = sorted(pk for pk, _ in current.values())
    return diff


def _row(batch: FeedBatch, record: FeedRecord) -> FeedRow:
    return FeedRow(
        batch=batch, sheet=record.sheet[:100], row_number=record.row_number,
        source_record_id=record.source_record_id, natural_key=record.natural_key,
        content_hash=record.content_hash, name=record.name[:50], sex=record.sex,
        birth_date=record.birth_date,
        id_cipher=record.id.cipher, id_index=record.id.index, id_masked=record.id.masked,
        id_valid=record.id.valid,
        id2_cipher=record.id2.cipher, id2_index=record.id2.index, id2_masked=record.id2.masked,
        id2_valid=record.id2.valid,
        event_type=record.event_type, event_date=record.event_date, place=record.place[:255],
        org=record.org[:255], household_code=record.household_code[:30], extra=record.extra,
    )  # fmt: skip


def _apply(
    *, feed: FeedKind, month: dt.date, batch: ImportBatch, diff: _Diff, result: FeedImportResult,
    actor: User | None, unit: OrgUnit | None,
) -> FeedBatch:  # fmt: skip
    with transaction.atomic():
        refresh_planner_stats(FeedRow)
        feed_batch = FeedBatch.objects.create(
            kind=feed.kind, month=month, org_unit=unit, import_batch=batch,
            rows_total=result.rows_total,
            rows_error=result.rows_error, rows_created=len(diff.new),
            rows_superseded=len(diff.changed), rows_withdrawn=len(diff.withdrawn),
            rows_unchanged=diff.unchanged,
        )  # fmt: skip
        insert_rows([_row(feed_batch, r) for r in (*diff.new, *(r for r, _ in diff.changed))])
        # A corrected row points its predecessor at its replacement (same natural key).
        keys = [r.natural_key for r, _ in diff.changed]
        replaced: dict[str, int] = {}
        for start in range(0, len(keys), BATCH):
            chunk = FeedRow.objects.filter(
                batch=feed_batch, natural_key__in=keys[start : start + BATCH]
            )
            replaced.update(chunk.values_list("natural_key", "pk"))
        olds = [
            FeedRow(pk=old, superseded_by_id=replaced[r.natural_key]) for r, old in diff.changed
        ]
        FeedRow.objects.bulk_update(olds, ["superseded_by"], batch_size=BATCH)
        for start in range(0, len(diff.withdrawn), BATCH):
            FeedRow.objects.filter(pk__in=diff.withdrawn[start : start + BATCH]).update(
                withdrawn=True
            )
        batch.status = ImportBatch.Status.APPLIED
        batch.rows_created, batch.rows_updated = len(diff.new), len(diff.changed)
        batch.rows_unchanged = diff.unchanged
        batch.save()
        result.error_report = row_errors_store(batch=batch, errors=result.errors)
        audit_record(
            action=f"import.feed.{feed.kind}", actor=actor, object_type="batch",
            object_id=batch.pk,
            detail={
                "sha256": batch.sha256, "month": f"{month:%Y-%m}", "rows": result.rows_total,
                "rejected": result.rows_error, "created": len(diff.new),
                "superseded": len(diff.changed), "withdrawn": len(diff.withdrawn),
                "unchanged": diff.unchanged,
            },
        )  # fmt: skip
    return feed_batch


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
) -> FeedImportResult:
    """Import one department feed file for a month; raises IntakeError when the whole
    file is refused (unknown kind, bad month, wrong type, missing required column).

    ``file_name`` is the name the file came with (a web upload's temporary file has
    another); ``progress`` is called with the rows read so far every 1000 rows.

    ``stored`` is a file the web already stored (a STAGED batch from ``intake_store``):
    a dry run of it leaves it STAGED, to be applied later, and each pass replaces the
    batch's row errors instead of adding to them.

    ``unit`` is whose data the file is (default: the actor's unit; the command line's is
    the whole county); a file replaces only the rows of the same unit (scope.py)."""
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
    try:
        records, errors, notices, total = _read(feed, stored.path, stored.format, mapping, progress)
    except IntakeError:
        if not staged:
            batch.status = ImportBatch.Status.REJECTED
            batch.save(update_fields=["status"])
        raise
    if staged:
        ImportRowError.objects.filter(batch=batch).delete()
    result = FeedImportResult(
        status="dry_run",
        kind=kind,
        month=label,
        batch_id=batch.pk,
        rows_total=total,
        rows_error=len(errors),
    )
    result.errors, result.notices = errors, notices
    batch.rows_total, batch.rows_error, batch.rows_ok = total, len(errors), total - len(errors)
    diff = _diff(records, _current(feed.kind, first, scope_unit), withdraw=not errors)
    result.created, result.superseded = len(diff.new), len(diff.changed)
    result.withdrawn, result.unchanged = len(diff.withdrawn), diff.unchanged
    if dry_run or (errors and not accept_valid):
        result.status = "dry_run" if dry_run else "rejected"
        keep = staged and dry_run
        batch.status = ImportBatch.Status.STAGED if keep else ImportBatch.Status.REJECTED
        batch.save()
        result.error_report = row_errors_store(batch=batch, errors=errors)
    else:
        try:
            result.feed_batch_id = _apply(
                feed=feed,
                month=first,
                batch=batch,
                diff=diff,
                result=result,
                actor=actor,
                unit=scope_unit,
            ).pk
        except Exception:
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
            raise
        result.status = "applied"
    result.seconds = round(time.perf_counter() - started, 3)
    return result
