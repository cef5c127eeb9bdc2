"""Transfers of a person's management between townships: request → accept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Transfer(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("待接收")
        ACCEPTED = "accepted", _("已接收")
        REJECTED = "rejected", _("已拒绝")
        CANCELLED = "cancelled", _("已撤回")

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="transfers"
    )
    from_unit = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("core.OrgUnit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("说明"), max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.person_id}: {self.from_unit_id}→{self.to_unit_id}"
