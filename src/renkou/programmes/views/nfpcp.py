"""Pages of the pre-pregnancy check programme (NFPCP): registration and the numbered
slip, consent, results, risk assessment and the notice, referral, the officers'
follow-up form, the results-file upload and the indicators with their targets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkou.core.access import BUSINESS_ROLES, TOWNSHIP_UP, Rule
from renkou.core.audit import audit_record
from renkou.core.disclosure import suppression_note
from renkou.core.intake import IntakeError, upload_name, upload_spool
from renkou.core.models import OrgUnit, Role, User
from renkou.core.roles import Cap, has_cap, requires
from renkou.core.scoping import units_for_user
from renkou.core.spreadsheets import Sheet, xlsx_bytes, xlsx_response
from renkou.programmes.models import NfpcpCheck, RiskFactor
from renkou.programmes.nfpcp import services
from renkou.programmes.nfpcp.forms import (
    AssessForm,
    ConsentForm,
    EarlyFollowupForm,
    ImportForm,
    OutcomeFollowupForm,
    ReferForm,
    RegisterForm,
    ResultForm,
    TargetsForm,
    WithdrawForm,
)
from renkou.programmes.nfpcp.importer import nfpcp_results_import
from renkou.programmes.nfpcp.indicators import UnitIndicators, indicators_by_unit
from renkou.programmes.nfpcp.items import ITEMS
from renkou.programmes.nfpcp.selectors import nfpcp_get_for_user, nfpcp_queryset_for_user
from renkou.registry import identity
from renkou.registry.selectors import person_queryset_for_user
from renkou.worklists.services import ConflictError

HEALTH = frozenset({Role.TOWNSHIP_CLERK, Role.COUNTY_OFFICER})
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _errors(exc: Exception) -> str:
    return " ".join(getattr(exc, "messages", [str(exc)]))


@require_GET
@requires(Cap.HEALTH_SERVICES)
def nfpcp_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = nfpcp_queryset_for_user(user=request.user).select_related("wife", "husband", "org_unit")
    if status in NfpcpCheck.Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    page = Paginator(rows.order_by("-registered_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit_record(action="nfpcp.list", request=request, detail={"page": page.number})
    context = {"page": page, "status": status, "statuses": NfpcpCheck.Status.choices}
    return render(request, "programmes/nfpcp_list.html", context)


@require_http_methods(["GET", "POST"])
@requires(Cap.HEALTH_SERVICES)
def nfpcp_register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        index = identity.lookup_index(data["wife_id"])
        wife = (
            person_queryset_for_user(user=request.user).filter(id_index=index).first()
            if index
            else None
        )
        if index is None:
            form.add_error("wife_id", _("身份证号无效，请核对。"))
        elif wife is None:
            form.add_error("wife_id", _("您管辖范围内的登记册中没有此人。"))
        else:
            try:
                check = services.nfpcp_register(
                    wife=wife,
                    appointment_date=data["appointment_date"],
                    facility=data["facility"],
                    planned_from=data["planned_from"],
                    actor=_user(request),
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(
                    request, _("已登记，通知单编号 %(n)s。") % {"n": check.slip_number}
                )
                return redirect("programmes:nfpcp_detail", pk=check.pk)
    return render(request, "programmes/nfpcp_register.html", {"form": form})


def _item_rows(check: NfpcpCheck) -> list[dict[str, Any]]:
    results = {(r.item_no, r.subject): r for r in check.results.all()}
    rows = []
    for item in ITEMS:
        rows.append(
            {
                "item": item,
                "wife": results.get((item.no, "W")) if "W" in item.applies else None,
                "husband": results.get((item.no, "H")) if "H" in item.applies else None,
                "applies_w": "W" in item.applies,
                "applies_h": "H" in item.applies,
            }
        )
    return rows


@require_GET
@requires(Cap.HEALTH_SERVICES)
def nfpcp_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = nfpcp_get_for_user(user=request.user, pk=pk)
    audit_record(action="nfpcp.view", request=request, object_type="nfpcp", object_id=pk)
    today = timezone.localdate()
    context = {
        "check": check,
        "rows": _item_rows(check),
        "missing": services.missing_results(check),
        "factor_labels": [RiskFactor(f).label for f in check.risk_factors],
        "consent_form": ConsentForm(initial={"consent_on": today}),
        "result_form": ResultForm(initial={"examined_on": today}),
        "assess_form": AssessForm(initial={"assessed_on": today}),
        "refer_form": ReferForm(initial={"referred_on": today}),
        "withdraw_form": WithdrawForm(),
        "items_json": {i.no: {"unit": i.unit, "choices": list(i.choices)} for i in ITEMS},
    }
    return render(request, "programmes/nfpcp_detail.html", context)


def _step(request: HttpRequest, pk: int, form_class: type[Any], act: Any) -> HttpResponse:
    check = nfpcp_get_for_user(user=request.user, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        errors = [
            f"{form.fields[k].label if k in form.fields else ''}{e}"
            for k, es in form.errors.items()
            for e in es
        ]
        messages.error(request, _("提交的内容不完整：") + "；".join(errors))
        return redirect("programmes:nfpcp_detail", pk=check.pk)
    try:
        act(check, form.cleaned_data, _user(request))
    except (ValidationError, PermissionDenied, services.StaleError) as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("已保存。"))
    return redirect("programmes:nfpcp_detail", pk=check.pk)


@require_POST
@requires(Cap.HEALTH_SERVICES)
def nfpcp_consent(request: HttpRequest, pk: int) -> HttpResponse:
    def act(check: NfpcpCheck, data: dict[str, Any], actor: User) -> None:
        services.nfpcp_consent(check=check, actor=actor, **data)

    return _step(request, pk, ConsentForm, act)


@require_POST
@requires(Cap.HEALTH_SERVICES)
def nfpcp_result(request: HttpRequest, pk: int) -> HttpResponse:
    def act(check: NfpcpCheck, data: dict[str, Any], actor: User) -> None:
        if data["flag"] not in ("normal", "abnormal"):
            raise ValidationError(_("须注明“正常”或“异常”。"))
        services.nfpcp_result_record(
            check=check,
            actor=actor,
            data=services.ResultInput(
                item_no=data["item_no"],
                subject=data["subject"],
                value=data["value"],
                unit=data["unit"],
                abnormal=data["flag"] == "abnormal",
                reviewer=data["reviewer"],
                examined_on=data["examined_on"],
            ),
        )

    return _step(request, pk, ResultForm, act)


@require_POST
@requires(Cap.HEALTH_SERVICES)
def nfpcp_assess(request: HttpRequest, pk: int) -> HttpResponse:
    def act(check: NfpcpCheck, data: dict[str, Any], actor: User) -> None:
        services.nfpcp_assess(check=check, actor=actor, **data)

    return _step(request, pk, AssessForm, act)


@require_POST
@requires(Cap.HEALTH_SERVICES)
def nfpcp_refer(request: HttpRequest, pk: int) -> HttpResponse:
    def act(check: NfpcpCheck, data: dict[str, Any], actor: User) -> None:
        services.nfpcp_refer(check=check, actor=actor, **data)

    return _step(request, pk, ReferForm, act)


@require_POST
@requires(Cap.HEALTH_SERVICES)
def nfpcp_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def act(check: NfpcpCheck, data: dict[str, Any], actor: User) -> None:
        services.nfpcp_withdraw(check=check, actor=actor, **data)

    return _step(request, pk, WithdrawForm, act)


@require_GET
@requires(Cap.HEALTH_SERVICES)
def nfpcp_slip(request: HttpRequest, pk: int) -> HttpResponse:
    check = nfpcp_get_for_user(user=request.user, pk=pk)
    audit_record(action="nfpcp.print_slip", request=request, object_type="nfpcp", object_id=pk)
    return render(request, "programmes/nfpcp_slip.html", {"check": check})


@require_GET
@requires(Cap.HEALTH_SERVICES)
def nfpcp_notice(request: HttpRequest, pk: int) -> HttpResponse:
    check = nfpcp_get_for_user(user=request.user, pk=pk)
    audit_record(action="nfpcp.print_notice", request=request, object_type="nfpcp", object_id=pk)
    context = {
        "check": check,
        "rows": _item_rows(check),
        "factor_labels": [RiskFactor(f).label for f in check.risk_factors],
    }
    return render(request, "programmes/nfpcp_notice.html", context)


def _followup_save(check: NfpcpCheck, kind: str, data: dict[str, Any], actor: User) -> None:
    """The result, or another way the follow-up ended: item and check close together."""
    choice = data["answer"] if kind == services.EARLY_KIND else data["outcome_type"]
    common = {"check": check, "followed_on": data["followed_on"], "note": data["note"],
              "actor": actor}  # fmt: skip
    if choice in services.ENDINGS:
        services.nfpcp_followup_end(kind=kind, outcome=choice, **common)
    elif kind == services.EARLY_KIND:
        services.nfpcp_early_followup(pregnant=choice == "pregnant", lmp=data["lmp"], **common)
    else:
        services.nfpcp_outcome_followup(
            outcome_type=choice, outcome_date=data["outcome_date"], **common
        )


@require_http_methods(["GET", "POST"])
@requires(Cap.WORK_ITEMS)
def nfpcp_followup(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer's form for the open follow-up of a check (early pregnancy or outcome):
    the close page of both follow-up kinds (the generic close form is not offered)."""
    check = nfpcp_get_for_user(user=request.user, pk=pk)
    audit_record(action="nfpcp.followup_view", request=request, object_type="nfpcp", object_id=pk)
    item = services.open_item(check, services.EARLY_KIND) or services.open_item(
        check, services.OUTCOME_KIND
    )
    kind = item.kind if item else ""
    form: Any = None
    if item is not None:
        form_class = EarlyFollowupForm if kind == services.EARLY_KIND else OutcomeFollowupForm
        if request.method != "POST":
            form = form_class(initial={"followed_on": timezone.localdate()})
        else:
            form = form_class(request.POST)
            if form.is_valid():
                try:
                    _followup_save(check, kind, form.cleaned_data, _user(request))
                except (ValidationError, PermissionDenied, services.StaleError,
                        ConflictError) as exc:  # fmt: skip
                    form.add_error(None, _errors(exc))
                else:
                    messages.success(request, _("随访结果已保存，事项已销号。"))
                    return redirect("worklists:my_items")
    context = {"check": check, "item": item, "kind": kind, "form": form}
    return render(request, "programmes/nfpcp_followup.html", context)


