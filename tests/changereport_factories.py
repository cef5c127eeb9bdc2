"""Families and reports for the change report tests (valid by default)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from renkou.core.models import OrgUnit, User
from renkou.registry.models import ChangeReport, Household, Person, Relation
from renkou.registry.services.changereport_checks import ReportInput
from renkou.registry.services.changereports import changereport_file
from renkou.registry.services.households import household_add_member, household_create
from tests.factories import make_id_number, make_person

_households = itertools.count(1)


@dataclass
class Family:
    household: Household
    husband: Person
    wife: Person


def make_household(org_unit: OrgUnit) -> Household:
    code = f"{org_unit.code}01{next(_households):04d}"
    return household_create(
        code=code, org_unit=org_unit, hukou_type="2", address="一组", actor=None
    )


def make_family(
    org_unit: OrgUnit,
    *,
    husband_name: str = "王强",
    wife_name: str = "李芳",
    wife_birth: dt.date = dt.date(1995, 6, 1),
) -> Family:
    """A household with a head (husband) and his wife, both active, not yet married."""
    household = make_household(org_unit)
    husband = make_person(
        org_unit=org_unit, name=husband_name, sex="M", birth_date=dt.date(1993, 2, 2)
    )
    wife = make_person(org_unit=org_unit, name=wife_name, sex="F", birth_date=wife_birth)
    household_add_member(
        household=household, person=husband, relation=Relation.SELF, actor=None, source="form"
    )
    household_add_member(
        household=household, person=wife, relation=Relation.WIFE, actor=None, source="form"
    )
    return Family(household, husband, wife)


def days_ago(days: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=days)


def birth_input(family: Family, **overrides: Any) -> ReportInput:
    values: dict[str, Any] = {
        "kind": ChangeReport.Kind.BIRTH,
        "event_date": days_ago(5),
        "name": "王小明",
        "sex": "M",
        "mother": family.wife,
        "father": family.husband,
        "relation": Relation.SON,
    }
    values.update(overrides)
    return ReportInput(**values)


def file_birth(officer: User, family: Family, **overrides: Any) -> ChangeReport:
    return changereport_file(actor=officer, data=birth_input(family, **overrides))


def new_id(birth_date: dt.date, sex: str, area: str = "370404") -> str:
    return make_id_number(birth_date, sex, area)


def matrix_changereport(cast: Any) -> int:
    """A pending birth report of 大官庄村 for the generated permission-matrix tests."""
    return file_birth(cast.users["officer"], make_family(cast.village)).pk
