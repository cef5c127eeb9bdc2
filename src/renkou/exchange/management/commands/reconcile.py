"""``renkou reconcile --month YYYY-MM [--unit CODE] [--backend duckdb|spark] [--json]``:
compare the month's feeds with the register (the cascade, then the stored linkage model)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkou.exchange.reconcile import reconcile_month
from renkou.exchange.scope import unit_by_code
from renkou.exchange.services import IntakeError


class Command(BaseCommand):
    help = (
        "比对某月的部门数据与人口底册：先确定性匹配，再用已训练的匹配模型（renkou "
        "linkage_train）处理其余记录；保存匹配结果，并为每个差异挂账（重复运行不重复挂账）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument(
            "--unit",
            default="",
            metavar="CODE",
            help="只比对该单位（乡镇）报送的数据；默认全县 (the unit's own files only)",
        )
        parser.add_argument(
            "--backend",
            choices=("duckdb", "spark"),
            default=None,
            help="where the probabilistic stage runs (default: RENKOU_LINKAGE_BACKEND, duckdb)",
        )
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            unit = unit_by_code(options["unit"])
            summary = reconcile_month(
                month=options["month"], actor=None, unit=unit, backend=options["backend"]
            )
        except IntakeError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(asdict(summary), ensure_ascii=False, sort_keys=True))
            return
        classes = "，".join(f"{k} {v}" for k, v in sorted(summary.by_class.items())) or "无"
        self.stdout.write(
            f"比对 {summary.month}（第 {summary.run_id} 次）：{summary.rows} 行、"
            f"{summary.subjects} 个对象，匹配 {summary.linked}；差异：{classes}；"
            f"新挂账 {summary.items_opened}，已挂账 {summary.items_existing}；"
            f"待人工审核 {summary.pending_review}"
            f"（匹配模型 {summary.model[:12] or '未训练，仅确定性匹配'}，{summary.backend}）；"
            f"用时 {summary.seconds} 秒。"
        )
