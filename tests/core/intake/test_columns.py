"""The column-wise reader equals the row-wise one: rows, numbers, values, errors, notices."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renkou.core.intake import IntakeError, check_file, read_table, readers
from renkou.core.intake.columns import clean_column
from renkou.core.intake.readers import detect_encoding, is_plain_csv
from tests.core.intake.test_intake import ID, SPEC

HEADER = ["姓名", "身份证号", "出生日期", "联系电话", "备注"]
# Good and hostile cells: blanks, U+3000 and other spaces, full-width digits, lower-case
# x, Excel's scientific notation, dates in every accepted and refused shape, total words.
CELLS = [
    "张伟", " 张伟 ", "\u3000张\u3000伟\u3000", "王\u00a0五", ID, ID[:17] + "x", "4.10102E+17",
    ID.translate(str.maketrans("0123456789", "０１２３４５６７８９")), "", " ", "\u3000",
    "1980-03-01", "1980/3/1", "1980.3.1", "1980年3月1日", "19800301", "29281", "1980-02-30",
    "二〇一〇年", "13812345678", "１３８１２３４５６７８", "合计", "小 计", "=1+1", "\t",
    "\x1c", "\u2028x", "ｘ", "a" * 300,
]  # fmt: skip
cells = st.sampled_from(CELLS) | st.text(max_size=6)
rows = st.lists(st.lists(cells, min_size=0, max_size=7), max_size=25)


def _read(path: Path, *, columnar: bool) -> Any:
    """Rows, notices and headers, or the message of the whole file's refusal."""
    try:
        table = read_table(path=path, fmt=check_file(path), spec=SPEC, columnar=columnar)
        return list(table.rows), table.notices, table.headers
    except IntakeError as exc:
        return str(exc)


def _both(path: Path) -> tuple[Any, Any]:
    return _read(path, columnar=True), _read(path, columnar=False)


