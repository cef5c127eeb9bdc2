"""Raw row readers: CSV (streamed, encoding detected) and XLSX/XLS (python-calamine).

A CSV is read by Python's csv module, record by record. A *plain* CSV — UTF-8 or
GB18030 without any quote character, NUL byte or blank line — can also be read by
Arrow's CSV reader in large column batches (``Sheet.columnar``); for such a file the
two readers split records and fields identically (no quoting means a record is a line
and a field is the text between commas). Whatever Arrow refuses on the way (a record
with another number of fields, a field over the csv module's size limit, a byte that
does not decode) makes it hand over to the csv module at the first record it did not
deliver, so the result — rows, row numbers and errors — is the csv module's.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import defusedxml.ElementTree as SafeET
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]
import python_calamine

from renkou.core.intake.files import FileFormat, IntakeError

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
_CHUNK = 1024 * 1024
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELNS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# A cell with a formula and no (or an empty) cached value: <c r="B5"><f>…</f><v/></c>.
_FORMULA_NO_VALUE = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>]*>\s*<f[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)


@dataclass
class Chunk:
    """Consecutive records of a sheet: row-major cells, or Arrow string columns."""

    first: int  # the 1-based number of the first record
    rows: list[list[Cell]] | None = None
    arrays: list[Any] | None = None  # pyarrow StringArrays, one per field
    count: int = 0

    def __post_init__(self) -> None:
        if self.rows is not None:
            self.count = len(self.rows)
        elif self.arrays:
            self.count = len(self.arrays[0])


@dataclass
class Sheet:
    name: str
    rows: Iterator[tuple[int, list[Cell]]]
    # (1-based row, 0-based column) of formula cells that have no cached value.
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)
    # A plain CSV: its records after the first ``skip`` ones as Arrow column chunks
    # (``rows`` must not be read any further once this is used).
    columnar: Callable[[int], Iterator[Chunk]] | None = None


@dataclass
class Workbook:
    sheets: list[Sheet]
    date1904: bool = False


def detect_encoding(path: Path) -> str:
    """BOM first, then strict UTF-8 over the whole file, then GB18030 (never GBK alone)."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[Cell]]]:
    try:
        with path.open(encoding=encoding, newline="") as fh:
            for number, record in enumerate(csv.reader(fh), start=1):
                yield number, list(record)
    except UnicodeDecodeError as exc:
        raise IntakeError("文件编码无法识别（已尝试 UTF-8 与 GB18030）。") from exc
    except csv.Error as exc:
        raise IntakeError(f"CSV 格式错误：{exc}") from exc


ARROW_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
# Arrow's streaming reader reads blocks ahead of the one it hands over (measured: about
# 30 blocks, some 140 MB of 4 MB blocks): small blocks keep that read-ahead small, and
# they are joined into chunks of about ROWS_PER_CHUNK rows for the column-wise steps.
ARROW_BLOCK = 512 * 1024
ROWS_PER_CHUNK = 20_000
# Any quote, NUL or blank line (two line ends in a row that are not one CRLF) means the
# csv module's reading of the file is not simply "split lines, split commas".
_NOT_PLAIN = (b'"', b"\x00", b"\n\n", b"\r\r", b"\n\r")
# Wider than any department file; a wider one is read by the csv module.
_ARROW_STRINGS = {f"f{i}": pa.string() for i in range(512)}


def is_plain_csv(path: Path, encoding: str) -> bool:
    """True when the csv module and Arrow (quoting off) read ``path`` the same way.

    In UTF-8 and GB18030 the bytes of quote, NUL, CR and LF never occur inside a
    multi-byte character, so the bytes can be scanned without decoding."""
    if encoding not in ARROW_ENCODINGS:
        return False
    with path.open("rb") as fh:
        head = fh.read(len(codecs.BOM_UTF8))
        if not head.startswith(codecs.BOM_UTF8):
            fh.seek(0)
        tail = b"\n"  # a line end before the first byte: a blank first line shows
        while chunk := fh.read(_CHUNK):
            seam = tail + chunk[:1]
            if any(marker in chunk or marker in seam for marker in _NOT_PLAIN):
                return False
            tail = chunk[-1:]
    return True


def _arrow_reader(path: Path, encoding: str, skip: int) -> Any:
    read = pacsv.ReadOptions(
        skip_rows=skip,
        autogenerate_column_names=True,
        encoding="utf8" if encoding.startswith("utf-8") else encoding,
        block_size=ARROW_BLOCK,
        use_threads=False,
    )
    parse = pacsv.ParseOptions(quote_char=False, newlines_in_values=False)
    convert = pacsv.ConvertOptions(column_types=_ARROW_STRINGS, strings_can_be_null=False)
    return pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)


class _HandOverError(Exception):
    """Arrow's batch would differ from the csv module's records: let the module read."""


def _joined(batches: list[Any], delivered: int) -> Chunk:
    """Arrow record batches (same width: a record of another width is an error) as one
    chunk of string columns."""
    if len(batches) == 1:
        return Chunk(delivered + 1, arrays=batches[0].columns)
    width = batches[0].num_columns
    arrays = [pa.concat_arrays([b.column(i) for b in batches]) for i in range(width)]
    return Chunk(delivered + 1, arrays=arrays)


