"""Duplicate candidates (重登): review queue, side-by-side comparison, merge, dismiss, undo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from renkou.core.access import Rule
from renkou.core.audit import audit_record
from renkou.core.models import Role, User
from renkou.core.roles import Cap, requires
from renkou.registry.models import DuplicateCandidate, Membership, Person
from renkou.registry.selectors_duplicates import (
    duplicate_get_for_user,
    duplicate_queryset_for_user,
    merge_get_for_user,
)
from renkou.registry.services.duplicates import duplicate_dismiss, duplicate_merge, merge_undo
from renkou.registry.services.persons import ConflictError

PAGE_SIZE = 50
# (field, label) compared side by side; identity numbers only ever masked.
COMPARED = (
    ("name", gettext_lazy("姓名")),
    ("sex", gettext_lazy("性别")),
    ("birth_date", gettext_lazy("出生日期")),
    ("id_masked", gettext_lazy("公民身份号码")),
    ("ethnicity", gettext_lazy("民族")),
    ("hukou_type", gettext_lazy("户口性质")),
    ("org_unit", gettext_lazy("管理单位")),
    ("address", gettext_lazy("详细地址")),
    ("marital_status", gettext_lazy("婚姻状况")),
    ("mother_id", gettext_lazy("母亲")),
    ("father_id", gettext_lazy("父亲")),
    ("phone_masked", gettext_lazy("联系电话")),
    ("household", gettext_lazy("所在户")),
    ("status", gettext_lazy("状态")),
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@require_GET
@requires(Cap.MERGE_DUPLICATES)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", DuplicateCandidate.Status.OPEN)
    if status not in DuplicateCandidate.Status.values:
        status = DuplicateCandidate.Status.OPEN
    pairs = (
        duplicate_queryset_for_user(user=request.user)
        .filter(status=status)
        .select_related("first__org_unit", "second__org_unit")
        .order_by("-id")
    )
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        action="duplicate.list", request=request, detail={"status": status, "page": page.number}
    )
    context = {"page": page, "status": status, "statuses": DuplicateCandidate.Status.choices}
    template = "registry/_duplicate_rows.html" if request.headers.get("HX-Request") else None
    return render(request, template or "registry/duplicate_list.html", context)


def _value(person: Person, field: str, household: str) -> str:
    if field == "household":
        return household
    if field in ("sex", "hukou_type", "marital_status", "status"):
        return str(getattr(person, f"get_{field}_display")())
    value = getattr(person, field)
    return "" if value is None else str(value)


def _households(*persons: Person) -> dict[int, str]:
    cards = Membership.objects.filter(person__in=persons, left__isnull=True).select_related(
        "household"
    )
    return {card.person_id: card.household.code for card in cards}


def _comparison(pair: DuplicateCandidate) -> list[dict[str, Any]]:
    cards = _households(pair.first, pair.second)
    rows = []
    for field, label in COMPARED:
        left = _value(pair.first, field, cards.get(pair.first.pk, ""))
        right = _value(pair.second, field, cards.get(pair.second.pk, ""))
        rows.append({"label": label, "first": left, "second": right, "differs": left != right})
    return rows


@require_GET
@requires(Cap.MERGE_DUPLICATES)
def duplicate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pair = duplicate_get_for_user(user=request.user, pk=pk)
    audit_record(
        action="duplicate.read",
        request=request,
        object_type="duplicate",
        object_id=pair.pk,
        detail={"first": pair.first_id, "second": pair.second_id},
    )
    merges = pair.merges.filter(undone_at__isnull=True).order_by("-id")
    context = {"pair": pair, "rows": _comparison(pair), "merge": merges.first()}
    return render(request, "registry/duplicate_detail.html", context)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@require_POST
@requires(Cap.MERGE_DUPLICATES)
def duplicate_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    pair = duplicate_get_for_user(user=request.user, pk=pk)
    chosen = _int(request.POST.get("survivor"))
    if chosen not in (pair.first_id, pair.second_id):
        messages.error(request, _("请选择保留哪一条记录。"))
        return redirect("registry:duplicate_detail", pk=pair.pk)
    survivor, merged = (
        (pair.first, pair.second) if chosen == pair.first_id else (pair.second, pair.first)
    )
    try:
        duplicate_merge(
            candidate=pair,
            survivor=survivor,
            actor=_user(request),
            evidence=request.POST.get("evidence", ""),
            survivor_version=_int(request.POST.get(f"version_{survivor.pk}")),
            merged_version=_int(request.POST.get(f"version_{merged.pk}")),
        )
    except (ValidationError, ConflictError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("registry:duplicate_detail", pk=pair.pk)
    messages.success(request, _("已合并，保留记录：%(name)s。") % {"name": survivor.name})
    return redirect("registry:duplicate_detail", pk=pair.pk)


@require_POST
@requires(Cap.MERGE_DUPLICATES)
def duplicate_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    pair = duplicate_get_for_user(user=request.user, pk=pk)
    try:
        duplicate_dismiss(
            candidate=pair, actor=_user(request), evidence=request.POST.get("evidence", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registry:duplicate_detail", pk=pair.pk)
    messages.success(request, _("已标记为非重复。"))
    return redirect("registry:duplicate_list")


@require_POST
@requires(Cap.MERGE_DUPLICATES)
def merge_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    merge = merge_get_for_user(user=request.user, pk=pk)
    back = (
        redirect("registry:duplicate_detail", pk=merge.candidate_id)
        if merge.candidate_id
        else redirect("registry:duplicate_list")
    )
    try:
        merge_undo(merge=merge, actor=_user(request), evidence=request.POST.get("evidence", ""))
    except (ValidationError, ConflictError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return back
    messages.success(request, _("已撤销合并，两条记录均已恢复。"))
    return back


urlpatterns = [
    path("duplicates/", duplicate_list, name="duplicate_list"),
    path("duplicates/<int:pk>/", duplicate_detail, name="duplicate_detail"),
    path("duplicates/<int:pk>/merge/", duplicate_merge_view, name="duplicate_merge"),
    path("duplicates/<int:pk>/dismiss/", duplicate_dismiss_view, name="duplicate_dismiss"),
    path("merges/<int:pk>/undo/", merge_undo_view, name="merge_undo"),
]

_MERGERS = frozenset({Role.TOWNSHIP_CLERK, Role.COUNTY_OFFICER})
ACCESS = {
    "registry:duplicate_list": Rule(roles=_MERGERS),
    "registry:duplicate_detail": Rule(roles=_MERGERS, obj="duplicate"),
    "registry:duplicate_merge": Rule(roles=_MERGERS, obj="duplicate", method="POST"),
    "registry:duplicate_dismiss": Rule(roles=_MERGERS, obj="duplicate", method="POST"),
    "registry:merge_undo": Rule(roles=_MERGERS, obj="merge", method="POST"),
}
