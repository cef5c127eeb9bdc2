"""Backups and the restore drill, on whichever database the suite runs."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from renkou.core.backup import backup_create, restore_drill
from renkou.core.models import AuditEvent
from tests.conftest import Cast
from tests.factories import make_person

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_then_drill_matches(cast: Cast, tmp_path: Path) -> None:
    make_person(org_unit=cast.village)
    make_person(org_unit=cast.village, name="王芳", sex="F")
    backup = backup_create(out_dir=tmp_path)
    facts = json.loads(backup.manifest.read_text(encoding="utf-8"))
    assert facts["counts"]["registry_person"] == 2
    assert facts["audit_head"]
    report = restore_drill(manifest=backup.manifest)
    assert report.ok, report.problems
    assert report.audit_rows >= 1
    assert AuditEvent.objects.filter(action="backup.drill", outcome="ok").exists()


def test_drill_notices_a_tampered_manifest_or_file(cast: Cast, tmp_path: Path) -> None:
    make_person(org_unit=cast.village)
    backup = backup_create(out_dir=tmp_path)
    facts = json.loads(backup.manifest.read_text(encoding="utf-8"))
    facts["counts"]["registry_person"] = 5
    backup.manifest.write_text(json.dumps(facts), encoding="utf-8")
    report = restore_drill(manifest=backup.manifest)
    assert not report.ok
    assert any("registry_person" in p for p in report.problems)
    with backup.path.open("ab") as fh:
        fh.write(b"x")
    assert not restore_drill(manifest=backup.manifest).ok


def test_commands(cast: Cast, tmp_path: Path) -> None:
    make_person(org_unit=cast.village)
    call_command("backup", "create", "--out", str(tmp_path))
    manifest = next(tmp_path.glob("*.json"))
    out = StringIO()
    call_command("backup", "drill", str(manifest), "--json", stdout=out)
    assert json.loads(out.getvalue())["ok"] is True
