"""Campaign services: the rule, the frozen day-1 list, coverage, mop-up, scoping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from renkou.core.models import AuditEvent
from renkou.programmes.campaigns.coverage import campaign_coverage, campaign_rounds
from renkou.programmes.campaigns.rules import rule_queryset
from renkou.programmes.campaigns.services import (
    campaign_add_target,
    campaign_close,
    campaign_create,
    campaign_mopup,
    campaign_snapshot,
    campaign_start,
    campaigns_snapshot_daily,
)
from renkou.programmes.models import Campaign, CampaignTarget, CoverageSnapshot
from renkou.registry.models import Person
from renkou.worklists.models import WorkItem, WorkItemEvent
from renkou.worklists.services import workitem_close, workitem_request_exemption
from tests.campaigns_factories import REF, screening_data, started_campaign, woman
from tests.conftest import Cast
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def _exempt(*, target: CampaignTarget, note: str, actor: Any) -> None:
    """The township approves an exemption: the ledger's own close (worklists)."""
    item = WorkItem.objects.get(pk=target.work_item_id)
    workitem_close(item=item, outcome="exempt", evidence="", note=note, actor=actor,
                   expected_version=item.version)  # fmt: skip


def _close(cast: Cast, target: CampaignTarget, outcome: str, who: str = "officer") -> None:
    item = WorkItem.objects.get(pk=target.work_item_id)
    workitem_close(
        item=item,
        outcome=outcome,
        evidence="已筛查" if outcome == "done" else "",
        note="本人不愿参加" if outcome != "done" else "",
        actor=cast.users[who],
        expected_version=item.version,
    )


def test_rule_selects_by_sex_and_age_at_the_reference_date(cast: Cast) -> None:
    v = cast.village
    inside = {
        woman(v, 35, name="满35").pk,  # 35th birthday on the reference date
        woman(v, 64, name="满64").pk,
        woman(v, 65, name="差一天65", days=-1).pk,  # turns 65 the day after: still 64
    }
    woman(v, 35, name="差一天35", days=-1)  # 34 on the reference date
    woman(v, 65, name="满65")  # 65 on the reference date
    make_person(org_unit=v, name="男", sex="M", birth_date=dt.date(1980, 1, 1))
    campaign = campaign_create(data=screening_data(), actor=cast.users["clerk"])
    picked = set(rule_queryset(campaign, user=cast.users["clerk"]).values_list("pk", flat=True))
    assert picked == inside


def test_rule_leaves_out_persons_who_left_and_other_villages(cast: Cast) -> None:
    woman(cast.village, 40)
    gone = woman(cast.village, 41)
    Person.objects.filter(pk=gone.pk).update(status=Person.Status.LEFT)
    woman(cast.other_village, 42)
    woman(cast.other_township_village, 43)
    data = screening_data(villages=[cast.village])
    campaign = campaign_create(data=data, actor=cast.users["clerk"])
    assert rule_queryset(campaign, user=cast.users["clerk"]).count() == 1


def test_rule_marital_hukou_and_inflow(cast: Cast) -> None:
    v = cast.village
    married = woman(v, 30, name="已婚")
    Person.objects.filter(pk=married.pk).update(marital_status="20", hukou_type="1")
    woman(v, 31, name="未说明")
    data = screening_data(age_min=20, age_max=49, marital_statuses=["20"], hukou_types=["1"])
    campaign = campaign_create(data=data, actor=cast.users["clerk"])
    assert list(rule_queryset(campaign, user=cast.users["clerk"])) == [married]
    migrant = make_person(
        org_unit=v, name="流入", sex="F", birth_date=dt.date(1990, 1, 1), hukou_unit=None
    )
    inflow = campaign_create(
        data=screening_data(sex="", age_min=15, age_max=59, residence="inflow"),
        actor=cast.users["clerk"],
    )
    assert list(rule_queryset(inflow, user=cast.users["clerk"])) == [migrant]


def test_freezing_opens_one_item_per_target_with_one_audit_row(cast: Cast) -> None:
    for age in (36, 45, 50):
        woman(cast.village, age)
    woman(cast.other_village, 40)
    before = AuditEvent.objects.filter(action="workitem.bulk_open").count()
    campaign = started_campaign(cast)
    assert campaign.status == Campaign.Status.STARTED
    assert campaign.day_one_count == 4
    targets = CampaignTarget.objects.filter(campaign=campaign)
    assert targets.count() == 4
    assert set(targets.values_list("village_id", flat=True)) == {
        cast.village.pk,
        cast.other_village.pk,
    }
    items = WorkItem.objects.filter(source=campaign.source)
    assert items.count() == 4
    assert set(items.values_list("kind", "status", "due_date")) == {
        ("campaign_target", "open", campaign.period_end)
    }
    assert WorkItemEvent.objects.filter(item__in=items, action="opened").count() == 4
    assert AuditEvent.objects.filter(action="workitem.bulk_open").count() == before + 1
    snap = CoverageSnapshot.objects.get(campaign=campaign)
    assert (snap.reason, snap.targets, snap.outstanding) == ("freeze", 4, 4)