def _arrow_chunks(path: Path, encoding: str, skip: int) -> Iterator[Chunk]:
    """Records after the first ``skip`` of a plain CSV, as Arrow chunks; from the first
    record Arrow cannot deliver exactly, the csv module's records (same numbering)."""
    delivered = skip
    limit = csv.field_size_limit()
    try:
        reader = _arrow_reader(path, encoding, skip)
        held: list[Any] = []  # checked batches not yet handed over
        waiting = 0  # their records
        for batch in reader:
            for array in batch.columns:
                if array.type != pa.string():
                    raise _HandOverError
                if len(array) and pc.max(pc.utf8_length(array)).as_py() > limit:
                    raise _HandOverError
            if batch.num_rows:
                held.append(batch)
                waiting += batch.num_rows
            if waiting >= ROWS_PER_CHUNK:
                yield _joined(held, delivered)
                delivered, held, waiting = delivered + waiting, [], 0
        if held:
            yield _joined(held, delivered)
            delivered += waiting
    except (pa.ArrowInvalid, _HandOverError, UnicodeDecodeError, ValueError):
        rows: list[list[Cell]] = []
        first = delivered + 1
        for number, cells in _csv_rows(path, encoding):
            if number <= delivered:
                continue
            rows.append(cells)
            if len(rows) == ROWS_PER_CHUNK:
                yield Chunk(first, rows=rows)
                first, rows = first + len(rows), []
        if rows:
            yield Chunk(first, rows=rows)


def _col_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ch - 64)
    return index - 1


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part path, from workbook.xml and its relationships."""
    workbook = SafeET.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
    rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{_NS}sheet"):
        target = targets.get(sheet.get(f"{_RELNS}id"), "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        parts[sheet.get("name", "")] = target
    return parts


def _xlsx_facts(path: Path) -> tuple[bool, dict[str, set[tuple[int, int]]]]:
    """The 1904 flag and the formula-without-cached-value cells per sheet name."""
    with zipfile.ZipFile(path) as archive:
        workbook = SafeET.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
        pr = workbook.find(f"{_NS}workbookPr")
        date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
        formulas: dict[str, set[tuple[int, int]]] = {}
        for name, part in _sheet_parts(archive).items():
            if part not in archive.namelist():
                continue
            with archive.open(part) as fh:
                found = _formulas_without_value(fh)
            if found:
                formulas[name] = found
    return date1904, formulas


def _formulas_without_value(fh: IO[bytes]) -> set[tuple[int, int]]:
    """(row, column) of each formula cell without a cached value in a worksheet part,
    read a block at a time (a sheet of 10^6 rows is some 500 MB of XML). A match of
    ``_FORMULA_NO_VALUE`` holds one ``</c>``, its last bytes: cut after a ``</c>``, the
    text before the cut has exactly the matches the whole part has there."""
    found: set[tuple[int, int]] = set()
    rest = b""
    while True:
        block = fh.read(_CHUNK)
        text = rest + block
        cut = len(text) if not block else text.rfind(b"</c>") + len(b"</c>")
        if block and cut < len(b"</c>"):  # no cell end yet: read on
            rest = text
            continue
        head, rest = text[:cut], text[cut:]
        if b"<f" in head:
            found.update(
                (int(m.group(2)), _col_index(m.group(1))) for m in _FORMULA_NO_VALUE.finditer(head)
            )
        if not block:
            return found


def _calamine_rows(sheet: python_calamine.CalamineSheet) -> Iterator[tuple[int, list[Cell]]]:
    # python-calamine's iter_rows starts at the sheet's first row (empty rows above the
    # used range included) but at the first used column: rows are numbered from 1 and
    # the columns left of the range put back (tests pin both).
    start = sheet.start
    col0 = start[1] if start else 0
    pad: list[Cell] = [""] * col0
    for number, values in enumerate(sheet.iter_rows(), start=1):
        # iter_rows gives a fresh list per row: used as it is unless columns are skipped.
        cells: list[Cell] = values  # type: ignore[assignment]  # Cell covers its types
        yield number, (pad + cells) if col0 else cells


def _excel(path: Path, fmt: FileFormat) -> Workbook:
    date1904, formulas = _xlsx_facts(path) if fmt == "xlsx" else (False, {})
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = []
        for meta in book.sheets_metadata:
            if str(meta.typ) != str(python_calamine.SheetTypeEnum.WorkSheet):
                continue
            sheet = book.get_sheet_by_name(meta.name)
            sheets.append(Sheet(meta.name, _calamine_rows(sheet), formulas.get(meta.name, set())))
    except python_calamine.CalamineError as exc:
        raise IntakeError("Excel 文件已损坏或无法读取。") from exc
    return Workbook(sheets, date1904)


def open_workbook(path: Path, fmt: FileFormat) -> Workbook:
    """All sheets of a checked file as raw rows; a CSV is one sheet named after nothing."""
    if fmt == "csv":
        encoding = detect_encoding(path)
        sheet = Sheet("", _csv_rows(path, encoding))
        if is_plain_csv(path, encoding):
            sheet.columnar = lambda skip: _arrow_chunks(path, encoding, skip)
        return Workbook([sheet])
    return _excel(path, fmt)
