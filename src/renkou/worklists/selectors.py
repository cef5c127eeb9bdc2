"""Scoped reads of the ledger: every query starts at `workitem_queryset_for_user`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from renkou.core.access import BUSINESS_ROLES
from renkou.core.models import OrgUnit, Role, User
from renkou.core.scoping import scope_filter, units_for_user
from renkou.worklists.models import Attachment, DispatchReview, SavedFilter, WorkItem


def workitem_queryset_for_user(*, user: Any) -> QuerySet[WorkItem]:
    """The one door: items whose unit lies in the user's subtree."""
    return scope_filter(WorkItem.objects.all(), user)


def workitem_listing(qs: QuerySet[WorkItem]) -> QuerySet[WorkItem]:
    """What a list row shows, in one join (no N+1)."""
    return qs.select_related(
        "org_unit", "assignee", "subject_person", "subject_household"
    ).order_by("status", "due_date", "id")


def workitem_get_for_user(*, user: Any, pk: int) -> WorkItem:
    """One item of the user's subtree, or 404."""
    rows = workitem_queryset_for_user(user=user).select_related(
        "org_unit",
        "assignee",
        "subject_person",
        "subject_household",
        "subject_marriage__husband",
        "subject_marriage__wife",
        "approved_by",
        "closed_by",
    )
    return get_object_or_404(rows, pk=pk)


def attachment_get_for_user(*, user: Any, pk: int) -> Attachment:
    """An evidence file of an item in the user's subtree, or 404."""
    rows = scope_filter(Attachment.objects.all(), user, unit_field="item__org_unit")
    return get_object_or_404(rows, pk=pk)


def exemption_requests(*, user: Any) -> QuerySet[WorkItem]:
    """Open items whose officer asked for an exemption, the nearest deadline first."""
    rows = workitem_queryset_for_user(user=user).filter(
        status=WorkItem.Status.OPEN, exemption_requested=True
    )
    return rows.select_related("org_unit", "assignee", "subject_person").order_by("due_date", "id")


def my_items(*, user: Any) -> QuerySet[WorkItem]:
    """Open items assigned to the user; for a village officer also the unassigned items of
    their village (nobody has picked them up yet)."""
    mine = Q(assignee=user)
    if getattr(user, "role", "") == Role.VILLAGE_OFFICER:
        mine |= Q(assignee__isnull=True, org_unit=user.org_unit)
    rows = workitem_queryset_for_user(user=user).filter(mine, status=WorkItem.Status.OPEN)
    return workitem_listing(rows)


def is_overdue(item: WorkItem, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        item.status == WorkItem.Status.OPEN and item.due_date is not None and item.due_date < today
    )


def assignable_users(user: User) -> QuerySet[User]:
    """Active business users of the user's subtree (the service re-checks each item)."""
    return (
        User.objects.filter(
            org_unit__in=units_for_user(user),
            is_active=True,
            role__in=sorted(BUSINESS_ROLES),
        )
        .select_related("org_unit")
        .order_by("org_unit__code", "username")
    )


def saved_filters_for_user(*, user: Any) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user=user).order_by("name")


def saved_filter_get_for_user(*, user: Any, pk: int) -> SavedFilter:
    """A saved filter of a user in the subtree (404 outside); the delete service then
    refuses any filter but one's own."""
    rows = scope_filter(SavedFilter.objects.all(), user, unit_field="user__org_unit")
    return get_object_or_404(rows, pk=pk)


def review_queryset_for_user(*, user: Any) -> QuerySet[DispatchReview]:
    return scope_filter(DispatchReview.objects.all(), user).select_related("org_unit", "taken_by")


def review_get_for_user(*, user: Any, pk: int) -> DispatchReview:
    return get_object_or_404(review_queryset_for_user(user=user), pk=pk)


def unit_get_for_user(*, user: Any, pk: int) -> OrgUnit:
    """A unit of the user's subtree (for ?unit= drill-down), or 404."""
    return get_object_or_404(units_for_user(user), pk=pk)


@dataclass
class Counts:
    open: int = 0
    overdue: int = 0
    closed: int = 0


@dataclass
class BoardRow:
    unit: OrgUnit
    by_kind: dict[str, Counts] = field(default_factory=dict)
    total: Counts = field(default_factory=Counts)


@dataclass
class Board:
    unit: OrgUnit
    kinds: list[str]
    rows: list[BoardRow]
    total: BoardRow


def grouped_counts(
    qs: QuerySet[WorkItem], *, today: dt.date, closed_since: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """One GROUP BY over (unit, kind): open, overdue and closed (since a moment) counts."""
    open_q = Q(status=WorkItem.Status.OPEN)
    closed_q = Q(status=WorkItem.Status.CLOSED)
    if closed_since is not None:
        closed_q &= Q(closed_at__gte=closed_since)
    return list(
        qs.values("org_unit_id", "kind")
        .annotate(
            n_open=Count("id", filter=open_q),
            n_overdue=Count("id", filter=open_q & Q(due_date__lt=today)),
            n_closed=Count("id", filter=closed_q),
        )
        .order_by()
    )


def _owner_map(unit: OrgUnit, subtree: list[OrgUnit]) -> tuple[list[OrgUnit], dict[int, int]]:
    """The unit's child rows and, for every unit of the subtree, which row it rolls into."""
    children = [u for u in subtree if u.parent_id == unit.pk and u.level != OrgUnit.Level.GROUP]
    rows = sorted(children, key=lambda u: u.code) or [unit]
    owner = {unit.pk: unit.pk}
    for u in subtree:
        for row in rows:
            if u.path.startswith(row.path):
                owner[u.pk] = row.pk
    return rows, owner


def _add(counts: Counts, item: dict[str, Any]) -> None:
    counts.open += item["n_open"]
    counts.overdue += item["n_overdue"]
    counts.closed += item["n_closed"]


def build_board(*, unit: OrgUnit, data: list[dict[str, Any]], subtree: list[OrgUnit]) -> Board:
    """Roll grouped counts up to the unit's child units (villages under a township)."""
    rows, owner = _owner_map(unit, subtree)
    by_pk = {row.pk: BoardRow(unit=row) for row in rows}
    total = BoardRow(unit=unit)
    kinds: set[str] = set()
    for item in data:
        row = by_pk.get(owner.get(item["org_unit_id"], unit.pk)) or total
        kinds.add(item["kind"])
        for target in {id(row): row, id(total): total}.values():
            _add(target.by_kind.setdefault(item["kind"], Counts()), item)
            _add(target.total, item)
    return Board(unit=unit, kinds=sorted(kinds), rows=list(by_pk.values()), total=total)


def board_counts(*, user: Any, unit: OrgUnit, today: dt.date | None = None) -> Board:
    """Open / overdue / closed items by child unit × kind under `unit`: two queries."""
    today = today or timezone.localdate()
    subtree = list(OrgUnit.objects.filter(path__startswith=unit.path))
    qs = workitem_queryset_for_user(user=user).filter(org_unit__path__startswith=unit.path)
    return build_board(unit=unit, data=grouped_counts(qs, today=today), subtree=subtree)
