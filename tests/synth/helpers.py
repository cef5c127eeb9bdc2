"""Reading generated files back, as a consumer would."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from renkou.linkage.idnumber import check_digit


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows as dicts) of a UTF-8-with-BOM CSV file."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path} has no BOM"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def is_valid_id(text: str) -> bool:
    """18 ASCII characters with a correct check character."""
    return (
        len(text) == 18
        and text[:17].isascii()
        and text[:17].isdigit()
        and check_digit(text[:17]) == text[17]
    )


def normalise(text: str) -> str:
    """What an importer does first: full-width to ASCII, spaces off, X upper-case."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def one_digit_apart(a: str, b: str) -> bool:
    """Same first 17 digits except exactly one."""
    return sum(x != y for x, y in zip(a[:17], b[:17], strict=True)) == 1
