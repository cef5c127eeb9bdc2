"""``renkou escalate_overdue``: report open items past their deadline to the township."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from renkou.worklists.services import workitems_escalate_overdue


class Command(BaseCommand):
    help = "把超过期限仍未销号的事项上报乡镇（每项只上报一次）；可每日运行。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="输出机器可读的 JSON 摘要")

    def handle(self, *args: Any, **options: Any) -> None:
        count = workitems_escalate_overdue()
        if options["json"]:
            self.stdout.write(json.dumps({"escalated": count}, ensure_ascii=False))
        else:
            self.stdout.write(f"新上报超期事项 {count} 项")
