"""Pages of voluntary contraceptive services and the village supply ledger."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from renkou.core.access import BUSINESS_ROLES, Rule
from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, Role, User
from renkou.core.roles import Cap, requires
from renkou.core.scoping import units_for_user
from renkou.core.spreadsheets import Sheet, xlsx_bytes, xlsx_response
from renkou.programmes.contraception import (
    contraception_followup_record,
    contraception_service_record,
    handout_queryset_for_user,
    handout_totals,
    open_followup,
    service_get_for_user,
    service_queryset_for_user,
    supply_handout_record,
)
from renkou.programmes.models import FollowupResult, Method, Supply
from renkou.registry import identity
from renkou.registry.models import Person
from renkou.registry.selectors import person_queryset_for_user
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import FOLLOWUP_ENDINGS, Outcome
from renkou.worklists.services import ConflictError

HEALTH = frozenset({Role.TOWNSHIP_CLERK, Role.COUNTY_OFFICER})
SUPPLIES = frozenset({Role.VILLAGE_OFFICER, Role.TOWNSHIP_CLERK})
PAGE_SIZE = 50
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _errors(exc: Exception) -> str:
    return " ".join(getattr(exc, "messages", [str(exc)]))


def _person_by_id(user: User, raw: str) -> Person | None:
    index = identity.lookup_index(raw) if raw.strip() else None
    if index is None:
        return None
    return person_queryset_for_user(user=user).filter(id_index=index).first()


class ServiceForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("服务对象公民身份号码"), max_length=30)
    method = forms.ChoiceField(label=gettext_lazy("本人选择的服务"), choices=Method.choices)
    service_date = forms.DateField(label=gettext_lazy("服务日期"), widget=_DATE)
    provider = forms.CharField(label=gettext_lazy("服务机构/人员"), max_length=100)
    consent = forms.BooleanField(label=gettext_lazy("本人知情并自愿申请此项服务"), required=False)
    followup_due = forms.DateField(
        label=gettext_lazy("随访日期（可不填）"), required=False, widget=_DATE
    )
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)


class HandoutForm(forms.Form):
    org_unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(), label=gettext_lazy("村（居）"), empty_label=None
    )
    handed_on = forms.DateField(label=gettext_lazy("发放日期"), widget=_DATE)
    supply = forms.ChoiceField(label=gettext_lazy("药具"), choices=Supply.choices)
    quantity = forms.IntegerField(label=gettext_lazy("数量"), min_value=1, max_value=1000)
    recipient_id = forms.CharField(
        label=gettext_lazy("领取人身份证号（可不填）"), max_length=30, required=False
    )
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            units_for_user(user)
            .filter(level=OrgUnit.Level.VILLAGE, valid_to__isnull=True)
            .order_by("code")
        )


@require_GET
@requires(Cap.HEALTH_SERVICES)
def contraception_list(request: HttpRequest) -> HttpResponse:
    rows = service_queryset_for_user(user=request.user).select_related("person", "org_unit")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(action="contraception.list", request=request, detail={"page": page.number})
    return render(request, "programmes/contraception_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@requires(Cap.HEALTH_SERVICES)
def contraception_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ServiceForm(
        request.POST if request.method == "POST" else None,
        initial={"service_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = _person_by_id(user, data["id_number"])
        if person is None:
            form.add_error("id_number", _("您管辖范围内的登记册中没有此人（或身份证号无效）。"))
        else:
            try:
                service = contraception_service_record(
                    person=person, method=data["method"], service_date=data["service_date"],
                    provider=data["provider"], consent=data["consent"], note=data["note"],
                    followup_due=data["followup_due"], actor=user,
                )  # fmt: skip
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, _("已登记。"))
                return redirect("programmes:contraception_detail", pk=service.pk)
    return render(request, "programmes/contraception_new.html", {"form": form})


class FollowupForm(forms.Form):
    """The follow-up on the service's page: the person's answer, or why there is none."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("随访情况"),
        widget=forms.RadioSelect,
        choices=[
            (Outcome.DONE, gettext_lazy("已随访")),
            *[(o, Outcome(o).label) for o in FOLLOWUP_ENDINGS],
        ],
        initial=Outcome.DONE,
    )
    result = forms.ChoiceField(
        label=gettext_lazy("随访结果（已随访时填写）"),
        choices=[("", "—"), *FollowupResult.choices],
        required=False,
    )
    followed_on = forms.DateField(label=gettext_lazy("随访日期"), widget=_DATE)
    note = forms.CharField(label=gettext_lazy("随访说明"), max_length=200, required=False)


