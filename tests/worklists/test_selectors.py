"""Scope, boards, escalation, dispatch reviews and saved filters."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from renkou.worklists.filters import ItemFilter, saved_filter_delete, saved_filter_save
from renkou.worklists.models import SavedFilter, WorkItem, WorkItemEvent
from renkou.worklists.reviews import ReviewRow, dispatch_review_take, review_rows
from renkou.worklists.selectors import (
    board_counts,
    my_items,
    saved_filters_for_user,
    workitem_get_for_user,
    workitem_queryset_for_user,
)
from renkou.worklists.services import workitem_assign, workitem_close, workitems_escalate_overdue
from tests.conftest import Cast
from tests.worklists_factories import open_item

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
PAST = TODAY - dt.timedelta(days=3)
FUTURE = TODAY + dt.timedelta(days=10)


def test_scope_for_the_cast(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    for who in ("officer", "clerk", "head", "county"):
        assert workitem_get_for_user(user=cast.users[who], pk=item.pk) == item
    for who in ("other_officer", "other_clerk", "sysadmin", "auditor"):
        with pytest.raises(Http404):
            workitem_get_for_user(user=cast.users[who], pk=item.pk)
        assert not workitem_queryset_for_user(user=cast.users[who]).exists()
        board = board_counts(user=cast.users[who], unit=cast.users[who].org_unit)
        assert board.total.total.open == 0


def test_my_items(cast: Cast) -> None:
    officer = cast.users["officer"]
    unassigned = open_item(org_unit=cast.village)
    assigned_to_me = open_item(org_unit=cast.village)
    workitem_assign(item=assigned_to_me, assignee=officer, due_date=None, actor=cast.users["clerk"])
    to_clerk = open_item(org_unit=cast.village)
    workitem_assign(
        item=to_clerk, assignee=cast.users["clerk"], due_date=None, actor=cast.users["clerk"]
    )
    closed = open_item(org_unit=cast.village)
    workitem_close(item=closed, outcome="declined", evidence="", actor=officer, expected_version=1)
    theirs = open_item(org_unit=cast.other_village)
    assert set(my_items(user=officer)) == {unassigned, assigned_to_me}
    assert set(my_items(user=cast.users["clerk"])) == {to_clerk}
    assert list(my_items(user=cast.users["other_officer"])) == [theirs]


def _board_setup(cast: Cast) -> None:
    open_item(org_unit=cast.village, due_date=PAST)
    open_item(org_unit=cast.village, due_date=FUTURE)
    open_item(org_unit=cast.village, kind="verification")
    done = open_item(org_unit=cast.other_village)
    workitem_close(
        item=done, outcome="moved", evidence="", actor=cast.users["clerk"], expected_version=1
    )
    open_item(org_unit=cast.other_township_village, due_date=PAST)


def test_board_rolls_up_to_villages_in_two_queries(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    _board_setup(cast)
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        board = board_counts(user=cast.users["clerk"], unit=cast.township)
    rows = {row.unit.name: row for row in board.rows}
    assert rows["大官庄村"].by_kind["followup"].open == 2
    assert rows["大官庄村"].by_kind["followup"].overdue == 1
    assert rows["大官庄村"].by_kind["verification"].open == 1
    assert rows["东王庄村"].total.closed == 1
    assert (board.total.total.open, board.total.total.overdue, board.total.total.closed) == (
        3,
        1,
        1,
    )
    county = board_counts(user=cast.users["county"], unit=cast.county)
    by_town = {row.unit.name: row.total for row in county.rows}
    assert by_town["榴园镇"].open == 3
    assert by_town["古邵镇"].overdue == 1


def test_escalation(cast: Cast) -> None:
    late = open_item(org_unit=cast.village, due_date=PAST)
    open_item(org_unit=cast.village, due_date=FUTURE)
    open_item(org_unit=cast.village)  # no deadline: never overdue
    closed_late = open_item(org_unit=cast.village, due_date=PAST)
    workitem_close(
        item=closed_late,
        outcome="declined",
        evidence="",
        actor=cast.users["officer"],
        expected_version=1,
    )
    assert workitems_escalate_overdue(today=TODAY) == 1
    late.refresh_from_db()
    assert late.escalated_at is not None
    assert late.version == 1
    assert workitems_escalate_overdue(today=TODAY) == 0  # once only
    assert WorkItemEvent.objects.filter(action="escalated").count() == 1


def test_escalate_command_json(cast: Cast) -> None:
    open_item(org_unit=cast.village, due_date=PAST)
    out = StringIO()
    call_command("escalate_overdue", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"escalated": 1}


def test_dispatch_review_snapshot(cast: Cast) -> None:
    _board_setup(cast)
    clerk = cast.users["clerk"]
    first = dispatch_review_take(township=cast.township, actor=clerk, title="三月调度")
    rows = {(r.unit_name, r.kind): r for r in review_rows(first)}
    assert rows[("大官庄村", "followup")] == ReviewRow(
        unit_id=cast.village.pk, unit_name="大官庄村", kind="followup", open=2, overdue=1, closed=0
    )
    assert rows[("东王庄村", "followup")].closed == 1
    assert all(r.unit_name != "后楼村" for r in rows.values())
    # The next review counts only what was closed since the first one.
    item = WorkItem.objects.filter(org_unit=cast.village, status="open", kind="verification").get()
    workitem_close(
        item=item, outcome="moved", evidence="", actor=clerk, expected_version=item.version
    )
    second = dispatch_review_take(township=cast.township, actor=clerk, title="四月调度")
    rows2 = {(r.unit_name, r.kind): r for r in review_rows(second)}
    assert second.period_start == first.taken_at
    assert rows2[("东王庄村", "followup")].closed == 0
    assert rows2[("大官庄村", "verification")].closed == 1
    assert rows2[("大官庄村", "verification")].open == 0


def test_dispatch_review_refusals(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        dispatch_review_take(township=cast.township, actor=cast.users["officer"], title="x")
    with pytest.raises(PermissionDenied):
        dispatch_review_take(township=cast.township, actor=cast.users["other_clerk"], title="x")
    with pytest.raises(ValidationError):
        dispatch_review_take(township=cast.village, actor=cast.users["clerk"], title="x")
    with pytest.raises(ValidationError):
        dispatch_review_take(township=cast.township, actor=cast.users["clerk"], title=" ")


def test_saved_filters_are_per_user(cast: Cast) -> None:
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    mine = saved_filter_save(user=officer, name="超期", query="overdue=1&kind=followup&evil=<x>")
    assert mine.query == "kind=followup&status=open&overdue=1"
    saved_filter_save(user=clerk, name="超期", query="status=closed")
    again = saved_filter_save(user=officer, name="超期", query="status=all")  # replaces
    assert again.pk == mine.pk
    assert again.query == "status=all"
    assert [s.name for s in saved_filters_for_user(user=officer)] == ["超期"]
    assert SavedFilter.objects.count() == 2
    with pytest.raises(ValidationError):
        saved_filter_save(user=officer, name="  ", query="")
    with pytest.raises(PermissionDenied):
        saved_filter_delete(saved=mine, actor=clerk)
    saved_filter_delete(saved=mine, actor=officer)
    assert not SavedFilter.objects.filter(user=officer).exists()


def test_item_filter_drops_hostile_values() -> None:
    flt = ItemFilter.parse(
        {"kind": "x'; drop", "status": "weird", "village": "-1", "assignee": "abc"}
    )
    assert flt == ItemFilter()
    assert ItemFilter.parse({"assignee": "none", "village": "12"}).to_query() == (
        "status=open&village=12&assignee=none"
    )


def test_item_filter_sort_round_trips() -> None:
    assert ItemFilter.parse({"sort": "opened"}).to_query() == "status=open&sort=opened"
    assert ItemFilter.parse({"sort": "due"}).to_query() == "status=open"
    assert ItemFilter.parse({"sort": "nope"}).sort == "due"
    assert ItemFilter.parse({"sort": "village"}).ordering()[0] == "org_unit__code"
