"""feed_import: the four kinds, idempotency, corrected files, atomicity, --map."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from renkou.core import crypto
from renkou.core.intake import IntakeError
from renkou.core.models import AuditEvent, ImportBatch
from renkou.exchange.feeds.base import FEED_ID_CONTEXT
from renkou.exchange.models import FeedBatch, FeedRow
from renkou.exchange.services import feed_import
from renkou.registry import identity
from tests.exchange.feed_files import HEADERS, make_id, rows, write_csv

pytestmark = pytest.mark.django_db
KINDS = ("police", "birth_cert", "marriage", "pupil")


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


def _import(kind: str, path: Path, **kwargs: Any) -> Any:
    return feed_import(kind=kind, path=path, month="2026-01", actor=None, **kwargs)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_imports_typed_rows(cast: Any, data_dir: Path, kind: str) -> None:
    result = _import(kind, write_csv(data_dir / f"{kind}.csv", kind))
    assert (result.status, result.created, result.rows_error) == ("applied", 3, 0)
    batch = FeedBatch.objects.get()
    assert (batch.kind, batch.month, batch.rows_created) == (kind, dt.date(2026, 1, 1), 3)
    assert batch.import_batch.period == "2026-01"
    first = FeedRow.objects.order_by("row_number").first()
    assert first is not None
    assert first.row_number == 2
    assert first.id_valid
    assert first.id_masked.startswith("370404")
    assert "*" in first.id_masked
    assert first.id_cipher is not None
    number = crypto.decrypt(first.id_cipher, context=FEED_ID_CONTEXT)
    assert first.id_index == identity.id_index(number)
    assert not any(len(v) == 18 and v[:6] == "370404" for v in first.extra.values())
    event = AuditEvent.objects.get(action=f"import.feed.{kind}")
    assert event.detail["created"] == 3


def test_police_codes_and_lowercase_x(cast: Any, data_dir: Path) -> None:
    _import("police", write_csv(data_dir / "p.csv", "police"))
    by_row = {r.row_number: r for r in FeedRow.objects.all()}
    assert [by_row[n].event_type for n in (2, 3, 4)] == ["move_in", "move_out", "death"]
    assert by_row[3].sex == "F"
    assert by_row[3].birth_date == dt.date(1992, 2, 2)
    assert by_row[2].source_record_id == "YW001"
    assert by_row[2].household_code.endswith("0001")
    assert by_row[2].extra["ethnicity"] == "汉族"


def test_marriage_roles_and_types(cast: Any, data_dir: Path) -> None:
    _import("marriage", write_csv(data_dir / "m.csv", "marriage"))
    got = list(FeedRow.objects.order_by("row_number").values_list("event_type", "sex", "id2_valid"))
    assert got == [("marriage", "M", True), ("divorce", "M", True), ("remarriage", "M", True)]
    assert FeedRow.objects.get(row_number=2).extra["wife_name"] == "李四"


def test_birth_cert_links_through_mother(cast: Any, data_dir: Path) -> None:
    _import("birth_cert", write_csv(data_dir / "b.csv", "birth_cert"))
    second = FeedRow.objects.get(row_number=3)
    assert (second.event_type, second.name, second.id_valid) == ("birth", "", True)
    assert (second.id2_masked, second.id2_valid, second.source_record_id) == ("", False, "P002")


def test_same_file_twice_is_a_no_op(cast: Any, data_dir: Path) -> None:
    path = write_csv(data_dir / "p.csv", "police")
    _import("police", path)
    again = _import("police", path)
    assert (again.status, again.unchanged) == ("unchanged", 3)
    assert FeedBatch.objects.count() == 1
    assert FeedRow.objects.count() == 3


def test_same_file_other_month_is_new(cast: Any, data_dir: Path) -> None:
    path = write_csv(data_dir / "p.csv", "police")
    _import("police", path)
    other = feed_import(kind="police", path=path, month="2026-02", actor=None)
    assert (other.status, other.created) == ("applied", 3)


@pytest.mark.parametrize("keyed", [True, False])
def test_corrected_file_changes_only_what_changed(cast: Any, data_dir: Path, keyed: bool) -> None:
    kind = "police" if keyed else "pupil"
    _import(kind, write_csv(data_dir / "a.csv", kind))
    body = rows(kind)
    body[0][5] = "改过的地址" if keyed else "五年级二班"  # one changed row
    removed = body.pop(1)  # one removed row
    new = list(removed)
    new[0] = "新来的"
    new[2] = make_id("20180808", "888")
    if keyed:
        new[11] = "YW009"
    body.append(new)  # one added row
    result = _import(kind, write_csv(data_dir / "b.csv", kind, body))
    # Without a record number (pupil) the key comes from ID + name + birth date: a
    # changed grade is still the same pupil.
    got = (result.created, result.superseded, result.withdrawn, result.unchanged)
    assert got == (1, 1, 1, 1)
    current = FeedRow.objects.filter(superseded_by__isnull=True, withdrawn=False)
    assert current.count() == 3
    assert FeedRow.objects.filter(withdrawn=True).count() == 1
    old = FeedRow.objects.get(superseded_by__isnull=False)
    assert old.batch.import_batch.file_name == "a.csv"
    assert old.superseded_by is not None
    assert old.superseded_by.row_number == 2
    assert FeedRow.objects.count() == 5  # 3 original + 1 replacement + 1 new


def test_atomic_by_default(cast: Any, data_dir: Path) -> None:
    body = rows("police")
    body[2][9] = "出国"
    result = _import("police", write_csv(data_dir / "p.csv", "police", body))
    assert (result.status, result.rows_error) == ("rejected", 1)
    assert "变动类型“出国”无法识别" in result.errors[0].reason
    assert FeedRow.objects.count() == 0
    assert FeedBatch.objects.count() == 0
    assert Path(result.error_report).read_text(encoding="utf-8-sig").count("\n") == 2


def test_accept_valid_applies_the_rest(cast: Any, data_dir: Path) -> None:
    body = rows("police")
    body[2][9] = "出国"
    result = _import("police", write_csv(data_dir / "p.csv", "police", body), accept_valid=True)
    assert (result.status, result.created, result.rows_error) == ("applied", 2, 1)
    assert ImportBatch.objects.get().errors.count() == 1


def test_dry_run_writes_nothing(cast: Any, data_dir: Path) -> None:
    result = _import("pupil", write_csv(data_dir / "p.csv", "pupil"), dry_run=True)
    assert (result.status, result.created) == ("dry_run", 3)
    assert FeedRow.objects.count() == 0


def test_failure_mid_apply_leaves_nothing(
    cast: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import("police", write_csv(data_dir / "a.csv", "police"))
    before = (FeedRow.objects.count(), FeedBatch.objects.count(), AuditEvent.objects.count())
    body = rows("police")
    body[0][5] = "改过的地址"
    body.append([*body[1][:2], make_id("19700101", "777"), *body[1][3:11], "YW010"])
    real = FeedRow.objects.bulk_update

    def explode(*args: Any, **kwargs: Any) -> int:
        real(*args, **kwargs)  # the superseding write has happened when the failure hits
        raise RuntimeError("disk full")

    monkeypatch.setattr(FeedRow.objects, "bulk_update", explode)
    with pytest.raises(RuntimeError):
        _import("police", write_csv(data_dir / "b.csv", "police", body))
    after = (FeedRow.objects.count(), FeedBatch.objects.count(), AuditEvent.objects.count())
    assert after == before
    assert not FeedRow.objects.filter(superseded_by__isnull=False).exists()
    assert ImportBatch.objects.get(file_name="b.csv").status == ImportBatch.Status.FAILED


def test_map_override(cast: Any, data_dir: Path) -> None:
    header = list(HEADERS["pupil"])
    header[2] = "证件编码"
    path = write_csv(data_dir / "p.csv", "pupil", header=header)
    with pytest.raises(IntakeError, match=r"缺少必需的列.*身份证号"):
        _import("pupil", path)
    result = _import("pupil", path, mapping={"证件编码": "id_number"})
    assert (result.status, result.created) == ("applied", 3)


def test_unknown_kind_and_bad_month(cast: Any, data_dir: Path) -> None:
    path = write_csv(data_dir / "p.csv", "pupil")
    with pytest.raises(IntakeError, match="未知的数据类别"):
        feed_import(kind="tax", path=path, month="2026-01", actor=None)
    with pytest.raises(IntakeError, match="月份格式"):
        feed_import(kind="pupil", path=path, month="2026-13", actor=None)
