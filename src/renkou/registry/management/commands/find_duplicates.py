"""``renkou find_duplicates``: store new duplicate candidate pairs of the active register."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from renkou.core.models import OrgUnit
from renkou.registry.services.duplicates import duplicates_find


class Command(BaseCommand):
    help = (
        "查找疑似重复人员（身份证号相同，或姓名、出生日期、母亲相同），"
        "只保存新发现的配对；可重复运行。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--unit", default="", help="只查该区划代码的单位及其下级（默认全部）")
        parser.add_argument("--json", action="store_true", help="输出机器可读的 JSON 摘要")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = None
        if options["unit"]:
            unit = OrgUnit.objects.filter(code=options["unit"], valid_to__isnull=True).first()
            if unit is None:
                raise CommandError(f"单位 {options['unit']} 不存在")
        new = duplicates_find(org_unit=unit)
        if options["json"]:
            summary = {"new_candidates": new, "unit": unit.code if unit else None}
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(f"新发现疑似重复 {new} 对")
