"""Raw row readers: CSV (streamed, encoding detected) and XLSX/XLS (python-calamine)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as SafeET
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
class Sheet:
    name: str
    rows: Iterator[tuple[int, list[Cell]]]
    # (1-based row, 0-based column) of formula cells that have no cached value.
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)


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
            data = archive.read(part)
            if b"<f" not in data:
                continue
            formulas[name] = {
                (int(m.group(2)), _col_index(m.group(1))) for m in _FORMULA_NO_VALUE.finditer(data)
            }
    return date1904, formulas


def _calamine_rows(sheet: python_calamine.CalamineSheet) -> Iterator[tuple[int, list[Cell]]]:
    start = sheet.start
    row0, col0 = (start[0], start[1]) if start else (0, 0)
    for offset, values in enumerate(sheet.iter_rows()):
        cells: list[Cell] = [""] * col0
        cells.extend(values)
        yield row0 + offset + 1, cells


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
        return Workbook([Sheet("", _csv_rows(path, detect_encoding(path)))])
    return _excel(path, fmt)
