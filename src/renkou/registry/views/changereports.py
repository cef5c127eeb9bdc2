"""Village change reports (月报告单): the officer files on a phone, the clerk reviews.

Also the monthly periods: the officer submits the village month, the clerk locks it.
Every object comes through the scoped selectors, so another village's report is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkou.core.access import BUSINESS_ROLES, Rule
from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, Role, User
from renkou.core.roles import Cap, has_cap, requires
from renkou.core.scoping import units_for_user
from renkou.registry.forms_changereports import ChangeReportForm, initial_from_report
from renkou.registry.models import ChangeReport, Person, ReportPeriod
from renkou.registry.selectors import (
    changereport_get_for_user,
    changereport_queryset_for_user,
    person_queryset_for_user,
)
from renkou.registry.services import changereports as svc

Kind = ChangeReport.Kind
Status = ChangeReport.Status
PAGE_SIZE = 50
PICKER_LIMIT = 20
OFFICERS = frozenset({Role.VILLAGE_OFFICER})
REVIEWERS = frozenset({Role.TOWNSHIP_CLERK, Role.TOWNSHIP_HEAD})


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _parse_month(raw: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime((raw or "").strip(), "%Y-%m").date()  # noqa: DTZ007 - a calendar month
    except ValueError:
        return None


def _last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _apply_errors(form: ChangeReportForm, exc: ValidationError) -> None:
    """Put the service's errors on the form fields they name (others on the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, messages_ in exc.message_dict.items():
        target = name if name in form.fields else None
        for message in messages_:
            form.add_error(target, message)


# --- lists -------------------------------------------------------------------------


def _filtered_reports(request: HttpRequest) -> tuple[QuerySet[ChangeReport], dict[str, str]]:
    reports = changereport_queryset_for_user(user=_user(request))
    filters = {k: request.GET.get(k, "").strip()[:10] for k in ("month", "status", "kind")}
    month = _parse_month(filters["month"])
    if month is not None:
        reports = reports.filter(period__month=month)
    if filters["status"] in Status.values:
        reports = reports.filter(status=filters["status"])
    if filters["kind"] in Kind.values:
        reports = reports.filter(kind=filters["kind"])
    pending_first = Case(
        When(status=Status.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    reports = reports.select_related("org_unit", "subject", "spouse", "period", "amends_period")
    return reports.order_by(pending_first, "-created_at", "-id"), filters


@require_GET
@requires(Cap.VIEW_REGISTER)
def report_list(request: HttpRequest) -> HttpResponse:
    reports, filters = _filtered_reports(request)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "kinds": Kind.choices, "statuses": Status.choices}
    return render(request, "registry/changereport_list.html", context)


# --- filing ------------------------------------------------------------------------


def _form_page(
    request: HttpRequest, form: ChangeReportForm | None, kind: str, **extra: Any
) -> HttpResponse:
    context = {"form": form, "kind": kind, "kinds": Kind.choices, **extra}
    if request.htmx and request.method == "GET":  # type: ignore[attr-defined]
        return render(request, "registry/_changereport_fields.html", context)
    return render(request, "registry/changereport_form.html", context)


@require_http_methods(["GET", "POST"])
@requires(Cap.FILE_REPORTS)
def report_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    kind = (request.POST.get("kind") if request.method == "POST" else request.GET.get("kind")) or ""
    if kind not in Kind.values:
        return _form_page(request, None, "")
    if request.method == "GET":
        return _form_page(request, ChangeReportForm(user=user, report_kind=kind), kind)
    form = ChangeReportForm(request.POST, user=user, report_kind=kind)
    if form.is_valid():
        try:
            report = svc.changereport_file(actor=user, data=form.to_input())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("报告单已提交，等待乡镇审核。"))
            if report.amends_period_id:
                messages.info(request, _("该月已锁定，本报告单作为补报单登记在本月。"))
            return redirect("registry:report_detail", pk=report.pk)
    return _form_page(request, form, kind)


