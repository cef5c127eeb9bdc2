"""Whose feed: a township sends and compares its own files; the county may send
whole-county files instead; the two never overlap for one kind and month."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from renkou.core.intake import IntakeError
from renkou.exchange.models import FeedBatch, FeedLink, FeedRow, ReconcileRun
from renkou.exchange.reconcile import reconcile_month
from renkou.exchange.services import feed_import
from renkou.registry.models import Person
from renkou.worklists.models import WorkItem
from tests.exchange.feed_files import make_id, write_csv
from tests.factories import make_person

pytestmark = pytest.mark.django_db
JAN = "2026-01"
HERE = "山东省枣庄市峄城区榴园镇大官庄村"
THERE = "山东省枣庄市峄城区古邵镇后楼村"
A1, A2, B1 = make_id("19500101", "111"), make_id("19800808", "171"), make_id("19600101", "131")


def _police(name: str, number: str, born: str, event: str, no: str, *, addr: str) -> list[str]:
    return [name, "男", number, born, "汉族", addr, "", name, "本人", event, "2026-01-05", no]


@pytest.fixture
def county(cast: Any, tmp_path: Path, settings: Any) -> dict[str, Person]:
    settings.DATA_DIR = tmp_path / "data"
    return {
        "a_dead": make_person(org_unit=cast.village, name="王五", birth_date=dt.date(1950, 1, 1),
                              id_number=A1),
        "a_named": make_person(org_unit=cast.village, name="张伟",
                               birth_date=dt.date(1980, 8, 8), id_number=A2),
        "b_dead": make_person(org_unit=cast.other_township_village, name="赵六",
                              birth_date=dt.date(1960, 1, 1), id_number=B1),
    }  # fmt: skip


def _send(tmp_path: Path, who: Any, rows: list[list[str]], name: str) -> Any:
    path = write_csv(tmp_path / name, "police", rows)
    return feed_import(kind="police", path=path, month=JAN, actor=who)


def _township_files(cast: Any, tmp_path: Path) -> None:
    a = [_police("王五", A1, "1950-01-01", "死亡", "A-1", addr=HERE),
         _police("张伟", A2, "1980-08-08", "迁入", "A-2", addr=HERE)]  # fmt: skip
    b = [_police("赵六", B1, "1960-01-01", "死亡", "B-1", addr=THERE)]
    assert _send(tmp_path, cast.users["clerk"], a, "a.csv").status == "applied"
    assert _send(tmp_path, cast.users["other_clerk"], b, "b.csv").status == "applied"


def test_each_township_keeps_its_own_rows(
    cast: Any, county: dict[str, Person], tmp_path: Path
) -> None:
    _township_files(cast, tmp_path)
    current = FeedRow.objects.filter(superseded_by__isnull=True, withdrawn=False)
    assert current.count() == 3  # the second township's file withdrew nothing
    units = dict(FeedBatch.objects.values_list("org_unit__name", "rows_created"))
    assert units == {"榴园镇": 2, "古邵镇": 1}
    # A corrected file of the first township replaces only its own rows.
    fixed = [_police("王五", A1, "1950-01-01", "死亡", "A-1", addr=HERE)]
    result = _send(tmp_path, cast.users["clerk"], fixed, "a2.csv")
    assert (result.withdrawn, result.unchanged) == (1, 1)
    assert current.count() == 2
    assert current.filter(batch__org_unit=cast.other_township).count() == 1


def test_county_and_township_files_never_overlap(
    cast: Any, county: dict[str, Person], tmp_path: Path
) -> None:
    _township_files(cast, tmp_path)
    whole = [_police("钱七", make_id("19950505", "313"), "1995-05-05", "迁入", "C-1", addr=HERE)]
    with pytest.raises(IntakeError, match="范围重叠"):
        _send(tmp_path, cast.users["county"], whole, "county.csv")
    with pytest.raises(IntakeError, match="范围重叠"):
        _send(tmp_path, None, whole, "cli.csv")  # the command line sends for the county
    # Another month, or another kind, is free.
    path = write_csv(tmp_path / "feb.csv", "police", whole)
    assert feed_import(kind="police", path=path, month="2026-02", actor=None).status == "applied"
    with pytest.raises(IntakeError, match="范围重叠"):
        _send_month(tmp_path, cast.users["clerk"], "2026-02")


def _send_month(tmp_path: Path, who: Any, month: str) -> Any:
    rows = [_police("王五", A1, "1950-01-01", "死亡", "A-9", addr=HERE)]
    path = write_csv(tmp_path / f"{month}.csv", "police", rows)
    return feed_import(kind="police", path=path, month=month, actor=who)


def test_a_township_compares_its_own_files(
    cast: Any, county: dict[str, Person], tmp_path: Path
) -> None:
    _township_files(cast, tmp_path)
    summary = reconcile_month(month=JAN, actor=cast.users["clerk"])
    assert summary.rows == 2  # only 榴园镇's file
    run = ReconcileRun.objects.get(pk=summary.run_id)
    assert run.org_unit == cast.township
    left = WorkItem.objects.filter(kind="discrepancy.should_have_left")
    assert [i.subject_person for i in left] == [county["a_dead"]]
    # The other township compares its own file: the first township's links stay.
    other = reconcile_month(month=JAN, actor=cast.users["other_clerk"])
    assert other.rows == 1
    assert FeedLink.objects.filter(run__month=dt.date(2026, 1, 1)).count() == 3
    assert ReconcileRun.objects.filter(is_latest=True).count() == 2
    assert {i.subject_person for i in left.all()} == {county["a_dead"], county["b_dead"]}
    # The county's run takes over every row; the townships' runs become history.
    whole = reconcile_month(month=JAN, actor=cast.users["county"])
    assert whole.rows == 3
    assert list(ReconcileRun.objects.filter(is_latest=True).values_list("pk", flat=True)) == [
        whole.run_id
    ]
    assert FeedLink.objects.count() == 3
    # A township re-run replaces the links of its rows only; nothing is counted twice.
    again = reconcile_month(month=JAN, actor=cast.users["clerk"])
    assert FeedLink.objects.count() == 3
    assert FeedLink.objects.filter(run_id=again.run_id).count() == 2
    assert FeedLink.objects.filter(run_id=whole.run_id).count() == 1
    assert left.all().count() == 2  # no second item for the same row


def test_a_clerk_cannot_compare_beyond_the_township(
    cast: Any, county: dict[str, Person], tmp_path: Path
) -> None:
    _township_files(cast, tmp_path)
    with pytest.raises(PermissionDenied):
        reconcile_month(month=JAN, actor=cast.users["clerk"], unit=cast.other_township)
    assert not ReconcileRun.objects.exists()


def test_command_line_unit(cast: Any, county: dict[str, Person], tmp_path: Path) -> None:
    rows = [_police("赵六", B1, "1960-01-01", "死亡", "B-1", addr=THERE)]
    path = write_csv(tmp_path / "b.csv", "police", rows)
    call_command("import", "--kind", "police", str(path), "--month", JAN, "--unit",
                 cast.other_township.code, stdout=StringIO())  # fmt: skip
    assert FeedBatch.objects.get().org_unit == cast.other_township
    out = StringIO()
    call_command("reconcile", "--month", JAN, "--unit", cast.other_township.code, "--json",
                 stdout=out)  # fmt: skip
    assert '"rows": 1' in out.getvalue()
    assert ReconcileRun.objects.get().org_unit == cast.other_township
    with pytest.raises(CommandError, match="没有代码为"):
        call_command("reconcile", "--month", JAN, "--unit", "999", stdout=StringIO())


def test_a_township_run_opens_items_where_the_person_is_registered(
    cast: Any, county: dict[str, Person], tmp_path: Path
) -> None:
    # 榴园镇's police station reports the death of a man registered in 古邵镇.
    rows = [_police("赵六", B1, "1960-01-01", "死亡", "A-7", addr=HERE)]
    assert _send(tmp_path, cast.users["clerk"], rows, "a.csv").status == "applied"
    summary = reconcile_month(month=JAN, actor=cast.users["clerk"])
    item = WorkItem.objects.get(kind="discrepancy.should_have_left")
    assert (item.subject_person, item.org_unit) == (county["b_dead"], cast.other_township_village)
    assert summary.items_opened == 1
    # The clerk does not see it; 古邵镇's clerk does.
    from renkou.worklists.selectors import workitem_queryset_for_user

    assert not workitem_queryset_for_user(user=cast.users["clerk"]).exists()
    assert workitem_queryset_for_user(user=cast.users["other_clerk"]).get() == item


def test_a_comparison_reports_its_progress(
    cast: Any, county: dict[str, Person], tmp_path: Path
) -> None:
    _township_files(cast, tmp_path)
    heard: list[int] = []
    reconcile_month(month=JAN, actor=None, progress=heard.append)
    # Three feed rows: linked (60 %), classified (75 %), links stored (90 %).
    assert heard == [1, 2, 2]
    assert heard == sorted(heard)
