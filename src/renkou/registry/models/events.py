"""Life events: every change to a person appends one, in the same transaction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LifeEvent(models.Model):
    class Kind(models.TextChoices):
        REGISTERED = "registered", _("建档")
        BIRTH = "birth", _("出生")
        DEATH = "death", _("死亡")
        MOVE_IN = "move_in", _("迁入")
        MOVE_OUT = "move_out", _("迁出")
        MARRIAGE = "marriage", _("结婚")
        DIVORCE = "divorce", _("离婚")
        CORRECTION = "correction", _("信息更正")
        DEREGISTER = "deregister", _("出队")
        RESTORE = "restore", _("回档")
        MERGE = "merge", _("合并")
        UNMERGE = "unmerge", _("撤销合并")
        TRANSFER = "transfer", _("转移")
        HOUSEHOLD = "household", _("户变动")

    class Source(models.TextChoices):
        IMPORT = "import", _("导入")
        CHANGE_REPORT = "change_report", _("月报告单")
        FORM = "form", _("页面录入")
        API = "api", _("接口")
        FEED = "feed", _("部门数据")
        SYSTEM = "system", _("系统")

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事件"), max_length=12, choices=Kind.choices)
    event_date = models.DateField(_("发生日期"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=15, choices=Source.choices)
    source_ref = models.CharField(_("来源编号"), max_length=64, blank=True)
    evidence = models.CharField(_("依据"), max_length=500, blank=True)
    # {"field": ["old", "new"]} with identity numbers and phones masked.
    changes = models.JSONField(_("变更内容"), default=dict)

    class Meta:
        verbose_name = _("人口事件")
        verbose_name_plural = _("人口事件")
        ordering = ["person", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["person", "recorded_at"], name="event_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"
