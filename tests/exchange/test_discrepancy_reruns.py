"""One item per discrepancy (month, class, person, feed row), whatever re-runs and review
decisions happen: open or closed by a person — kept; closed by the system — reopened, the
same item; and the report counts each discrepancy once, with its current state."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from renkou.exchange.link_review import link_decide
from renkou.exchange.models import FeedLink
from renkou.exchange.monthly_report import monthly_report
from renkou.exchange.reconcile import ReconcileSummary, reconcile_month
from renkou.exchange.report_tally import tally_compute, tally_month_rebuild, tally_stored
from renkou.registry.models import Person
from renkou.worklists.models import WorkItem
from renkou.worklists.services import (
    workitem_close,
    workitem_open,
    workitem_reopen,
    workitem_request_exemption,
)
from tests.exchange.test_discrepancy_resolve import _resolve, cases  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
JAN = dt.date(2026, 1, 1)


def _rerun() -> ReconcileSummary:
    return reconcile_month(month="2026-01", actor=None)


def _one_item_per_discrepancy() -> None:
    keys = Counter(WorkItem.objects.filter(kind__startswith="discrepancy.").values_list(
        "source", "kind", "subject_person_id", "subject_ref"))  # fmt: skip
    assert max(keys.values()) == 1


def _counted(code: str) -> tuple[int, int]:
    """(open, closed) of a class in the county's report, all kinds added up."""
    report = monthly_report(user=_county(), month=JAN)
    totals = [x for x in report.lines if x.total]
    items = WorkItem.objects.filter(kind=f"discrepancy.{code}", source="reconcile:2026-01")
    opened = items.filter(status="open").count()
    assert sum(x.classes.get(code, 0) for x in totals) == items.count()
    assert tally_stored(JAN) == tally_compute(JAN)
    return opened, items.count() - opened


def _county() -> Any:
    from renkou.core.models import User

    return User.objects.get(username="county")


def _item(code: str, person: Person | None = None) -> WorkItem:
    items = WorkItem.objects.filter(kind=f"discrepancy.{code}")
    return items.get(subject_person=person) if person is not None else items.get()


def test_an_open_item_is_kept(cases: dict[str, Person]) -> None:  # noqa: F811
    before = set(WorkItem.objects.values_list("pk", "status"))
    summary = _rerun()
    assert (summary.items_opened, summary.items_reopened) == (0, 0)
    assert summary.items_existing == len(before)
    assert set(WorkItem.objects.values_list("pk", "status")) == before
    _one_item_per_discrepancy()


def test_a_persons_resolution_stands(cast: Any, cases: dict[str, Person]) -> None:  # noqa: F811
    item = _item("conflicting", cases["named"])
    _resolve(cast.users["clerk"], item, "register_right")
    summary = _rerun()
    item.refresh_from_db()
    assert (item.status, summary.items_opened, summary.items_reopened) == ("closed", 0, 0)
    assert _counted("conflicting") == (0, 1)
    _one_item_per_discrepancy()


def test_an_approved_exemption_stands(cast: Any, cases: dict[str, Person]) -> None:  # noqa: F811
    item = _item("separation")
    workitem_request_exemption(item=item, reason="已外出务工", actor=cast.users["officer"],
                               expected_version=item.version)  # fmt: skip
    item.refresh_from_db()
    workitem_close(item=item, outcome="exempt", evidence="", actor=cast.users["clerk"],
                   expected_version=item.version, note="同意免办")  # fmt: skip
    summary = _rerun()
    item.refresh_from_db()
    assert (item.status, item.outcome, summary.items_reopened) == ("closed", "exempt", 0)
    assert _counted("separation") == (0, 1)
    _one_item_per_discrepancy()


def test_the_spouses_item_closed_with_the_applied_marriage_stands(
    cast: Any,
    cases: dict[str, Person],  # noqa: F811
) -> None:
    husband = _item("marriage_not_reflected", cases["husband"])
    wife = _item("marriage_not_reflected", cases["wife"])
    _resolve(cast.users["clerk"], husband, "apply")
    wife.refresh_from_db()
    assert (wife.status, wife.closed_by) == ("closed", cast.users["clerk"])
    # Found again (the register is put back as it was): a person settled it, it stays.
    for person in (cases["husband"], cases["wife"]):
        Person.objects.filter(pk=person.pk).update(marital_status="10")
    summary = _rerun()
    assert summary.by_class["marriage_not_reflected"] == 2  # found again, both sides
    wife.refresh_from_db()
    assert (wife.status, summary.items_opened, summary.items_reopened) == ("closed", 0, 0)
    assert _counted("marriage_not_reflected") == (0, 2)
    _one_item_per_discrepancy()


