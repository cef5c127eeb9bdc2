"""Shared helpers for the linkage tests."""

from __future__ import annotations

from datetime import date

from renkou.linkage.idnumber import check_digit

# A fixed "today" keeps date-dependent checks reproducible.
TODAY = date(2025, 6, 1)


def make_id(area: str, born: date, seq: str) -> str:
    """Build a valid 18-character number from its parts."""
    first17 = f"{area}{born:%Y%m%d}{seq}"
    return first17 + check_digit(first17)
