"""The four feeds of one synthetic month (renkou.synth) import cleanly and idempotently."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from renkou.exchange.models import FeedBatch, FeedRow
from renkou.exchange.services import feed_import
from renkou.synth import Manifest, generate

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(people=3000, seed=7, out_dir=tmp_path_factory.mktemp("county"), months=1)


def _data_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


@pytest.mark.parametrize("kind", ["police", "birth_cert", "marriage", "pupil"])
def test_synthetic_month(
    cast: Any, county: Manifest, tmp_path: Path, settings: Any, kind: str
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    path = county.out_dir / "feeds" / "2026-01" / f"{kind}.csv"
    expected = _data_rows(path)
    result = feed_import(kind=kind, path=path, month="2026-01", actor=None)
    assert (result.status, result.rows_error) == ("applied", 0), result.errors[:3]
    assert result.created == result.rows_total == expected > 0
    assert FeedRow.objects.count() == expected
    if kind in ("police", "pupil"):
        # The synthetic noise includes ID typos: kept as invalid, not rejected.
        assert FeedRow.objects.filter(id_valid=True).count() > expected * 0.8
    again = feed_import(kind=kind, path=path, month="2026-01", actor=None)
    assert again.status == "unchanged"
    assert FeedBatch.objects.count() == 1
