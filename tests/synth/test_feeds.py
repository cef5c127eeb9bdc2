"""Monthly feeds and truth files: headers, sizes, links to the register."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from renkou.synth import Manifest

from .helpers import is_valid_id, one_digit_apart, read_csv

HEADERS = {
    "police": ["姓名", "性别", "公民身份号码", "出生日期", "民族", "户籍地址", "户号",
               "户主姓名", "与户主关系", "变动类型", "变动日期", "业务流水号", "母亲身份证号"],
    "birth_cert": ["新生儿姓名", "性别", "出生日期", "出生地点", "出生证编号", "接生机构",
                   "母亲姓名", "母亲身份证号", "父亲姓名", "父亲身份证号", "母亲户籍地",
                   "母亲现居住地", "孕次", "产次"],
    "marriage": ["男方姓名", "男方身份证号", "男方出生日期", "男方户籍地", "女方姓名",
                 "女方身份证号", "女方出生日期", "女方户籍地", "登记类型", "登记日期",
                 "登记机关"],
    "pupil": ["学生姓名", "性别", "身份证号", "出生日期", "学校", "年级", "监护人姓名", "家庭住址",
              "母亲身份证号"],
}  # fmt: skip
TRUTH_HEADER = ["行号", "个案编号", "角色", "噪声"]
ROLES = {"police": {"self", "mother", "none"}, "birth_cert": {"mother", "none"},
         "marriage": {"husband", "wife", "none"}, "pupil": {"self", "none"}}  # fmt: skip


@pytest.fixture(scope="module")
def register(small_county: Manifest) -> dict[str, dict[str, str]]:
    _, rows = read_csv(small_county.register_path)
    return {r["个案编号"]: r for r in rows}


def test_headers_are_exact(small_county: Manifest) -> None:
    for month in small_county.months:
        for kind, header in HEADERS.items():
            assert read_csv(small_county.feed_path(month, kind))[0] == header
            assert read_csv(small_county.truth_path(month, kind))[0] == TRUTH_HEADER


def test_truth_has_one_row_per_feed_row(
    small_county: Manifest, register: dict[str, dict[str, str]]
) -> None:
    for month in small_county.months:
        for kind in HEADERS:
            _, feed = read_csv(small_county.feed_path(month, kind))
            _, truth = read_csv(small_county.truth_path(month, kind))
            assert len(feed) == len(truth) == small_county.files[f"feeds/{month}/{kind}.csv"]
            assert [t["行号"] for t in truth] == [str(i) for i in range(1, len(feed) + 1)]
            for t in truth:
                assert t["角色"] in ROLES[kind]
                assert (t["角色"] == "none") == (t["个案编号"] == "")
                assert t["个案编号"] == "" or t["个案编号"] in register


def test_a_month_is_a_tenth_of_the_people_and_mostly_ours(small_county: Manifest) -> None:
    for month in small_county.months:
        total = linked = 0
        for kind in HEADERS:
            _, truth = read_csv(small_county.truth_path(month, kind))
            total += len(truth)
            linked += sum(1 for t in truth if t["个案编号"])
            assert truth, kind
        assert abs(total - small_county.people / 10) <= 0.02 * small_county.people / 10
        assert 0.85 <= linked / total <= 0.95


def test_feed_rows_describe_the_linked_person(
    small_county: Manifest, register: dict[str, dict[str, str]]
) -> None:
    month = small_county.months[0]
    for kind, id_column, sex_column in (
        ("pupil", "身份证号", "性别"),
        ("police", "公民身份号码", "性别"),
    ):
        _, feed = read_csv(small_county.feed_path(month, kind))
        _, truth = read_csv(small_county.truth_path(month, kind))
        for row, t in zip(feed, truth, strict=True):
            if t["角色"] == "self" and not t["噪声"]:
                person = register[t["个案编号"]]
                assert row[id_column] == person["公民身份号码"]
                assert row[sex_column] == person["性别"]


def test_births_link_to_the_mother(
    small_county: Manifest, register: dict[str, dict[str, str]]
) -> None:
    month = small_county.months[0]
    _, feed = read_csv(small_county.feed_path(month, "birth_cert"))
    _, truth = read_csv(small_county.truth_path(month, "birth_cert"))
    mothers = [(row, t) for row, t in zip(feed, truth, strict=True) if t["角色"] == "mother"]
    assert mothers
    for row, t in mothers:
        mother = register[t["个案编号"]]
        assert mother["性别"] == "女"
        born = date.fromisoformat(mother["出生日期"])
        assert date(born.year + 20, 1, 1) <= date.fromisoformat(row["出生日期"][:4] + "-12-31")
        assert int(row["出生日期"][:4]) - born.year <= 41
        assert "newborn" in t["噪声"].split(";")
        assert row["出生日期"][:7] == month or "dob" in t["噪声"]
        if not t["噪声"].replace("newborn", ""):
            assert row["母亲身份证号"] == mother["公民身份号码"]


def test_police_births_are_newborns_of_register_mothers(small_county: Manifest) -> None:
    kinds: Counter[str] = Counter()
    for month in small_county.months:
        _, feed = read_csv(small_county.feed_path(month, "police"))
        _, truth = read_csv(small_county.truth_path(month, "police"))
        for row, t in zip(feed, truth, strict=True):
            kinds[row["变动类型"]] += 1
            if t["角色"] == "mother":
                assert row["变动类型"] == "出生"
                assert row["户号"].startswith("370404")  # registered with our police
    assert set(kinds) == {"出生", "迁入", "迁出", "死亡"}


def test_marriages_name_the_register_side(
    small_county: Manifest, register: dict[str, dict[str, str]]
) -> None:
    month = small_county.months[0]
    _, feed = read_csv(small_county.feed_path(month, "marriage"))
    _, truth = read_csv(small_county.truth_path(month, "marriage"))
    types = Counter(row["登记类型"] for row in feed)
    assert types["结婚"] > types["离婚"] > 0
    for row, t in zip(feed, truth, strict=True):
        if t["角色"] in {"husband", "wife"} and not t["噪声"]:
            side = "男方" if t["角色"] == "husband" else "女方"
            assert row[f"{side}身份证号"] == register[t["个案编号"]]["公民身份号码"]


def test_valid_numbers_one_digit_apart_are_different_people(noisy_county: Manifest) -> None:
    _, register = read_csv(noisy_county.register_path)
    ids = {r["公民身份号码"] for r in register if r["公民身份号码"]}
    by_prefix: dict[str, list[str]] = {}
    for number in ids:
        by_prefix.setdefault(number[:14], []).append(number)
    found = 0
    for month in noisy_county.months:
        for kind, column in (("pupil", "身份证号"), ("police", "公民身份号码")):
            _, feed = read_csv(noisy_county.feed_path(month, kind))
            _, truth = read_csv(noisy_county.truth_path(month, kind))
            for row, t in zip(feed, truth, strict=True):
                if "near_id" in t["噪声"].split(";"):
                    number = row[column]
                    assert t["个案编号"] == ""
                    assert is_valid_id(number)
                    assert number not in ids
                    assert any(one_digit_apart(number, other) for other in by_prefix[number[:14]])
                    found += 1
    assert found >= 4


def _mother_tags(t: dict[str, str]) -> set[str]:
    return {tag for tag in t["噪声"].split(";") if tag.startswith("mother_")}


def test_police_births_and_pupils_name_the_mother(
    small_county: Manifest, register: dict[str, dict[str, str]]
) -> None:
    """母亲身份证号: on police 出生 rows the newborn's mother (the row's truth person), on
    pupil rows the pupil's mother (the register's 母亲身份证号 where the register holds
    her); blank on other police rows; given on most rows, not all."""
    ids = {r["公民身份号码"] for r in register.values()}
    given: Counter[str] = Counter()
    rows: Counter[str] = Counter()
    for month in small_county.months:
        for kind in ("police", "pupil"):
            _, feed = read_csv(small_county.feed_path(month, kind))
            _, truth = read_csv(small_county.truth_path(month, kind))
            for row, t in zip(feed, truth, strict=True):
                number = row["母亲身份证号"]
                if kind == "police" and row["变动类型"] != "出生":
                    assert number == ""
                    assert not _mother_tags(t)
                    continue
                rows[kind] += 1
                given[kind] += bool(number)
                if not number or _mother_tags(t):
                    continue
                assert is_valid_id(number)
                assert int(number[16]) % 2 == 0  # a woman's number
                if t["个案编号"] == "":
                    assert number not in ids  # a mother we do not hold
                elif kind == "police":
                    assert number == register[t["个案编号"]]["公民身份号码"]
                else:
                    held = register[t["个案编号"]]["母亲身份证号"]
                    assert held in ("", number)
    assert 0.8 < given["police"] / rows["police"] < 0.98
    assert 0.6 < given["pupil"] / rows["pupil"] < 0.8
