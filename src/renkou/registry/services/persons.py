"""Registering, correcting, deregistering and restoring persons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, User
from renkou.linkage import idnumber
from renkou.linkage.names import name_initials, name_pinyin, normalize_name
from renkou.registry import identity, rules
from renkou.registry.models import (
    Household,
    LeaveReason,
    LifeEvent,
    Membership,
    Person,
    Relation,
)

# Fields a correction may change directly (identity number and phone have their own path).
EDITABLE_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "education",
    "hukou_type",
    "hukou_unit",
    "hukou_code",
    "residence_unit",
    "residence_code",
    "address",
    "org_unit",
    "marital_status",
    "mother",
    "father",
)


class ConflictError(Exception):
    """Someone else changed the record since it was read: nothing was written."""

    def __init__(self, current: Person) -> None:
        super().__init__(_("该记录已被他人修改，请查看最新内容后重新提交。"))
        self.current = current


@dataclass
class PersonData:
    name: str
    sex: str
    birth_date: dt.date
    org_unit: OrgUnit
    id_number: str = ""
    ethnicity: str = "01"
    education: str = ""
    hukou_type: str = "2"
    hukou_unit: OrgUnit | None = None
    hukou_code: str = ""
    residence_unit: OrgUnit | None = None
    residence_code: str = ""
    address: str = ""
    marital_status: str = "90"
    mother: Person | None = None
    father: Person | None = None
    phone: str = ""
    external_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def validate_identity(
    raw: str, *, sex: str, birth_date: dt.date, known_area_codes: frozenset[str] | None = None
) -> idnumber.IdInfo | None:
    """Parse an identity number and check it agrees with the recorded sex and birth date."""
    if not raw.strip():
        return None
    try:
        return idnumber.parse(
            raw,
            recorded_sex=sex,
            recorded_birth_date=birth_date,
            known_area_codes=known_area_codes,
        )
    except idnumber.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}, code=exc.code) from exc


def validate_person(data: PersonData) -> idnumber.IdInfo | None:
    errors: dict[str, list[str]] = {}
    try:
        rules.check_birth_date(data.birth_date)
        if data.mother is not None:
            rules.check_mother_age(mother_birth=data.mother.birth_date, child_birth=data.birth_date)
    except ValidationError as exc:
        errors.setdefault("birth_date", []).extend(exc.messages)
    info = None
    try:
        info = validate_identity(data.id_number, sex=data.sex, birth_date=data.birth_date)
    except ValidationError as exc:
        errors.setdefault("id_number", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return info


def _apply_identity(person: Person, info: idnumber.IdInfo | None) -> None:
    if info is None:
        person.id_cipher, person.id_index, person.id_masked = None, "", ""
        person.id_kind, person.id_warning = "", ""
        return
    stored = identity.id_store(info)
    person.id_cipher, person.id_index, person.id_masked = stored.cipher, stored.index, stored.masked
    person.id_kind, person.id_warning = stored.kind, stored.warning


def _set_name(person: Person, name: str) -> None:
    person.name = normalize_name(name)
    person.name_pinyin = name_pinyin(person.name)
    person.name_initials = name_initials(person.name)


def person_build(data: PersonData, info: idnumber.IdInfo | None) -> Person:
    """An unsaved Person from validated data (used by the importer's bulk path too)."""
    person = Person(
        external_id=data.external_id or None,
        sex=data.sex,
        birth_date=data.birth_date,
        ethnicity=data.ethnicity,
        education=data.education,
        hukou_type=data.hukou_type,
        hukou_unit=data.hukou_unit,
        hukou_code=data.hukou_code,
        residence_unit=data.residence_unit,
        residence_code=data.residence_code,
        address=data.address,
        org_unit=data.org_unit,
        marital_status=data.marital_status,
        mother=data.mother,
        father=data.father,
    )
    _set_name(person, data.name)
    _apply_identity(person, info)
    person.phone_cipher, person.phone_masked = identity.phone_store(data.phone)
    return person


def event_append(
    *,
    person: Person,
    kind: str,
    actor: User | None,
    source: str,
    event_date: dt.date | None = None,
    source_ref: str = "",
    evidence: str = "",
    changes: dict[str, list[str]] | None = None,
) -> LifeEvent:
    return LifeEvent.objects.create(
        person=person,
        kind=kind,
        event_date=event_date,
        recorded_by=actor,
        source=source,
        source_ref=source_ref,
        evidence=evidence,
        changes=changes or {},
    )


def person_register(
    *,
    data: PersonData,
    actor: User | None,
    source: str,
    kind: str = LifeEvent.Kind.REGISTERED,
    event_date: dt.date | None = None,
    source_ref: str = "",
    evidence: str = "",
) -> Person:
    """Validate and add a person to the active register, with its first event."""
    info = validate_person(data)
    person = person_build(data, info)
    person.created_by = actor
    with transaction.atomic():
        person.save()
        event_append(
            person=person,
            kind=kind,
            actor=actor,
            source=source,
            event_date=event_date or data.birth_date,
            source_ref=source_ref,
            evidence=evidence,
        )
        audit_record(action="person.create", actor=actor, object_type="person", object_id=person.pk)
    return person


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Person | OrgUnit):
        return str(value.pk)
    return str(value)


