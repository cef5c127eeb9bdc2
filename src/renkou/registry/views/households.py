"""The household card (户): members in order with their relation, and former members."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from renkou.core.access import BUSINESS_ROLES, Rule
from renkou.core.audit import audit_record
from renkou.core.models import User
from renkou.core.roles import Cap, requires
from renkou.registry.models import Relation
from renkou.registry.selectors import household_get_for_user, person_queryset_for_user


@require_GET
@requires(Cap.VIEW_REGISTER)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    household = household_get_for_user(user=user, pk=pk)
    memberships = list(
        household.memberships.select_related("person").order_by("position", "joined", "id")
    )
    current = [m for m in memberships if m.left is None]
    former = sorted(
        (m for m in memberships if m.left is not None), key=lambda m: m.left or m.joined
    )
    linkable = set(
        person_queryset_for_user(user=user)
        .filter(pk__in=[m.person_id for m in memberships])
        .values_list("pk", flat=True)
    )
    audit_record(
        action="household.view", request=request, object_type="household", object_id=household.pk
    )
    context = {
        "household": household,
        "current": current,
        "former": former,
        "linkable": linkable,
        # The old systems' rule: the first member on the card is the head (本人).
        "head_ok": not current or current[0].relation == Relation.SELF,
    }
    return render(request, "registry/household_detail.html", context)


urlpatterns = [path("households/<int:pk>/", household_detail, name="household_detail")]
ACCESS = {"registry:household_detail": Rule(roles=BUSINESS_ROLES, obj="household")}
