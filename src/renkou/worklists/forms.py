"""Forms of the ledger pages (validation only; writes go through services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renkou.core.models import User
from renkou.core.roles import Cap, has_cap
from renkou.worklists.kinds import get_kind
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome
from renkou.worklists.selectors import assignable_users

_TEXT = {"rows": 3}


class ItemForm(forms.Form):
    """The form of one step on one item. Every such form is built the same way, with the
    item and the acting user (``Form(data, item=…, user=…)``), whether it needs them or
    not: what a step may offer can depend on both (the outcomes a kind allows, whom the
    user may assign)."""

    def __init__(self, *args: Any, item: WorkItem, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item, self.user = item, user


class NoteForm(ItemForm):
    note = forms.CharField(label=_("进展说明"), max_length=2000, widget=forms.Textarea(attrs=_TEXT))


class CloseForm(ItemForm):
    outcome = forms.ChoiceField(label=_("销号结果"), choices=())
    evidence = forms.CharField(
        label=_("佐证"), max_length=2000, required=False, widget=forms.Textarea(attrs=_TEXT)
    )
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs=_TEXT)
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, item: WorkItem, user: User, **kwargs: Any) -> None:
        super().__init__(*args, item=item, user=user, **kwargs)
        kind = get_kind(item.kind)
        allowed = kind.allowed_outcomes if kind else frozenset()
        if not has_cap(user, Cap.ASSIGN_WORK):
            allowed = allowed - {Outcome.EXEMPT}
        field = self.fields["outcome"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(v, label) for v, label in Outcome.choices if v in allowed]


class ExemptRequestForm(ItemForm):
    reason = forms.CharField(
        label=_("免办理由"), max_length=2000, widget=forms.Textarea(attrs=_TEXT)
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReopenForm(ItemForm):
    reason = forms.CharField(
        label=_("重新挂账理由"), max_length=2000, widget=forms.Textarea(attrs=_TEXT)
    )


class _AssigneeFields(forms.Form):
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), label=_("责任人"))
    due_date = forms.DateField(label=_("期限"), required=False)

    def offer_assignees(self, user: User) -> None:
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = assignable_users(user)


class BulkAssignForm(_AssigneeFields):
    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer_assignees(user)


class AssignForm(ItemForm, _AssigneeFields):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, item: WorkItem, user: User, **kwargs: Any) -> None:
        super().__init__(*args, item=item, user=user, **kwargs)
        self.offer_assignees(user)


class RefuseExemptionForm(ItemForm):
    reason = forms.CharField(
        label=_("不予免办理由"), max_length=2000, widget=forms.Textarea(attrs=_TEXT)
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ApproveExemptionForm(ItemForm):
    note = forms.CharField(label=_("审批意见"), max_length=2000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("佐证材料（照片或 PDF）"))


class ReviewForm(forms.Form):
    township = forms.IntegerField(required=False)
    title = forms.CharField(label=_("标题"), max_length=200)


class SaveFilterForm(forms.Form):
    name = forms.CharField(label=_("筛选名称"), max_length=60)
    query = forms.CharField(max_length=500, required=False)
