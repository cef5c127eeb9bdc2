"""The intake: file checks, encodings, Excel traps, header mapping, row errors."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from renkou.core.intake import (
    ColumnSpec,
    IntakeError,
    TableSpec,
    check_file,
    intake_store,
    parse_mapping,
    read_table,
)
from renkou.core.models import ImportBatch

SPEC = TableSpec(
    kind="test",
    columns=(
        ColumnSpec("id_number", ("公民身份号码", "身份证号", "身份证号码", "证件号码"), True, "id"),
        ColumnSpec("name", ("姓名",), required=True),
        ColumnSpec("born", ("出生日期",), kind="date"),
        ColumnSpec("phone", ("联系电话",), kind="phone"),
    ),
)
ID = "370404198003010035"


def _rows(path: Path, mapping: dict[str, str] | None = None) -> tuple[list[Any], Any]:
    table = read_table(path=path, fmt=check_file(path), spec=SPEC, mapping=mapping)
    return list(table.rows), table


def _csv(tmp_path: Path, text: str, encoding: str, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    # 䶮 exists in GB18030 but not in GBK: decoding as GBK alone would fail.
    path = _csv(tmp_path, f"姓名,身份证号,出生日期\n刘䶮,{ID},1980-03-01\n", encoding)
    rows, _ = _rows(path)
    assert rows[0].values == {"name": "刘䶮", "id_number": ID, "born": dt.date(1980, 3, 1)}


def test_csv_full_width_digits_and_trailing_spaces(tmp_path: Path) -> None:
    full = ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    path = _csv(
        tmp_path, f"姓名,证件号码,联系电话\n 张伟 ,{full}  ,１３８１２３４５６７８\n", "utf-8"
    )
    rows, _ = _rows(path)
    assert rows[0].values == {"name": "张伟", "id_number": ID, "phone": "13812345678"}


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = _csv(tmp_path, "姓名,出生日期,电话号\n张伟,1980-01-01,1\n", "utf-8")
    with pytest.raises(IntakeError, match="公民身份号码（id_number）"):
        _rows(path)


def test_user_mapping_overrides_headers(tmp_path: Path) -> None:
    path = _csv(tmp_path, "姓名,证件号\n张伟,370404198003010035\n", "utf-8")
    rows, _ = _rows(path, parse_mapping(["证件号=id_number"]))
    assert rows[0].values["id_number"] == ID
    with pytest.raises(IntakeError, match="映射格式"):
        parse_mapping(["证件号"])
    with pytest.raises(IntakeError, match="字段不存在"):
        _rows(path, parse_mapping(["证件号=nope"]))


def test_bad_date_is_a_row_error_not_dropped(tmp_path: Path) -> None:
    path = _csv(
        tmp_path, f"姓名,身份证号,出生日期\n张伟,{ID},1980-02-30\n李四,{ID},明天\n", "utf-8"
    )
    rows, _ = _rows(path)
    assert len(rows) == 2
    assert [e.reason for r in rows for e in r.errors] == [
        "日期不存在",
        "日期格式无法识别（应为 YYYY-MM-DD、YYYY/M/D 或 YYYYMMDD）",
    ]
    assert rows[0].errors[0].row == 2
    assert rows[0].errors[0].column == "出生日期"


def _workbook(tmp_path: Path, *, epoch_1904: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    if epoch_1904:
        wb.epoch = CALENDAR_MAC_1904
    ws.append(["峄城区榴园镇全员人口个案"])  # title row above the header
    ws.merge_cells("A1:D1")
    ws.append(["姓名", "身份证号", "出生日期", "联系电话"])
    ws.append(["张伟", ID, dt.date(1980, 3, 1), "13812345678"])
    ws.append(["李娜", "4.10102E+17", 29281, "=1+1"])  # serial date as a plain number
    ws.append(["王五", 410102199001011234, "１９９０-０１-０１", None])
    ws.append(["合计", "3人", None, None])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def test_xlsx_title_row_total_row_serials_formula_and_mangled_id(tmp_path: Path) -> None:
    rows, table = _rows(_workbook(tmp_path))
    assert [r.number for r in rows] == [3, 4, 5]
    assert rows[0].values["born"] == dt.date(1980, 3, 1)
    assert rows[1].values["born"] == dt.date(1980, 3, 1)  # 29281 in the 1900 system
    assert {e.column: e.reason for e in rows[1].errors}["联系电话"].startswith(
        "公式单元格没有计算结果"
    )
    assert rows[1].values["id_number"] == "4.10102E+17"  # left for the ID parser to reject
    assert "末几位已丢失" in rows[2].errors[0].reason
    assert "410102199001011234" not in rows[2].errors[0].raw
    assert rows[2].values["born"] == dt.date(1990, 1, 1)
    assert [(n.row, n.message) for n in table.notices] == [(6, "合计/总计行，已跳过")]


def test_xlsx_1904_date_system(tmp_path: Path) -> None:
    rows, _ = _rows(_workbook(tmp_path, epoch_1904=True))
    assert rows[0].values["born"] == dt.date(1980, 3, 1)
    assert rows[1].values["born"] == dt.date(1984, 3, 2)  # 29281 days after 1904-01-01


def test_xlsx_merged_two_level_header(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "证件信息", None])
    ws.append([None, "身份证号", "出生日期"])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:C1")
    ws.append(["张伟", ID, "1980/3/1"])
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    rows, _ = _rows(path)
    assert len(rows) == 1
    assert rows[0].values == {"name": "张伟", "id_number": ID, "born": dt.date(1980, 3, 1)}


def test_oversize_file_is_refused(tmp_path: Path, settings: Any) -> None:
    settings.RENKOU_UPLOAD_MAX_BYTES = 1024
    path = _csv(tmp_path, "姓名\n" + "张伟\n" * 1000, "utf-8")
    with pytest.raises(IntakeError, match="文件过大"):
        check_file(path)


def test_text_named_xlsx_and_exe_are_refused(tmp_path: Path) -> None:
    with pytest.raises(IntakeError, match="扩展名"):
        check_file(_csv(tmp_path, "姓名\n张伟\n", "utf-8", name="fake.xlsx"))
    exe = tmp_path / "setup.csv"
    exe.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200)
    with pytest.raises(IntakeError, match="无法识别"):
        check_file(exe)


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024))
    with pytest.raises(IntakeError, match="压缩比"):
        check_file(path)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(IntakeError, match="不是 XLSX"):
        check_file(path)


def test_billion_laughs_is_refused_before_parsing(tmp_path: Path) -> None:
    source = _workbook(tmp_path)
    path = tmp_path / "laughs.xlsx"
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = lol + data.split(b"?>", 1)[-1]
            dst.writestr(info, data)
    with pytest.raises(IntakeError, match="实体声明"):
        check_file(path)


@pytest.mark.django_db
def test_store_keeps_hash_and_size_and_detects_the_same_file(tmp_path: Path, settings: Any) -> None:
    settings.DATA_DIR = tmp_path / "data"
    path = _csv(tmp_path, "姓名,身份证号\n张伟,1\n", "utf-8", name="upload.csv")
    stored = intake_store(path=path, kind="test", actor=None, file_name="../../etc/passwd.csv")
    assert stored.batch.size == path.stat().st_size
    assert len(stored.batch.sha256) == 64
    assert stored.path == tmp_path / "data" / "imports" / str(stored.batch.pk) / "source.csv"
    assert stored.duplicate_of is None
    ImportBatch.objects.filter(pk=stored.batch.pk).update(status=ImportBatch.Status.APPLIED)
    again = intake_store(path=path, kind="test", actor=None)
    assert again.duplicate_of == stored.batch
    assert ImportBatch.objects.count() == 1
