"""The monthly comparison report (比对报告): page, Excel export, print layout; and the
button that runs the month's comparison in the background."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from renkou.core.access import TOWNSHIP_UP, Rule
from renkou.core.audit import audit_record
from renkou.core.intake import IntakeError
from renkou.core.models import Role, User
from renkou.core.roles import Cap, has_cap, requires
from renkou.core.spreadsheets import Sheet, xlsx_bytes, xlsx_response
from renkou.exchange.jobs import reconcile_queue
from renkou.exchange.models import Job
from renkou.exchange.monthly_report import (
    MonthlyReport,
    ReportLine,
    monthly_report,
    report_unit,
)
from renkou.exchange.services import parse_month


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _month(request: HttpRequest) -> dt.date:
    raw = request.GET.get("month", "")
    try:
        return parse_month(raw)
    except IntakeError:
        first = timezone.localdate().replace(day=1)
        return (first - dt.timedelta(days=1)).replace(day=1)


def _report(request: HttpRequest, action: str) -> MonthlyReport:
    """The report of the month and unit asked for (``?month=YYYY-MM&unit=<pk>``: the
    county opening one of its townships), audited."""
    user = _user(request)
    unit = report_unit(user=user, pk=request.GET.get("unit", ""))
    report = monthly_report(user=user, month=_month(request), unit=unit)
    audit_record(action=f"report.comparison.{action}", request=request,
                 detail={"month": f"{report.month:%Y-%m}", "unit": unit.code})  # fmt: skip
    return report


def _context(request: HttpRequest, report: MonthlyReport) -> dict[str, object]:
    user = _user(request)
    running = Job.objects.filter(
        kind=Job.Kind.RECONCILE, month=report.month, org_unit=user.org_unit,
        status__in=(Job.Status.QUEUED, Job.Status.RUNNING),
    ).first()  # fmt: skip
    own = report.unit.pk == user.org_unit_id
    return {
        "report": report,
        "month": f"{report.month:%Y-%m}",
        # The same report on the page, in print and in Excel: the unit travels along.
        "query": urlencode({"month": f"{report.month:%Y-%m}",
                            **({} if own else {"unit": report.unit.pk})}),
        "can_run": has_cap(user, Cap.IMPORT_DATA) and own,
        "running": running,
    }  # fmt: skip


@require_http_methods(["GET"])
@requires(Cap.EXPORT_DATA)
def report_page(request: HttpRequest) -> HttpResponse:
    report = _report(request, "view")
    return render(request, "exchange/report.html", _context(request, report))


@require_http_methods(["GET"])
@requires(Cap.EXPORT_DATA)
def report_print(request: HttpRequest) -> HttpResponse:
    report = _report(request, "print")
    return render(request, "exchange/report_print.html", _context(request, report))


def _line_cells(line: ReportLine) -> list[object]:
    return [line.kind_label, line.township, line.village, *line.counts]


@require_http_methods(["GET"])
@requires(Cap.EXPORT_DATA)
def report_xlsx(request: HttpRequest) -> HttpResponse:
    report = _report(request, "export")
    class_labels = [label for _, label in report.classes]
    headers = [
        _("部门"), _("乡镇"), _("村居"), _("收到"), _("自动匹配"), _("审核后匹配"), _("待审核"),
        _("未匹配"), *class_labels, _("未销号"), _("已销号"),
    ]  # fmt: skip
    rows = [_line_cells(line) for line in report.lines]
    targets = [
        [t.label, t.target_percent, t.numerator, t.denominator, t.percent,
         "—" if t.met is None else (_("达标") if t.met else _("未达标"))]
        for t in report.targets
    ]  # fmt: skip
    title = _("%(month)s 部门数据比对报告") % {"month": f"{report.month:%Y-%m}"}
    title = f"{report.unit.name} {title}"
    content, _written = xlsx_bytes(
        [
            Sheet(title=_("比对报告"), headers=headers, rows=rows, preamble=[[title]],
                  text_columns=(1, 2, 3)),
            Sheet(title=_("县级指标"), headers=[_("指标"), _("目标"), _("分子"), _("分母"),
                                                _("实际"), _("结论")], rows=targets),
        ]
    )  # fmt: skip
    return xlsx_response(content, f"comparison-{report.month:%Y%m}-{report.unit.code}")


@require_POST
@requires(Cap.IMPORT_DATA)
def reconcile_start(request: HttpRequest) -> HttpResponse:
    """Queue the month's comparison of the user's unit (a township's own files, or
    every file for the county)."""
    user = _user(request)
    raw = request.POST.get("month", "")
    try:
        job = reconcile_queue(actor=user, month=raw or f"{_month(request):%Y-%m}")
    except IntakeError as exc:
        messages.error(request, str(exc))
        return redirect("exchange:report")
    except PermissionDenied:
        raise
    messages.info(request, _("比对已提交后台处理。"))
    return redirect("exchange:job", pk=job.pk)


urlpatterns = [
    path("report/", report_page, name="report"),
    path("report/print/", report_print, name="report_print"),
    path("report/export.xlsx", report_xlsx, name="report_xlsx"),
    path("reconcile/", reconcile_start, name="reconcile_start"),
]

ACCESS: dict[str, Rule] = {
    "exchange:report": Rule(roles=TOWNSHIP_UP),
    "exchange:report_print": Rule(roles=TOWNSHIP_UP),
    "exchange:report_xlsx": Rule(roles=TOWNSHIP_UP),
    "exchange:reconcile_start": Rule(
        roles=frozenset({Role.TOWNSHIP_CLERK, Role.COUNTY_OFFICER}), method="POST"
    ),
}
