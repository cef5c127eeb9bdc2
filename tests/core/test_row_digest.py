"""Imported rows' digests are keyed (an HMAC), and the stored plain ones convert exactly."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from renkou.core import crypto
from renkou.exchange.models import FeedRow
from renkou.exchange.services import feed_import
from renkou.registry.importer import register_import
from renkou.registry.models import Person
from tests.exchange.feed_files import write_csv as write_feed
from tests.registry.importer.register_files import FATHER, family_rows, write_csv

pytestmark = pytest.mark.django_db


def test_the_digest_is_keyed_and_the_hmac_of_the_plain_sha256() -> None:
    text = f"张伟\x1f{FATHER}\x1f1980-03-01"
    plain = hashlib.sha256(text.encode()).hexdigest()
    keyed = crypto.row_digest(text, purpose="registry.row")
    assert keyed != plain
    assert keyed == crypto.keyed_row_digest(plain, purpose="registry.row")
    assert keyed != crypto.row_digest(text, purpose="exchange.feed_row")


def test_the_register_importer_stores_keyed_digests(
    cast: Any, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    path = write_csv(tmp_path / "r.csv", family_rows())
    register_import(path=path, actor=cast.users["clerk"])
    hashes = set(Person.objects.values_list("source_hash", flat=True))
    assert len(hashes) == 5
    # No stored digest is the plain SHA-256 of any row's cells joined as the importer does.
    for row in family_rows():
        for joined in ("\x1f".join(row), "\x1f".join(row[:5])):
            assert hashlib.sha256(joined.encode()).hexdigest() not in hashes
    again = register_import(path=path, actor=cast.users["clerk"])
    assert again.status == "unchanged"


def test_the_migrations_convert_stored_plain_digests_exactly(cast: Any) -> None:
    person = Person.objects.create(
        name="张伟", sex="M", birth_date="1980-03-01", org_unit=cast.village, source_hash="ab" * 32
    )
    blank = Person.objects.create(
        name="李娜", sex="F", birth_date="1982-05-06", org_unit=cast.village
    )
    registry = importlib.import_module("renkou.registry.migrations.0007_keyed_row_digests")
    registry.rekey(apps, None)
    person.refresh_from_db()
    blank.refresh_from_db()
    assert person.source_hash == crypto.keyed_row_digest("ab" * 32, purpose="registry.row")
    assert blank.source_hash == ""


def test_feed_digests_are_keyed_and_converted_exactly(
    cast: Any, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    path = write_feed(tmp_path / "police.csv", "police")
    feed_import(kind="police", path=path, month="2026-01", actor=None)
    row = FeedRow.objects.order_by("pk").first()
    assert row is not None
    # A store written by the older release held plain SHA-256 digests.
    FeedRow.objects.filter(pk=row.pk).update(natural_key="cd" * 32, content_hash="ef" * 32)
    exchange = importlib.import_module("renkou.exchange.migrations.0009_keyed_row_digests")
    before = dict(FeedRow.objects.exclude(pk=row.pk).values_list("pk", "natural_key"))
    exchange.rekey(apps, None)
    row.refresh_from_db()
    assert row.natural_key == crypto.keyed_row_digest("cd" * 32, purpose="exchange.feed_row")
    assert row.content_hash == crypto.keyed_row_digest("ef" * 32, purpose="exchange.feed_row")
    after = dict(FeedRow.objects.exclude(pk=row.pk).values_list("pk", "natural_key"))
    assert all(after[pk] == crypto.keyed_row_digest(v, purpose="exchange.feed_row")
               for pk, v in before.items())  # fmt: skip
