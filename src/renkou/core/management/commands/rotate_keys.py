"""``renkou rotate_keys``: re-encrypt stored values with the current data key."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from renkou.core.keyrotation import rotate_keys


class Command(BaseCommand):
    help = (
        "密钥轮换：把用旧数据密钥加密的身份证号、电话等重新用当前密钥（RENKOU_DATA_KEYS 的第一个）"
        "加密。Keep the old keys configured until this reports 0 everywhere."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="rows per transaction")
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate_keys(batch=max(1, options["batch"]))
        if options["json"]:
            self.stdout.write(json.dumps(counts))
            return
        for column, n in counts.items():
            self.stdout.write(f"{column}: {n} re-encrypted")
