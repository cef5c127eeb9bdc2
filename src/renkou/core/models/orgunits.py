"""The administrative tree: county → township → village → village group."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgUnit(models.Model):
    class Level(models.TextChoices):
        COUNTY = "county", _("县区")
        TOWNSHIP = "township", _("乡镇街道")
        VILLAGE = "village", _("村居")
        GROUP = "group", _("村民组")

    # NBS statistical division code: 12 digits, +2 for a village group.
    code = models.CharField(_("区划代码"), max_length=14, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Materialised path of primary keys ("/1/4/17/"): a subtree is one indexed prefix scan.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    urban_rural_class = models.CharField(_("城乡分类代码"), max_length=3, blank=True)
    valid_from = models.DateField(_("启用日期"), default=dt.date(1900, 1, 1))
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(valid_to__isnull=True),
                name="orgunit_code_unique_while_valid",
            )
        ]
        indexes = [models.Index(fields=["path"], name="orgunit_path_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_urban(self) -> bool:
        return self.urban_rural_class.startswith("1")

    def ancestors_and_self(self) -> list[OrgUnit]:
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        by_id = {unit.pk: unit for unit in OrgUnit.objects.filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]

    def township(self) -> OrgUnit | None:
        for unit in self.ancestors_and_self():
            if unit.level == OrgUnit.Level.TOWNSHIP:
                return unit
        return None
