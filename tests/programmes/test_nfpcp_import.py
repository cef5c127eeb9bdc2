"""Results files from the county service centre: the intake guarantees of every import."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from renkou.core.intake import IntakeError
from renkou.core.models import ImportBatch, ImportRowError
from renkou.programmes.models import NfpcpCheck, NfpcpResult
from renkou.programmes.nfpcp.importer import nfpcp_results_import
from renkou.programmes.nfpcp.items import ITEMS
from tests.conftest import Cast
from tests.programmes.nfpcp_factories import IDS, consent, make_couple, register

pytestmark = pytest.mark.django_db
HEADER = ["通知单编号", "检查对象", "身份证号", "项目编号", "项目名称", "检查结果", "单位",
          "结果判定", "审核人", "检查日期"]  # fmt: skip
_VALUES = {5: "125", 8: "5.0", 9: "22", 11: "70", 12: "2.1"}


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


def _rows(check: NfpcpCheck) -> list[list[str]]:
    today = timezone.localdate().isoformat()
    rows = []
    for item in ITEMS:
        if item.no > 17:
            continue
        for subject in item.applies:
            person = check.wife if subject == "W" else check.husband
            rows.append([
                check.slip_number, "女方" if subject == "W" else "男方", IDS[person.pk],
                str(item.no), item.name, _VALUES.get(item.no) or item.choices[0], item.unit,
                "正常", "张医生", today,
            ])  # fmt: skip
    return rows


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def check(cast: Cast) -> NfpcpCheck:
    clerk = cast.users["clerk"]
    return consent(register(make_couple(cast.village), clerk), clerk)


def test_a_clean_file_records_every_result(data_dir: Path, check: NfpcpCheck) -> None:
    result = nfpcp_results_import(path=_csv(data_dir / "r.csv", _rows(check)), actor=None)
    assert result.status == "applied"
    assert result.created == 26
    assert NfpcpResult.objects.filter(check_record=check).count() == 26
    row = NfpcpResult.objects.get(check_record=check, item_no=11, subject="H")
    assert (row.value, row.unit, row.abnormal) == ("70", "μmol/L", False)
    assert row.import_batch_id == result.batch_id
    assert row.source_row is not None


def test_the_same_file_again_changes_nothing(data_dir: Path, check: NfpcpCheck) -> None:
    path = _csv(data_dir / "r.csv", _rows(check))
    first = nfpcp_results_import(path=path, actor=None)
    stamps = dict(NfpcpResult.objects.values_list("pk", "updated_at"))
    again = nfpcp_results_import(path=path, actor=None)
    assert again.status == "unchanged"
    assert again.batch_id == first.batch_id
    assert dict(NfpcpResult.objects.values_list("pk", "updated_at")) == stamps
    assert ImportBatch.objects.filter(kind="nfpcp_results").count() == 1


def test_a_corrected_file_changes_only_the_changed_rows(data_dir: Path, check: NfpcpCheck) -> None:
    rows = _rows(check)
    nfpcp_results_import(path=_csv(data_dir / "r.csv", rows), actor=None)
    stamps = dict(NfpcpResult.objects.values_list("pk", "updated_at"))
    fixed = [list(r) for r in rows]
    liver = next(r for r in fixed if r[3] == "9" and r[1] == "男方")
    liver[5], liver[7] = "88", "异常"
    result = nfpcp_results_import(path=_csv(data_dir / "r2.csv", fixed), actor=None)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 25)
    changed = NfpcpResult.objects.get(check_record=check, item_no=9, subject="H")
    assert changed.abnormal
    assert changed.import_batch_id == result.batch_id
    after = dict(NfpcpResult.objects.values_list("pk", "updated_at"))
    assert [pk for pk in after if after[pk] != stamps[pk]] == [changed.pk]


def test_an_xlsx_from_excel_works_and_a_mangled_id_is_reported(
    data_dir: Path, check: NfpcpCheck
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["孕前优生健康检查结果"])  # a title row above the header
    sheet.append(HEADER)
    rows = _rows(check)
    for row in rows:
        sheet.append(row)
    # Excel turned the ID into a number (an X check character would have stopped it: the
    # mangled value keeps only the first 17 digits, as 4.10102E+17 does).
    sheet.cell(row=3, column=3).value = float(rows[0][2][:17] + "0")
    path = data_dir / "r.xlsx"
    book.save(path)
    result = nfpcp_results_import(path=path, actor=None)
    assert result.status == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [(3, "身份证号")]
    assert "Excel" in result.errors[0].reason
    assert IDS[check.wife.pk] not in result.errors[0].raw
    assert not NfpcpResult.objects.exists()


def _hostile(check: NfpcpCheck, other: NfpcpCheck) -> tuple[list[list[str]], dict[int, str]]:
    rows = _rows(check)
    wife_id = IDS[check.wife.pk]
    bad_digit = wife_id[:-1] + ("0" if wife_id[-1] != "0" else "1")
    extra = [
        [*rows[0][:2], bad_digit, *rows[0][3:]],  # check digit wrong
        [*rows[0][:2], IDS[other.wife.pk], *rows[0][3:]],  # someone else's valid number
        [rows[0][0], "男方", IDS[check.husband.pk], "14", "风疹", "阴性", "", "正常", "张医生",
         rows[0][9]],  # wife-only item for the husband
        [*rows[0][:3], "23", "x", "阴性", "", "正常", "张医生", rows[0][9]],  # unknown item
        [rows[0][0], "女方", wife_id, "5", "血红蛋白", "12.5", "g/dL", "正常", "张医生",
         rows[0][9]],  # wrong unit
        [*rows[0][:7], "", "张医生", rows[0][9]],  # no normal/abnormal flag
        ["370404101-1999-999999", *rows[0][1:]],  # unknown slip
        [*rows[0][:8], "张医生", "2099-01-01"],  # future date
        [rows[0][0], "未知", *rows[0][2:]],  # neither wife nor husband
        rows[0],  # duplicated row
    ]  # fmt: skip
    reasons = {
        1: "校验", 2: "不符", 3: "只适用于女方", 4: "未知的检查项目编号", 5: "单位应为",
        6: "正常", 7: "通知单编号不存在", 8: "晚于今天", 9: "检查对象", 10: "重复",
    }  # fmt: skip
    return rows + extra, reasons


def test_hostile_rows_are_each_reported_and_nothing_is_applied(
    data_dir: Path, check: NfpcpCheck, cast: Cast
) -> None:
    clerk = cast.users["clerk"]
    other = consent(register(make_couple(cast.village, wife_name="周芳"), clerk), clerk)
    rows, reasons = _hostile(check, other)
    result = nfpcp_results_import(path=_csv(data_dir / "bad.csv", rows), actor=None)
    assert result.status == "rejected"
    assert result.rows_error == len(reasons)
    base = len(rows) - len(reasons) + 1  # the header is row 1
    by_row = {e.row - base: e for e in result.errors}
    assert sorted(by_row) == sorted(reasons)
    for offset, word in reasons.items():
        assert word in by_row[offset].reason, (offset, by_row[offset])
    for error in result.errors:
        assert IDS[check.wife.pk] not in error.raw
        assert error.column
    # Each error names the column it is about, with that column's value.
    assert (by_row[3].column, by_row[3].raw) == ("检查对象", "男方")  # wife-only item
    assert (by_row[5].column, by_row[5].raw) == ("单位", "g/dL")
    assert (by_row[8].column, by_row[8].raw) == ("检查日期", "2099-01-01")
    assert not NfpcpResult.objects.exists()
    assert ImportRowError.objects.filter(batch_id=result.batch_id).count() == len(reasons)
    assert Path(result.error_report).is_file()


def test_accept_valid_applies_the_good_rows_and_reports_the_rest(
    data_dir: Path, check: NfpcpCheck, cast: Cast
) -> None:
    clerk = cast.users["clerk"]
    other = consent(register(make_couple(cast.village, wife_name="周芳"), clerk), clerk)
    rows, reasons = _hostile(check, other)
    result = nfpcp_results_import(
        path=_csv(data_dir / "bad.csv", rows), actor=None, accept_valid=True
    )
    assert result.status == "applied"
    assert result.rows_error == len(reasons)
    assert NfpcpResult.objects.filter(check_record=check).count() == 26


def test_a_file_for_a_check_without_consent_is_refused(data_dir: Path, cast: Cast) -> None:
    check = register(make_couple(cast.village), cast.users["clerk"])
    result = nfpcp_results_import(path=_csv(data_dir / "r.csv", _rows(check)), actor=None)
    assert result.status == "rejected"
    assert {e.reason for e in result.errors} == {"该夫妇尚未签署知情同意书"}


def test_whole_file_refusals(data_dir: Path, check: NfpcpCheck, settings: Any) -> None:
    header = [h.replace("审核人", "医生") for h in HEADER]
    no_reviewer = _csv(data_dir / "a.csv", _rows(check), header=header)
    with pytest.raises(IntakeError, match="缺少必需的列"):
        nfpcp_results_import(path=no_reviewer, actor=None)
    exe = data_dir / "b.csv"
    exe.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" * 10)
    with pytest.raises(IntakeError, match="文件类型无法识别"):
        nfpcp_results_import(path=exe, actor=None)
    settings.RENKOU_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(IntakeError, match="文件过大"):
        nfpcp_results_import(path=_csv(data_dir / "c.csv", _rows(check) * 5), actor=None)
    assert not NfpcpResult.objects.exists()


def test_an_actor_only_reaches_slips_in_scope(
    data_dir: Path, check: NfpcpCheck, cast: Cast
) -> None:
    result = nfpcp_results_import(
        path=_csv(data_dir / "r.csv", _rows(check)), actor=cast.users["other_clerk"]
    )
    assert result.status == "rejected"
    assert {e.reason for e in result.errors} == {"通知单编号不存在"}


def test_the_import_command_takes_kind_nfpcp_results(
    data_dir: Path, check: NfpcpCheck, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(data_dir / "r.csv", _rows(check))
    call_command("import", str(path), "--kind", "nfpcp_results", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "applied"
    assert summary["created"] == 26
    bad = _csv(
        data_dir / "bad.csv", [[*r[:6], "mg", *r[7:]] if r[3] == "5" else r for r in _rows(check)]
    )
    with pytest.raises(CommandError, match="1 行被拒绝"):
        call_command("import", str(bad), "--kind", "nfpcp_results")
    assert NfpcpResult.objects.get(check_record=check, item_no=5).unit == "g/L"
