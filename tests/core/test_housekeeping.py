from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

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
def test_a_killed_spark_runs_spool_files_are_deleted(tmp_path: Path) -> None:
    """A Spark linkage run killed before its own cleanup leaves its Parquet files (identity
    data in the clear) in RENKOU_SPARK_SPOOL: they go after the TTL like uploads; a
    running run's fresh files stay."""
    spool = tmp_path / "elsewhere" / "spool"
    old = spool / "renkou-spool-dead" / "register.parquet"
    fresh = spool / "renkou-spool-running" / "feed.parquet"
    for path in (old, fresh):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"PAR1")
    long_ago = time.time() - 100 * 3600
    os.utime(old, (long_ago, long_ago))
    with override_settings(DATA_DIR=tmp_path / "data", RENKOU_SPARK_SPOOL=spool):
        assert files_purge(older_than_hours=72) == 1
    assert not old.parent.exists()
    assert fresh.exists()
    assert spool.is_dir()


@pytest.mark.django_db
def test_a_killed_spark_sessions_scratch_files_are_deleted(tmp_path: Path) -> None:
    """Spark's scratch directory (shuffle and spill files: identity data in the clear) is
    made under RENKOU_SPARK_SPOOL; a session killed outright leaves it to the TTL purge."""
    spool = tmp_path / "spool"
    old = spool / "renkou-spark-dead" / "blockmgr-1" / "0c" / "shuffle_0_0_0.data"
    fresh = spool / "renkou-spark-running" / "blockmgr-2" / "0c" / "shuffle_0_0_0.data"
    for path in (old, fresh):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"370404199001010011")
    long_ago = time.time() - 100 * 3600
    os.utime(old, (long_ago, long_ago))
    with override_settings(DATA_DIR=tmp_path / "data", RENKOU_SPARK_SPOOL=spool):
        assert files_purge(older_than_hours=72) == 1
    assert not (spool / "renkou-spark-dead").exists()
    assert fresh.exists()


@pytest.mark.django_db
def test_command_refuses_a_zero_ttl(tmp_path: Path) -> None:
    with override_settings(DATA_DIR=tmp_path), pytest.raises(CommandError):
        call_command("purge_files", "--older-than-hours", "0")


def _task_result(status: str, finished_hours_ago: float | None) -> DBTaskResult:
    now = timezone.now()
    finished = None if finished_hours_ago is None else now - dt.timedelta(hours=finished_hours_ago)
    return DBTaskResult.objects.create(
        status=status,
        finished_at=finished,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="renkou.exchange.jobs.run_job",
        backend_name="default",
        run_after=now,
        traceback="",
        exception_class_path="",
    )


@pytest.mark.django_db
def test_finished_task_results_go_after_the_ttl_and_live_ones_stay(tmp_path: Path) -> None:
    old_done = _task_result("SUCCESSFUL", 100)
    old_failed = _task_result("FAILED", 100)
    recent = _task_result("SUCCESSFUL", 1)
    queued = _task_result("READY", None)
    running = _task_result("RUNNING", None)
    out = io.StringIO()
    with override_settings(DATA_DIR=tmp_path):
        call_command("purge_files", "--older-than-hours", "72", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"removed": 0, "tasks_removed": 2, "older_than_hours": 72}
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent.pk, queued.pk, running.pk}
    assert old_done.pk not in left
    assert old_failed.pk not in left
    assert AuditEvent.objects.get(action="tasks.prune").detail["removed"] == 2
