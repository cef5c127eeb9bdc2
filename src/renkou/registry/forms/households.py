"""The 户主变更 form: the new head, the date, the reason, and each other member's
relation to the new head (one select per member, pre-filled where the card decides it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renkou.registry.forms.persons import MIN_YEAR, NUMBER_RUN
from renkou.registry.models import Membership, Relation

RELATION_CHOICES = [("", _("请选择")), *[(v, lbl) for v, lbl in Relation.choices if v != "02"]]


def relation_field(person_pk: int) -> str:
    return f"relation_{person_pk}"


class HeadChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    new_head = forms.TypedChoiceField(label=_("新户主"), coerce=int, widget=forms.HiddenInput)
    on = forms.DateField(
        label=_("变更日期"), widget=forms.DateInput(attrs={"type": "date"}), initial=dt.date.today
    )
    reason = forms.CharField(
        label=_("变更原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("例如：原户主死亡，由配偶任户主")}),
    )

    def __init__(self, *args: Any, members: list[Membership], new_head: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.others = [m for m in members if m.person_id != new_head]
        new_head_field = self.fields["new_head"]
        assert isinstance(new_head_field, forms.TypedChoiceField)
        new_head_field.choices = [(m.person_id, m.person.name) for m in members]
        for m in self.others:
            self.fields[relation_field(m.person_id)] = forms.ChoiceField(
                label=m.person.name, choices=RELATION_CHOICES
            )

    def relation_fields(self) -> list[tuple[Membership, forms.BoundField]]:
        return [(m, self[relation_field(m.person_id)]) for m in self.others]

    def relations(self) -> dict[int, str]:
        return {m.person_id: self.cleaned_data[relation_field(m.person_id)] for m in self.others}

    def clean_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("变更日期不能晚于今天。"))
        if value.year < MIN_YEAR:
            raise forms.ValidationError(_("变更日期不合理。"))
        return value

    def clean_reason(self) -> str:
        value = str(self.cleaned_data["reason"]).strip()
        if NUMBER_RUN.search(value):
            # The reason goes into the members' history and the audit log: no ID numbers.
            raise forms.ValidationError(_("变更原因中不能包含证件号码。"))
        return value
