"""The OpenAPI document generates, validates, has every v1 path, and warns about nothing.

Everything happens in memory: the schema is generated and validated without writing a
file, and the docs page is rendered through the test client.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from tests.conftest import Cast

EXPECTED_PATHS = {
    "/api/v1/token/": {"post"},
    "/api/v1/persons/": {"get"},
    "/api/v1/persons/lookup/": {"post"},
    "/api/v1/persons/{id}/": {"get"},
    "/api/v1/households/": {"get"},
    "/api/v1/households/{id}/": {"get"},
    "/api/v1/change-reports/": {"get", "post"},
    "/api/v1/change-reports/{id}/": {"get"},
}


def test_schema_has_every_path_and_validates() -> None:
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(api_version="v1")  # type: ignore[no-untyped-call]
    schema = generator.get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    validate_schema(schema)  # type: ignore[no-untyped-call]  # raises on an invalid document
    # GENERATOR_STATS is truthy once any warning or error was emitted.
    assert not GENERATOR_STATS, "schema generation warned or failed"
    paths = schema["paths"]
    for path, methods in EXPECTED_PATHS.items():
        assert path in paths, f"missing {path}"
        assert set(paths[path]) >= methods
    # An identity number only ever travels in a body: no parameter may carry one.
    for item in paths.values():
        for operation in item.values():
            names = {p["name"] for p in operation.get("parameters", [])}
            assert "id_number" not in names


def test_spectacular_command_validates_without_warnings() -> None:
    out = StringIO()
    # No --file: the schema goes to the in-memory stream, nothing is written to disk.
    call_command("spectacular", "--validate", "--fail-on-warn", "--api-version", "v1", stdout=out)
    assert "/api/v1/persons/lookup/" in out.getvalue()


@pytest.mark.django_db
def test_schema_endpoint_needs_login_and_serves_v1(cast: Cast) -> None:
    from django.test import Client

    assert Client().get("/api/v1/schema/").status_code in (401, 403)
    response = cast.client_for("clerk").get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/persons/" in response.content.decode()


@pytest.mark.django_db
def test_docs_page_uses_only_local_assets(cast: Cast) -> None:
    response = cast.client_for("officer").get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert urls, "the docs page references no assets"
    for url in urls:
        assert url.startswith("/static/"), f"non-local asset {url}"
    assert "http://" not in html
    assert "https://" not in html
    assert "/api/v1/schema/" in html
