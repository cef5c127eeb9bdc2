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