@require_http_methods(["GET", "POST"])
@requires(Cap.HEALTH_SERVICES)
def nfpcp_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            with upload_spool(upload) as path:
                result = nfpcp_results_import(
                    path=path, actor=_user(request), file_name=upload_name(upload)
                )
        except IntakeError as exc:
            form.add_error("file", str(exc))
    status = _IMPORT_STATUS.get(result.status, result.status) if result is not None else ""
    context = {"form": form, "result": result, "status": status}
    return render(request, "programmes/nfpcp_import.html", context)


_IMPORT_STATUS = {
    "applied": gettext_lazy("已导入"),
    "rejected": gettext_lazy("已拒绝（有错误行）"),
    "unchanged": gettext_lazy("同一文件已导入过，未做改动"),
    "dry_run": gettext_lazy("仅检查"),
}


def _indicator_unit(request: HttpRequest) -> OrgUnit:
    user = _user(request)
    wanted = request.GET.get("unit", "")
    if wanted.isdigit():
        return get_object_or_404(units_for_user(user), pk=int(wanted))
    return user.org_unit


def _year(request: HttpRequest) -> int:
    text = request.GET.get("year", "")
    today = timezone.localdate()
    return int(text) if text.isdigit() and 2010 <= int(text) <= today.year + 1 else today.year


