"""Calendar dates as int64 day numbers (days since 1970-01-01), vectorised."""

from __future__ import annotations

import numpy as np

DAYS_PER_YEAR = 365.2425


def from_iso(text: str) -> int:
    """Day number of an ISO date ``YYYY-MM-DD``."""
    return int(np.datetime64(text, "D").astype(np.int64))


def month_start(ym: str, offset: int = 0) -> int:
    """Day number of the first day of month ``ym`` (``YYYY-MM``) shifted by ``offset`` months."""
    month = np.datetime64(ym, "M") + np.timedelta64(offset, "M")
    return int(month.astype("datetime64[D]").astype(np.int64))


def month_label(ym: str, offset: int) -> str:
    """``YYYY-MM`` of month ``ym`` shifted by ``offset`` months."""
    return str(np.datetime64(ym, "M") + np.timedelta64(offset, "M"))


def iso(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` strings (numpy unicode array) for day numbers."""
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D")


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1–12) and day (1–31) arrays for day numbers."""
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def from_ymd(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day numbers for year/month/day arrays; days past the month's end are clipped."""
    months = (year - 1970) * 12 + (month - 1)
    start = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    nxt = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return np.asarray(start + np.minimum(day, nxt - start) - 1)


def shift_years(days: np.ndarray, years: int | np.ndarray) -> np.ndarray:
    """Same calendar day ``years`` later (29 February becomes 28 February)."""
    y, m, d = ymd(days)
    return from_ymd(y + years, m, d)
