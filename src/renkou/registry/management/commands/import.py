# ruff: noqa: N999 - Django finds the command by file name: `renkou import`.
"""``renkou import``: load a register file (or the org-unit tree) through the intake."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from renkou.core.intake import IntakeError, Notice, RowError, parse_mapping
from renkou.exchange.feeds import FEEDS
from renkou.exchange.scope import unit_by_code
from renkou.exchange.services import FeedImportResult, feed_import
from renkou.registry.importer import ImportResult, register_import
from renkou.registry.importer.orgunits import orgunits_import

MAX_PRINTED_ERRORS = 20


def _summary(result: ImportResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "batch_id": result.batch_id,
        "rows_total": result.rows_total,
        "rows_error": result.rows_error,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "households": result.households,
        "marriages": result.marriages,
        "seconds": result.seconds,
        "error_report": result.error_report,
        "notices": [{"sheet": n.sheet, "row": n.row, "message": n.message} for n in result.notices],
        "errors": [
            {"sheet": e.sheet, "row": e.row, "column": e.column, "raw": e.raw, "reason": e.reason}
            for e in result.errors[:MAX_PRINTED_ERRORS]
        ],
    }


def _feed_summary(result: FeedImportResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "kind": result.kind,
        "month": result.month,
        "batch_id": result.batch_id,
        "feed_batch_id": result.feed_batch_id,
        "rows_total": result.rows_total,
        "rows_error": result.rows_error,
        "created": result.created,
        "superseded": result.superseded,
        "withdrawn": result.withdrawn,
        "unchanged": result.unchanged,
        "seconds": result.seconds,
        "error_report": result.error_report,
        "notices": [{"sheet": n.sheet, "row": n.row, "message": n.message} for n in result.notices],
        "errors": [
            {"sheet": e.sheet, "row": e.row, "column": e.column, "raw": e.raw, "reason": e.reason}
            for e in result.errors[:MAX_PRINTED_ERRORS]
        ],
    }


# Exit statuses a script can rely on: 0 every row is in, or a dry run (its summary lists
# the errors); 1 nothing was written (a bad file, or a row error without --accept-valid);
# 3 the valid rows were written and the others rejected (--accept-valid). 2 is argparse's
# usage error.
EXIT_PARTIAL = 3


class RowsRejectedError(CommandError):
    """--accept-valid wrote the valid rows and rejected the rest (exit status 3)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=EXIT_PARTIAL)


def _finish(status: str, rows_error: int, report: str) -> None:
    """End the command with the exit status its outcome calls for."""
    if status == "rejected":
        raise CommandError(f"有 {rows_error} 行被拒绝，未导入任何行。错误报告：{report}")
    if rows_error and status == "applied":
        raise RowsRejectedError(f"正确的行已导入；有 {rows_error} 行被拒绝，错误报告：{report}")


