"""Importing the legacy register (全员人口个案) from CSV/XLSX/XLS.

``register_import(path=…, actor=…)`` stores the file through ``core.intake``, maps the
headers, validates every row (Chinese reasons), resolves parents and spouses against
the file and the register, and applies everything in ONE transaction.

- Atomic by default: if any row is rejected nothing is applied and the result lists
  every error. With ``accept_valid=True`` the valid rows are applied and the rejected
  ones are still reported (and stored as ImportRowError rows).
- Idempotent: the same file (same SHA-256) again is a no-op; a corrected file updates
  only rows whose fingerprint changed (matched by 个案编号), each with a correction
  LifeEvent carrying the diff, and creates the new ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from renkou.core.intake import (
    IntakeError,
    IntakeResult,
    Notice,
    RowError,
    intake_store,
    read_table,
    row_errors_store,
)
from renkou.core.models import ImportBatch, User
from renkou.registry.importer.apply import apply_plan
from renkou.registry.importer.plan import plan_records
from renkou.registry.importer.spec import REGISTER_SPEC
from renkou.registry.importer.validate import (
    Context,
    Record,
    RowRejectedError,
    check_file_rules,
    validate_row,
)

__all__ = ["ImportResult", "IntakeError", "register_import"]


@dataclass(kw_only=True)
class ImportResult(IntakeResult):
    """A register import: the shared counts plus what the register gained."""

    updated: int = 0
    households: int = 0
    marriages: int = 0


def _validate(
    path: Path, fmt: str, mapping: dict[str, str] | None
) -> tuple[list[Record], list[RowError], list[Notice], int]:
    table = read_table(path=path, fmt=fmt, spec=REGISTER_SPEC, mapping=mapping)  # type: ignore[arg-type]
    ctx = Context.load()
    records: list[Record] = []
    errors: list[RowError] = []
    total = 0
    for row in table.rows:
        total += 1
        if row.errors:
            errors.extend(row.errors)
            continue
        try:
            records.append(validate_row(ctx, row))
        except RowRejectedError as exc:
            errors.append(RowError(row.sheet, row.number, exc.column, exc.raw, exc.reason))
    kept, cross = check_file_rules(records)
    return kept, errors + cross, table.notices, total


def register_import(
    *,
    path: Path | str,
    actor: User | None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    accept_valid: bool = False,
) -> ImportResult:
    """Import a legacy register file; raises IntakeError when the whole file is refused."""
    started = time.perf_counter()
    stored = intake_store(path=Path(path), kind=REGISTER_SPEC.kind, actor=actor)
    batch = stored.batch
    if stored.duplicate_of is not None:
        return ImportResult(
            status="unchanged",
            batch_id=batch.pk,
            rows_total=batch.rows_total,
            unchanged=batch.rows_total,
        )
    try:
        records, errors, notices, total = _validate(stored.path, stored.format, mapping)
        plan, link_errors = plan_records(records)
    except IntakeError:
        batch.status = ImportBatch.Status.REJECTED
        batch.save(update_fields=["status"])
        raise
    errors += link_errors
    result = ImportResult(
        status="dry_run",
        batch_id=batch.pk,
        rows_total=total,
        rows_error=len(errors),
        errors=errors,
        notices=notices,
    )
    batch.rows_total, batch.rows_error = total, len(errors)
    batch.rows_ok = total - len(errors)
    if dry_run or (errors and not accept_valid):
        result.status = "dry_run" if dry_run else "rejected"
        result.created, result.unchanged = len(plan.new), plan.unchanged
        result.updated = len(plan.changed)
        batch.status = ImportBatch.Status.REJECTED
        batch.save()
    else:
        applied = apply_plan(plan=plan, batch=batch, actor=actor, rows_error=len(errors))
        result.status = "applied"
        result.created, result.updated = applied.created, applied.updated
        result.unchanged, result.households = plan.unchanged, applied.households
        result.marriages = applied.marriages
    result.error_report = row_errors_store(batch=batch, errors=errors)
    result.seconds = round(time.perf_counter() - started, 3)
    return result
