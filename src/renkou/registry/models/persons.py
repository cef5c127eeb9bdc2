"""A person of the register (全员人口个案)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from renkou.core.sealed import SealedCharField
from renkou.registry.models.codes import (
    ETHNIC_GROUPS,
    HukouType,
    LeaveReason,
    MaritalStatus,
    Sex,
)


class Person(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        LEFT = "left", _("已出队")

    external_id = models.CharField(_("个案编号"), max_length=40, null=True, blank=True, unique=True)
    # db_index (not a Meta index) so PostgreSQL also gets the pattern-ops index that
    # makes "name starts with" searches use an index under any collation.
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    name_pinyin = models.CharField(max_length=200, db_index=True, editable=False)
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    # The identity number is stored encrypted; id_index is its keyed blind index (HMAC)
    # for exact lookups, id_masked what lists may show. See docs/decisions/0002.
    id_cipher = models.BinaryField(null=True, editable=False)
    id_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_masked = models.CharField(_("公民身份号码"), max_length=24, blank=True, editable=False)
    id_kind = models.CharField(max_length=20, blank=True, editable=False)
    id_warning = models.CharField(max_length=200, blank=True, editable=False)
    ethnicity = models.CharField(_("民族"), max_length=2, default="01")
    education = models.CharField(_("文化程度"), max_length=2, blank=True)
    hukou_type = models.CharField(
        _("户口性质"), max_length=1, choices=HukouType.choices, default=HukouType.AGRICULTURAL
    )
    # 户籍地 and 现居住地: an org unit when inside this deployment, else the 12-digit code.
    hukou_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hukou_code = models.CharField(_("户籍地区划代码"), max_length=14, blank=True)
    residence_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    residence_code = models.CharField(_("现居住地区划代码"), max_length=14, blank=True)
    # Sealed at rest (ADR 0009); nothing looks a person up by address.
    address = SealedCharField(
        _("详细地址"), max_length=200, blank=True, pad_to=64, context=b"registry.Person.address"
    )
    # The managing unit (管理地) under the management-place rules: the scoping key.
    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="persons", verbose_name=_("管理单位")
    )
    marital_status = models.CharField(
        _("婚姻状况"), max_length=2, choices=MaritalStatus.choices, default=MaritalStatus.UNKNOWN
    )
    mother = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children_as_mother"
    )
    father = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children_as_father"
    )
    phone_cipher = models.BinaryField(null=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    left_reason = models.CharField(
        _("出队原因"), max_length=10, choices=LeaveReason.choices, blank=True
    )
    left_date = models.DateField(_("出队日期"), null=True, blank=True)
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    # Optimistic concurrency: every write checks and bumps it.
    version = models.PositiveIntegerField(default=1)
    import_batch = models.ForeignKey(
        "core.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_row = models.IntegerField(null=True, blank=True)
    # Fingerprint of the imported row, so re-importing a corrected file touches only changes.
    source_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [
            models.Index(fields=["org_unit", "status"], name="person_unit_status_idx"),
            models.Index(fields=["birth_date"], name="person_birth_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def ethnicity_name(self) -> str:
        name = ETHNIC_GROUPS.get(self.ethnicity)
        return gettext(name) if name else self.ethnicity
