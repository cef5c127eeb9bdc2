"""Closing a discrepancy item: the confirmation page (before/after) and the POST."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from renkou.core.access import BUSINESS_ROLES, Rule
from renkou.core.audit import audit_record
from renkou.core.models import User
from renkou.core.roles import Cap, has_cap, requires
from renkou.exchange.models import Resolution
from renkou.exchange.resolve import discrepancy_resolve, resolution_plan
from renkou.registry.services.persons import ConflictError
from renkou.worklists.models import WorkItem
from renkou.worklists.selectors import workitem_get_for_user
from renkou.worklists.services import ConflictError as ItemConflictError


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _item(request: HttpRequest, pk: int) -> WorkItem:
    item = workitem_get_for_user(user=_user(request), pk=pk)
    if not item.kind.startswith("discrepancy."):
        raise Http404
    return item


def _page(request: HttpRequest, item: WorkItem, status: int = 200, **extra: Any) -> HttpResponse:
    plan = resolution_plan(item)
    user = _user(request)
    context = {
        "item": item, "plan": plan,
        "choices": [(r, Resolution.Kind(r).label) for r in plan.allowed],
        "can_apply": has_cap(user, Cap.EDIT_REGISTER),
        "history": item.resolutions.select_related("decided_by").order_by("decided_at", "id"),
        **extra,
    }  # fmt: skip
    return render(request, "exchange/discrepancy_resolve.html", context, status=status)


@require_http_methods(["GET", "POST"])
@requires(Cap.WORK_ITEMS)
def discrepancy_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    if request.method == "GET":
        audit_record(action="discrepancy.read", request=request, object_type="workitem",
                     object_id=item.pk)  # fmt: skip
        return _page(request, item)
    version = _int(request.POST.get("version"))
    resolution = request.POST.get("resolution", "")
    if version is None or resolution not in Resolution.Kind.values:
        messages.error(request, _("请选择处理方式。"))
        return _page(request, item, status=400)
    try:
        discrepancy_resolve(
            item=item, resolution=resolution, evidence=request.POST.get("evidence", "")[:1000],
            note=request.POST.get("note", "")[:1000], actor=_user(request),
            expected_version=version, person_version=_int(request.POST.get("person_version")),
        )  # fmt: skip
    except (ConflictError, ItemConflictError):
        messages.error(request, _("该记录已被他人修改，请查看最新内容后重新提交。"))
        return _page(request, WorkItem.objects.get(pk=item.pk), status=409)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return _page(request, item, status=400)
    messages.success(request, _("已销号。"))
    return redirect("worklists:item_detail", pk=item.pk)


urlpatterns: list[URLPattern] = [
    path("discrepancies/<int:pk>/", discrepancy_resolve_view, name="discrepancy_resolve"),
]

ACCESS: dict[str, Rule] = {
    "exchange:discrepancy_resolve": Rule(roles=BUSINESS_ROLES, obj="discrepancy"),
}
