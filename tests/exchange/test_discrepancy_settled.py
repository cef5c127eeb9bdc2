"""Re-runs keep the month's items true: what a comparison no longer finds is closed by
the system (and reopened if found again), an item follows its row through a
department's corrected file, and 重登 items count in the report under the department
whose row found them."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from renkou.exchange.models import FeedLink, FeedRow
from renkou.exchange.monthly_report import ReportLine, monthly_report
from renkou.exchange.reconcile import ReconcileSummary, reconcile_month
from renkou.exchange.report_tally import tally_compute, tally_month_rebuild, tally_stored
from renkou.registry.models import DuplicateCandidate, Person
from renkou.registry.services.duplicates import duplicate_dismiss
from renkou.worklists.models import WorkItem
from renkou.worklists.services import workitem_open
from tests.exchange.linkreview_helpers import EAST, load, police
from tests.exchange.test_discrepancy_resolve import (  # noqa: F401 - the fixture
    AWAY,
    DEAD,
    NAMED,
    _resolve,
    cases,
)
from tests.factories import make_person

pytestmark = pytest.mark.django_db
JAN = dt.date(2026, 1, 1)


def _rerun(actor: Any = None) -> ReconcileSummary:
    return reconcile_month(month="2026-01", actor=actor)


def _exact() -> None:
    assert tally_stored(JAN) == tally_compute(JAN)


def _total(kind: str) -> ReportLine:
    report = monthly_report(user=_county(), month=JAN)
    _exact()
    return next(x for x in report.lines if x.total and x.kind == kind)


def _county() -> Any:
    from renkou.core.models import User

    return User.objects.get(username="county")


def _item(code: str, **filters: Any) -> WorkItem:
    return WorkItem.objects.get(kind=f"discrepancy.{code}", **filters)


def _police_file(tmp: Path, named: str, *, on: str = "2026-01-05") -> None:
    """January's police file again: 王五's death and 张伟's move-in (named ``named``)."""
    rows = [police("王五", DEAD, "1950-01-01", "死亡", "Y1"),
            police(named, NAMED, "1980-08-08", "迁入", "Y2", on=on)]  # fmt: skip
    load(tmp, "2026-01", {"police": rows})


def test_what_a_rerun_no_longer_finds_is_closed_and_reopened_if_found_again(
    cases: dict[str, Person],  # noqa: F811
) -> None:
    item = _item("should_have_left")
    assert _total("police").classes == {"should_have_left": 1, "conflicting": 1}
    # The clerk took 王五 off the register elsewhere (not through the item's page).
    Person.objects.filter(pk=cases["dead"].pk).update(status=Person.Status.LEFT)
    summary = _rerun()
    item.refresh_from_db()
    assert (item.status, item.outcome, item.closed_by) == ("closed", "resolved", None)
    assert summary.items_closed == 1
    closing = item.events.get(action="closed")
    assert closing.actor is None
    assert "未发现该差异" in closing.note
    assert (_total("police").open, _total("police").closed) == (1, 1)
    # Nothing else moved: the other items are still open.
    assert WorkItem.objects.filter(status="closed").count() == 1
    # Found again (restored by mistake): the same item reopens.
    Person.objects.filter(pk=cases["dead"].pk).update(status=Person.Status.ACTIVE)
    summary = _rerun()
    item.refresh_from_db()
    assert (item.status, summary.items_reopened, summary.items_opened) == ("open", 1, 0)
    assert WorkItem.objects.filter(kind="discrepancy.should_have_left").count() == 1
    assert (_total("police").open, _total("police").closed) == (2, 0)


def test_a_newborn_registered_through_the_registry_closes_the_unreported_birth(
    cast: Any,
    cases: dict[str, Person],  # noqa: F811
) -> None:
    item = _item("unreported_event")
    make_person(org_unit=cast.village, name="李宝", birth_date=dt.date(2026, 1, 2),
                with_id=False, mother=cases["mother"])  # fmt: skip
    _rerun()
    item.refresh_from_db()
    assert (item.status, item.closed_by) == ("closed", None)
    assert (_total("birth_cert").open, _total("birth_cert").closed) == (0, 1)


def test_a_persons_closing_stays_as_it_is(cast: Any, cases: dict[str, Person]) -> None:  # noqa: F811
    item = _item("conflicting", subject_person=cases["named"])
    _resolve(cast.users["clerk"], item, "register_right")
    Person.objects.filter(pk=cases["named"].pk).update(name="张卫")  # now agrees with the feed
    _rerun()
    item.refresh_from_db()
    assert (item.status, item.closed_by) == ("closed", cast.users["clerk"])
    assert item.events.filter(action="closed").count() == 1


def test_a_township_run_closes_nothing_of_the_countys_files(
    cast: Any,
    cases: dict[str, Person],  # noqa: F811
) -> None:
    item = _item("should_have_left")
    Person.objects.filter(pk=cases["dead"].pk).update(status=Person.Status.LEFT)
    summary = _rerun(cast.users["clerk"])  # the township compared its own files: none
    item.refresh_from_db()
    assert (item.status, summary.items_closed) == ("open", 0)
    _exact()
    _rerun()
    item.refresh_from_db()
    assert item.status == "closed"
    _exact()


