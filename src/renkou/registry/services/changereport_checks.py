"""What a village change report must satisfy before it is filed (per kind).

Each check adds Chinese messages by form field to an error dict; the caller raises one
ValidationError with all of them, so the officer sees every problem at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from renkou.core.models import OrgUnit, User
from renkou.core.scoping import unit_in_scope
from renkou.linkage import idnumber
from renkou.registry import identity, rules
from renkou.registry.models import (
    ChangeReport,
    Household,
    Membership,
    Person,
    Relation,
    Sex,
)
from renkou.registry.services.marriages import marriage_check, marriage_current
from renkou.registry.services.persons import validate_identity

Kind = ChangeReport.Kind
Errors = dict[str, list[str]]
_PLACE_CODE = re.compile(r"^\d{6}(\d{6})?$")
NEW_PERSON_KINDS = frozenset({Kind.BIRTH, Kind.MOVE_IN, Kind.MIGRANT_IN})
SUBJECT_KINDS = frozenset({Kind.DEATH, Kind.MOVE_OUT, Kind.MIGRANT_OUT, Kind.DIVORCE})


@dataclass
class ReportInput:
    """What an officer reports; persons and households are already looked up by pk."""

    kind: str
    event_date: dt.date
    subject: Person | None = None
    spouse: Person | None = None
    name: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    id_number: str = ""
    mother: Person | None = None
    father: Person | None = None
    household: Household | None = None
    relation: str = ""
    place: str = ""
    place_code: str = ""
    marriage_kind: str = ""
    note: str = ""
    # Filled in by the checks: the ID as parsed, the marriage being dissolved.
    derived: dict[str, Any] = field(default_factory=dict)


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def current_household(person: Person) -> Household | None:
    membership = (
        Membership.objects.filter(person=person, left__isnull=True)
        .select_related("household")
        .first()
    )
    return membership.household if membership else None


def _check_person(
    errors: Errors, name: str, person: Person | None, actor: User, *, active: bool
) -> bool:
    """The picked person exists, lies in the actor's scope and (if asked) is in the register."""
    if person is None:
        _add(errors, name, _("请选择人员。"))
        return False
    if not unit_in_scope(actor, person.org_unit):
        _add(errors, name, _("请从本辖区在册人员中选择。"))
        return False
    if active and not person.is_active:
        _add(errors, name, _("%(name)s 已不在册。") % {"name": person.name})
        return False
    return True


def _check_date(errors: Errors, data: ReportInput, today: dt.date) -> None:
    if data.event_date > today:
        _add(errors, "event_date", _("发生日期不能晚于今天。"))
    if data.subject is not None and data.event_date < data.subject.birth_date:
        _add(errors, "event_date", _("发生日期早于当事人出生日期。"))


def _check_identity(errors: Errors, data: ReportInput, *, required: bool) -> None:
    if not data.id_number.strip():
        if required:
            _add(errors, "id_number", _("请填写公民身份号码。"))
        return
    if not data.sex or data.birth_date is None:
        return
    try:
        info = validate_identity(data.id_number, sex=data.sex, birth_date=data.birth_date)
    except ValidationError as exc:
        for message in exc.messages:
            _add(errors, "id_number", message)
        return
    assert info is not None
    data.derived["id_info"] = info
    index = identity.id_index(info.normalized)
    if Person.objects.filter(id_index=index, status=Person.Status.ACTIVE).exists():
        _add(errors, "id_number", _("该身份证号的人员已在册，请勿重复登记。"))


def _check_household(errors: Errors, data: ReportInput, actor: User, *, required: bool) -> None:
    household = data.household
    if household is None:
        if required:
            _add(errors, "household", _("请选择户。"))
        return
    if not unit_in_scope(actor, household.org_unit):
        _add(errors, "household", _("请选择本辖区的户。"))
        return
    if not data.relation:
        _add(errors, "relation", _("请选择与户主关系。"))
        return
    members = Membership.objects.filter(household=household, left__isnull=True)
    has_head = members.filter(relation=Relation.SELF).exists()
    if data.relation == Relation.SELF and has_head:
        _add(errors, "relation", _("该户已有户主。"))
    elif data.relation != Relation.SELF and not members.exists():
        _add(errors, "relation", _("户内第一位成员必须是户主（本人）。"))


def _check_birth(errors: Errors, data: ReportInput, actor: User, unit: OrgUnit) -> None:
    data.birth_date = data.event_date
    if data.sex not in Sex.values:
        _add(errors, "sex", _("请选择性别。"))
    if _check_person(errors, "mother", data.mother, actor, active=True):
        assert data.mother is not None
        if data.mother.sex != Sex.FEMALE:
            _add(errors, "mother", _("母亲的性别不是女。"))
        try:
            rules.check_mother_age(mother_birth=data.mother.birth_date, child_birth=data.event_date)
        except ValidationError as exc:
            _add(errors, "mother", exc.messages[0])
        if data.household is None:
            data.household = current_household(data.mother)
    if data.father is not None and _check_person(
        errors, "father", data.father, actor, active=False
    ):
        if data.father.sex != Sex.MALE:
            _add(errors, "father", _("父亲的性别不是男。"))
        if data.event_date <= data.father.birth_date:
            _add(errors, "father", _("父亲的出生日期晚于子女。"))
    if data.relation == Relation.SELF:
        _add(errors, "relation", _("新生儿不能登记为户主。"))
    _check_identity(errors, data, required=False)
    _check_household(errors, data, actor, required=True)


