"""Marriages: registering a couple, ending a marriage by divorce or by a spouse's death.

A marriage row and both spouses' 婚姻状况 (GB/T 2261.2) change together, each spouse
with a life event, in one transaction with the audit row.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkou.core.audit import audit_record
from renkou.core.i18n import register_text
from renkou.core.models import User
from renkou.registry.models import LifeEvent, MaritalStatus, Marriage, Person, Sex
from renkou.registry.services.persons import person_update

# The marital status a spouse gets for each kind of marriage.
STATUS_FOR_KIND = {
    Marriage.Kind.FIRST: MaritalStatus.FIRST_MARRIAGE,
    Marriage.Kind.REMARRIAGE: MaritalStatus.REMARRIED,
    Marriage.Kind.REUNION: MaritalStatus.REUNITED,
}


def marriage_current(*, person: Person) -> Marriage | None:
    """The person's marriage that is still in force, if any."""
    return (
        Marriage.objects.filter(Q(husband=person) | Q(wife=person), status=Marriage.Status.MARRIED)
        .select_related("husband", "wife")
        .first()
    )


def marriage_check(*, husband: Person, wife: Person, married_on: dt.date, kind: str) -> None:
    """Refuse a marriage the register cannot hold (raises ValidationError by field)."""
    errors: dict[str, list[str]] = {}
    if kind not in Marriage.Kind.values:
        errors.setdefault("marriage_kind", []).append(_("婚姻类型无效。"))
    if husband.sex != Sex.MALE:
        errors.setdefault("subject", []).append(_("男方的性别不是男。"))
    if wife.sex != Sex.FEMALE:
        errors.setdefault("spouse", []).append(_("女方的性别不是女。"))
    for field, person in (("subject", husband), ("spouse", wife)):
        if not person.is_active:
            errors.setdefault(field, []).append(_("%(name)s 已不在册。") % {"name": person.name})
        elif marriage_current(person=person) is not None:
            errors.setdefault(field, []).append(
                _("%(name)s 已有存续的婚姻，请先登记离婚。") % {"name": person.name}
            )
        if married_on < person.birth_date:
            errors.setdefault("event_date", []).append(_("结婚日期早于当事人出生日期。"))
    if married_on > dt.date.today():
        errors.setdefault("event_date", []).append(_("发生日期不能晚于今天。"))
    if errors:
        raise ValidationError(errors)


def _set_status(
    *,
    person: Person,
    status: str,
    kind: str,
    on: dt.date,
    actor: User | None,
    source: str,
    ref: str,
    evidence: str = "",
) -> None:
    fresh = Person.objects.select_related("mother").get(pk=person.pk)
    person_update(
        person=fresh,
        expected_version=fresh.version,
        changes={"marital_status": status},
        actor=actor,
        source=source,
        kind=kind,
        event_date=on,
        source_ref=ref,
        evidence=evidence,
    )


def marriage_register(
    *,
    husband: Person,
    wife: Person,
    married_on: dt.date,
    kind: str,
    actor: User | None,
    source: str,
    source_ref: str = "",
) -> Marriage:
    """Record a marriage; both spouses become 初婚/再婚/复婚 with a marriage event."""
    marriage_check(husband=husband, wife=wife, married_on=married_on, kind=kind)
    status = STATUS_FOR_KIND[Marriage.Kind(kind)]
    with transaction.atomic():
        marriage = Marriage.objects.create(
            husband=husband, wife=wife, kind=kind, married_on=married_on
        )
        for spouse in (husband, wife):
            _set_status(
                person=spouse,
                status=status,
                kind=LifeEvent.Kind.MARRIAGE,
                on=married_on,
                actor=actor,
                source=source,
                ref=source_ref,
            )
        audit_record(
            action="marriage.register",
            actor=actor,
            object_type="marriage",
            object_id=marriage.pk,
            detail={"kind": kind},
        )
    return marriage


def marriage_dissolve(
    *, marriage: Marriage, ended_on: dt.date, actor: User | None, source: str, source_ref: str = ""
) -> Marriage:
    """Record a divorce: the marriage ends and both spouses become 离婚 (40)."""
    if marriage.status != Marriage.Status.MARRIED:
        raise ValidationError(_("该婚姻已终止。"), code="not_married")
    if marriage.married_on and ended_on < marriage.married_on:
        raise ValidationError({"event_date": _("离婚日期早于结婚日期。")}, code="before_marriage")
    with transaction.atomic():
        updated = Marriage.objects.filter(pk=marriage.pk, status=Marriage.Status.MARRIED).update(
            status=Marriage.Status.DIVORCED, ended_on=ended_on
        )
        if updated != 1:
            raise ValidationError(_("该婚姻已终止。"), code="not_married")
        marriage.status, marriage.ended_on = Marriage.Status.DIVORCED, ended_on
        for spouse in (marriage.husband, marriage.wife):
            _set_status(
                person=spouse,
                status=MaritalStatus.DIVORCED,
                kind=LifeEvent.Kind.DIVORCE,
                on=ended_on,
                actor=actor,
                source=source,
                ref=source_ref,
            )
        audit_record(
            action="marriage.dissolve", actor=actor, object_type="marriage", object_id=marriage.pk
        )
    return marriage


def marriage_widow(
    *, deceased: Person, died_on: dt.date, actor: User | None, source: str, source_ref: str = ""
) -> Marriage | None:
    """After a death: the deceased's marriage ends and the survivor becomes 丧偶 (30)."""
    marriage = marriage_current(person=deceased)
    if marriage is None:
        return None
    survivor = marriage.wife if marriage.husband_id == deceased.pk else marriage.husband
    with transaction.atomic():
        Marriage.objects.filter(pk=marriage.pk).update(
            status=Marriage.Status.WIDOWED, ended_on=died_on
        )
        marriage.status, marriage.ended_on = Marriage.Status.WIDOWED, died_on
        if survivor.is_active:
            _set_status(
                person=survivor,
                status=MaritalStatus.WIDOWED,
                # There is no "widowed" event kind; the evidence says why the status changed.
                kind=LifeEvent.Kind.CORRECTION,
                evidence=register_text(gettext_lazy("配偶死亡")),
                on=died_on,
                actor=actor,
                source=source,
                ref=source_ref,
            )
        audit_record(
            action="marriage.widow", actor=actor, object_type="marriage", object_id=marriage.pk
        )
    return marriage
