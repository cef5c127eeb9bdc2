"""Writes for campaigns. Each checks the capability and the scope, runs in one
transaction and leaves an audit row; targets' work goes through the worklists services.

Freezing the list (campaign_start) is three INSERT … SELECT statements (work items,
their "opened" events, CampaignTarget rows) in one transaction with one audit row: no
person passes through Python, whatever the size of the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from renkou.core.audit import audit_record
from renkou.core.db import refresh_planner_stats
from renkou.core.models import OrgUnit, User
from renkou.core.roles import Cap, has_cap
from renkou.core.scoping import unit_in_scope
from renkou.programmes.campaigns.coverage import snapshot_take
from renkou.programmes.campaigns.rules import campaign_units, rule_queryset
from renkou.programmes.models import (
    Campaign,
    CampaignTarget,
    CoverageSnapshot,
    MopUpRound,
    Residence,
)
from renkou.programmes.models.campaigns import CAMPAIGN_KIND
from renkou.registry.models import Person
from renkou.registry.models.codes import HukouType, MaritalStatus, Sex
from renkou.worklists.models import WorkItem, WorkItemEvent
from renkou.worklists.services import (
    workitem_open,
    workitems_bulk_redate,
    workitems_open_for_persons,
)

MAX_AGE = 120


def _require(actor: User, cap: Cap) -> None:
    if not has_cap(actor, cap):
        raise PermissionDenied(_("没有权限。"))


def _require_scope(actor: User, unit: OrgUnit) -> None:
    if not unit_in_scope(actor, unit):
        raise PermissionDenied(_("该单位不在您的管辖范围内。"))


@dataclass
class CampaignData:
    name: str
    period_start: dt.date
    period_end: dt.date
    reference_date: dt.date
    template: str = ""
    sex: str = ""
    age_min: int | None = None
    age_max: int | None = None
    marital_statuses: list[str] = field(default_factory=list)
    hukou_types: list[str] = field(default_factory=list)
    residence: str = Residence.ANY
    villages: list[OrgUnit] = field(default_factory=list)
    description: str = ""


def _validate(data: CampaignData, unit: OrgUnit) -> None:
    """The rule's own checks (forms repeat them field by field for the clerk)."""
    errors: list[str] = []
    if not data.name.strip():
        errors.append(_("请填写活动名称。"))
    if data.period_end < data.period_start:
        errors.append(_("结束日期不能早于开始日期。"))
    ages = [a for a in (data.age_min, data.age_max) if a is not None]
    if any(a < 0 or a > MAX_AGE for a in ages):
        errors.append(_("年龄须在 0–120 岁之间。"))
    if data.age_min is not None and data.age_max is not None and data.age_min > data.age_max:
        errors.append(_("最小年龄不能大于最大年龄。"))
    if data.sex not in ("", *Sex.values):
        errors.append(_("性别无效。"))
    if set(data.marital_statuses) - set(MaritalStatus.values):
        errors.append(_("婚姻状况无效。"))
    if set(data.hukou_types) - set(HukouType.values):
        errors.append(_("户口性质无效。"))
    if data.residence not in Residence.values:
        errors.append(_("户籍与居住条件无效。"))
    for village in data.villages:
        if not village.path.startswith(unit.path) or village.level != OrgUnit.Level.VILLAGE:
            errors.append(_("所选村居不在本单位范围内。"))
            break
    if errors:
        raise ValidationError(errors)


def campaign_create(*, data: CampaignData, actor: User) -> Campaign:
    """A draft campaign of the actor's own unit; its list is frozen by campaign_start."""
    _require(actor, Cap.MANAGE_CAMPAIGNS)
    unit = actor.org_unit
    _validate(data, unit)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=data.name.strip(),
            template=data.template,
            org_unit=unit,
            period_start=data.period_start,
            period_end=data.period_end,
            reference_date=data.reference_date,
            sex=data.sex,
            age_min=data.age_min,
            age_max=data.age_max,
            marital_statuses=sorted(data.marital_statuses),
            hukou_types=sorted(data.hukou_types),
            residence=data.residence,
            description=data.description.strip(),
            created_by=actor,
        )
        campaign.villages.set(data.villages)
        audit_record(
            action="campaign.create",
            actor=actor,
            object_type="campaign",
            object_id=campaign.pk,
            detail={"template": data.template, "villages": len(data.villages)},
        )
    return campaign


