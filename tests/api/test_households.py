"""Households over the API: list filters, the household card, scope."""

from __future__ import annotations

from typing import Any

import pytest

from renkou.core.models import AuditEvent
from tests.api.api_factories import Register, make_household, make_register
from tests.api.conftest import token_client
from tests.conftest import Cast
from tests.factories import make_person

HOUSEHOLDS = "/api/v1/households/"


@pytest.fixture
def register(cast: Cast) -> Register:
    return make_register(cast)


def _codes(cast: Cast, who: str, query: str = "") -> set[str]:
    response = token_client(cast, who).get(HOUSEHOLDS + query)
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


@pytest.mark.django_db
def test_household_list_scope_and_filters(cast: Cast, register: Register) -> None:
    other = make_household(unit=cast.other_township_village, members=[(register.other, "02")])
    code = register.household.code
    assert _codes(cast, "officer") == {code}
    assert _codes(cast, "other_officer") == set()
    assert _codes(cast, "other_clerk") == {other.code}
    assert _codes(cast, "county") == {code, other.code}
    assert _codes(cast, "county", f"?code={code[:12]}") == {code}
    assert _codes(cast, "county", f"?unit={cast.other_township.pk}") == {other.code}
    # A full 18-digit household code is not mistaken for an identity number.
    assert _codes(cast, "county", f"?code={code}") == {code}


@pytest.mark.django_db
def test_household_detail_lists_current_members(cast: Cast, register: Register) -> None:
    response = token_client(cast, "officer").get(f"{HOUSEHOLDS}{register.household.pk}/")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    members = [(m["name"], m["relation"], m["relation_display"]) for m in body["members"]]
    assert members == [("张伟", "02", "本人"), ("李娜", "12", "妻")]
    assert all("*" in m["id_masked"] for m in body["members"])
    assert AuditEvent.objects.filter(action="household.view", object_id=str(register.household.pk))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_officer", "other_clerk"])
def test_household_out_of_scope_is_404(who: str, cast: Cast, register: Register) -> None:
    response = token_client(cast, who).get(f"{HOUSEHOLDS}{register.household.pk}/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_household_list_query_count_is_bounded(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    for i in range(20):
        make_household(unit=cast.village, members=[(make_person(org_unit=cast.village), "02")])
        del i
    with django_assert_max_num_queries(10):
        response = token_client(cast, "clerk").get(HOUSEHOLDS)
    assert response.json()["count"] == 20


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?code=abc", "?code=" + "1" * 19, "?unit=x", "?x=1"])
def test_household_hostile_queries_are_400(query: str, cast: Cast) -> None:
    assert token_client(cast, "clerk").get(HOUSEHOLDS + query).status_code == 400
