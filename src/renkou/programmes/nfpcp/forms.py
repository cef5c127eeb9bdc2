"""Forms of the pre-pregnancy check pages (input parsing only; the services decide)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renkou.programmes.models import (
    CounsellingClass,
    NfpcpTargets,
    OutcomeType,
    RiskFactor,
    RiskLevel,
)
from renkou.programmes.nfpcp.items import ITEMS
from renkou.programmes.nfpcp.services import EARLY_KIND, ENDINGS, OUTCOME_KIND
from renkou.worklists.kinds import get_kind

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegisterForm(forms.Form):
    wife_id = forms.CharField(label=_("女方公民身份号码"), max_length=30)
    appointment_date = forms.DateField(label=_("预约检查日期"), widget=_DATE)
    facility = forms.CharField(label=_("检查机构"), max_length=100)
    planned_from = forms.DateField(label=_("计划怀孕时间"), required=False, widget=_DATE)


class ConsentForm(forms.Form):
    consent_on = forms.DateField(label=_("签署日期"), widget=_DATE)
    wife = forms.BooleanField(label=_("女方已签署知情同意书"), required=False)
    husband = forms.BooleanField(label=_("男方已签署知情同意书"), required=False)


class ResultForm(forms.Form):
    item_no = forms.TypedChoiceField(
        label=_("检查项目"), coerce=int,
        choices=[(i.no, f"{i.no}. {i.name}") for i in ITEMS if i.kind != "followup"],
    )  # fmt: skip
    subject = forms.ChoiceField(label=_("对象"), choices=[("W", _("女方")), ("H", _("男方"))])
    value = forms.CharField(label=_("结果"), max_length=60)
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    flag = forms.ChoiceField(
        label=_("判定"), choices=[("", "—"), ("normal", _("正常")), ("abnormal", _("异常"))]
    )
    reviewer = forms.CharField(label=_("审核人"), max_length=50)
    examined_on = forms.DateField(label=_("检查日期"), widget=_DATE)


class AssessForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("风险评估结论"), choices=RiskLevel.choices)
    factors = forms.MultipleChoiceField(
        label=_("风险因素"), choices=RiskFactor.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    counselling_class = forms.ChoiceField(
        label=_("咨询指导分类"), choices=[("", "—"), *CounsellingClass.choices], required=False
    )
    advice = forms.CharField(
        label=_("咨询指导意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    assessed_by = forms.CharField(label=_("评估医生"), max_length=50)
    assessed_on = forms.DateField(label=_("评估告知日期"), widget=_DATE)


class ReferForm(forms.Form):
    referred_to = forms.CharField(label=_("转诊机构"), max_length=100)
    referred_on = forms.DateField(label=_("转诊日期"), widget=_DATE)
    reason = forms.CharField(label=_("转诊原因"), max_length=200)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=100)


def _endings(kind: str) -> list[tuple[str, Any]]:
    """The other ways the kind's item may end (declined, moved, died, unreachable)."""
    work_kind = get_kind(kind)
    allowed = work_kind.allowed_outcomes if work_kind else frozenset()
    return [(outcome, label) for outcome, label in ENDINGS.items() if outcome in allowed]


class _FollowupForm(forms.Form):
    followed_on = forms.DateField(label=_("随访日期"), widget=_DATE)
    note = forms.CharField(label=_("说明（可不填）"), max_length=500, required=False)


class EarlyFollowupForm(_FollowupForm):
    answer = forms.ChoiceField(label=_("随访结果"), choices=(), widget=forms.RadioSelect)
    lmp = forms.DateField(label=_("末次月经日期"), required=False, widget=_DATE)
    field_order = ["followed_on", "answer", "lmp", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["answer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("pregnant", _("已怀孕")), ("not_pregnant", _("随访期内未怀孕")),
                         *_endings(EARLY_KIND)]  # fmt: skip


class OutcomeFollowupForm(_FollowupForm):
    outcome_type = forms.ChoiceField(label=_("妊娠结局"), choices=())
    outcome_date = forms.DateField(label=_("结局日期"), required=False, widget=_DATE)
    field_order = ["followed_on", "outcome_type", "outcome_date", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["outcome_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [*OutcomeType.choices, *_endings(OUTCOME_KIND)]


class TargetsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = NfpcpTargets
        fields = ["coverage", "early_followup", "outcome_followup", "high_risk_low",
                  "high_risk_high", "conception_window_days"]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in (
            "coverage",
            "early_followup",
            "outcome_followup",
            "high_risk_low",
            "high_risk_high",
        ):
            value = data.get(name)
            if value is not None and not Decimal(0) <= value <= Decimal(1):
                self.add_error(name, _("应在 0 与 1 之间（如 0.9 表示 90%）。"))
        days = data.get("conception_window_days")
        if days is not None and not 30 <= days <= 730:
            self.add_error("conception_window_days", _("应在 30 与 730 天之间。"))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("检查结果文件（CSV/XLSX/XLS）"))