def _village_map(campaign: Campaign) -> dict[int, int]:
    """Every unit under the campaign's units → the village its items belong to."""
    result: dict[int, int] = {}
    units = campaign_units(campaign)
    rows = OrgUnit.objects.none()
    for unit in units:
        rows |= OrgUnit.objects.filter(path__startswith=unit.path)
    for pk, level, parent_id in rows.values_list("pk", "level", "parent_id"):
        result[pk] = parent_id if level == OrgUnit.Level.GROUP and parent_id else pk
    return result


def _title(campaign: Campaign, name: str) -> str:
    return f"{campaign.name}：{name}"[:200]


def _insert_day_one_targets(campaign: Campaign, opened_at: dt.datetime, actor: User) -> None:
    """One CampaignTarget per item just opened for the campaign (INSERT … SELECT)."""
    target, item = CampaignTarget._meta, WorkItem._meta
    at = connection.ops.adapt_datetimefield_value(opened_at)
    ts = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
    sql = f"""
        INSERT INTO {target.db_table} (campaign_id, person_id, village_id, work_item_id,
            on_day_one, added_at, added_by_id, reason)
        SELECT %s, subject_person_id, org_unit_id, id, %s, {ts}, %s, ''
        FROM {item.db_table} WHERE source = %s AND opened_at = %s ORDER BY id
    """  # noqa: S608 - table names from the models, values as parameters
    params = [campaign.pk, True, at, actor.pk, campaign.source, at]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def campaign_start(*, campaign: Campaign, actor: User) -> int:
    """Freeze the target list (day 1) and open one work item per target; refused twice."""
    _require(actor, Cap.MANAGE_CAMPAIGNS)
    _require_scope(actor, campaign.org_unit)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != Campaign.Status.DRAFT:
            raise ValidationError(_("该活动的名单已冻结，不能再次开始。"))
        count, opened_at = workitems_open_for_persons(
            kind=CAMPAIGN_KIND.code,
            persons=rule_queryset(locked, user=actor),
            title_prefix=f"{locked.name}：",
            source=locked.source,
            due_date=locked.period_end,
            actor=actor,
        )
        _insert_day_one_targets(locked, opened_at, actor)
        now = opened_at
        locked.status, locked.started_at, locked.started_by = Campaign.Status.STARTED, now, actor
        locked.day_one_count = count
        locked.save(update_fields=["status", "started_at", "started_by", "day_one_count"])
        snapshot_take(locked, reason=CoverageSnapshot.Reason.FREEZE)
        refresh_planner_stats(WorkItem, WorkItemEvent, CampaignTarget)
        audit_record(
            action="campaign.start",
            actor=actor,
            object_type="campaign",
            object_id=locked.pk,
            detail={"targets": count},
        )
    campaign.refresh_from_db()
    return count


def _require_started(campaign: Campaign) -> None:
    if campaign.status != Campaign.Status.STARTED:
        raise ValidationError(_("只有进行中的活动可以办理此项。"))


def campaign_add_target(
    *, campaign: Campaign, person: Person, reason: str, actor: User
) -> CampaignTarget:
    """Add a person after the list froze (not on the day-1 list): who, when and why."""
    _require(actor, Cap.MANAGE_CAMPAIGNS)
    _require_scope(actor, campaign.org_unit)
    _require_scope(actor, person.org_unit)
    _require_started(campaign)
    if not reason.strip():
        raise ValidationError(_("请写明补充理由。"))
    if not any(person.org_unit.path.startswith(u.path) for u in campaign_units(campaign)):
        raise ValidationError(_("此人不在本活动的村居范围内。"))
    if person.status != Person.Status.ACTIVE:
        raise ValidationError(_("此人已出队。"))
    if CampaignTarget.objects.filter(campaign=campaign, person=person).exists():
        raise ValidationError(_("此人已在活动名单中。"))
    village_id = _village_map(campaign).get(person.org_unit_id, person.org_unit_id)
    village = OrgUnit.objects.get(pk=village_id)
    try:
        with transaction.atomic():
            item = workitem_open(
                kind=CAMPAIGN_KIND.code,
                org_unit=village,
                title=_title(campaign, person.name),
                due_date=campaign.period_end,
                source=campaign.source,
                subject_person=person,
                actor=actor,
            )
            target = CampaignTarget.objects.create(
                campaign=campaign,
                person=person,
                village=village,
                work_item=item,
                on_day_one=False,
                added_at=timezone.now(),
                added_by=actor,
                reason=reason.strip(),
            )
            audit_record(
                action="campaign.add_target",
                actor=actor,
                object_type="campaign",
                object_id=campaign.pk,
                detail={"target": target.pk},
            )
    except IntegrityError as exc:  # a concurrent addition of the same person
        raise ValidationError(_("此人已在活动名单中。")) from exc
    return target


