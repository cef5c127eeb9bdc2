"""户主变更: a new head of household, and every other member's relation to the new head.

A card without a head (本人) is what a head's death or move-out leaves behind, and the old
systems refuse such a card. When the head leaves the register and others stay on the
card, a work item asks the township to name the new head; it closes when the change is
made here. The change is one transaction: the card's version guards it, each member whose
relation changes gets a household event (old → new code), and the audit log records it.

The suggested relations come from the card as it was, for the cases the codes decide (the
head's spouse or child taking over); where they do not (in-laws, the head's parents under
a spouse), the clerk chooses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkou.core.audit import audit_record
from renkou.core.i18n import register_text
from renkou.core.models import User
from renkou.core.roles import Cap, has_cap
from renkou.core.scoping import unit_in_scope
from renkou.registry.models import Household, LifeEvent, Marriage, Membership, Person, Relation
from renkou.registry.services.households import household_current_members
from renkou.registry.services.persons import event_append
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome
from renkou.worklists.services import workitem_close, workitem_open

__all__ = [
    "HEAD_KIND",
    "household_change_head",
    "household_headship_check",
    "suggest_relations",
]

HEAD_KIND: Final = "household_head"
DUE_DAYS: Final = 30  # the township names the new head within a month

_SPOUSES: Final = frozenset({Relation.SPOUSE, Relation.HUSBAND, Relation.WIFE})
_CHILDREN: Final = frozenset(
    {Relation.SON, Relation.ONLY_SON, Relation.DAUGHTER, Relation.ONLY_DAUGHTER}
)
_GRANDCHILDREN: Final = frozenset({Relation.GRANDCHILD, Relation.GRANDSON, Relation.GRANDDAUGHTER})
_PARENTS: Final = frozenset({Relation.PARENT, Relation.FATHER, Relation.MOTHER})
_CHILDREN_IN_LAW: Final = frozenset({Relation.DAUGHTER_IN_LAW, Relation.SON_IN_LAW})


def _by_sex(person: Person, male: str, female: str) -> str | None:
    return {"M": male, "F": female}.get(person.sex)


def _suggest(member: Membership, head: Membership) -> str | None:
    """``member``'s relation to ``head`` (both as the card stood), where the codes and the
    register's own parent links decide it; None where the clerk must choose."""
    if head.relation in _SPOUSES:
        return _after_spouse(member)
    if head.relation in _CHILDREN:
        return _after_child(member, head)
    return None


def _after_spouse(member: Membership) -> str | None:
    """The widow(er) takes over: the children and their families stay as they were."""
    if member.relation == Relation.SELF:
        return _by_sex(member.person, Relation.HUSBAND, Relation.WIFE)
    if member.relation in _CHILDREN | _GRANDCHILDREN | _CHILDREN_IN_LAW:
        return member.relation
    return None  # the old head's parents are the new head's in-laws: the clerk chooses


def _after_child(member: Membership, head: Membership) -> str | None:
    """A child takes over from a parent."""
    was, person = member.relation, member.person
    simple: dict[str, str | None] = {
        **dict.fromkeys(_CHILDREN, Relation.SIBLING),
        **dict.fromkeys(_PARENTS, Relation.GRANDPARENT),
    }
    if was == Relation.SELF or was in _SPOUSES:
        return _by_sex(person, Relation.FATHER, Relation.MOTHER)
    if was in simple:
        return simple[was]
    if was in _CHILDREN_IN_LAW and person.pk in _spouses_of(head.person):
        return _by_sex(person, Relation.HUSBAND, Relation.WIFE)
    if was in _GRANDCHILDREN and head.person_id in (person.mother_id, person.father_id):
        return _by_sex(person, Relation.SON, Relation.DAUGHTER)
    return None


def _spouses_of(person: Person) -> set[int]:
    """The register's current spouses of ``person`` (status married)."""
    pairs = Marriage.objects.filter(
        Q(husband=person) | Q(wife=person), status=Marriage.Status.MARRIED
    ).values_list("husband_id", "wife_id")
    return {pk for pair in pairs for pk in pair} - {person.pk}


def suggest_relations(members: list[Membership], new_head: Person) -> dict[int, str | None]:
    """Person pk → suggested relation to ``new_head`` for every other current member."""
    head = next((m for m in members if m.person_id == new_head.pk), None)
    if head is None:
        return {}
    return {m.person_id: _suggest(m, head) for m in members if m.person_id != new_head.pk}


