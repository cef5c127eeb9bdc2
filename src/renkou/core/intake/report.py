"""The error report CSV written next to an import batch."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from renkou.core.intake.table import RowError

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
