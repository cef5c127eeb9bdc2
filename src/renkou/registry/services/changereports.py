"""Village change reports (月报告单): filing, review, and the monthly submit/lock cycle.

A village officer files a report for their own village; the township clerk accepts it
(the register changes in the same transaction) or returns it with a reason. Each
village month is a ReportPeriod: submitted by the officer by the 3rd of the next month,
then locked by the clerk. A report for a locked month becomes a dated amendment filed
in the current open month, never an edit of the locked one.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, User
from renkou.core.roles import Cap, has_cap
from renkou.core.scoping import unit_in_scope
from renkou.registry import identity
from renkou.registry.models import ChangeReport, ReportPeriod
from renkou.registry.services.changereport_apply import report_apply
from renkou.registry.services.changereport_checks import ReportInput, report_check

SUBMIT_DAY = 3  # the township meeting collects the month's reports by the 3rd


class ReportConflictError(Exception):
    """The report changed (accepted, returned, edited) since it was read: nothing written."""

    def __init__(self) -> None:
        super().__init__(_("该报告单已被他人处理或修改，请刷新后查看。"))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def period_deadline(period: ReportPeriod) -> dt.date:
    """The month must be submitted by the 3rd of the following month."""
    return next_month(period.month).replace(day=SUBMIT_DAY)


def period_is_late(period: ReportPeriod, *, today: dt.date | None = None) -> bool:
    """Submitted after the deadline, or still not submitted once it has passed."""
    deadline = period_deadline(period)
    if period.submitted_at is not None:
        return timezone.localdate(period.submitted_at) > deadline
    if period.status == ReportPeriod.Status.LOCKED:
        return False
    return (today or timezone.localdate()) > deadline


def _require(actor: User, cap: Cap, unit: OrgUnit) -> None:
    if not has_cap(actor, cap) or not unit_in_scope(actor, unit):
        raise PermissionDenied


def _village_of(actor: User) -> OrgUnit:
    unit = actor.org_unit
    if unit.level != OrgUnit.Level.VILLAGE:
        raise ValidationError(_("只有村级账号可以填报月报告单。"), code="not_village")
    return unit


def _period_for(unit: OrgUnit, day: dt.date) -> ReportPeriod:
    # Row lock (PostgreSQL) so a lock and a filing into the same month serialise.
    period, _created = ReportPeriod.objects.select_for_update().get_or_create(
        org_unit=unit, month=month_start(day)
    )
    return period


def _place_in_period(report: ChangeReport, today: dt.date) -> None:
    """The event's month, or — when that month is locked — an amendment in the open month."""
    period = _period_for(report.org_unit, report.event_date)
    report.amends_period = None
    if period.status == ReportPeriod.Status.LOCKED:
        current = _period_for(report.org_unit, today)
        if current.status == ReportPeriod.Status.LOCKED:
            raise ValidationError(_("本月已锁定，无法补报，请联系乡镇。"), code="locked")
        report.amends_period, period = period, current
    report.period = period


def _fill(report: ChangeReport, data: ReportInput) -> None:
    report.kind = data.kind
    report.event_date = data.event_date
    report.subject, report.spouse = data.subject, data.spouse
    report.name, report.sex, report.birth_date = data.name.strip(), data.sex, data.birth_date
    report.mother, report.father = data.mother, data.father
    report.household, report.relation = data.household, data.relation
    report.place, report.place_code = data.place.strip(), data.place_code
    report.marriage_kind, report.note = data.marriage_kind, data.note.strip()
    info = data.derived.get("id_info")
    if info is not None:
        stored = identity.id_store(info)
        report.id_cipher, report.id_masked = stored.cipher, stored.masked
    else:
        report.id_cipher, report.id_masked = None, ""


def changereport_file(
    *, actor: User, data: ReportInput, today: dt.date | None = None
) -> ChangeReport:
    """File a report for the officer's own village; it waits for the clerk as 待审核."""
    today = today or timezone.localdate()
    unit = _village_of(actor)
    _require(actor, Cap.FILE_REPORTS, unit)
    report_check(data=data, actor=actor, unit=unit, today=today)
    report = ChangeReport(org_unit=unit, created_by=actor, status=ChangeReport.Status.SUBMITTED)
    _fill(report, data)
    with transaction.atomic():
        _place_in_period(report, today)
        report.save()
        audit_record(
            action="changereport.file",
            actor=actor,
            object_type="changereport",
            object_id=report.pk,
            detail={"kind": report.kind, "amends": report.amends_period_id},
        )
    return report


def changereport_resubmit(
    *,
    report: ChangeReport,
    expected_version: int,
    actor: User,
    data: ReportInput,
    today: dt.date | None = None,
) -> ChangeReport:
    """The officer corrects a returned report and sends it back for review."""
    today = today or timezone.localdate()
    _require(actor, Cap.FILE_REPORTS, report.org_unit)
    if report.status != ChangeReport.Status.RETURNED:
        raise ValidationError(_("只有已退回的报告单可以修改后重新提交。"), code="not_returned")
    if data.kind != report.kind:
        raise ValidationError({"kind": [_("不能更改报告类别，请重新填报。")]})
    if not data.id_number.strip() and report.id_cipher is not None:
        # The form never shows the stored number; left blank, it is kept as it was.
        data.id_number = identity.id_reveal(report.id_cipher)
    report_check(data=data, actor=actor, unit=report.org_unit, today=today)
    _fill(report, data)
    with transaction.atomic():
        _place_in_period(report, today)
        _bump(report, expected_version, ChangeReport.Status.RETURNED)
        report.status, report.reviewed_by, report.reviewed_at = (
            ChangeReport.Status.SUBMITTED,
            None,
            None,
        )
        report.save()
        audit_record(
            action="changereport.resubmit",
            actor=actor,
            object_type="changereport",
            object_id=report.pk,
        )
    return report


