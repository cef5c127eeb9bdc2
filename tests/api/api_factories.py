"""Register graphs the API tests read: persons with households in both townships."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from renkou.core.models import OrgUnit
from renkou.registry.models import Household, Person
from renkou.registry.services.households import household_add_member, household_create
from renkou.registry.services.persons import PersonData, person_register
from tests.conftest import Cast
from tests.factories import make_id_number, make_person

_codes = iter(range(1, 10_000))


def make_household(*, unit: OrgUnit, members: list[tuple[Person, str]]) -> Household:
    code = f"{unit.code}01{next(_codes):04d}"
    household = household_create(
        code=code, org_unit=unit, hukou_type="2", address="幸福路1号", actor=None
    )
    for person, relation in members:
        household_add_member(
            household=household, person=person, relation=relation, actor=None, source="form"
        )
    return household


@dataclass
class Register:
    head: Person  # 大官庄村, 张伟
    wife: Person  # 大官庄村, 李娜
    east: Person  # 东王庄村 (same township)
    other: Person  # 后楼村 in 古邵镇
    household: Household
    head_id_number: str


def make_register(cast: Cast) -> Register:
    """Two people and a household in 大官庄村, one in 东王庄村, one in 古邵镇."""
    head_id = make_id_number(dt.date(1980, 5, 6), "M")
    head = person_register(
        data=PersonData(
            name="张伟",
            sex="M",
            birth_date=dt.date(1980, 5, 6),
            org_unit=cast.village,
            id_number=head_id,
        ),
        actor=None,
        source="form",
    )
    wife = make_person(
        org_unit=cast.village,
        name="李娜",
        sex="F",
        birth_date=dt.date(1982, 7, 1),
        phone="13812345678",
    )
    east = make_person(org_unit=cast.other_village, name="张强", birth_date=dt.date(1990, 1, 2))
    other = make_person(org_unit=cast.other_township_village, name="王芳", sex="F")
    household = make_household(unit=cast.village, members=[(head, "02"), (wife, "12")])
    return Register(head, wife, east, other, household, head_id)
