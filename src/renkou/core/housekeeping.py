"""Deleting stored uploads and generated files after their time to live (SECURITY.md).

Uploaded department and register files hold personal data in clear text; the register
keeps what it needs (rows, hashes, provenance), so the stored copies go after a TTL.
So do the Spark linkage backend's exchange files (RENKOU_SPARK_SPOOL) that a run killed
before its own cleanup left behind (docs/decisions/0012): they hold identity data in the
clear. The background worker's finished task results go after the same TTL: renkou's own
`exchange.Job` rows keep what a user sees of a job, the queue's rows are plumbing.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from renkou.core.audit import audit_record

# Folders under the data dir that hold uploads and generated files.
PURGED_FOLDERS = ("imports", "exports")


def files_purge(*, older_than_hours: int) -> int:
    """Delete files older than the TTL below the purged folders; returns how many."""
    if older_than_hours < 1:
        raise ValueError("the time to live must be at least one hour")
    cutoff = time.time() - older_than_hours * 3600
    removed = 0
    roots = [Path(settings.DATA_DIR) / folder for folder in PURGED_FOLDERS]
    roots.append(Path(settings.RENKOU_SPARK_SPOOL))
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*"), reverse=True):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    audit_record(
        action="files.purge", detail={"removed": removed, "older_than_hours": older_than_hours}
    )
    return removed


def task_results_prune(*, older_than_hours: int) -> int:
    """Delete the worker's task results finished before the TTL; returns how many.
    Queued and running tasks are never touched."""
    if older_than_hours < 1:
        raise ValueError("the time to live must be at least one hour")
    cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
    removed, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    audit_record(
        action="tasks.prune", detail={"removed": removed, "older_than_hours": older_than_hours}
    )
    return removed
