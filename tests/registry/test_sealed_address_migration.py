"""Migrations 0004–0006 seal the addresses written before them; reversed, they open them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from renkou.registry.models import Household, Person
from tests.conftest import Cast

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("registry", "0003_person_name_pattern_index")]
AFTER = [("registry", "0006_sealed_address_swap")]
ADDRESS = "峄城区坛山街道大官庄村三组18号"


def _migrate(targets: list[tuple[str, str]] | None) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection)


@pytest.fixture
def executor() -> Iterator[Any]:
    yield _migrate(BEFORE)
    _migrate(None)


def test_old_addresses_are_sealed_and_opened_again(cast: Cast, executor: Any) -> None:
    old = executor.loader.project_state(BEFORE).apps
    person = old.get_model("registry", "Person").objects.create(
        name="张伟", sex="M", birth_date=dt.date(1985, 3, 14), org_unit_id=cast.village.pk,
        address=ADDRESS,
    )  # fmt: skip
    blank = old.get_model("registry", "Person").objects.create(
        name="李娜", sex="F", birth_date=dt.date(1986, 4, 1), org_unit_id=cast.village.pk
    )
    household = old.get_model("registry", "Household").objects.create(
        code=f"{cast.village.code}010001", org_unit_id=cast.village.pk, address=ADDRESS
    )

    _migrate(AFTER)
    assert Person.objects.get(pk=person.pk).address == ADDRESS
    assert Person.objects.get(pk=blank.pk).address == ""
    assert Household.objects.get(pk=household.pk).address == ADDRESS
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM registry_person UNION ALL "
                       "SELECT address FROM registry_household")  # fmt: skip
        blobs = [bytes(row[0]) for row in cursor.fetchall()]
    assert len(blobs) == 3
    assert all("大官庄".encode() not in blob for blob in blobs)

    reverted = _migrate(BEFORE).loader.project_state(BEFORE).apps
    assert reverted.get_model("registry", "Person").objects.get(pk=person.pk).address == ADDRESS
    assert reverted.get_model("registry", "Household").objects.get().address == ADDRESS