@require_http_methods(["GET", "POST"])
@requires(Cap.FILE_REPORTS)
def report_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = changereport_get_for_user(user=user, pk=pk)
    if report.status != Status.RETURNED:
        messages.error(request, _("只有已退回的报告单可以修改后重新提交。"))
        return redirect("registry:report_detail", pk=report.pk)
    initial = initial_from_report(report)
    data = request.POST if request.method == "POST" else None
    form = ChangeReportForm(data, user=user, report_kind=report.kind, initial=initial)
    if report.id_masked and "id_number" in form.fields:
        form.fields["id_number"].required = False
        form.fields["id_number"].help_text = _("已填 %(masked)s，留空则保留。") % {
            "masked": report.id_masked
        }
    if data is not None and form.is_valid():
        try:
            version = int(request.POST.get("version", ""))
            svc.changereport_resubmit(
                report=report, expected_version=version, actor=user, data=form.to_input()
            )
        except (ValueError, svc.ReportConflictError):
            messages.error(request, _("该报告单已被他人处理或修改，请刷新后查看。"))
            return redirect("registry:report_detail", pk=report.pk)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("报告单已重新提交。"))
            return redirect("registry:report_detail", pk=report.pk)
    return _form_page(request, form, report.kind, report=report)


@require_GET
@requires(Cap.FILE_REPORTS)
def report_person_picker(request: HttpRequest) -> HttpResponse:
    """htmx: active persons in scope whose name starts with what the officer typed."""
    field = request.GET.get("field", "")
    if field not in ("subject", "spouse", "mother", "father"):
        field = "subject"
    query = request.GET.get(f"{field}_q", "").strip()[:20]
    persons: list[Person] = []
    # Names only: a typed number is never searched here, nor written to the audit log.
    if query and not any(ch.isdigit() for ch in query):
        people = person_queryset_for_user(user=_user(request)).filter(status=Person.Status.ACTIVE)
        if request.GET.get("sex") in ("M", "F"):
            people = people.filter(sex=request.GET["sex"])
        people = people.filter(name__startswith=query).select_related("org_unit")
        persons = list(people.order_by("name", "birth_date", "pk")[:PICKER_LIMIT])
        audit_record(
            action="person.search", request=request, detail={"q": query, "rows": len(persons)}
        )
    context = {"field": field, "persons": persons, "searched": bool(query)}
    return render(request, "registry/_changereport_person_picker.html", context)


# --- review ------------------------------------------------------------------------


@require_GET
@requires(Cap.VIEW_REGISTER)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = get_object_or_404(
        changereport_queryset_for_user(user=user).select_related(
            "org_unit",
            "period",
            "amends_period",
            "subject",
            "spouse",
            "mother",
            "father",
            "household",
            "created_by",
            "reviewed_by",
            "result_person",
        ),
        pk=pk,
    )
    audit_record(
        action="changereport.read", request=request, object_type="changereport", object_id=report.pk
    )
    context = {
        "changereport": report,
        "can_review": has_cap(user, Cap.REVIEW_REPORTS) and report.status == Status.SUBMITTED,
        "can_resubmit": has_cap(user, Cap.FILE_REPORTS) and report.status == Status.RETURNED,
    }
    return render(request, "registry/changereport_detail.html", context)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


@require_POST
@requires(Cap.REVIEW_REPORTS)
def report_accept(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = changereport_get_for_user(user=user, pk=pk)
    try:
        svc.changereport_accept(report=report, expected_version=_version(request), actor=user)
    except svc.ReportConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _("无法通过：%(why)s") % {"why": _("；").join(exc.messages)})
    else:
        messages.success(request, _("已通过，登记簿已更新。"))
    return redirect("registry:report_detail", pk=pk)


@require_POST
@requires(Cap.REVIEW_REPORTS)
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = changereport_get_for_user(user=user, pk=pk)
    try:
        svc.changereport_return(
            report=report,
            expected_version=_version(request),
            actor=user,
            reason=request.POST.get("reason", ""),
        )
    except svc.ReportConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _("；").join(exc.messages))
    else:
        messages.success(request, _("已退回村里修改。"))
    return redirect("registry:report_detail", pk=pk)


# --- periods -----------------------------------------------------------------------


