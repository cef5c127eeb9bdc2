"""``renkou audit verify``: recompute the audit log's hash chain."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkou.core.audit import audit_verify


class Command(BaseCommand):
    help = "审计日志：verify 校验整条哈希链，发现被改动或删除的记录即以非零状态退出。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"], help="verify: check the hash chain")
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        summary = {
            "ok": report.ok,
            "rows": report.rows,
            "first_bad_id": report.first_bad_id,
            "reason": report.reason,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        elif report.ok:
            self.stdout.write(f"audit chain ok: {report.rows} rows")
        if not report.ok:
            raise CommandError(f"audit chain broken at row {report.first_bad_id}: {report.reason}")
