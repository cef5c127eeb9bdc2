"""Background jobs of the department-data pages: import preview, import, comparison.

A job is a :class:`~renkou.exchange.models.Job` row (who queued it, progress, result,
error) run by :func:`job_process` — in the django-tasks worker (``renkou db_worker``,
the task is :data:`run_job`) or, for a small file, inside the request. Both paths run
the same function; a job is claimed once (QUEUED → RUNNING), so a task that finds its
job already taken does nothing.

- upload (:func:`upload_store`): the file goes through ``core.intake.intake_store`` —
  size cap, magic bytes, zip-bomb and XML-entity checks before any parser sees it — into
  a STAGED import batch. An identical file already applied for the kind and month
  returns no job at all (re-sending is a no-op).
- preview: a dry run of ``feed_import`` over the stored file: recognised and unknown
  headers, rows ok / with errors, what applying would change; row errors are kept on
  the batch for the error report. The batch stays STAGED.
- apply: ``feed_import`` of the same stored file, valid rows applied in one
  transaction, every rejected row in the error report. A failure leaves nothing applied.
- reconcile: ``reconcile_month`` for the month, with the queuing person as actor.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from renkou.core.audit import audit_record
from renkou.core.intake import (
    IntakeError,
    StoredFile,
    inspect_headers,
    intake_store,
    upload_name,
    upload_spool,
)
from renkou.core.intake.files import sniff_format
from renkou.core.models import ImportBatch, User
from renkou.core.roles import Cap, has_cap
from renkou.exchange.feeds import FEEDS
from renkou.exchange.models import FeedRow, Job
from renkou.exchange.reconcile import reconcile_month
from renkou.exchange.scope import batches_in
from renkou.exchange.services import FeedImportResult, feed_import, parse_month

logger = logging.getLogger(__name__)
__all__ = [
    "JobRefusedError",
    "job_process",
    "preview_queue",
    "reconcile_queue",
    "run_job",
    "upload_store",
]

PREVIEW_ERRORS: Final = 50  # row errors shown on the preview page; all are in the report
_DIMENSION: Final = re.compile(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')


class JobRefusedError(Exception):
    """The request cannot become a job; the message is Chinese."""


def _require_import(actor: User) -> None:
    if not has_cap(actor, Cap.IMPORT_DATA):
        raise PermissionDenied


def _feed_kind(kind: str) -> str:
    if kind not in FEEDS:
        raise JobRefusedError(f"未知的数据类别：{kind[:20]}")
    return kind


def upload_store(*, actor: User, kind: str, month: str, upload: UploadedFile) -> StoredFile:
    """Check and store an uploaded feed file (core.intake); IntakeError when refused."""
    _require_import(actor)
    feed = FEEDS[_feed_kind(kind)]
    first = parse_month(month)
    with upload_spool(upload) as path:
        return intake_store(
            path=path, kind=feed.spec.kind, actor=actor, file_name=upload_name(upload),
            period=f"{first:%Y-%m}",
        )  # fmt: skip


def _inline(job: Job, size: int) -> bool:
    return size <= settings.RENKOU_INLINE_JOB_MAX_BYTES


def _enqueue(job: Job, *, inline: bool) -> Job:
    if inline:
        job_process(job.pk)
    else:
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def preview_queue(
    *, actor: User, stored: StoredFile, kind: str, mapping: dict[str, str] | None = None,
    apply: bool = False, preview: Job | None = None,
) -> Job:  # fmt: skip
    """Queue a preview (or, with ``apply``, the import) of a stored upload."""
    _require_import(actor)
    batch = stored.batch
    if batch.status != ImportBatch.Status.STAGED:
        raise JobRefusedError("该文件已处理过，请重新上传。")
    assert actor.org_unit is not None
    job = Job.objects.create(
        kind=Job.Kind.APPLY if apply else Job.Kind.PREVIEW,
        org_unit=actor.org_unit, created_by=actor, month=parse_month(batch.period),
        feed_kind=_feed_kind(kind), file_name=batch.file_name[:255],
        file_path=str(stored.path.relative_to(settings.DATA_DIR)),
        mapping=mapping or {}, import_batch=batch, preview=preview,
        rows_total=estimate_rows(stored.path),
    )  # fmt: skip
    audit_record(
        action=f"job.{job.kind}.queue", actor=actor, object_type="job", object_id=job.pk,
        detail={"kind": kind, "month": batch.period, "batch": batch.pk},
    )  # fmt: skip
    return _enqueue(job, inline=_inline(job, batch.size))


def apply_queue(*, actor: User, preview: Job) -> Job:
    """Queue the import of a previewed file, with the preview's header mapping."""
    if preview.kind != Job.Kind.PREVIEW or preview.status != Job.Status.DONE:
        raise JobRefusedError("预览尚未完成。")
    if preview.applies.exclude(status=Job.Status.FAILED).exists():
        raise JobRefusedError("该文件已提交导入。")
    batch = preview.import_batch
    assert batch is not None
    path = Path(settings.DATA_DIR) / preview.file_path
    stored = StoredFile(batch=batch, path=path, format=sniff_format(path) if path.exists()
                        else "csv")  # fmt: skip
    return preview_queue(
        actor=actor, stored=stored, kind=preview.feed_kind, mapping=preview.mapping,
        apply=True, preview=preview,
    )  # fmt: skip