def test_freezing_twice_is_refused_and_changes_nothing(cast: Cast) -> None:
    woman(cast.village, 40)
    campaign = started_campaign(cast)
    woman(cast.village, 41)  # would match now
    with pytest.raises(ValidationError):
        campaign_start(campaign=campaign, actor=cast.users["clerk"])
    assert CampaignTarget.objects.filter(campaign=campaign).count() == 1


def test_day_one_list_is_unchanged_by_additions_and_exemptions(cast: Cast) -> None:
    first = woman(cast.village, 40)
    campaign = started_campaign(cast)
    late = woman(cast.village, 50, name="新迁入")
    added = campaign_add_target(
        campaign=campaign, person=late, reason="新迁入", actor=cast.users["clerk"]
    )
    assert (added.on_day_one, added.added_by, added.reason) == (
        False,
        cast.users["clerk"],
        "新迁入",
    )
    target = CampaignTarget.objects.get(campaign=campaign, person=first)
    item = target.work_item
    workitem_request_exemption(
        item=item, reason="已在县医院筛查", actor=cast.users["officer"], expected_version=1
    )
    target.refresh_from_db()
    _exempt(target=target, note="", actor=cast.users["head"])
    day_one = CampaignTarget.objects.filter(campaign=campaign, on_day_one=True)
    assert list(day_one.values_list("person_id", flat=True)) == [first.pk]
    item.refresh_from_db()
    assert (item.outcome, item.approved_by) == ("exempt", cast.users["head"])
    with pytest.raises(ValidationError):  # already on the list
        campaign_add_target(
            campaign=campaign, person=late, reason="再加", actor=cast.users["clerk"]
        )


def test_add_target_refuses_bad_input(cast: Cast) -> None:
    woman(cast.village, 40)
    campaign = started_campaign(cast, villages=[cast.village])
    outside = woman(cast.other_village, 40)
    clerk = cast.users["clerk"]
    with pytest.raises(ValidationError):
        campaign_add_target(campaign=campaign, person=outside, reason="x", actor=clerk)
    fine = woman(cast.village, 44)
    with pytest.raises(ValidationError):
        campaign_add_target(campaign=campaign, person=fine, reason="  ", actor=clerk)
    far = woman(cast.other_township_village, 40)
    with pytest.raises(PermissionDenied):
        campaign_add_target(campaign=campaign, person=far, reason="x", actor=clerk)
    with pytest.raises(PermissionDenied):
        campaign_add_target(campaign=campaign, person=fine, reason="x", actor=cast.users["head"])
    assert CampaignTarget.objects.filter(campaign=campaign).count() == 1


def test_coverage_counts_declined_as_closed_and_exemptions_off_the_base(cast: Cast) -> None:
    people = [woman(cast.village, 36 + i) for i in range(5)]
    woman(cast.other_village, 40)
    campaign = started_campaign(cast)
    t = {p.pk: CampaignTarget.objects.get(campaign=campaign, person=p) for p in people}
    _close(cast, t[people[0].pk], "done")
    _close(cast, t[people[1].pk], "done")
    _close(cast, t[people[2].pk], "declined")
    _exempt(target=t[people[3].pk], note="已在外地筛查", actor=cast.users["clerk"])
    cov = campaign_coverage(campaign)
    by_name = {r.name: r for r in cov.rows}
    row = by_name["大官庄村"]
    assert (row.targets, row.exempt, row.done, row.declined, row.outstanding) == (5, 1, 2, 1, 1)
    assert row.coverage == 50.0  # 2 ÷ (5 − 1)
    assert by_name["东王庄村"].coverage == 0.0
    assert (cov.total.targets, cov.total.done) == (6, 2)
    assert cov.total.coverage == 40.0  # 2 ÷ (6 − 1)
    assert (cov.day_one, cov.added) == (6, 0)


def test_an_exemption_without_a_reason_is_refused(cast: Cast) -> None:
    woman(cast.village, 40)
    campaign = started_campaign(cast)
    target = CampaignTarget.objects.get(campaign=campaign)
    with pytest.raises(ValidationError):
        _exempt(target=target, note="", actor=cast.users["clerk"])
    with pytest.raises(PermissionDenied):
        _exempt(target=target, note="理由", actor=cast.users["officer"])


