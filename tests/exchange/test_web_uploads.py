"""Department files through the web: upload → preview → apply, hostile files, the worker."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from renkou.core.housekeeping import files_purge
from renkou.core.models import ImportBatch, ImportRowError
from renkou.exchange.feeds import FEEDS
from renkou.exchange.models import FeedBatch, FeedRow, Job
from tests.exchange.feed_files import DATE_COLUMN, HEADERS, ID_COLUMN, rows, write_csv
from tests.exchange_web_factories import run_worker

pytestmark = pytest.mark.django_db
KINDS = ("police", "birth_cert", "marriage", "pupil")


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


def _csv(tmp: Path, kind: str, body: list[list[str]] | None = None, **kw: Any) -> bytes:
    return write_csv(tmp / f"src-{kind}.csv", kind, body, **kw).read_bytes()


def _xlsx(kind: str, body: list[list[str]] | None = None, title: str = "") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])
    sheet.append(HEADERS[kind])
    for row in rows(kind) if body is None else body:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client: Client, kind: str, name: str, content: bytes, month: str = "2026-01") -> Any:
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(reverse("exchange:upload"), {"kind": kind, "month": month, "file": upload})


def _job(response: Any) -> Job:
    assert response.status_code == 302, getattr(response, "content", b"")[:500]
    pk = int(response["Location"].rstrip("/").split("/")[-1])
    return Job.objects.get(pk=pk)


def _apply(client: Client, job: Job) -> Job:
    return _job(client.post(reverse("exchange:job_apply", args=[job.pk])))


# --- every kind, CSV and XLSX -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_preview_then_apply(cast: Any, data_dir: Path, kind: str, fmt: str) -> None:
    client = cast.client_for("clerk")
    content = _csv(data_dir, kind) if fmt == "csv" else _xlsx(kind)
    preview = _job(_upload(client, kind, f"{kind}.{fmt}", content))
    assert (preview.kind, preview.status) == (Job.Kind.PREVIEW, Job.Status.DONE), preview.error
    s = preview.summary
    assert (s["status"], s["rows_total"], s["rows_ok"], s["rows_error"]) == ("dry_run", 3, 3, 0)
    assert s["created"] == 3
    assert set(s["headers"]["recognised"]) == set(HEADERS[kind])
    assert s["headers"]["unknown"] == []
    assert s["headers"]["missing"] == []
    assert FeedRow.objects.count() == 0  # a preview writes no row
    assert preview.import_batch is not None
    assert preview.import_batch.status == ImportBatch.Status.STAGED
    page = client.get(reverse("exchange:job", args=[preview.pk]))
    assert page.status_code == 200
    assert "预览结果" in page.content.decode()
    assert reverse("exchange:job_apply", args=[preview.pk]) in page.content.decode()

    applied = _apply(client, preview)
    assert (applied.kind, applied.status) == (Job.Kind.APPLY, Job.Status.DONE), applied.error
    assert applied.summary["status"] == "applied"
    assert applied.created_by == cast.users["clerk"]
    assert applied.org_unit == cast.township
    assert FeedRow.objects.filter(batch__kind=kind).count() == 3
    assert applied.feed_batch is not None
    assert applied.feed_batch.rows_created == 3
    batch = ImportBatch.objects.get(pk=preview.import_batch.pk)
    assert batch.status == ImportBatch.Status.APPLIED
    assert ImportBatch.objects.count() == 1  # preview and import share the stored upload
    # Applying twice is refused: the preview's file is already in.
    again = client.post(reverse("exchange:job_apply", args=[preview.pk]))
    assert again.status_code == 302
    assert FeedRow.objects.count() == 3


def test_error_row_is_previewed_reported_and_the_rest_applied(cast: Any, data_dir: Path) -> None:
    client = cast.client_for("clerk")
    body = rows("police")
    body[1][DATE_COLUMN["police"]] = "2026-13-40"
    preview = _job(_upload(client, "police", "p.csv", _csv(data_dir, "police", body)))
    s = preview.summary
    assert (s["rows_total"], s["rows_ok"], s["rows_error"]) == (3, 2, 1)
    assert s["errors"] == [
        {"sheet": "", "row": 3, "column": "变动日期", "raw": "2026-13-40", "reason": "日期不存在"}
    ]
    page = client.get(reverse("exchange:job", args=[preview.pk])).content.decode()
    assert "日期不存在" in page
    assert "2026-13-40" in page
    report = client.get(reverse("exchange:job_errors", args=[preview.pk]))
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines == [["工作表", "行号", "列", "原始值", "原因"], ["", "3", "变动日期", "2026-13-40",
                                                        "日期不存在"]]  # fmt: skip
    applied = _apply(client, preview)
    assert (applied.summary["created"], applied.summary["rows_error"]) == (2, 1)
    assert sorted(FeedRow.objects.values_list("row_number", flat=True)) == [2, 4]
    # The error report of the import has the row too, once (not once per pass).
    assert ImportRowError.objects.filter(batch=preview.import_batch).count() == 1
    report = client.get(reverse("exchange:job_errors", args=[applied.pk]))
    assert "日期不存在" in report.content.decode("utf-8-sig")


def test_the_error_download_is_the_stored_report_masked_and_formula_neutral(
    cast: Any, data_dir: Path
) -> None:
    client = cast.client_for("clerk")
    body = rows("police")
    body[0][ID_COLUMN["police"]] = "3.70404E+17"  # an ID Excel mangled
    body[1][DATE_COLUMN["police"]] = "=HYPERLINK(1)"
    preview = _job(_upload(client, "police", "p.csv", _csv(data_dir, "police", body)))
    download = client.get(reverse("exchange:job_errors", args=[preview.pk])).content
    assert download.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(download.decode("utf-8-sig"))))
    assert lines[0] == ["工作表", "行号", "列", "原始值", "原因"]
    assert [line[1] for line in lines[1:]] == ["2", "3"]
    assert "370404" not in download.decode("utf-8-sig")  # the raw ID is masked
    assert lines[2][3] == "'=HYPERLINK(1)"
    # The same writer as the report kept next to the batch (core.intake).
    assert preview.import_batch is not None
    stored = Path(str(data_dir / "data" / "imports" / str(preview.import_batch.pk) / "errors.csv"))
    assert stored.read_bytes().replace(b"\r\n", b"\n") == download.replace(b"\r\n", b"\n")


# --- hostile files through the web -------------------------------------------------------


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024))
    return buffer.getvalue()


def _entities() -> bytes:
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    source, out = io.BytesIO(_xlsx("police")), io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = lol + data.split(b"?>", 1)[-1]
            dst.writestr(info, data)
    return out.getvalue()


HOSTILE = {
    "zip_bomb": ("bomb.xlsx", _bomb, "压缩"),
    "xml_entity": ("laughs.xlsx", _entities, "实体声明"),
    "text_named_xlsx": ("fake.xlsx", "姓名,性别\n张三,男\n".encode, "不是该格式"),
    "exe_named_csv": ("prog.csv", lambda: b"MZ\x90\x00\x03\x00\x00\x00" * 64, "无法识别"),
    "wrong_extension": ("police.txt", "姓名,性别\n张三,男\n".encode, "只接受"),
    "empty": ("empty.csv", lambda: b"", "空文件"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_is_refused_before_parsing(cast: Any, data_dir: Path, case: str) -> None:
    name, make, reason = HOSTILE[case]
    response = _upload(cast.client_for("clerk"), "police", name, make())
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert (Job.objects.count(), ImportBatch.objects.count(), FeedRow.objects.count()) == (0, 0, 0)


def test_oversize_file_is_refused(cast: Any, data_dir: Path, settings: Any) -> None:
    settings.RENKOU_UPLOAD_MAX_BYTES = 1024
    content = _csv(data_dir, "police", rows("police") * 20)
    response = _upload(cast.client_for("clerk"), "police", "big.csv", content)
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()
    assert (Job.objects.count(), ImportBatch.objects.count()) == (0, 0)


def test_bad_month_and_kind_are_form_errors(cast: Any, data_dir: Path) -> None:
    client = cast.client_for("clerk")
    content = _csv(data_dir, "police")
    assert _upload(client, "police", "p.csv", content, month="2026-13").status_code == 400
    assert _upload(client, "tax", "p.csv", content).status_code == 400
    assert Job.objects.count() == 0


def test_header_only_file_previews_no_rows_and_applies_nothing(cast: Any, data_dir: Path) -> None:
    client = cast.client_for("clerk")
    preview = _job(_upload(client, "police", "h.csv", _csv(data_dir, "police", [])))
    assert preview.status == Job.Status.DONE
    assert (preview.summary["rows_total"], preview.summary["created"]) == (0, 0)
    assert _apply(client, preview).status == Job.Status.DONE
    assert FeedRow.objects.count() == 0


@pytest.mark.parametrize("kind", KINDS)
def test_gb18030_csv_through_the_web(cast: Any, data_dir: Path, kind: str) -> None:
    body = rows(kind)
    body[0][0] = body[0][0][:1] + "𠀀"  # outside GBK: only GB18030 encodes it
    client = cast.client_for("clerk")
    preview = _job(_upload(client, kind, "g.csv", _csv(data_dir, kind, body, encoding="gb18030")))
    assert preview.summary["rows_ok"] == 3, preview.error
    _apply(client, preview)
    assert FeedRow.objects.get(row_number=2).name.endswith("𠀀")


def test_xlsx_with_a_title_row(cast: Any, data_dir: Path) -> None:
    client = cast.client_for("clerk")
    content = _xlsx("police", title="2026年1月公安户籍变动")
    preview = _job(_upload(client, "police", "t.xlsx", content))
    assert (preview.summary["rows_ok"], preview.summary["headers"]["row"]) == (3, 2)
    _apply(client, preview)
    assert sorted(FeedRow.objects.values_list("row_number", flat=True)) == [3, 4, 5]


def test_excel_mangled_id_is_an_error_row(cast: Any, data_dir: Path) -> None:
    body = rows("police")
    body[1][ID_COLUMN["police"]] = "3.70404E+17"
    client = cast.client_for("clerk")
    preview = _job(_upload(client, "police", "m.csv", _csv(data_dir, "police", body)))
    assert preview.summary["rows_error"] == 1
    error = preview.summary["errors"][0]
    assert (error["row"], error["column"]) == (3, "公民身份号码")
    assert "Excel" in error["reason"]


# --- re-sending, corrections, header mapping ---------------------------------------------


def test_resending_an_identical_file_is_a_no_op(cast: Any, data_dir: Path) -> None:
    client = cast.client_for("clerk")
    content = _csv(data_dir, "police")
    _apply(client, _job(_upload(client, "police", "p.csv", content)))
    batches, jobs = ImportBatch.objects.count(), Job.objects.count()
    response = _upload(client, "police", "again.csv", content)
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange:upload")
    assert (ImportBatch.objects.count(), Job.objects.count()) == (batches, jobs)
    assert FeedRow.objects.count() == 3
    assert FeedBatch.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "完全相同" in page


def test_a_corrected_file_changes_only_the_changed_rows(cast: Any, data_dir: Path) -> None:
    client = cast.client_for("clerk")
    _apply(client, _job(_upload(client, "police", "v1.csv", _csv(data_dir, "police"))))
    first = dict(FeedRow.objects.values_list("source_record_id", "pk"))
    body = rows("police")
    body[0][0] = "张叁"  # corrected name of YW001
    del body[2]  # YW003 taken back
    preview = _job(_upload(client, "police", "v2.csv", _csv(data_dir, "police", body)))
    s = preview.summary
    assert (s["created"], s["superseded"], s["withdrawn"], s["unchanged"]) == (0, 1, 1, 1)
    applied = _apply(client, preview)
    assert applied.status == Job.Status.DONE
    current = FeedRow.objects.filter(superseded_by__isnull=True, withdrawn=False)
    assert sorted(current.values_list("name", flat=True)) == ["张叁", "李四"]
    assert FeedRow.objects.get(pk=first["YW002"]).superseded_by is None  # untouched
    assert FeedRow.objects.get(pk=first["YW003"]).withdrawn
    assert FeedRow.objects.get(pk=first["YW001"]).superseded_by is not None


def test_unknown_header_is_mapped_on_the_preview_page(cast: Any, data_dir: Path) -> None:
    client = cast.client_for("clerk")
    header = ["证件号" if h == "公民身份号码" else h for h in HEADERS["police"]]
    content = _csv(data_dir, "police", header=header)
    preview = _job(_upload(client, "police", "u.csv", content))
    assert preview.status == Job.Status.FAILED
    assert "缺少必需的列" in preview.error
    assert preview.summary["headers"]["unknown"] == ["证件号"]
    assert preview.summary["headers"]["missing"] == ["id_number"]
    page = client.get(reverse("exchange:job", args=[preview.pk])).content.decode()
    assert "证件号" in page
    assert reverse("exchange:job_remap", args=[preview.pk]) in page
    remap = client.post(
        reverse("exchange:job_remap", args=[preview.pk]),
        {"header": ["证件号"], "field": ["id_number"]},
    )
    mapped = _job(remap)
    assert mapped.status == Job.Status.DONE
    assert mapped.mapping == {"证件号": "id_number"}
    assert mapped.summary["rows_ok"] == 3
    assert mapped.summary["headers"]["recognised"]["证件号"] == "id_number"
    mapped_page = client.get(reverse("exchange:job", args=[mapped.pk])).content.decode()
    assert "<li>证件号 → 公民身份号码</li>" in mapped_page  # the field by name, not its code
    assert "→ id_number" not in mapped_page
    _apply(client, mapped)
    assert FeedRow.objects.filter(id_valid=True).count() == 3


def test_mapping_to_an_unknown_field_is_ignored(cast: Any, data_dir: Path) -> None:
    client = cast.client_for("clerk")
    preview = _job(_upload(client, "police", "p.csv", _csv(data_dir, "police")))
    again = _job(
        client.post(
            reverse("exchange:job_remap", args=[preview.pk]),
            {"header": ["备注"], "field": ["__class__"]},
        )
    )
    assert again.mapping == {}
    assert again.status == Job.Status.DONE


# --- the background worker ---------------------------------------------------------------


def test_large_file_runs_in_the_worker_with_progress(
    cast: Any, data_dir: Path, settings: Any
) -> None:
    settings.RENKOU_INLINE_JOB_MAX_BYTES = 0  # every file goes to the worker
    client = cast.client_for("clerk")
    preview = _job(_upload(client, "police", "p.csv", _csv(data_dir, "police")))
    assert preview.status == Job.Status.QUEUED
    assert preview.task_id
    progress = client.get(reverse("exchange:job_progress", args=[preview.pk]),
                          headers={"HX-Request": "true"})  # fmt: skip
    body = progress.content.decode()
    assert "排队中" in body
    assert 'hx-trigger="every 2s"' in body
    assert "HX-Refresh" not in progress
    assert run_worker() == 1
    preview.refresh_from_db()
    assert preview.status == Job.Status.DONE
    assert (preview.rows_done, preview.rows_total) == (3, 3)
    assert preview.started_at is not None
    assert preview.finished_at is not None
    task = DBTaskResult.objects.get(id=preview.task_id)
    assert task.status == "SUCCESSFUL"
    assert task.return_value == "done"
    done = client.get(reverse("exchange:job_progress", args=[preview.pk]),
                      headers={"HX-Request": "true"})  # fmt: skip
    assert done["HX-Refresh"] == "true"
    assert "hx-trigger" not in done.content.decode()
    applied = _apply(client, preview)
    assert applied.status == Job.Status.QUEUED
    assert FeedRow.objects.count() == 0
    assert run_worker() == 1
    applied.refresh_from_db()
    assert applied.status == Job.Status.DONE
    assert FeedRow.objects.count() == 3


def test_a_task_for_a_job_already_run_does_nothing(
    cast: Any, data_dir: Path, settings: Any
) -> None:
    from renkou.exchange.jobs import job_process

    settings.RENKOU_INLINE_JOB_MAX_BYTES = 0
    client = cast.client_for("clerk")
    preview = _job(_upload(client, "police", "p.csv", _csv(data_dir, "police")))
    assert job_process(preview.pk) == "done"
    assert run_worker() == 1  # the queued task finds the job taken
    assert DBTaskResult.objects.get(id=preview.task_id).return_value == "skipped"


def test_failed_job_keeps_its_error_and_applies_nothing(
    cast: Any, data_dir: Path, settings: Any
) -> None:
    client = cast.client_for("clerk")
    preview = _job(_upload(client, "police", "p.csv", _csv(data_dir, "police")))
    # The stored upload passes its time to live before anyone applies it.
    assert files_purge(older_than_hours=1) == 0
    assert preview.import_batch is not None
    for path in (Path(settings.DATA_DIR) / "imports" / str(preview.import_batch.pk)).iterdir():
        path.unlink()
    settings.RENKOU_INLINE_JOB_MAX_BYTES = 0
    applied = _apply(client, preview)
    assert run_worker() == 1
    applied.refresh_from_db()
    assert applied.status == Job.Status.FAILED
    assert "过保存期限" in applied.error
    assert (FeedRow.objects.count(), FeedBatch.objects.count()) == (0, 0)
    page = client.get(reverse("exchange:job", args=[applied.pk])).content.decode()
    assert "过保存期限" in page
    # A failed import may be tried again from the preview (with a fresh upload it works).
    assert client.post(reverse("exchange:job_apply", args=[preview.pk])).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_runs_queued_jobs(cast: Any, data_dir: Path, settings: Any) -> None:
    settings.RENKOU_INLINE_JOB_MAX_BYTES = 0
    client = cast.client_for("clerk")
    preview = _job(_upload(client, "police", "p.csv", _csv(data_dir, "police")))
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    preview.refresh_from_db()
    assert preview.status == Job.Status.DONE
    assert preview.summary["rows_ok"] == 3


# --- scope and permissions ---------------------------------------------------------------


def test_another_township_cannot_see_a_job(cast: Any, data_dir: Path) -> None:
    preview = _job(_upload(cast.client_for("clerk"), "police", "p.csv", _csv(data_dir, "police")))
    other = cast.client_for("other_clerk")
    for name in ("exchange:job", "exchange:job_progress", "exchange:job_errors"):
        assert other.get(reverse(name, args=[preview.pk])).status_code == 404
    assert other.post(reverse("exchange:job_apply", args=[preview.pk])).status_code == 404
    assert FeedRow.objects.count() == 0
    listing = other.get(reverse("exchange:upload")).content.decode()
    assert f"#{preview.pk}<" not in listing
    assert (
        cast.client_for("county").get(reverse("exchange:job", args=[preview.pk])).status_code == 200
    )


def test_roles_without_import_cannot_upload(cast: Any, data_dir: Path) -> None:
    for who in ("officer", "head"):
        response = _upload(cast.client_for(who), "police", "p.csv", _csv(data_dir, "police"))
        assert response.status_code == 403
    assert Job.objects.count() == 0
    assert set(FEEDS) == set(KINDS)


def _many_police_rows(n: int) -> list[list[str]]:
    from tests.exchange.feed_files import make_id

    addr = "山东省枣庄市峄城区榴园镇大官庄村"
    return [
        [f"人{i}", "男", make_id("19900101", f"{i % 1000:03d}", area=f"3704{i // 1000:02d}"),
         "1990-01-01", "汉族", addr, "", f"人{i}", "本人", "迁入", "2026-01-05", f"YW{i:05d}"]
        for i in range(n)
    ]  # fmt: skip


def test_progress_of_a_bigger_file(cast: Any, data_dir: Path, settings: Any) -> None:
    settings.RENKOU_INLINE_JOB_MAX_BYTES = 0
    client = cast.client_for("clerk")
    content = _csv(data_dir, "police", _many_police_rows(2500))
    preview = _job(_upload(client, "police", "big.csv", content))
    assert (preview.status, preview.rows_done, preview.rows_total) == ("queued", 0, 2500)
    fragment = client.get(reverse("exchange:job_progress", args=[preview.pk])).content.decode()
    assert "约 2500 行" in fragment
    run_worker()
    preview.refresh_from_db()
    assert (preview.rows_done, preview.rows_total, preview.percent) == (2500, 2500, 100)
    assert preview.summary["rows_ok"] == 2500


def test_feed_import_reports_progress_every_thousand_rows(cast: Any, data_dir: Path) -> None:
    from renkou.exchange.services import feed_import

    path = write_csv(data_dir / "big.csv", "police", _many_police_rows(2500))
    seen: list[int] = []
    result = feed_import(
        kind="police", path=path, month="2026-01", actor=None, progress=seen.append
    )
    assert result.status == "applied"
    assert seen == [1000, 2000]


def test_row_estimates_for_csv_and_xlsx(data_dir: Path) -> None:
    from renkou.exchange.jobs import estimate_rows

    csv_path = data_dir / "e.csv"
    csv_path.write_bytes(_csv(data_dir, "police"))
    xlsx_path = data_dir / "e.xlsx"
    xlsx_path.write_bytes(_xlsx("police", title="标题"))
    junk = data_dir / "junk.bin"
    junk.write_bytes(b"\x00\x01\x02")
    assert (estimate_rows(csv_path), estimate_rows(xlsx_path), estimate_rows(junk)) == (3, 4, 0)
