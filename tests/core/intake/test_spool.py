"""Rows staged for writing come back in order, whether held in memory or spilled."""

from __future__ import annotations

from pathlib import Path

from renkou.core.intake.spool import RowSpool


def test_batches_come_back_in_order_across_the_spill(tmp_path: Path) -> None:
    batches = [
        [(i, f"行{i}", f"2026-01-{1 + i % 28:02d}", b"\x00" * i, None, i % 2 == 0)] * (i % 3 + 1)
        for i in range(20)
    ]
    with RowSpool(limit=4, directory=tmp_path) as spool:
        for rows in batches:
            spool.add(rows)
        spool.add([])
        assert spool.count == sum(len(b) for b in batches)
        assert list(spool.batches()) == batches
        assert list(spool.batches()) == batches  # read again: same
    # The file is unlinked at once: nothing is left behind under the directory.
    assert list(tmp_path.iterdir()) == []


def test_small_stream_stays_in_memory(tmp_path: Path) -> None:
    with RowSpool(limit=100, directory=tmp_path) as spool:
        spool.add([(1,), (2,)])
        assert list(spool.batches()) == [[(1,), (2,)]]
    assert not any(tmp_path.iterdir())