def _check_arrival(errors: Errors, data: ReportInput, actor: User, unit: OrgUnit) -> None:
    if data.sex not in Sex.values:
        _add(errors, "sex", _("请选择性别。"))
    if data.birth_date is None:
        _add(errors, "birth_date", _("请填写出生日期。"))
    elif data.birth_date > data.event_date:
        _add(errors, "event_date", _("发生日期早于当事人出生日期。"))
    if not data.place.strip():
        _add(errors, "place", _("请填写从何处迁来。"))
    _check_identity(errors, data, required=True)
    _check_household(errors, data, actor, required=data.kind == Kind.MOVE_IN)
    if data.kind == Kind.MIGRANT_IN:
        _check_migrant_origin(errors, data, unit)


def _county_prefix(unit: OrgUnit) -> str:
    for ancestor in unit.ancestors_and_self():
        if ancestor.level == OrgUnit.Level.COUNTY:
            return ancestor.code[:6]
    return unit.code[:6]


def _check_migrant_origin(errors: Errors, data: ReportInput, unit: OrgUnit) -> None:
    """流入 means hukou outside this county: the code given, else the ID's address code."""
    info: idnumber.IdInfo | None = data.derived.get("id_info")
    if not data.place_code and info is not None:
        data.place_code = info.normalized[:6] + "000000"
    if data.place_code and data.place_code[:6] == _county_prefix(unit):
        _add(errors, "place_code", _("流入人员的户籍地应在本县（区）以外；本县人员请用“迁入”。"))


def _check_subject(errors: Errors, data: ReportInput, actor: User, unit: OrgUnit) -> None:
    if not _check_person(errors, "subject", data.subject, actor, active=True):
        return
    if data.kind in (Kind.MOVE_OUT, Kind.MIGRANT_OUT) and not data.place.strip():
        _add(errors, "place", _("请填写迁往地点。"))
    if data.kind == Kind.DEATH:
        assert data.subject is not None
        try:
            rules.check_death_after_birth(
                birth_date=data.subject.birth_date, death_date=data.event_date
            )
        except ValidationError as exc:
            _add(errors, "event_date", exc.messages[0])
    if data.kind == Kind.DIVORCE:
        _check_divorce(errors, data, actor)


def _check_divorce(errors: Errors, data: ReportInput, actor: User) -> None:
    assert data.subject is not None
    marriage = marriage_current(person=data.subject)
    if marriage is None:
        _add(errors, "subject", _("该人员没有存续的婚姻记录。"))
        return
    other = marriage.wife if marriage.husband_id == data.subject.pk else marriage.husband
    if not unit_in_scope(actor, other.org_unit):
        _add(errors, "subject", _("配偶不在本辖区，请由乡镇办理。"))
        return
    if marriage.married_on and data.event_date < marriage.married_on:
        _add(errors, "event_date", _("离婚日期早于结婚日期。"))
    data.spouse = other
    data.derived["marriage"] = marriage


def _check_marriage(errors: Errors, data: ReportInput, actor: User, unit: OrgUnit) -> None:
    husband_ok = _check_person(errors, "subject", data.subject, actor, active=True)
    wife_ok = _check_person(errors, "spouse", data.spouse, actor, active=True)
    if not (husband_ok and wife_ok):
        return
    assert data.subject is not None
    assert data.spouse is not None
    if not any(p.org_unit.path.startswith(unit.path) for p in (data.subject, data.spouse)):
        _add(errors, "subject", _("男女双方至少一方应为本村人员。"))
    try:
        marriage_check(
            husband=data.subject,
            wife=data.spouse,
            married_on=data.event_date,
            kind=data.marriage_kind,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                _add(errors, name, message)


def _check_place_code(errors: Errors, data: ReportInput) -> None:
    if data.place_code and not _PLACE_CODE.match(data.place_code):
        _add(errors, "place_code", _("区划代码应为6位或12位数字。"))


_CHECKS = {
    Kind.BIRTH: _check_birth,
    Kind.MOVE_IN: _check_arrival,
    Kind.MIGRANT_IN: _check_arrival,
    Kind.MARRIAGE: _check_marriage,
    Kind.DEATH: _check_subject,
    Kind.MOVE_OUT: _check_subject,
    Kind.MIGRANT_OUT: _check_subject,
    Kind.DIVORCE: _check_subject,
}


def report_check(*, data: ReportInput, actor: User, unit: OrgUnit, today: dt.date) -> None:
    """Raise one ValidationError (by field) if the report cannot be filed as it stands."""
    errors: Errors = {}
    if data.kind not in Kind.values:
        raise ValidationError({"kind": [_("报告类别无效。")]})
    if data.kind in NEW_PERSON_KINDS and not data.name.strip():
        _add(errors, "name", _("请填写姓名。"))
    _check_place_code(errors, data)
    _CHECKS[Kind(data.kind)](errors, data, actor, unit)
    _check_date(errors, data, today)
    if errors:
        raise ValidationError(errors)
