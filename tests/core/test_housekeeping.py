from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from renkou.core.housekeeping import files_purge
from renkou.core.models import AuditEvent


@pytest.mark.django_db
def test_old_uploads_are_deleted_and_new_ones_kept(tmp_path: Path) -> None:
    old = tmp_path / "imports" / "1" / "source.csv"
    new = tmp_path / "imports" / "2" / "source.csv"
    unrelated = tmp_path / "renkou.sqlite3"
    for path in (old, new, unrelated):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("姓名\n张伟\n", encoding="utf-8")
    long_ago = time.time() - 100 * 3600
    os.utime(old, (long_ago, long_ago))
    os.utime(unrelated, (long_ago, long_ago))
    with override_settings(DATA_DIR=tmp_path):
        assert files_purge(older_than_hours=72) == 1
    assert not old.exists()
    assert not old.parent.exists()
    assert new.exists()
    assert unrelated.exists()
    assert AuditEvent.objects.get(action="files.purge").detail["removed"] == 1


@pytest.mark.django_db
def test_command_refuses_a_zero_ttl(tmp_path: Path) -> None:
    with override_settings(DATA_DIR=tmp_path), pytest.raises(CommandError):
        call_command("purge_files", "--older-than-hours", "0")
