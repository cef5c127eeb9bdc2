"""Reads of duplicate candidates and merges: both records must lie in the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from renkou.core.scoping import scope_filter
from renkou.registry.models import DuplicateCandidate, Merge


def duplicate_queryset_for_user(*, user: Any) -> QuerySet[DuplicateCandidate]:
    """Candidate pairs whose two persons are both managed inside the user's subtree."""
    pairs = scope_filter(DuplicateCandidate.objects.all(), user, unit_field="first__org_unit")
    return scope_filter(pairs, user, unit_field="second__org_unit")


def duplicate_get_for_user(*, user: Any, pk: int) -> DuplicateCandidate:
    """One candidate pair with both persons loaded, or 404."""
    pairs = duplicate_queryset_for_user(user=user).select_related(
        "first__org_unit", "second__org_unit", "decided_by"
    )
    return get_object_or_404(pairs, pk=pk)


def merge_queryset_for_user(*, user: Any) -> QuerySet[Merge]:
    """Merges whose survivor and merged record both lie in the user's subtree."""
    merges = scope_filter(Merge.objects.all(), user, unit_field="survivor__org_unit")
    return scope_filter(merges, user, unit_field="merged__org_unit")


def merge_get_for_user(*, user: Any, pk: int) -> Merge:
    return get_object_or_404(merge_queryset_for_user(user=user), pk=pk)
