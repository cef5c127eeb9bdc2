"""Tests for renkou.linkage.names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renkou.linkage.names import name_initials, name_pinyin, normalize_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张伟", "张伟"),
        (" 张 伟 ", "张伟"),
        ("张\u3000伟", "张伟"),
        ("张\u00a0伟\t", "张伟"),
        ("\u200b张伟", "张伟"),
        ("ＺＨＡＮＧ　Ｗｅｉ", "ZHANGWei"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽･买买提", "阿依古丽·买买提"),
        ("阿依古丽‧买买提", "阿依古丽·买买提"),
        ("阿依古丽∙买买提", "阿依古丽·买买提"),
        ("阿依古丽⋅买买提", "阿依古丽·买买提"),
        ("阿依古丽.买买提", "阿依古丽·买买提"),
        ("阿依古丽。买买提", "阿依古丽·买买提"),
        ("阿依古丽．买买提", "阿依古丽·买买提"),
        ("阿依古丽 · 买买提", "阿依古丽·买买提"),
        ("阿依古丽··买买提", "阿依古丽·买买提"),
        ("·阿依古丽·买买提·", "阿依古丽·买买提"),
        ("张*", "张*"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [
        ("张伟", "zhangwei", "zw"),
        (" 张　伟 ", "zhangwei", "zw"),
        ("吕丽", "lvli", "ll"),
        ("欧阳娜娜", "ouyangnana", "oynn"),
        ("阿依古丽·买买提", "ayiguli·maimaiti", "aygl·mmt"),
        ("张*", "zhang*", "z*"),
        ("王**", "wang**", "w**"),
        ("John Smith", "johnsmith", "johnsmith"),
        ("李2", "li2", "l2"),
        ("", "", ""),
    ],
)
def test_pinyin_and_initials(name: str, pinyin: str, initials: str) -> None:
    assert name_pinyin(name) == pinyin
    assert name_initials(name) == initials


def test_pinyin_does_not_depend_on_neighbours() -> None:
    # A typo in the given name must not change the surname's key.
    assert name_pinyin("曾伟")[:4] == name_pinyin("曾国")[:4] == name_pinyin("曾")


@given(st.text(max_size=12))
def test_normalize_name_is_idempotent(raw: str) -> None:
    once = normalize_name(raw)
    assert normalize_name(once) == once
    assert not any(c.isspace() for c in once)


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=6))
def test_pinyin_of_han_names_is_lower_ascii(name: str) -> None:
    key = name_pinyin(name)
    assert key == key.lower()
    assert len(name_initials(name)) == len(name)
