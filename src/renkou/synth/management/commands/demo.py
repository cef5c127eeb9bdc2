"""``renkou demo``: seed a synthetic county into the embedded database and serve it."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from renkou.core.models import OrgUnit, Role, User
from renkou.core.services import user_create
from renkou.programmes.campaigns.demo import demo_campaign

# One shared password for every demo account (documented in the README); it passes the
# validators (length, 3 of 4 character classes, not a common password).
DEMO_PASSWORD = "Renkou-Demo-2026"  # noqa: S105 - a published demo password, not a secret
DEMO_SEED = 2026
DEMO_TOWNSHIPS = 2
# Three months of department feeds: enough for a reconciliation to show something.
DEMO_MONTHS = 3


def _villages(township: OrgUnit) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(
            path__startswith=township.path, level=OrgUnit.Level.VILLAGE
        ).order_by("code")
    )


def _pick(villages: list[OrgUnit], name: str, skip: OrgUnit | None = None) -> OrgUnit:
    named = [v for v in villages if v.name == name and v != skip]
    others = [v for v in villages if v != skip]
    if not (named or others):
        raise CommandError("模拟县中村居不足，无法创建演示账号。")
    return (named or others)[0]


def demo_accounts() -> dict[str, str]:
    """Create the demo cast once (existing usernames are kept); username → unit name."""
    county = OrgUnit.objects.filter(level=OrgUnit.Level.COUNTY).order_by("code").first()
    townships = list(OrgUnit.objects.filter(level=OrgUnit.Level.TOWNSHIP).order_by("code")[:2])
    if county is None or len(townships) < 2:
        raise CommandError("组织机构中需要一个县和至少两个乡镇。")
    villages = _villages(townships[0])
    officer_village = _pick(villages, "大官庄村")
    specs = {
        "officer_dgz": (Role.VILLAGE_OFFICER, officer_village),
        "officer_dwz": (Role.VILLAGE_OFFICER, _pick(villages, "东王庄村", skip=officer_village)),
        "clerk": (Role.TOWNSHIP_CLERK, townships[0]),
        "head": (Role.TOWNSHIP_HEAD, townships[0]),
        "clerk2": (Role.TOWNSHIP_CLERK, townships[1]),
        "county": (Role.COUNTY_OFFICER, county),
        "sysadmin": (Role.SYSTEM_ADMIN, county),
        "secadmin": (Role.SECURITY_ADMIN, county),
        "auditor": (Role.AUDIT_ADMIN, county),
    }
    existing = set(User.objects.filter(username__in=specs).values_list("username", flat=True))
    for username, (role, unit) in specs.items():
        if username not in existing:
            user_create(username=username, password=DEMO_PASSWORD, role=role, org_unit=unit)
    return {username: unit.name for username, (_, unit) in specs.items()}


def _reset_database() -> None:
    if connection.vendor != "sqlite":
        raise CommandError("--reset 只用于嵌入式 SQLite 演示库。")
    name = Path(str(settings.DATABASES["default"]["NAME"]))
    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{name}{suffix}").unlink(missing_ok=True)


def demo_seed(*, people: int, out: Path) -> dict[str, Any]:
    """Generate the synthetic county, load its org units and import its register."""
    from renkou.registry.importer import register_import
    from renkou.registry.importer.orgunits import orgunits_import
    from renkou.synth.management.commands.synth import synth_generate

    started = time.perf_counter()
    synth_generate(
        people=people, seed=DEMO_SEED, out=out, townships=DEMO_TOWNSHIPS, months=DEMO_MONTHS
    )
    orgunits_import(path=out / "orgunits.csv", actor=None)
    # The synthetic register carries the noise of a real migration: take the valid rows
    # and report the rest, as a township would on its first import.
    result = register_import(path=out / "register.csv", actor=None, accept_valid=True)
    # What the villages reported during the first month (newborns, marriages) is in the
    # register before the month is compared, as a township's month goes (DOMAIN.md §4).
    month = sorted(p.name for p in (out / "village").iterdir())[0]
    reported = register_import(
        path=out / "village" / month / "register.csv", actor=None, accept_valid=True
    )
    reconciled = _demo_month(out)
    return {
        "imported": result.created,
        "village_reported": reported.created,
        "rejected": result.rows_error,
        "error_report": result.error_report,
        "reconciled_month": reconciled,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _demo_month(out: Path) -> str:
    """Stage the first month of department feeds, train the linkage model and reconcile
    the month, so the clerk's worklists and review queue show real cases. Through the
    commands, as the county would."""
    month = sorted(p.name for p in (out / "feeds").iterdir())[0]
    quiet = io.StringIO()
    for kind in ("police", "birth_cert", "marriage", "pupil"):
        path = out / "feeds" / month / f"{kind}.csv"
        # Rejected rows are in the batch's error report; the valid rows are staged.
        with contextlib.suppress(CommandError):
            call_command(
                "import",
                "--kind",
                kind,
                str(path),
                "--month",
                month,
                "--accept-valid",
                stdout=quiet,
                stderr=quiet,
            )
    # The county trains the linkage model once; the comparison then links what the
    # cascade leaves and puts the uncertain pairs in the review queue (匹配审核).
    call_command("linkage_train", "--month", month, stdout=quiet, stderr=quiet)
    call_command("reconcile", "--month", month, stdout=quiet, stderr=quiet)
    return month


class Command(BaseCommand):
    help = (
        "演示：迁移数据库；若库中没有人员，则生成模拟县（默认 45000 人、2 个乡镇、种子 2026）、"
        "导入组织机构和人口个案，创建各角色演示账号；收集静态文件后用 gunicorn 启动服务。"
        "再次运行不会重复生成数据。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--people", type=int, default=45000, help="模拟人口数")
        parser.add_argument("--port", type=int, default=8000, help="服务端口（仅监听 127.0.0.1）")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
        parser.add_argument("--reset", action="store_true", help="删除演示库后重新生成")
        parser.add_argument("--json", action="store_true", help="输出机器可读的 JSON 摘要")

    def handle(self, *args: Any, **options: Any) -> None:
        from renkou.registry.models import Person

        if options["reset"]:
            _reset_database()
        call_command("migrate", verbosity=0, interactive=False)
        summary: dict[str, Any] = {"seeded": False}
        if not Person.objects.exists():
            out = Path(settings.DATA_DIR) / "demo"
            summary.update(demo_seed(people=options["people"], out=out), seeded=True)
        summary["accounts"] = demo_accounts()
        summary["campaign_targets"] = demo_campaign()
        summary["password"] = DEMO_PASSWORD
        call_command("collectstatic", interactive=False, verbosity=0)
        self._print(summary, as_json=options["json"])
        if not options["no_serve"]:
            self._serve(options["port"])

    def _print(self, summary: dict[str, Any], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        if summary["seeded"]:
            self.stdout.write(
                f"已导入 {summary['imported']} 人（拒绝 {summary['rejected']} 行），"
                f"比对了 {summary['reconciled_month']} 的部门数据，用时 {summary['seconds']} 秒。"
            )
        self.stdout.write(f"演示账号（密码均为 {summary['password']}）：")
        for username, unit in summary["accounts"].items():
            self.stdout.write(f"  {username:<12} {unit}")

    def _serve(self, port: int) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        argv = [
            str(gunicorn),
            "renkou.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ]
        self.stdout.write(f"服务地址：http://127.0.0.1:{port}/")
        sys.stdout.flush()
        # The background worker (uploads, comparisons) runs beside the server, in the same
        # process group, so Ctrl+C in the terminal stops both.
        worker = [sys.executable, "-m", "renkou", "db_worker", "--interval", "1"]
        subprocess.Popen(worker)  # noqa: S603 - fixed argv
        os.execv(argv[0], argv)  # noqa: S606 - fixed argv, replaces this process with the server