def _bump(report: ChangeReport, expected_version: int, expected_status: str) -> None:
    """Claim the report: bump its version only if nobody touched it since it was read."""
    if report.status != expected_status:
        raise ValidationError(
            _("该报告单当前状态为“%(s)s”，不能执行此操作。") % {"s": report.get_status_display()}
        )
    claimed = ChangeReport.objects.filter(
        pk=report.pk, version=expected_version, status=expected_status
    ).update(version=F("version") + 1)
    if claimed != 1:
        raise ReportConflictError
    report.version = expected_version + 1


def changereport_accept(
    *, report: ChangeReport, expected_version: int, actor: User
) -> ChangeReport:
    """Accept a pending report and apply it to the register, all in one transaction."""
    _require(actor, Cap.REVIEW_REPORTS, report.org_unit)
    with transaction.atomic():
        _bump(report, expected_version, ChangeReport.Status.SUBMITTED)
        report_apply(report=report, actor=actor)
        report.status = ChangeReport.Status.ACCEPTED
        report.reviewed_by, report.reviewed_at = actor, timezone.now()
        report.save(update_fields=["status", "reviewed_by", "reviewed_at", "result_person"])
        audit_record(
            action="changereport.accept",
            actor=actor,
            object_type="changereport",
            object_id=report.pk,
            detail={"kind": report.kind, "person": report.result_person_id},
        )
    return report


def changereport_return(
    *, report: ChangeReport, expected_version: int, actor: User, reason: str
) -> ChangeReport:
    """Send a pending report back to the officer with the reason to correct."""
    _require(actor, Cap.REVIEW_REPORTS, report.org_unit)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写退回原因。")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("退回原因不能超过500字。")]})
    with transaction.atomic():
        _bump(report, expected_version, ChangeReport.Status.SUBMITTED)
        report.status, report.return_reason = ChangeReport.Status.RETURNED, reason
        report.reviewed_by, report.reviewed_at = actor, timezone.now()
        report.save(update_fields=["status", "return_reason", "reviewed_by", "reviewed_at"])
        audit_record(
            action="changereport.return",
            actor=actor,
            object_type="changereport",
            object_id=report.pk,
        )
    return report


def period_submit(*, actor: User, month: dt.date, today: dt.date | None = None) -> ReportPeriod:
    """The officer submits their village's month (late submissions are flagged, not refused)."""
    today = today or timezone.localdate()
    unit = _village_of(actor)
    _require(actor, Cap.FILE_REPORTS, unit)
    month = month_start(month)
    if month > month_start(today):
        raise ValidationError(_("不能上报未来的月份。"), code="future_month")
    with transaction.atomic():
        period = _period_for(unit, month)
        if period.status != ReportPeriod.Status.OPEN:
            raise ValidationError(_("该月已上报，无需重复上报。"), code="already_submitted")
        period.status, period.submitted_at, period.submitted_by = (
            ReportPeriod.Status.SUBMITTED,
            timezone.now(),
            actor,
        )
        period.save(update_fields=["status", "submitted_at", "submitted_by"])
        late = period_is_late(period, today=today)
        audit_record(
            action="period.submit",
            actor=actor,
            object_type="period",
            object_id=period.pk,
            detail={"month": f"{month:%Y-%m}", "late": late},
        )
    return period


def period_lock(*, actor: User, unit: OrgUnit, month: dt.date) -> ReportPeriod:
    """The clerk locks a village month once none of its reports is still 待审核."""
    _require(actor, Cap.REVIEW_REPORTS, unit)
    if unit.level != OrgUnit.Level.VILLAGE:
        raise ValidationError(_("只能锁定村的月份。"), code="not_village")
    month = month_start(month)
    with transaction.atomic():
        period = _period_for(unit, month)
        if period.status == ReportPeriod.Status.LOCKED:
            raise ValidationError(_("该月已锁定。"), code="already_locked")
        if period.reports.filter(status=ChangeReport.Status.SUBMITTED).exists():
            raise ValidationError(_("该月还有待审核的报告单，审核完毕后才能锁定。"), code="pending")
        locked = ReportPeriod.objects.filter(pk=period.pk).exclude(
            status=ReportPeriod.Status.LOCKED
        )
        if locked.update(status=ReportPeriod.Status.LOCKED, locked_at=timezone.now()) != 1:
            raise ValidationError(_("该月已锁定。"), code="already_locked")
        period.refresh_from_db()
        audit_record(
            action="period.lock",
            actor=actor,
            object_type="period",
            object_id=period.pk,
            detail={"month": f"{month:%Y-%m}", "unit": unit.code},
        )
    return period
