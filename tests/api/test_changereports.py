"""Change reports over the API: filing through the web form's service, validation, scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from renkou.core.models import AuditEvent
from renkou.registry.models import ChangeReport
from tests.api.api_factories import Register, make_register
from tests.api.conftest import token_client
from tests.conftest import Cast
from tests.factories import make_person

REPORTS = "/api/v1/change-reports/"


@pytest.fixture
def register(cast: Cast) -> Register:
    return make_register(cast)


def _yesterday() -> str:
    return (dt.date.today() - dt.timedelta(days=1)).isoformat()


def _birth(register: Register, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "birth",
        "event_date": _yesterday(),
        "name": "张小宝",
        "sex": "M",
        "mother": register.wife.pk,
        "father": register.head.pk,
        "relation": "20",
    }
    body.update(overrides)
    return body


def _post(cast: Cast, who: str, body: Any) -> Any:
    return token_client(cast, who).post(REPORTS, body, format="json")


@pytest.mark.django_db
def test_officer_files_a_birth(cast: Cast, register: Register) -> None:
    response = _post(cast, "officer", _birth(register))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "birth"
    assert body["status"] == "submitted"
    assert body["mother_id"] == register.wife.pk
    assert body["household_id"] == register.household.pk  # the mother's household
    report = ChangeReport.objects.get(pk=body["id"])
    assert report.created_by == cast.users["officer"]
    assert AuditEvent.objects.filter(action="changereport.file", object_id=str(report.pk))


@pytest.mark.django_db
def test_officer_files_a_death_and_a_move_out(cast: Cast, register: Register) -> None:
    death = _post(
        cast, "officer", {"kind": "death", "event_date": _yesterday(), "subject": register.head.pk}
    )
    assert death.status_code == 201, death.content
    move = {"kind": "move_out", "event_date": _yesterday(), "subject": register.wife.pk}
    refused = _post(cast, "officer", move)
    assert refused.status_code == 400
    assert "place" in refused.json()
    moved = _post(cast, "officer", {**move, "place": "上海市浦东新区"})
    assert moved.status_code == 201, moved.content


@pytest.mark.django_db
def test_mother_out_of_scope_is_400(cast: Cast, register: Register) -> None:
    outsider = make_person(
        org_unit=cast.other_village, name="赵敏", sex="F", birth_date=dt.date(1990, 1, 1)
    )
    response = _post(cast, "officer", _birth(register, mother=outsider.pk))
    assert response.status_code == 400
    assert "mother" in response.json()
    assert not ChangeReport.objects.exists()


@pytest.mark.django_db
def test_service_validation_reaches_the_client(cast: Cast, register: Register) -> None:
    young = make_person(
        org_unit=cast.village,
        name="小芳",
        sex="F",
        birth_date=dt.date.today() - dt.timedelta(days=3650),
    )
    response = _post(cast, "officer", _birth(register, mother=young.pk))
    assert response.status_code == 400
    assert "mother" in response.json()
    future = _post(
        cast,
        "officer",
        _birth(register, event_date=(dt.date.today() + dt.timedelta(days=3)).isoformat()),
    )
    assert future.status_code == 400
    assert "event_date" in future.json()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["clerk", "head", "county", "sysadmin", "auditor"])
def test_only_village_officers_file(who: str, cast: Cast, register: Register) -> None:
    assert _post(cast, who, _birth(register)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "marriage"},
        {"kind": "nonsense"},
        {"event_date": "2024-02-30"},
        {"event_date": 20240101},
        {"mother": "abc"},
        {"mother": -1},
        {"mother": 10**30},
        {"name": "张" * 51},
        {"note": "x" * 501},
        {"sex": "Q"},
        {"relation": "'; DROP TABLE registry_person; --"},
        {"unexpected": True},
        {"household": 999_999_999},
    ],
)
def test_hostile_report_bodies_are_400(
    overrides: dict[str, Any], cast: Cast, register: Register
) -> None:
    response = _post(cast, "officer", _birth(register, **overrides))
    assert response.status_code == 400, response.content
    assert not ChangeReport.objects.exists()


@pytest.mark.django_db
def test_report_list_and_detail_scope(cast: Cast, register: Register) -> None:
    filed = _post(cast, "officer", _birth(register)).json()
    url = f"{REPORTS}{filed['id']}/"
    for who in ("officer", "clerk", "head", "county"):
        client = token_client(cast, who)
        assert client.get(url).status_code == 200
        assert [r["id"] for r in client.get(REPORTS).json()["results"]] == [filed["id"]]
    for who in ("other_officer", "other_clerk"):
        client = token_client(cast, who)
        assert client.get(url).status_code == 404
        assert client.get(REPORTS).json()["results"] == []
    assert token_client(cast, "auditor").get(REPORTS).status_code == 403
    assert token_client(cast, "county").get(f"{REPORTS}?kind=death").json()["count"] == 0
    assert token_client(cast, "county").get(f"{REPORTS}?status=bogus").status_code == 400


@pytest.mark.django_db
def test_report_list_query_count_is_bounded(
    cast: Cast, register: Register, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        assert (
            _post(
                cast,
                "officer",
                {
                    "kind": "death",
                    "event_date": _yesterday(),
                    "subject": make_person(org_unit=cast.village).pk,
                },
            ).status_code
            == 201
        )
    with django_assert_max_num_queries(8):
        response = token_client(cast, "clerk").get(REPORTS)
    assert response.json()["count"] == 5