def test_a_reopened_item_is_kept(cast: Any, cases: dict[str, Person]) -> None:  # noqa: F811
    item = _item("conflicting", cases["named"])
    _resolve(cast.users["clerk"], item, "register_right")
    item.refresh_from_db()
    workitem_reopen(item=item, reason="需再核实", actor=cast.users["clerk"])
    summary = _rerun()
    assert (summary.items_opened, summary.items_reopened) == (0, 0)
    assert _counted("conflicting") == (1, 0)
    _one_item_per_discrepancy()


def test_an_item_the_system_closed_is_reopened_when_found_again(
    cases: dict[str, Person],  # noqa: F811
) -> None:
    item = _item("should_have_left")
    # The system closed it (as it closes what a comparison finds settled) …
    workitem_close(item=item, outcome="resolved", evidence="", actor=None,
                   expected_version=item.version, note="比对发现已处理")  # fmt: skip
    assert _counted("should_have_left") == (0, 1)
    # … but the next comparison still finds 王五 active in the register.
    summary = _rerun()
    item.refresh_from_db()
    assert (item.status, item.outcome, item.closed_by) == ("open", "", None)
    assert (summary.items_opened, summary.items_reopened) == (0, 1)
    assert item.events.filter(action="reopened", actor=None).exists()
    assert "再次发现" in item.events.get(action="reopened").note
    assert _counted("should_have_left") == (1, 0)
    _one_item_per_discrepancy()


def _pending_pupil(cast: Any) -> FeedLink:
    """吴九, a new pupil the cascade leaves unlinked (漏登), offered by the probabilistic
    stage as a register 吴九 for review (made directly: the stage needs a trained model;
    the month is recounted from scratch after it)."""
    from tests.factories import make_person

    person = make_person(org_unit=cast.village, name="吴九", birth_date=dt.date(2015, 5, 5),
                         with_id=False)  # fmt: skip
    link = FeedLink.objects.get(run__is_latest=True, feed_row__name="吴九")
    FeedLink.objects.filter(pk=link.pk).update(
        person=person, review="pending", method="probabilistic", probability=0.85
    )
    tally_month_rebuild(JAN)
    return FeedLink.objects.select_related("feed_row__batch", "person__org_unit", "run").get(
        pk=link.pk
    )


def _decide(link: FeedLink, decision: str, who: Any) -> None:
    link.refresh_from_db()
    link_decide(link=link, decision=decision, actor=who, expected_review=link.review)


def test_review_decisions_close_and_reopen_the_same_item(
    cast: Any,
    cases: dict[str, Person],  # noqa: F811
) -> None:
    clerk = cast.users["clerk"]
    link = _pending_pupil(cast)
    missing = WorkItem.objects.get(kind="discrepancy.missing_person", subject_ref__endswith=str(
        link.feed_row_id))  # fmt: skip
    _decide(link, "confirmed", clerk)
    missing.refresh_from_db()
    # Closed by the system, on the reviewer's decision (the decision is the reviewer's).
    assert (missing.status, missing.closed_by) == ("closed", None)
    assert _counted("missing_person") == (0, 1)
    _decide(link, "rejected", clerk)  # not the same person: unlinked again
    missing.refresh_from_db()
    assert missing.status == "open"
    assert _counted("missing_person") == (1, 0)
    _decide(link, "confirmed", clerk)
    _decide(link, "pending", clerk)  # undone: the same item once more
    missing.refresh_from_db()
    assert missing.status == "open"
    assert missing.events.filter(action="reopened").count() == 2
    assert WorkItem.objects.filter(kind="discrepancy.missing_person").count() == 1
    _one_item_per_discrepancy()


