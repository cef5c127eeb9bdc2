"""Merging duplicate records, undoing a merge exactly, and dismissing a pair."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from renkou.core.models import AuditEvent
from renkou.registry.models import (
    DuplicateCandidate,
    LeaveReason,
    LifeEvent,
    Marriage,
    Membership,
    Merge,
    Person,
)
from renkou.registry.services.duplicates import duplicate_dismiss, duplicate_merge, merge_undo
from renkou.registry.services.persons import ConflictError
from tests.conftest import Cast
from tests.duplicates_factories import candidate_for, household_with, person_with, twin_records
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, Any]:
    """Everything a merge may touch, as plain values."""
    return {
        "memberships": sorted(
            Membership.objects.values_list("id", "person_id", "household_id", "relation", "left")
        ),
        "parents": sorted(Person.objects.values_list("id", "mother_id", "father_id")),
        "marriages": sorted(Marriage.objects.values_list("id", "husband_id", "wife_id", "status")),
        "statuses": sorted(Person.objects.values_list("id", "status", "left_reason", "left_date")),
    }


@pytest.fixture
def women(cast: Cast) -> dict[str, Any]:
    """Two records of one woman: both on a household card, the duplicate has a child and
    a husband."""
    keep, gone = twin_records(cast.village)
    household_with(org_unit=cast.village, head=keep)
    household_with(org_unit=cast.village, head=gone)
    child = person_with(
        org_unit=cast.village,
        name="王小明",
        birth_date=dt.date(2015, 6, 1),
        id_number="",
        mother=gone,
    )
    husband = person_with(org_unit=cast.village, name="王强", birth_date=dt.date(1988, 8, 8))
    marriage = Marriage.objects.create(husband=husband, wife=gone, married_on=dt.date(2012, 1, 1))
    return {"keep": keep, "gone": gone, "child": child, "marriage": marriage}


@pytest.fixture
def men(cast: Cast) -> dict[str, Any]:
    """Two records of one man: only the duplicate is on a card; he is a father and husband."""
    born = dt.date(1980, 4, 4)
    number = make_id_number(born, "M", "370405")
    keep = person_with(org_unit=cast.village, name="赵刚", birth_date=born, id_number=number)
    gone = person_with(org_unit=cast.village, name="赵刚", birth_date=born, id_number=number)
    household_with(org_unit=cast.village, head=gone)
    child = person_with(
        org_unit=cast.village,
        name="赵小红",
        sex="F",
        birth_date=dt.date(2010, 2, 2),
        id_number="",
        father=gone,
    )
    wife = person_with(org_unit=cast.village, name="孙丽", sex="F", birth_date=dt.date(1982, 2, 2))
    marriage = Marriage.objects.create(husband=gone, wife=wife, married_on=dt.date(2008, 1, 1))
    return {"keep": keep, "gone": gone, "child": child, "marriage": marriage}


def test_merge_moves_everything_and_undo_restores_it(cast: Cast, women: dict[str, Any]) -> None:
    clerk = cast.users["clerk"]
    keep, gone, child = women["keep"], women["gone"], women["child"]
    candidate = candidate_for(keep, gone)
    before, version = snapshot(), keep.version

    merge = duplicate_merge(
        candidate=candidate, survivor=keep, actor=clerk, evidence="户籍核实为同一人"
    )

    gone.refresh_from_db()
    assert (gone.status, gone.left_reason) == (Person.Status.LEFT, LeaveReason.DUPLICATE)
    assert Person.objects.get(pk=child.pk).mother_id == keep.pk
    assert Marriage.objects.get(pk=women["marriage"].pk).wife_id == keep.pk
    # The survivor keeps her own card; the duplicate's card is closed, not deleted.
    assert Membership.objects.get(person=keep, left__isnull=True)
    assert not Membership.objects.filter(person=gone, left__isnull=True).exists()
    assert merge.moved["memberships_closed"]
    assert not merge.moved["memberships_reassigned"]
    assert merge.moved["children_mother"] == [child.pk]
    assert merge.moved["marriages_wife"] == [women["marriage"].pk]
    assert Person.objects.get(pk=keep.pk).version == version + 1  # concurrent edits conflict
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.MERGED
    assert LifeEvent.objects.filter(kind=LifeEvent.Kind.MERGE, person__in=[keep, gone]).count() == 2
    assert AuditEvent.objects.filter(action="person.merge", object_id=str(merge.pk)).exists()

    merge_undo(merge=merge, actor=clerk, evidence="合并有误")

    assert snapshot() == before
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.OPEN
    assert (
        LifeEvent.objects.filter(kind=LifeEvent.Kind.UNMERGE, person__in=[keep, gone]).count() == 2
    )
    assert AuditEvent.objects.filter(action="person.unmerge", object_id=str(merge.pk)).exists()


def test_survivor_without_a_card_takes_the_duplicates(cast: Cast, men: dict[str, Any]) -> None:
    keep, gone = men["keep"], men["gone"]
    candidate = candidate_for(keep, gone)
    card = Membership.objects.get(person=gone)
    before = snapshot()

    merge = duplicate_merge(
        candidate=candidate, survivor=keep, actor=cast.users["clerk"], evidence="同一人"
    )

    assert Membership.objects.get(pk=card.pk).person_id == keep.pk
    assert merge.moved["memberships_reassigned"] == [card.pk]
    assert Person.objects.get(pk=men["child"].pk).father_id == keep.pk
    assert Marriage.objects.get(pk=men["marriage"].pk).husband_id == keep.pk

    merge_undo(merge=merge, actor=cast.users["clerk"], evidence="误合并")
    assert snapshot() == before


def test_the_second_record_may_survive(cast: Cast, women: dict[str, Any]) -> None:
    keep, gone = women["keep"], women["gone"]
    merge = duplicate_merge(
        candidate=candidate_for(keep, gone),
        survivor=gone,
        actor=cast.users["clerk"],
        evidence="同一人",
    )
    assert (merge.survivor_id, merge.merged_id) == (gone.pk, keep.pk)
    assert Person.objects.get(pk=keep.pk).left_reason == LeaveReason.DUPLICATE


def test_merge_refuses_a_candidate_that_is_not_open(cast: Cast) -> None:
    keep, gone = twin_records(cast.village)
    candidate = candidate_for(keep, gone)
    duplicate_dismiss(candidate=candidate, actor=cast.users["clerk"], evidence="双胞胎")
    stale = DuplicateCandidate.objects.get(pk=candidate.pk)
    with pytest.raises(ValidationError):
        duplicate_merge(
            candidate=stale, survivor=keep, actor=cast.users["clerk"], evidence="同一人"
        )
    assert Person.objects.get(pk=gone.pk).is_active
    assert not Merge.objects.exists()


def test_merge_refuses_a_survivor_outside_the_pair(cast: Cast) -> None:
    keep, gone = twin_records(cast.village)
    stranger = person_with(org_unit=cast.village)
    with pytest.raises(ValidationError):
        duplicate_merge(
            candidate=candidate_for(keep, gone),
            survivor=stranger,
            actor=cast.users["clerk"],
            evidence="x",
        )


@pytest.mark.parametrize("evidence", ["", "   ", "号码370404199005011234不对"])
def test_merge_refuses_bad_evidence(cast: Cast, evidence: str) -> None:
    keep, gone = twin_records(cast.village)
    candidate = candidate_for(keep, gone)
    with pytest.raises(ValidationError):
        duplicate_merge(
            candidate=candidate, survivor=keep, actor=cast.users["clerk"], evidence=evidence
        )
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.OPEN


def test_merge_conflicts_when_a_record_changed_since_it_was_shown(cast: Cast) -> None:
    keep, gone = twin_records(cast.village)
    candidate = candidate_for(keep, gone)
    Person.objects.filter(pk=gone.pk).update(version=gone.version + 1)  # someone else's edit
    with pytest.raises(ConflictError):
        duplicate_merge(
            candidate=candidate,
            survivor=keep,
            actor=cast.users["clerk"],
            evidence="同一人",
            survivor_version=keep.version,
            merged_version=gone.version,
        )
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.OPEN
    assert Person.objects.get(pk=gone.pk).is_active


def test_undo_twice_is_refused(cast: Cast) -> None:
    keep, gone = twin_records(cast.village)
    merge = duplicate_merge(
        candidate=candidate_for(keep, gone),
        survivor=keep,
        actor=cast.users["clerk"],
        evidence="同一人",
    )
    merge_undo(merge=merge, actor=cast.users["clerk"], evidence="误合并")
    with pytest.raises(ValidationError):
        merge_undo(merge=Merge.objects.get(pk=merge.pk), actor=cast.users["clerk"], evidence="再次")
    assert Person.objects.get(pk=gone.pk).is_active


def test_undo_refuses_when_moved_links_changed_since(cast: Cast, women: dict[str, Any]) -> None:
    keep, gone, child = women["keep"], women["gone"], women["child"]
    merge = duplicate_merge(
        candidate=candidate_for(keep, gone),
        survivor=keep,
        actor=cast.users["clerk"],
        evidence="同一人",
    )
    Person.objects.filter(pk=child.pk).update(mother=None)  # corrected by hand meanwhile
    with pytest.raises(ValidationError):
        merge_undo(merge=merge, actor=cast.users["clerk"], evidence="误合并")
    # Nothing of the undo stuck: the merged record is still out of the register.
    assert Person.objects.get(pk=gone.pk).left_reason == LeaveReason.DUPLICATE
    assert Merge.objects.get(pk=merge.pk).undone_at is None


def test_dismiss_marks_the_pair_and_is_audited(cast: Cast) -> None:
    candidate = candidate_for(*twin_records(cast.village))
    duplicate_dismiss(candidate=candidate, actor=cast.users["clerk"], evidence="双胞胎，两个人")
    candidate.refresh_from_db()
    assert candidate.status == DuplicateCandidate.Status.DISMISSED
    assert candidate.decided_by == cast.users["clerk"]
    assert AuditEvent.objects.filter(
        action="duplicate.dismiss", object_id=str(candidate.pk)
    ).exists()
    with pytest.raises(ValidationError):
        duplicate_dismiss(candidate=candidate, actor=cast.users["clerk"], evidence="再次")


def test_long_evidence_is_kept_within_the_event_field(cast: Cast, women: dict[str, Any]) -> None:
    keep, gone = women["keep"], women["gone"]
    merge = duplicate_merge(
        candidate=candidate_for(keep, gone),
        survivor=keep,
        actor=cast.users["clerk"],
        evidence="核" * 2000,
    )
    merge_undo(merge=merge, actor=cast.users["clerk"], evidence="误" * 2000)
    assert all(len(e) <= 500 for e in LifeEvent.objects.values_list("evidence", flat=True))
