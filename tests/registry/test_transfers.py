"""Transfers between townships: request → accept / reject / cancel, scope and hostile input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from renkou.core.models import AuditEvent
from renkou.registry.models import LifeEvent, Person, Transfer
from renkou.registry.selectors import person_get_for_user
from renkou.registry.selectors_transfers import transfer_queryset_for_user, transfer_summary
from renkou.registry.services.transfers import (
    transfer_accept,
    transfer_cancel,
    transfer_reject,
    transfer_request,
)
from tests.conftest import Cast
from tests.duplicates_factories import household_with, person_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(cast: Cast) -> Person:
    return person_with(org_unit=cast.village, name="王芳", sex="F", birth_date=dt.date(1992, 9, 9))


@pytest.fixture
def transfer(cast: Cast, person: Person) -> Transfer:
    return transfer_request(
        person=person,
        to_unit=cast.other_township_village,
        actor=cast.users["clerk"],
        reason="随配偶迁居",
    )


def test_request_is_seen_by_both_sides_only(cast: Cast, transfer: Transfer) -> None:
    for who in ("clerk", "head", "other_clerk", "county"):
        assert transfer_queryset_for_user(user=cast.users[who]).filter(pk=transfer.pk).exists(), who
    for who in ("other_officer", "sysadmin", "auditor"):
        assert not transfer_queryset_for_user(user=cast.users[who]).exists(), who
    assert AuditEvent.objects.filter(action="transfer.request", object_id=str(transfer.pk)).exists()


def test_receiving_side_sees_only_what_it_needs(
    cast: Cast, person: Person, transfer: Transfer
) -> None:
    incoming = transfer_summary(user=cast.users["other_clerk"], transfer=transfer)
    assert (incoming.name, incoming.birth_year, incoming.outgoing) == ("王芳", 1992, False)
    assert incoming.id_masked == person.id_masked
    assert "*" in incoming.id_masked
    assert incoming.person_pk is None  # no link to the record before acceptance
    outgoing = transfer_summary(user=cast.users["clerk"], transfer=transfer)
    assert outgoing.outgoing
    assert outgoing.person_pk == person.pk
    with pytest.raises(Http404):
        person_get_for_user(user=cast.users["other_clerk"], pk=person.pk)


def test_accept_moves_the_person_to_the_other_township(
    cast: Cast, person: Person, transfer: Transfer
) -> None:
    version = person.version
    transfer_accept(transfer=transfer, actor=cast.users["other_clerk"])
    moved = person_get_for_user(user=cast.users["other_clerk"], pk=person.pk)
    assert moved.org_unit == cast.other_township_village
    assert moved.version == version + 1
    with pytest.raises(Http404):
        person_get_for_user(user=cast.users["clerk"], pk=person.pk)
    event = LifeEvent.objects.get(person=person, kind=LifeEvent.Kind.TRANSFER)
    assert event.changes == {
        "org_unit": [str(cast.village.pk), str(cast.other_township_village.pk)]
    }
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.ACCEPTED
    assert AuditEvent.objects.filter(action="transfer.accept", object_id=str(transfer.pk)).exists()
    assert AuditEvent.objects.filter(action="person.update", object_id=str(person.pk)).exists()


def test_accept_notes_a_household_left_in_the_old_township(cast: Cast, person: Person) -> None:
    household = household_with(org_unit=cast.village, head=person)
    transfer = transfer_request(
        person=person, to_unit=cast.other_township_village, actor=cast.users["clerk"], reason="迁居"
    )
    transfer_accept(transfer=transfer, actor=cast.users["other_clerk"])
    event = LifeEvent.objects.get(person=person, kind=LifeEvent.Kind.TRANSFER)
    assert household.code in event.evidence
    # The card itself is left as it is.
    assert person.memberships.get(left__isnull=True).household == household


def test_reject_keeps_the_person_and_needs_a_reason(
    cast: Cast, person: Person, transfer: Transfer
) -> None:
    with pytest.raises(ValidationError):
        transfer_reject(transfer=transfer, actor=cast.users["other_clerk"], note=" ")
    transfer_reject(transfer=transfer, actor=cast.users["other_clerk"], note="查无此人")
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.REJECTED
    assert Person.objects.get(pk=person.pk).org_unit == cast.village


def test_cancel_by_the_sender(cast: Cast, person: Person, transfer: Transfer) -> None:
    with pytest.raises(PermissionDenied):
        transfer_cancel(transfer=transfer, actor=cast.users["other_clerk"])
    transfer_cancel(transfer=transfer, actor=cast.users["clerk"])
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.CANCELLED
    # Once closed, a new request may be made.
    again = transfer_request(
        person=person,
        to_unit=cast.other_township_village,
        actor=cast.users["clerk"],
        reason="再次申请",
    )
    assert again.status == Transfer.Status.REQUESTED


def test_only_the_receiver_accepts_or_rejects(cast: Cast, transfer: Transfer) -> None:
    with pytest.raises(PermissionDenied):
        transfer_accept(transfer=transfer, actor=cast.users["clerk"])
    with pytest.raises(PermissionDenied):
        transfer_reject(transfer=transfer, actor=cast.users["clerk"], note="不要")
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.REQUESTED


def test_a_decided_request_cannot_be_decided_again(cast: Cast, transfer: Transfer) -> None:
    transfer_accept(transfer=transfer, actor=cast.users["other_clerk"])
    stale = Transfer.objects.get(pk=transfer.pk)
    stale.status = Transfer.Status.REQUESTED  # a page opened before the accept
    for step in (
        lambda: transfer_accept(transfer=stale, actor=cast.users["other_clerk"]),
        lambda: transfer_reject(transfer=stale, actor=cast.users["other_clerk"], note="x"),
        lambda: transfer_cancel(transfer=stale, actor=cast.users["clerk"]),
    ):
        with pytest.raises((ValidationError, PermissionDenied)):
            step()
    assert LifeEvent.objects.filter(kind=LifeEvent.Kind.TRANSFER).count() == 1


def test_request_to_the_same_township_is_refused(cast: Cast, person: Person) -> None:
    with pytest.raises(ValidationError, match="其他乡镇"):
        transfer_request(
            person=person, to_unit=cast.other_village, actor=cast.users["clerk"], reason="x"
        )


@pytest.mark.parametrize("unit", ["other_township", "county"])
def test_request_to_a_non_village_is_refused(cast: Cast, person: Person, unit: str) -> None:
    with pytest.raises(ValidationError, match="村"):
        transfer_request(
            person=person, to_unit=getattr(cast, unit), actor=cast.users["clerk"], reason="x"
        )


def test_one_open_request_per_person(cast: Cast, person: Person, transfer: Transfer) -> None:
    with pytest.raises(ValidationError, match="待接收"):
        transfer_request(
            person=person,
            to_unit=cast.other_township_village,
            actor=cast.users["clerk"],
            reason="x",
        )
    assert Transfer.objects.count() == 1


def test_only_the_managing_township_may_request(cast: Cast, person: Person) -> None:
    for who in ("other_clerk", "county", "officer"):
        with pytest.raises(PermissionDenied):
            transfer_request(
                person=person,
                to_unit=cast.other_township_village,
                actor=cast.users[who],
                reason="x",
            )


@pytest.mark.parametrize("reason", ["", "  ", "身份证370404199209091234"])
def test_request_needs_a_clean_reason(cast: Cast, person: Person, reason: str) -> None:
    with pytest.raises(ValidationError):
        transfer_request(
            person=person,
            to_unit=cast.other_township_village,
            actor=cast.users["clerk"],
            reason=reason,
        )


def test_a_departed_person_cannot_be_transferred(cast: Cast, person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(status=Person.Status.LEFT)
    with pytest.raises(ValidationError, match="不在册"):
        transfer_request(
            person=person,
            to_unit=cast.other_township_village,
            actor=cast.users["clerk"],
            reason="x",
        )
