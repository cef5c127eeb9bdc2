"""Dispatch reviews (调度): the list, taking a snapshot, and the printable page."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, User
from renkou.core.roles import Cap, requires
from renkou.core.scoping import units_for_user
from renkou.worklists.forms import ReviewForm
from renkou.worklists.kinds import kind_label
from renkou.worklists.reviews import dispatch_review_take, review_rows
from renkou.worklists.selectors import (
    review_get_for_user,
    review_queryset_for_user,
    unit_get_for_user,
)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _townships(user: User) -> list[OrgUnit]:
    return list(units_for_user(user).filter(level=OrgUnit.Level.TOWNSHIP).order_by("code"))


@require_GET
@requires(Cap.ASSIGN_WORK)
def review_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(review_queryset_for_user(user=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "townships": _townships(user)}
    return render(request, "worklists/review_list.html", context)


@require_POST
@requires(Cap.ASSIGN_WORK)
def review_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写调度标题。"))
        return redirect("worklists:review_list")
    township = user.org_unit
    if form.cleaned_data["township"]:
        township = unit_get_for_user(user=user, pk=form.cleaned_data["township"])
    try:
        review = dispatch_review_take(
            township=township, actor=user, title=form.cleaned_data["title"]
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("worklists:review_list")
    return redirect("worklists:review_detail", pk=review.pk)


@require_GET
@requires(Cap.ASSIGN_WORK)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = review_get_for_user(user=_user(request), pk=pk)
    audit_record(
        action="workitem.review_view", request=request, object_type="dispatchreview", object_id=pk
    )
    rows = review_rows(review)
    totals = {
        "open": sum(r.open for r in rows),
        "overdue": sum(r.overdue for r in rows),
        "closed": sum(r.closed for r in rows),
    }
    labelled = [(row, kind_label(row.kind)) for row in rows]
    context = {"review": review, "rows": labelled, "totals": totals}
    return render(request, "worklists/review_detail.html", context)
