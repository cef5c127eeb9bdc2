"""``renkou audit verify``: recompute the audit log's hash chain."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkou.core.audit import MIN_RETENTION_DAYS, audit_prune, audit_verify


class Command(BaseCommand):
    help = (
        "审计日志：verify 校验整条哈希链，发现被改动或删除的记录即以非零状态退出；"
        "prune --older-than-days N 删除超过保存期限（不少于183天）的记录。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            choices=["verify", "prune"],
            help="verify: check the hash chain; prune: delete rows past the retention period",
        )
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            help=f"prune: retention in days (at least {MIN_RETENTION_DAYS})",
        )
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "prune":
            self._prune(options)
            return
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

    def _prune(self, options: dict[str, Any]) -> None:
        days = options["older_than_days"]
        if days is None:
            raise CommandError("prune needs --older-than-days")
        try:
            deleted = audit_prune(older_than_days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps({"deleted": deleted}))
        else:
            self.stdout.write(f"deleted {deleted} audit rows older than {days} days")
