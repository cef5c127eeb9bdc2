from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from renkou.core.audit import audit_record, client_ip
from renkou.core.otp import otp_confirmed_device, otp_verify
from renkou.core.services import login_failure_record, login_failures_clear, login_is_locked


class LoginForm(AuthenticationForm):
    """Django's login form plus lockout; every answer to a failure reads the same."""

    error_messages = {
        "invalid_login": _("用户名、密码或动态口令错误，或账号已被暂时锁定。"),
        "inactive": _("用户名、密码或动态口令错误，或账号已被暂时锁定。"),
    }
    otp_token = forms.CharField(
        label=_("动态口令"),
        required=False,
        max_length=8,
        help_text=_("已启用双因素认证的账号须填写验证器应用中的6位数字。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.otp_device: TOTPDevice | None = None

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
            self._check_second_factor()
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

    def _check_second_factor(self) -> None:
        device = otp_confirmed_device(self.get_user())
        if device is None:
            return
        token = (self.cleaned_data.get("otp_token") or "").strip()
        if not token or not otp_verify(device, token):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        self.otp_device = device
