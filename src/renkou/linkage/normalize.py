"""Normalisation of feed values for matching, and comparison levels.

Everything here describes how two values compare; nothing corrects a value.
A date "off by one day" is a *level* the cascade may accept as evidence, never
a reason to rewrite the feed's date.

Names: NFKC, whitespace and middle dots (names.normalize_name), traditional →
simplified one character at a time through OpenCC t2s (cached per character:
names are short and a per-name OpenCC call costs ~12 µs, too slow for 10^6
rows), and a pinyin key (names.name_pinyin). A "*" stands for a character the
sending system could not show; it matches any one character.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Final, Literal

import opencc  # type: ignore[import-untyped]

from renkou.linkage.names import name_pinyin, normalize_name

__all__ = [
    "DateLevel",
    "NameLevel",
    "date_level",
    "match_name",
    "name_key",
    "name_level",
    "name_level_prepared",
    "parse_date",
    "simplified",
]

DateLevel = Literal["exact", "swapped", "day", "year", "different", "missing"]
NameLevel = Literal["exact", "pinyin", "masked", "different", "missing"]

MASK: Final = "*"


class _Simplified(dict[int, str]):
    """Code point → its simplified form through OpenCC t2s, converted on first use (one
    converter per process, built then): ``str.translate`` maps a whole name in C."""

    converter: opencc.OpenCC | None = None

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char.isascii():
            out = char
        else:
            if _Simplified.converter is None:
                _Simplified.converter = opencc.OpenCC("t2s")
            out = _Simplified.converter.convert(char)
        self[code] = out
        return out


_SIMPLE: Final = _Simplified()

_DATE_RES: Final = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def simplified(raw: str) -> str:
    """The normalised name in simplified characters (張偉 → 张伟)."""
    s = normalize_name(raw)
    return s if s.isascii() else s.translate(_SIMPLE)


def name_key(raw: str) -> str:
    """Pinyin key of a name after traditional → simplified ("" for a blank name).

    A name whose rare character came as its pinyin ("王yan") gets the same key as the
    name written with the character; a "*" stays "*" in the key.
    """
    return name_pinyin(simplified(raw)).lower()


def match_name(pattern: str, name: str) -> bool:
    """True when ``pattern`` with "*" wildcards (one character each) fits ``name``."""
    return len(pattern) == len(name) and all(
        p in (MASK, c) for p, c in zip(pattern, name, strict=True)
    )


def name_level(feed: str, register: str) -> NameLevel:
    """How a feed name compares with a register name (both raw)."""
    a, b = simplified(feed), simplified(register)
    return name_level_prepared(a, name_key(a), b, name_key(b))


def name_level_prepared(a: str, key_a: str, b: str, key_b: str) -> NameLevel:
    """name_level() for names already simplified, with their pinyin keys."""
    if not a or not b:
        return "missing"
    if a == b:
        return "exact"
    if MASK in a and match_name(a, b):
        return "masked"
    if key_a == key_b:
        return "pinyin"
    return "different"


@lru_cache(maxsize=1 << 16)
def parse_date(raw: str) -> date | None:
    """A date from YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYYMMDD; None when not a real date."""
    s = "".join(raw.split())
    for pattern in _DATE_RES:
        m = pattern.fullmatch(s)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def date_level(feed: date | None, register: date | None) -> DateLevel:
    """How a feed birth date compares with the register's.

    "swapped": day and month exchanged; "day": one day apart; "year": same day and
    month, one year apart; otherwise "different".
    """
    if feed is None or register is None:
        return "missing"
    if feed == register:
        return "exact"
    if feed.year == register.year and (feed.month, feed.day) == (register.day, register.month):
        return "swapped"
    if abs((feed - register).days) == 1:
        return "day"
    if (feed.month, feed.day) == (register.month, register.day) and abs(
        feed.year - register.year
    ) == 1:
        return "year"
    return "different"
