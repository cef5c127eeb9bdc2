"""Department files through the web: upload → preview → apply, and every job's page.

The work is in renkou.exchange.jobs; these views only turn forms into jobs and show
them. A job (its preview, error report, progress) is seen inside the subtree of the
unit of the person who queued it; elsewhere it answers 404.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from renkou.core.access import Rule
from renkou.core.audit import audit_record
from renkou.core.intake import IntakeError, StoredFile, parse_mapping
from renkou.core.intake.files import sniff_format
from renkou.core.intake.report import stored_row_errors, write_error_report
from renkou.core.models import Role, User
from renkou.core.roles import Cap, requires
from renkou.core.scoping import scope_filter
from renkou.exchange.feeds import FEEDS
from renkou.exchange.jobs import JobRefusedError, apply_queue, preview_queue, upload_store
from renkou.exchange.models import Job

IMPORTERS = frozenset({Role.TOWNSHIP_CLERK, Role.COUNTY_OFFICER})
MAX_MAPPED = 40


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _last_month() -> str:
    previous = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return f"{previous:%Y-%m}"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("数据类别"))
    month = forms.RegexField(
        label=gettext_lazy("月份"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", max_length=7,
        error_messages={"invalid": gettext_lazy("月份格式应为 YYYY-MM。")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )  # fmt: skip
    file = forms.FileField(label=gettext_lazy("文件（CSV / XLSX / XLS）"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k, f.label) for k, f in FEEDS.items()]


def job_get_for_user(*, user: User, pk: int) -> Job:
    """A job in the user's scope, else 404."""
    queryset = scope_filter(Job.objects.select_related("org_unit", "created_by"), user)
    return get_object_or_404(queryset, pk=pk)


@require_http_methods(["GET", "POST"])
@requires(Cap.IMPORT_DATA)
def upload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"month": _last_month()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                stored = upload_store(
                    actor=user, kind=data["kind"], month=data["month"], upload=data["file"]
                )
                if stored.duplicate_of is not None:
                    messages.info(request, _("该文件与已导入的文件完全相同，无需重复导入。"))
                    return redirect("exchange:upload")
                job = preview_queue(actor=user, stored=stored, kind=data["kind"])
            except (IntakeError, JobRefusedError) as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("exchange:job", pk=job.pk)
        status = 400
    jobs = scope_filter(Job.objects.select_related("created_by"), user)[:20]
    return render(request, "exchange/upload.html", {"form": form, "jobs": jobs}, status=status)


def _mapping_choices(job: Job) -> list[tuple[str, str]]:
    spec = FEEDS[job.feed_kind].spec
    return [("", _("（不导入）"))] + [
        (c.field, f"{c.aliases[0] if c.aliases else c.field}（{c.field}）") for c in spec.columns
    ]


@require_http_methods(["GET"])
@requires(Cap.IMPORT_DATA)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_get_for_user(user=_user(request), pk=pk)
    feed = FEEDS.get(job.feed_kind)
    headers = (job.summary or {}).get("headers") or {}

    def named(field: str) -> str:  # a field by its Chinese header, never its code
        return feed.header(field) if feed else field

    context = {
        "job": job,
        "summary": job.summary,
        "feed": feed,
        "recognised": [(h, named(f)) for h, f in (headers.get("recognised") or {}).items()],
        "missing": [named(f) for f in headers.get("missing") or []],
        "can_apply": job.kind == Job.Kind.PREVIEW and job.status == Job.Status.DONE
        and not job.applies.exclude(status=Job.Status.FAILED).exists(),
        "applied_by": job.applies.order_by("-pk").first() if job.kind == Job.Kind.PREVIEW
        else None,
        "mapping_choices": _mapping_choices(job) if job.feed_kind else [],
    }  # fmt: skip
    return render(request, "exchange/job.html", context)


@require_http_methods(["GET"])
@requires(Cap.IMPORT_DATA)
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx fragment polled while a job runs; when it ends the page reloads."""
    job = job_get_for_user(user=_user(request), pk=pk)
    response = render(request, "exchange/_job_progress.html", {"job": job})
    if job.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@requires(Cap.IMPORT_DATA)
def job_apply(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    job = job_get_for_user(user=user, pk=pk)
    try:
        applied = apply_queue(actor=user, preview=job)
    except JobRefusedError as exc:
        messages.error(request, str(exc))
        return redirect("exchange:job", pk=job.pk)
    return redirect("exchange:job", pk=applied.pk)


@require_POST
@requires(Cap.IMPORT_DATA)
def job_remap(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview the same stored file again with headers mapped by hand (like --map)."""
    user = _user(request)
    job = job_get_for_user(user=user, pk=pk)
    if job.kind != Job.Kind.PREVIEW or not job.finished or job.import_batch is None:
        messages.error(request, _("只能在预览完成后调整表头映射。"))
        return redirect("exchange:job", pk=job.pk)
    known = {c.field for c in FEEDS[job.feed_kind].spec.columns}
    headers = request.POST.getlist("header")[:MAX_MAPPED]
    fields = request.POST.getlist("field")[:MAX_MAPPED]
    mapping = dict(job.mapping)
    for raw, name in zip(headers, fields, strict=False):
        header = raw.strip()[:50]
        if header and name in known:
            mapping[header] = name
        elif header and not name:
            mapping.pop(header, None)
    try:
        normalised = parse_mapping([f"{h}={f}" for h, f in mapping.items()])
        stored_path = Path(settings.DATA_DIR) / job.file_path
        stored = StoredFile(
            batch=job.import_batch, path=stored_path, format=sniff_format(stored_path)
        )
        again = preview_queue(
            actor=user, stored=stored, kind=job.feed_kind, mapping=normalised, preview=None
        )
    except (IntakeError, JobRefusedError, OSError) as exc:
        messages.error(request, str(exc) if not isinstance(exc, OSError) else _("文件已被删除。"))
        return redirect("exchange:job", pk=job.pk)
    return redirect("exchange:job", pk=again.pk)


@require_http_methods(["GET"])
@requires(Cap.IMPORT_DATA)
def job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """Every rejected row of the job's file: sheet, row, column, raw value, reason (CSV)."""
    job = job_get_for_user(user=_user(request), pk=pk)
    if job.import_batch_id is None:
        raise Http404
    buffer = io.StringIO()
    write_error_report(errors=stored_row_errors(job.import_batch_id), to=buffer)
    audit_record(action="job.errors.download", request=request, object_type="job",
                 object_id=job.pk)  # fmt: skip
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="errors-{job.pk}.csv"'
    return response


urlpatterns = [
    path("upload/", upload, name="upload"),
    path("jobs/<int:pk>/", job_detail, name="job"),
    path("jobs/<int:pk>/progress/", job_progress, name="job_progress"),
    path("jobs/<int:pk>/apply/", job_apply, name="job_apply"),
    path("jobs/<int:pk>/map/", job_remap, name="job_remap"),
    path("jobs/<int:pk>/errors.csv", job_errors, name="job_errors"),
]

ACCESS: dict[str, Rule] = {
    "exchange:upload": Rule(roles=IMPORTERS),
    "exchange:job": Rule(roles=IMPORTERS, obj="job"),
    "exchange:job_progress": Rule(roles=IMPORTERS, obj="job"),
    "exchange:job_apply": Rule(roles=IMPORTERS, obj="job", method="POST"),
    "exchange:job_remap": Rule(roles=IMPORTERS, obj="job", method="POST"),
    "exchange:job_errors": Rule(roles=IMPORTERS, obj="job"),
}
