"""Results of the pre-pregnancy check sent as a file by the county service centre.

Kind ``nfpcp_results`` through ``core.intake``, with the guarantees of every import:
every bad row is reported (sheet, row, column, masked raw value, Chinese reason);
atomic by default (any error → nothing applied; ``accept_valid`` applies the valid
rows); the same file again is a no-op; a corrected file changes only the rows whose
result changed. A row is one item for one spouse of one slip (通知单编号), and the
identity number must be that spouse's.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from renkou.core import crypto
from renkou.core.audit import audit_record
from renkou.core.intake import (
    ColumnSpec,
    IntakeError,
    IntakeResult,
    Row,
    RowError,
    TableSpec,
    intake_store,
    read_table,
    row_errors_store,
)
from renkou.core.intake.cells import mask_raw
from renkou.core.models import ImportBatch, User
from renkou.core.scoping import scope_filter
from renkou.linkage import idnumber
from renkou.programmes.models import NfpcpCheck, NfpcpResult
from renkou.programmes.nfpcp.items import parse_flag, parse_item_no
from renkou.programmes.nfpcp.services import ResultInput, result_store, validate_result
from renkou.registry import identity

__all__ = ["RESULTS_SPEC", "IntakeError", "ResultsImportResult", "nfpcp_results_import"]

RESULTS_SPEC = TableSpec(
    kind="nfpcp_results",
    columns=(
        ColumnSpec("slip_number", ("通知单编号", "通知单号", "检查编号"), required=True,
                   kind="code"),
        ColumnSpec("subject", ("检查对象", "对象", "男女方"), required=True, kind="code"),
        ColumnSpec("id_number", ("身份证号", "公民身份号码", "身份证号码", "证件号码"),
                   required=True, kind="id"),
        ColumnSpec("item_no", ("项目编号", "项目序号", "项目代码"), required=True, kind="code"),
        ColumnSpec("item_name", ("项目名称", "检查项目")),
        ColumnSpec("value", ("检查结果", "结果"), required=True),
        ColumnSpec("unit", ("单位", "计量单位")),
        ColumnSpec("flag", ("结果判定", "判定", "是否异常"), required=True, kind="code"),
        ColumnSpec("reviewer", ("审核人", "审核医生"), required=True),
        ColumnSpec("examined_on", ("检查日期",), required=True, kind="date"),
    ),
)  # fmt: skip
_SUBJECTS = {"女方": "W", "女": "W", "妻子": "W", "w": "W", "男方": "H", "男": "H", "丈夫": "H",
             "h": "H"}  # fmt: skip


@dataclass(kw_only=True)
class ResultsImportResult(IntakeResult):
    updated: int = 0


@dataclass
class _Planned:
    check: NfpcpCheck
    data: ResultInput
    row: int
    digest: str


class _RejectedError(Exception):
    def __init__(self, column: str, raw: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.raw, self.reason = column, raw, reason


def _header(name: str) -> str:
    return RESULTS_SPEC.column(name).aliases[0]


def _digest(row: Row) -> str:
    """The row's fingerprint, keyed: a plain hash of a row (an ID number and a result
    from a short list) could be reversed by trying the candidates (ADR 0009)."""
    parts = [row.text(c.field) for c in RESULTS_SPEC.columns]
    return crypto.blind_index("\x1f".join(parts), purpose="nfpcp.results_row")


def _check_for(row: Row, checks: dict[str, NfpcpCheck | None], actor: User | None) -> NfpcpCheck:
    slip = row.text("slip_number")
    if slip not in checks:
        rows = NfpcpCheck.objects.select_related("wife", "husband")
        if actor is not None:
            rows = scope_filter(rows, actor)
        checks[slip] = rows.filter(slip_number=slip).first()
    check = checks[slip]
    if check is None:
        raise _RejectedError(_header("slip_number"), slip[:40], "通知单编号不存在")
    if not check.open or check.assessed_on is not None:
        raise _RejectedError(
            _header("slip_number"), slip[:40], "该检查已评估或已结束，不能再导入结果"
        )
    if not (check.consent_wife and check.consent_husband):
        raise _RejectedError(_header("slip_number"), slip[:40], "该夫妇尚未签署知情同意书")
    return check


def _subject(row: Row) -> str:
    raw = row.text("subject")
    subject = _SUBJECTS.get(raw.strip().lower())
    if subject is None:
        raise _RejectedError(_header("subject"), raw[:20], "检查对象应为“女方”或“男方”")
    return subject


def _check_id(row: Row, check: NfpcpCheck, subject: str) -> None:
    raw = row.text("id_number")
    column = _header("id_number")
    try:
        number = idnumber.parse(raw).normalized
    except idnumber.IdNumberError as exc:
        raise _RejectedError(column, mask_raw(raw, "id"), str(exc)) from exc
    person = check.wife if subject == "W" else check.husband
    if identity.id_index(number) != person.id_index:
        who = "女方" if subject == "W" else "男方"
        raise _RejectedError(column, mask_raw(number, "id"), f"身份证号与该通知单的{who}不符")


def _plan_row(row: Row, checks: dict[str, NfpcpCheck | None], actor: User | None) -> _Planned:
    check = _check_for(row, checks, actor)
    subject = _subject(row)
    _check_id(row, check, subject)
    try:
        item = parse_item_no(row.text("item_no"))
    except ValidationError as exc:
        raise _RejectedError(_header("item_no"), row.text("item_no")[:20], exc.messages[0]) from exc
    try:
        abnormal = parse_flag(row.text("flag"))
    except ValidationError as exc:
        raise _RejectedError(_header("flag"), row.text("flag")[:20], exc.messages[0]) from exc
    examined = row.values.get("examined_on")
    if not isinstance(examined, dt.date):
        raise _RejectedError(_header("examined_on"), "", "检查日期为空")
    data = ResultInput(
        item_no=item.no, subject=subject, value=row.text("value"), unit=row.text("unit"),
        abnormal=abnormal, reviewer=row.text("reviewer"), examined_on=examined,
    )  # fmt: skip
    try:
        clean = validate_result(check, data)
    except ValidationError as exc:
        # The error's code names the field it is about (items.clean_result,
        # services.validate_result); anything else is about the result's value.
        field = exc.error_list[0].code or "value"
        if field not in ("unit", "subject", "reviewer", "examined_on", "item_no"):
            field = "value"
        raw = str(examined) if field == "examined_on" else row.text(field)
        raise _RejectedError(_header(field), raw[:40], exc.messages[0]) from exc
    return _Planned(check, clean, row.number, _digest(row))


def _read(
    path: Path, fmt: str, mapping: dict[str, str] | None, actor: User | None
) -> tuple[list[_Planned], list[RowError], IntakeResult]:
    table = read_table(path=path, fmt=fmt, spec=RESULTS_SPEC, mapping=mapping)  # type: ignore[arg-type]
    checks: dict[str, NfpcpCheck | None] = {}
    planned: list[_Planned] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, int], int] = {}
    total = 0
    for row in table.rows:
        total += 1
        if row.errors:
            errors.extend(row.errors)
            continue
        try:
            item = _plan_row(row, checks, actor)
        except _RejectedError as exc:
            errors.append(RowError(row.sheet, row.number, exc.column, exc.raw, exc.reason))
            continue
        key = (item.check.slip_number, item.data.subject, item.data.item_no)
        if key in seen:
            reason = f"与第 {seen[key]} 行重复（同一通知单、对象和项目）"
            errors.append(RowError(row.sheet, row.number, _header("item_no"), str(key[2]), reason))
            continue
        seen[key] = row.number
        planned.append(item)
    summary = IntakeResult(status="", batch_id=0, rows_total=total, notices=table.notices)
    return planned, errors, summary


def nfpcp_results_import(
    *,
    path: Path | str,
    actor: User | None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    accept_valid: bool = False,
    file_name: str | None = None,
) -> ResultsImportResult:
    """Import a results file; raises IntakeError when the whole file is refused.
    ``file_name``: the name to keep on the batch when ``path`` is a spooled upload."""
    started = time.perf_counter()
    stored = intake_store(path=Path(path), kind=RESULTS_SPEC.kind, actor=actor, file_name=file_name)
    batch = stored.batch
    if stored.duplicate_of is not None:
        return ResultsImportResult(
            status="unchanged", batch_id=batch.pk, rows_total=batch.rows_total,
            unchanged=batch.rows_total,
        )  # fmt: skip
    try:
        planned, errors, summary = _read(stored.path, stored.format, mapping, actor)
    except IntakeError:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.REJECTED)
        raise
    result = ResultsImportResult(
        status="dry_run", batch_id=batch.pk, rows_total=summary.rows_total,
        rows_error=len(errors), errors=errors, notices=summary.notices,
    )  # fmt: skip
    batch.rows_total, batch.rows_error = summary.rows_total, len(errors)
    batch.rows_ok = summary.rows_total - len(errors)
    if dry_run or (errors and not accept_valid):
        result.status = "dry_run" if dry_run else "rejected"
        batch.status = ImportBatch.Status.REJECTED
        batch.save()
    else:
        with transaction.atomic():
            existing = set(
                NfpcpResult.objects.filter(
                    check_record__in={p.check.pk for p in planned}
                ).values_list("check_record_id", "item_no", "subject")
            )
            for item in planned:
                changed = result_store(
                    item.check, item.data, batch_id=batch.pk, row=item.row, digest=item.digest
                )
                key = (item.check.pk, item.data.item_no, item.data.subject)
                if not changed:
                    result.unchanged += 1
                elif key in existing:
                    result.updated += 1
                else:
                    result.created += 1
            batch.status = ImportBatch.Status.APPLIED
            batch.rows_created, batch.rows_updated = result.created, result.updated
            batch.rows_unchanged = result.unchanged
            batch.save()
            audit_record(
                action="nfpcp.results_import", actor=actor, object_type="batch",
                object_id=batch.pk,
                detail={"sha256": batch.sha256, "rows": result.rows_total,
                        "created": result.created, "updated": result.updated},
            )  # fmt: skip
        result.status = "applied"
    result.error_report = row_errors_store(batch=batch, errors=errors)
    result.seconds = round(time.perf_counter() - started, 3)
    return result
