"""One work item: its page (history and forms) and the POST steps on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from renkou.core.audit import audit_record
from renkou.core.models import User
from renkou.core.roles import Cap, has_cap, requires
from renkou.worklists.forms import CloseForm, ExemptRequestForm, NoteForm, ReopenForm
from renkou.worklists.kinds import item_origin
from renkou.worklists.models import WorkItem
from renkou.worklists.selectors import is_overdue, workitem_get_for_user
from renkou.worklists.services import (
    ConflictError,
    workitem_close,
    workitem_note,
    workitem_reopen,
    workitem_request_exemption,
)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@require_GET
@requires(Cap.WORK_ITEMS)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = workitem_get_for_user(user=user, pk=pk)
    audit_record(action="workitem.view", request=request, object_type="workitem", object_id=pk)
    version = {"version": item.version}
    context = {
        "item": item,
        "overdue": is_overdue(item),
        "events": item.events.select_related("actor").order_by("at", "id"),
        "note_form": NoteForm(),
        "close_form": CloseForm(initial=version, item=item, user=user),
        "exempt_form": ExemptRequestForm(initial=version),
        "reopen_form": ReopenForm(),
        "can_assign": has_cap(user, Cap.ASSIGN_WORK),
        "origin": item_origin(item.source, user),
    }
    return render(request, "worklists/item_detail.html", context)


def _step(
    request: HttpRequest, pk: int, form_class: type[forms.Form], act: Callable[..., object]
) -> HttpResponse:
    """Validate the form, run the service, report the outcome as a message."""
    user = _user(request)
    item = workitem_get_for_user(user=user, pk=pk)
    if form_class is CloseForm:
        form: forms.Form = CloseForm(request.POST, item=item, user=user)
    else:
        form = form_class(request.POST)
    if not form.is_valid():
        errors = [str(e) for field in form.errors.values() for e in field]
        messages.error(request, _("提交的内容不完整：") + "；".join(errors))
        return redirect("worklists:item_detail", pk=item.pk)
    try:
        act(item=item, actor=user, **form.cleaned_data)
    except (ValidationError, PermissionDenied, ConflictError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已保存。"))
    return redirect("worklists:item_detail", pk=item.pk)


def _close(*, item: WorkItem, actor: User, version: int, **data: str) -> None:
    workitem_close(
        item=item,
        actor=actor,
        expected_version=version,
        outcome=data["outcome"],
        evidence=data["evidence"],
        note=data["note"],
    )


def _exempt(*, item: WorkItem, actor: User, version: int, reason: str) -> None:
    workitem_request_exemption(item=item, actor=actor, expected_version=version, reason=reason)


@require_POST
@requires(Cap.WORK_ITEMS)
def item_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, NoteForm, workitem_note)


@require_POST
@requires(Cap.WORK_ITEMS)
def item_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, CloseForm, _close)


@require_POST
@requires(Cap.WORK_ITEMS)
def item_exempt_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, ExemptRequestForm, _exempt)


@require_POST
@requires(Cap.ASSIGN_WORK)
def item_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, ReopenForm, workitem_reopen)
