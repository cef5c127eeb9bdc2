"""The one door for data scope: a user sees the subtree of their org unit, nothing else.

Every selector of scoped data calls `scope_filter`; out-of-scope objects are simply
not in the queryset, so detail views answer 404 for them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from renkou.core.models import OrgUnit, User
from renkou.core.roles import sees_personal_data

M = TypeVar("M", bound=Model)


def units_for_user(user: User) -> QuerySet[OrgUnit]:
    """The org units in the user's subtree (their own unit included)."""
    if not user.is_authenticated or not user.is_active:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=user.org_unit.path)


def scope_filter(queryset: QuerySet[M], user: Any, *, unit_field: str = "org_unit") -> QuerySet[M]:
    """Restrict `queryset` to rows whose `unit_field` lies in the user's subtree."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if not sees_personal_data(user):
        return queryset.none()
    lookup = f"{unit_field}__path__startswith"
    return queryset.filter(**{lookup: user.org_unit.path})


def unit_in_scope(user: Any, unit: OrgUnit) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(unit.path.startswith(user.org_unit.path))
