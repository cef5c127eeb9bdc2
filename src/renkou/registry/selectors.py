"""Reads of the register. Every read of scoped data goes through these doors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from renkou.core.scoping import scope_filter
from renkou.registry.models import ChangeReport, Household, Person


def person_queryset_for_user(*, user: Any) -> QuerySet[Person]:
    """Persons managed by a unit in the user's subtree (active and departed)."""
    return scope_filter(Person.objects.all(), user)


def person_get_for_user(*, user: Any, pk: int) -> Person:
    """One person, or 404 when it does not exist or lies outside the user's scope."""
    return get_object_or_404(person_queryset_for_user(user=user).select_related("org_unit"), pk=pk)


def household_queryset_for_user(*, user: Any) -> QuerySet[Household]:
    return scope_filter(Household.objects.all(), user)


def household_get_for_user(*, user: Any, pk: int) -> Household:
    return get_object_or_404(
        household_queryset_for_user(user=user).select_related("org_unit"), pk=pk
    )


def changereport_queryset_for_user(*, user: Any) -> QuerySet[ChangeReport]:
    return scope_filter(ChangeReport.objects.all(), user)


def changereport_get_for_user(*, user: Any, pk: int) -> ChangeReport:
    return get_object_or_404(changereport_queryset_for_user(user=user), pk=pk)