def _indicator_rows(rows: list[UnitIndicators]) -> list[list[object]]:
    """The export's rows: the suppressed figures only (core.disclosure)."""
    out: list[list[object]] = []
    for row in rows:
        shown = row.shown
        line: list[object] = [row.unit.name, shown.registered]
        line += [shown.coverage.numerator, shown.coverage.percent]
        for rate in (shown.early_followup, shown.outcome_followup, shown.high_risk):
            line += [rate.numerator, rate.denominator, rate.percent]
        out.append(line)
    return out


INDICATOR_HEADERS = [
    gettext_lazy("单位"), gettext_lazy("登记夫妇数"), gettext_lazy("已检查夫妇数"),
    gettext_lazy("目标人群覆盖率"), gettext_lazy("早孕及时随访数"), gettext_lazy("检查后怀孕数"),
    gettext_lazy("早孕随访率"), gettext_lazy("妊娠结局随访数"), gettext_lazy("应随访结局数"),
    gettext_lazy("妊娠结局随访率"), gettext_lazy("高风险夫妇数"), gettext_lazy("已评估夫妇数"),
    gettext_lazy("高风险比例"),
]  # fmt: skip


@require_GET
@requires(Cap.EXPORT_DATA)
def nfpcp_indicators(request: HttpRequest) -> HttpResponse:
    unit, year = _indicator_unit(request), _year(request)
    rows = indicators_by_unit(user=request.user, year=year, unit=unit)
    audit_record(action="nfpcp.indicators", request=request, detail={"unit": unit.pk, "year": year})
    if request.GET.get("format") == "xlsx":
        targets = rows[-1].targets
        preamble = [
            [_("孕前优生健康检查指标 %(unit)s %(year)s年") % {"unit": unit.name, "year": year}],
            [_(
                "目标：覆盖率 %(c)s；早孕随访率 %(e)s；妊娠结局随访率 %(o)s；"
                "高风险比例 %(lo)s–%(hi)s"
             ) % {"c": f"{targets.coverage:.0%}", "e": f"{targets.early_followup:.0%}",
                "o": f"{targets.outcome_followup:.0%}", "lo": f"{targets.high_risk_low:.0%}",
                "hi": f"{targets.high_risk_high:.0%}"}],
            [suppression_note()],
        ]  # fmt: skip
        content, written = xlsx_bytes(
            [Sheet(title=_("孕前检查指标%(year)s") % {"year": year}, headers=INDICATOR_HEADERS,
                   rows=_indicator_rows(rows), preamble=preamble)]
        )  # fmt: skip
        audit_record(action="nfpcp.indicators_export", request=request, detail={"rows": written})
        return xlsx_response(content, f"nfpcp-indicators-{year}")
    context = {
        "unit": unit,
        "year": year,
        "rows": rows,
        "total": rows[-1],
        "can_set_targets": has_cap(request.user, Cap.HEALTH_SERVICES),
        "suppression_note": suppression_note(),
        "years": list(range(timezone.localdate().year, 2017, -1)),
    }
    return render(request, "programmes/nfpcp_indicators.html", context)


