"""The legacy register importer: happy path, every rejection reason, atomicity, re-imports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import connection

from renkou.core.models import AuditEvent, ImportBatch, ImportRowError
from renkou.registry import identity
from renkou.registry.importer import codes, register_import
from renkou.registry.importer.rules import managing_unit
from renkou.registry.models import Household, LifeEvent, Marriage, Membership, Person
from tests.registry.importer.register_files import (
    CHILD,
    FATHER,
    HEADER,
    MOTHER,
    OTHER_VILLAGE,
    VILLAGE,
    family_rows,
    id_for,
    write_csv,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


def _import(cast: Any, path: Path, **kwargs: Any) -> Any:
    return register_import(path=path, actor=cast.users["clerk"], **kwargs)


def test_happy_path_builds_persons_households_links_and_events(cast: Any, data_dir: Path) -> None:
    result = _import(cast, write_csv(data_dir / "r.csv", family_rows()))
    assert (result.status, result.created, result.households, result.marriages) == (
        "applied",
        5,
        2,
        1,
    )
    people = {p.external_id: p for p in Person.objects.all()}
    father, mother, child = people["P001"], people["P002"], people["P003"]
    assert (child.mother_id, child.father_id) == (mother.pk, father.pk)
    assert father.mother_id == people["P004"].pk
    assert father.id_index == identity.id_index(FATHER)
    assert father.id_masked.startswith("370404*")
    assert identity.id_reveal(father.id_cipher) == FATHER
    assert father.name_pinyin == "zhangwei"
    assert father.phone_masked == "138****5678"
    assert (mother.ethnicity, people["P004"].ethnicity, mother.marital_status) == ("01", "03", "21")
    marriage = Marriage.objects.get()
    assert (marriage.husband_id, marriage.wife_id) == (father.pk, mother.pk)
    card = list(Membership.objects.filter(household__code=VILLAGE + "010001").order_by("position"))
    assert [m.person.external_id for m in card] == ["P001", "P002", "P003", "P004"]
    assert card[0].relation == "02"
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.rows_created == 5
    assert father.import_batch_id == batch.pk
    assert father.source_row == 2
    assert father.source_hash
    events = LifeEvent.objects.filter(
        kind=LifeEvent.Kind.REGISTERED, source=LifeEvent.Source.IMPORT
    )
    assert set(events.values_list("source_ref", flat=True)) == {str(batch.pk)}
    assert events.count() == 5
    audit = AuditEvent.objects.filter(action="import.register")
    assert audit.count() == 1
    assert audit.get().detail["sha256"] == batch.sha256


def test_management_place_rule_and_outside_codes(cast: Any, data_dir: Path) -> None:
    _import(cast, write_csv(data_dir / "r.csv", family_rows()))
    granny = Person.objects.get(external_id="P004")  # lives outside the county
    assert granny.org_unit == cast.village
    assert granny.residence_unit is None
    assert granny.residence_code == "320100000000"
    migrant = Person.objects.get(external_id="P005")  # hukou in Beijing, lives in 东王庄村
    assert migrant.org_unit == cast.other_village
    assert migrant.hukou_unit is None
    assert migrant.hukou_code == "110101001001"
    assert migrant.hukou_type == "9"


def test_managing_unit_rule(cast: Any) -> None:
    v, o = cast.village, cast.other_village
    assert managing_unit(hukou=v, residence=v) == v
    assert managing_unit(hukou=v, residence=None) == v
    assert managing_unit(hukou=v, residence=o) == o
    assert managing_unit(hukou=None, residence=o) == o
    assert managing_unit(hukou=None, residence=None) is None


def _with(index: int, column: int, value: str) -> list[list[str]]:
    rows = family_rows()
    rows[index][column] = value
    return rows


REJECTIONS = [
    ("empty_case_id", _with(4, 0, ""), "个案编号为空"),
    ("empty_name", _with(4, 1, ""), "姓名为空"),
    ("bad_sex", _with(4, 2, "未知"), "性别“未知”不是有效的名称或代码"),
    ("sex_mismatch", _with(4, 2, "女"), "性别与登记的性别不一致"),
    ("future_birth", _with(4, 4, "2999-01-01"), "出生日期"),
    ("dob_mismatch", _with(4, 4, "1990-02-04"), "出生日期与登记的出生日期不一致"),
    ("check_digit", _with(4, 3, id_for(dt.date(1990, 2, 3), 5, "M")[:17] + "0"), "校验"),
    ("excel_mangled", _with(4, 3, "4.10102E+17"), "Excel"),
    ("bad_ethnicity", _with(4, 5, "火星族"), "民族"),
    ("bad_hukou", _with(4, 6, "城镇"), "户口性质"),
    ("unknown_village", _with(4, 8, "370404101299"), "区划代码在本县的村居中不存在"),
    ("short_code", _with(4, 8, "3704"), "区划代码应为12位"),
    ("household_len", _with(4, 9, "37040410120200002"), "户编号应为18位数字"),
    ("household_village", _with(4, 9, "370404101299000002"), "户编号前12位"),
    ("bad_relation", _with(4, 10, "邻居"), "与户主关系"),
    ("head_not_first", _with(4, 10, "子"), "户内第一位成员必须是户主（本人）"),
    ("bad_marital", _with(4, 11, "77"), "婚姻状况"),
    ("bad_spouse_id", _with(4, 12, "370404"), "配偶"),
    ("duplicate_case", _with(4, 0, "P001"), "个案编号在文件中重复"),
    ("both_outside", _with(4, 8, "110101001002"), "无法确定管理单位"),
]


@pytest.mark.parametrize(
    ("rows", "reason"), [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS]
)
def test_every_rejection_reason_rejects_the_whole_file(
    cast: Any, data_dir: Path, rows: list[list[str]], reason: str
) -> None:
    result = _import(cast, write_csv(data_dir / "r.csv", rows))
    assert result.status == "rejected"
    assert any(reason in e.reason for e in result.errors), [e.reason for e in result.errors]
    assert Person.objects.count() == 0
    assert Household.objects.count() == 0
    assert ImportRowError.objects.count() == len(result.errors)
    assert Path(result.error_report).read_text(encoding="utf-8-sig").startswith("工作表,行号")


def test_mother_younger_than_14_is_refused(cast: Any, data_dir: Path) -> None:
    rows = family_rows()
    rows[2][4] = "1994-07-08"  # child born when the mother was 12
    rows[2][3] = id_for(dt.date(1994, 7, 8), 3, "M")
    result = _import(cast, write_csv(data_dir / "r.csv", rows))
    assert [e.reason for e in result.errors] == [
        "母亲生育时未满14周岁，请核对母亲或子女的出生日期。"
    ]


def test_fifteen_digit_id_is_upgraded(cast: Any, data_dir: Path) -> None:
    rows = family_rows()
    rows[4][3] = rows[4][3][:6] + rows[4][3][8:17]  # the old 15-digit form
    assert _import(cast, write_csv(data_dir / "r.csv", rows)).status == "applied"
    assert Person.objects.get(external_id="P005").id_index == identity.id_index(family_rows()[4][3])


def test_error_report_masks_identity_numbers(cast: Any, data_dir: Path) -> None:
    rows = _with(1, 2, "男")  # mother marked male: her ID says female
    result = _import(cast, write_csv(data_dir / "r.csv", rows))
    report = Path(result.error_report).read_text(encoding="utf-8-sig")
    assert MOTHER not in report
    assert "370404********" in report


def test_exception_mid_apply_leaves_database_unchanged(cast: Any, data_dir: Path) -> None:
    def fail_on_audit(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # The audit row is the last write: persons, households, memberships, marriages
        # and events are all in the database by then, and must all roll back.
        if sql.startswith('INSERT INTO "core_auditevent"'):
            raise RuntimeError("disk full")
        return execute(sql, params, many, context)

    audit_before = AuditEvent.objects.count()
    with connection.execute_wrapper(fail_on_audit), pytest.raises(RuntimeError):
        _import(cast, write_csv(data_dir / "r.csv", family_rows()))
    assert Person.objects.count() == Household.objects.count() == Marriage.objects.count() == 0
    assert Membership.objects.count() == 0
    assert LifeEvent.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before
    assert ImportBatch.objects.get().status == ImportBatch.Status.STAGED


def test_same_file_again_is_a_no_op(cast: Any, data_dir: Path) -> None:
    path = write_csv(data_dir / "r.csv", family_rows())
    first = _import(cast, path)
    again = _import(cast, path)
    assert again.status == "unchanged"
    assert again.batch_id == first.batch_id
    assert Person.objects.count() == 5
    assert LifeEvent.objects.count() == 5
    assert ImportBatch.objects.count() == 1


def test_corrected_file_updates_only_changed_rows(cast: Any, data_dir: Path) -> None:
    _import(cast, write_csv(data_dir / "r.csv", family_rows()))
    before = {p.external_id: p.version for p in Person.objects.all()}
    rows = family_rows()
    rows[2][1] = "张晓明"
    rows.append(
        ["P006", "张小红", "女", id_for(dt.date(2012, 1, 1), 6, "F"), "2012-01-01", "汉族", "农业",
         VILLAGE, VILLAGE, VILLAGE + "010001", "女", "未婚", "", MOTHER, FATHER, ""]
    )  # fmt: skip
    result = _import(cast, write_csv(data_dir / "r2.csv", rows))
    assert (result.created, result.updated, result.unchanged) == (1, 1, 4)
    child = Person.objects.get(external_id="P003")
    assert child.name == "张晓明"
    assert child.version == before["P003"] + 1
    correction = LifeEvent.objects.get(kind=LifeEvent.Kind.CORRECTION)
    assert correction.person == child
    assert correction.changes == {"name": ["张小明", "张晓明"]}
    assert Person.objects.get(external_id="P001").version == before["P001"]
    new = Person.objects.get(external_id="P006")
    assert new.mother == Person.objects.get(external_id="P002")
    assert new.memberships.get().position == 5  # appended to the existing card
    assert child.id_index == identity.id_index(CHILD)


def test_accept_valid_applies_good_rows_and_reports_bad(cast: Any, data_dir: Path) -> None:
    rows = _with(4, 2, "未知")
    result = _import(cast, write_csv(data_dir / "r.csv", rows), accept_valid=True)
    assert (result.status, result.created, result.rows_error) == ("applied", 4, 1)
    assert result.errors[0].row == 6
    assert ImportRowError.objects.get().row == 6
    assert not Person.objects.filter(external_id="P005").exists()


def test_dry_run_writes_nothing(cast: Any, data_dir: Path) -> None:
    result = _import(cast, write_csv(data_dir / "r.csv", family_rows()), dry_run=True)
    assert (result.status, result.created) == ("dry_run", 5)
    assert Person.objects.count() == 0


def test_org_unit_of_other_village_households(cast: Any, data_dir: Path) -> None:
    _import(cast, write_csv(data_dir / "r.csv", family_rows()))
    assert Household.objects.get(code=OTHER_VILLAGE + "000002").org_unit == cast.other_village


def test_xlsx_register_with_title_row(cast: Any, data_dir: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["榴园镇全员人口个案（迁移）"])
    ws.append(HEADER)
    for row in family_rows():
        ws.append(row)
    ws.append(["合计", "5人"])
    path = data_dir / "register.xlsx"
    wb.save(path)
    result = _import(cast, path)
    assert result.status == "applied"
    assert result.created == 5
    assert [n.message for n in result.notices] == ["合计/总计行，已跳过"]
    assert Person.objects.get(external_id="P001").source_row == 3


def test_ethnic_groups_table() -> None:
    assert len([c for c in codes.ETHNIC_GROUPS if c < "57"]) == 56
    assert codes.parse_ethnicity("汉族") == "01"
    assert codes.parse_ethnicity("维吾尔") == "05"
    assert codes.parse_ethnicity("56") == "56"
    assert codes.parse_relation("外孙女") == "40"
    assert codes.parse_marital("") == "90"
