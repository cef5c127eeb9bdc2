"""``renkou purge_files``: delete stored uploads, generated files and finished background
task results past their TTL."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkou.core.housekeeping import files_purge, task_results_prune


class Command(BaseCommand):
    help = (
        "删除超过保存期限的上传文件和导出文件（数据目录下 imports/、exports/）"
        "以及后台任务的已完成记录。"
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
            tasks = task_results_prune(older_than_hours=hours)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            summary = {"removed": removed, "tasks_removed": tasks, "older_than_hours": hours}
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"removed {removed} files and {tasks} finished task results older than {hours} h"
            )
