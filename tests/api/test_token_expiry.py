from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, Cast


def _token(client: APIClient, username: str) -> tuple[int, str]:
    response = client.post(
        "/api/v1/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    return response.status_code, response.json().get("token", "")


@pytest.mark.django_db
def test_expired_token_is_refused_and_a_new_one_revokes_the_old(cast: Cast) -> None:
    client = APIClient()
    status, first = _token(client, "clerk")
    assert status == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get("/api/v1/persons/").status_code == 200
    Token.objects.filter(key=first).update(created=timezone.now() - dt.timedelta(hours=13))
    assert client.get("/api/v1/persons/").status_code in (401, 403)
    _, second = _token(APIClient(), "clerk")
    assert second != first
    assert not Token.objects.filter(key=first).exists()
    client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert client.get("/api/v1/persons/").status_code == 200


@pytest.mark.django_db
@override_settings(RENKOU_API_TOKEN_HOURS=1)
def test_lifetime_is_configurable(cast: Cast) -> None:
    client = APIClient()
    _, key = _token(client, "clerk")
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(minutes=61))
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/persons/").status_code in (401, 403)


@pytest.mark.django_db
def test_administrators_get_no_token(cast: Cast) -> None:
    status, key = _token(APIClient(), "sysadmin")
    assert status in (400, 401, 403)
    assert not key
