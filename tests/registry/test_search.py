"""The person search selector: name forms, ID forms, filters and scope."""

from __future__ import annotations

import datetime as dt

import pytest

from renkou.registry.models import Person, Relation
from renkou.registry.search import PersonCriteria, Status, person_search
from renkou.registry.services.persons import person_deregister
from tests.conftest import Cast
from tests.factories import make_person
from tests.registry_views_factories import (
    id_number_for,
    make_household,
    make_person_with_id,
    to_fifteen,
    to_full_width,
)

pytestmark = pytest.mark.django_db


def _names(cast: Cast, who: str, **criteria: object) -> list[str]:
    found = person_search(user=cast.users[who], criteria=PersonCriteria(**criteria))  # type: ignore[arg-type]
    return [p.name for p in found]


@pytest.fixture
def people(cast: Cast) -> dict[str, Person]:
    return {
        "zhang_wei": make_person(org_unit=cast.village, name="张伟"),
        "zhang_wen": make_person(org_unit=cast.village, name="张文", sex="F"),
        "wang": make_person(org_unit=cast.village, name="王五"),
        "neighbour": make_person(org_unit=cast.other_village, name="张伟"),
    }


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("张", ["张伟", "张文"]),
        ("张伟", ["张伟"]),
        ("zhangw", ["张伟", "张文"]),
        ("zhangwei", ["张伟"]),
        ("ZhangWei", ["张伟"]),
        ("zw", ["张伟", "张文"]),
        ("ww", ["王五"]),
        ("李", []),
    ],
)
def test_name_by_characters_pinyin_and_initials(
    cast: Cast, people: dict[str, Person], typed: str, expected: list[str]
) -> None:
    assert sorted(_names(cast, "officer", name=typed)) == sorted(expected)


@pytest.mark.parametrize("form", ["18", "15", "full_width", "lower_x", "spaced"])
def test_id_number_in_every_typed_form_finds_the_person(cast: Cast, form: str) -> None:
    born = dt.date(1979, 2, 3)
    number = id_number_for(born, "M", want_x=True)
    person = make_person_with_id(org_unit=cast.village, id_number=number, birth_date=born)
    typed = {
        "18": number,
        "15": to_fifteen(number),
        "full_width": to_full_width(number),
        "lower_x": number.lower(),
        "spaced": f" {number} ",
    }[form]
    if form == "15":
        # A 15-digit number upgrades to the same 18 digits only for the same sequence;
        # register one whose check character we do not choose.
        plain = id_number_for(dt.date(1966, 7, 8), "F", start=200)
        person = make_person_with_id(
            org_unit=cast.village, id_number=plain, sex="F", birth_date=dt.date(1966, 7, 8)
        )
        typed = to_fifteen(plain)
    found = person_search(user=cast.users["clerk"], criteria=PersonCriteria(id_number=typed))
    assert [p.pk for p in found] == [person.pk]


@pytest.mark.parametrize("typed", ["not a number", "4.10102E+17", "123", "3704041979"])
def test_unusable_id_number_finds_nobody(cast: Cast, people: dict[str, Person], typed: str) -> None:
    assert _names(cast, "clerk", id_number=typed) == []


def test_out_of_scope_users_find_nothing_by_name_or_id(cast: Cast) -> None:
    born = dt.date(1990, 9, 9)
    number = id_number_for(born, "F")
    make_person_with_id(
        org_unit=cast.village, id_number=number, name="赵敏", sex="F", birth_date=born
    )
    for who in ("other_officer", "other_clerk"):
        assert _names(cast, who, name="赵敏") == []
        assert _names(cast, who, name="zm") == []
        assert _names(cast, who, id_number=number) == []
    for who in ("officer", "clerk", "county"):
        assert _names(cast, who, id_number=number) == ["赵敏"]


def test_admins_find_nothing(cast: Cast, people: dict[str, Person]) -> None:
    for who in ("sysadmin", "secadmin", "auditor"):
        assert _names(cast, who) == []


def test_household_code_exact_and_prefix(cast: Cast, people: dict[str, Person]) -> None:
    household = make_household(
        org_unit=cast.village,
        members=[(people["wang"], Relation.SELF), (people["zhang_wen"], Relation.WIFE)],
    )
    assert sorted(_names(cast, "clerk", household_code=household.code)) == ["张文", "王五"]
    assert sorted(_names(cast, "clerk", household_code=household.code[:14])) == ["张文", "王五"]
    assert _names(cast, "clerk", household_code="999") == []


def test_status_sex_birth_years_and_village(cast: Cast, people: dict[str, Person]) -> None:
    gone = people["wang"]
    person_deregister(
        person=gone,
        expected_version=gone.version,
        reason="moved_out",
        on=dt.date.today(),
        actor=None,
        source="form",
    )
    assert "王五" not in _names(cast, "clerk", status=Status.ACTIVE)
    assert _names(cast, "clerk", status=Status.LEFT) == ["王五"]
    assert len(_names(cast, "clerk", status=Status.ALL)) == 4
    assert _names(cast, "clerk", sex="F") == ["张文"]
    assert _names(cast, "clerk", born_from=1986) == []
    assert len(_names(cast, "clerk", born_from=1985, born_to=1985)) == 3
    assert _names(cast, "clerk", village=cast.other_village) == ["张伟"]


def test_results_sorted_by_name(cast: Cast, people: dict[str, Person]) -> None:
    assert _names(cast, "officer") == ["王五", "张伟", "张文"]  # wang < zhangwei < zhangwen


def test_used_fields_never_holds_values(cast: Cast) -> None:
    criteria = PersonCriteria(id_number="370404197902030011", name="张", sex="M")
    used = criteria.used_fields()
    assert used == ["id", "name", "sex", "status=active"]
    assert not any("3704" in item or "张" in item for item in used)
