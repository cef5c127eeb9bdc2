"""The XLSX formula scan reads a worksheet part block by block; the CSV reader joins
Arrow's small blocks into chunks. Both must give exactly what a whole read gives."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from renkou.core.intake import readers


def _sheet_xml(rows: int, seed: int) -> bytes:
    pick = random.Random(seed)
    cells = []
    for i in range(1, rows):
        k = pick.random()
        if k < 0.1:
            cells.append(f'<c r="B{i}" t="str"><f>SUM(A1:A{i})</f><v/></c>')
        elif k < 0.2:
            cells.append(f'<c r="C{i}"><f>A{i}*2</f></c>')
        elif k < 0.25:
            cells.append(f'<c r="AB{i}"><f t="shared" si="0"/><v></v></c>')
        elif k < 0.3:
            cells.append(f'<c r="D{i}"><f>A{i}</f><v>3</v></c>')  # has a cached value
        else:
            cells.append(f'<c r="A{i}" t="s"><v>{i}</v></c>')
    return ("<sheetData>" + "".join(f"<row>{c}</row>" for c in cells) + "</sheetData>").encode()


@pytest.mark.parametrize("block", [1, 7, 100, 4096, 1 << 20])
def test_formula_scan_by_blocks_equals_whole_part(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _sheet_xml(3000, seed=block)
    whole = {
        (int(m.group(2)), readers._col_index(m.group(1)))
        for m in readers._FORMULA_NO_VALUE.finditer(data)
    }
    assert len(whole) > 300  # the sample has formula cells without a value to find
    monkeypatch.setattr(readers, "_CHUNK", block)
    assert readers._formulas_without_value(io.BytesIO(data)) == whole
    assert readers._formulas_without_value(io.BytesIO(b"")) == set()


def test_arrow_blocks_joined_into_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "plain.csv"
    lines = ["姓名,编号"] + [f"张{i},{i:06d}" for i in range(5000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(readers, "ARROW_BLOCK", 4096)  # many small Arrow blocks
    monkeypatch.setattr(readers, "ROWS_PER_CHUNK", 1000)
    chunks = list(readers._arrow_chunks(path, "utf-8", 1))
    assert all(c.arrays is not None for c in chunks)
    assert len(chunks) > 1
    assert all(c.count >= 1000 for c in chunks[:-1])
    firsts = [c.first for c in chunks]
    assert firsts == [2 + sum(c.count for c in chunks[:i]) for i in range(len(chunks))]
    names = [v for c in chunks for v in c.arrays[0].to_pylist()]  # type: ignore[index]
    assert names == [f"张{i}" for i in range(5000)]


def test_arrow_hand_over_keeps_numbering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A record of another width after some blocks: the csv module reads on from the
    # first record not yet handed over, numbered as before.
    path = tmp_path / "ragged.csv"
    lines = ["姓名,编号"] + [f"张{i},{i:06d}" for i in range(3000)] + ["多,一,列"]
    lines += [f"李{i},{i:06d}" for i in range(100)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(readers, "ARROW_BLOCK", 4096)
    monkeypatch.setattr(readers, "ROWS_PER_CHUNK", 1000)
    chunks = list(readers._arrow_chunks(path, "utf-8", 1))
    rows: list[list[str]] = []
    for c in chunks:
        assert c.first == 2 + len(rows)
        if c.arrays is not None:
            rows.extend(map(list, zip(*[a.to_pylist() for a in c.arrays], strict=True)))
        else:
            assert c.rows is not None
            rows.extend([str(v) for v in r] for r in c.rows)
    assert rows[2999] == ["张2999", "002999"]
    assert rows[3000] == ["多", "一", "列"]
    assert rows[-1] == ["李99", "000099"]
