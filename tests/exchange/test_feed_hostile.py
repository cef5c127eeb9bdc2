"""Hostile department files, per kind: the file is refused or the row reported, never guessed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from renkou.core.intake import IntakeError, readers
from renkou.exchange.feeds import FEEDS
from renkou.exchange.models import FeedRow
from renkou.exchange.services import feed_import
from tests.exchange.feed_files import DATE_COLUMN, HEADERS, ID_COLUMN, bad_check, rows, write_csv

pytestmark = pytest.mark.django_db
KINDS = ("police", "birth_cert", "marriage", "pupil")


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


def _import(kind: str, path: Path, **kwargs: Any) -> Any:
    return feed_import(kind=kind, path=path, month="2026-01", actor=None, **kwargs)


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_header_names_the_missing_column(cast: Any, data_dir: Path, kind: str) -> None:
    required = next(c for c in FEEDS[kind].spec.columns if c.required)
    header = ["备注" if h == required.aliases[0] else h for h in HEADERS[kind]]
    with pytest.raises(IntakeError, match=f"缺少必需的列：{required.aliases[0]}"):
        _import(kind, write_csv(data_dir / "x.csv", kind, header=header))
    assert FeedRow.objects.count() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_gb18030_csv(cast: Any, data_dir: Path, kind: str) -> None:
    body = rows(kind)
    body[0][0] = body[0][0][:1] + "𠀀"  # outside GBK: only GB18030 encodes it
    result = _import(kind, write_csv(data_dir / "g.csv", kind, body, encoding="gb18030"))
    assert (result.status, result.created) == ("applied", 3)
    assert FeedRow.objects.get(row_number=2).name.endswith("𠀀")


@pytest.mark.parametrize("kind", KINDS)
def test_xlsx_with_title_row_and_merged_header(cast: Any, data_dir: Path, kind: str) -> None:
    header = HEADERS[kind]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([f"2026年1月{FEEDS[kind].label}"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    # Two-level header: the first two headers span rows 2–3 (merged), the rest sit on row 3.
    sheet.append([*header[:2], *[""] * (len(header) - 2)])
    sheet.append(["", "", *header[2:]])
    for col in (1, 2):
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    for row in rows(kind):
        sheet.append(row)
    sheet.append(["合计", "3"])
    path = data_dir / f"{kind}.xlsx"
    book.save(path)
    result = _import(kind, path)
    assert (result.status, result.created, result.rows_error) == ("applied", 3, 0)
    assert [n.message for n in result.notices] == ["合计/总计行，已跳过"]
    assert sorted(FeedRow.objects.values_list("row_number", flat=True)) == [4, 5, 6]


@pytest.mark.parametrize("kind", KINDS)
def test_excel_mangled_id_is_a_row_error(cast: Any, data_dir: Path, kind: str) -> None:
    body = rows(kind)
    body[1][ID_COLUMN[kind]] = "3.70404E+17"
    result = _import(kind, write_csv(data_dir / "m.csv", kind, body))
    assert (result.status, result.rows_error) == ("rejected", 1)
    error = result.errors[0]
    assert error.row == 3
    assert "Excel" in error.reason
    assert "370404" not in Path(result.error_report).read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("kind", KINDS)
def test_invalid_check_digit_is_kept_and_flagged(cast: Any, data_dir: Path, kind: str) -> None:
    body = rows(kind)
    body[0][ID_COLUMN[kind]] = bad_check(body[0][ID_COLUMN[kind]])
    result = _import(kind, write_csv(data_dir / "c.csv", kind, body))
    assert (result.status, result.created, result.rows_error) == ("applied", 3, 0)
    row = FeedRow.objects.get(row_number=2)
    assert not row.id_valid
    assert row.id_masked
    assert row.id_index
    assert "校验" in row.extra["id_problem"]
    assert FeedRow.objects.filter(id_valid=True).count() == 2


@pytest.mark.parametrize("kind", KINDS)
def test_future_date_is_a_row_error(cast: Any, data_dir: Path, kind: str) -> None:
    body = rows(kind)
    body[2][DATE_COLUMN[kind]] = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    result = _import(kind, write_csv(data_dir / "f.csv", kind, body))
    assert (result.status, result.rows_error) == ("rejected", 1)
    assert (result.errors[0].row, result.errors[0].reason) == (4, "日期晚于今天")


@pytest.mark.parametrize("kind", KINDS)
def test_empty_file_and_exe(cast: Any, data_dir: Path, kind: str) -> None:
    empty = data_dir / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(IntakeError, match="文件为空"):
        _import(kind, empty)
    exe = data_dir / "setup.csv"
    exe.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(200))
    with pytest.raises(IntakeError, match="文件类型无法识别"):
        _import(kind, exe)


@pytest.mark.parametrize("kind", KINDS)
def test_header_only_file_imports_nothing(cast: Any, data_dir: Path, kind: str) -> None:
    result = _import(kind, write_csv(data_dir / "h.csv", kind, []))
    assert (result.status, result.rows_total) == ("applied", 0)


def test_repeated_record_number_is_an_error(cast: Any, data_dir: Path) -> None:
    body = rows("police")
    body[2][11] = body[0][11]
    result = _import("police", write_csv(data_dir / "d.csv", "police", body))
    assert result.rows_error == 1
    assert "与第 2 行重复" in result.errors[0].reason


@pytest.mark.parametrize("columnar", [True, False])
def test_repeated_record_numbers_across_batches(
    cast: Any, data_dir: Path, columnar: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches of some 100 rows: each repeat names the row that had the number first,
    # in an earlier batch or the same one, and a long number (over the 64 characters
    # kept) repeats by its kept part, as before.
    monkeypatch.setattr(readers, "ARROW_BLOCK", 2048)
    monkeypatch.setattr(readers, "ROWS_PER_CHUNK", 100)
    base = rows("police")[0]
    long = "L" * 70
    body = []
    for i in range(600):
        row = list(base)
        row[11] = f"YW{i:05d}"
        body.append(row)
    body[350][11] = "YW00003"  # first on file row 5 (header is row 1)
    body[351][11] = "YW00003"
    body[420][11] = "YW00419"  # the row just before, same batch
    body[500][11], body[590][11] = long + "A", long + "B"
    result = _import("police", write_csv(data_dir / "r.csv", "police", body), columnar=columnar,
                     accept_valid=True)  # fmt: skip
    found = sorted((e.row, e.reason) for e in result.errors)
    assert found == [
        (352, "业务流水号与第 5 行重复"),
        (353, "业务流水号与第 5 行重复"),
        (422, "业务流水号与第 421 行重复"),
        (592, "业务流水号与第 502 行重复"),
    ]
    assert (result.status, result.created) == ("applied", 596)
    assert FeedRow.objects.filter(source_record_id="YW00003").count() == 1


def test_twins_without_record_number_both_kept(cast: Any, data_dir: Path) -> None:
    body = rows("birth_cert")
    twin = list(body[0])
    body[0][4] = twin[4] = ""  # no 出生证编号: the key comes from mother + date + sex
    body.append(twin)
    result = _import("birth_cert", write_csv(data_dir / "t.csv", "birth_cert", body))
    assert (result.created, result.rows_error) == (4, 0)
    again = _import("birth_cert", write_csv(data_dir / "t2.csv", "birth_cert", [*body, []]))
    assert (again.created, again.unchanged, again.withdrawn) == (0, 4, 0)


@pytest.mark.parametrize("kind", KINDS)
def test_a_very_long_number_is_kept_masked_to_fit(cast: Any, data_dir: Path, kind: str) -> None:
    body = rows(kind)
    body[0][ID_COLUMN[kind]] = "1" * 60
    result = _import(kind, write_csv(data_dir / "l.csv", kind, body))
    assert (result.status, result.created, result.rows_error) == ("applied", 3, 0)
    row = FeedRow.objects.get(row_number=2)
    assert not row.id_valid
    assert row.id_masked.startswith("111*")
    assert len(row.id_masked) <= 32  # the column's width (PostgreSQL enforces it)
