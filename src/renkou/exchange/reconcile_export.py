"""The link file of a month's latest reconciliation run: one line per feed subject
(a marriage row has two: 男方 and 女方). UTF-8 with BOM, formula-neutralised, and
no identity number at all (a department record number that embeds one is masked)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Final

from renkou.core.audit import audit_record
from renkou.core.logfilters import scrub
from renkou.core.models import User
from renkou.core.spreadsheets import neutralise
from renkou.exchange.discrepancies import BY_CODE
from renkou.exchange.models import FeedLink, ReconcileRun
from renkou.exchange.services import IntakeError, parse_month

__all__ = ["HEADER", "links_export"]

HEADER: Final = (
    "数据类别", "来源文件", "来源行号", "来源编号", "一方", "人员ID", "个案编号", "匹配方法",
    "匹配概率", "差异类别",
)  # fmt: skip
_SIDES: Final = {"": "", "husband": "男方", "wife": "女方"}


def _cell(value: object) -> str:
    # The masking of logs (numbers and phones) and the formula guard of every export.
    return str(neutralise(scrub("" if value is None else str(value))))


def links_export(*, month: str, path: Path, actor: User | None) -> int:
    """Write the month's current links to ``path``; returns the line count.
    IntakeError when the month was never reconciled."""
    first = parse_month(month)
    run = ReconcileRun.objects.filter(month=first).order_by("-pk").first()
    if run is None:
        raise IntakeError(f"{first:%Y-%m} 尚未比对，请先运行 renkou reconcile。")
    rows = (
        # Each feed row's links belong to the latest run that covered it.
        FeedLink.objects.filter(run__month=first)
        .order_by("feed_row__batch__kind", "feed_row__row_number", "feed_row_id", "side")
        .values_list(
            "feed_row__batch__kind",
            "feed_row__batch__import_batch__file_name",
            "feed_row__row_number",
            "feed_row__source_record_id",
            "side",
            "person_id",
            "person__external_id",
            "method",
            "probability",
            "discrepancy",
        )
    )
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for kind, file, line, source, side, pk, ext, method, prob, code in rows.iterator(2000):
            label = str(BY_CODE[code].label) if code in BY_CODE else ""
            writer.writerow(
                [_cell(v) for v in (kind, file, line, source, _SIDES.get(side, side), pk,
                                    ext, method, f"{prob:.2f}", label)]
            )  # fmt: skip
            count += 1
    audit_record(
        action="export.links", actor=actor, object_type="reconcilerun", object_id=run.pk,
        detail={"month": f"{first:%Y-%m}", "rows": count},
    )  # fmt: skip
    return count
