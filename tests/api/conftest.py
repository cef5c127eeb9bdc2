"""Clients for the API tests: by token (the partner-department way) or by session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import Cast


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> Iterator[None]:
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def token_client(cast: Cast, who: str) -> APIClient:
    token, _created = Token.objects.get_or_create(user=cast.users[who])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
