"""Campaigns (活动): a target rule, a period, and a target list frozen when it starts.

Every target is a work item of the ledger (kind "campaign_target") plus a CampaignTarget
row saying whether the person was on the list on day 1 or added later (by whom, why).
Coverage snapshots keep the trend; mop-up rounds (补漏) re-date what is outstanding.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renkou.worklists.kinds import Origin, register_kind, register_origin
from renkou.worklists.outcomes import Outcome

CAMPAIGN_KIND = register_kind(
    code="campaign_target",
    label=_("活动目标"),
    allowed_outcomes=frozenset(
        {
            Outcome.DONE,
            Outcome.DECLINED,
            Outcome.EXEMPT,
            Outcome.MOVED,
            Outcome.DIED,
            Outcome.UNREACHABLE,
        }
    ),
)


def _origin(rest: str, user: Any) -> Origin | None:
    from renkou.programmes.campaigns.selectors import campaign_origin

    return campaign_origin(rest, user)


register_origin("campaign", _origin)


class Residence(models.TextChoices):
    """Where hukou and residence lie relative to the campaign's units."""

    ANY = "any", _("不限")
    LOCAL = "local", _("户籍和现居住地均在本地")
    INFLOW = "inflow", _("流入人口（现居本地、户籍在外）")
    OUTFLOW = "outflow", _("流出人口（户籍在本地、现居外地）")


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("未开始")
        STARTED = "started", _("进行中")
        CLOSED = "closed", _("已结束")

    name = models.CharField(_("活动名称"), max_length=100)
    template = models.CharField(_("模板"), max_length=40, blank=True)
    # The scope key: the township (or county) that runs the campaign.
    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    # The target rule.
    reference_date = models.DateField(_("年龄计算基准日"))
    sex = models.CharField(_("性别"), max_length=1, blank=True)
    age_min = models.PositiveSmallIntegerField(_("最小年龄"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("最大年龄"), null=True, blank=True)
    marital_statuses = models.JSONField(_("婚姻状况"), default=list, blank=True)
    hukou_types = models.JSONField(_("户口性质"), default=list, blank=True)
    residence = models.CharField(
        _("户籍与居住"), max_length=10, choices=Residence.choices, default=Residence.ANY
    )
    # No village picked: every village under org_unit.
    villages = models.ManyToManyField(
        "core.OrgUnit", blank=True, related_name="+", verbose_name=_("村居")
    )
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    started_at = models.DateTimeField(_("名单冻结时间"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    day_one_count = models.PositiveIntegerField(_("首日目标人数"), default=0)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-period_start", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        """The work items' source: how an item names its campaign (never personal data)."""
        return f"campaign:{self.pk}"


class CampaignTarget(models.Model):
    """One person on a campaign's list; rows are never deleted."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="targets")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("村居")
    )
    work_item = models.OneToOneField(
        "worklists.WorkItem", on_delete=models.PROTECT, related_name="campaign_target"
    )
    on_day_one = models.BooleanField(_("首日名单"), default=True)
    added_at = models.DateTimeField(_("加入时间"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("补充理由"), blank=True)

    class Meta:
        verbose_name = _("活动目标")
        verbose_name_plural = _("活动目标")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person"], name="campaigntarget_person_unique"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "village", "id"], name="campaigntarget_village_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.person_id}"


class MopUpRound(models.Model):
    """A numbered mop-up round (补漏): the outstanding items got a new deadline."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    started_at = models.DateTimeField(_("开始时间"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    due_date = models.DateField(_("期限"))
    item_count = models.PositiveIntegerField(_("补漏人数"), default=0)
    targets = models.ManyToManyField(CampaignTarget, related_name="rounds", blank=True)

    class Meta:
        verbose_name = _("补漏轮次")
        verbose_name_plural = _("补漏轮次")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="mopup_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}#{self.number}"


class CoverageSnapshot(models.Model):
    """A dated coverage figure (freeze, dispatch, mop-up, the daily command, close)."""

    class Reason(models.TextChoices):
        FREEZE = "freeze", _("名单冻结")
        DISPATCH = "dispatch", _("调度")
        MOPUP = "mopup", _("补漏")
        DAILY = "daily", _("每日")
        CLOSE = "close", _("活动结束")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="snapshots")
    taken_at = models.DateTimeField(_("时间"))
    day = models.DateField(_("日期"))
    reason = models.CharField(_("原因"), max_length=10, choices=Reason.choices)
    targets = models.PositiveIntegerField(default=0)
    exempt = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    other_closed = models.PositiveIntegerField(default=0)
    outstanding = models.PositiveIntegerField(default=0)
    rows = models.JSONField(default=list)  # per village: see campaigns.coverage.CoverageRow

    class Meta:
        verbose_name = _("覆盖率快照")
        verbose_name_plural = _("覆盖率快照")
        ordering = ["taken_at", "id"]
        indexes = [models.Index(fields=["campaign", "taken_at"], name="snapshot_campaign_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.day}"

    @property
    def coverage(self) -> float | None:
        base = self.targets - self.exempt
        return round(100 * self.done / base, 1) if base else None
