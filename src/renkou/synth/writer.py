"""CSV output: UTF-8 with BOM (what Excel expects for Chinese), comma separated, CRLF."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

CHUNK_ROWS = 100_000
BOM = b"\xef\xbb\xbf"

Column = np.ndarray | list[str]


def write_csv(path: Path, header: Sequence[str], columns: Sequence[Column]) -> int:
    """Write ``columns`` (equal length) under ``header``; returns the number of data rows."""
    if len(header) != len(columns):
        raise ValueError("one column per header field")
    rows = len(columns[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(BOM + _encode([list(header)]))
        for start in range(0, rows, CHUNK_ROWS):
            part = [_as_list(c[start : start + CHUNK_ROWS]) for c in columns]
            handle.write(_encode(zip(*part, strict=True)))
    return rows


def _encode(rows: Iterable[Sequence[str]]) -> bytes:
    """CSV text of ``rows`` as UTF-8 (one encode per chunk, not per row)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _as_list(column: Column) -> list[str]:
    """Plain Python strings for the csv module."""
    return column.tolist() if isinstance(column, np.ndarray) else column
