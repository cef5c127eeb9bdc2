"""Accounts. Each account has exactly one role and one org unit (三员分立 follows)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_OFFICER = "village_officer", _("村计生专干")
    TOWNSHIP_CLERK = "township_clerk", _("乡镇业务员")
    TOWNSHIP_HEAD = "township_head", _("乡镇负责人")
    COUNTY_OFFICER = "county_officer", _("县级业务员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    org_unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="users", verbose_name=_("所属单位")
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class LoginFailure(models.Model):
    """One failed login, counted by username and by client address for lockout."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=45, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username}@{self.ip}"
