"""Scoped reads of the programme: every query starts at `nfpcp_queryset_for_user`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from renkou.core.scoping import scope_filter
from renkou.programmes.models import NfpcpCheck


def nfpcp_queryset_for_user(*, user: Any) -> QuerySet[NfpcpCheck]:
    """Checks whose couple is managed (the wife's unit) within the user's subtree."""
    return scope_filter(NfpcpCheck.objects.all(), user)


def nfpcp_get_for_user(*, user: Any, pk: int) -> NfpcpCheck:
    rows = nfpcp_queryset_for_user(user=user).select_related(
        "wife", "husband", "org_unit", "township", "marriage"
    )
    return get_object_or_404(rows, pk=pk)
