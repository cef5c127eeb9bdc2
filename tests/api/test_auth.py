"""Token and session authentication, lockout, audit and throttling of the token endpoint."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from renkou.core.models import AuditEvent
from tests.api.conftest import token_client
from tests.conftest import PASSWORD, Cast

TOKEN = "/api/v1/token/"
PERSONS = "/api/v1/persons/"


def _token(client: APIClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post(TOKEN, {"username": username, "password": password}, format="json")
    return response.status_code, response.json()


@pytest.mark.django_db
def test_token_is_issued_audited_and_authenticates(cast: Cast) -> None:
    status, body = _token(APIClient(), "clerk", PASSWORD)
    assert status == 200
    key = str(body["token"])
    assert AuditEvent.objects.filter(action="api.token", actor=cast.users["clerk"]).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(PERSONS).status_code == 200


@pytest.mark.django_db
def test_bad_credentials_answer_the_same_and_are_audited(cast: Cast) -> None:
    wrong = _token(APIClient(), "clerk", "Wrong-Pass-1")
    unknown = _token(APIClient(), "nobody", "Wrong-Pass-1")
    assert wrong == unknown
    assert wrong[0] == 400
    failures = AuditEvent.objects.filter(action="login.failed", outcome="denied")
    assert failures.count() == 2
    assert all(e.detail.get("source") == "api" for e in failures)


@pytest.mark.django_db
def test_lockout_is_shared_with_the_web_login(cast: Cast) -> None:
    client = APIClient()
    for _ in range(5):
        assert _token(client, "clerk", "Wrong-Pass-1")[0] == 400
    status, _body = _token(client, "clerk", PASSWORD)
    assert status == 400  # locked: the right password is refused too
    assert AuditEvent.objects.filter(action="login.locked").exists()
    # The web login sees the same lockout.
    web = Client().post("/login/", {"username": "clerk", "password": PASSWORD})
    assert web.status_code == 200


@pytest.mark.django_db
def test_id_shaped_username_never_reaches_the_audit_log(cast: Cast) -> None:
    status, _body = _token(APIClient(), "370404198005061234", "x")
    assert status == 400
    event = AuditEvent.objects.get(action="login.failed")
    assert "370404198005061234" not in str(event.detail)


@pytest.mark.django_db
def test_token_endpoint_is_throttled(cast: Cast) -> None:
    client = APIClient(REMOTE_ADDR="10.9.9.9")
    statuses = [
        client.post(TOKEN, {"username": f"u{i}", "password": "x"}, format="json").status_code
        for i in range(12)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]


@pytest.mark.django_db
def test_session_auth_works(cast: Cast) -> None:
    assert cast.client_for("clerk").get(PERSONS).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", [PERSONS, "/api/v1/households/", "/api/v1/change-reports/", "/api/v1/persons/1/"]
)
def test_unauthenticated_requests_are_refused(url: str, cast: Cast) -> None:
    assert APIClient().get(url).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bad.get(url).status_code == 401


@pytest.mark.django_db
def test_unauthenticated_lookup_is_refused(cast: Cast) -> None:
    response = APIClient().post("/api/v1/persons/lookup/", {"id_number": "x"}, format="json")
    assert response.status_code == 401


@pytest.mark.django_db
def test_inactive_users_token_stops_working(cast: Cast) -> None:
    client = token_client(cast, "clerk")
    user = cast.users["clerk"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(PERSONS).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'"text"',
        b'{"username": 1, "password": []}',
        b'{"username": "clerk"}',
        b'{"username": "clerk", "password": "x", "extra": 1}',
        b'{"username": "' + b"a" * 5000 + b'", "password": "x"}',
    ],
)
def test_token_hostile_bodies_are_400(body: bytes, cast: Cast) -> None:
    response = APIClient().post(TOKEN, body, content_type="application/json")
    assert response.status_code == 400
