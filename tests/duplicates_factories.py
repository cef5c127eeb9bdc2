"""Test data for duplicates, merges and transfers (and their permission-matrix objects)."""

from __future__ import annotations

import datetime as dt
import itertools

from renkou.core.models import OrgUnit
from renkou.core.services import orgunit_create
from renkou.registry.models import DuplicateCandidate, Household, Membership, Person, Transfer
from renkou.registry.services.duplicates import duplicate_merge
from renkou.registry.services.households import household_create
from renkou.registry.services.transfers import transfer_request
from tests.conftest import Cast
from tests.factories import make_id_number, make_person

_household_serial = itertools.count(1)
# tests.factories.make_id_number can repeat a number for one date and sex (it bumps an
# odd serial to the next even one), so each pair of twin records gets its own birthday.
_twin_day = itertools.count(0)


def person_with(
    *,
    org_unit: OrgUnit,
    name: str = "张伟",
    sex: str = "M",
    birth_date: dt.date = dt.date(1985, 3, 14),
    id_number: str | None = None,
    mother: Person | None = None,
    father: Person | None = None,
) -> Person:
    """A registered person; `id_number=""` gives one without a number."""
    return make_person(
        org_unit=org_unit,
        name=name,
        sex=sex,
        birth_date=birth_date,
        id_number=id_number,
        mother=mother,
        father=father,
    )


def household_with(*, org_unit: OrgUnit, head: Person) -> Household:
    """A household of `org_unit` with `head` as 本人 (created straight on the card)."""
    code = f"{org_unit.code}01{next(_household_serial):04d}"
    household = household_create(
        code=code, org_unit=org_unit, hukou_type="2", address="", actor=None
    )
    Membership.objects.create(household=household, person=head, relation="02", position=1)
    return household


def candidate_for(first: Person, second: Person) -> DuplicateCandidate:
    a, b = sorted((first.pk, second.pk))
    return DuplicateCandidate.objects.create(
        first_id=a, second_id=b, reason=DuplicateCandidate.Reason.SAME_ID
    )


def twin_records(org_unit: OrgUnit) -> tuple[Person, Person]:
    """Two records of one person: the same identity number entered twice."""
    born = dt.date(1990, 5, 1) + dt.timedelta(days=next(_twin_day))
    number = make_id_number(born, "F")
    first, second = (
        person_with(org_unit=org_unit, name="李娜", sex="F", birth_date=born, id_number=number)
        for _ in range(2)
    )
    return first, second


# --- objects for the generated permission-matrix tests (all inside 大官庄村) ----------------


def matrix_duplicate(cast: Cast) -> int:
    return candidate_for(*twin_records(cast.village)).pk


def matrix_merge(cast: Cast) -> int:
    first, second = twin_records(cast.village)
    candidate = candidate_for(first, second)
    merge = duplicate_merge(
        candidate=candidate, survivor=first, actor=cast.users["clerk"], evidence="同一人"
    )
    return merge.pk


def matrix_transfer(cast: Cast) -> int:
    """From 大官庄村 to a village of a third township, so other_clerk sees neither side."""
    third = orgunit_create(
        code="370404103000", name="吴林街道", level="township", parent=cast.county
    )
    village = orgunit_create(code="370404103201", name="西村", level="village", parent=third)
    person = person_with(org_unit=cast.village, name="王芳", sex="F")
    transfer: Transfer = transfer_request(
        person=person, to_unit=village, actor=cast.users["clerk"], reason="随配偶迁居"
    )
    return transfer.pk


MATRIX_FACTORIES = {
    "duplicate": matrix_duplicate,
    "merge": matrix_merge,
    "transfer": matrix_transfer,
}
