"""Households and their cards: members join and leave, history is kept."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, User
from renkou.registry.models import Household, LifeEvent, Membership, Person, Relation
from renkou.registry.services.persons import event_append


def household_create(
    *, code: str, org_unit: OrgUnit, hukou_type: str, address: str, actor: User | None
) -> Household:
    if len(code) != 18 or not code.isdigit():
        raise ValidationError(_("户编号应为18位数字。"), code="bad_household_code")
    with transaction.atomic():
        household = Household.objects.create(
            code=code, org_unit=org_unit, hukou_type=hukou_type, address=address
        )
        audit_record(
            action="household.create", actor=actor, object_type="household", object_id=household.pk
        )
    return household


def household_current_members(household: Household) -> list[Membership]:
    return list(
        household.memberships.filter(left__isnull=True)
        .select_related("person")
        .order_by("position", "joined", "pk")
    )


def household_add_member(
    *,
    household: Household,
    person: Person,
    relation: str,
    actor: User | None,
    source: str,
    on: dt.date | None = None,
    source_ref: str = "",
) -> Membership:
    """Put `person` on the household card; the first member must be the head (本人)."""
    current = household_current_members(household)
    if not current and relation != Relation.SELF:
        raise ValidationError(_("户内第一位成员必须是户主（本人）。"), code="head_not_first")
    if relation == Relation.SELF and any(m.relation == Relation.SELF for m in current):
        raise ValidationError(_("该户已有户主。"), code="two_heads")
    if Membership.objects.filter(person=person, left__isnull=True).exists():
        raise ValidationError(_("该人员已在其他户内，请先办理离户。"), code="already_member")
    top = household.memberships.aggregate(top=Max("position"))["top"] or 0
    with transaction.atomic():
        membership = Membership.objects.create(
            household=household,
            person=person,
            relation=relation,
            position=top + 1,
            joined=on or dt.date.today(),
        )
        event_append(
            person=person,
            kind=LifeEvent.Kind.HOUSEHOLD,
            actor=actor,
            source=source,
            event_date=on,
            source_ref=source_ref,
            changes={"household": ["", household.code], "relation": ["", relation]},
        )
        audit_record(
            action="household.add_member",
            actor=actor,
            object_type="household",
            object_id=household.pk,
            detail={"person": person.pk},
        )
    return membership
