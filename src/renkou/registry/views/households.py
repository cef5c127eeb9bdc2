"""The household card (户): members in order with their relation, and former members."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from renkou.core.access import BUSINESS_ROLES, Rule
from renkou.core.audit import audit_record
from renkou.core.models import Role, User
from renkou.core.roles import Cap, has_cap, requires
from renkou.registry.forms.households import HeadChangeForm, relation_field
from renkou.registry.models import Relation
from renkou.registry.selectors import household_get_for_user, person_queryset_for_user
from renkou.registry.services.headship import household_change_head, suggest_relations
from renkou.registry.services.households import household_current_members
from renkou.worklists.services import ConflictError

EDITORS = frozenset({Role.TOWNSHIP_CLERK, Role.COUNTY_OFFICER})


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
        "can_edit": has_cap(user, Cap.EDIT_REGISTER) and len(current) > 1,
    }
    return render(request, "registry/household_detail.html", context)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@require_http_methods(["GET", "POST"])
@requires(Cap.EDIT_REGISTER)
def household_head(request: HttpRequest, pk: int) -> HttpResponse:
    """户主变更: choose the new head among the members, then each other member's relation
    to the new head (pre-filled where the card decides it), the date and the reason."""
    user = cast(User, request.user)
    household = household_get_for_user(user=user, pk=pk)
    members = household_current_members(household)
    candidates = [m for m in members if m.relation != Relation.SELF]
    source = request.POST if request.method == "POST" else request.GET
    chosen = _int(source.get("new_head"))
    head = next((m for m in candidates if m.person_id == chosen), None)
    context: dict[str, object] = {
        "household": household, "members": members, "candidates": candidates, "head": head,
    }  # fmt: skip
    if head is None:
        if chosen is not None:
            messages.error(request, _("新户主须是本户现有成员（户主本人除外）。"))
        return render(request, "registry/household_head.html", context, status=200)
    if request.method == "GET":
        suggested = suggest_relations(members, head.person)
        initial: dict[str, object] = {"version": household.version, "new_head": head.person_id}
        initial.update({relation_field(k): v or "" for k, v in suggested.items()})
        form = HeadChangeForm(initial=initial, members=members, new_head=head.person_id)
        return render(request, "registry/household_head.html", {**context, "form": form})
    form = HeadChangeForm(request.POST, members=members, new_head=head.person_id)
    if form.is_valid():
        try:
            household_change_head(
                household=household, new_head=head.person, relations=form.relations(),
                on=form.cleaned_data["on"], reason=form.cleaned_data["reason"], actor=user,
                expected_version=form.cleaned_data["version"],
            )  # fmt: skip
        except (ValidationError, ConflictError) as exc:
            stale = isinstance(exc, ConflictError) or getattr(exc, "code", "") == "stale"
            messages_ = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            for message in messages_:
                form.add_error(None, message)
            return render(
                request, "registry/household_head.html", {**context, "form": form},
                status=409 if stale else 400,
            )  # fmt: skip
        messages.success(request, _("已办理户主变更。"))
        return redirect("registry:household_detail", pk=household.pk)
    return render(request, "registry/household_head.html", {**context, "form": form}, status=400)


urlpatterns = [
    path("households/<int:pk>/", household_detail, name="household_detail"),
    path("households/<int:pk>/head/", household_head, name="household_head"),
]
ACCESS = {
    "registry:household_detail": Rule(roles=BUSINESS_ROLES, obj="household"),
    "registry:household_head": Rule(roles=EDITORS, obj="household"),
}