def _period_rows(user: User, month: dt.date) -> list[dict[str, Any]]:
    """One row per village in scope: its period for `month` and its report counts."""
    villages = list(units_for_user(user).filter(level=OrgUnit.Level.VILLAGE).order_by("code"))
    ids = [v.pk for v in villages]
    periods = {
        p.org_unit_id: p for p in ReportPeriod.objects.filter(org_unit_id__in=ids, month=month)
    }
    counts = {
        row["period__org_unit"]: row
        for row in ChangeReport.objects.filter(period__org_unit_id__in=ids, period__month=month)
        .values("period__org_unit")
        .annotate(total=Count("id"), pending=Count("id", filter=Q(status=Status.SUBMITTED)))
    }
    today = timezone.localdate()
    rows = []
    for village in villages:
        period = periods.get(village.pk) or ReportPeriod(org_unit=village, month=month)
        count = counts.get(village.pk, {})
        rows.append(
            {
                "village": village,
                "period": period,
                "deadline": svc.period_deadline(period),
                "late": svc.period_is_late(period, today=today),
                "total": count.get("total", 0),
                "pending": count.get("pending", 0),
            }
        )
    return rows


@require_GET
@requires(Cap.VIEW_REGISTER)
def period_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    month = _parse_month(request.GET.get("month")) or _last_month()
    context = {
        "month": month,
        "rows": _period_rows(user, month),
        "can_submit": has_cap(user, Cap.FILE_REPORTS),
        "can_lock": has_cap(user, Cap.REVIEW_REPORTS),
    }
    return render(request, "registry/changereport_periods.html", context)


def _period_redirect(month: dt.date) -> HttpResponse:
    response = redirect("registry:period_list")
    response["Location"] += f"?month={month:%Y-%m}"
    return response


@require_POST
@requires(Cap.FILE_REPORTS)
def period_submit(request: HttpRequest) -> HttpResponse:
    month = _parse_month(request.POST.get("month")) or _last_month()
    try:
        period = svc.period_submit(actor=_user(request), month=month)
    except ValidationError as exc:
        messages.error(request, _("；").join(exc.messages))
    else:
        if svc.period_is_late(period):
            messages.warning(request, _("已上报（已超过每月3日的上报期限）。"))
        else:
            messages.success(request, _("已上报。"))
    return _period_redirect(month)


@require_POST
@requires(Cap.REVIEW_REPORTS)
def period_lock(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    village = get_object_or_404(units_for_user(user), pk=pk)
    month = _parse_month(request.POST.get("month")) or _last_month()
    try:
        svc.period_lock(actor=user, unit=village, month=month)
    except ValidationError as exc:
        messages.error(request, _("；").join(exc.messages))
    else:
        messages.success(
            request,
            _("%(village)s %(month)s 已锁定。")
            % {"village": village.name, "month": f"{month:%Y-%m}"},
        )
    return _period_redirect(month)


urlpatterns = [
    path("reports/", report_list, name="report_list"),
    path("reports/new/", report_new, name="report_new"),
    path("reports/persons/", report_person_picker, name="report_person_picker"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/accept/", report_accept, name="report_accept"),
    path("reports/<int:pk>/return/", report_return, name="report_return"),
    path("reports/<int:pk>/edit/", report_resubmit, name="report_resubmit"),
    path("periods/", period_list, name="period_list"),
    path("periods/submit/", period_submit, name="period_submit"),
    path("periods/<int:pk>/lock/", period_lock, name="period_lock"),
]
ACCESS = {
    "registry:report_list": Rule(roles=BUSINESS_ROLES),
    "registry:report_new": Rule(roles=OFFICERS),
    "registry:report_person_picker": Rule(roles=OFFICERS),
    "registry:report_detail": Rule(roles=BUSINESS_ROLES, obj="changereport"),
    "registry:report_accept": Rule(roles=REVIEWERS, obj="changereport", method="POST"),
    "registry:report_return": Rule(roles=REVIEWERS, obj="changereport", method="POST"),
    "registry:report_resubmit": Rule(roles=OFFICERS, obj="changereport"),
    "registry:period_list": Rule(roles=BUSINESS_ROLES),
    "registry:period_submit": Rule(roles=OFFICERS, method="POST"),
    "registry:period_lock": Rule(roles=REVIEWERS, obj="orgunit", method="POST"),
}