def _guarded_save(person: Person, expected_version: int, fields: list[str]) -> None:
    """Write `fields` only if nobody bumped the version since it was read."""
    values = {name: getattr(person, name) for name in fields}
    updated = Person.objects.filter(pk=person.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise ConflictError(Person.objects.get(pk=person.pk))
    person.version = expected_version + 1


def person_update(
    *,
    person: Person,
    expected_version: int,
    changes: dict[str, Any],
    actor: User | None,
    source: str,
    evidence: str = "",
    kind: str = LifeEvent.Kind.CORRECTION,
    event_date: dt.date | None = None,
    source_ref: str = "",
) -> Person:
    """Apply `changes` (field → new value) with optimistic concurrency and one event."""
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"id_number", "phone"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    diff: dict[str, list[str]] = {}
    touched: list[str] = []
    for name, value in changes.items():
        if name in ("id_number", "phone"):
            continue
        if getattr(person, name) != value:
            diff[name] = [_display(getattr(person, name)), _display(value)]
            if name == "name":
                _set_name(person, value)
                touched += ["name", "name_pinyin", "name_initials"]
            else:
                setattr(person, name, value)
                touched.append(name)
    if "id_number" in changes:
        info = validate_identity(changes["id_number"], sex=person.sex, birth_date=person.birth_date)
        old_masked = person.id_masked
        _apply_identity(person, info)
        if person.id_masked != old_masked or info is None:
            diff["id_number"] = [old_masked, person.id_masked]
            touched += ["id_cipher", "id_index", "id_masked", "id_kind", "id_warning"]
    elif person.id_cipher and ({"sex", "birth_date"} & set(diff)):
        # The stored number still fixes sex and birth date (GB 11643): check it again.
        validate_identity(
            identity.id_reveal(person.id_cipher), sex=person.sex, birth_date=person.birth_date
        )
    if "phone" in changes:
        old_phone = person.phone_masked
        person.phone_cipher, person.phone_masked = identity.phone_store(changes["phone"])
        diff["phone"] = [old_phone, person.phone_masked]
        touched += ["phone_cipher", "phone_masked"]
    _check_consistency(person)
    with transaction.atomic():
        _guarded_save(person, expected_version, touched)
        event_append(
            person=person,
            kind=kind,
            actor=actor,
            source=source,
            event_date=event_date,
            source_ref=source_ref,
            evidence=evidence,
            changes=diff,
        )
        audit_record(
            action="person.update",
            actor=actor,
            object_type="person",
            object_id=person.pk,
            detail={"fields": ",".join(sorted(diff))},
        )
    return person


def _check_consistency(person: Person) -> None:
    rules.check_birth_date(person.birth_date)
    if person.mother is not None:
        rules.check_mother_age(mother_birth=person.mother.birth_date, child_birth=person.birth_date)
    if person.death_date is not None:
        rules.check_death_after_birth(birth_date=person.birth_date, death_date=person.death_date)


def person_deregister(
    *,
    person: Person,
    expected_version: int,
    reason: str,
    on: dt.date,
    actor: User | None,
    source: str,
    evidence: str = "",
    source_ref: str = "",
) -> Person:
    """Take a person out of the active register (出队); nothing is deleted."""
    if not person.is_active:
        raise ValidationError(_("该人员已不在册。"), code="not_active")
    if reason not in LeaveReason.values:
        raise ValidationError(_("出队原因无效。"), code="bad_reason")
    rules.check_death_after_birth(birth_date=person.birth_date, death_date=on)
    person.status, person.left_reason, person.left_date = Person.Status.LEFT, reason, on
    fields = ["status", "left_reason", "left_date"]
    kind = LifeEvent.Kind.DEREGISTER
    if reason == LeaveReason.DIED:
        person.death_date = on
        fields.append("death_date")
        kind = LifeEvent.Kind.DEATH
    elif reason == LeaveReason.MOVED_OUT:
        kind = LifeEvent.Kind.MOVE_OUT
    with transaction.atomic():
        _guarded_save(person, expected_version, fields)
        event_append(
            person=person,
            kind=kind,
            actor=actor,
            source=source,
            event_date=on,
            source_ref=source_ref,
            evidence=evidence,
            changes={"status": ["active", "left"], "left_reason": ["", reason]},
        )
        _leave_household(person, on=on, actor=actor, source=source, source_ref=source_ref)
        audit_record(
            action="person.deregister",
            actor=actor,
            object_type="person",
            object_id=person.pk,
            detail={"reason": reason},
        )
    return person


def _leave_household(
    person: Person, *, on: dt.date, actor: User | None, source: str, source_ref: str
) -> None:
    """A person who leaves the register leaves their household card too (the membership
    is closed on the same date, never deleted)."""
    membership = (
        Membership.objects.filter(person=person, left__isnull=True)
        .select_related("household")
        .first()
    )
    if membership is None:
        return
    Membership.objects.filter(pk=membership.pk).update(left=on)
    event_append(
        person=person,
        kind=LifeEvent.Kind.HOUSEHOLD,
        actor=actor,
        source=source,
        event_date=on,
        source_ref=source_ref,
        changes={"household": [membership.household.code, ""]},
    )
    _headship_check(membership.household, gone=person if membership.relation == Relation.SELF
                    else None, on=on)  # fmt: skip


def _headship_check(household: Household, *, gone: Person | None, on: dt.date) -> None:
    # headship builds on this module (event_append), so it is imported where it is used.
    from renkou.registry.services.headship import household_headship_check

    household_headship_check(household, gone=gone, on=on)


def _rejoin_household(person: Person, *, left_on: dt.date, actor: User | None, source: str) -> bool:
    """Put a restored person back on the card their deregistration closed, if that card
    can take them (no other current card; a head only where the card has no head)."""
    if Membership.objects.filter(person=person, left__isnull=True).exists():
        return False
    membership = (
        Membership.objects.filter(person=person, left=left_on)
        .select_related("household")
        .order_by("-pk")
        .first()
    )
    if membership is None:
        return False
    current = Membership.objects.filter(household=membership.household, left__isnull=True)
    if membership.relation == Relation.SELF and current.filter(relation=Relation.SELF).exists():
        return False
    if membership.relation != Relation.SELF and not current.exists():
        return False  # the first member of a card is its head
    Membership.objects.filter(pk=membership.pk).update(left=None)
    event_append(
        person=person,
        kind=LifeEvent.Kind.HOUSEHOLD,
        actor=actor,
        source=source,
        changes={"household": ["", membership.household.code]},
    )
    _headship_check(membership.household, gone=None, on=timezone.localdate())
    return True


def person_restore(
    *, person: Person, expected_version: int, actor: User | None, evidence: str, source: str
) -> Person:
    """Bring a departed record back to the active register (回档), keeping its history."""
    if person.is_active:
        raise ValidationError(_("该人员在册，无需回档。"), code="already_active")
    if not evidence.strip():
        raise ValidationError(_("回档须说明依据。"), code="evidence_required")
    old_reason, old_left = person.left_reason, person.left_date
    person.status, person.left_reason, person.left_date = Person.Status.ACTIVE, "", None
    fields = ["status", "left_reason", "left_date"]
    if old_reason == LeaveReason.DIED:
        person.death_date = None
        fields.append("death_date")
    with transaction.atomic():
        _guarded_save(person, expected_version, fields)
        event_append(
            person=person,
            kind=LifeEvent.Kind.RESTORE,
            actor=actor,
            source=source,
            evidence=evidence,
            changes={"status": ["left", "active"], "left_reason": [old_reason, ""]},
        )
        # A merge's undo puts memberships back itself, exactly as the merge moved them.
        if old_left is not None and old_reason != LeaveReason.DUPLICATE:
            _rejoin_household(person, left_on=old_left, actor=actor, source=source)
        audit_record(
            action="person.restore", actor=actor, object_type="person", object_id=person.pk
        )
    return person
