"""Tests for the deterministic cascade on handcrafted rows, hostile ones included."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from renkou.linkage.cascade import link, link_exact_only
from renkou.linkage.subjects import classify_id
from renkou.linkage.tables import Feed, LinkageInputError, Register
from tests.linkage.helpers import make_id
from tests.linkage.linkage_helpers import ADDRESS, VILLAGE, feed, person, register

BORN = date(1990, 3, 14)
A = person("GA1", "张丽华", "女", BORN, "123")
B_ID = make_id("370404", BORN, "125")  # valid, one digit from A's number
HOUSEHOLD = VILLAGE + "010001"


def rows(result: Any) -> list[dict[str, Any]]:
    return list(result.table.to_pylist())


def typo(number: str) -> str:
    """One digit changed so that the check digit fails."""
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    assert classify_id(wrong)[0] == "bad_check"
    return wrong


def pupil(**values: str) -> dict[str, str]:
    base = {"学生姓名": "张丽华", "性别": "女", "出生日期": BORN.isoformat(), "家庭住址": ADDRESS}
    return base | values


@pytest.mark.parametrize(
    "shown",
    [
        A["公民身份号码"],
        A["公民身份号码"].translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        " " + A["公民身份号码"] + "  ",
    ],
)
def test_exact_id_links_normalised_numbers(shown: str) -> None:
    (r,) = rows(link(register(A), feed("pupil", pupil(身份证号=shown))))
    assert (r["person"], r["method"], r["role"]) == ("GA1", "exact_id", "self")
    assert r["evidence"] == {
        "name": "exact",
        "dob": "exact",
        "sex": "same",
        "place": "village",
        "id": "exact",
        "mother": None,  # the model's comparison alone
    }


def test_fifteen_digit_number_is_upgraded() -> None:
    old = person("GA2", "李强", "男", date(1965, 7, 1), "451")
    short = old["公民身份号码"][:6] + old["公民身份号码"][8:17]
    (r,) = rows(link(register(old), feed("pupil", pupil(身份证号=short, 学生姓名="李强"))))
    assert (r["person"], r["method"]) == ("GA2", "exact_id")


def test_two_valid_numbers_one_edit_apart_are_never_linked() -> None:
    # Same name, same birth date, valid number one digit away: a different person.
    result = link(register(A), feed("pupil", pupil(身份证号=B_ID)))
    (r,) = rows(result)
    assert r["person"] is None
    assert r["feed_id_valid"]


def test_typo_is_repaired_when_name_and_birth_date_confirm() -> None:
    shown = typo(A["公民身份号码"])
    off_by_a_day = "1990-03-15"
    (r,) = rows(link(register(A), feed("pupil", pupil(身份证号=shown, 出生日期=off_by_a_day))))
    assert (r["person"], r["method"]) == ("GA1", "repaired_id")
    assert r["evidence"]["dob"] == "day"


def test_typo_with_traditional_name_is_repaired() -> None:
    shown = typo(A["公民身份号码"])
    (r,) = rows(link(register(A), feed("pupil", pupil(身份证号=shown, 学生姓名="張麗華"))))
    assert (r["person"], r["method"]) == ("GA1", "repaired_id")


def test_typo_is_not_repaired_without_a_confirming_name() -> None:
    shown = typo(A["公民身份号码"])
    (r,) = rows(link(register(A), feed("pupil", pupil(身份证号=shown, 学生姓名="刘洋"))))
    assert r["person"] is None


def test_excel_mangled_number_is_never_repaired() -> None:
    assert classify_id("3.70404E+17") == ("excel", "")
    other = person("GA3", "张丽华", "女", BORN, "127")  # a second 张丽华 born the same day
    result = link(register(A, other), feed("pupil", pupil(身份证号="3.70404E+17")))
    (r,) = rows(result)
    assert r["person"] is None
    assert r["method"] is None


def test_name_and_birth_date_link_only_when_unique() -> None:
    zhang1 = person("GA4", "张伟", "男", BORN, "131")
    zhang2 = person("GA5", "张伟", "男", BORN, "133")
    row = pupil(学生姓名="张伟", 性别="男", 身份证号="")
    (r,) = rows(link(register(zhang1, zhang2), feed("pupil", row)))
    assert r["person"] is None
    (r,) = rows(link(register(zhang1), feed("pupil", row)))
    assert (r["person"], r["method"]) == ("GA4", "name_dob_unique")


def test_traditional_name_links_by_name_and_birth_date() -> None:
    (r,) = rows(link(register(A), feed("pupil", pupil(学生姓名="張麗華", 身份证号=""))))
    assert (r["person"], r["method"]) == ("GA1", "name_dob_unique")
    assert r["evidence"]["name"] == "exact"


def test_name_and_birth_date_need_the_village() -> None:
    far = pupil(身份证号="", 家庭住址="山东省济南市历下区")
    (r,) = rows(link(register(A), feed("pupil", far)))
    assert r["person"] is None


def test_birth_certificate_links_the_mother_by_her_number() -> None:
    cert = {"出生日期": "2026-01-05", "母亲姓名": "张丽华", "母亲身份证号": A["公民身份号码"],
            "母亲户籍地": ADDRESS}  # fmt: skip
    (r,) = rows(link(register(A), feed("birth_cert", cert)))
    assert (r["person"], r["method"], r["role"]) == ("GA1", "mother_id", "mother")


def test_birth_certificate_refuses_an_implausible_mother() -> None:
    granny = person("GA6", "王秀英", "女", date(1940, 1, 1), "222")
    cert = {"出生日期": "2026-01-05", "母亲姓名": "王秀英", "母亲身份证号": granny["公民身份号码"]}
    (r,) = rows(link(register(granny), feed("birth_cert", cert)))
    assert r["person"] is None


def test_police_newborn_links_the_one_mother_of_the_household() -> None:
    head = person("GA7", "刘强", "男", date(1988, 1, 1), "111", 户编号=HOUSEHOLD)
    wife = person("GA8", "张丽华", "女", BORN, "124", 户编号=HOUSEHOLD, 与户主关系="配偶")
    baby_id = make_id("370404", date(2026, 1, 2), "002")
    baby = {"姓名": "刘一诺", "性别": "女", "公民身份号码": baby_id, "出生日期": "2026-01-02",
            "户号": HOUSEHOLD, "与户主关系": "女", "变动类型": "出生"}  # fmt: skip
    (r,) = rows(link(register(head, wife), feed("police", baby)))
    assert (r["person"], r["method"], r["role"]) == ("GA8", "mother_household", "mother")
    sister = person(
        "GA9", "刘芳", "女", date(1992, 1, 1), "126", 户编号=HOUSEHOLD, 与户主关系="本人"
    )
    (r,) = rows(link(register(head, wife, sister), feed("police", baby)))
    assert r["person"] is None  # two possible mothers: left for review


def test_police_newborn_links_the_mother_its_row_names() -> None:
    """The mother's number (母亲身份证号) decides where the household cannot: another
    household, or two possible mothers in it. Never the baby's own number, never a man,
    never a mother too young or too old, never a damaged or ambiguous number."""
    head = person("GA7", "刘强", "男", date(1988, 1, 1), "111", 户编号=HOUSEHOLD)
    wife = person("GA8", "张丽华", "女", BORN, "124", 户编号=HOUSEHOLD, 与户主关系="配偶")
    sister = person("GA9", "刘芳", "女", date(1992, 1, 1), "126", 户编号=HOUSEHOLD)
    granny = person("GA6", "王秀英", "女", date(1940, 1, 1), "222")
    reg = register(head, wife, sister, granny)
    baby_id = make_id("370404", date(2026, 1, 2), "002")

    def baby(mother: str, household: str = HOUSEHOLD) -> dict[str, str]:
        return {"姓名": "刘一诺", "性别": "女", "公民身份号码": baby_id, "出生日期": "2026-01-02",
                "户号": household, "与户主关系": "女", "变动类型": "出生",
                "母亲身份证号": mother}  # fmt: skip

    found = rows(link(reg, feed("police",
        baby(wife["公民身份号码"]),  # two possible mothers in the household: hers decides
        baby(wife["公民身份号码"].lower(), household=""),
        baby(head["公民身份号码"]),
        baby(granny["公民身份号码"]),
        baby(typo(wife["公民身份号码"]), household=""),
        baby(baby_id, household=""),
        baby(""),
    )))  # fmt: skip
    assert [(r["person"], r["method"]) for r in found] == [
        ("GA8", "mother_id"), ("GA8", "mother_id"), (None, None), (None, None), (None, None),
        (None, None), (None, None),
    ]  # fmt: skip
    assert {r["role"] for r in found[:2]} == {"mother"}
    assert found[0]["evidence"]["name"] == found[0]["evidence"]["dob"] == "n/a"
    assert not found[0]["feed_id_valid"]  # the baby's own number is not the link's
    twice = person("GA5", "张丽华", "女", BORN, "124")  # the same number held twice
    (r,) = rows(link(register(wife, twice), feed("police", baby(wife["公民身份号码"], ""))))
    assert r["person"] is None


def test_a_certificate_without_the_mothers_number_finds_her_through_the_father() -> None:
    """The father's number → his household → the one woman whose relation makes her his
    wife, of plausible age, whose name agrees. Never when her own number is valid (it
    says she is someone else), never on a disagreeing name or two possible wives."""
    head = person("GA7", "刘强", "男", date(1988, 1, 1), "111", 户编号=HOUSEHOLD)
    wife = person("GA8", "张丽华", "女", BORN, "124", 户编号=HOUSEHOLD, 与户主关系="配偶")
    son = person("GA3", "刘小军", "男", date(1970, 1, 1), "131", 户编号="H2")
    in_law = person("GA4", "王秀英", "女", date(1972, 2, 2), "142", 户编号="H2",
                    与户主关系="儿媳")  # fmt: skip
    son["与户主关系"] = "子"
    reg = register(head, wife, son, in_law)

    def cert(mother: str, name: str, father: str) -> dict[str, str]:
        return {"出生日期": "2026-01-05", "母亲姓名": name, "母亲身份证号": mother,
                "母亲户籍地": ADDRESS, "父亲身份证号": father}  # fmt: skip

    found = rows(link(reg, feed("birth_cert",
        cert("", "张丽华", head["公民身份号码"]),
        cert("", "张麗華", head["公民身份号码"].lower()),  # traditional characters
        cert("3.70404E+17", "王秀英", son["公民身份号码"]),  # 子 → 儿媳
        cert(typo(wife["公民身份号码"]), "张丽华", head["公民身份号码"]),
        cert("", "李红", head["公民身份号码"]),  # another name
        cert(B_ID, "张丽华", head["公民身份号码"]),  # her valid number is not ours
        cert("", "张丽华", ""),
        cert("", "张丽华", typo(head["公民身份号码"])),
        cert("", "张丽华", wife["公民身份号码"]),  # a woman is no father here
    )))  # fmt: skip
    got = [(r["person"], r["method"]) for r in found]
    assert got[:3] == [("GA8", "father_household"), ("GA8", "father_household"),
                       ("GA4", "father_household")]  # fmt: skip
    assert got[3] == ("GA8", "repaired_id")  # her own number, repaired, comes first
    assert got[4:] == [(None, None)] * 5
    assert {r["role"] for r in found[:4]} == {"mother"}
    assert found[0]["evidence"]["id"] == "n/a"
    sister = person("GA9", "张丽华", "女", date(1991, 1, 1), "126", 户编号=HOUSEHOLD,
                    与户主关系="配偶")  # fmt: skip
    (r,) = rows(link(register(head, wife, sister),
                     feed("birth_cert", cert("", "张丽华", head["公民身份号码"]))))  # fmt: skip
    assert r["person"] is None  # two possible wives: left for review
    old = person("GA6", "张丽华", "女", date(1940, 1, 1), "222", 户编号=HOUSEHOLD,
                 与户主关系="配偶")  # fmt: skip
    (r,) = rows(link(register(head, old),
                     feed("birth_cert", cert("", "张丽华", head["公民身份号码"]))))  # fmt: skip
    assert r["person"] is None  # too old to be the mother


def test_marriage_links_each_side() -> None:
    husband = person("GA10", "刘强", "男", date(1988, 1, 1), "111")
    row = {
        "男方姓名": "刘强",
        "男方身份证号": husband["公民身份号码"],
        "男方出生日期": "1988-01-01",
        "女方姓名": "外地人",
        "女方身份证号": make_id("340000", BORN, "222"),
        "女方出生日期": BORN.isoformat(),
    }
    result = rows(link(register(husband), feed("marriage", row)))
    assert [(r["side"], r["person"]) for r in result] == [("husband", "GA10"), ("wife", None)]


def test_exact_only_baseline_skips_repair() -> None:
    shown = typo(A["公民身份号码"])
    (r,) = rows(link_exact_only(register(A), feed("pupil", pupil(身份证号=shown))))
    assert r["person"] is None


def test_empty_feed_gives_an_empty_result() -> None:
    assert link(register(A), feed("pupil")).table.num_rows == 0


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pupil.csv"
    path.write_bytes(b"")
    with pytest.raises(LinkageInputError, match="为空"):
        Feed.from_csv(path, "pupil")


def test_wrong_headers_are_refused_with_the_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "pupil.csv"
    path.write_text("姓名,号码\n张伟,1\n", encoding="utf-8-sig")
    with pytest.raises(LinkageInputError, match="学生姓名"):
        Feed.from_csv(path, "pupil")
    with pytest.raises(LinkageInputError, match="个案编号"):
        Register.from_csv(path)


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LinkageInputError, match="未知"):
        Feed.from_csv(tmp_path / "x.csv", "tax")


def test_ids_stay_text_when_read_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "pupil.csv"
    number = A["公民身份号码"]
    path.write_text(
        f"学生姓名,性别,身份证号,出生日期,家庭住址\n张丽华,女,{number},{BORN},{ADDRESS}\n",
        encoding="utf-8-sig",
    )
    (r,) = rows(link(register(A), Feed.from_csv(path, "pupil")))
    assert r["person"] == "GA1"
