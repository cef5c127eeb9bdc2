"""The error report CSV written next to an import batch."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from renkou.core.intake.table import RowError
from renkou.core.models import ImportBatch, ImportRowError

HEADER = ("工作表", "行号", "列", "原始值", "原因")


def _neutral(text: str) -> str:
    # Formula injection: a cell starting with = + - @ would run in Excel.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_error_report(*, errors: Iterable[RowError], path: Path) -> Path:
    """Write the errors as a UTF-8 (with BOM, so Excel opens it) CSV; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for error in errors:
            writer.writerow(
                [
                    _neutral(error.sheet),
                    error.row,
                    _neutral(error.column),
                    _neutral(error.raw),
                    error.reason,
                ]
            )
    return path


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
    ordered = sorted(errors, key=lambda e: (e.sheet, e.row))
    return str(write_error_report(errors=ordered, path=target))
