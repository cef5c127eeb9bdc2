"""Village change reports (月报告单) and the monthly reporting period they belong to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renkou.registry.models.codes import Relation, Sex
from renkou.registry.models.marriages import Marriage


class ReportPeriod(models.Model):
    """One village's reporting month: open → submitted (by the 3rd) → locked."""

    class Status(models.TextChoices):
        OPEN = "open", _("填报中")
        SUBMITTED = "submitted", _("已上报")
        LOCKED = "locked", _("已锁定")

    org_unit = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))  # first day of the month
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "month"], name="period_unit_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.month:%Y-%m}"


class ChangeReport(models.Model):
    class Kind(models.TextChoices):
        BIRTH = "birth", _("出生")
        DEATH = "death", _("死亡")
        MARRIAGE = "marriage", _("结婚")
        DIVORCE = "divorce", _("离婚")
        MOVE_IN = "move_in", _("迁入")
        MOVE_OUT = "move_out", _("迁出")
        MIGRANT_IN = "migrant_in", _("流入")
        MIGRANT_OUT = "migrant_out", _("流出")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        ACCEPTED = "accepted", _("已通过")
        RETURNED = "returned", _("已退回")

    period = models.ForeignKey(ReportPeriod, on_delete=models.PROTECT, related_name="reports")
    org_unit = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    event_date = models.DateField(_("发生日期"))
    # The person concerned (deceased, mover, bride/groom); empty for a birth or arrival.
    subject = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A new person's data (birth, move in, migrant arrival).
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_cipher = models.BinaryField(null=True, editable=False)
    id_masked = models.CharField(_("公民身份号码"), max_length=24, blank=True)
    mother = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    father = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    relation = models.CharField(_("与户主关系"), max_length=2, choices=Relation.choices, blank=True)
    spouse = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    place = models.CharField(_("迁往/来自地点"), max_length=200, blank=True)
    # 区划代码 of the place moved from/to (a migrant's hukou place or destination), if known.
    place_code = models.CharField(_("地点区划代码"), max_length=12, blank=True)
    # 初婚/再婚/复婚 as the officer reports it (civil affairs registers it the same way).
    marriage_kind = models.CharField(
        _("婚姻类型"), max_length=12, choices=Marriage.Kind.choices, blank=True
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    # A report filed after its month was locked amends that month explicitly.
    amends_period = models.ForeignKey(
        ReportPeriod, on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    result_person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("月报告单")
        verbose_name_plural = _("月报告单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org_unit", "status"], name="report_unit_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.event_date}"
