"""The monthly cycle: the officer submits the village month, the clerk locks it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from renkou.registry.models import ChangeReport, ReportPeriod
from renkou.registry.services.changereports import (
    changereport_accept,
    changereport_resubmit,
    changereport_return,
    month_start,
    period_deadline,
    period_is_late,
    period_lock,
    period_submit,
)
from tests.changereport_factories import birth_input, file_birth, make_family
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def _last_month() -> dt.date:
    return month_start(month_start(dt.date.today()) - dt.timedelta(days=1))


def test_deadline_is_the_third_of_the_next_month(cast: Cast) -> None:
    period = ReportPeriod(org_unit=cast.village, month=dt.date(2026, 12, 1))
    assert period_deadline(period) == dt.date(2027, 1, 3)
    assert not period_is_late(period, today=dt.date(2027, 1, 3))
    assert period_is_late(period, today=dt.date(2027, 1, 4))


def test_submit_on_time_and_late(cast: Cast) -> None:
    officer = cast.users["officer"]
    current = period_submit(actor=officer, month=dt.date.today())
    assert current.status == ReportPeriod.Status.SUBMITTED
    assert current.submitted_by == officer
    assert not period_is_late(current)
    old = period_submit(
        actor=officer, month=dt.date(2026, 1, 1)
    )  # long overdue: flagged, not refused
    assert old.status == ReportPeriod.Status.SUBMITTED
    assert period_is_late(old)


def test_submit_refusals(cast: Cast) -> None:
    officer = cast.users["officer"]
    with pytest.raises(ValidationError):
        period_submit(actor=officer, month=month_start(dt.date.today()) + dt.timedelta(days=40))
    period_submit(actor=officer, month=_last_month())
    with pytest.raises(ValidationError):
        period_submit(actor=officer, month=_last_month())
    with pytest.raises(ValidationError):
        period_submit(actor=cast.users["clerk"], month=_last_month())  # not a village account


def test_lock_waits_for_pending_reports(cast: Cast) -> None:
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    event = _last_month() + dt.timedelta(days=10)
    report = file_birth(officer, make_family(cast.village), event_date=event)
    period_submit(actor=officer, month=event)
    with pytest.raises(ValidationError) as exc:
        period_lock(actor=clerk, unit=cast.village, month=event)
    assert "待审核" in exc.value.messages[0]
    changereport_accept(report=report, expected_version=report.version, actor=clerk)
    period = period_lock(actor=clerk, unit=cast.village, month=event)
    assert period.status == ReportPeriod.Status.LOCKED
    assert period.locked_at is not None
    with pytest.raises(ValidationError):
        period_lock(actor=clerk, unit=cast.village, month=event)


def test_lock_scope(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        period_lock(actor=cast.users["other_clerk"], unit=cast.village, month=_last_month())
    with pytest.raises(PermissionDenied):
        period_lock(actor=cast.users["officer"], unit=cast.village, month=_last_month())
    with pytest.raises(ValidationError):
        period_lock(actor=cast.users["clerk"], unit=cast.township, month=_last_month())


def test_report_after_lock_is_an_amendment(cast: Cast) -> None:
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    event = _last_month() + dt.timedelta(days=5)
    locked = period_lock(actor=clerk, unit=cast.village, month=event)
    report = file_birth(officer, make_family(cast.village), event_date=event)
    assert report.amends_period == locked
    assert report.period.month == month_start(timezone.localdate())
    assert report.period.status == ReportPeriod.Status.OPEN
    locked.refresh_from_db()
    assert locked.status == ReportPeriod.Status.LOCKED
    assert not locked.reports.exists()


def test_resubmit_into_a_locked_month_becomes_an_amendment(cast: Cast) -> None:
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    family = make_family(cast.village)
    event = _last_month() + dt.timedelta(days=5)
    report = file_birth(officer, family, event_date=event)
    changereport_return(report=report, expected_version=report.version, actor=clerk, reason="核实")
    locked = period_lock(actor=clerk, unit=cast.village, month=event)  # nothing 待审核 any more
    changereport_resubmit(
        report=report,
        expected_version=report.version,
        actor=officer,
        data=birth_input(family, event_date=event),
    )
    report.refresh_from_db()
    assert report.amends_period == locked
    assert report.status == ChangeReport.Status.SUBMITTED


def test_when_both_months_are_locked_filing_is_refused(cast: Cast) -> None:
    clerk = cast.users["clerk"]
    period_lock(actor=clerk, unit=cast.village, month=dt.date.today())
    with pytest.raises(ValidationError):
        file_birth(cast.users["officer"], make_family(cast.village), event_date=dt.date.today())
    assert not ChangeReport.objects.exists()
