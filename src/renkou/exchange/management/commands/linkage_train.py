"""``renkou linkage_train --month YYYY-MM [--backend duckdb|spark] [--json]``: train the
probabilistic linkage model on the register and a month's feeds and store it as active."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkou.exchange.linkage_store import train_model
from renkou.exchange.services import IntakeError


class Command(BaseCommand):
    help = (
        "训练比对用的匹配模型（Splink：u 随机抽样，m 用 EM），以底册和某月部门数据为样本；"
        "参数存入数据库并设为在用，之后每月的 renkou reconcile 直接使用，不再训练。"
        "Retraining is explicit: run this again when the data change character."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM: the feeds to train on")
        parser.add_argument(
            "--backend",
            choices=("duckdb", "spark"),
            default=None,
            help="where training runs (default: RENKOU_LINKAGE_BACKEND, duckdb)",
        )
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            row = train_model(month=options["month"], actor=None, backend=options["backend"])
        except IntakeError as exc:
            raise CommandError(str(exc)) from exc
        out = {
            "id": row.pk,
            "month": f"{row.month:%Y-%m}",
            "backend": row.backend,
            "sha256": row.sha256,
            "summary": row.summary,
        }
        if options["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False, sort_keys=True))
            return
        s = row.summary
        self.stdout.write(
            f"匹配模型 #{row.pk}（{out['month']}，{row.backend}）已训练并启用："
            f"底册 {s.get('register_rows')} 人，部门数据 {s.get('feed_subjects')} 个对象，"
            f"用时 {s.get('seconds')} 秒；校验值 {row.sha256[:12]}。"
        )
