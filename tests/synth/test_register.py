"""register.csv: valid numbers, households, plausible families."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from renkou.synth import Manifest

from .helpers import is_valid_id, one_digit_apart, read_csv

HEADER = [
    "个案编号", "姓名", "性别", "公民身份号码", "出生日期", "民族", "户口性质", "户籍地区划代码",
    "现居住地区划代码", "户编号", "与户主关系", "婚姻状况", "配偶身份证号", "母亲身份证号",
    "父亲身份证号", "联系电话",
]  # fmt: skip


@pytest.fixture(scope="module")
def register(small_county: Manifest) -> list[dict[str, str]]:
    header, rows = read_csv(small_county.register_path)
    assert header == HEADER
    return rows


def test_ids_are_valid_unique_and_agree_with_sex_and_birth_date(
    register: list[dict[str, str]],
) -> None:
    ids = [r["公民身份号码"] for r in register if r["公民身份号码"]]
    assert len(ids) == len(set(ids))
    for r in register:
        number = r["公民身份号码"]
        if not number:
            continue
        assert is_valid_id(number), number
        assert number[6:14] == r["出生日期"].replace("-", "")
        assert (int(number[16]) % 2 == 1) == (r["性别"] == "男")


def test_few_people_have_no_number_and_they_are_children(register: list[dict[str, str]]) -> None:
    missing = [r for r in register if not r["公民身份号码"]]
    assert 0 < len(missing) <= 0.006 * len(register)
    assert all(r["出生日期"] >= "2015-01-01" for r in missing)


def test_most_numbers_carry_the_county_code(register: list[dict[str, str]]) -> None:
    areas = Counter(r["公民身份号码"][:6] for r in register if r["公民身份号码"])
    assert areas["370404"] / sum(areas.values()) > 0.9
    assert len(areas) > 3  # neighbouring and retired codes, inflow migrants


def test_case_ids_are_unique(register: list[dict[str, str]]) -> None:
    case_ids = [r["个案编号"] for r in register]
    assert len(set(case_ids)) == len(case_ids)
    assert all(re.fullmatch(r"GA\d{10}", c) for c in case_ids)


def test_every_household_starts_with_its_head(register: list[dict[str, str]]) -> None:
    seen: set[str] = set()
    previous = ""
    for r in register:
        code = r["户编号"]
        assert re.fullmatch(r"\d{18}", code)
        if code != previous:
            assert code not in seen, "household rows must be together"
            assert r["与户主关系"] == "本人"
            seen.add(code)
        else:
            assert r["与户主关系"] != "本人"
        previous = code


def test_household_code_starts_with_the_hukou_village(register: list[dict[str, str]]) -> None:
    assert all(r["户编号"][:12] == r["户籍地区划代码"] for r in register)


def _born(text: str) -> date:
    return date.fromisoformat(text)


def test_parents_are_old_enough_and_nobody_is_born_in_the_future(
    register: list[dict[str, str]], small_county: Manifest
) -> None:
    by_id = {r["公民身份号码"]: r for r in register if r["公民身份号码"]}
    snapshot = date.fromisoformat(small_county.snapshot_date)
    children = 0
    for r in register:
        assert _born(r["出生日期"]) <= snapshot
        mother = by_id.get(r["母亲身份证号"])
        if mother:
            children += 1
            assert mother["性别"] == "女"
            born, mother_born = _born(r["出生日期"]), _born(mother["出生日期"])
            assert born >= mother_born.replace(
                year=mother_born.year + 14, day=min(mother_born.day, 28)
            )
    assert children > 0.15 * len(register)


def test_spouses_point_at_each_other(register: list[dict[str, str]]) -> None:
    by_id = {r["公民身份号码"]: r for r in register if r["公民身份号码"]}
    couples = 0
    for r in register:
        spouse = by_id.get(r["配偶身份证号"])
        if spouse:
            couples += 1
            assert spouse["配偶身份证号"] == r["公民身份号码"]
            assert spouse["性别"] != r["性别"]
    assert couples > 0.3 * len(register)


def test_inflow_migrants_hold_hukou_elsewhere_and_live_here(register: list[dict[str, str]]) -> None:
    inflow = [r for r in register if not r["户籍地区划代码"].startswith("370404")]
    assert 0.02 < len(inflow) / len(register) < 0.04
    assert all(r["现居住地区划代码"].startswith("370404") for r in inflow)
    assert all(
        r["公民身份号码"][:6] == r["户籍地区划代码"][:6] for r in inflow if r["公民身份号码"]
    )


def test_some_people_live_away_from_their_hukou(register: list[dict[str, str]]) -> None:
    away = [r for r in register if r["现居住地区划代码"] != r["户籍地区划代码"]]
    outflow = [r for r in away if not r["现居住地区划代码"].startswith("370404")]
    assert 0.05 < len(away) / len(register) < 0.25
    assert outflow
    assert all(r["现居住地区划代码"].endswith("000000") for r in outflow)


def test_names_repeat_like_real_names(noisy_county: Manifest) -> None:
    _, rows = read_csv(noisy_county.register_path)
    names = Counter(r["姓名"] for r in rows)
    surnames = Counter(r["姓名"][0] for r in rows)
    assert [s for s, _ in surnames.most_common(4)] == ["王", "张", "李", "刘"] or surnames[
        "王"
    ] > surnames["陈"]
    # 张伟, 王芳 … repeat: in 20,000 people the commonest names come up several times,
    # and one person in ten or more shares the full name with someone
    assert names.most_common(1)[0][1] >= 5
    assert sum(n for n in names.values() if n > 1) / len(rows) > 0.08
    assert any("·" in n for n in names)
    assert Counter(r["民族"] for r in rows)["汉族"] / len(rows) > 0.97


def test_register_has_twins_with_numbers_one_digit_apart(small_county: Manifest) -> None:
    _, rows = read_csv(small_county.register_path)
    by_mother: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        if r["母亲身份证号"] and r["公民身份号码"]:
            by_mother.setdefault((r["母亲身份证号"], r["出生日期"]), []).append(r["公民身份号码"])
    pairs = [ids for ids in by_mother.values() if len(ids) == 2 and one_digit_apart(*ids)]
    assert pairs
    assert all(is_valid_id(a) and is_valid_id(b) for a, b in pairs)


def test_numbers_are_unique_in_a_larger_county(noisy_county: Manifest) -> None:
    _, rows = read_csv(noisy_county.register_path)
    ids = [r["公民身份号码"] for r in rows if r["公民身份号码"]]
    assert len(ids) == len(set(ids))
