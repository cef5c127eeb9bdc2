"""Transfers between townships: the list of incoming and outgoing requests, and their steps."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from renkou.core.access import Rule
from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, Role, User
from renkou.core.roles import Cap, requires
from renkou.registry.models import Transfer
from renkou.registry.selectors import person_get_for_user
from renkou.registry.selectors_transfers import (
    transfer_get_for_user,
    transfer_summaries_for_user,
    transfer_summary,
)
from renkou.registry.services.persons import ConflictError
from renkou.registry.services.transfers import (
    transfer_accept,
    transfer_cancel,
    transfer_reject,
    transfer_request,
)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@require_http_methods(["GET"])
@requires(Cap.TRANSFER)
def transfer_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Transfer.Status.values:
        status = ""
    page = Paginator(
        transfer_summaries_for_user(user=request.user, status=status), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = [transfer_summary(user=request.user, transfer=t) for t in page]
    audit_record(
        action="transfer.list", request=request, detail={"status": status, "page": page.number}
    )
    context = {"page": page, "rows": rows, "status": status, "statuses": Transfer.Status.choices}
    template = "registry/_transfer_rows.html" if request.headers.get("HX-Request") else None
    return render(request, template or "registry/transfer_list.html", context)


class TransferForm(forms.Form):
    to_unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(), label=gettext_lazy("接收村（居）"), empty_label=None
    )
    reason = forms.CharField(
        label=gettext_lazy("转移原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, home: OrgUnit | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        villages = OrgUnit.objects.filter(level=OrgUnit.Level.VILLAGE, valid_to__isnull=True)
        if home is not None:
            villages = villages.exclude(path__startswith=home.path)
        field = self.fields["to_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = villages.order_by("code")


@require_http_methods(["GET", "POST"])
@requires(Cap.TRANSFER)
def transfer_new(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(user=request.user, pk=pk)
    home = person.org_unit.township()
    form = TransferForm(request.POST if request.method == "POST" else None, home=home)
    if request.method == "POST" and form.is_valid():
        try:
            transfer_request(
                person=person,
                to_unit=form.cleaned_data["to_unit"],
                actor=_user(request),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("转移申请已提交，等待接收乡镇处理。"))
            return redirect("registry:transfer_list")
    return render(request, "registry/transfer_new.html", {"form": form, "person": person})


def _decide(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    transfer = transfer_get_for_user(user=request.user, pk=pk)
    actor, note = _user(request), request.POST.get("note", "")
    try:
        if step == "accept":
            transfer_accept(transfer=transfer, actor=actor, note=note)
        elif step == "reject":
            transfer_reject(transfer=transfer, actor=actor, note=note)
        else:
            transfer_cancel(transfer=transfer, actor=actor)
    except (ValidationError, ConflictError, PermissionDenied) as exc:
        # The other side of a request (sender accepting, receiver cancelling) may see it but
        # not take this step: tell them why rather than answer a bare 403.
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("已处理。"))
    return redirect("registry:transfer_list")


@require_POST
@requires(Cap.TRANSFER)
def transfer_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "accept")


@require_POST
@requires(Cap.TRANSFER)
def transfer_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "reject")


@require_POST
@requires(Cap.TRANSFER)
def transfer_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "cancel")


urlpatterns = [
    path("transfers/", transfer_list, name="transfer_list"),
    path("transfers/new/<int:pk>/", transfer_new, name="transfer_new"),
    path("transfers/<int:pk>/accept/", transfer_accept_view, name="transfer_accept"),
    path("transfers/<int:pk>/reject/", transfer_reject_view, name="transfer_reject"),
    path("transfers/<int:pk>/cancel/", transfer_cancel_view, name="transfer_cancel"),
]

_TRANSFERRERS = frozenset({Role.TOWNSHIP_CLERK, Role.TOWNSHIP_HEAD})
ACCESS = {
    "registry:transfer_list": Rule(roles=_TRANSFERRERS),
    # Started from a person's record: the person's pk is in the path (never an ID number).
    "registry:transfer_new": Rule(roles=_TRANSFERRERS, obj="person"),
    "registry:transfer_accept": Rule(roles=_TRANSFERRERS, obj="transfer", method="POST"),
    "registry:transfer_reject": Rule(roles=_TRANSFERRERS, obj="transfer", method="POST"),
    "registry:transfer_cancel": Rule(roles=_TRANSFERRERS, obj="transfer", method="POST"),
}
