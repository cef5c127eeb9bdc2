"""The register overview (counts by unit, sex and age band) and a unit's person list."""

from __future__ import annotations

from typing import cast

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from renkou.core.access import BUSINESS_ROLES, Rule
from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, User
from renkou.core.roles import Cap, requires
from renkou.registry.search import (
    AGE_BANDS,
    band_label,
    overview_for_user,
    unit_get_for_user,
    unit_persons_for_user,
)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _unit_param(request: HttpRequest) -> OrgUnit:
    """?unit=<id> drills down to a unit of the user's subtree (404 outside it)."""
    raw = request.GET.get("unit", "")
    if not raw:
        return _user(request).org_unit
    pk = int(raw) if raw.isdigit() else 0
    return unit_get_for_user(user=_user(request), pk=pk)


@require_GET
@requires(Cap.VIEW_REGISTER)
def overview(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unit = _unit_param(request)
    data = overview_for_user(user=user, unit=unit)
    context = {
        "overview": data,
        "bands": [band_label(key) for key, _, _ in AGE_BANDS],
        "parent": unit.parent if unit.pk != user.org_unit_id else None,
        "village_level": OrgUnit.Level.VILLAGE,
    }
    return render(request, "registry/overview.html", context)


@require_GET
@requires(Cap.VIEW_REGISTER)
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A village's (or any unit's) active persons, paged."""
    user = _user(request)
    unit = unit_get_for_user(user=user, pk=pk)
    page = Paginator(unit_persons_for_user(user=user, unit=unit), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit_record(
        action="person.list",
        request=request,
        object_type="orgunit",
        object_id=unit.pk,
        detail={"page": page.number, "count": page.paginator.count},
    )
    return render(request, "registry/unit.html", {"unit": unit, "page": page})


urlpatterns = [
    path("", overview, name="overview"),
    path("units/<int:pk>/", unit_detail, name="unit"),
]
ACCESS = {
    "registry:overview": Rule(roles=BUSINESS_ROLES),
    "registry:unit": Rule(roles=BUSINESS_ROLES, obj="orgunit"),
}
