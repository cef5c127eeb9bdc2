"""Households (户) and their members with 与户主关系."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from renkou.core.sealed import SealedCharField
from renkou.registry.models.codes import HukouType, Relation


class Household(models.Model):
    # 户编码: 12-digit village code + 2-digit group + 4-digit serial.
    code = models.CharField(_("户编号"), max_length=18, unique=True)
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("所属单位"),
    )
    hukou_type = models.CharField(
        _("户口性质"), max_length=1, choices=HukouType.choices, default=HukouType.AGRICULTURAL
    )
    # Sealed at rest (ADR 0009).
    address = SealedCharField(
        _("地址"), max_length=200, blank=True, pad_to=64, context=b"registry.Household.address"
    )
    version = models.PositiveIntegerField(default=1)
    import_batch = models.ForeignKey(
        "core.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")

    def __str__(self) -> str:
        return self.code


class Membership(models.Model):
    """A person's place on a household card; history is kept by closing, not deleting."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="memberships"
    )
    relation = models.CharField(_("与户主关系"), max_length=2, choices=Relation.choices)
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    joined = models.DateField(_("入户日期"), default=dt.date(1900, 1, 1))
    left = models.DateField(_("离户日期"), null=True, blank=True)

    class Meta:
        ordering = ["household", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(left__isnull=True),
                name="membership_one_current_household",
            )
        ]
        indexes = [models.Index(fields=["household", "left"], name="membership_hh_left_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.person_id}"