def test_mopup_redates_outstanding_items_and_counts_per_round(cast: Cast) -> None:
    a, b, c = (woman(cast.village, age) for age in (40, 41, 42))
    campaign = started_campaign(cast)
    targets = {t.person_id: t for t in CampaignTarget.objects.filter(campaign=campaign)}
    _close(cast, targets[a.pk], "done")
    due = timezone.localdate() + dt.timedelta(days=10)
    first = campaign_mopup(campaign=campaign, due_date=due, actor=cast.users["clerk"])
    assert (first.number, first.item_count) == (1, 2)
    assert set(first.targets.values_list("person_id", flat=True)) == {b.pk, c.pk}
    items = WorkItem.objects.filter(source=campaign.source, status="open")
    assert set(items.values_list("due_date", flat=True)) == {due}
    assert WorkItemEvent.objects.filter(action="redated").count() == 2
    _close(cast, targets[b.pk], "done")
    second = campaign_mopup(campaign=campaign, due_date=due, actor=cast.users["clerk"])
    assert (second.number, second.item_count) == (2, 1)
    rounds = campaign_rounds(campaign)
    assert [(r.number, r.in_round, r.done, r.still_open) for r in rounds] == [
        (1, 2, 1, 1),
        (2, 1, 0, 1),
    ]
    reasons = list(
        CoverageSnapshot.objects.filter(campaign=campaign).values_list("reason", flat=True)
    )
    assert reasons == ["freeze", "mopup", "mopup"]
    with pytest.raises(ValidationError):
        campaign_mopup(
            campaign=campaign, due_date=REF - dt.timedelta(days=400), actor=cast.users["clerk"]
        )


def test_mopup_with_nothing_outstanding_is_refused(cast: Cast) -> None:
    a = woman(cast.village, 40)
    campaign = started_campaign(cast)
    _close(cast, CampaignTarget.objects.get(campaign=campaign, person=a), "declined")
    with pytest.raises(ValidationError):
        campaign_mopup(
            campaign=campaign,
            due_date=timezone.localdate() + dt.timedelta(days=3),
            actor=cast.users["clerk"],
        )
    assert not campaign.rounds.exists()


def test_snapshot_close_and_daily(cast: Cast) -> None:
    woman(cast.village, 40)
    campaign = started_campaign(cast)
    campaign_snapshot(campaign=campaign, actor=cast.users["clerk"])
    assert campaigns_snapshot_daily() == 1
    campaign_close(campaign=campaign, actor=cast.users["clerk"])
    assert campaigns_snapshot_daily() == 0
    reasons = list(
        CoverageSnapshot.objects.filter(campaign=campaign).values_list("reason", flat=True)
    )
    assert reasons == ["freeze", "dispatch", "daily", "close"]
    with pytest.raises(ValidationError):
        campaign_mopup(
            campaign=campaign,
            due_date=timezone.localdate() + dt.timedelta(days=3),
            actor=cast.users["clerk"],
        )


def test_scope_and_caps_of_the_services(cast: Cast) -> None:
    woman(cast.village, 40)
    campaign = campaign_create(data=screening_data(), actor=cast.users["clerk"])
    with pytest.raises(PermissionDenied):
        campaign_start(campaign=campaign, actor=cast.users["other_clerk"])
    with pytest.raises(PermissionDenied):
        campaign_start(campaign=campaign, actor=cast.users["head"])
    with pytest.raises(PermissionDenied):
        campaign_create(data=screening_data(), actor=cast.users["officer"])
    assert CampaignTarget.objects.count() == 0
    # The county runs a county-wide campaign over every township.
    woman(cast.other_township_village, 40)
    county = started_campaign(cast, actor=cast.users["county"])
    assert county.day_one_count == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"period_end": REF - dt.timedelta(days=1)}, "结束日期"),
        ({"age_min": 50, "age_max": 40}, "最小年龄"),
        ({"age_min": 200}, "0–120"),
        ({"sex": "X"}, "性别"),
        ({"marital_statuses": ["77"]}, "婚姻"),
        ({"name": "  "}, "名称"),
    ],
)
def test_create_refuses_a_bad_rule(cast: Cast, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        campaign_create(data=screening_data(**overrides), actor=cast.users["clerk"])
    assert message in " ".join(info.value.messages)
    assert not Campaign.objects.exists()


def test_create_refuses_villages_out_of_scope(cast: Cast) -> None:
    data = screening_data(villages=[cast.other_township_village])
    with pytest.raises(ValidationError):
        campaign_create(data=data, actor=cast.users["clerk"])
    assert not Campaign.objects.exists()
