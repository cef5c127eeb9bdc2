from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from renkou.core.audit import AuditLeakError, audit_record, audit_verify
from renkou.core.models import AuditEvent


def _clear_maintenance_mark() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM renkou_audit_maintenance")


@pytest.mark.django_db
def test_chain_verifies_and_detects_tampering() -> None:
    for i in range(5):
        audit_record(action="test.event", object_id=i, detail={"n": i})
    report = audit_verify()
    assert report.ok
    assert report.rows == 5
    # Tamper by a path the trigger allows (maintenance) to prove verify catches it.
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO renkou_audit_maintenance (reason) VALUES ('test')")
        third = AuditEvent.objects.order_by("id")[2]
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [third.id])
    report = audit_verify()
    assert not report.ok
    assert report.first_bad_id == third.id + 1


@pytest.mark.django_db
def test_update_is_refused_by_the_database() -> None:
    _clear_maintenance_mark()
    event = audit_record(action="test.event")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")


@pytest.mark.django_db
def test_delete_is_refused_by_the_database() -> None:
    _clear_maintenance_mark()
    audit_record(action="test.event")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_raw_identity_number_never_reaches_the_log() -> None:
    with pytest.raises(AuditLeakError):
        audit_record(action="search", detail={"q": "37040419850314123X"})
    event = audit_record(action="search", detail={"q": "370404********123X"})
    assert event.detail["q"] == "370404********123X"


@pytest.mark.django_db
def test_failed_audit_write_rolls_back_the_action(cast: object) -> None:
    from renkou.core.models import LoginFailure

    def action_then_leaky_audit() -> None:
        with transaction.atomic():
            LoginFailure.objects.create(username="x", ip="1.1.1.1")
            audit_record(action="x", detail={"id": "370404198503141234"})

    with pytest.raises(AuditLeakError):
        action_then_leaky_audit()
    assert not LoginFailure.objects.filter(username="x").exists()


@pytest.mark.django_db
def test_prune_keeps_the_chain_verifiable() -> None:
    import datetime as dt

    from django.utils import timezone

    from renkou.core.audit import _row_digest, audit_prune

    # Three rows written 400 days ago (built by hand: audit_record stamps now()).
    long_ago = timezone.now() - dt.timedelta(days=400)
    prev = "0" * 64
    for i in range(3):
        event = AuditEvent(at=long_ago, action="old", object_id=str(i), detail={}, prev_hash=prev)
        event.hash = _row_digest(event)
        event.save(force_insert=True)
        prev = event.hash
    for _ in range(2):
        audit_record(action="recent")
    assert audit_verify().ok
    with pytest.raises(ValueError, match="183"):
        audit_prune(older_than_days=30)
    assert audit_prune(older_than_days=365) == 3
    assert not AuditEvent.objects.filter(action="old").exists()
    report = audit_verify()
    assert report.ok, report.reason
    assert report.rows == 3  # two recent rows and the prune record


@pytest.mark.django_db
def test_unexplained_gap_at_the_start_is_reported() -> None:
    for _ in range(3):
        audit_record(action="x")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO renkou_audit_maintenance (reason) VALUES ('test')")
    AuditEvent.objects.order_by("id").first().delete()  # type: ignore[union-attr]
    assert not audit_verify().ok
