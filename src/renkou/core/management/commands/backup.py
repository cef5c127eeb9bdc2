"""``renkou backup``: an online backup with its manifest, and the restore drill."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkou.core.backup import BackupError, backup_create, restore_drill


class Command(BaseCommand):
    help = (
        "备份：create 在线备份数据库（SQLite 备份接口 / pg_dump）并写出清单"
        "（各表行数、人员版本校验和、审计链末端）；"
        "drill MANIFEST 把备份恢复到临时库，核对清单并校验审计链。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="write a backup and its manifest")
        create.add_argument(
            "--out", type=Path, default=None, help="folder (default DATA_DIR/backups)"
        )
        create.add_argument("--json", action="store_true", help="print a JSON summary")
        drill = sub.add_parser("drill", help="restore a backup into scratch space and check it")
        drill.add_argument("manifest", type=Path, help="the backup's .json manifest")
        drill.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                self._create(options)
            else:
                self._drill(options)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, options: dict[str, Any]) -> None:
        out = options["out"] or Path(settings.DATA_DIR) / "backups"
        backup = backup_create(out_dir=out)
        summary = {"file": str(backup.path), "manifest": str(backup.manifest)}
        self.stdout.write(json.dumps(summary) if options["json"] else f"backup: {backup.path}")

    def _drill(self, options: dict[str, Any]) -> None:
        report = restore_drill(manifest=options["manifest"])
        summary = {"ok": report.ok, "problems": report.problems, "audit_rows": report.audit_rows}
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        elif report.ok:
            self.stdout.write(f"restore drill ok ({report.audit_rows} audit rows verified)")
        if not report.ok:
            raise CommandError("restore drill failed: " + "; ".join(report.problems))
