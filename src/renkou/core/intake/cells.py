"""Turning one spreadsheet cell into a clean value for a column kind."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Literal

from renkou.core.masking import mask_id_number, mask_phone

ColumnKind = Literal["text", "code", "id", "phone", "date"]
Value = str | dt.date

_EXCEL_1900 = dt.date(1899, 12, 30)
_EXCEL_1904 = dt.date(1904, 1, 1)
_MAX_SERIAL = 2_958_465  # 9999-12-31
_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_SERIAL = re.compile(r"\d{1,7}(?:\.0+)?")
_CODE_CACHE: dict[str, str] = {}


class CellError(ValueError):
    """A cell that cannot be normalised; the message is the Chinese reason."""


def serial_to_date(serial: float, *, date1904: bool) -> dt.date:
    """Excel serial day number → date, in the 1900 or the 1904 system."""
    if not 0 < serial <= _MAX_SERIAL:
        raise CellError("日期序列号超出范围")
    days = int(serial)
    if date1904:
        return _EXCEL_1904 + dt.timedelta(days=days)
    # Excel's 1900 system counts a 29 February 1900 that never existed.
    if days < 61:
        days += 1
    return _EXCEL_1900 + dt.timedelta(days=days)


def parse_date_text(text: str, *, date1904: bool) -> dt.date:
    """YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日, YYYYMMDD or an Excel serial."""
    text = text.split(" ", maxsplit=1)[0].split("T", maxsplit=1)[0]
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError as exc:
                raise CellError("日期不存在") from exc
    if _SERIAL.fullmatch(text):
        return serial_to_date(float(text), date1904=date1904)
    raise CellError("日期格式无法识别（应为 YYYY-MM-DD、YYYY/M/D 或 YYYYMMDD）")


def _number_text(value: float, kind: ColumnKind) -> str:
    if kind == "id" and abs(value) >= 1e15:
        raise CellError("身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为文本后重新导出")
    if value == int(value):
        return str(int(value))
    return repr(value)


def _to_text(value: object, kind: ColumnKind) -> str:  # noqa: PLR0911 - one branch per cell type
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return _number_text(float(value), kind) if kind == "id" else str(value)
    if isinstance(value, float):
        return _number_text(value, kind)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return value.isoformat() if not isinstance(value, dt.timedelta) else str(value)
    text = str(value).replace("\u3000", " ").strip()
    # Full-width digits and letters (１２３, ｘ) fold to ASCII; Chinese is unchanged.
    return unicodedata.normalize("NFKC", text) if kind != "text" else text


def clean_cell(value: object, kind: ColumnKind, *, date1904: bool) -> Value:  # noqa: PLR0911
    """The clean value of a cell for its column kind; raises CellError with the reason."""
    if type(value) is str and kind != "date":
        # The common case, kept short: 10^6 rows × 16 cells pass through here.
        text = value.strip()
        if text.isascii():
            return text
        if kind == "text":
            return text.replace("\u3000", " ").strip()
        if kind != "code":
            # Identity numbers and phones never repeat, and never stay in a cache.
            return _to_text(text, kind)
        # Code cells repeat (男, 汉族, 农业 …): normalise each distinct value once.
        cached = _CODE_CACHE.get(text)
        if cached is None:
            cached = _to_text(text, kind)
            if len(_CODE_CACHE) < 10_000:
                _CODE_CACHE[text] = cached
        return cached
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return serial_to_date(float(value), date1904=date1904)
        text = _to_text(value, kind)
        return parse_date_text(text, date1904=date1904) if text else ""
    return _to_text(value, kind)


def mask_raw(value: object, kind: ColumnKind) -> str:
    """The raw value as it may appear in an error report (IDs and phones masked)."""
    text = "" if value is None else str(value).strip()
    if kind == "id" and len(text) >= 6:
        return mask_id_number(text) if len(text) in (15, 18) else text[:3] + "*" * (len(text) - 3)
    if kind == "phone":
        return mask_phone(text)
    return text[:255]
