from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from renkou.core.audit import audit_record, client_ip
from renkou.core.services import login_failure_record, login_failures_clear, login_is_locked


class LoginForm(AuthenticationForm):
    """Django's login form plus lockout; every answer to a failure reads the same."""

    error_messages = {
        "invalid_login": _("用户名或密码错误，或账号已被暂时锁定。"),
        "inactive": _("用户名或密码错误，或账号已被暂时锁定。"),
    }

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        ip = client_ip(self.request)
        if username and login_is_locked(username=username, ip=ip):
            login_failure_record(username=username, ip=ip)
            audit_record(
                action="login.locked",
                request=self.request,
                outcome="denied",
                detail={"username": username[:150]},
            )
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(username=username, ip=ip)
            audit_record(
                action="login.failed",
                request=self.request,
                outcome="denied",
                detail={"username": username[:150]},
            )
            raise
        login_failures_clear(username=username)
        return cleaned
