"""Citizen identity numbers (GB 11643-1999), built for whole arrays at once.

A number is handled as the int64 value of its first 17 digits (area code, birth date,
sequence); the check character is computed when it is turned into text. Area codes
never start with 0, so the value always has exactly 17 digits.
"""

from __future__ import annotations

import numpy as np

from renkou.synth import dates

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_POW17 = 10 ** np.arange(16, -1, -1, dtype=np.int64)
_ASCII_0 = 48
MAX_ROUNDS = 5000  # a day has 500 sequence numbers per sex and area


def first17(area: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Value of the first 17 digits from area codes, birth day numbers and sequences."""
    y, m, d = dates.ymd(birth)
    yyyymmdd = y * 10_000 + m * 100 + d
    return np.asarray(area.astype(np.int64) * 10**11 + yyyymmdd * 1000 + seq.astype(np.int64))


def digits(values: np.ndarray) -> np.ndarray:
    """(n, 17) array of the digits of 17-digit values."""
    return (values[:, None] // _POW17) % 10


def check_chars(values: np.ndarray) -> np.ndarray:
    """ASCII codes of the check characters (uint8)."""
    total = digits(values) @ _WEIGHTS
    return _CHECK[total % 11]


def to_text(values: np.ndarray) -> np.ndarray:
    """18-character numbers (numpy unicode array) for first-17 values."""
    buf = np.empty((values.size, 18), dtype=np.uint8)
    buf[:, :17] = digits(values) + _ASCII_0
    buf[:, 17] = check_chars(values)
    return buf.view("S18").ravel().astype("U18")


def to_text15(values: np.ndarray) -> np.ndarray:
    """Old 15-digit numbers (area, YYMMDD, sequence; no century, no check digit)."""
    area = values // 10**11
    rest = values % 10**9  # YYMMDD and the sequence
    return np.asarray((area * 10**9 + rest).astype("U15"))


class IdRegistry:
    """Every number handed out so far, so that new numbers never repeat an old one."""

    def __init__(self) -> None:
        self._used = np.empty(0, dtype=np.int64)

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Boolean mask: which values are already handed out."""
        if self._used.size == 0:
            return np.zeros(values.shape, dtype=bool)
        pos = np.searchsorted(self._used, values).clip(max=self._used.size - 1)
        return np.asarray(self._used[pos] == values)

    def add(self, values: np.ndarray) -> None:
        """Record values as handed out (they must be new)."""
        new = np.sort(values)
        self._used = np.insert(self._used, np.searchsorted(self._used, new), new)

    def allocate(
        self, rng: np.random.Generator, area: np.ndarray, birth: np.ndarray, male: np.ndarray
    ) -> np.ndarray:
        """New unique first-17 values; the 17th digit is odd for men and even for women."""
        values = np.empty(area.size, dtype=np.int64)
        todo = np.arange(area.size)
        for _ in range(MAX_ROUNDS):
            if todo.size == 0:
                break
            seq = rng.integers(0, 500, todo.size) * 2 + male[todo].astype(np.int64)
            values[todo] = first17(area[todo], birth[todo], seq)
            todo = todo[self._clashes(values, todo)]
        if todo.size:
            raise RuntimeError("more people of one sex born on one day in one area than numbers")
        self.add(values)
        return values

    def _clashes(self, values: np.ndarray, todo: np.ndarray) -> np.ndarray:
        """Mask over ``todo``: values already handed out, or shared with any other value."""
        _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
        return np.asarray(self.contains(values[todo]) | (counts[inverse[todo]] > 1))

    def near_variant(self, rng: np.random.Generator, value: int) -> int | None:
        """A new valid value one digit away from ``value``: same area, birth date and sex.

        Two such numbers belong to two people (the check digit makes it so), which is
        exactly the pair a matcher must not link.
        """
        for _ in range(20):
            position = int(rng.integers(0, 3))  # one of the three sequence digits
            step = int(rng.integers(1, 5)) * 2 if position == 0 else int(rng.integers(1, 10))
            place = 10**position  # position 0 is the sex digit: an even step keeps it
            digit = (value // place) % 10
            new_digit = (digit + step) % 10
            candidate = value + (new_digit - digit) * place
            arr = np.array([candidate], dtype=np.int64)
            if candidate != value and not self.contains(arr)[0]:
                self.add(arr)
                return int(candidate)
        return None
