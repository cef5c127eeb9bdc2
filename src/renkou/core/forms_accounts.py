from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from renkou.core.models import OrgUnit, Role, User


class AccountForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=40,
        regex=r"^[a-zA-Z0-9_.-]+$",
        error_messages={"invalid": _("用户名只能包含字母、数字、点、下划线和减号。")},
    )
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    org_unit = forms.ModelChoiceField(
        label=_("所属单位"), queryset=OrgUnit.objects.filter(valid_to__isnull=True)
    )
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, max_length=128)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("用户名已存在。"))
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            probe = User(
                username=cleaned.get("username", ""), full_name=cleaned.get("full_name", "")
            )
            try:
                validate_password(password, probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
