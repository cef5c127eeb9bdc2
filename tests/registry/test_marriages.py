"""Marriage services: register, dissolve, widow; both spouses' statuses and events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from renkou.core.models import AuditEvent
from renkou.registry.models import LifeEvent, Marriage, Person
from renkou.registry.services.marriages import (
    marriage_current,
    marriage_dissolve,
    marriage_register,
    marriage_widow,
)
from tests.conftest import Cast
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def _couple(cast: Cast) -> tuple[Person, Person]:
    husband = make_person(
        org_unit=cast.village, name="周男", sex="M", birth_date=dt.date(1990, 1, 1)
    )
    wife = make_person(org_unit=cast.village, name="吴女", sex="F", birth_date=dt.date(1992, 1, 1))
    return husband, wife


def _marry(husband: Person, wife: Person, kind: str = "first") -> Marriage:
    return marriage_register(
        husband=husband,
        wife=wife,
        married_on=dt.date(2020, 5, 1),
        kind=kind,
        actor=None,
        source="form",
    )


@pytest.mark.parametrize(
    ("kind", "status"), [("first", "21"), ("remarriage", "22"), ("reunion", "23")]
)
def test_register_sets_both_statuses(cast: Cast, kind: str, status: str) -> None:
    husband, wife = _couple(cast)
    marriage = _marry(husband, wife, kind)
    assert marriage_current(person=husband) == marriage
    assert marriage_current(person=wife) == marriage
    for person in (husband, wife):
        person.refresh_from_db()
        assert person.marital_status == status
        assert person.events.filter(kind=LifeEvent.Kind.MARRIAGE).count() == 1
    assert AuditEvent.objects.filter(action="marriage.register").count() == 1


def test_register_refusals(cast: Cast) -> None:
    husband, wife = _couple(cast)
    with pytest.raises(ValidationError) as exc:
        _marry(wife, husband)
    assert {"subject", "spouse"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):
        _marry(husband, wife, kind="bogus")
    with pytest.raises(ValidationError):
        marriage_register(
            husband=husband,
            wife=wife,
            married_on=dt.date.today() + dt.timedelta(days=1),
            kind="first",
            actor=None,
            source="form",
        )
    with pytest.raises(ValidationError):
        marriage_register(
            husband=husband,
            wife=wife,
            married_on=dt.date(1989, 1, 1),
            kind="first",
            actor=None,
            source="form",
        )
    _marry(husband, wife)
    other = make_person(org_unit=cast.village, name="郑女", sex="F", birth_date=dt.date(1991, 1, 1))
    with pytest.raises(ValidationError) as exc:
        _marry(Person.objects.get(pk=husband.pk), other)
    assert "已有存续的婚姻" in exc.value.message_dict["subject"][0]
    assert Marriage.objects.count() == 1


def test_dissolve(cast: Cast) -> None:
    husband, wife = _couple(cast)
    marriage = _marry(husband, wife)
    with pytest.raises(ValidationError):
        marriage_dissolve(
            marriage=marriage, ended_on=dt.date(2019, 1, 1), actor=None, source="form"
        )
    marriage_dissolve(marriage=marriage, ended_on=dt.date(2024, 1, 1), actor=None, source="form")
    assert marriage.status == Marriage.Status.DIVORCED
    for person in (husband, wife):
        person.refresh_from_db()
        assert person.marital_status == "40"
        assert person.events.filter(kind=LifeEvent.Kind.DIVORCE).exists()
    with pytest.raises(ValidationError):
        marriage_dissolve(
            marriage=marriage, ended_on=dt.date(2024, 2, 1), actor=None, source="form"
        )
    # Reunion of the same couple after the divorce.
    again = _marry(Person.objects.get(pk=husband.pk), Person.objects.get(pk=wife.pk), "reunion")
    assert again.kind == "reunion"


def test_widow(cast: Cast) -> None:
    husband, wife = _couple(cast)
    assert (
        marriage_widow(deceased=husband, died_on=dt.date(2024, 1, 1), actor=None, source="form")
        is None
    )
    _marry(husband, wife)
    marriage = marriage_widow(
        deceased=husband, died_on=dt.date(2024, 1, 1), actor=None, source="form"
    )
    assert marriage is not None
    assert marriage.status == Marriage.Status.WIDOWED
    wife.refresh_from_db()
    assert wife.marital_status == "30"