@require_http_methods(["GET", "POST"])
@requires(Cap.WORK_ITEMS)
def contraception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    service = service_get_for_user(user=user, pk=pk)
    pending = open_followup(service)
    form = FollowupForm(
        request.POST if request.method == "POST" else None,
        initial={"followed_on": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if pending is None:
            form.add_error(None, _("没有待办的随访事项。"))
            status = 409
        elif form.is_valid():
            data = form.cleaned_data
            try:
                contraception_followup_record(
                    service=service, followed_on=data["followed_on"], result=data["result"],
                    outcome=data["outcome"], note=data["note"], actor=user,
                )  # fmt: skip
            except ConflictError as exc:  # the item changed meanwhile: nothing written
                form.add_error(None, str(exc))
                status = 409
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, _("已登记随访。"))
                return redirect("programmes:contraception_detail", pk=service.pk)
    else:
        audit_record(
            action="contraception.view", request=request, object_type="contraception",
            object_id=pk,
        )  # fmt: skip
    items = WorkItem.objects.filter(subject_ref=f"contraception:{service.pk}").order_by("id")
    context = {"service": service, "items": items, "pending": pending, "form": form}
    return render(request, "programmes/contraception_detail.html", context, status=status)


def _ledger_rows(user: User, unit: str) -> Any:
    rows = handout_queryset_for_user(user=user).select_related("org_unit", "recipient", "handed_by")
    if unit.isdigit():
        rows = rows.filter(org_unit_id=int(unit))
    return rows


@require_http_methods(["GET", "POST"])
@requires(Cap.HAND_OUT_SUPPLIES)
def contraception_supplies(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unit = request.GET.get("unit", "")
    form = HandoutForm(
        request.POST if request.method == "POST" else None,
        user=user,
        initial={"handed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipient = None
        if data["recipient_id"].strip():
            recipient = _person_by_id(user, data["recipient_id"])
            if recipient is None:
                form.add_error(
                    "recipient_id", _("您管辖范围内的登记册中没有此人（或身份证号无效）。")
                )
        if not form.errors:
            try:
                supply_handout_record(
                    org_unit=data["org_unit"], handed_on=data["handed_on"], supply=data["supply"],
                    quantity=data["quantity"], recipient=recipient, note=data["note"], actor=user,
                )  # fmt: skip
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, _("已记入发放台账。"))
                return redirect("programmes:contraception_supplies")
    rows = _ledger_rows(user, unit)
    if request.GET.get("format") == "xlsx":
        content, written = xlsx_bytes(
            [
                Sheet(
                    title=_("避孕药具发放台账"),
                    headers=[
                        _("村居"),
                        _("发放日期"),
                        _("药具"),
                        _("数量"),
                        _("领取人"),
                        _("发放人"),
                        _("备注"),
                    ],
                    rows=(
                        [
                            r.org_unit.name,
                            r.handed_on,
                            r.get_supply_display(),
                            r.quantity,
                            r.recipient.name if r.recipient else "",
                            r.handed_by.username,
                            r.note,
                        ]
                        for r in rows
                    ),
                    date_columns=[2],
                )
            ]
        )
        audit_record(
            action="contraception.ledger_export", request=request, detail={"rows": written}
        )
        return xlsx_response(content, "supply-ledger")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(action="contraception.ledger", request=request, detail={"page": page.number})
    context = {
        "form": form,
        "page": page,
        "totals": handout_totals(rows),
        "unit": unit,
    }
    return render(request, "programmes/contraception_supplies.html", context)


urlpatterns = [
    path("contraception/", contraception_list, name="contraception_list"),
    path("contraception/new/", contraception_new, name="contraception_new"),
    path("contraception/supplies/", contraception_supplies, name="contraception_supplies"),
    path("contraception/<int:pk>/", contraception_detail, name="contraception_detail"),
]
ACCESS: dict[str, Rule] = {
    "programmes:contraception_list": Rule(roles=HEALTH),
    "programmes:contraception_new": Rule(roles=HEALTH),
    "programmes:contraception_supplies": Rule(roles=SUPPLIES),
    "programmes:contraception_detail": Rule(roles=BUSINESS_ROLES, obj="contraception"),
}
