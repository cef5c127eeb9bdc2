"""workitems_bulk_open / workitems_bulk_redate: many items at once, one audit row,
scope and duplicate checks for the whole batch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from renkou.core.models import AuditEvent
from renkou.worklists.models import WorkItem, WorkItemEvent
from renkou.worklists.services import OpenSpec, workitems_bulk_open, workitems_bulk_redate
from tests.conftest import Cast
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def _specs(cast: Cast, n: int, unit: object = None) -> list[OpenSpec]:
    unit = unit or cast.village
    people = [make_person(org_unit=unit, name=f"人{i}") for i in range(n)]  # type: ignore[arg-type]
    return [
        OpenSpec(org_unit_id=p.org_unit_id, title=f"核查：{p.name}", subject_person_id=p.pk)
        for p in people
    ]


def test_bulk_open_in_chunks_with_one_audit_row(cast: Cast) -> None:
    seen: list[int] = []
    count = workitems_bulk_open(
        kind="verification",
        specs=iter(_specs(cast, 5)),
        source="test:bulk",
        due_date=dt.date(2026, 12, 31),
        actor=cast.users["clerk"],
        after_chunk=lambda items: seen.extend(i.pk for i in items),
        chunk_size=2,
    )
    items = WorkItem.objects.filter(source="test:bulk")
    assert count == 5 == items.count() == len(seen)
    assert set(seen) == set(items.values_list("pk", flat=True))
    assert WorkItemEvent.objects.filter(item__in=items, action="opened").count() == 5
    audit = AuditEvent.objects.filter(action="workitem.bulk_open")
    assert audit.count() == 1
    assert audit.get().detail["count"] == 5


def test_bulk_open_refuses_out_of_scope_units_and_duplicates(cast: Cast) -> None:
    specs = _specs(cast, 2) + _specs(cast, 1, unit=cast.other_township_village)
    with pytest.raises(PermissionDenied):
        workitems_bulk_open(
            kind="verification", specs=specs, source="s", due_date=None, actor=cast.users["clerk"]
        )
    assert not WorkItem.objects.exists()
    mine = _specs(cast, 2)
    workitems_bulk_open(
        kind="verification", specs=mine, source="s", due_date=None, actor=cast.users["clerk"]
    )
    with pytest.raises(ValidationError):
        workitems_bulk_open(
            kind="verification", specs=mine, source="s", due_date=None, actor=cast.users["clerk"]
        )
    with pytest.raises(ValidationError):
        workitems_bulk_open(
            kind="nonsense", specs=mine, source="t", due_date=None, actor=cast.users["clerk"]
        )
    with pytest.raises(PermissionDenied):
        workitems_bulk_open(
            kind="verification", specs=mine, source="u", due_date=None, actor=cast.users["auditor"]
        )
    assert WorkItem.objects.count() == 2


def test_bulk_redate_touches_only_open_items_in_scope(cast: Cast) -> None:
    workitems_bulk_open(
        kind="verification",
        specs=_specs(cast, 3),
        source="r",
        due_date=dt.date(2026, 1, 1),
        actor=cast.users["clerk"],
    )
    closed = WorkItem.objects.filter(source="r").first()
    assert closed is not None
    WorkItem.objects.filter(pk=closed.pk).update(status="closed", outcome="done")
    due = dt.date(2027, 1, 1)
    count = workitems_bulk_redate(
        items=WorkItem.objects.filter(source="r"), due_date=due, actor=cast.users["clerk"]
    )
    assert count == 2
    dates = dict(WorkItem.objects.filter(source="r").values_list("pk", "due_date"))
    assert dates.pop(closed.pk) == dt.date(2026, 1, 1)
    assert set(dates.values()) == {due}
    assert WorkItemEvent.objects.filter(action="redated").count() == 2
    none = workitems_bulk_redate(
        items=WorkItem.objects.filter(source="r"), due_date=due, actor=cast.users["other_clerk"]
    )
    assert none == 0
    with pytest.raises(PermissionDenied):
        workitems_bulk_redate(
            items=WorkItem.objects.all(), due_date=due, actor=cast.users["officer"]
        )


def test_open_for_persons_in_the_database(cast: Cast) -> None:
    from renkou.core.services import orgunit_create
    from renkou.registry.models import Person
    from renkou.worklists.services import workitems_open_for_persons

    group = orgunit_create(
        code="37040410120101", name="一组", level="group", parent=cast.village, urban_rural_class=""
    )
    grouped = make_person(org_unit=group, name="组员")
    plain = make_person(org_unit=cast.other_village, name="村民")
    persons = Person.objects.filter(pk__in=[grouped.pk, plain.pk])
    count, opened_at = workitems_open_for_persons(
        kind="verification",
        persons=persons,
        title_prefix="清查：",
        source="sql:1",
        due_date=dt.date(2026, 12, 31),
        actor=cast.users["clerk"],
    )
    items = {i.subject_person_id: i for i in WorkItem.objects.filter(source="sql:1")}
    assert count == 2 == len(items)
    assert items[grouped.pk].org_unit_id == cast.village.pk  # rolled up from the group
    assert items[plain.pk].org_unit_id == cast.other_village.pk
    assert items[grouped.pk].title == "清查：组员"
    assert items[grouped.pk].due_date == dt.date(2026, 12, 31)
    assert items[grouped.pk].opened_at == opened_at
    events = WorkItemEvent.objects.filter(item__source="sql:1", action="opened")
    assert events.count() == 2
    assert events.first().detail == {"source": "sql:1", "bulk": "1"}  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="workitem.bulk_open").count() == 1
    with pytest.raises(ValidationError):  # the same persons again, same source
        workitems_open_for_persons(
            kind="verification",
            persons=persons,
            title_prefix="x",
            source="sql:1",
            due_date=None,
            actor=cast.users["clerk"],
        )
    far = make_person(org_unit=cast.other_township_village, name="外镇")
    with pytest.raises(PermissionDenied):
        workitems_open_for_persons(
            kind="verification",
            persons=Person.objects.filter(pk=far.pk),
            title_prefix="x",
            source="sql:2",
            due_date=None,
            actor=cast.users["clerk"],
        )
    assert WorkItem.objects.count() == 2
