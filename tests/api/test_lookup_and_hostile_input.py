"""Identity-number lookup by POST only, and hostile input that must never cause a 500."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from renkou.core.models import AuditEvent
from tests.api.api_factories import Register, make_register
from tests.api.conftest import token_client
from tests.conftest import Cast

LOOKUP = "/api/v1/persons/lookup/"
PERSONS = "/api/v1/persons/"


@pytest.fixture
def register(cast: Cast) -> Register:
    return make_register(cast)


def _fullwidth(number: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)


def _fifteen(number: str) -> str:
    """The old 15-digit form: drop the century and the check digit."""
    return number[:6] + number[8:17]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "variant",
    [
        lambda n: n,
        _fifteen,
        _fullwidth,
        lambda n: f"  {n[:6]} {n[6:14]} {n[14:]}  ",
        lambda n: n.lower(),
    ],
    ids=["18", "15", "fullwidth", "spaced", "lower"],
)
def test_lookup_finds_the_person(variant: object, cast: Cast, register: Register) -> None:
    raw = variant(register.head_id_number)  # type: ignore[operator]
    response = token_client(cast, "officer").post(LOOKUP, {"id_number": raw}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["id"] for r in results] == [register.head.pk]
    assert register.head_id_number not in response.content.decode()
    event = AuditEvent.objects.filter(action="person.lookup").latest("id")
    assert event.detail == {"source": "api", "results": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_officer", "other_clerk"])
def test_lookup_outside_scope_finds_nothing(who: str, cast: Cast, register: Register) -> None:
    response = token_client(cast, who).post(
        LOOKUP, {"id_number": register.head_id_number}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.django_db
def test_lookup_of_an_invalid_number_is_400(cast: Cast, register: Register) -> None:
    bad = register.head_id_number[:-1] + ("0" if register.head_id_number[-1] != "0" else "1")
    response = token_client(cast, "clerk").post(LOOKUP, {"id_number": bad}, format="json")
    assert response.status_code == 400
    assert bad not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["q", "id_number", "id", "household", "foo"])
def test_id_in_query_string_is_rejected_and_not_logged(
    param: str, cast: Cast, register: Register, caplog: pytest.LogCaptureFixture
) -> None:
    number = register.head_id_number
    caplog.set_level(logging.DEBUG)
    for url in (f"{PERSONS}?{param}={number}", f"{PERSONS}?{param}={_fullwidth(number)}"):
        response = token_client(cast, "clerk").get(url)
        assert response.status_code == 400
        assert "POST" in response.json()["detail"]
    assert number not in caplog.text
    assert not AuditEvent.objects.filter(action="person.search").exists()
    assert all(number not in str(e.detail) for e in AuditEvent.objects.all())
    assert AuditEvent.objects.filter(action="api.id_in_url", outcome="denied").exists()


@pytest.mark.django_db
def test_lookup_ignores_a_number_in_the_query_string(cast: Cast, register: Register) -> None:
    url = f"{LOOKUP}?id_number={register.head_id_number}"
    response = token_client(cast, "clerk").post(url, {"id_number": "x"}, format="json")
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"null",
        b"[1, 2]",
        b'{"id_number": 12}',
        b'{"id_number": null}',
        b'{"id_number": ["370404198005061234"]}',
        b'{"id_number": {"a": 1}}',
        b'{"id_number": "' + b"1" * 100_000 + b'"}',
        b'{"id_number": "x", "name": "y"}',
        b'{"id_number": "\' OR 1=1 --"}',
        b'{"id_number": "\\ud800\\ud800"}',
        b'{"id_number": "abc\\u0000"}',
    ],
)
def test_hostile_lookup_bodies_are_400(body: bytes, cast: Cast) -> None:
    response = token_client(cast, "clerk").post(LOOKUP, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()


@pytest.mark.django_db
def test_unknown_fields_get_a_chinese_message(cast: Cast) -> None:
    response = token_client(cast, "clerk").post(LOOKUP, {"id_number": "x", "sql": 1}, format="json")
    assert response.status_code == 400
    assert "不支持的字段" in response.content.decode()
    assert "sql" in response.content.decode()


@pytest.mark.django_db
def test_form_encoded_body_is_refused(cast: Cast) -> None:
    response = token_client(cast, "clerk").post(LOOKUP, {"id_number": "x"})
    assert response.status_code == 415


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?page=-1", 400),
        ("?page=0", 400),
        ("?page=abc", 400),
        ("?page=999999", 404),
        ("?sex=X", 400),
        ("?status=deleted", 400),
        ("?birth_year_min=abc", 400),
        ("?birth_year_max=99999999999999999999", 400),
        ("?unit=-5", 400),
        ("?unit=999999999", 404),
        ("?household=abc", 400),
        ("?q=" + "张" * 51, 400),
        ("?q=%27%20OR%201%3D1%20--", 200),
        ("?q=%00", 400),
        ("?q=%ED%A0%80", 200),
        ("?bogus=1", 400),
    ],
)
def test_hostile_query_strings(query: str, expected: int, cast: Cast, register: Register) -> None:
    response = token_client(cast, "clerk").get(PERSONS + query)
    # A page past the end is DRF's 404 ("invalid page"); malformed parameters are 400.
    assert response.status_code == expected, response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/persons/abc/",
        "/api/v1/persons/-1/",
        "/api/v1/persons/1.5/",
        "/api/v1/persons/99999999999/",
        "/api/v1/persons/9999999999999999999999/",
        "/api/v1/persons/0/",
        "/api/v1/households/abc/",
        "/api/v1/change-reports/%27%20OR%201=1/",
    ],
)
def test_bad_primary_keys_are_404(path: str, cast: Cast) -> None:
    assert token_client(cast, "county").get(path).status_code == 404


@pytest.mark.django_db
def test_session_client_hostile_json_is_400(cast: Cast) -> None:
    client = APIClient()
    client.force_login(cast.users["clerk"])
    response = client.post(LOOKUP, b'{"id_number": ', content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/households/?code={n}",
        "/api/v1/change-reports/?kind={n}",
        "/api/v1/persons/1/?x={n}",
    ],
)
def test_every_endpoint_refuses_an_id_in_the_query(
    url: str, cast: Cast, register: Register
) -> None:
    response = token_client(cast, "county").get(url.format(n=register.head_id_number))
    assert response.status_code == 400
