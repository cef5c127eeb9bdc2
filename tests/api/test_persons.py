"""Persons over the API: scope per cast member, masked detail, audit, search filters."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renkou.core.models import AuditEvent
from tests.api.api_factories import Register, make_register
from tests.api.conftest import token_client
from tests.conftest import Cast
from tests.factories import make_person

PERSONS = "/api/v1/persons/"


def _names(cast: Cast, who: str, query: str = "") -> set[str]:
    response = token_client(cast, who).get(PERSONS + query)
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


@pytest.fixture
def register(cast: Cast) -> Register:
    return make_register(cast)


@pytest.mark.django_db
def test_each_cast_member_sees_their_scope(cast: Cast, register: Register) -> None:
    assert _names(cast, "officer") == {"张伟", "李娜"}
    assert _names(cast, "other_officer") == {"张强"}
    assert _names(cast, "clerk") == {"张伟", "李娜", "张强"}
    assert _names(cast, "other_clerk") == {"王芳"}
    assert _names(cast, "county") == {"张伟", "李娜", "张强", "王芳"}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "auditor"])
def test_administrators_get_no_personal_data(who: str, cast: Cast, register: Register) -> None:
    client = token_client(cast, who)
    assert client.get(PERSONS).status_code == 403
    assert client.get(f"{PERSONS}{register.head.pk}/").status_code == 403
    lookup = client.post(f"{PERSONS}lookup/", {"id_number": register.head_id_number}, format="json")
    assert lookup.status_code == 403


@pytest.mark.django_db
def test_detail_is_masked_audited_and_scoped(cast: Cast, register: Register) -> None:
    url = f"{PERSONS}{register.wife.pk}/"
    response = token_client(cast, "officer").get(url)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body["phone_masked"] == "138****5678"
    assert "13812345678" not in response.content.decode()
    assert "*" in body["id_masked"]
    assert body["household"]["household_code"] == register.household.code
    assert body["events"]["total"] >= 2  # registered + joined the household
    assert "registered" in body["events"]["by_kind"]
    event = AuditEvent.objects.filter(action="person.view").latest("id")
    assert event.object_id == str(register.wife.pk)
    assert event.detail == {"source": "api"}
    assert event.actor == cast.users["officer"]
    # The number itself is never in the detail answer.
    head = token_client(cast, "officer").get(f"{PERSONS}{register.head.pk}/")
    assert register.head_id_number not in head.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_officer", "other_clerk"])
def test_out_of_scope_person_is_404(who: str, cast: Cast, register: Register) -> None:
    before = AuditEvent.objects.filter(action="person.view").count()
    response = token_client(cast, who).get(f"{PERSONS}{register.head.pk}/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="person.view").count() == before


@pytest.mark.django_db
def test_county_sees_both_townships(cast: Cast, register: Register) -> None:
    client = token_client(cast, "county")
    assert client.get(f"{PERSONS}{register.head.pk}/").status_code == 200
    assert client.get(f"{PERSONS}{register.other.pk}/").status_code == 200


@pytest.mark.django_db
def test_search_filters(cast: Cast, register: Register) -> None:
    assert _names(cast, "county", "?q=张") == {"张伟", "张强"}
    assert _names(cast, "county", "?q=zhangw") == {"张伟"}
    assert _names(cast, "county", "?q=ln") == {"李娜"}
    assert _names(cast, "county", "?sex=F") == {"李娜", "王芳"}
    assert _names(cast, "county", f"?household={register.household.code[:14]}") == {"张伟", "李娜"}
    assert _names(cast, "county", f"?unit={cast.other_township.pk}") == {"王芳"}
    assert _names(cast, "county", "?birth_year_min=1981&birth_year_max=1986") == {"李娜", "王芳"}
    assert _names(cast, "county", "?status=left") == set()


@pytest.mark.django_db
def test_search_is_audited_without_values(cast: Cast, register: Register) -> None:
    _names(cast, "clerk", f"?q=张&household={register.household.code}")
    event = AuditEvent.objects.filter(action="person.search").latest("id")
    assert event.detail["source"] == "api"
    assert "name" in str(event.detail["filters"])
    assert register.household.code not in str(event.detail)


@pytest.mark.django_db
def test_unit_outside_scope_is_404(cast: Cast, register: Register) -> None:
    response = token_client(cast, "officer").get(f"{PERSONS}?unit={cast.other_township.pk}")
    assert response.status_code == 404


@pytest.mark.django_db
def test_list_query_count_is_bounded(cast: Cast, register: Register) -> None:
    for i in range(30):
        make_person(org_unit=cast.village, name=f"赵{i}")
    client = token_client(cast, "clerk")
    with CaptureQueriesContext(connection) as few:
        client.get(PERSONS)
    for i in range(30):
        make_person(org_unit=cast.village, name=f"钱{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(PERSONS)
    assert response.json()["count"] == 63
    assert len(response.json()["results"]) == 50
    assert len(many) == len(few)
    assert len(many) <= 15


@pytest.mark.django_db
def test_detail_query_count_is_bounded(
    cast: Cast, register: Register, django_assert_max_num_queries: Any
) -> None:
    client = token_client(cast, "clerk")
    with django_assert_max_num_queries(15):
        assert client.get(f"{PERSONS}{register.head.pk}/").status_code == 200