def test_a_corrected_row_keeps_its_item_and_a_fixed_one_closes_it(
    cases: dict[str, Person],  # noqa: F811
    tmp_path: Path,
) -> None:
    item = _item("conflicting", subject_person=cases["named"])
    first = FeedRow.objects.get(source_record_id="Y2")
    # The station re-sends the file: 张伟's row has another date, still the wrong name.
    _police_file(tmp_path, "张卫", on="2026-01-06")
    second = FeedRow.objects.get(source_record_id="Y2", superseded_by__isnull=True)
    assert second.pk != first.pk
    summary = _rerun()
    assert (summary.items_opened, summary.items_closed) == (0, 0)
    item.refresh_from_db()
    assert (item.status, item.subject_ref) == ("open", f"feedrow:{second.pk}")
    moved = item.events.get(action="resubjected")
    assert moved.detail == {"subject_ref_before": f"feedrow:{first.pk}",
                            "subject_ref": f"feedrow:{second.pk}"}  # fmt: skip
    assert "更正" in moved.note
    assert WorkItem.objects.filter(kind="discrepancy.conflicting").count() == 1
    assert _total("police").classes["conflicting"] == 1
    # Corrected again, now with the right name: the discrepancy is gone, its item closes.
    _police_file(tmp_path, "张伟", on="2026-01-06")
    summary = _rerun()
    item.refresh_from_db()
    # It keeps naming the last row that showed the discrepancy.
    assert (item.status, item.closed_by, item.subject_ref) == (
        "closed", None, f"feedrow:{second.pk}")  # fmt: skip
    assert (summary.items_opened, summary.items_closed) == (0, 1)
    assert (_total("police").open, _total("police").closed) == (1, 1)


def test_a_copy_opened_for_a_corrected_row_by_an_earlier_version_is_settled(
    cases: dict[str, Person],  # noqa: F811
    tmp_path: Path,
) -> None:
    old = _item("conflicting", subject_person=cases["named"])
    _police_file(tmp_path, "张卫", on="2026-01-06")
    second = FeedRow.objects.get(source_record_id="Y2", superseded_by__isnull=True)
    # What an earlier version's re-run left: a second item on the new row.
    copy = workitem_open(kind=old.kind, org_unit=old.org_unit, title=old.title,
                         source=old.source, subject_person=old.subject_person,
                         subject_ref=f"feedrow:{second.pk}")  # fmt: skip
    tally_month_rebuild(JAN)
    assert _total("police").classes["conflicting"] == 2
    _rerun()
    old.refresh_from_db()
    copy.refresh_from_db()
    assert (old.status, old.closed_by, copy.status) == ("closed", None, "open")
    assert _total("police").classes["conflicting"] == 2  # one open, one settled
    assert (_total("police").open, _total("police").closed) == (2, 1)


def test_duplicates_count_under_the_department_that_found_them(
    cast: Any,
    cases: dict[str, Person],  # noqa: F811
) -> None:
    """The pupils' file holds 周强's number, which the register holds twice (重登)."""
    item = _item("duplicate")
    row = FeedRow.objects.get(name="周强")
    candidate = DuplicateCandidate.objects.get()
    assert item.subject_ref == f"duplicate:{candidate.pk}/feedrow:{row.pk}"
    pupils = _total("pupil")
    assert pupils.classes.get("duplicate") == 1
    village = next(x for x in monthly_report(user=_county(), month=JAN).lines
                   if x.kind == "pupil" and x.township == "榴园镇")  # fmt: skip
    assert village.classes.get("duplicate") == 1
    with translation.override("zh-hans"):
        response = cast.client_for("county").get(reverse("exchange:report_xlsx") + "?month=2026-01")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["比对报告"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    column = values[1].index("重登")
    total = next(r for r in values if r[0] == "学籍" and r[2] == "合计")
    assert total[column] == 1
    # Decided on the registry's page: the run closes the item, the report follows.
    duplicate_dismiss(candidate=candidate, actor=None, evidence="核实为两人")
    _rerun()
    item.refresh_from_db()
    assert item.status == "closed"
    assert (_total("pupil").classes.get("duplicate"), _total("pupil").closed) == (1, 1)


def test_a_duplicate_item_of_old_gets_its_row_when_found_again(
    cases: dict[str, Person],  # noqa: F811
) -> None:
    item = _item("duplicate")
    candidate = DuplicateCandidate.objects.get()
    WorkItem.objects.filter(pk=item.pk).update(subject_ref=f"duplicate:{candidate.pk}")
    tally_month_rebuild(JAN)
    assert "duplicate" not in _total("pupil").classes  # no row: counted nowhere
    summary = _rerun()
    item.refresh_from_db()
    row = FeedRow.objects.get(name="周强")
    assert item.subject_ref == f"duplicate:{candidate.pk}/feedrow:{row.pk}"
    assert (summary.items_opened, summary.items_closed) == (0, 0)
    assert _total("pupil").classes["duplicate"] == 1


def test_separation_is_informative_for_the_targets(
    cases: dict[str, Person],  # noqa: F811
    tmp_path: Path,
) -> None:
    """钱多's move-in names 东王庄村 while the register holds him in 大官庄村: 人户分离,
    but the register reflects the move all the same."""
    rows = [police("王五", DEAD, "1950-01-01", "死亡", "Y1"),
            police("张卫", NAMED, "1980-08-08", "迁入", "Y2"),
            police("钱多", AWAY, "2016-06-06", "迁入", "Y3", addr=EAST)]  # fmt: skip
    load(tmp_path, "2026-01", {"police": rows})
    _rerun()
    link = FeedLink.objects.get(run__is_latest=True, feed_row__source_record_id="Y3")
    assert link.discrepancy == "separation"
    report = monthly_report(user=_county(), month=JAN)
    moves = next(t for t in report.targets if t.code == "police_moves")
    assert (moves.numerator, moves.denominator) == (1, 2)  # 张卫's name disagrees: 错登
    _exact()
