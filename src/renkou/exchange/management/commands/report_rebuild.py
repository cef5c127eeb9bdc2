"""``renkou report_rebuild --month YYYY-MM | --all [--json]``: recount the comparison
report's tallies of a month from its links and items (report_tally.py)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkou.exchange.models import ReconcileRun
from renkou.exchange.report_tally import tally_month_rebuild
from renkou.exchange.services import IntakeError, parse_month


class Command(BaseCommand):
    help = (
        "重算部门数据比对报告的统计数：按该月的比对结果和差异事项从头计数并替换已存的计数"
        "（比对完成时自动重算，平时随处理、审核实时更新；用于核对或修复）。"
        "Recount the comparison report's tallies of a month."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", default="", help="YYYY-MM")
        parser.add_argument(
            "--all", action="store_true", help="every month that has a comparison run"
        )
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            months = sorted(set(ReconcileRun.objects.values_list("month", flat=True)))
        elif options["month"]:
            try:
                months = [parse_month(options["month"])]
            except IntakeError as exc:
                raise CommandError(str(exc)) from exc
        else:
            raise CommandError("请指定 --month YYYY-MM 或 --all。")
        started = time.perf_counter()
        rows = sum(tally_month_rebuild(month) for month in months)
        names = [f"{m:%Y-%m}" for m in months]
        seconds = round(time.perf_counter() - started, 3)
        if options["json"]:
            summary = {"months": names, "rows": rows, "seconds": seconds}
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(
            f"已重算 {'、'.join(names) or '无'} 的比对报告计数：{rows} 行，用时 {seconds} 秒。"
        )
