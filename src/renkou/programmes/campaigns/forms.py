"""Forms of the campaign pages (validation only; writes go through the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renkou.core.models import OrgUnit, User
from renkou.programmes.campaigns.services import MAX_AGE
from renkou.programmes.campaigns.templates import template_choices
from renkou.programmes.models import Residence
from renkou.registry.models.codes import HukouType, MaritalStatus, Sex

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_TEXT = {"rows": 3}


class CampaignForm(forms.Form):
    template = forms.ChoiceField(
        label=_("模板"), choices=[("", "—"), *template_choices()], required=False
    )
    name = forms.CharField(label=_("活动名称"), max_length=100)
    period_start = forms.DateField(label=_("开始日期"), widget=_DATE)
    period_end = forms.DateField(label=_("结束日期"), widget=_DATE)
    reference_date = forms.DateField(
        label=_("年龄计算基准日"), widget=_DATE, help_text=_("按此日的周岁计算年龄。")
    )
    sex = forms.ChoiceField(
        label=_("性别"), choices=[("", _("不限")), *Sex.choices], required=False
    )
    age_min = forms.IntegerField(
        label=_("最小年龄"), min_value=0, max_value=MAX_AGE, required=False
    )
    age_max = forms.IntegerField(
        label=_("最大年龄"), min_value=0, max_value=MAX_AGE, required=False
    )
    marital_statuses = forms.MultipleChoiceField(
        label=_("婚姻状况（不选为不限）"),
        choices=MaritalStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    hukou_types = forms.MultipleChoiceField(
        label=_("户口性质（不选为不限）"),
        choices=HukouType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    residence = forms.ChoiceField(label=_("户籍与居住"), choices=Residence.choices)
    villages = forms.ModelMultipleChoiceField(
        label=_("村居（不选为全部）"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs=_TEXT)
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["villages"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = OrgUnit.objects.filter(
            path__startswith=user.org_unit.path, level=OrgUnit.Level.VILLAGE
        ).order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("结束日期不能早于开始日期。"))
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", _("最小年龄不能大于最大年龄。"))
        return data


class TargetSearchForm(forms.Form):
    q = forms.CharField(label=_("姓名或身份证号"), max_length=40, required=False)


class AddTargetForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("补充理由"), max_length=500)


class MopUpForm(forms.Form):
    due_date = forms.DateField(label=_("补漏期限"), widget=_DATE)
