"""What a discrepancy item's ``subject_ref`` names (ADR 0010).

- ``feedrow:<row pk>``: the feed row that shows the discrepancy (every class but 重登);
- ``duplicate:<candidate pk>/feedrow:<row pk>``: a 重登 item — the registry's
  DuplicateCandidate pair it asks about, and the feed row whose comparison found it (the
  report counts the item under that row's department). Items opened before the row was
  recorded carry ``duplicate:<candidate pk>`` alone until a comparison finds them again.
"""

from __future__ import annotations

from typing import Final

__all__ = ["duplicate_ref", "ref_candidate", "ref_row", "row_ref"]

ROW: Final = "feedrow:"
DUPLICATE: Final = "duplicate:"


def row_ref(row: int) -> str:
    return f"{ROW}{row}"


def duplicate_ref(candidate: int, row: int) -> str:
    return f"{DUPLICATE}{candidate}/{ROW}{row}"


def _int(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def ref_row(ref: str) -> int | None:
    """The feed row a discrepancy ref names, else None."""
    if ref.startswith(ROW):
        return _int(ref.removeprefix(ROW))
    if ref.startswith(DUPLICATE):
        _cand, sep, row = ref.removeprefix(DUPLICATE).partition("/" + ROW)
        return _int(row) if sep else None
    return None


def ref_candidate(ref: str) -> int | None:
    """The DuplicateCandidate a 重登 ref names, else None."""
    if not ref.startswith(DUPLICATE):
        return None
    return _int(ref.removeprefix(DUPLICATE).partition("/")[0])
