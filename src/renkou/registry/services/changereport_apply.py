"""Applying an accepted change report to the register through the register's services.

Called inside the accept transaction: if any step refuses, the report stays 待审核 and
nothing of the register changes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkou.core.i18n import register_text
from renkou.core.models import User
from renkou.registry import identity
from renkou.registry.models import (
    ChangeReport,
    LeaveReason,
    LifeEvent,
    MaritalStatus,
    Person,
)
from renkou.registry.services.households import household_add_member
from renkou.registry.services.marriages import (
    marriage_current,
    marriage_dissolve,
    marriage_register,
    marriage_widow,
)
from renkou.registry.services.persons import (
    PersonData,
    person_deregister,
    person_register,
    person_update,
)

Kind = ChangeReport.Kind
SOURCE = LifeEvent.Source.CHANGE_REPORT


def _fresh(person: Person | None) -> Person:
    """Re-read a person inside the transaction so the version check sees the latest write."""
    if person is None:
        raise ValidationError(_("报告单缺少当事人。"))
    return Person.objects.select_related("mother").get(pk=person.pk)


def _new_person_data(report: ChangeReport) -> PersonData:
    assert report.birth_date is not None
    unit = report.org_unit
    local = report.kind != Kind.MIGRANT_IN
    return PersonData(
        name=report.name,
        sex=report.sex,
        birth_date=report.birth_date,
        org_unit=unit,
        id_number=identity.id_reveal(report.id_cipher),
        hukou_type=report.household.hukou_type if report.household else "2",
        hukou_unit=unit if local else None,
        hukou_code=unit.code if local else report.place_code,
        residence_unit=unit,
        residence_code=unit.code,
        address=report.household.address if report.household else "",
        marital_status=MaritalStatus.UNMARRIED
        if report.kind == Kind.BIRTH
        else MaritalStatus.UNKNOWN,
        mother=report.mother,
        father=report.father,
    )


def _register_new(report: ChangeReport, actor: User) -> None:
    kind = LifeEvent.Kind.BIRTH if report.kind == Kind.BIRTH else LifeEvent.Kind.MOVE_IN
    person = person_register(
        data=_new_person_data(report),
        actor=actor,
        source=SOURCE,
        kind=kind,
        event_date=report.event_date,
        source_ref=str(report.pk),
        evidence=report.place,
    )
    if report.household is not None:
        household_add_member(
            household=report.household,
            person=person,
            relation=report.relation,
            actor=actor,
            source=SOURCE,
            on=report.event_date,
            source_ref=str(report.pk),
        )
    report.result_person = person


def _deregister(report: ChangeReport, actor: User) -> None:
    person = _fresh(report.subject)
    reason = LeaveReason.DIED if report.kind == Kind.DEATH else LeaveReason.MOVED_OUT
    person_deregister(
        person=person,
        expected_version=person.version,
        reason=reason,
        on=report.event_date,
        actor=actor,
        source=SOURCE,
        evidence=report.place,
        source_ref=str(report.pk),
    )
    if reason == LeaveReason.DIED:
        marriage_widow(
            deceased=person,
            died_on=report.event_date,
            actor=actor,
            source=SOURCE,
            source_ref=str(report.pk),
        )
    report.result_person = person


def _migrant_out(report: ChangeReport, actor: User) -> None:
    """流出: still our resident of record, now living elsewhere; the register notes where."""
    person = _fresh(report.subject)
    if not person.is_active:
        raise ValidationError(_("该人员已不在册。"))
    person_update(
        person=person,
        expected_version=person.version,
        changes={
            "residence_unit": None,
            "residence_code": report.place_code,
            "address": report.place,
        },
        actor=actor,
        source=SOURCE,
        evidence=register_text(gettext_lazy("流出：%(place)s"), {"place": report.place}),
        kind=LifeEvent.Kind.MOVE_OUT,
        event_date=report.event_date,
        source_ref=str(report.pk),
    )
    report.result_person = person


def _marry(report: ChangeReport, actor: User) -> None:
    marriage_register(
        husband=_fresh(report.subject),
        wife=_fresh(report.spouse),
        married_on=report.event_date,
        kind=report.marriage_kind,
        actor=actor,
        source=SOURCE,
        source_ref=str(report.pk),
    )


def _divorce(report: ChangeReport, actor: User) -> None:
    marriage = marriage_current(person=_fresh(report.subject))
    if marriage is None or report.spouse_id not in (marriage.husband_id, marriage.wife_id):
        raise ValidationError(_("该人员没有存续的婚姻记录。"))
    marriage_dissolve(
        marriage=marriage,
        ended_on=report.event_date,
        actor=actor,
        source=SOURCE,
        source_ref=str(report.pk),
    )


_APPLY: dict[str, Callable[[ChangeReport, User], None]] = {
    Kind.BIRTH: _register_new,
    Kind.MOVE_IN: _register_new,
    Kind.MIGRANT_IN: _register_new,
    Kind.DEATH: _deregister,
    Kind.MOVE_OUT: _deregister,
    Kind.MIGRANT_OUT: _migrant_out,
    Kind.MARRIAGE: _marry,
    Kind.DIVORCE: _divorce,
}


def report_apply(*, report: ChangeReport, actor: User) -> None:
    """Make the register say what the report says (caller holds the transaction)."""
    _APPLY[report.kind](report, actor)