def reconcile_queue(*, actor: User, month: str) -> Job:
    """Queue the comparison of a month's files of the actor's unit (a township clerk's:
    the township's own files; the county's: every file), always in the worker."""
    _require_import(actor)
    first = parse_month(month)
    unit = actor.org_unit
    assert unit is not None
    running = Job.objects.filter(
        kind=Job.Kind.RECONCILE, month=first, org_unit=unit,
        status__in=(Job.Status.QUEUED, Job.Status.RUNNING),
    ).first()  # fmt: skip
    if running is not None:
        return running
    job = Job.objects.create(
        kind=Job.Kind.RECONCILE, org_unit=unit, created_by=actor, month=first,
        rows_total=FeedRow.objects.filter(
            batches_in(unit), batch__month=first, superseded_by__isnull=True, withdrawn=False
        ).count(),
    )  # fmt: skip
    audit_record(
        action="job.reconcile.queue", actor=actor, object_type="job", object_id=job.pk,
        detail={"month": f"{first:%Y-%m}"},
    )  # fmt: skip
    return _enqueue(job, inline=False)


# --- running a job ------------------------------------------------------------------------


def estimate_rows(path: Path) -> int:
    """Rows in a file, cheaply: CSV line breaks, or the sheets' declared dimensions."""
    try:
        fmt = sniff_format(path)
        if fmt == "csv":
            count = 0
            with path.open("rb") as fh:
                while chunk := fh.read(1024 * 1024):
                    count += chunk.count(b"\n")
            return max(count - 1, 0)
        if fmt == "xlsx":
            total = 0
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                        with archive.open(name) as fh:
                            match = _DIMENSION.search(fh.read(4096))
                        total += int(match[1]) - 1 if match else 0
            return max(total, 0)
    except (OSError, IntakeError, zipfile.BadZipFile):
        return 0
    return 0


def _claim(pk: int) -> Job | None:
    claimed = Job.objects.filter(pk=pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    return Job.objects.select_related("created_by", "import_batch").get(pk=pk) if claimed else None


def _progress(job: Job) -> Any:
    def report(done: int) -> None:
        Job.objects.filter(pk=job.pk).update(rows_done=done)

    return report


def _headers(job: Job, path: Path) -> dict[str, Any]:
    spec = FEEDS[job.feed_kind].spec
    report = inspect_headers(path=path, fmt=sniff_format(path), spec=spec, mapping=job.mapping)
    return asdict(report)


def _import_summary(result: FeedImportResult) -> dict[str, Any]:
    return {
        "status": result.status, "rows_total": result.rows_total,
        "rows_error": result.rows_error, "rows_ok": result.rows_total - result.rows_error,
        "created": result.created, "superseded": result.superseded,
        "withdrawn": result.withdrawn, "unchanged": result.unchanged,
        "batch_id": result.batch_id, "feed_batch_id": result.feed_batch_id,
        "notices": [asdict(n) for n in result.notices[:PREVIEW_ERRORS]],
        "notices_total": len(result.notices),
        "errors": [asdict(e) for e in result.errors[:PREVIEW_ERRORS]],
        "seconds": result.seconds,
    }  # fmt: skip


def _run_import(job: Job) -> dict[str, Any]:
    batch = job.import_batch
    assert batch is not None
    path = Path(settings.DATA_DIR) / job.file_path
    if not path.is_file():
        raise IntakeError("上传的文件已过保存期限被删除，请重新上传。")
    summary: dict[str, Any] = {"headers": _headers(job, path)}
    # Kept at once: a file refused for a missing column still shows its headers to map.
    Job.objects.filter(pk=job.pk).update(rows_total=estimate_rows(path), summary=summary)
    stored = StoredFile(batch=batch, path=path, format=sniff_format(path))
    result = feed_import(
        kind=job.feed_kind, path=path, month=job.month, actor=job.created_by,
        mapping=job.mapping or None, accept_valid=True, dry_run=job.kind == Job.Kind.PREVIEW,
        progress=_progress(job), stored=stored,
    )  # fmt: skip
    summary.update(_import_summary(result))
    if result.feed_batch_id:
        Job.objects.filter(pk=job.pk).update(feed_batch_id=result.feed_batch_id)
    return summary


def _run_reconcile(job: Job) -> dict[str, Any]:
    summary = reconcile_month(
        month=job.month, actor=job.created_by, unit=job.org_unit, progress=_progress(job)
    )
    Job.objects.filter(pk=job.pk).update(reconcile_run_id=summary.run_id)
    return asdict(summary)


def job_process(pk: int) -> str:
    """Run one queued job to its end; returns its final status. Never raises for the
    job's own failure: the error text is kept on the job (and the work it did was one
    transaction, so a failure leaves nothing applied)."""
    job = _claim(pk)
    if job is None:
        return "skipped"
    try:
        run = _run_reconcile if job.kind == Job.Kind.RECONCILE else _run_import
        summary = run(job)
    except (IntakeError, PermissionDenied) as exc:
        return _finish(job, error=str(exc) or "没有权限。")
    except Exception as exc:  # any failure is recorded on the job
        # The traceback goes to the (masked) log; the person sees what failed, not the
        # database's own words, which may quote the data.
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        return _finish(
            job,
            error=_("处理失败（%(error)s），请联系系统管理员。") % {"error": type(exc).__name__},
        )
    return _finish(job, error="", summary=summary)


def _finish(job: Job, *, error: str, summary: dict[str, Any] | None = None) -> str:
    """Mark the job done (with its summary) or failed (keeping what it had noted)."""
    status = Job.Status.FAILED if error else Job.Status.DONE
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "error": error}
    if summary is not None:
        done = summary.get("rows_total", summary.get("rows", 0))
        fields.update(summary=summary, rows_done=done, rows_total=done)
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(**fields)
        audit_record(
            action=f"job.{job.kind}.{status}", actor=job.created_by, object_type="job",
            object_id=job.pk, detail={"status": status, "error": error[:200]},
        )  # fmt: skip
    return str(status)


@task()
def run_job(job_id: int) -> str:
    """The django-tasks entry point: run the job (``renkou db_worker`` calls this)."""
    return job_process(job_id)