def _check_change(
    members: list[Membership], new_head: Person, relations: Mapping[int, str]
) -> None:
    by_person = {m.person_id: m for m in members}
    if new_head.pk not in by_person:
        raise ValidationError(_("新户主须是本户现有成员。"), code="not_member")
    if by_person[new_head.pk].relation == Relation.SELF:
        raise ValidationError(_("该成员已是户主。"), code="already_head")
    others = [m for m in members if m.person_id != new_head.pk]
    missing = [m.person.name for m in others if m.person_id not in relations]
    if missing:
        raise ValidationError(
            _("请为以下成员选择与新户主的关系：%(names)s") % {"names": "、".join(missing)},
            code="missing_relation",
        )
    if set(relations) - {m.person_id for m in others}:
        raise ValidationError(_("关系中有不在本户的人员。"), code="not_member")
    for m in others:
        code = relations[m.person_id]
        if code not in Relation.values or code == Relation.SELF:
            raise ValidationError(
                _("%(name)s与新户主的关系无效。") % {"name": m.person.name}, code="bad_relation"
            )


def household_change_head(
    *,
    household: Household,
    new_head: Person,
    relations: Mapping[int, str],
    on: dt.date,
    reason: str,
    actor: User,
    expected_version: int,
) -> Household:
    """Make ``new_head`` the card's 本人 and set every other current member's relation
    (``relations``: person pk → code, one for each of them). Refused: no capability or
    scope, a stale card, a new head not on the card, a missing, unknown or second 本人
    relation, a date in the future; nothing is written then."""
    if not has_cap(actor, Cap.EDIT_REGISTER) or not unit_in_scope(actor, household.org_unit):
        raise PermissionDenied(_("没有权限。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请填写户主变更原因。"), code="no_reason")
    if on > timezone.localdate():
        raise ValidationError(_("变更日期不能晚于今天。"), code="future")
    with transaction.atomic():
        locked = Household.objects.select_for_update().get(pk=household.pk)
        if locked.version != expected_version:
            raise ValidationError(_("户卡已被他人修改，请刷新后重试。"), code="stale")
        members = household_current_members(locked)
        _check_change(members, new_head, relations)
        by_person = {m.person_id: m for m in members}
        others = [m for m in members if m.person_id != new_head.pk]
        previous = next((m for m in members if m.relation == Relation.SELF), None)
        new = {m.person_id: relations.get(m.person_id, Relation.SELF) for m in members}
        order = [by_person[new_head.pk], *others]
        for position, m in enumerate(order, start=1):
            if m.relation == new[m.person_id] and m.position == position:
                continue
            if m.relation != new[m.person_id]:
                event_append(
                    person=m.person, kind=LifeEvent.Kind.HOUSEHOLD, actor=actor, source="form",
                    event_date=on, evidence=reason,
                    changes={"relation": [m.relation, new[m.person_id]]},
                )  # fmt: skip
            Membership.objects.filter(pk=m.pk).update(relation=new[m.person_id], position=position)
        Household.objects.filter(pk=locked.pk).update(version=F("version") + 1)
        audit_record(
            action="household.change_head", actor=actor, object_type="household",
            object_id=locked.pk,
            detail={"new_head": new_head.pk,
                    "previous_head": previous.person_id if previous else None},
        )  # fmt: skip
        _close_open_items(
            locked, actor, Outcome.DONE, register_text(gettext_lazy("已办理户主变更。")),
            evidence=reason,
        )  # fmt: skip
    locked.refresh_from_db()
    return locked


# --- the work item a headless card opens ------------------------------------------------


def _ref(household: Household) -> str:
    return f"household:{household.pk}"


def household_headship_check(household: Household, *, gone: Person | None, on: dt.date) -> None:
    """After a member left or came back: a card with members but no head (本人) gets an
    open item asking the township to name the new head (one per card); a card with a
    head again, or with nobody left on it, has its open item closed by the system."""
    members = household.memberships.filter(left__isnull=True)
    if members.exists() and not members.filter(relation=Relation.SELF).exists():
        if gone is not None and not _open_items(household).exists():
            title = register_text(
                gettext_lazy("户主变更：%(code)s（原户主%(name)s已出队）"),
                {"code": household.code, "name": gone.name},
            )
            workitem_open(
                kind=HEAD_KIND, org_unit=household.org_unit, title=title,
                due_date=on + dt.timedelta(days=DUE_DAYS), source="registry",
                subject_household=household, subject_ref=_ref(household), actor=None,
            )  # fmt: skip
        return
    note = (
        gettext_lazy("户卡已有户主，无需变更。")
        if members.exists()
        else gettext_lazy("户内已无在册成员。")
    )
    _close_open_items(household, None, Outcome.RESOLVED, register_text(note))


def _open_items(household: Household) -> Any:
    return WorkItem.objects.filter(
        kind=HEAD_KIND, subject_ref=_ref(household), status=WorkItem.Status.OPEN
    )


def _close_open_items(
    household: Household, actor: User | None, outcome: str, note: str, *, evidence: str = ""
) -> None:
    for item in _open_items(household).order_by("pk"):
        workitem_close(
            item=item, outcome=outcome, evidence=evidence, actor=actor,
            expected_version=item.version, note=note,
        )  # fmt: skip
