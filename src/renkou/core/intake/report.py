"""The error report CSV written next to an import batch."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from django.conf import settings

from renkou.core.intake.table import RowError
from renkou.core.models import ImportBatch, ImportRowError

HEADER = ("工作表", "行号", "列", "原始值", "原因")


def _neutral(text: str) -> str:
    # Formula injection: a cell starting with = + - @ would run in Excel.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_error_report(*, errors: Iterable[RowError], to: Path | TextIO) -> None:
    """Write the errors as CSV, UTF-8 with a BOM (so Excel opens it), to a file or to an
    open text stream (a download). Raw values come masked in the RowError; cells that
    would start a formula get a leading apostrophe."""
    if isinstance(to, Path):
        to.parent.mkdir(parents=True, exist_ok=True)
        with to.open("w", encoding="utf-8", newline="") as fh:
            write_error_report(errors=errors, to=fh)
        return
    to.write("\ufeff")
    writer = csv.writer(to)
    writer.writerow(HEADER)
    for error in errors:
        writer.writerow(
            [_neutral(error.sheet), error.row, _neutral(error.column), _neutral(error.raw),
             error.reason]
        )  # fmt: skip


def row_errors_store(*, batch: ImportBatch, errors: list[RowError]) -> str:
    """Keep a batch's row errors (table and CSV next to the batch); returns the CSV path."""
    if not errors:
        return ""
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(batch=batch, sheet=e.sheet[:100], row=e.row, column=e.column[:100],
                           raw_value=e.raw[:255], reason=e.reason[:255])
            for e in errors
        ],
        batch_size=2000,
    )  # fmt: skip
    target = Path(settings.DATA_DIR) / "imports" / str(batch.pk) / "errors.csv"
    write_error_report(errors=sorted(errors, key=lambda e: (e.sheet, e.row)), to=target)
    return str(target)


def stored_row_errors(batch_id: int) -> Iterator[RowError]:
    """A batch's kept row errors, in report order (for a download of its report)."""
    rows = ImportRowError.objects.filter(batch_id=batch_id).order_by("sheet", "row", "id")
    for sheet, row, column, raw, reason in rows.values_list(
        "sheet", "row", "column", "raw_value", "reason"
    ).iterator():
        yield RowError(sheet, row, column, raw, reason)
