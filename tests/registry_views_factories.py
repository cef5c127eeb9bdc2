"""Factories for the register's page tests: households with members, crowds of persons."""

from __future__ import annotations

import datetime as dt

from renkou.core.models import OrgUnit
from renkou.linkage.idnumber import check_digit
from renkou.registry.models import Household, Person
from renkou.registry.services.households import household_add_member, household_create
from tests.factories import make_person

_serial = iter(range(1, 10_000))


def make_household(
    *, org_unit: OrgUnit, members: list[tuple[Person, str]] | None = None, address: str = ""
) -> Household:
    """A household of `org_unit` (code from its 12-digit code), members added in order."""
    code = f"{org_unit.code[:12]}01{next(_serial):04d}"
    household = household_create(
        code=code, org_unit=org_unit, hukou_type="2", address=address, actor=None
    )
    for person, relation in members or []:
        household_add_member(
            household=household, person=person, relation=relation, actor=None, source="form"
        )
    return household


def make_crowd(*, org_unit: OrgUnit, count: int, surname: str = "李") -> list[Person]:
    """`count` persons with distinct names and birth dates across the age bands."""
    given = "明华军芳丽强敏静磊洋勇艳杰娟涛超"
    people = []
    for i in range(count):
        sex = "M" if i % 2 == 0 else "F"
        birth = dt.date(1940 + (i * 3) % 80, 1 + i % 12, 1 + i % 27)
        name = surname + given[i % len(given)] + given[(i // len(given)) % len(given)]
        people.append(make_person(org_unit=org_unit, name=name, sex=sex, birth_date=birth))
    return people


def id_number_for(birth_date: dt.date, sex: str, *, want_x: bool = False, start: int = 0) -> str:
    """A valid 18-digit number; with `want_x` one whose check character is X."""
    for seq in range(start, 1000):
        if (seq % 2 == 1) != (sex == "M"):
            continue
        first17 = f"370404{birth_date:%Y%m%d}{seq:03d}"
        check = check_digit(first17)
        if not want_x or check == "X":
            return first17 + check
    raise AssertionError("no number found")


def make_person_with_id(
    *,
    org_unit: OrgUnit,
    id_number: str,
    name: str = "王小明",
    sex: str = "M",
    birth_date: dt.date = dt.date(1980, 5, 6),
    phone: str = "",
) -> Person:
    return make_person(
        org_unit=org_unit,
        id_number=id_number,
        name=name,
        sex=sex,
        birth_date=birth_date,
        phone=phone,
        hukou_unit=None,
        residence_unit=None,
    )


def to_fifteen(id18: str) -> str:
    """The old 15-digit form of a 19xx number."""
    return id18[:6] + id18[8:17]


def to_full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)