def test_a_rerun_after_review_decisions_opens_nothing_twice(
    cast: Any,
    cases: dict[str, Person],  # noqa: F811
) -> None:
    clerk = cast.users["clerk"]
    link = _pending_pupil(cast)
    _decide(link, "confirmed", clerk)
    summary = _rerun()  # the decision stands: 漏登 stays closed
    assert (summary.items_opened, summary.items_reopened) == (0, 0)
    assert _counted("missing_person") == (0, 1)
    link = FeedLink.objects.select_related("feed_row__batch", "person__org_unit", "run").get(
        run__is_latest=True, feed_row__name="吴九"
    )
    _decide(link, "rejected", clerk)
    summary = _rerun()
    assert (summary.items_opened, summary.items_reopened) == (0, 0)
    assert _counted("missing_person") == (1, 0)
    _one_item_per_discrepancy()


def _police() -> tuple[int, int, int]:
    """The county report's police total: (应销未销 items, open, closed)."""
    report = monthly_report(user=_county(), month=JAN)
    assert tally_stored(JAN) == tally_compute(JAN)
    total = next(x for x in report.lines if x.total and x.kind == "police")
    return total.classes.get("should_have_left", 0), total.open, total.closed


def test_copies_left_by_earlier_versions_count_once(
    cases: dict[str, Person],  # noqa: F811
) -> None:
    """Before re-runs reopened items, a second item was opened beside the one the
    system had closed: the latest counts, and the next re-run adds no third."""
    assert _police() == (1, 2, 0)  # 王五 应销未销 and 张卫 错登, both open
    item = _item("should_have_left")
    workitem_close(item=item, outcome="resolved", evidence="", actor=None,
                   expected_version=item.version)  # fmt: skip
    copy = workitem_open(kind=item.kind, org_unit=item.org_unit, title=item.title,
                         source=item.source, subject_person=item.subject_person,
                         subject_ref=item.subject_ref)  # fmt: skip
    assert _police() == (1, 2, 0)
    tally_month_rebuild(JAN)
    assert _police() == (1, 2, 0)
    workitem_close(item=copy, outcome="resolved", evidence="", actor=None,
                   expected_version=copy.version)  # fmt: skip
    assert _police() == (1, 1, 1)
    summary = _rerun()
    copy.refresh_from_db()
    assert (copy.status, summary.items_opened, summary.items_reopened) == ("open", 0, 1)
    assert _police() == (1, 2, 0)
    item.refresh_from_db()
    assert item.status == "closed"  # the older copy is left as it was
    assert WorkItem.objects.filter(kind=item.kind).count() == 2


def test_the_upgrade_marks_review_closings_as_the_systems_and_places_old_links(
    cast: Any,
    cases: dict[str, Person],  # noqa: F811
) -> None:
    import importlib

    from django.apps import apps

    upgrade = importlib.import_module("renkou.exchange.migrations.0008_report_tallies")
    clerk = cast.users["clerk"]
    link = _pending_pupil(cast)
    missing = WorkItem.objects.get(kind="discrepancy.missing_person",
                                   subject_ref=f"feedrow:{link.feed_row_id}")  # fmt: skip
    # How a review decision closed it before: under the reviewer's name.
    workitem_close(item=missing, outcome="resolved", actor=clerk, expected_version=missing.version,
                   evidence=upgrade.REVIEW_EVIDENCE, note=upgrade.REVIEW_NOTE)  # fmt: skip
    resolved = _item("conflicting", cases["named"])
    _resolve(clerk, resolved, "register_right")
    FeedLink.objects.update(org_unit=None)  # links stored before they had a unit
    upgrade.review_closings_are_the_systems(apps, None)
    upgrade.place_links(apps, None)
    missing.refresh_from_db()
    resolved.refresh_from_db()
    assert (missing.closed_by, resolved.closed_by) == (None, clerk)
    placed = dict(FeedLink.objects.values_list("feed_row__name", "org_unit_id"))
    assert placed["吴九"] == cast.village.pk  # the candidate's unit
    assert placed["王五"] == cases["dead"].org_unit_id
    tally_month_rebuild(JAN)
    # Undoing the decision now reopens the item the review had closed.
    link = FeedLink.objects.select_related("feed_row__batch", "person__org_unit", "run").get(
        pk=link.pk
    )
    link_decide(link=link, decision="rejected", actor=clerk, expected_review="pending")
    missing.refresh_from_db()
    assert missing.status == "open"
    _one_item_per_discrepancy()
