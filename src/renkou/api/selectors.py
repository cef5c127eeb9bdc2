"""Reads the API needs beyond the registry's doors; every one starts from a scoped queryset.

Person search itself is `registry.search.person_search`, shared with the pages, so the
API and the search form can never disagree about who matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from renkou.registry import identity
from renkou.registry.models import ChangeReport, Household, LifeEvent, Membership, Person
from renkou.registry.search import unit_get_for_user
from renkou.registry.selectors import (
    changereport_queryset_for_user,
    household_queryset_for_user,
    person_queryset_for_user,
)

EVENTS_SHOWN = 20


def person_lookup_for_user(*, user: Any, raw_id_number: str) -> list[Person] | None:
    """Persons in scope holding this identity number (blind-index match).

    None when the typed number cannot be an identity number at all.
    """
    index = identity.lookup_index(raw_id_number)
    if index is None:
        return None
    persons = person_queryset_for_user(user=user).filter(id_index=index)
    return list(persons.select_related("org_unit").order_by("id"))


@dataclass(frozen=True)
class EventSummary:
    total: int
    by_kind: dict[str, int]
    recent: list[LifeEvent]


def person_events_summary(*, person: Person) -> EventSummary:
    """Counts of a person's life events by kind, and the latest few (two queries)."""
    counts = person.events.values("kind").annotate(n=Count("id")).order_by("kind")
    by_kind = {row["kind"]: row["n"] for row in counts}
    recent = list(person.events.order_by("-recorded_at", "-id")[:EVENTS_SHOWN])
    return EventSummary(total=sum(by_kind.values()), by_kind=by_kind, recent=recent)


def person_current_membership(*, person: Person) -> Membership | None:
    return person.memberships.filter(left__isnull=True).select_related("household").first()


def household_search_for_user(
    *, user: Any, code: str = "", unit: int | None = None
) -> QuerySet[Household]:
    """Households in scope, optionally by code prefix and org-unit subtree."""
    households = household_queryset_for_user(user=user).select_related("org_unit")
    if code:
        households = households.filter(code__startswith=code)
    if unit is not None:
        scope_unit = unit_get_for_user(user=user, pk=unit)  # 404 outside the subtree
        households = households.filter(org_unit__path__startswith=scope_unit.path)
    return households.order_by("code")


def household_members(*, household: Household) -> list[Membership]:
    """The household card's current members, head first."""
    return list(
        household.memberships.filter(left__isnull=True)
        .select_related("person")
        .order_by("position", "id")
    )


def changereport_search_for_user(
    *, user: Any, kind: str = "", status: str = ""
) -> QuerySet[ChangeReport]:
    reports = changereport_queryset_for_user(user=user).select_related("org_unit")
    if kind:
        reports = reports.filter(kind=kind)
    if status:
        reports = reports.filter(status=status)
    return reports.order_by("-created_at", "-id")
