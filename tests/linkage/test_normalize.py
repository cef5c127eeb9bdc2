"""Tests for renkou.linkage.normalize: name keys, dates and comparison levels."""

from __future__ import annotations

from datetime import date

import pytest

from renkou.linkage.normalize import (
    date_level,
    match_name,
    name_key,
    name_level,
    parse_date,
    simplified,
)


def test_simplified_converts_traditional_and_normalises() -> None:
    assert simplified(" 張　偉 ") == "张伟"
    assert simplified("阿依古丽•买买提") == "阿依古丽·买买提"
    assert simplified("") == ""


def test_name_key_is_shared_by_homophones_and_pinyin_spelled_rare_characters() -> None:
    assert name_key("张伟") == name_key("張偉") == "zhangwei"
    assert name_key("王yan") == name_key("王妍")
    assert name_key("王*") == "wang*"


@pytest.mark.parametrize(
    ("feed", "register", "level"),
    [
        ("张伟", "张伟", "exact"),
        ("張偉", "张伟", "exact"),
        ("王*华", "王琎华", "masked"),
        ("张玮", "张伟", "pinyin"),
        ("李伟", "张伟", "different"),
        ("王*", "王琎华", "different"),
        ("", "张伟", "missing"),
    ],
)
def test_name_level(feed: str, register: str, level: str) -> None:
    assert name_level(feed, register) == level


def test_match_name_needs_equal_length() -> None:
    assert match_name("王*", "王五")
    assert not match_name("王*", "王五六")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990-01-02", date(1990, 1, 2)),
        ("1990/1/2", date(1990, 1, 2)),
        ("19900102", date(1990, 1, 2)),
        (" 1990-1-2 ", date(1990, 1, 2)),
        ("1990-02-30", None),
        ("1990-13-01", None),
        ("02.01.1990", None),
        ("", None),
        ("垃圾", None),
    ],
)
def test_parse_date(raw: str, expected: date | None) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("feed", "register", "level"),
    [
        (date(1990, 3, 4), date(1990, 3, 4), "exact"),
        (date(1990, 4, 3), date(1990, 3, 4), "swapped"),
        (date(1990, 3, 5), date(1990, 3, 4), "day"),
        (date(1990, 1, 1), date(1989, 12, 31), "day"),
        (date(1991, 3, 4), date(1990, 3, 4), "year"),
        (date(1992, 3, 4), date(1990, 3, 4), "different"),
        (None, date(1990, 3, 4), "missing"),
    ],
)
def test_date_level(feed: date | None, register: date, level: str) -> None:
    assert date_level(feed, register) == level