def _write(path: Path, body: list[list[str]], *, encoding: str, title: bool) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if title:
        writer.writerow(["2026年人口表"])
    writer.writerow(HEADER)
    writer.writerows(body)
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=rows, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), title=st.booleans())
def test_csv_column_wise_equals_row_wise(body: list[list[str]], encoding: str, title: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        _write(path, body, encoding=encoding, title=title)
        fast, slow = _both(path)
        assert fast == slow


def test_plain_csv_goes_through_arrow_and_hands_over_mid_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small Arrow blocks: the ragged row (an extra field) sits many blocks into the file.
    monkeypatch.setattr(readers, "ARROW_BLOCK", 256)
    body = [[f"人{i}", ID, "1980-03-01", "13812345678", ""] for i in range(300)]
    body[250].append("多出的一列")
    body[120] = ["合计", "300"]
    body[121] = ["", "", "", "", ""]
    path = tmp_path / "ragged.csv"
    _write(path, body, encoding="utf-8", title=False)
    assert is_plain_csv(path, detect_encoding(path))
    fast, slow = _both(path)
    assert fast == slow
    assert len(fast[0]) == 298
    assert [n.row for n in fast[1]] == [122]


@pytest.mark.parametrize(
    "text",
    [
        '姓名,身份证号\r\n"张,伟",' + ID + "\r\n",  # a quote: the csv module reads it
        "姓名,身份证号\r\n\r\n张伟," + ID + "\r\n",  # a blank line keeps its number
        "\r\n姓名,身份证号\r\n张伟," + ID + "\r\n",
        "姓名,身份证号\n张伟," + ID + "\x00\n",
    ],
)
def test_files_arrow_would_read_otherwise_are_not_plain(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode("utf-8"))
    assert not is_plain_csv(path, "utf-8")
    if "\x00" not in text:
        fast, slow = _both(path)
        assert fast == slow


def test_a_field_over_the_csv_limit_is_refused_both_ways(tmp_path: Path) -> None:
    # Past the header scan: Arrow reads it and hands over to the csv module, which refuses.
    lines = ["姓名,身份证号", *[f"张{i},{ID}" for i in range(40)]]
    lines.append(f"{'张' * (csv.field_size_limit() + 1)},{ID}")
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    assert is_plain_csv(path, "utf-8")
    fast, slow = _both(path)
    assert fast == slow
    assert fast.startswith("CSV 格式错误")


def test_xlsx_column_wise_equals_row_wise(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2026年人口表"])
    sheet.append(HEADER)
    values: list[Any] = [
        ["张伟", ID, dt.datetime(1980, 3, 1), 13812345678, None],
        ["李四", 370404198003010035, 29281, "138 1234 5678", 1.5],
        ["王五", ID[:17] + "x", "1980/3/1", None, True],
        [None, None, None, None, None],
        ["合计", 3],
        ["赵六", "４.10102E+17", dt.date(2099, 1, 1), "", "=SUM(A1:A2)"],
        ["钱七", ID, 0, -1, dt.time(12, 0)],
    ]
    for row in values:
        sheet.append(row)
    sheet["C9"] = "=TODAY()"  # a formula without a cached value
    path = tmp_path / "f.xlsx"
    book.save(path)
    fast, slow = _both(path)
    assert fast == slow
    assert any(e.reason.startswith("公式") for r in fast[0] for e in r.errors)


def test_xlsx_away_from_a1_with_falsy_and_total_rows(tmp_path: Path) -> None:
    # The sheet starts at C3 (calamine pads the skipped columns); rows of falsy values are
    # not blank; a spaced total row and a 计 that is no total row.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    at = 3
    for row in [HEADER, ["张伟", ID, "1980-03-01", 0, False], [0, 0, 0.0, False, 0],
                ["会计", ID, "1980-03-01", "", ""], [None] * 5, ["总 计", 2, None, None, None],
                ["李四", ID, dt.date(1980, 3, 1)]]:  # fmt: skip
        for col, value in enumerate(row):
            sheet.cell(row=at, column=3 + col, value=value)
        at += 1
    path = tmp_path / "g.xlsx"
    book.save(path)
    fast, slow = _both(path)
    assert fast == slow
    rows, notices = fast[0], fast[1]
    assert [r.number for r in rows] == [4, 5, 6, 9]
    assert [n.row for n in notices] == [8]


@given(st.lists(st.sampled_from(CELLS) | st.text(max_size=5), max_size=40))
def test_clean_column_equals_clean_cell(raw: list[str]) -> None:
    from renkou.core.intake.cells import CellError, clean_cell

    for kind in ("text", "code", "id", "phone", "date"):
        values, failed = clean_column(raw, kind, date1904=False)  # type: ignore[arg-type]
        for i, value in enumerate(raw):
            expected: Any
            try:
                expected = clean_cell(value, kind, date1904=False)  # type: ignore[arg-type]
            except CellError as exc:
                expected = ("", str(exc))
            got = (values[i], failed[i]) if i in failed else values[i]
            assert got == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 15), cells), max_size=12))
def test_register_rows_column_wise_equal_row_wise(changes: list[tuple[int, int, str]]) -> None:
    from renkou.registry.importer.spec import REGISTER_SPEC
    from tests.registry.importer.register_files import family_rows, write_csv

    body = family_rows()
    for row, col, value in changes:
        body[row][col] = value
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "r.csv", body)
        both = [
            read_table(path=path, fmt="csv", spec=REGISTER_SPEC, columnar=columnar)
            for columnar in (True, False)
        ]
        assert list(both[0].rows) == list(both[1].rows)
        assert both[0].notices == both[1].notices


def test_xlsx_of_text_cells_only_finds_its_total_rows(tmp_path: Path) -> None:
    # Every cell text (as a department's export often is): the 计 scan joins the cells as
    # they are; a spaced total row is still a notice, 会计 still a row.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, ["张伟", ID, "1980-03-01", "13812345678", "x"],
                ["会计", ID, "1980-03-01", "", ""], ["小 计", "2", "", "", ""],
                ["李四", ID, "1980-03-01", "", ""]]:  # fmt: skip
        sheet.append(row)
    path = tmp_path / "t.xlsx"
    book.save(path)
    fast, slow = _both(path)
    assert fast == slow
    assert [r.number for r in fast[0]] == [2, 3, 5]
    assert [n.row for n in fast[1]] == [4]
