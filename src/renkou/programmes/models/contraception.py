"""Voluntary contraceptive services (避孕节育服务), given only at a person's request.

No targets on individuals, no required method, no coercive fields: a service row says
what the person asked for and received, and that they consented.

The method, the supply and the notes are sealed (encrypted at rest, ADR 0009); who,
where and when stay clear for scoping, the ledger and follow-ups.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from renkou.core.sealed import SealedCharField


class Method(models.TextChoices):
    COUNSELLING = "counselling", _("咨询指导")
    CONDOM = "condom", _("避孕套")
    ORAL = "oral", _("口服避孕药")
    EMERGENCY = "emergency", _("紧急避孕药")
    INJECTABLE = "injectable", _("避孕针")
    TOPICAL = "topical", _("外用避孕药")
    IUD_INSERT = "iud_insert", _("放置宫内节育器")
    IUD_REMOVE = "iud_remove", _("取出宫内节育器")
    IMPLANT_INSERT = "implant_insert", _("皮下埋植")
    IMPLANT_REMOVE = "implant_remove", _("取出皮下埋植")
    OTHER = "other", _("其他")


class Supply(models.TextChoices):
    CONDOM = "condom", _("避孕套")
    ORAL = "oral", _("口服避孕药")
    EMERGENCY = "emergency", _("紧急避孕药")
    TOPICAL = "topical", _("外用避孕药")
    OTHER = "other", _("其他")


class FollowupResult(models.TextChoices):
    """What the person said at the follow-up; every answer is theirs to give (DESIGN.md:
    services, never coercion): stopping is a result like any other."""

    CONTINUING = "continuing", _("继续使用，无不适")
    SIDE_EFFECTS = "side_effects", _("有不适，已指导处理")
    SWITCHED = "switched", _("已更换方法")
    STOPPED_PREGNANCY = "stopped_pregnancy", _("已停用：计划怀孕")
    STOPPED = "stopped", _("已停用：本人意愿")
    REFERRED = "referred", _("已转诊")


class ContraceptiveService(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("村居")
    )
    method = SealedCharField(
        _("服务项目"), max_length=20, choices=Method.choices,
        context=b"programmes.ContraceptiveService.method",
    )  # fmt: skip
    service_date = models.DateField(_("服务日期"))
    provider = models.CharField(_("服务机构/人员"), max_length=100)
    consent = models.BooleanField(_("本人知情自愿"))
    note = SealedCharField(
        _("备注"), max_length=200, blank=True, context=b"programmes.ContraceptiveService.note"
    )
    followup_due = models.DateField(_("随访日期"), null=True, blank=True)
    followed_on = models.DateField(_("随访完成日期"), null=True, blank=True)
    # Sealed like the method (ADR 0009). Nullable only for the rows that predate it;
    # migration 0006 seals an empty value into those.
    followup_result = SealedCharField(
        _("随访结果"), max_length=20, blank=True, null=True, choices=FollowupResult.choices,
        context=b"programmes.ContraceptiveService.followup_result",
    )  # fmt: skip
    followup_note = SealedCharField(
        _("随访说明"), max_length=200, blank=True, null=True, pad_to=64,
        context=b"programmes.ContraceptiveService.followup_note",
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("避孕节育服务")
        verbose_name_plural = _("避孕节育服务")
        ordering = ["-service_date", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.method}"


class SupplyHandout(models.Model):
    """One line of a village's ledger of free contraceptive supplies (避孕药具发放台账)."""

    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("村居")
    )
    handed_on = models.DateField(_("发放日期"))
    # Sealed even though many lines are anonymous: with a recipient, the supply says
    # which contraception that person uses (ADR 0009).
    supply = SealedCharField(
        _("药具"), max_length=12, choices=Supply.choices,
        context=b"programmes.SupplyHandout.supply",
    )  # fmt: skip
    quantity = models.PositiveIntegerField(_("数量"))
    # Optional: supplies are often taken anonymously from a self-service box.
    recipient = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = SealedCharField(
        _("备注"), max_length=200, blank=True, context=b"programmes.SupplyHandout.note"
    )
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("避孕药具发放")
        verbose_name_plural = _("避孕药具发放台账")
        ordering = ["-handed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.supply} {self.quantity}"
