"""Generated allow/deny tests: every named URL × every member of the cast.

The matrix (renkou.permissions) says which roles may open each URL and which kind of
scoped object it shows. For each URL and user this test expects: 403 for a role that
is not let in, 404 for an allowed role whose org unit does not contain the object, and
neither (nor a 500) for an allowed user in scope. A named URL that the matrix does not
cover fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from renkou.core.access import Rule
from renkou.permissions import matrix
from tests.conftest import Cast
from tests.factories import make_person

CAST_USERS = [
    "officer",
    "clerk",
    "head",
    "other_officer",
    "other_clerk",
    "county",
    "sysadmin",
    "secadmin",
    "auditor",
]
# Users whose org unit does not contain 大官庄村, where every scoped object is made.
OUT_OF_SCOPE = {"other_officer", "other_clerk"}


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _url_patterns() -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        found.setdefault(name, pattern)
    return found


URLS = _url_patterns()
MATRIX = matrix()


def test_every_named_url_is_in_the_matrix() -> None:
    missing = sorted(set(URLS) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(URLS))
    assert not missing, f"URLs without a permission rule: {missing}"
    assert not stale, f"rules for URLs that do not exist: {stale}"


def _person(cast: Cast) -> int:
    return make_person(org_unit=cast.village).pk


def _household(cast: Cast) -> int:
    from renkou.registry.services.households import household_create

    household = household_create(
        code="370404101201010001", org_unit=cast.village, hukou_type="2", address="", actor=None
    )
    return household.pk


def _orgunit(cast: Cast) -> int:
    return cast.village.pk


OBJECT_FACTORIES: dict[str, Callable[[Cast], int]] = {
    "person": _person,
    "household": _household,
    "orgunit": _orgunit,
}


def _extra_factories() -> dict[str, Callable[[Cast], int]]:
    """Factories for object kinds of later modules, kept beside their own tests."""
    from tests import matrix_objects

    return matrix_objects.FACTORIES


def _build_url(name: str, rule: Rule, cast: Cast) -> str:
    pattern = URLS[name]
    params = list(pattern.pattern.converters)
    if not params:
        return reverse(name)
    assert rule.obj, f"{name} takes {params} but its rule names no object kind"
    factories = {**OBJECT_FACTORIES, **_extra_factories()}
    assert rule.obj in factories, f"no test object factory for kind {rule.obj!r}"
    pk = factories[rule.obj](cast)
    extra = {p: "v1" for p in params if p == "version"}
    key = next(p for p in params if p != "version")
    return reverse(name, kwargs={key: pk, **extra})


CASES = [(name, who) for name in sorted(MATRIX) if name in URLS for who in CAST_USERS]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "who"), CASES)
def test_matrix(name: str, who: str, cast: Cast) -> None:
    rule = MATRIX[name]
    url = _build_url(name, rule, cast)
    client: Client = cast.client_for(who)
    response = client.post(url) if rule.method == "POST" else client.get(url)
    status = response.status_code
    role = cast.users[who].role
    assert status != 500
    if rule.public:
        assert status not in (401, 403, 404), f"{name} should be public"
    elif role not in rule.roles:
        assert status == 403, f"{who} ({role}) must be refused {name}, got {status}"
    elif rule.obj and who in OUT_OF_SCOPE:
        assert status == 404, f"{who} must not see {name} of another unit, got {status}"
    else:
        assert status not in (401, 403, 404), f"{who} should reach {name}, got {status}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n in MATRIX if not MATRIX[n].public))
def test_anonymous_is_sent_to_login(name: str, cast: Cast) -> None:
    url = _build_url(name, MATRIX[name], cast)
    client = Client()
    response = client.post(url) if MATRIX[name].method == "POST" else client.get(url)
    assert response.status_code in (302, 401, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/login/")
