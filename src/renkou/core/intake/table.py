"""Header mapping and row normalisation over the raw readers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from renkou.core.intake.cells import CellError, ColumnKind, Value, clean_cell, mask_raw
from renkou.core.intake.files import FileFormat, IntakeError
from renkou.core.intake.readers import Cell, Sheet, open_workbook

HEADER_SCAN_ROWS = 30
_TOTAL_WORDS = ("合计", "总计", "小计")
_HEADER_JUNK = re.compile(r"[\s*＊:：]|（必填）|\(必填\)")
NO_HEADER = "文件中找不到可识别的表头（请检查列名，或用 --map 表头=字段 指定）。"
FORMULA_NO_VALUE = "公式单元格没有计算结果，请在 Excel 中重新计算并保存"
TOTAL_ROW = "合计/总计行，已跳过"


@dataclass(frozen=True)
class ColumnSpec:
    """A canonical column: its field name, Chinese header aliases and value kind."""

    field: str
    aliases: tuple[str, ...]
    required: bool = False
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class TableSpec:
    kind: str
    columns: tuple[ColumnSpec, ...]

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.field == name)


@dataclass(frozen=True)
class RowError:
    """One problem, located exactly; ``raw`` is masked for IDs and phones."""

    sheet: str
    row: int
    column: str
    raw: str
    reason: str


@dataclass(frozen=True)
class Notice:
    """Something skipped on purpose (a total row, a sheet without the header)."""

    sheet: str
    row: int
    message: str


@dataclass
class Row:
    sheet: str
    number: int
    values: dict[str, Value]
    errors: list[RowError] = field(default_factory=list)

    def text(self, name: str) -> str:
        value = self.values.get(name, "")
        return value if type(value) is str else value.isoformat()  # type: ignore[union-attr]


@dataclass
class Table:
    """Rows of a file mapped onto a spec; ``notices`` fills while rows are read."""

    rows: Iterator[Row]
    headers: dict[str, str] = field(default_factory=dict)  # field → header as found
    notices: list[Notice] = field(default_factory=list)


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """``["证件号码=id_number"]`` → ``{"证件号码": "id_number"}``; raises IntakeError."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, name = pair.partition("=")
        if not sep or not header.strip() or not name.strip():
            raise IntakeError(f"映射格式应为 表头=字段：{pair}")
        mapping[_norm_header(header)] = name.strip()
    return mapping


def _norm_header(text: object) -> str:
    return _HEADER_JUNK.sub("", unicodedata.normalize("NFKC", str(text or ""))).lower()


def alias_index(spec: TableSpec, mapping: dict[str, str]) -> dict[str, str]:
    known = {c.field for c in spec.columns}
    unknown = sorted(set(mapping.values()) - known)
    if unknown:
        raise IntakeError(f"映射中的字段不存在：{'、'.join(unknown)}")
    index = {_norm_header(a): c.field for c in spec.columns for a in (c.field, *c.aliases)}
    index.update(mapping)
    return index


def _matches(cells: Sequence[Cell], index: dict[str, str]) -> dict[int, str]:
    found: dict[int, str] = {}
    for col, cell in enumerate(cells):
        name = index.get(_norm_header(cell))
        if name and name not in found.values():
            found[col] = name
    return found


def _find_header(
    head: list[tuple[int, list[Cell]]], index: dict[str, str]
) -> tuple[dict[int, str], int] | None:
    """Column → field and the position in ``head`` after the header (1 or 2 rows)."""
    scored = [_matches(cells, index) for _, cells in head]
    if not scored:
        return None
    best = max(range(len(scored)), key=lambda i: len(scored[i]))
    if len(scored[best]) < 2:
        return None
    columns = dict(scored[best])
    last = best
    # Merged or two-level headers: fill blanks from the row above or below.
    for neighbour in (best - 1, best + 1):
        if 0 <= neighbour < len(head):
            for col, name in scored[neighbour].items():
                if col not in columns and name not in columns.values():
                    columns[col] = name
                    last = max(last, neighbour)
    return columns, last + 1


def is_total(cells: Sequence[Cell]) -> bool:
    """A 合计/总计/小计 row: one of its first three non-empty cells starts with the word."""
    seen = 0
    for cell in cells:
        if cell in ("", None):
            continue
        text = cell.replace(" ", "").replace("\u3000", "") if isinstance(cell, str) else ""
        if text.startswith(_TOTAL_WORDS):
            return True
        seen += 1
        if seen == 3:
            return False
    return False


class _SheetReader:
    def __init__(self, sheet: Sheet, spec: TableSpec, date1904: bool, table: Table) -> None:
        self.sheet, self.spec, self.date1904, self.table = sheet, spec, date1904, table

    def rows(
        self, columns: dict[int, str], body: Iterable[tuple[int, list[Cell]]]
    ) -> Iterator[Row]:
        plan = self._plan(columns)
        for number, cells in body:
            if all(c in ("", None) for c in cells):
                continue
            if is_total(cells):
                self.table.notices.append(Notice(self.sheet.name, number, TOTAL_ROW))
                continue
            yield self._row(number, cells, plan)

    def _plan(self, columns: dict[int, str]) -> list[tuple[int, str, ColumnKind, str]]:
        return [
            (col, name, self.spec.column(name).kind, self.table.headers.get(name, name))
            for col, name in columns.items()
        ]

    def _row(
        self, number: int, cells: list[Cell], plan: list[tuple[int, str, ColumnKind, str]]
    ) -> Row:
        row = Row(self.sheet.name, number, {})
        formulas = self.sheet.formulas_without_value
        width = len(cells)
        for col, name, kind, header in plan:
            raw = cells[col] if col < width else ""
            if formulas and (number, col) in formulas:
                row.errors.append(
                    RowError(
                        self.sheet.name,
                        number,
                        header,
                        "",
                        FORMULA_NO_VALUE,
                    )
                )
                row.values[name] = ""
                continue
            try:
                row.values[name] = clean_cell(raw, kind, date1904=self.date1904)
            except CellError as exc:
                row.errors.append(
                    RowError(self.sheet.name, number, header, mask_raw(raw, kind), str(exc))
                )
                row.values[name] = ""
        return row


