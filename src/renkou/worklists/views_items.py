"""One work item: its page (history and forms) and the POST steps on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from renkou.core.audit import audit_record
from renkou.core.models import User
from renkou.core.roles import Cap, has_cap, requires
from renkou.worklists.evidence import attachment_add, attachment_content
from renkou.worklists.forms import (
    ApproveExemptionForm,
    AssignForm,
    AttachmentForm,
    CloseForm,
    ExemptRequestForm,
    ItemForm,
    NoteForm,
    RefuseExemptionForm,
    ReopenForm,
)
from renkou.worklists.kinds import item_origin
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome
from renkou.worklists.selectors import (
    attachment_get_for_user,
    is_overdue,
    workitem_get_for_user,
)
from renkou.worklists.services import (
    ConflictError,
    workitem_assign,
    workitem_close,
    workitem_note,
    workitem_refuse_exemption,
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

    def step_form(form_class: type[ItemForm], **initial: object) -> ItemForm:
        return form_class(initial=initial, item=item, user=user)

    context = {
        "item": item,
        "overdue": is_overdue(item),
        "events": item.events.select_related("actor").order_by("at", "id"),
        "note_form": step_form(NoteForm),
        "close_form": step_form(CloseForm, **version),
        "exempt_form": step_form(ExemptRequestForm, **version),
        "reopen_form": step_form(ReopenForm),
        "can_assign": has_cap(user, Cap.ASSIGN_WORK),
        "assign_form": step_form(
            AssignForm, **version, assignee=item.assignee_id, due_date=item.due_date
        ),
        "approve_form": step_form(ApproveExemptionForm, **version),
        "refuse_form": step_form(RefuseExemptionForm, **version),
        "attachment_form": AttachmentForm(),
        "attachments": item.attachments.select_related("uploaded_by"),
        "origin": item_origin(item.source, user),
    }
    return render(request, "worklists/item_detail.html", context)


def _step(
    request: HttpRequest, pk: int, form_class: type[ItemForm], act: Callable[..., object]
) -> HttpResponse:
    """Validate the form, run the service, report the outcome as a message; back to the
    page the decision was taken from (``next``: a path of this site only, e.g. the
    exemption queue or a campaign's target list), else to the item's page."""
    user = _user(request)
    item = workitem_get_for_user(user=user, pk=pk)
    wanted = request.POST.get("next", "")
    safe = wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    back = redirect(wanted) if safe else redirect("worklists:item_detail", pk=item.pk)
    form = form_class(request.POST, item=item, user=user)
    if not form.is_valid():
        errors = [str(e) for field in form.errors.values() for e in field]
        messages.error(request, _("提交的内容不完整：") + "；".join(errors))
        return back
    try:
        act(item=item, actor=user, **form.cleaned_data)
    except (ValidationError, PermissionDenied, ConflictError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已保存。"))
    return back


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


def _assign(*, item: WorkItem, actor: User, version: int, **data: object) -> None:
    workitem_assign(
        item=item,
        actor=actor,
        expected_version=version,
        assignee=cast(User, data["assignee"]),
        due_date=cast("dt.date | None", data["due_date"]),
    )


def _approve(*, item: WorkItem, actor: User, version: int, note: str) -> None:
    # Approving is closing as exempt; the officer's reason stays on the item.
    workitem_close(
        item=item,
        actor=actor,
        expected_version=version,
        outcome=Outcome.EXEMPT,
        evidence="",
        note=note or item.exemption_reason,
    )


def _refuse(*, item: WorkItem, actor: User, version: int, reason: str) -> None:
    workitem_refuse_exemption(item=item, actor=actor, expected_version=version, reason=reason)


@require_POST
@requires(Cap.ASSIGN_WORK)
def item_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, AssignForm, _assign)


@require_POST
@requires(Cap.ASSIGN_WORK)
def item_exempt_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, ApproveExemptionForm, _approve)


@require_POST
@requires(Cap.ASSIGN_WORK)
def item_exempt_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, RefuseExemptionForm, _refuse)


@require_POST
@requires(Cap.WORK_ITEMS)
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = workitem_get_for_user(user=user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
        return redirect("worklists:item_detail", pk=item.pk)
    try:
        attachment_add(item=item, upload=form.cleaned_data["file"], actor=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("材料已上传。"))
    return redirect("worklists:item_detail", pk=item.pk)


@require_GET
@requires(Cap.WORK_ITEMS)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = attachment_get_for_user(user=_user(request), pk=pk)
    audit_record(
        action="workitem.attachment_view",
        request=request,
        object_type="workitem",
        object_id=attachment.item_id,
        detail={"attachment": attachment.pk},
    )
    response = HttpResponse(attachment_content(attachment), content_type=attachment.content_type)
    # Shown inline (a photo on a phone), never sniffed into something else.
    response["Content-Disposition"] = f'inline; filename="evidence-{attachment.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@requires(Cap.WORK_ITEMS)
def item_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, NoteForm, workitem_note)


@require_POST
@requires(Cap.WORK_ITEMS)
def item_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = workitem_get_for_user(user=_user(request), pk=pk)
    if item.close_page is not None:
        # Its app closes it on its own page (a discrepancy: with what it does to the
        # register); the generic form is not offered for it.
        messages.error(request, _("该类事项请在其处理页面销号。"))
        return redirect("worklists:item_detail", pk=item.pk)
    return _step(request, pk, CloseForm, _close)


@require_POST
@requires(Cap.WORK_ITEMS)
def item_exempt_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, ExemptRequestForm, _exempt)


@require_POST
@requires(Cap.ASSIGN_WORK)
def item_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, ReopenForm, workitem_reopen)
