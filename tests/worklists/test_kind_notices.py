"""A kind is told when its items open, close or reopen (WorkKind.on_status), on every
path of the ledger, inside the transaction and after the audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest

from renkou.core.models import AuditEvent
from renkou.registry.models import Person
from renkou.worklists.kinds import register_kind
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome
from renkou.worklists.services import (
    OpenSpec,
    workitem_close,
    workitem_open,
    workitem_reopen,
    workitems_bulk_open,
    workitems_open_for_persons,
)
from tests.conftest import Cast
from tests.factories import make_person

pytestmark = pytest.mark.django_db
HEARD: list[tuple[str, str, int, bool]] = []  # (status now, before, item, audited already)


def _heard(items: Sequence[Any], before: str) -> None:
    for item in items:
        audited = AuditEvent.objects.filter(object_type="workitem").exists()
        HEARD.append((item.status, before, item.pk, audited))


KIND = register_kind(
    code="test_noticed", label="测试", allowed_outcomes=frozenset({Outcome.RESOLVED}),
    on_status=_heard,
)  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh() -> None:
    HEARD.clear()


def test_open_close_reopen_are_told(cast: Cast) -> None:
    item = workitem_open(kind=KIND.code, org_unit=cast.village, title="核对", source="t:1")
    workitem_close(item=item, outcome=Outcome.RESOLVED, evidence="", actor=cast.users["clerk"],
                   expected_version=item.version)  # fmt: skip
    workitem_reopen(item=item, reason="再核对", actor=None)
    assert [("open", "", item.pk, True), ("closed", "open", item.pk, True),
                     ("open", "closed", item.pk, True)] == HEARD  # fmt: skip


def test_bulk_opens_are_told_once_for_all(cast: Cast) -> None:
    people = [make_person(org_unit=cast.village, name=f"人{i}") for i in range(3)]
    specs = [OpenSpec(org_unit_id=cast.village.pk, title="核对", subject_person_id=p.pk)
             for p in people]  # fmt: skip
    workitems_bulk_open(kind=KIND.code, specs=specs, source="t:2", due_date=None, actor=None,
                        chunk_size=2)  # fmt: skip
    assert sorted(pk for _s, _b, pk, _a in HEARD) == sorted(
        WorkItem.objects.filter(source="t:2").values_list("pk", flat=True)
    )
    assert {(s, b, a) for s, b, _pk, a in HEARD} == {("open", "", True)}
    HEARD.clear()
    workitems_open_for_persons(
        kind=KIND.code, persons=Person.objects.filter(pk=people[0].pk), title_prefix="核对：",
        source="t:3", due_date=dt.date(2026, 12, 31), actor=None,
    )  # fmt: skip
    assert [(s, b, pk) for s, b, pk, _a in HEARD] == [
        ("open", "", WorkItem.objects.get(source="t:3").pk)]  # fmt: skip


def test_kinds_without_a_notice_are_left_alone(cast: Cast) -> None:
    item = workitem_open(kind="followup", org_unit=cast.village, title="随访", source="t:4")
    workitem_close(item=item, outcome=Outcome.RESOLVED, evidence="", actor=None,
                   expected_version=item.version)  # fmt: skip
    assert HEARD == []
