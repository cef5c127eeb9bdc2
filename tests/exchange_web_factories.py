"""Objects of the department-data pages for the permission matrix, and the worker helper."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from renkou.core.models import ImportBatch
from renkou.exchange.models import Job
from tests.conftest import Cast


def matrix_job(cast: Cast) -> int:
    """A finished preview inside 大官庄村 (its stored file already purged)."""
    batch = ImportBatch.objects.create(
        kind="feed.police", file_name="police.csv", sha256="0" * 64, size=10, period="2026-01",
        status=ImportBatch.Status.STAGED, created_by=cast.users["clerk"],
    )  # fmt: skip
    job = Job.objects.create(
        kind=Job.Kind.PREVIEW, status=Job.Status.DONE, org_unit=cast.village,
        created_by=cast.users["clerk"], month="2026-01-01", feed_kind="police",
        file_name="police.csv", file_path=f"imports/{batch.pk}/source.csv", import_batch=batch,
        summary={"rows_total": 0, "rows_ok": 0, "rows_error": 0, "headers": {}},
    )  # fmt: skip
    return job.pk


MATRIX_FACTORIES = {"job": matrix_job}


def run_worker() -> int:
    """Run every queued task with django-tasks-db's own Worker (claim → run_task), the
    code path of ``renkou db_worker``, inside the test's transaction; returns how many."""
    worker = Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    )  # fmt: skip
    ran = 0
    while (result := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran
