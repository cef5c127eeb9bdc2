"""Detailed addresses are sealed at rest (SECURITY.md, ADR 0009): the form, the importer's
bulk path and its update path all store blobs; pages and the API still show the text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.urls import reverse

from renkou.core.keyrotation import encrypted_fields
from renkou.registry.importer import register_import
from renkou.registry.models import Household, Person
from renkou.registry.services.households import household_create
from tests.conftest import Cast
from tests.factories import make_person
from tests.registry.importer.register_files import HEADER, family_rows, write_csv

pytestmark = pytest.mark.django_db

ADDRESS = "峄城区坛山街道大官庄村三组18号"


def _raw(table: str, pk: int) -> bytes:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT address FROM {quote(table)} WHERE id = %s", [pk])  # noqa: S608
        return bytes(cursor.fetchone()[0])


def test_a_form_written_address_is_sealed_and_reads_back(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, address=ADDRESS)
    household = household_create(
        code=f"{cast.village.code}010099", org_unit=cast.village, hukou_type="2",
        address=ADDRESS, actor=None,
    )  # fmt: skip
    for table, pk in (("registry_person", person.pk), ("registry_household", household.pk)):
        raw = _raw(table, pk)
        assert "大官庄".encode() not in raw
        assert "18号".encode() not in raw
    assert Person.objects.get(pk=person.pk).address == ADDRESS
    assert Household.objects.get(pk=household.pk).address == ADDRESS
    # A blind spot by design: the database cannot search the text.
    with pytest.raises(FieldError, match="Unsupported lookup"):
        list(Person.objects.filter(address__contains="大官庄"))


def test_imported_addresses_are_sealed_on_insert_and_on_update(
    cast: Cast, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    rows = [[*row, ADDRESS] for row in family_rows()]
    path = write_csv(tmp_path / "r.csv", rows, header=[*HEADER, "详细地址"])
    register_import(path=path, actor=cast.users["clerk"])
    person = Person.objects.get(external_id="P001")
    assert person.address == ADDRESS
    assert "大官庄".encode() not in _raw("registry_person", person.pk)
    household = Household.objects.get(code=family_rows()[0][9])
    assert household.address == ADDRESS
    assert "大官庄".encode() not in _raw("registry_household", household.pk)
    # A corrected file: the changed address goes through the update path, sealed too.
    moved = "峄城区坛山街道东官庄村一组2号"
    rows[0][-1] = moved
    write_csv(path, rows, header=[*HEADER, "详细地址"])
    register_import(path=path, actor=cast.users["clerk"])
    person.refresh_from_db()
    assert person.address == moved
    assert "东官庄".encode() not in _raw("registry_person", person.pk)


def test_address_columns_are_rotated_with_the_keys() -> None:
    columns = {(entry.model, entry.field) for entry in encrypted_fields()}
    assert ("registry.Person", "address") in columns
    assert ("registry.Household", "address") in columns


def test_the_person_page_shows_the_address(cast: Cast, client: Any) -> None:
    person = make_person(org_unit=cast.village, address=ADDRESS)
    client.force_login(cast.users["clerk"])
    page = client.get(reverse("registry:person_detail", args=[person.pk]))
    assert ADDRESS in page.content.decode()
