"""Columns of text as object arrays that share their strings.

Turning a million numpy unicode values into Python strings costs more than the rest of
writing them; a column of a few distinct values (sex, relation, dates) instead indexes a
small table of ready-made strings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from renkou.synth.dates import iso


def labels(table: Sequence[str], index: np.ndarray) -> np.ndarray:
    """``table[index]`` as an object array."""
    return np.array(table, dtype=object)[index.astype(np.int64)]


def numbered(prefix: str, count: int, width: int) -> np.ndarray:
    """``prefix`` + 1, 2, … ``count`` zero-padded to ``width`` digits (object array)."""
    out = np.empty(count, dtype=object)
    out[:] = [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]
    return out


def iso_dates(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` per day number, as an object array."""
    if days.size == 0:
        return np.empty(0, dtype=object)
    low = int(days.min())
    table = iso(np.arange(low, int(days.max()) + 1)).astype(object)
    return np.asarray(table[days - low])
