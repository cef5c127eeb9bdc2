"""Reads of transfer requests.

A transfer is seen by the sending side (from_unit in scope) and by the receiving side
(to_unit in scope). The receiving township cannot see the person's record until it
accepts: `TransferSummary` carries only what it needs to decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from renkou.core.scoping import scope_filter, unit_in_scope
from renkou.registry.models import Transfer


def transfer_queryset_for_user(*, user: Any) -> QuerySet[Transfer]:
    """Outgoing (from_unit in scope) and incoming (to_unit in scope) requests."""
    outgoing = scope_filter(Transfer.objects.all(), user, unit_field="from_unit")
    incoming = scope_filter(Transfer.objects.all(), user, unit_field="to_unit")
    return outgoing | incoming


def transfer_get_for_user(*, user: Any, pk: int) -> Transfer:
    """One transfer seen from either side, or 404."""
    rows = transfer_queryset_for_user(user=user).select_related("person", "from_unit", "to_unit")
    return get_object_or_404(rows, pk=pk)


@dataclass(frozen=True)
class TransferSummary:
    """A transfer as one side of it may see it."""

    transfer: Transfer
    name: str
    sex: str
    birth_year: int
    id_masked: str
    outgoing: bool
    # The person's pk only when the user may open the record (never before acceptance
    # on the receiving side).
    person_pk: int | None


def transfer_summary(*, user: Any, transfer: Transfer) -> TransferSummary:
    """The fields a side may see: the receiving side gets name, sex, birth year, masked ID."""
    person = transfer.person
    outgoing = unit_in_scope(user, transfer.from_unit)
    visible = unit_in_scope(user, person.org_unit)
    return TransferSummary(
        transfer=transfer,
        name=person.name,
        sex=person.get_sex_display(),
        birth_year=person.birth_date.year,
        id_masked=person.id_masked,
        outgoing=outgoing,
        person_pk=person.pk if visible else None,
    )


def transfer_summaries_for_user(*, user: Any, status: str = "") -> QuerySet[Transfer]:
    """The transfer list query: every row's person and units in one join (no N+1)."""
    rows = transfer_queryset_for_user(user=user).select_related(
        "person__org_unit", "from_unit", "to_unit", "requested_by"
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-requested_at", "-id")
