"""The ledger's services, including hostile input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from renkou.core.models import AuditEvent
from renkou.core.services import user_create
from renkou.worklists.kinds import register_kind
from renkou.worklists.models import WorkItem, WorkItemEvent
from renkou.worklists.services import (
    ConflictError,
    workitem_assign,
    workitem_close,
    workitem_note,
    workitem_open,
    workitem_reopen,
    workitem_request_exemption,
    workitems_bulk_assign,
)
from tests.conftest import PASSWORD, Cast
from tests.factories import make_person
from tests.worklists_factories import open_item

pytestmark = pytest.mark.django_db
DUE = dt.date(2026, 6, 30)


def _actions(item: WorkItem) -> list[str]:
    return list(WorkItemEvent.objects.filter(item=item).values_list("action", flat=True))


def test_open_writes_history_and_audit(cast: Cast) -> None:
    person = make_person(org_unit=cast.village)
    item = workitem_open(
        kind="followup",
        org_unit=cast.village,
        title="产后随访",
        subject_person=person,
        source="campaign:5",
        actor=cast.users["officer"],
    )
    assert item.status == WorkItem.Status.OPEN
    assert _actions(item) == ["opened"]
    assert AuditEvent.objects.filter(action="workitem.opened", object_id=str(item.pk)).exists()


def test_open_refuses_duplicates_unknown_kind_and_other_units(cast: Cast) -> None:
    person = make_person(org_unit=cast.village)
    args = {"org_unit": cast.village, "title": "随访", "subject_person": person, "source": "s"}
    workitem_open(kind="followup", **args)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        workitem_open(kind="followup", **args)  # type: ignore[arg-type]
    # Another kind or another source for the same person is a different item.
    workitem_open(kind="verification", **args)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        workitem_open(kind="nonsense", org_unit=cast.village, title="x")
    with pytest.raises(ValidationError):
        workitem_open(kind="followup", org_unit=cast.village, title="   ")
    with pytest.raises(PermissionDenied):
        workitem_open(
            kind="followup", org_unit=cast.village, title="x", actor=cast.users["other_officer"]
        )
    with pytest.raises(PermissionDenied):  # an administrator holds no business capability
        workitem_open(
            kind="followup", org_unit=cast.village, title="x", actor=cast.users["sysadmin"]
        )


def test_assign_checks_assigner_and_assignee(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    with pytest.raises(PermissionDenied):  # an officer cannot 交办
        workitem_assign(
            item=item, assignee=cast.users["officer"], due_date=DUE, actor=cast.users["officer"]
        )
    with pytest.raises(PermissionDenied):  # not the other township's clerk
        workitem_assign(
            item=item, assignee=cast.users["officer"], due_date=DUE, actor=cast.users["other_clerk"]
        )
    for wrong in ("other_clerk", "other_officer", "sysadmin"):
        with pytest.raises(ValidationError):
            workitem_assign(
                item=item, assignee=cast.users[wrong], due_date=DUE, actor=cast.users["clerk"]
            )
    inactive = user_create(
        username="gone",
        password=PASSWORD,
        role="village_officer",
        org_unit=cast.village,
        validate=False,
    )
    inactive.is_active = False
    inactive.save()
    with pytest.raises(ValidationError):
        workitem_assign(item=item, assignee=inactive, due_date=DUE, actor=cast.users["clerk"])
    workitem_assign(
        item=item, assignee=cast.users["officer"], due_date=DUE, actor=cast.users["clerk"]
    )
    item.refresh_from_db()
    assert (item.assignee, item.due_date, item.version) == (cast.users["officer"], DUE, 2)
    assert _actions(item) == ["opened", "assigned"]


def test_assign_with_a_stale_version_writes_nothing(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    with pytest.raises(ConflictError):
        workitem_assign(
            item=item,
            assignee=cast.users["officer"],
            due_date=DUE,
            actor=cast.users["clerk"],
            expected_version=7,
        )
    item.refresh_from_db()
    assert item.assignee is None
    assert _actions(item) == ["opened"]


def test_bulk_assign_is_all_or_nothing(cast: Cast) -> None:
    mine = [open_item(org_unit=cast.village) for _ in range(3)]
    foreign = open_item(org_unit=cast.other_township_village)
    clerk, officer = cast.users["clerk"], cast.users["officer"]
    with pytest.raises(ValidationError):
        workitems_bulk_assign(
            item_ids=[*(i.pk for i in mine), foreign.pk],
            assignee=officer,
            due_date=DUE,
            actor=clerk,
        )
    assert not WorkItem.objects.filter(assignee__isnull=False).exists()
    with pytest.raises(ValidationError):  # an unknown id refuses the batch too
        workitems_bulk_assign(
            item_ids=[mine[0].pk, 999_999], assignee=officer, due_date=DUE, actor=clerk
        )
    with pytest.raises(ValidationError):
        workitems_bulk_assign(item_ids=[], assignee=officer, due_date=DUE, actor=clerk)
    other_village_item = open_item(org_unit=cast.other_village)
    with pytest.raises(ValidationError):  # the officer's village does not contain 东王庄村
        workitems_bulk_assign(
            item_ids=[mine[0].pk, other_village_item.pk],
            assignee=officer,
            due_date=DUE,
            actor=clerk,
        )
    with pytest.raises(PermissionDenied):
        workitems_bulk_assign(item_ids=[mine[0].pk], assignee=officer, due_date=DUE, actor=officer)
    count = workitems_bulk_assign(
        item_ids=[i.pk for i in mine], assignee=officer, due_date=DUE, actor=clerk
    )
    assert count == 3
    assert WorkItem.objects.filter(assignee=officer, due_date=DUE, version=2).count() == 3
    assert WorkItemEvent.objects.filter(action="assigned").count() == 3
    assert AuditEvent.objects.filter(action="workitem.bulk_assign").count() == 1


def test_note(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    workitem_note(item=item, note="已电话联系", actor=cast.users["officer"])
    with pytest.raises(ValidationError):
        workitem_note(item=item, note="  ", actor=cast.users["officer"])
    with pytest.raises(PermissionDenied):
        workitem_note(item=item, note="x", actor=cast.users["other_officer"])
    assert _actions(item) == ["opened", "note"]


def test_close_done_needs_evidence_and_cannot_close_twice(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    officer = cast.users["officer"]
    with pytest.raises(ValidationError):
        workitem_close(item=item, outcome="done", evidence=" ", actor=officer, expected_version=1)
    workitem_close(
        item=item, outcome="done", evidence="随访记录表", actor=officer, expected_version=1
    )
    item.refresh_from_db()
    assert (item.status, item.outcome, item.closed_by, item.version) == (
        "closed",
        "done",
        officer,
        2,
    )
    with pytest.raises(ValidationError):
        workitem_close(
            item=item, outcome="done", evidence="再次", actor=officer, expected_version=2
        )
    assert _actions(item) == ["opened", "closed"]


def test_declined_is_a_valid_close(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    workitem_close(
        item=item, outcome="declined", evidence="", actor=cast.users["officer"], expected_version=1
    )
    assert WorkItem.objects.get(pk=item.pk).outcome == "declined"


def test_close_refuses_wrong_outcome_stale_version_and_other_units(cast: Cast) -> None:
    item = open_item(org_unit=cast.village, kind="verification")
    officer = cast.users["officer"]
    for outcome in ("declined", "bogus", ""):
        with pytest.raises(ValidationError):
            workitem_close(
                item=item, outcome=outcome, evidence="x", actor=officer, expected_version=1
            )
    with pytest.raises(ConflictError):
        workitem_close(item=item, outcome="moved", evidence="", actor=officer, expected_version=0)
    with pytest.raises(PermissionDenied):
        workitem_close(
            item=item,
            outcome="moved",
            evidence="",
            actor=cast.users["other_clerk"],
            expected_version=1,
        )
    item.refresh_from_db()
    assert item.status == "open"
    assert _actions(item) == ["opened"]


def test_exemption_by_officer_is_refused_but_can_be_requested_and_approved(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    with pytest.raises(PermissionDenied):
        workitem_close(
            item=item, outcome="exempt", evidence="", note="x", actor=officer, expected_version=1
        )
    with pytest.raises(ValidationError):
        workitem_request_exemption(item=item, reason=" ", actor=officer, expected_version=1)
    workitem_request_exemption(item=item, reason="长期外出务工", actor=officer, expected_version=1)
    workitem_close(item=item, outcome="exempt", evidence="", actor=clerk, expected_version=2)
    item.refresh_from_db()
    assert (item.outcome, item.approved_by, item.exemption_reason) == (
        "exempt",
        clerk,
        "长期外出务工",
    )
    assert _actions(item) == ["opened", "exemption_requested", "closed"]


def test_exempt_without_any_reason_is_refused(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    with pytest.raises(ValidationError):
        workitem_close(
            item=item, outcome="exempt", evidence="", actor=cast.users["clerk"], expected_version=1
        )


def test_reopen(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    workitem_close(
        item=item,
        outcome="unreachable",
        evidence="",
        actor=cast.users["officer"],
        expected_version=1,
    )
    with pytest.raises(PermissionDenied):
        workitem_reopen(item=item, reason="x", actor=cast.users["officer"])
    with pytest.raises(ValidationError):
        workitem_reopen(item=item, reason="", actor=cast.users["clerk"])
    workitem_reopen(item=item, reason="已联系上", actor=cast.users["clerk"])
    item.refresh_from_db()
    assert (item.status, item.outcome, item.closed_at) == ("open", "", None)
    with pytest.raises(ValidationError):  # an open item cannot be reopened
        workitem_reopen(item=item, reason="again", actor=cast.users["clerk"])
    assert _actions(item) == ["opened", "closed", "reopened"]


def test_kinds_registry() -> None:
    kind = register_kind(code="test_kind", label="测试", allowed_outcomes=frozenset({"done"}))
    assert (
        register_kind(code="test_kind", label="测试", allowed_outcomes=frozenset({"done"})) == kind
    )
    with pytest.raises(ValueError, match="twice"):
        register_kind(code="test_kind", label="测试", allowed_outcomes=frozenset({"done", "moved"}))
    with pytest.raises(ValueError, match="unknown"):
        register_kind(code="other_kind", label="x", allowed_outcomes=frozenset({"maybe"}))
