"""``renkou synth``: write a deterministic synthetic county (register, feeds, truth)."""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from renkou.synth import generate


def synth_generate(
    *,
    people: int,
    seed: int,
    out: Path,
    townships: int | None = None,
    noise: float = 1.0,
    months: int = 12,
) -> dict[str, Any]:
    """Run the generator library; returns its manifest as a JSON-able summary."""
    started = time.perf_counter()
    try:
        manifest = generate(
            people=people, seed=seed, out_dir=out, townships=townships, noise=noise, months=months
        )
    except ValueError as exc:
        raise CommandError(f"参数无效：{exc}") from exc
    summary = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(manifest).items()}
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


class Command(BaseCommand):
    help = (
        "生成模拟县的数据：旧系统格式的全员人口个案、各部门每月数据和比对真值（同一种子结果相同）。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--people", type=int, required=True, help="人口数")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子")
        parser.add_argument("--out", type=Path, required=True, help="输出目录")
        parser.add_argument("--townships", type=int, default=None, help="乡镇数（默认按人口推算）")
        parser.add_argument("--noise", type=float, default=1.0, help="部门数据噪声倍数")
        parser.add_argument("--months", type=int, default=12, help="部门数据月数")
        parser.add_argument("--json", action="store_true", help="输出机器可读的 JSON 摘要")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["townships"] is not None and options["townships"] < 1:
            raise CommandError("--townships 须为正数。")
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        summary = synth_generate(
            people=options["people"], seed=options["seed"], out=out,
            townships=options["townships"], noise=options["noise"], months=options["months"],
        )  # fmt: skip
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, default=str))
        else:
            self.stdout.write(
                f"已生成 {options['people']} 人的模拟数据到 {out}（{summary['seconds']} 秒）。"
            )
