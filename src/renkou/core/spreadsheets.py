"""Spreadsheet output shared by every export: formula-neutral cells, text-typed codes.

Every .xlsx renkou hands out goes through `xlsx_bytes`, so no export can start a formula
in Excel or WPS, and identity numbers, phones and codes stay text (never 1.1E+17).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils import timezone

# Characters that make Excel or WPS read a cell as a formula (or a DDE call).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: object) -> object:
    """Text that would start a formula gets a leading apostrophe, so it shows as text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass
class Sheet:
    """One worksheet: a title, a header row and the data rows.

    text_columns / date_columns are 1-based column numbers whose cells are forced to
    text ("@") or shown as yyyy-mm-dd.
    """

    title: str
    headers: Sequence[object]
    rows: Iterable[Sequence[object]]
    text_columns: Sequence[int] = ()
    date_columns: Sequence[int] = ()
    preamble: Sequence[Sequence[object]] = field(default_factory=tuple)


def xlsx_bytes(sheets: Sequence[Sheet]) -> tuple[bytes, int]:
    """The workbook as bytes and the number of data rows written (over all sheets)."""
    from openpyxl import Workbook

    book = Workbook()
    first = True
    written = 0
    for spec in sheets:
        sheet = book.active if first else book.create_sheet()
        first = False
        # Excel refuses sheet titles over 31 characters or with []:*?/\ in them.
        title = "".join(ch for ch in str(spec.title) if ch not in "[]:*?/\\")[:31]
        sheet.title = title or "Sheet"
        for line in spec.preamble:
            sheet.append([neutralise(str(v)) for v in line])
        sheet.append([neutralise(str(h)) for h in spec.headers])
        for values in spec.rows:
            sheet.append([neutralise(v) for v in values])
            written += 1
            row = sheet.max_row
            for column in spec.text_columns:
                cell = sheet.cell(row=row, column=column)
                cell.data_type = "s"
                cell.number_format = "@"
            for column in spec.date_columns:
                sheet.cell(row=row, column=column).number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), written


def xlsx_response(content: bytes, stem: str) -> HttpResponse:
    """An attachment named "<stem>-YYYYmmdd-HHMM.xlsx" (ASCII stem, local time)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.xlsx"'
    return response
