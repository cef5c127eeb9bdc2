"""Lists of the ledger: my items (phone), the boards, the filtered list and bulk assignment."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, User
from renkou.core.paging import KeysFirstPaginator
from renkou.core.roles import Cap, has_cap, requires
from renkou.core.scoping import units_for_user
from renkou.worklists.filters import SORTS, ItemFilter, saved_filter_delete, saved_filter_save
from renkou.worklists.forms import BulkAssignForm, SaveFilterForm
from renkou.worklists.kinds import all_kinds
from renkou.worklists.models import WorkItem
from renkou.worklists.selectors import (
    assignable_users,
    board_counts,
    exemption_requests,
    my_items,
    saved_filter_get_for_user,
    saved_filters_for_user,
    unit_get_for_user,
    workitem_listing,
    workitem_queryset_for_user,
)
from renkou.worklists.services import workitems_bulk_assign

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@require_GET
@requires(Cap.WORK_ITEMS)
def my_items_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = KeysFirstPaginator(my_items(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(action="workitem.my_items", request=request, detail={"page": page.number})
    context = {"page": page, "today": timezone.localdate()}
    return render(request, "worklists/my_items.html", context)


@require_GET
@requires(Cap.WORK_ITEMS)
def board(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    raw = request.GET.get("unit", "")
    unit = user.org_unit
    if raw:
        unit = unit_get_for_user(user=user, pk=int(raw) if raw.isdigit() else 0)
    data = board_counts(user=user, unit=unit)
    context = {
        "board": data,
        "kind_labels": {k.code: k.label for k in all_kinds()},
        "parent": unit.parent if unit.pk != user.org_unit_id else None,
        "village_level": OrgUnit.Level.VILLAGE,
    }
    return render(request, "worklists/board.html", context)


def _villages(user: User) -> QuerySet[OrgUnit]:
    return units_for_user(user).filter(level=OrgUnit.Level.VILLAGE).order_by("code")


def _list_url(query: str) -> str:
    """The list with a (re-validated) filter: never echo raw input into a redirect."""
    return reverse("worklists:item_list") + "?" + ItemFilter.parse(QueryDict(query)).to_query()


def _save_filter(request: HttpRequest) -> HttpResponse:
    form = SaveFilterForm(request.POST)
    query = ""
    if form.is_valid():
        query = form.cleaned_data["query"]
        try:
            saved_filter_save(user=_user(request), name=form.cleaned_data["name"], query=query)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("筛选已保存。"))
    else:
        messages.error(request, _("请填写筛选名称。"))
    return redirect(_list_url(query))


@require_http_methods(["GET", "POST"])
@requires(Cap.WORK_ITEMS)
def item_list(request: HttpRequest) -> HttpResponse:
    """Filtered, paged list; POST saves the current filter under a name."""
    if request.method == "POST":
        return _save_filter(request)
    user = _user(request)
    today = timezone.localdate()
    flt = ItemFilter.parse(request.GET)
    rows = workitem_listing(flt.apply(workitem_queryset_for_user(user=user), today=today))
    # Deep pages of ~10^5 items: the page's keys first, then its rows (core.paging).
    paginator = KeysFirstPaginator(rows.order_by(*flt.ordering()), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    audit_record(
        action="workitem.list",
        request=request,
        detail={"filter": flt.to_query(), "page": page.number},
    )
    can_assign = has_cap(user, Cap.ASSIGN_WORK)
    context: dict[str, Any] = {
        "page": page,
        "flt": flt,
        "query": flt.to_query(),
        "today": today,
        "kinds": all_kinds(),
        "statuses": WorkItem.Status.choices,
        "sorts": [(key, label) for key, (label, _order) in SORTS.items()],
        "villages": _villages(user),
        "saved": saved_filters_for_user(user=user),
        "can_assign": can_assign,
        "assignees": assignable_users(user) if can_assign else [],
    }
    template = "worklists/_item_rows.html" if request.headers.get("HX-Request") else None
    return render(request, template or "worklists/item_list.html", context)


@require_GET
@requires(Cap.ASSIGN_WORK)
def exemption_list(request: HttpRequest) -> HttpResponse:
    """The township's queue of exemption requests (免办审批), each approved or refused."""
    rows = exemption_requests(user=_user(request))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(action="workitem.exemptions", request=request, detail={"page": page.number})
    return render(request, "worklists/exemption_list.html", {"page": page})


@require_POST
@requires(Cap.ASSIGN_WORK)
def bulk_assign(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = BulkAssignForm(request.POST, user=user)
    ids = [int(v) for v in request.POST.getlist("items") if v.isdigit() and len(v) < 10]
    back = _list_url(request.POST.get("query", ""))
    if not form.is_valid() or not ids:
        messages.error(request, _("请选择事项和责任人。"))
        return redirect(back)
    try:
        count = workitems_bulk_assign(
            item_ids=ids,
            assignee=form.cleaned_data["assignee"],
            due_date=form.cleaned_data["due_date"],
            actor=user,
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已交办 %(n)d 项。") % {"n": count})
    return redirect(back)


@require_POST
@requires(Cap.WORK_ITEMS)
def filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = saved_filter_get_for_user(user=_user(request), pk=pk)
    try:
        saved_filter_delete(saved=saved, actor=_user(request))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("筛选已删除。"))
    return redirect("worklists:item_list")
