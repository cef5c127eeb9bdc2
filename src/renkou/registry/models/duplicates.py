"""Duplicate candidates inside the register (重登) and reversible merges."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DuplicateCandidate(models.Model):
    class Reason(models.TextChoices):
        SAME_ID = "same_id", _("身份证号相同")
        SAME_NAME_DOB_MOTHER = "name_dob_mother", _("姓名、出生日期、母亲相同")

    class Status(models.TextChoices):
        OPEN = "open", _("待审核")
        MERGED = "merged", _("已合并")
        DISMISSED = "dismissed", _("非重复")

    first = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("依据"), max_length=20, choices=Reason.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    found_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_unique")
        ]

    def __str__(self) -> str:
        return f"{self.first_id}~{self.second_id} {self.reason}"


class Merge(models.Model):
    """One merge of `merged` into `survivor`; undoing it restores both from the snapshot."""

    survivor = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(
        DuplicateCandidate, on_delete=models.PROTECT, null=True, blank=True, related_name="merges"
    )
    # What was moved from `merged` to `survivor` (memberships, children, marriages), by id.
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.merged_id}→{self.survivor_id}"