@require_http_methods(["GET", "POST"])
@requires(Cap.HEALTH_SERVICES)
def nfpcp_targets(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    current = services.targets_for(user.org_unit)
    initial_instance = current if current.pk and current.org_unit_id == user.org_unit.pk else None
    form = TargetsForm(
        request.POST or None,
        instance=initial_instance or None,
        initial=(
            None if initial_instance else {f: getattr(current, f) for f in TargetsForm.Meta.fields}
        ),
    )
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in TargetsForm.Meta.fields}
        try:
            services.nfpcp_targets_save(unit=user.org_unit, values=values, actor=user)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("指标目标已保存。"))
            return redirect("programmes:nfpcp_indicators")
    return render(request, "programmes/nfpcp_targets.html", {"form": form, "unit": user.org_unit})


urlpatterns = [
    path("nfpcp/", nfpcp_list, name="nfpcp_list"),
    path("nfpcp/register/", nfpcp_register, name="nfpcp_register"),
    path("nfpcp/import/", nfpcp_import, name="nfpcp_import"),
    path("nfpcp/indicators/", nfpcp_indicators, name="nfpcp_indicators"),
    path("nfpcp/targets/", nfpcp_targets, name="nfpcp_targets"),
    path("nfpcp/<int:pk>/", nfpcp_detail, name="nfpcp_detail"),
    path("nfpcp/<int:pk>/consent/", nfpcp_consent, name="nfpcp_consent"),
    path("nfpcp/<int:pk>/result/", nfpcp_result, name="nfpcp_result"),
    path("nfpcp/<int:pk>/assess/", nfpcp_assess, name="nfpcp_assess"),
    path("nfpcp/<int:pk>/refer/", nfpcp_refer, name="nfpcp_refer"),
    path("nfpcp/<int:pk>/withdraw/", nfpcp_withdraw, name="nfpcp_withdraw"),
    path("nfpcp/<int:pk>/slip/", nfpcp_slip, name="nfpcp_slip"),
    path("nfpcp/<int:pk>/notice/", nfpcp_notice, name="nfpcp_notice"),
    path("nfpcp/<int:pk>/followup/", nfpcp_followup, name="nfpcp_followup"),
]

ACCESS: dict[str, Rule] = {
    "programmes:nfpcp_list": Rule(roles=HEALTH),
    "programmes:nfpcp_register": Rule(roles=HEALTH),
    "programmes:nfpcp_import": Rule(roles=HEALTH),
    "programmes:nfpcp_indicators": Rule(roles=TOWNSHIP_UP),
    "programmes:nfpcp_targets": Rule(roles=HEALTH),
    "programmes:nfpcp_detail": Rule(roles=HEALTH, obj="nfpcp"),
    "programmes:nfpcp_consent": Rule(roles=HEALTH, obj="nfpcp", method="POST"),
    "programmes:nfpcp_result": Rule(roles=HEALTH, obj="nfpcp", method="POST"),
    "programmes:nfpcp_assess": Rule(roles=HEALTH, obj="nfpcp", method="POST"),
    "programmes:nfpcp_refer": Rule(roles=HEALTH, obj="nfpcp", method="POST"),
    "programmes:nfpcp_withdraw": Rule(roles=HEALTH, obj="nfpcp", method="POST"),
    "programmes:nfpcp_slip": Rule(roles=HEALTH, obj="nfpcp"),
    "programmes:nfpcp_notice": Rule(roles=HEALTH, obj="nfpcp"),
    "programmes:nfpcp_followup": Rule(roles=BUSINESS_ROLES, obj="nfpcp"),
}