class Command(BaseCommand):
    help = (
        "导入文件。--kind register：全员人口个案（旧系统迁移格式，CSV/XLSX/XLS）；"
        "--kind orgunits：组织机构 orgunits.csv；--kind police|birth_cert|marriage|pupil："
        "部门月度数据（须加 --month YYYY-MM）；--kind nfpcp_results：县级服务中心的"
        "孕前优生健康检查结果。默认整文件原子导入：任一行有错则不导入任何行；"
        "--accept-valid 导入正确的行并报告错误行。同一文件重复导入不做任何改动。"
        "退出码：0 全部导入（或 --dry-run）；1 未导入任何行；3 正确的行已导入、有行被拒绝。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="要导入的文件")
        parser.add_argument(
            "--kind", choices=["register", "orgunits", "nfpcp_results", *FEEDS], default="register"
        )
        parser.add_argument("--month", default="", metavar="YYYY-MM", help="部门数据所属月份")
        parser.add_argument(
            "--unit",
            default="",
            metavar="CODE",
            help="部门数据的报送单位（乡镇代码）；默认全县",
        )
        parser.add_argument(
            "--map", action="append", default=[], metavar="表头=字段",
            help="把文件中的表头映射到字段，例如 --map 证件号码=id_number（可重复）",
        )  # fmt: skip
        parser.add_argument("--accept-valid", action="store_true", help="导入正确的行，报告错误行")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--json", action="store_true", help="输出机器可读的 JSON 摘要")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        if options["kind"] == "orgunits":
            self._orgunits(path, as_json=options["json"])
            return
        if options["kind"] in FEEDS:
            self._feed(path, options)
            return
        if options["kind"] == "nfpcp_results":
            self._nfpcp(path, options)
            return
        try:
            result = register_import(
                path=path,
                actor=None,
                mapping=parse_mapping(options["map"]),
                dry_run=options["dry_run"],
                accept_valid=options["accept_valid"],
            )
        except IntakeError as exc:
            raise CommandError(str(exc)) from exc
        self._report(result, as_json=options["json"])
        _finish(result.status, result.rows_error, result.error_report)

    def _feed(self, path: Path, options: dict[str, Any]) -> None:
        if not options["month"]:
            raise CommandError("部门数据须用 --month YYYY-MM 指定月份。")
        try:
            result = feed_import(
                kind=options["kind"],
                path=path,
                month=options["month"],
                actor=None,
                unit=unit_by_code(options["unit"]),
                mapping=parse_mapping(options["map"]),
                dry_run=options["dry_run"],
                accept_valid=options["accept_valid"],
            )
        except IntakeError as exc:
            raise CommandError(str(exc)) from exc
        self._feed_report(result, as_json=options["json"])
        _finish(result.status, result.rows_error, result.error_report)

    def _nfpcp(self, path: Path, options: dict[str, Any]) -> None:
        # The programmes app owns this kind; imported here so `registry` stays importable alone.
        from renkou.programmes.nfpcp.importer import nfpcp_results_import

        try:
            result = nfpcp_results_import(
                path=path,
                actor=None,
                mapping=parse_mapping(options["map"]),
                dry_run=options["dry_run"],
                accept_valid=options["accept_valid"],
            )
        except IntakeError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            summary = {
                "status": result.status, "kind": "nfpcp_results", "batch_id": result.batch_id,
                "rows_total": result.rows_total, "rows_error": result.rows_error,
                "created": result.created, "updated": result.updated,
                "unchanged": result.unchanged, "seconds": result.seconds,
                "error_report": result.error_report,
                "errors": [
                    {"sheet": e.sheet, "row": e.row, "column": e.column, "raw": e.raw,
                     "reason": e.reason}
                    for e in result.errors[:MAX_PRINTED_ERRORS]
                ],
            }  # fmt: skip
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                f"批次 {result.batch_id}（孕前检查结果）：{result.status}；"
                f"共 {result.rows_total} 行，"
                f"新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}，"
                f"错误 {result.rows_error}；用时 {result.seconds} 秒。"
            )
            self._print_problems(result.notices, result.errors, result.error_report)
        _finish(result.status, result.rows_error, result.error_report)

    def _feed_report(self, result: FeedImportResult, *, as_json: bool) -> None:
        if as_json:
            summary = _feed_summary(result)
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self.stdout.write(
            f"批次 {result.batch_id}（{result.kind} {result.month}）：{result.status}；"
            f"共 {result.rows_total} 行，新增 {result.created}，更正 {result.superseded}，"
            f"撤回 {result.withdrawn}，未变 {result.unchanged}，错误 {result.rows_error}；"
            f"用时 {result.seconds} 秒。"
        )
        self._print_problems(result.notices, result.errors, result.error_report)

    def _print_problems(self, notices: list[Notice], errors: list[RowError], report: str) -> None:
        for notice in notices:
            self.stdout.write(f"  说明：{notice.sheet} 第 {notice.row} 行：{notice.message}")
        for error in errors[:MAX_PRINTED_ERRORS]:
            self.stderr.write(
                f"  {error.sheet} 第 {error.row} 行 [{error.column}] {error.raw}：{error.reason}"
            )
        if report:
            self.stderr.write(f"错误报告：{report}")

    def _orgunits(self, path: Path, *, as_json: bool) -> None:
        try:
            count = orgunits_import(path=path, actor=None)
        except IntakeError as exc:
            raise CommandError(f"组织机构文件无效：{exc}") from exc
        if as_json:
            self.stdout.write(json.dumps({"status": "applied", "rows_total": count}))
        else:
            self.stdout.write(f"已载入 {count} 个组织机构（已有的保持不变）。")

    def _report(self, result: ImportResult, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(_summary(result), ensure_ascii=False))
            return
        self.stdout.write(
            f"批次 {result.batch_id}：{result.status}；共 {result.rows_total} 行，"
            f"新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}，"
            f"错误 {result.rows_error}；用时 {result.seconds} 秒。"
        )
        self._print_problems(result.notices, result.errors, result.error_report)
