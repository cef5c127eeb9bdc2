"""Reading a table column by column, batch by batch: the fast path of ``read_table``.

The result is exactly :func:`renkou.core.intake.table.read_table`'s row-by-row result
(same rows, numbers, values, errors and notices; tests compare the two on hostile
files), computed on columns of some 20 000 rows at a time:

- blank and total rows are found on whole columns (Arrow compute for a plain CSV; a
  total-row candidate is then checked by the row-wise rule itself);
- a column of text cells is cleaned with one ``str`` method per cell where the
  row-wise rule (:func:`~renkou.core.intake.cells.clean_cell`) provably gives the same
  (ASCII cells; text without U+3000); every other cell goes through ``clean_cell``;
- a date column is parsed once per distinct value (a month of a feed has a few dozen
  event dates), errors included.

Memory stays flat in the file size: one batch of raw cells and clean values at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from renkou.core.intake.cells import CellError, ColumnKind, Value, clean_cell, mask_raw
from renkou.core.intake.files import FileFormat, IntakeError
from renkou.core.intake.readers import ROWS_PER_CHUNK, Cell, Chunk, Sheet, open_workbook
from renkou.core.intake.table import (
    FORMULA_NO_VALUE,
    NO_HEADER,
    TOTAL_ROW,
    Notice,
    Row,
    RowError,
    Table,
    TableSpec,
    alias_index,
    is_total,
    sheet_header,
)

# A cell that may start a total row once spaces are removed (checked row-wise after).
_TOTAL_HINT = "[合总小][ \u3000]*计"


@dataclass
class ColumnBatch:
    """Consecutive kept rows of one sheet: clean values by field, errors by row."""

    sheet: str
    numbers: list[int]
    values: dict[str, list[Value]]  # field → one clean value per row ("" where in error)
    errors: dict[int, list[RowError]] = field(default_factory=dict)  # row index → errors

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, i: int) -> Row:
        """Row ``i`` exactly as the row-wise reader builds it."""
        values = {name: column[i] for name, column in self.values.items()}
        return Row(self.sheet, self.numbers[i], values, list(self.errors.get(i, ())))

    def rows(self) -> Iterator[Row]:
        for i in range(len(self.numbers)):
            yield self.row(i)


@dataclass
class ColumnTable:
    """Batches of a file mapped onto a spec; ``notices`` fills while batches are read."""

    batches: Iterator[ColumnBatch]
    headers: dict[str, str] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)


def _clean_text(raw: list[Any]) -> list[Value]:
    # clean_cell for a text cell: strip; a non-ASCII one also has U+3000 → space, strip.
    return [
        s.replace("\u3000", " ").strip() if "\u3000" in s else s for s in [v.strip() for v in raw]
    ]


def _clean_folded(raw: list[Any], kind: ColumnKind) -> list[Value]:
    # clean_cell for a code / id / phone cell: an ASCII cell is only stripped; the others
    # (男, 汉族, full-width digits …) go through clean_cell itself, once per distinct value.
    stripped = [v.strip() for v in raw]
    others = {s for s in stripped if not s.isascii()}
    folded = {s: clean_cell(s, kind, date1904=False) for s in others}
    if not folded:
        return stripped
    get = folded.get
    return [get(s, s) for s in stripped]


def _clean_each(
    raw: list[Any], kind: ColumnKind, date1904: bool
) -> tuple[list[Value], dict[int, str]]:
    """clean_cell per distinct (type, value) — per cell for unhashable values."""
    results: dict[tuple[type, Any], Value | CellError] = {}
    keys: list[tuple[type, Any] | None] = []
    loose: dict[int, Value | CellError] = {}
    for i, value in enumerate(raw):
        key = (type(value), value)
        try:
            known = key in results
        except TypeError:  # an unhashable cell value: cleaned on its own
            keys.append(None)
            loose[i] = _outcome(value, kind, date1904)
            continue
        if not known:
            results[key] = _outcome(value, kind, date1904)
        keys.append(key)
    out: list[Value] = []
    failed: dict[int, str] = {}
    for i, found in enumerate(keys):
        result = loose[i] if found is None else results[found]
        if isinstance(result, CellError):
            failed[i] = str(result)
            out.append("")
        else:
            out.append(result)
    return out, failed


def _outcome(value: Any, kind: ColumnKind, date1904: bool) -> Value | CellError:
    try:
        return clean_cell(value, kind, date1904=date1904)
    except CellError as exc:
        return exc


def _clean_dates(raw: list[str], date1904: bool) -> tuple[list[Value], dict[int, str]]:
    results = {v: _outcome(v, "date", date1904) for v in set(raw)}
    out = [results[v] for v in raw]
    failed = {i: str(r) for i, r in enumerate(out) if isinstance(r, CellError)}
    for i in failed:
        out[i] = ""
    return out, failed  # type: ignore[return-value]


def clean_column(
    raw: list[Any], kind: ColumnKind, *, date1904: bool, strings: bool = False
) -> tuple[list[Value], dict[int, str]]:
    """The clean values of one column's cells and the reason of each cell in error
    (by index); equal, cell for cell, to calling ``clean_cell`` on each. ``strings``:
    the caller knows every cell is a ``str`` (a CSV)."""
    if strings or set(map(type, raw)) <= {str}:
        if kind == "text":
            return _clean_text(raw), {}
        if kind == "date":
            return _clean_dates(raw, date1904)
        return _clean_folded(raw, kind), {}
    return _clean_each(raw, kind, date1904)


class _SheetColumns:
    """The batches of one sheet, for the columns its header mapped."""

    def __init__(
        self,
        sheet: Sheet,
        spec: TableSpec,
        columns: dict[int, str],
        date1904: bool,
        table: ColumnTable,
    ) -> None:
        self.sheet, self.date1904, self.table = sheet, date1904, table
        self.plan = [
            (col, name, spec.column(name).kind, table.headers.get(name, name))
            for col, name in columns.items()
        ]
        self.formula_rows: dict[int, set[int]] = {}
        for number, col in sheet.formulas_without_value:
            self.formula_rows.setdefault(col, set()).add(number)

    def batches(self, rest: list[tuple[int, list[Cell]]], skip: int) -> Iterator[ColumnBatch]:
        """``rest``: rows read past the header; ``skip``: records the header scan read."""
        if rest:
            yield from self._batches(Chunk(rest[0][0], rows=[cells for _, cells in rest]))
        if self.sheet.columnar is not None:
            close = getattr(self.sheet.rows, "close", None)
            if close is not None:
                close()  # the CSV's record reader: Arrow reads on from here
            for chunk in self.sheet.columnar(skip):
                yield from self._batches(chunk)
            return
        rows: list[list[Cell]] = []
        first = 0
        for number, cells in self.sheet.rows:
            if not rows:
                first = number
            elif number != first + len(rows):
                # Calamine numbers are consecutive; keep a chunk's numbers so.
                yield from self._batches(Chunk(first, rows=rows))
                rows, first = [], number
            rows.append(cells)
            if len(rows) == ROWS_PER_CHUNK:
                yield from self._batches(Chunk(first, rows=rows))
                rows = []
        if rows:
            yield from self._batches(Chunk(first, rows=rows))

    def _batches(self, chunk: Chunk) -> Iterator[ColumnBatch]:
        if chunk.count == 0:
            return
        if chunk.arrays is not None:
            numbers, raw = self._kept_arrays(chunk)
        else:
            numbers, raw = self._kept_rows(chunk)
        if numbers:
            yield self._clean(numbers, raw)

    def _kept_rows(self, chunk: Chunk) -> tuple[list[int], list[list[Any]]]:
        assert chunk.rows is not None
        numbers: list[int] = []
        kept: list[list[Cell]] = []
        notices = self.table.notices
        # A total row has a text cell with 计: is_total itself only where the chunk has one.
        try:  # a sheet of text cells joins as it is (str() of each costs 4x the join)
            text = "\x00".join(chain.from_iterable(chunk.rows))  # type: ignore[arg-type]
        except TypeError:  # numbers, dates …
            text = "\x00".join(map(str, chain.from_iterable(chunk.rows)))
        totals = "计" in text
        for offset, cells in enumerate(chunk.rows):
            # any(): a truthy cell is not blank (the exact test only for the others).
            if not any(cells) and all(c in ("", None) for c in cells):
                continue
            number = chunk.first + offset
            if totals and is_total(cells):
                notices.append(Notice(self.sheet.name, number, TOTAL_ROW))
                continue
            numbers.append(number)
            kept.append(cells)
        plan = [col for col, *_ in self.plan]
        width = min(map(len, kept), default=0)
        if kept and max(plan, default=0) < width:  # every row has every mapped column
            columns = list(zip(*kept, strict=False))  # in C; ends with the shortest row
            return numbers, [list(columns[col]) for col in plan]
        raw = [[cells[col] if col < len(cells) else "" for cells in kept] for col in plan]
        return numbers, raw

    def _kept_arrays(self, chunk: Chunk) -> tuple[list[int], list[list[Any]]]:
        # Only Arrow-made arrays and compute: converting a Python value into Arrow would
        # import pandas (a second or two, once per process).
        arrays = chunk.arrays
        assert arrays is not None
        blank = None
        hint = None
        for array in arrays:
            empty = pc.invert(pc.cast(pc.binary_length(array), pa.bool_()))
            blank = empty if blank is None else pc.and_(blank, empty)
            found = pc.match_substring_regex(array, pattern=_TOTAL_HINT)
            hint = found if hint is None else pc.or_(hint, found)
        keep = pc.invert(blank)
        positions = pc.indices_nonzero(keep).to_pylist()
        totals = set()
        for i in pc.indices_nonzero(pc.and_(keep, hint)).to_pylist():
            if is_total([a[i].as_py() for a in arrays]):
                totals.add(i)
                self.table.notices.append(Notice(self.sheet.name, chunk.first + i, TOTAL_ROW))
        width = len(arrays)
        plan = [col for col, *_ in self.plan]
        if totals:
            positions = [i for i in positions if i not in totals]
            listed = [arrays[col].to_pylist() if col < width else None for col in plan]
            raw = [[c[i] for i in positions] if c is not None else [""] * len(positions)
                   for c in listed]  # fmt: skip
        else:
            kept = arrays if len(positions) == chunk.count else [a.filter(keep) for a in arrays]
            raw = [kept[col].to_pylist() if col < width else [""] * len(positions) for col in plan]
        return [chunk.first + i for i in positions], raw

    def _clean(self, numbers: list[int], raw: list[list[Any]]) -> ColumnBatch:
        name_of_sheet = self.sheet.name
        batch = ColumnBatch(name_of_sheet, numbers, {})
        errors = batch.errors
        for (col, name, kind, header), cells in zip(self.plan, raw, strict=True):
            formulas = self.formula_rows.get(col)
            blocked = (
                [i for i, n in enumerate(numbers) if n in formulas] if formulas is not None else []
            )
            given = cells
            if blocked:
                given = list(cells)
                for i in blocked:
                    given[i] = ""
            values, failed = clean_column(
                given, kind, date1904=self.date1904, strings=self.sheet.columnar is not None
            )
            for i in blocked:
                failed[i] = ""
            for i in sorted(failed):
                if i in blocked:
                    error = RowError(name_of_sheet, numbers[i], header, "", FORMULA_NO_VALUE)
                else:
                    error = RowError(
                        name_of_sheet, numbers[i], header, mask_raw(cells[i], kind), failed[i]
                    )
                errors.setdefault(i, []).append(error)
                values[i] = ""
            batch.values[name] = values
        return batch


def read_columns(
    *, path: Path, fmt: FileFormat, spec: TableSpec, mapping: dict[str, str] | None = None
) -> ColumnTable:
    """Batches of every sheet that carries the spec's header, as clean values.

    Raises IntakeError when no sheet has the header or a required column is missing
    (every sheet's header is read first, as ``read_table`` does)."""
    index = alias_index(spec, mapping or {})
    book = open_workbook(path, fmt)
    table = ColumnTable(batches=iter(()))
    shadow = Table(rows=iter(()), headers=table.headers, notices=table.notices)
    sheets = []
    for sheet in book.sheets:
        found = sheet_header(sheet, spec, index, shadow)
        if found is not None:
            columns, rest, scanned = found
            sheets.append(
                (_SheetColumns(sheet, spec, columns, book.date1904, table), rest, scanned)
            )
    if not sheets:
        raise IntakeError(NO_HEADER)

    def chained() -> Iterator[ColumnBatch]:
        for reader, rest, scanned in sheets:
            yield from reader.batches(rest, scanned)

    table.batches = chained()
    return table
