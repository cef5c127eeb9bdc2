"""``renkou purge_files``: delete stored uploads and generated files past their TTL."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkou.core.housekeeping import files_purge


class Command(BaseCommand):
    help = (
        "删除超过保存期限的上传文件和导出文件（数据目录下 imports/、exports/）。"
        "Run it daily (cron or a systemd timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=None,
            help="time to live in hours (default: RENKOU_FILE_TTL_HOURS)",
        )
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["older_than_hours"]
        if hours is None:
            hours = settings.RENKOU_FILE_TTL_HOURS
        try:
            removed = files_purge(older_than_hours=hours)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps({"removed": removed, "older_than_hours": hours}))
        else:
            self.stdout.write(f"removed {removed} files older than {hours} h")
