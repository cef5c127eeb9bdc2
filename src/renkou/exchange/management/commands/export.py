"""``renkou export links --month YYYY-MM --out FILE.csv``: the month's reconciliation links."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkou.exchange.reconcile_export import links_export
from renkou.exchange.services import IntakeError


class Command(BaseCommand):
    help = "导出：links —— 某月最近一次比对的匹配结果（CSV，不含身份证号）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        links = sub.add_parser("links", help="reconciliation links of a month")
        links.add_argument("--month", required=True, help="YYYY-MM")
        links.add_argument("--out", required=True, type=Path, help="FILE.csv")
        links.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.is_dir():
            raise CommandError(f"输出路径是目录：{out}")
        try:
            count = links_export(month=options["month"], path=out, actor=None)
        except IntakeError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps({"rows": count, "out": str(out)}, ensure_ascii=False))
        else:
            self.stdout.write(f"已导出 {count} 行到 {out}。")