def campaign_snapshot(
    *, campaign: Campaign, actor: User, reason: str = CoverageSnapshot.Reason.DISPATCH
) -> CoverageSnapshot:
    """Record today's coverage (a dispatch meeting's figure)."""
    _require(actor, Cap.MANAGE_CAMPAIGNS)
    _require_scope(actor, campaign.org_unit)
    _require_started(campaign)
    with transaction.atomic():
        snap = snapshot_take(campaign, reason=reason)
        audit_record(
            action="campaign.snapshot",
            actor=actor,
            object_type="campaign",
            object_id=campaign.pk,
            detail={"reason": reason},
        )
    return snap


def _insert_round_members(mopup: MopUpRound) -> int:
    """Record the round's members: the campaign's targets whose item is open now."""
    through, target, item = (
        MopUpRound.targets.through._meta,
        CampaignTarget._meta,
        WorkItem._meta,
    )
    sql = f"""
        INSERT INTO {through.db_table} (mopupround_id, campaigntarget_id)
        SELECT %s, t.id FROM {target.db_table} t JOIN {item.db_table} w ON w.id = t.work_item_id
        WHERE t.campaign_id = %s AND w.status = %s ORDER BY t.id
    """  # noqa: S608 - table names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [mopup.pk, mopup.campaign_id, WorkItem.Status.OPEN.value])
        return int(cursor.rowcount)


def campaign_mopup(*, campaign: Campaign, due_date: dt.date, actor: User) -> MopUpRound:
    """Start the next mop-up round (补漏): every outstanding item gets `due_date`."""
    _require(actor, Cap.MANAGE_CAMPAIGNS)
    _require(actor, Cap.ASSIGN_WORK)
    _require_scope(actor, campaign.org_unit)
    _require_started(campaign)
    if due_date < timezone.localdate():
        raise ValidationError(_("补漏期限不能早于今天。"))
    with transaction.atomic():
        Campaign.objects.select_for_update().get(pk=campaign.pk)
        number = (campaign.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
        mopup = MopUpRound.objects.create(
            campaign=campaign,
            number=number,
            started_at=timezone.now(),
            started_by=actor,
            due_date=due_date,
        )
        mopup.item_count = _insert_round_members(mopup)
        if not mopup.item_count:
            raise ValidationError(_("没有未销号的目标，无需补漏。"))
        mopup.save(update_fields=["item_count"])
        workitems_bulk_redate(
            items=WorkItem.objects.filter(campaign_target__rounds=mopup),
            due_date=due_date,
            actor=actor,
            note=_("第 %(n)s 轮补漏") % {"n": number},
        )
        snapshot_take(campaign, reason=CoverageSnapshot.Reason.MOPUP)
        audit_record(
            action="campaign.mopup",
            actor=actor,
            object_type="campaign",
            object_id=campaign.pk,
            detail={"round": number, "items": mopup.item_count, "due_date": due_date.isoformat()},
        )
    return mopup


def campaign_close(*, campaign: Campaign, actor: User) -> Campaign:
    """End the campaign: a last snapshot; open items stay open in the ledger."""
    _require(actor, Cap.MANAGE_CAMPAIGNS)
    _require_scope(actor, campaign.org_unit)
    _require_started(campaign)
    with transaction.atomic():
        snapshot_take(campaign, reason=CoverageSnapshot.Reason.CLOSE)
        campaign.status = Campaign.Status.CLOSED
        campaign.closed_at, campaign.closed_by = timezone.now(), actor
        campaign.save(update_fields=["status", "closed_at", "closed_by"])
        audit_record(
            action="campaign.close", actor=actor, object_type="campaign", object_id=campaign.pk
        )
    return campaign


def campaigns_snapshot_daily() -> int:
    """The daily figure of every running campaign (the `campaign_snapshot` command)."""
    count = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.STARTED).select_related(
        "org_unit"
    ):
        with transaction.atomic():
            snapshot_take(campaign, reason=CoverageSnapshot.Reason.DAILY)
        count += 1
    if count:
        audit_record(action="campaign.snapshot_daily", detail={"campaigns": count})
    return count
