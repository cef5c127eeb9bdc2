"""Factories that build valid register graphs by default."""

from __future__ import annotations

import datetime as dt
import itertools

from renkou.core.models import OrgUnit, User
from renkou.linkage.idnumber import check_digit
from renkou.registry.models import Person
from renkou.registry.services.persons import PersonData, person_register

_serial = itertools.count(100)


def make_id_number(birth_date: dt.date, sex: str, area: str = "370404") -> str:
    """A valid identity number for the date and sex, unique within a test run."""
    # The 17th digit is odd for men, even for women; every call gets a fresh sequence.
    seq = (next(_serial) * 2 + (1 if sex == "M" else 0)) % 1000
    first17 = f"{area}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def make_person(
    *,
    org_unit: OrgUnit,
    name: str = "张伟",
    sex: str = "M",
    birth_date: dt.date = dt.date(1985, 3, 14),
    actor: User | None = None,
    with_id: bool = True,
    id_number: str | None = None,
    **extra: object,
) -> Person:
    """A registered person; a fresh valid ID unless `id_number` is given or `with_id` is off."""
    if id_number is None:
        id_number = make_id_number(birth_date, sex) if with_id else ""
    extra.setdefault("hukou_unit", org_unit)
    extra.setdefault("residence_unit", org_unit)
    data = PersonData(
        name=name,
        sex=sex,
        birth_date=birth_date,
        org_unit=org_unit,
        id_number=id_number,
        **extra,  # type: ignore[arg-type]
    )
    return person_register(data=data, actor=actor, source="form")
