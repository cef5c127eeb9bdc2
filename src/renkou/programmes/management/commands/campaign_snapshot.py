"""``renkou campaign_snapshot``: record today's coverage of every running campaign."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from renkou.programmes.campaigns.services import campaigns_snapshot_daily


class Command(BaseCommand):
    help = "为每个进行中的活动记录当日覆盖率快照（趋势图用）；由每日定时任务运行。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="输出机器可读的 JSON 摘要")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = campaigns_snapshot_daily()
        except DatabaseError as exc:
            raise CommandError(f"记录覆盖率快照失败：{exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps({"campaigns": count}, ensure_ascii=False))
        else:
            self.stdout.write(f"已为 {count} 个进行中的活动记录覆盖率快照")
