from __future__ import annotations

import base64
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from renkou.core import crypto
from renkou.core.keyrotation import rotate_keys
from renkou.registry import identity
from renkou.registry.models import Person
from tests.conftest import Cast
from tests.factories import make_person

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
