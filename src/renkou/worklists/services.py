"""Writes to the ledger (挂账销号). Every write appends a WorkItemEvent and an audit row
in the same transaction; state changes are version-checked (optimistic concurrency).

Every service is voluntary for the villager: "declined" closes an item like "done" does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, User
from renkou.core.roles import Cap, has_cap, sees_personal_data
from renkou.core.scoping import scope_filter, unit_in_scope, units_for_user
from renkou.registry.models import Household, Marriage, Person
from renkou.worklists.kinds import get_kind
from renkou.worklists.models import WorkItem, WorkItemEvent
from renkou.worklists.outcomes import Outcome


class ConflictError(Exception):
    """Someone else changed the item since it was read: nothing was written."""

    def __init__(self, current: WorkItem) -> None:
        super().__init__(_("该事项已被他人修改，请查看最新内容后重新提交。"))
        self.current = current


def _event(
    item: WorkItem,
    *,
    action: str,
    actor: User | None,
    note: str = "",
    detail: dict[str, str] | None = None,
) -> WorkItemEvent:
    return WorkItemEvent(
        item=item, at=timezone.now(), actor=actor, action=action, note=note, detail=detail or {}
    )


def _record(
    item: WorkItem,
    *,
    action: str,
    actor: User | None,
    note: str = "",
    detail: dict[str, str] | None = None,
) -> None:
    """History row and audit row for one item (inside the caller's transaction)."""
    _event(item, action=action, actor=actor, note=note, detail=detail).save()
    audit_record(
        action=f"workitem.{action}",
        actor=actor,
        object_type="workitem",
        object_id=item.pk,
        detail={"kind": item.kind, **(detail or {})},
    )


def _notify(items: Sequence[WorkItem], before: str) -> None:
    """Tell the items' kind that they opened (``before`` ""), closed or reopened."""
    kind = get_kind(items[0].kind) if items else None
    if kind is not None and kind.on_status is not None:
        kind.on_status(items, before)


def _require(actor: User | None, cap: Cap) -> None:
    if actor is not None and not has_cap(actor, cap):
        raise PermissionDenied(_("没有权限。"))


def _require_scope(actor: User | None, unit: OrgUnit) -> None:
    if actor is not None and not unit_in_scope(actor, unit):
        raise PermissionDenied(_("该单位不在您的管辖范围内。"))


def _guarded_save(item: WorkItem, expected_version: int, fields: list[str]) -> None:
    """Write `fields` only if nobody bumped the version since it was read."""
    values = {name: getattr(item, name) for name in fields}
    updated = WorkItem.objects.filter(pk=item.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise ConflictError(WorkItem.objects.get(pk=item.pk))
    item.version = expected_version + 1


def _subject_units(
    person: Person | None, household: Household | None, marriage: Marriage | None
) -> list[OrgUnit]:
    units = [s.org_unit for s in (person, household) if s is not None]
    if marriage is not None:
        units += [marriage.husband.org_unit, marriage.wife.org_unit]
    return units


def workitem_open(
    *,
    kind: str,
    org_unit: OrgUnit,
    title: str,
    due_date: dt.date | None = None,
    source: str = "",
    subject_person: Person | None = None,
    subject_household: Household | None = None,
    subject_marriage: Marriage | None = None,
    subject_ref: str = "",
    actor: User | None = None,
) -> WorkItem:
    """Open (挂账) an item; refuses an unknown kind, an out-of-scope unit or subject, and a
    second open item for the same kind + subject + source."""
    if get_kind(kind) is None:
        raise ValidationError(_("未知的事项类别。"))
    if not title.strip():
        raise ValidationError(_("请填写事项名称。"))
    _require(actor, Cap.WORK_ITEMS)
    _require_scope(actor, org_unit)
    # A marriage may span two villages; the person's own unit must still be visible.
    for unit in _subject_units(subject_person, subject_household, None):
        _require_scope(actor, unit)
    same = WorkItem.objects.filter(
        kind=kind,
        status=WorkItem.Status.OPEN,
        source=source,
        subject_person=subject_person,
        subject_household=subject_household,
        subject_marriage=subject_marriage,
        subject_ref=subject_ref,
    )
    with transaction.atomic():
        if same.exists():
            raise ValidationError(_("该对象已有同类未销号事项。"))
        item = WorkItem.objects.create(
            kind=kind,
            title=title.strip(),
            org_unit=org_unit,
            subject_person=subject_person,
            subject_household=subject_household,
            subject_marriage=subject_marriage,
            subject_ref=subject_ref,
            source=source,
            opened_at=timezone.now(),
            due_date=due_date,
        )
        _record(item, action="opened", actor=actor, detail={"source": source})
        _notify([item], "")
    return item


def _check_assignee(assignee: User, units: Iterable[OrgUnit]) -> None:
    if not assignee.is_active or not has_cap(assignee, Cap.WORK_ITEMS):
        raise ValidationError(_("责任人必须是在用的业务账号。"))
    for unit in units:
        if not unit_in_scope(assignee, unit):
            raise ValidationError(_("责任人所属单位不包含该事项的单位。"))


def workitem_assign(
    *,
    item: WorkItem,
    assignee: User,
    due_date: dt.date | None,
    actor: User,
    expected_version: int | None = None,
) -> WorkItem:
    """Assign (交办) an open item with a deadline to a business user whose unit contains it."""
    _require(actor, Cap.ASSIGN_WORK)
    _require_scope(actor, item.org_unit)
    if item.status != WorkItem.Status.OPEN:
        raise ValidationError(_("已销号的事项不能交办。"))
    _check_assignee(assignee, [item.org_unit])
    with transaction.atomic():
        item.assignee, item.due_date = assignee, due_date
        version = item.version if expected_version is None else expected_version
        _guarded_save(item, version, ["assignee", "due_date"])
        detail = {"assignee": assignee.username, "due_date": str(due_date or "")}
        _record(item, action="assigned", actor=actor, detail=detail)
    return item


def workitems_bulk_assign(
    *, item_ids: Iterable[int], assignee: User, due_date: dt.date | None, actor: User
) -> int:
    """Assign many open items at once (one transaction). An id that is out of the actor's
    scope, unknown or closed refuses the whole batch: nothing is assigned."""
    _require(actor, Cap.ASSIGN_WORK)
    wanted = {int(pk) for pk in item_ids}
    if not wanted:
        raise ValidationError(_("请选择要交办的事项。"))
    with transaction.atomic():
        rows = scope_filter(WorkItem.objects.all(), actor).filter(
            pk__in=wanted, status=WorkItem.Status.OPEN
        )
        items = list(rows.select_for_update().select_related("org_unit"))
        if len(items) != len(wanted):
            raise ValidationError(_("所选事项中有不在管辖范围内或已销号的事项，未作任何交办。"))
        _check_assignee(assignee, {i.org_unit for i in items})
        WorkItem.objects.filter(pk__in=wanted).update(
            assignee=assignee, due_date=due_date, version=F("version") + 1
        )
        detail = {"assignee": assignee.username, "due_date": str(due_date or ""), "bulk": "1"}
        WorkItemEvent.objects.bulk_create(
            [_event(i, action="assigned", actor=actor, detail=detail) for i in items]
        )
        audit_record(
            action="workitem.bulk_assign",
            actor=actor,
            object_type="workitem",
            detail={**detail, "count": len(items), "ids": ",".join(map(str, sorted(wanted)))},
        )
    return len(items)


def workitem_note(*, item: WorkItem, note: str, actor: User) -> WorkItemEvent:
    """Add a progress note to the history (does not change the item)."""
    _require(actor, Cap.WORK_ITEMS)
    _require_scope(actor, item.org_unit)
    if not note.strip():
        raise ValidationError(_("请填写说明。"))
    with transaction.atomic():
        event = _event(item, action="note", actor=actor, note=note.strip())
        event.save()
        audit_record(action="workitem.note", actor=actor, object_type="workitem", object_id=item.pk)
    return event


def workitem_resubject(*, item: WorkItem, subject_ref: str, note: str) -> WorkItem:
    """Point an item at the subject that replaced its own in another app (a department's
    corrected row replacing the row it was opened for): the system's change, kept in the
    history with the earlier reference. Status, version and counts are unchanged."""
    if subject_ref == item.subject_ref:
        return item
    before = item.subject_ref
    with transaction.atomic():
        WorkItem.objects.filter(pk=item.pk).update(subject_ref=subject_ref)
        item.subject_ref = subject_ref
        detail = {"subject_ref_before": before, "subject_ref": subject_ref}
        _record(item, action="resubjected", actor=None, note=note, detail=detail)
    return item


def _check_close(item: WorkItem, outcome: str, evidence: str, actor: User | None) -> None:
    if item.status != WorkItem.Status.OPEN:
        raise ValidationError(_("该事项已销号。"))
    kind = get_kind(item.kind)
    if outcome not in Outcome.values or kind is None or outcome not in kind.allowed_outcomes:
        raise ValidationError(_("该类事项不能以此结果销号。"))
    if outcome == Outcome.DONE and not evidence.strip():
        raise ValidationError(_("办结销号须填写佐证。"))
    if outcome == Outcome.EXEMPT and not has_cap(actor, Cap.ASSIGN_WORK):
        raise PermissionDenied(_("免于办理须由乡镇审批；村级可申请免办。"))


def workitem_close(
    *,
    item: WorkItem,
    outcome: str,
    evidence: str,
    actor: User | None,
    expected_version: int,
    note: str = "",
) -> WorkItem:
    """Close (销号) an open item with an outcome the kind allows. "done" needs evidence;
    "exempt" is approved by a township-level user, who is recorded as approver. The
    system (None) closes items a comparison finds settled."""
    _require(actor, Cap.WORK_ITEMS)
    _require_scope(actor, item.org_unit)
    _check_close(item, outcome, evidence, actor)
    if outcome == Outcome.EXEMPT and not (note.strip() or item.exemption_reason):
        raise ValidationError(_("免于办理须写明理由。"))
    with transaction.atomic():
        item.status, item.outcome = WorkItem.Status.CLOSED, outcome
        item.evidence, item.outcome_note = evidence.strip(), note.strip()
        item.closed_at, item.closed_by = timezone.now(), actor
        item.approved_by = actor if outcome == Outcome.EXEMPT else None
        fields = ["status", "outcome", "evidence", "outcome_note", "closed_at", "closed_by"]
        _guarded_save(item, expected_version, [*fields, "approved_by"])
        _record(item, action="closed", actor=actor, note=note.strip(), detail={"outcome": outcome})
        _notify([item], WorkItem.Status.OPEN)
    return item


def workitem_request_exemption(
    *, item: WorkItem, reason: str, actor: User, expected_version: int
) -> WorkItem:
    """An officer asks the township to exempt an item (approved via workitem_close)."""
    _require(actor, Cap.WORK_ITEMS)
    _require_scope(actor, item.org_unit)
    kind = get_kind(item.kind)
    if item.status != WorkItem.Status.OPEN or kind is None:
        raise ValidationError(_("该事项已销号。"))
    if Outcome.EXEMPT not in kind.allowed_outcomes:
        raise ValidationError(_("该类事项不能免于办理。"))
    if not reason.strip():
        raise ValidationError(_("请写明免办理由。"))
    with transaction.atomic():
        item.exemption_requested, item.exemption_reason = True, reason.strip()
        _guarded_save(item, expected_version, ["exemption_requested", "exemption_reason"])
        _record(item, action="exemption_requested", actor=actor, note=reason.strip())
    return item


def workitem_refuse_exemption(
    *, item: WorkItem, reason: str, actor: User, expected_version: int
) -> WorkItem:
    """The township does not approve a requested exemption: the item stays open and the
    request is cleared, with the reason in the history for the officer."""
    _require(actor, Cap.ASSIGN_WORK)
    _require_scope(actor, item.org_unit)
    if item.status != WorkItem.Status.OPEN or not item.exemption_requested:
        raise ValidationError(_("该事项没有待审批的免办申请。"))
    if not reason.strip():
        raise ValidationError(_("请写明不予免办的理由。"))
    with transaction.atomic():
        item.exemption_requested, item.exemption_reason = False, ""
        _guarded_save(item, expected_version, ["exemption_requested", "exemption_reason"])
        _record(item, action="exemption_refused", actor=actor, note=reason.strip())
    return item


def workitem_reopen(
    *, item: WorkItem, reason: str, actor: User | None, expected_version: int | None = None
) -> WorkItem:
    """Reopen a closed item (township level); the closing stays in the history. The
    system (None) reopens an item it had closed when a comparison finds it again."""
    _require(actor, Cap.ASSIGN_WORK)
    _require_scope(actor, item.org_unit)
    if item.status != WorkItem.Status.CLOSED:
        raise ValidationError(_("该事项未销号。"))
    if not reason.strip():
        raise ValidationError(_("请写明重新挂账的理由。"))
    with transaction.atomic():
        previous = item.outcome
        item.status, item.outcome, item.outcome_note, item.evidence = "open", "", "", ""
        item.closed_at = item.closed_by = item.approved_by = item.escalated_at = None
        item.exemption_requested, item.exemption_reason = False, ""
        fields = ["status", "outcome", "outcome_note", "evidence", "closed_at", "closed_by"]
        fields += ["approved_by", "escalated_at", "exemption_requested", "exemption_reason"]
        version = item.version if expected_version is None else expected_version
        _guarded_save(item, version, fields)
        detail = {"previous_outcome": previous}
        _record(item, action="reopened", actor=actor, note=reason.strip(), detail=detail)
        _notify([item], WorkItem.Status.CLOSED)
    return item


def workitems_escalate_overdue(*, today: dt.date | None = None) -> int:
    """Mark open items past their deadline as escalated to the township; returns how many.
    Each item escalates once (until it is reopened)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = WorkItem.objects.filter(
            Q(status=WorkItem.Status.OPEN, due_date__lt=today, escalated_at__isnull=True)
        )
        items = list(due.select_for_update())
        if not items:
            return 0
        now = timezone.now()
        # Escalation does not bump the version: an officer's close form stays valid.
        WorkItem.objects.filter(pk__in=[i.pk for i in items]).update(escalated_at=now)
        detail = {"due_before": today.isoformat()}
        WorkItemEvent.objects.bulk_create(
            [_event(i, action="escalated", actor=None, detail=detail) for i in items]
        )
        audit_record(
            action="workitem.escalate",
            object_type="workitem",
            detail={**detail, "count": len(items)},
        )
    return len(items)


@dataclass(frozen=True)
class OpenSpec:
    """One item for `workitems_bulk_open`: ids only, so a caller can stream a queryset."""

    org_unit_id: int
    title: str
    subject_person_id: int | None = None
    subject_ref: str = ""  # a subject in another app ("feedrow:123"), never an ID number


BULK_CHUNK = 2000


def _check_bulk_scope(actor: User | None, unit_ids: set[int]) -> None:
    if actor is None or not unit_ids:
        return
    inside = units_for_user(actor).filter(pk__in=unit_ids).count()
    if inside != len(unit_ids) or not sees_personal_data(actor):
        raise PermissionDenied(_("该单位不在您的管辖范围内。"))


def workitems_bulk_open(
    *,
    kind: str,
    specs: Iterable[OpenSpec],
    source: str,
    due_date: dt.date | None,
    actor: User | None,
    after_chunk: Callable[[list[WorkItem]], None] | None = None,
    chunk_size: int = BULK_CHUNK,
) -> int:
    """Open many items of one kind and source at once (a campaign's frozen list).

    Items, their "opened" events and the caller's rows for each chunk (`after_chunk`,
    given the saved items in spec order) are bulk inserts; the whole call is one
    transaction with ONE audit row. A unit outside the actor's scope, or a subject that
    already has an open item of this kind and source, refuses the whole batch."""
    if get_kind(kind) is None:
        raise ValidationError(_("未知的事项类别。"))
    _require(actor, Cap.WORK_ITEMS)
    total = 0
    opened: list[WorkItem] = []

    def saved(items: list[WorkItem]) -> None:
        opened.extend(items)
        if after_chunk is not None:
            after_chunk(items)

    with transaction.atomic():
        batch: list[OpenSpec] = []
        for spec in specs:
            batch.append(spec)
            if len(batch) >= chunk_size:
                total += _bulk_open_chunk(
                    kind=kind,
                    batch=batch,
                    source=source,
                    due_date=due_date,
                    actor=actor,
                    after_chunk=saved,
                )
                batch = []
        if batch:
            total += _bulk_open_chunk(
                kind=kind,
                batch=batch,
                source=source,
                due_date=due_date,
                actor=actor,
                after_chunk=saved,
            )
        audit_record(
            action="workitem.bulk_open",
            actor=actor,
            object_type="workitem",
            detail={"kind": kind, "source": source, "count": total},
        )
        _notify(opened, "")
    return total


def _bulk_open_chunk(
    *,
    kind: str,
    batch: list[OpenSpec],
    source: str,
    due_date: dt.date | None,
    actor: User | None,
    after_chunk: Callable[[list[WorkItem]], None] | None,
) -> int:
    _check_bulk_scope(actor, {s.org_unit_id for s in batch})
    # A subject is its person and its reference together (one person may be the subject
    # of two feed rows); either one already open with this kind and source refuses all.
    subjects = [
        (s.subject_person_id, s.subject_ref)
        for s in batch
        if s.subject_person_id is not None or s.subject_ref
    ]
    keys = set(subjects)
    persons = {p for p, _ref in keys if p is not None}
    refs = {ref for _p, ref in keys if ref}
    if len(keys) != len(subjects):
        raise ValidationError(_("该对象已有同类未销号事项。"))
    if persons or refs:
        clash = WorkItem.objects.filter(
            Q(subject_person_id__in=persons) | Q(subject_ref__in=refs),
            kind=kind,
            status=WorkItem.Status.OPEN,
            source=source,
        ).values_list("subject_person_id", "subject_ref")
        if keys & set(clash):
            raise ValidationError(_("该对象已有同类未销号事项。"))
    now = timezone.now()
    items = WorkItem.objects.bulk_create(
        [
            WorkItem(
                kind=kind,
                title=s.title,
                org_unit_id=s.org_unit_id,
                subject_person_id=s.subject_person_id,
                subject_ref=s.subject_ref,
                source=source,
                opened_at=now,
                due_date=due_date,
            )
            for s in batch
        ]
    )
    detail = {"source": source, "bulk": "1"}
    WorkItemEvent.objects.bulk_create(
        [WorkItemEvent(item=i, at=now, actor=actor, action="opened", detail=detail) for i in items]
    )
    if after_chunk is not None:
        after_chunk(items)
    return len(items)


def workitems_bulk_redate(
    *, items: QuerySet[WorkItem], due_date: dt.date, actor: User, note: str = ""
) -> int:
    """Give the open items of `items` (within the actor's scope) a new deadline and clear
    their escalation: one UPDATE, one INSERT … SELECT of "redated" events, one audit row.
    The version is kept, like escalation, so an officer's open close form stays valid.
    Returns how many items were re-dated."""
    _require(actor, Cap.ASSIGN_WORK)
    detail = {"due_date": due_date.isoformat()}
    with transaction.atomic():
        scoped = scope_filter(items, actor).filter(status=WorkItem.Status.OPEN).order_by()
        wanted, params = scoped.values("pk").query.sql_with_params()
        count = _insert_events(
            where=f"id IN ({wanted})",
            params=list(params),
            action="redated",
            note=note,
            detail=detail,
            at=timezone.now(),
            actor=actor,
        )
        WorkItem.objects.filter(pk__in=scoped.values("pk")).update(
            due_date=due_date, escalated_at=None
        )
        audit_record(
            action="workitem.bulk_redate",
            actor=actor,
            object_type="workitem",
            detail={**detail, "count": count, "note": note},
        )
    return count


def workitems_open_for_persons(
    *,
    kind: str,
    persons: QuerySet[Person],
    title_prefix: str,
    source: str,
    due_date: dt.date | None,
    actor: User | None,
) -> tuple[int, dt.datetime]:
    """Open one item per person of `persons` (a campaign's frozen list) in the database
    itself: INSERT … SELECT for the items and their "opened" events, no row passes through
    Python. An item belongs to the person's managing unit, rolled up from a village group
    to its village; its title is `title_prefix` + the person's name. One audit row.

    Same refusals as `workitems_bulk_open` (scope of every unit, an open item of this kind
    and source for a person). Returns the count and the items' `opened_at`, which with
    `source` identifies them for the caller's own INSERT … SELECT."""
    if get_kind(kind) is None:
        raise ValidationError(_("未知的事项类别。"))
    _require(actor, Cap.WORK_ITEMS)
    now = timezone.now()
    with transaction.atomic():
        units = set(persons.order_by().values_list("org_unit_id", flat=True).distinct())
        parents = set(
            OrgUnit.objects.filter(pk__in=units, level=OrgUnit.Level.GROUP)
            .exclude(parent=None)
            .values_list("parent_id", flat=True)
        )
        _check_bulk_scope(actor, units | {p for p in parents if p is not None})
        clash = WorkItem.objects.filter(
            kind=kind, status=WorkItem.Status.OPEN, source=source, subject_person__in=persons
        )
        if clash.exists():
            raise ValidationError(_("该对象已有同类未销号事项。"))
        count = _insert_items(
            kind=kind,
            persons=persons,
            title_prefix=title_prefix,
            source=source,
            due_date=due_date,
            now=now,
        )
        _insert_opened_events(source, now, actor)
        audit_record(
            action="workitem.bulk_open",
            actor=actor,
            object_type="workitem",
            detail={"kind": kind, "source": source, "count": count},
        )
        work_kind = get_kind(kind)
        if work_kind is not None and work_kind.on_status is not None:  # read them back only then
            _notify(list(WorkItem.objects.filter(kind=kind, source=source, opened_at=now)), "")
    return count, now


def _param(sql_type: str) -> str:
    """A placeholder typed for PostgreSQL (a NULL in a SELECT list is otherwise text);
    SQLite takes the value as it comes (its CAST would apply numeric affinity)."""
    return f"CAST(%s AS {sql_type})" if connection.vendor == "postgresql" else "%s"


def _insert_items(
    *,
    kind: str,
    persons: QuerySet[Person],
    title_prefix: str,
    source: str,
    due_date: dt.date | None,
    now: dt.datetime,
) -> int:
    ops = connection.ops
    item, person, unit = WorkItem._meta, Person._meta, OrgUnit._meta
    wanted, wanted_params = persons.order_by().values("pk").query.sql_with_params()
    sql = f"""
        INSERT INTO {item.db_table} (kind, title, org_unit_id, subject_person_id, source,
            subject_ref, opened_at, due_date, status, outcome, outcome_note, evidence,
            exemption_requested, exemption_reason, version)
        SELECT %s, SUBSTR(%s || p.name, 1, 200),
            CASE WHEN u.level = %s AND u.parent_id IS NOT NULL THEN u.parent_id ELSE u.id END,
            p.id, %s, '', {_param("timestamptz")}, {_param("date")}, %s, '', '', '', %s, '', 1
        FROM {person.db_table} p JOIN {unit.db_table} u ON u.id = p.org_unit_id
        WHERE p.id IN ({wanted})
        ORDER BY p.org_unit_id, p.name_pinyin, p.id
    """  # noqa: S608 - table names from the models, values as parameters
    params = [
        kind,
        title_prefix,
        OrgUnit.Level.GROUP.value,
        source,
        ops.adapt_datetimefield_value(now),
        ops.adapt_datefield_value(due_date),
        WorkItem.Status.OPEN.value,
        False,
        *wanted_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _insert_opened_events(source: str, now: dt.datetime, actor: User | None) -> None:
    at = connection.ops.adapt_datetimefield_value(now)
    _insert_events(
        where="source = %s AND opened_at = %s",
        params=[source, at],
        action="opened",
        note="",
        detail={"source": source, "bulk": "1"},
        at=now,
        actor=actor,
    )


def _insert_events(
    *,
    where: str,
    params: list[Any],
    action: str,
    note: str,
    detail: dict[str, str],
    at: dt.datetime,
    actor: User | None,
) -> int:
    """One history row per item matching `where` (INSERT … SELECT); returns the count."""
    item, event = WorkItem._meta, WorkItemEvent._meta
    sql = f"""
        INSERT INTO {event.db_table} (item_id, at, actor_id, action, note, detail)
        SELECT id, {_param("timestamptz")}, {_param("bigint")}, %s, %s, {_param("jsonb")}
        FROM {item.db_table} WHERE {where} ORDER BY id
    """  # noqa: S608 - table names from the models, values as parameters
    values: list[Any] = [
        connection.ops.adapt_datetimefield_value(at),
        actor.pk if actor else None,
        action,
        note,
        json.dumps(detail, ensure_ascii=False),
        *params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return int(cursor.rowcount)
