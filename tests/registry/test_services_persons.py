from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from renkou.core.models import AuditEvent
from renkou.registry import identity
from renkou.registry.models import LeaveReason, LifeEvent, Person, Relation
from renkou.registry.services.households import household_add_member
from renkou.registry.services.persons import (
    ConflictError,
    PersonData,
    person_deregister,
    person_register,
    person_restore,
    person_update,
)
from tests.changereport_factories import make_family
from tests.conftest import Cast
from tests.factories import make_id_number, make_person


@pytest.mark.django_db
def test_register_encrypts_indexes_masks_and_appends_event(cast: Cast) -> None:
    number = make_id_number(dt.date(1990, 5, 1), "F")
    person = person_register(
        data=PersonData(
            name=" 王 芳 ",
            sex="F",
            birth_date=dt.date(1990, 5, 1),
            org_unit=cast.village,
            id_number=number.lower(),
            phone="13812345678",
        ),
        actor=cast.users["clerk"],
        source="form",
    )
    person.refresh_from_db()
    assert person.name == "王芳"
    assert person.name_pinyin == "wangfang"
    assert person.name_initials == "wf"
    assert number.encode() not in bytes(person.id_cipher)
    assert identity.id_reveal(person.id_cipher) == number.upper()
    assert person.id_index == identity.lookup_index(number)
    assert person.id_masked == number[:6] + "*" * 8 + number[-4:].upper()
    assert person.phone_masked == "138****5678"
    assert list(person.events.values_list("kind", flat=True)) == [LifeEvent.Kind.REGISTERED]
    assert AuditEvent.objects.filter(action="person.create", object_id=str(person.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sex", "birth", "message"),
    [
        ("M", dt.date(1990, 5, 1), "性别"),
        ("F", dt.date(1990, 5, 2), "出生日期"),
    ],
)
def test_register_refuses_id_that_disagrees(
    cast: Cast, sex: str, birth: dt.date, message: str
) -> None:
    number = make_id_number(dt.date(1990, 5, 1), "F")
    with pytest.raises(ValidationError) as info:
        person_register(
            data=PersonData(
                name="王芳", sex=sex, birth_date=birth, org_unit=cast.village, id_number=number
            ),
            actor=None,
            source="form",
        )
    assert message in " ".join(info.value.messages)
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_mother_younger_than_14_is_refused(cast: Cast) -> None:
    mother = make_person(
        org_unit=cast.village, name="李娜", sex="F", birth_date=dt.date(2010, 1, 1)
    )
    with pytest.raises(ValidationError) as info:
        make_person(org_unit=cast.village, birth_date=dt.date(2023, 6, 1), mother=mother)
    assert "14" in " ".join(info.value.messages)


@pytest.mark.django_db
def test_future_birth_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        make_person(
            org_unit=cast.village, birth_date=dt.date.today() + dt.timedelta(days=1), with_id=False
        )


@pytest.mark.django_db
def test_second_of_two_concurrent_edits_gets_a_conflict(cast: Cast) -> None:
    person = make_person(org_unit=cast.village)
    first = Person.objects.get(pk=person.pk)
    second = Person.objects.get(pk=person.pk)
    person_update(
        person=first, expected_version=1, changes={"address": "一组"}, actor=None, source="form"
    )
    with pytest.raises(ConflictError) as info:
        person_update(
            person=second,
            expected_version=1,
            changes={"address": "二组"},
            actor=None,
            source="form",
        )
    assert info.value.current.address == "一组"
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.address == "一组"
    assert fresh.version == 2
    assert fresh.events.filter(kind=LifeEvent.Kind.CORRECTION).count() == 1


@pytest.mark.django_db
def test_correction_records_the_diff_with_masked_id(cast: Cast) -> None:
    person = make_person(org_unit=cast.village)
    new_number = make_id_number(person.birth_date, "M")
    person_update(
        person=person,
        expected_version=1,
        changes={"name": "张卫", "id_number": new_number},
        actor=cast.users["clerk"],
        source="form",
        evidence="户口簿",
    )
    event = person.events.get(kind=LifeEvent.Kind.CORRECTION)
    assert event.changes["name"] == ["张伟", "张卫"]
    assert new_number not in str(event.changes)
    assert event.changes["id_number"][1].count("*") == 8


@pytest.mark.django_db
def test_changing_sex_against_the_stored_id_is_refused(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, sex="M")
    with pytest.raises(ValidationError):
        person_update(
            person=person, expected_version=1, changes={"sex": "F"}, actor=None, source="form"
        )
    assert Person.objects.get(pk=person.pk).sex == "M"


@pytest.mark.django_db
def test_deregister_and_restore_keep_history(cast: Cast) -> None:
    person = make_person(org_unit=cast.village)
    person_deregister(
        person=person,
        expected_version=1,
        reason=LeaveReason.DIED,
        on=dt.date(2026, 1, 5),
        actor=None,
        source="form",
    )
    person.refresh_from_db()
    assert person.status == Person.Status.LEFT
    assert person.death_date == dt.date(2026, 1, 5)
    with pytest.raises(ValidationError):
        person_restore(person=person, expected_version=2, actor=None, evidence=" ", source="form")
    person_restore(person=person, expected_version=2, actor=None, evidence="误报", source="form")
    person.refresh_from_db()
    assert person.is_active
    assert person.death_date is None
    kinds = list(person.events.order_by("id").values_list("kind", flat=True))
    assert kinds == ["registered", "death", "restore"]


@pytest.mark.django_db
def test_death_before_birth_is_refused(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, birth_date=dt.date(1985, 3, 14))
    with pytest.raises(ValidationError):
        person_deregister(
            person=person,
            expected_version=1,
            reason=LeaveReason.DIED,
            on=dt.date(1980, 1, 1),
            actor=None,
            source="form",
        )


def _current_card(person: Person) -> str | None:
    membership = person.memberships.filter(left__isnull=True).select_related("household").first()
    return membership.household.code if membership else None


@pytest.mark.django_db
def test_deregistration_takes_the_person_off_the_household_card(cast: Cast) -> None:
    family = make_family(cast.village)
    wife = Person.objects.get(pk=family.wife.pk)
    person_deregister(
        person=wife,
        expected_version=wife.version,
        reason=LeaveReason.MOVED_OUT,
        on=dt.date(2026, 2, 1),
        actor=None,
        source="form",
    )
    assert _current_card(wife) is None
    closed = wife.memberships.get()
    assert closed.left == dt.date(2026, 2, 1)
    change = wife.events.filter(kind=LifeEvent.Kind.HOUSEHOLD).order_by("-id").first()
    assert change is not None
    assert change.changes == {"household": [family.household.code, ""]}
    # A restore puts her back on the card her departure closed.
    wife.refresh_from_db()
    person_restore(
        person=wife, expected_version=wife.version, actor=None, evidence="迁出未成行", source="form"
    )
    assert _current_card(wife) == family.household.code
    assert family.household.memberships.filter(left__isnull=True).count() == 2


@pytest.mark.django_db
def test_a_restored_head_does_not_displace_the_new_head(cast: Cast) -> None:
    family = make_family(cast.village)
    husband = Person.objects.get(pk=family.husband.pk)
    person_deregister(
        person=husband,
        expected_version=husband.version,
        reason=LeaveReason.DIED,
        on=dt.date(2026, 2, 1),
        actor=None,
        source="form",
    )
    assert _current_card(husband) is None
    # The household takes a new head; the wife's old row is closed and she heads it now.
    wife = family.wife
    wife.memberships.filter(left__isnull=True).update(left=dt.date(2026, 2, 2))
    household_add_member(
        household=family.household, person=wife, relation=Relation.SELF, actor=None, source="form"
    )
    husband.refresh_from_db()
    person_restore(
        person=husband, expected_version=husband.version, actor=None, evidence="误报", source="form"
    )
    husband.refresh_from_db()
    assert husband.is_active
    assert _current_card(husband) is None  # a card has one head; the clerk decides
    heads = family.household.memberships.filter(left__isnull=True, relation=Relation.SELF)
    assert list(heads.values_list("person_id", flat=True)) == [wife.pk]