def sheet_header(
    sheet: Sheet, spec: TableSpec, index: dict[str, str], table: Table
) -> tuple[dict[int, str], list[tuple[int, list[Cell]]], int] | None:
    """Column → field, the rows read past the header and the number of the last row
    read, or None (noticed) when the sheet has no header; raises IntakeError when a
    required column is missing. The header scan reads the sheet's first rows; its body
    continues with ``sheet.rows``."""
    head: list[tuple[int, list[Cell]]] = []
    for item in sheet.rows:
        head.append(item)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    found = _find_header(head, index)
    if found is None:
        table.notices.append(Notice(sheet.name, 0, "未找到表头，整张工作表已跳过"))
        return None
    columns, start = found
    missing = [c for c in spec.columns if c.required and c.field not in columns.values()]
    if missing:
        names = "、".join(f"{c.aliases[0] if c.aliases else c.field}（{c.field}）" for c in missing)
        where = f"工作表“{sheet.name}”" if sheet.name else "文件"
        raise IntakeError(f"{where}缺少必需的列：{names}。可用 --map 表头=字段 指定。")
    header_row = head[start - 1][1]
    for col, name in columns.items():
        table.headers.setdefault(name, str(header_row[col] or name).strip() or name)
    return columns, head[start:], head[-1][0]


def _sheet_rows(
    sheet: Sheet, spec: TableSpec, index: dict[str, str], date1904: bool, table: Table
) -> Iterator[Row] | None:
    found = sheet_header(sheet, spec, index, table)
    if found is None:
        return None
    columns, rest, _ = found
    reader = _SheetReader(sheet, spec, date1904, table)

    def body() -> Iterator[tuple[int, list[Cell]]]:
        yield from rest
        yield from sheet.rows

    return reader.rows(columns, body())


def read_table(
    *,
    path: Path,
    fmt: FileFormat,
    spec: TableSpec,
    mapping: dict[str, str] | None = None,
    columnar: bool = True,
) -> Table:
    """Rows of every sheet that carries the spec's header, as clean values.

    Raises IntakeError when no sheet has the header or a required column is missing.
    The rows come from the column-wise reader (:mod:`renkou.core.intake.columns`);
    ``columnar=False`` reads them one by one, cell by cell — the reference that the
    column-wise reader must equal row for row, error for error.
    """
    if columnar:
        from renkou.core.intake.columns import read_columns

        ctable = read_columns(path=path, fmt=fmt, spec=spec, mapping=mapping)
        batches = ctable.batches

        def from_batches() -> Iterator[Row]:
            for batch in batches:
                yield from batch.rows()

        return Table(rows=from_batches(), headers=ctable.headers, notices=ctable.notices)
    index = alias_index(spec, mapping or {})
    book = open_workbook(path, fmt)
    table = Table(rows=iter(()))
    iterators = []
    for sheet in book.sheets:
        rows = _sheet_rows(sheet, spec, index, book.date1904, table)
        if rows is not None:
            iterators.append(rows)
    if not iterators:
        raise IntakeError(NO_HEADER)

    def chained() -> Iterator[Row]:
        for rows in iterators:
            yield from rows

    table.rows = chained()
    return table


@dataclass
class HeaderReport:
    """What a file's header row says, before any row is read (the import preview)."""

    sheet: str = ""
    row: int = 0
    recognised: dict[str, str] = field(default_factory=dict)  # header as found → field
    unknown: list[str] = field(default_factory=list)  # headers no column claims
    missing: list[str] = field(default_factory=list)  # required fields not found


def inspect_headers(
    *, path: Path, fmt: FileFormat, spec: TableSpec, mapping: dict[str, str] | None = None
) -> HeaderReport:
    """The first sheet's header row as :func:`read_table` would find it (or, when fewer
    than two headers are known, the first row with text), its recognised and unknown
    headers and the required columns it lacks — for mapping unknown headers by hand."""
    index = alias_index(spec, mapping or {})
    book = open_workbook(path, fmt)
    report = HeaderReport()
    for sheet in book.sheets:
        head: list[tuple[int, list[Cell]]] = []
        for item in sheet.rows:
            head.append(item)
            if len(head) >= HEADER_SCAN_ROWS:
                break
        if not head:
            continue
        found = _find_header(head, index)
        if found is not None:
            position = found[1] - 1
            while position > 0 and not _matches(head[position][1], index):
                position -= 1
        else:
            texts = [i for i, (_, cells) in enumerate(head) if sum(1 for c in cells if c) >= 2]
            position = texts[0] if texts else 0
        number, cells = head[position]
        matched = _matches(cells, index)
        report.sheet, report.row = sheet.name, number
        for col, cell in enumerate(cells):
            text = str(cell).strip() if cell not in (None, "") else ""
            if not text:
                continue
            if col in matched:
                report.recognised[text] = matched[col]
            else:
                report.unknown.append(text[:50])
        fields = set(matched.values())
        report.missing = [c.field for c in spec.columns if c.required and c.field not in fields]
        break
    return report
