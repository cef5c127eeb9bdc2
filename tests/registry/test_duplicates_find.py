"""Finding duplicate candidates: by identity number, by name + birth date + mother."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from renkou.registry.models import DuplicateCandidate, LeaveReason
from renkou.registry.services.duplicates import duplicates_find
from renkou.registry.services.persons import person_deregister
from tests.conftest import Cast
from tests.duplicates_factories import person_with, twin_records
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db
KID = dt.date(2016, 7, 9)


def _pairs() -> set[tuple[int, int, str]]:
    return set(DuplicateCandidate.objects.values_list("first_id", "second_id", "reason"))


def test_same_identity_number_is_a_candidate(cast: Cast) -> None:
    first, second = twin_records(cast.village)
    assert duplicates_find() == 1
    assert _pairs() == {(first.pk, second.pk, DuplicateCandidate.Reason.SAME_ID)}


def test_same_name_birth_date_and_mother_is_a_candidate(cast: Cast) -> None:
    mother = person_with(
        org_unit=cast.village, name="刘敏", sex="F", birth_date=dt.date(1988, 1, 2)
    )
    kid_a = person_with(
        org_unit=cast.village, name="王小明", birth_date=KID, id_number="", mother=mother
    )
    # The same child entered again, name typed with a full-width space (normalised away).
    kid_b = person_with(
        org_unit=cast.village, name="王　小明", birth_date=KID, id_number="", mother=mother
    )
    assert duplicates_find() == 1
    assert _pairs() == {(kid_a.pk, kid_b.pk, DuplicateCandidate.Reason.SAME_NAME_DOB_MOTHER)}


def test_three_records_of_one_person_give_three_pairs(cast: Cast) -> None:
    number = make_id_number(dt.date(1970, 2, 2), "M")
    people = [
        person_with(org_unit=cast.village, birth_date=dt.date(1970, 2, 2), id_number=number)
        for _ in range(3)
    ]
    assert duplicates_find() == 3
    a, b, c = sorted(p.pk for p in people)
    assert {(f, s) for f, s, _r in _pairs()} == {(a, b), (a, c), (b, c)}


def test_different_people_are_not_candidates(cast: Cast) -> None:
    mother = person_with(
        org_unit=cast.village, name="刘敏", sex="F", birth_date=dt.date(1988, 1, 2)
    )
    other_mother = person_with(
        org_unit=cast.village, name="赵丽", sex="F", birth_date=dt.date(1987, 3, 3)
    )
    # Same name and birthday but different mothers; and same name and birthday, no mother.
    person_with(org_unit=cast.village, name="王小明", birth_date=KID, id_number="", mother=mother)
    person_with(
        org_unit=cast.village, name="王小明", birth_date=KID, id_number="", mother=other_mother
    )
    person_with(org_unit=cast.village, name="张伟", id_number="")
    person_with(org_unit=cast.village, name="张伟", id_number="")
    # Twins: same mother and birthday, different names.
    person_with(org_unit=cast.village, name="王大宝", birth_date=KID, id_number="", mother=mother)
    # Same name and birthday, two different valid numbers: two people.
    born = dt.date(1985, 3, 14)
    for area in ("370404", "370405"):
        person_with(
            org_unit=cast.village, birth_date=born, id_number=make_id_number(born, "M", area)
        )
    assert duplicates_find() == 0
    assert not DuplicateCandidate.objects.exists()


def test_departed_records_are_not_candidates(cast: Cast) -> None:
    _first, second = twin_records(cast.village)
    person_deregister(
        person=second,
        expected_version=second.version,
        reason=LeaveReason.MOVED_OUT,
        on=dt.date.today(),
        actor=None,
        source="form",
    )
    assert duplicates_find() == 0


def test_finding_twice_stores_nothing_new(cast: Cast) -> None:
    twin_records(cast.village)
    assert duplicates_find() == 1
    assert duplicates_find() == 0
    DuplicateCandidate.objects.update(status=DuplicateCandidate.Status.DISMISSED)
    assert duplicates_find() == 0
    assert DuplicateCandidate.objects.count() == 1


def test_find_within_a_unit_only(cast: Cast) -> None:
    twin_records(cast.village)
    assert duplicates_find(org_unit=cast.other_township) == 0
    assert duplicates_find(org_unit=cast.township) == 1


def test_find_query_count_does_not_grow_with_persons(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    for _ in range(6):
        twin_records(cast.village)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert duplicates_find() == 6


def test_command_prints_json(cast: Cast) -> None:
    twin_records(cast.village)
    out = StringIO()
    call_command("find_duplicates", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"new_candidates": 1, "unit": None}
    out = StringIO()
    call_command("find_duplicates", stdout=out)
    assert "0" in out.getvalue()


def test_command_refuses_an_unknown_unit(cast: Cast) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("find_duplicates", "--unit", "999999999999")
