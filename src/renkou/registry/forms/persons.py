"""Forms of the person pages: search, correction, deregistration, restore, reveal."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renkou.core.models import OrgUnit
from renkou.registry.models import HukouType, LeaveReason, MaritalStatus, Person, Sex
from renkou.registry.search import PersonCriteria, Status

MIN_YEAR = 1880
NUMBER_RUN = re.compile(r"\d{15}")
_FILTER = {"data-filter": "1"}  # marks fields htmx may send in a GET (never the ID)


class PersonSearchForm(forms.Form):
    id_number = forms.CharField(
        label=_("身份证号"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    name = forms.CharField(
        label=_("姓名"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={**_FILTER, "placeholder": _("汉字、全拼或首字母")}),
    )
    household_code = forms.CharField(
        label=_("户编号"), required=False, max_length=18, widget=forms.TextInput(attrs=_FILTER)
    )
    village = forms.ModelChoiceField(
        label=_("单位"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("全部"),
        widget=forms.Select(attrs=_FILTER),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[(Status.ACTIVE, _("在册")), (Status.LEFT, _("已出队")), (Status.ALL, _("全部"))],
        widget=forms.Select(attrs=_FILTER),
    )
    sex = forms.ChoiceField(
        label=_("性别"),
        required=False,
        choices=[("", _("不限")), *Sex.choices],
        widget=forms.Select(attrs=_FILTER),
    )
    born_from = forms.IntegerField(
        label=_("出生年份起"),
        required=False,
        min_value=MIN_YEAR,
        widget=forms.NumberInput(attrs=_FILTER),
    )
    born_to = forms.IntegerField(
        label=_("出生年份止"),
        required=False,
        min_value=MIN_YEAR,
        widget=forms.NumberInput(attrs=_FILTER),
    )

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = villages

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("born_from"), cleaned.get("born_to")
        this_year = dt.date.today().year
        for name, year in (("born_from", low), ("born_to", high)):
            if year is not None and year > this_year:
                self.add_error(name, _("出生年份不能晚于今年。"))
                cleaned[name] = None
        low, high = cleaned.get("born_from"), cleaned.get("born_to")
        if low is not None and high is not None and low > high:
            self.add_error("born_to", _("出生年份止不能早于出生年份起。"))
        return cleaned

    def criteria(self) -> PersonCriteria:
        data = self.cleaned_data
        return PersonCriteria(
            id_number=data.get("id_number") or "",
            name=data.get("name") or "",
            household_code=data.get("household_code") or "",
            village=data.get("village"),
            status=data.get("status") or Status.ACTIVE,
            sex=data.get("sex") or "",
            born_from=data.get("born_from"),
            born_to=data.get("born_to"),
        )

    def filter_query(self) -> dict[str, str]:
        """The non-ID filters as they go into a GET URL (paging, export, redirects)."""
        keep = ("name", "household_code", "village", "status", "sex", "born_from", "born_to")
        out: dict[str, str] = {}
        for name in keep:
            value = self.data.get(name, "")
            if value:
                out[name] = str(value)
        return out


class PersonEditForm(forms.Form):
    """A correction; the ID number and phone are only written when something is typed."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices)
    birth_date = forms.DateField(
        label=_("出生日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ethnicity = forms.CharField(label=_("民族代码"), max_length=2)
    hukou_type = forms.ChoiceField(label=_("户口性质"), choices=HukouType.choices)
    marital_status = forms.ChoiceField(label=_("婚姻状况"), choices=MaritalStatus.choices)
    address = forms.CharField(label=_("详细地址"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        help_text=_("留空表示不修改。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=40,
        required=False,
        help_text=_("留空表示不修改。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    evidence = forms.CharField(
        label=_("更正依据"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("如：户口簿、身份证原件核对")}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    DIRECT_FIELDS = (
        "name",
        "sex",
        "birth_date",
        "ethnicity",
        "hukou_type",
        "marital_status",
        "address",
    )

    def clean_ethnicity(self) -> str:
        value = str(self.cleaned_data["ethnicity"]).strip()
        if not value.isdigit():
            raise forms.ValidationError(_("民族代码应为两位数字（GB/T 3304）。"))
        return value.zfill(2)

    def clean_evidence(self) -> str:
        value = str(self.cleaned_data["evidence"]).strip()
        if not value:
            raise forms.ValidationError(_("请填写更正依据。"))
        return value

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        initial = {name: getattr(person, name) for name in cls.DIRECT_FIELDS}
        initial["version"] = person.version
        return initial

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes: dict[str, Any] = {name: data[name] for name in self.DIRECT_FIELDS}
        for name in ("phone", "id_number"):
            if str(data.get(name) or "").strip():
                changes[name] = str(data[name]).strip()
        return changes


class DeregisterForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("出队原因"),
        choices=[(c, label) for c, label in LeaveReason.choices if c != LeaveReason.DUPLICATE],
    )
    on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    evidence = forms.CharField(label=_("依据"), max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["on"]
        if day > dt.date.today():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return day


class RestoreForm(forms.Form):
    evidence = forms.CharField(label=_("回档依据"), max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：核对户口簿")}),
    )

    def clean_reason(self) -> str:
        value = str(self.cleaned_data["reason"]).strip()
        if len(value) < 2:
            raise forms.ValidationError(_("请填写查看原因。"))
        if NUMBER_RUN.search(value):
            # The reason goes into the audit log, which must never hold an ID number.
            raise forms.ValidationError(_("查看原因中不能包含证件号码。"))
        return value
