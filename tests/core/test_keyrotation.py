from __future__ import annotations

import base64
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from renkou.core import crypto
from renkou.core.keyrotation import encrypted_fields, rotate_keys
from renkou.programmes.models import NfpcpCheck
from renkou.registry import identity
from renkou.registry.models import Person
from tests.conftest import Cast
from tests.factories import make_person
from tests.programmes.nfpcp_factories import make_couple, register

OLD = "1:" + base64.b64encode(b"t" * 32).decode()  # the test profile's key
NEW = "2:" + base64.b64encode(b"n" * 32).decode()


@pytest.mark.django_db
def test_rotation_reencrypts_with_the_new_key_and_keeps_values(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, phone="13812345678")
    number = identity.id_reveal(person.id_cipher)
    with override_settings(RENKOU_DATA_KEYS=f"{NEW},{OLD}"):
        counts = rotate_keys(batch=1)
        assert counts["registry.Person.id_cipher"] == 1
        assert counts["registry.Person.phone_cipher"] == 1
        person = Person.objects.get(pk=person.pk)
        assert crypto.key_id_of(person.id_cipher) == 2
        assert identity.id_reveal(person.id_cipher) == number
        assert identity.phone_reveal(person.phone_cipher) == "13812345678"
        assert rotate_keys()["registry.Person.id_cipher"] == 0  # nothing left
    # The blind index is keyed separately: exact search still finds the person.
    assert Person.objects.filter(id_index=identity.lookup_index(number)).count() == 1


@pytest.mark.django_db
def test_command_reports_per_column(cast: Cast) -> None:
    make_person(org_unit=cast.village)
    out = StringIO()
    call_command("rotate_keys", "--json", stdout=out)
    counts = json.loads(out.getvalue())
    assert counts["registry.Person.id_cipher"] == 0  # already under the current key


def _key_ids(column: str) -> list[int]:
    quote = connection.ops.quote_name
    table = quote(NfpcpCheck._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {table} ORDER BY id")  # noqa: S608
        return [crypto.key_id_of(bytes(row[0])) for row in cursor.fetchall()]


@pytest.mark.django_db
def test_sealed_model_columns_are_registered_and_rotated_bytewise(cast: Cast) -> None:
    assert ("programmes.NfpcpCheck", "lmp") in {(e.model, e.field) for e in encrypted_fields()}
    lmp = dt.date(2025, 3, 14)
    old = register(make_couple(cast.village), cast.users["clerk"])
    old.pregnant, old.lmp, old.risk_factors = True, lmp, ["infection"]
    old.save()
    with override_settings(RENKOU_DATA_KEYS=f"{NEW},{OLD}"):
        # A row written after the new key was configured is sealed with it already.
        fresh = register(make_couple(cast.village), cast.users["clerk"])
        assert _key_ids("lmp") == [1, 2]
        counts = rotate_keys(batch=1)
        assert counts["programmes.NfpcpCheck.lmp"] == 1
        assert counts["programmes.NfpcpCheck.risk_factors"] == 1
        assert _key_ids("lmp") == [2, 2]
        assert _key_ids("pregnant") == [2, 2]
        old = NfpcpCheck.objects.get(pk=old.pk)
        assert (old.pregnant, old.lmp, old.risk_factors) == (True, lmp, ["infection"])
        fresh = NfpcpCheck.objects.get(pk=fresh.pk)
        assert (fresh.pregnant, fresh.lmp, fresh.risk_factors) == (None, None, [])
        assert rotate_keys()["programmes.NfpcpCheck.lmp"] == 0
    # Once rotated, the old key can go.
    with override_settings(RENKOU_DATA_KEYS=NEW):
        assert NfpcpCheck.objects.get(pk=old.pk).lmp == lmp
