"""Couples and their marriage history."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Marriage(models.Model):
    class Kind(models.TextChoices):
        FIRST = "first", _("初婚")
        REMARRIAGE = "remarriage", _("再婚")
        REUNION = "reunion", _("复婚")

    class Status(models.TextChoices):
        MARRIED = "married", _("婚姻存续")
        DIVORCED = "divorced", _("离婚")
        WIDOWED = "widowed", _("丧偶")

    husband = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="marriages_as_husband"
    )
    wife = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="marriages_as_wife"
    )
    kind = models.CharField(_("婚姻类型"), max_length=12, choices=Kind.choices, default=Kind.FIRST)
    married_on = models.DateField(_("结婚日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.MARRIED
    )
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("婚姻")
        verbose_name_plural = _("婚姻")
        indexes = [
            models.Index(fields=["husband", "status"], name="marriage_husband_idx"),
            models.Index(fields=["wife", "status"], name="marriage_wife_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.husband_id}+{self.wife_id}"
