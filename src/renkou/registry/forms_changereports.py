"""The officer's change report form: one form whose fields depend on the report's kind.

Persons are picked by search (htmx) and submitted as a pk; the querysets here only hold
active persons in the officer's scope, so any other pk is a validation error. The
service checks scope and the domain rules again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renkou.core.models import User
from renkou.registry.models import ChangeReport, Household, Marriage, Person, Relation, Sex
from renkou.registry.selectors import household_queryset_for_user, person_queryset_for_user
from renkou.registry.services.changereport_checks import ReportInput

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

    _HouseholdField = forms.ModelChoiceField[Household]
else:  # the stubs make the field generic; at run time it is not
    _HouseholdField = forms.ModelChoiceField

Kind = ChangeReport.Kind
PERSON_FIELDS = ("subject", "spouse", "mother", "father")
_COMMON_TAIL = ["note"]
FIELDS_BY_KIND: dict[str, list[str]] = {
    Kind.BIRTH: [
        "name",
        "sex",
        "event_date",
        "id_number",
        "mother",
        "father",
        "household",
        "relation",
    ],
    Kind.DEATH: ["subject", "event_date"],
    Kind.MARRIAGE: ["subject", "spouse", "event_date", "marriage_kind"],
    Kind.DIVORCE: ["subject", "event_date"],
    Kind.MOVE_IN: [
        "name",
        "sex",
        "birth_date",
        "id_number",
        "event_date",
        "place",
        "household",
        "relation",
    ],
    Kind.MOVE_OUT: ["subject", "event_date", "place"],
    Kind.MIGRANT_IN: [
        "name",
        "sex",
        "birth_date",
        "id_number",
        "event_date",
        "place",
        "place_code",
        "household",
        "relation",
    ],
    Kind.MIGRANT_OUT: ["subject", "event_date", "place", "place_code"],
}
REQUIRED_BY_KIND: dict[str, set[str]] = {
    Kind.BIRTH: {"name", "sex", "event_date", "mother", "relation"},
    Kind.DEATH: {"subject", "event_date"},
    Kind.MARRIAGE: {"subject", "spouse", "event_date", "marriage_kind"},
    Kind.DIVORCE: {"subject", "event_date"},
    Kind.MOVE_IN: {
        "name",
        "sex",
        "birth_date",
        "id_number",
        "event_date",
        "place",
        "household",
        "relation",
    },
    Kind.MOVE_OUT: {"subject", "event_date", "place"},
    Kind.MIGRANT_IN: {"name", "sex", "birth_date", "id_number", "event_date", "place"},
    Kind.MIGRANT_OUT: {"subject", "event_date", "place"},
}
# Labels that read better for one kind than the generic ones.
LABELS: dict[str, dict[str, Any]] = {
    Kind.BIRTH: {
        "name": _("婴儿姓名"),
        "event_date": _("出生日期"),
        "relation": _("婴儿与户主关系"),
    },
    Kind.DEATH: {"subject": _("死者"), "event_date": _("死亡日期")},
    Kind.MARRIAGE: {"subject": _("男方"), "spouse": _("女方"), "event_date": _("结婚登记日期")},
    Kind.DIVORCE: {"subject": _("离婚当事人（男方或女方）"), "event_date": _("离婚日期")},
    Kind.MOVE_IN: {"event_date": _("迁入日期"), "place": _("迁出地（从何处迁来）")},
    Kind.MOVE_OUT: {"subject": _("迁出人员"), "event_date": _("迁出日期"), "place": _("迁往地")},
    Kind.MIGRANT_IN: {
        "event_date": _("来本村日期"),
        "place": _("户籍地（从何处来）"),
        "place_code": _("户籍地区划代码（不填则按身份证号）"),
    },
    Kind.MIGRANT_OUT: {
        "subject": _("流出人员"),
        "event_date": _("外出日期"),
        "place": _("现居住地（流往何处）"),
        "place_code": _("现居住地区划代码"),
    },
}
# Which sex the picker offers for a person field, per kind ("" = either).
PICKER_SEX: dict[tuple[str, str], str] = {
    (Kind.BIRTH, "mother"): Sex.FEMALE,
    (Kind.BIRTH, "father"): Sex.MALE,
    (Kind.MARRIAGE, "subject"): Sex.MALE,
    (Kind.MARRIAGE, "spouse"): Sex.FEMALE,
}
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_PICK_ERROR = {"invalid_choice": _("请从本辖区在册人员中选择。")}


def _person_field(label: StrOrPromise) -> forms.ModelChoiceField[Person]:
    return forms.ModelChoiceField(
        queryset=Person.objects.none(), label=label, required=False, error_messages=_PICK_ERROR
    )


class HouseholdChoiceField(_HouseholdField):
    def label_from_instance(self, obj: Household) -> str:
        return f"{obj.code} {obj.address}".strip()


@dataclass
class PersonPick:
    """What the template needs to draw one person picker."""

    name: str
    label: str
    sex: str
    required: bool
    picked: Person | None
    errors: list[str]


class ChangeReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("报告类别"), choices=Kind.choices)
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    sex = forms.ChoiceField(
        label=_("性别"), choices=[("", "---------"), *Sex.choices], required=False
    )
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=_DATE)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=24, required=False)
    event_date = forms.DateField(label=_("发生日期"), required=False, widget=_DATE)
    subject = _person_field(_("当事人"))
    spouse = _person_field(_("配偶"))
    mother = _person_field(_("母亲"))
    father = _person_field(_("父亲（可不填）"))
    household = HouseholdChoiceField(
        queryset=Household.objects.none(),
        label=_("户（不选则入母亲所在户）"),
        required=False,
        error_messages={"invalid_choice": _("请选择本辖区的户。")},
    )
    relation = forms.ChoiceField(
        label=_("与户主关系"), choices=[("", "---------"), *Relation.choices], required=False
    )
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    place_code = forms.RegexField(
        label=_("区划代码"),
        regex=r"^\d{6}(\d{6})?$",
        required=False,
        error_messages={"invalid": _("区划代码应为6位或12位数字。")},
    )
    marriage_kind = forms.ChoiceField(
        label=_("婚姻类型"), choices=[("", "---------"), *Marriage.Kind.choices], required=False
    )
    note = forms.CharField(
        label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: User, report_kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report_kind = report_kind
        keep = {"kind", *FIELDS_BY_KIND[report_kind], *_COMMON_TAIL}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        people = person_queryset_for_user(user=user).filter(status=Person.Status.ACTIVE)
        for name in PERSON_FIELDS:
            if name in self.fields:
                field = self.fields[name]
                assert isinstance(field, forms.ModelChoiceField)
                field.queryset = people.select_related("org_unit", "mother")
        if "household" in self.fields:
            households = self.fields["household"]
            assert isinstance(households, forms.ModelChoiceField)
            households.queryset = (
                household_queryset_for_user(user=user).select_related("org_unit").order_by("code")
            )
            if report_kind != Kind.BIRTH:
                households.label = _("户")
        for name, label in LABELS.get(report_kind, {}).items():
            self.fields[name].label = label
        for name in REQUIRED_BY_KIND[report_kind]:
            self.fields[name].required = True
        self.fields["kind"].initial = report_kind

    def clean_kind(self) -> str:
        kind = str(self.cleaned_data["kind"])
        if kind != self.report_kind:
            raise forms.ValidationError(_("报告类别与表单不符。"))
        return kind

    def layout(self) -> list[tuple[str, Any]]:
        """("person", PersonPick) or ("field", BoundField) pairs in display order."""
        items: list[tuple[str, Any]] = []
        for name in [*FIELDS_BY_KIND[self.report_kind], *_COMMON_TAIL]:
            items.append(
                ("person", self._pick(name)) if name in PERSON_FIELDS else ("field", self[name])
            )
        return items

    def _pick(self, name: str) -> PersonPick:
        field = self.fields[name]
        return PersonPick(
            name=name,
            label=str(field.label),
            sex=PICKER_SEX.get((self.report_kind, name), ""),
            required=field.required,
            picked=self._picked(name),
            errors=[str(e) for e in self.errors.get(name, [])] if self.is_bound else [],
        )

    def _picked(self, name: str) -> Person | None:
        if self.is_bound and hasattr(self, "cleaned_data") and self.cleaned_data.get(name):
            picked: Person = self.cleaned_data[name]
            return picked
        value = self.initial.get(name)
        return value if isinstance(value, Person) else None

    def to_input(self) -> ReportInput:
        data = self.cleaned_data
        event_date: dt.date = data["event_date"]
        return ReportInput(
            kind=self.report_kind,
            event_date=event_date,
            subject=data.get("subject"),
            spouse=data.get("spouse"),
            name=data.get("name", ""),
            sex=data.get("sex", ""),
            birth_date=event_date if self.report_kind == Kind.BIRTH else data.get("birth_date"),
            id_number=data.get("id_number", ""),
            mother=data.get("mother"),
            father=data.get("father"),
            household=data.get("household"),
            relation=data.get("relation", ""),
            place=data.get("place", ""),
            place_code=data.get("place_code", ""),
            marriage_kind=data.get("marriage_kind", ""),
            note=data.get("note", ""),
        )


def initial_from_report(report: ChangeReport) -> dict[str, Any]:
    """Prefill the form from a returned report (the ID number is never prefilled)."""
    return {
        "kind": report.kind,
        "name": report.name,
        "sex": report.sex,
        "birth_date": report.birth_date,
        "event_date": report.event_date,
        "subject": report.subject,
        "spouse": report.spouse if report.kind == Kind.MARRIAGE else None,
        "mother": report.mother,
        "father": report.father,
        "household": report.household_id,
        "relation": report.relation,
        "place": report.place,
        "place_code": report.place_code,
        "marriage_kind": report.marriage_kind,
        "note": report.note,
    }
