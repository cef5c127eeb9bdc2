"""Transfer pages: list (incoming/outgoing), new request from a person, accept/reject/cancel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from renkou.registry.models import Person, Transfer
from renkou.registry.services.transfers import transfer_request
from tests.conftest import Cast
from tests.duplicates_factories import person_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(cast: Cast) -> Person:
    return person_with(org_unit=cast.village, name="王芳", sex="F", birth_date=dt.date(1992, 9, 9))


def _request(cast: Cast, person: Person) -> Transfer:
    return transfer_request(
        person=person,
        to_unit=cast.other_township_village,
        actor=cast.users["clerk"],
        reason="随配偶迁居",
    )


def test_new_request_page_flow(cast: Cast, person: Person) -> None:
    client = cast.client_for("clerk")
    url = reverse("registry:transfer_new", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200
    choices = [unit.pk for unit in page.context["form"].fields["to_unit"].queryset]
    assert cast.other_township_village.pk in choices
    assert cast.other_village.pk not in choices  # same township: not offered
    response = client.post(url, {"to_unit": cast.other_township_village.pk, "reason": "随配偶迁居"})
    assert response.status_code == 302
    assert Transfer.objects.get().person == person


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"to_unit": "abc", "reason": "x"},
        {"to_unit": "999999", "reason": "x"},
        {"reason": "x", "to_unit": "SAME"},
        {"reason": "x", "to_unit": "TOWNSHIP"},
        {"reason": "", "to_unit": "FAR"},
    ],
)
def test_new_request_hostile_input(cast: Cast, person: Person, data: dict[str, Any]) -> None:
    lookup = {
        "SAME": cast.other_village.pk,
        "TOWNSHIP": cast.other_township.pk,
        "FAR": cast.other_township_village.pk,
    }
    posted = {k: lookup.get(v, v) for k, v in data.items()}
    response = cast.client_for("clerk").post(
        reverse("registry:transfer_new", args=[person.pk]), posted
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Transfer.objects.exists()


def test_second_request_shows_an_error(cast: Cast, person: Person) -> None:
    _request(cast, person)
    response = cast.client_for("clerk").post(
        reverse("registry:transfer_new", args=[person.pk]),
        {"to_unit": cast.other_township_village.pk, "reason": "再次"},
    )
    assert response.status_code == 200
    assert "待接收" in response.content.decode()
    assert Transfer.objects.count() == 1


@pytest.mark.parametrize("who", ["officer", "other_officer", "county", "sysadmin"])
def test_roles_without_transfer_get_403(cast: Cast, person: Person, who: str) -> None:
    client = cast.client_for(who)
    url = reverse("registry:transfer_new", args=[person.pk])
    assert (
        client.post(url, {"to_unit": cast.other_township_village.pk, "reason": "x"}).status_code
        == 403
    )
    assert client.get(reverse("registry:transfer_list")).status_code == 403
    assert not Transfer.objects.exists()


def test_other_township_cannot_start_a_transfer_of_our_person(cast: Cast, person: Person) -> None:
    response = cast.client_for("other_clerk").get(
        reverse("registry:transfer_new", args=[person.pk])
    )
    assert response.status_code == 404


def test_receiving_list_shows_only_the_decision_fields(cast: Cast, person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(address="大官庄村18号")
    transfer = _request(cast, person)
    response = cast.client_for("other_clerk").get(reverse("registry:transfer_list"))
    html = response.content.decode()
    assert "王芳" in html
    assert "1992" in html
    assert person.id_masked in html
    assert "大官庄村18号" not in html
    assert "1992-09-09" not in html
    assert reverse("registry:transfer_accept", args=[transfer.pk]) in html
    assert reverse("registry:transfer_cancel", args=[transfer.pk]) not in html
    sender = cast.client_for("clerk").get(reverse("registry:transfer_list")).content.decode()
    assert reverse("registry:transfer_cancel", args=[transfer.pk]) in sender


def test_list_htmx_returns_the_rows_fragment(cast: Cast, person: Person) -> None:
    _request(cast, person)
    response = cast.client_for("clerk").get(
        reverse("registry:transfer_list"), {"status": "requested"}, HTTP_HX_REQUEST="true"
    )
    assert next(t.name for t in response.templates) == "registry/_transfer_rows.html"
    assert "王芳" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_accept_across_townships(cast: Cast, person: Person) -> None:
    transfer = _request(cast, person)
    other = cast.client_for("other_clerk")
    assert other.post(reverse("registry:transfer_accept", args=[transfer.pk])).status_code == 302
    assert Person.objects.get(pk=person.pk).org_unit == cast.other_township_village
    # The receiving township now has the record; the old one gets 404 for it.
    assert other.get(reverse("registry:transfer_new", args=[person.pk])).status_code == 200
    clerk = cast.client_for("clerk")
    assert clerk.get(reverse("registry:transfer_new", args=[person.pk])).status_code == 404


def test_sender_cannot_accept_its_own_request(cast: Cast, person: Person) -> None:
    transfer = _request(cast, person)
    response = cast.client_for("clerk").post(
        reverse("registry:transfer_accept", args=[transfer.pk]), follow=True
    )
    assert "接收乡镇" in response.content.decode()
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.REQUESTED
    assert Person.objects.get(pk=person.pk).org_unit == cast.village


def test_reject_and_cancel_pages(cast: Cast, person: Person) -> None:
    transfer = _request(cast, person)
    other = cast.client_for("other_clerk")
    other.post(reverse("registry:transfer_reject", args=[transfer.pk]), {"note": ""})
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.REQUESTED
    other.post(reverse("registry:transfer_reject", args=[transfer.pk]), {"note": "查无此人"})
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.REJECTED
    second = _request(cast, person)
    assert (
        cast.client_for("clerk")
        .post(reverse("registry:transfer_cancel", args=[second.pk]))
        .status_code
        == 302
    )
    assert Transfer.objects.get(pk=second.pk).status == Transfer.Status.CANCELLED


def test_unrelated_users_get_404_on_a_transfer(cast: Cast, person: Person) -> None:
    third = cast.client_for("other_officer")  # no capability: 403 before any lookup
    transfer = _request(cast, person)
    assert third.post(reverse("registry:transfer_accept", args=[transfer.pk])).status_code == 403
    assert (
        cast.client_for("clerk")
        .post(reverse("registry:transfer_accept", args=[999999]))
        .status_code
        == 404
    )


def test_list_query_count_does_not_grow(cast: Cast, django_assert_max_num_queries: Any) -> None:
    client = cast.client_for("other_clerk")
    for n in range(2):
        _request(cast, person_with(org_unit=cast.village, name=f"王{'一二'[n]}"))
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("registry:transfer_list"))
    for n in range(8):
        _request(cast, person_with(org_unit=cast.village, name=f"李{'一二三四五六七八'[n]}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("registry:transfer_list"))
    assert len(response.context["rows"]) == 10
