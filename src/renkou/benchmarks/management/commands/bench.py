"""``renkou bench``: benchmarks as commands (BENCHMARKS.md), never timed tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkou.benchmarks.imports import FORMATS, KINDS, run_import_bench
from renkou.benchmarks.linkage import CONTENDERS, run_linkage_bench
from renkou.benchmarks.report import run_report_bench
from renkou.benchmarks.search import run_search_bench
from renkou.benchmarks.worklists import run_worklist_bench
from renkou.core.intake import IntakeError
from renkou.exchange.services import parse_month


def _http_options(parser: CommandParser, *, sample_help: str) -> None:
    parser.add_argument("--users", type=int, default=20, help="concurrent users (20)")
    parser.add_argument("--requests", type=int, default=2000, help="total requests (2000)")
    parser.add_argument("--sample", type=int, default=300, help=sample_help)
    parser.add_argument("--seed", type=int, default=1, help="sampling seed")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument(
        "--think-ms",
        type=int,
        default=0,
        help="pause of each user between requests (0: a closed loop at full load)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _fail_if_any(result: dict[str, Any]) -> None:
    """After the table is out: a failed contender makes the command fail (exit 1)."""
    failed = [run["name"] for run in result["runs"] if "failed" in run]
    if failed:
        raise CommandError(f"linkage bench contenders failed: {', '.join(failed)}")


class Command(BaseCommand):
    help = (
        "性能测试。search：在当前数据库上用 gunicorn 和并发用户测人员查询（身份证号、姓名、"
        "拼音、户编号）的延迟分位数；worklists：挂账事项列表（筛选、排序、翻页）、看板、"
        "我的待办和事项详情的延迟分位数；report：部门数据比对报告（县级、乡镇级、导出）的延迟"
        "分位数；linkage：在模拟县上比较匹配方法；import：部门数据和人口库文件（CSV、XLSX）的"
        "解析、校验和入库速度，与原始读取和原始写入对比。search, worklists and report run "
        "against the configured database (import or seed a register first); linkage and "
        "import make their own data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="bench", required=True)
        search = sub.add_parser("search", help="person search latency over HTTP")
        _http_options(search, sample_help="persons sampled (300)")
        worklists = sub.add_parser("worklists", help="worklist pages latency over HTTP")
        _http_options(worklists, sample_help="probe rounds of up to 9 pages (300)")
        worklists.add_argument(
            "--campaign",
            action="store_true",
            help="first start a county-wide screening campaign (women 35-64) if none runs",
        )
        report = sub.add_parser("report", help="comparison report latency over HTTP")
        _http_options(report, sample_help="probe rounds of 4 requests (300)")
        report.add_argument(
            "--month", default="", help="YYYY-MM (default: the latest compared month)"
        )
        linkage = sub.add_parser("linkage", help="record linkage on a synthetic county")
        linkage.add_argument("--people", type=int, required=True, help="county size")
        linkage.add_argument("--noise", type=float, default=1.0, help="noise factor (1 or 3)")
        linkage.add_argument("--seed", type=int, default=2026, help="generator seed")
        linkage.add_argument("--data", type=Path, default=None, help="reuse/generate county here")
        linkage.add_argument("--repeat", type=int, default=1, help="runs per method (median)")
        linkage.add_argument(
            "--contenders",
            default=",".join(CONTENDERS),
            help=f"comma-separated subset of {', '.join(CONTENDERS)} (default: all)",
        )
        linkage.add_argument(
            "--backend",
            choices=("duckdb", "spark"),
            default="duckdb",
            help="where renkou's monthly model run scores (spark: local[2], or the cluster "
            "RENKOU_SPARK_MASTER names; needs Java); training stays on DuckDB",
        )
        linkage.add_argument("--json", action="store_true", help="print the result as JSON")
        imports = sub.add_parser("import", help="feed and register import speed (scratch DB)")
        imports.add_argument("--rows", type=int, required=True, help="rows per file")
        imports.add_argument("--formats", default=",".join(FORMATS), help="csv,xlsx")
        imports.add_argument("--kinds", default=",".join(KINDS), help="police,register")
        imports.add_argument("--repeat", type=int, default=3, help="runs per contender (median)")
        imports.add_argument(
            "--database-url",
            default=None,
            help="a scratch PostgreSQL database whose name contains 'bench' "
            "(its imports are emptied); default: a new SQLite file",
        )
        imports.add_argument("--data", type=Path, default=None, help="reuse/generate files here")
        imports.add_argument("--seed", type=int, default=2026, help="generator seed")
        imports.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["bench"] == "linkage":
            self._linkage(options)
            return
        if options["bench"] == "import":
            self._imports(options)
            return
        if options["users"] < 1 or options["requests"] < 1 or options["sample"] < 1:
            raise CommandError("--users, --requests and --sample must be positive")
        common = {
            key: options[key]
            for key in ("users", "requests", "sample", "seed", "workers", "threads", "think_ms")
        }
        try:
            if options["bench"] == "search":
                result = run_search_bench(**common)
            elif options["bench"] == "report":
                month = parse_month(options["month"]) if options["month"] else None
                result = run_report_bench(**common, month=month)
            else:
                result = run_worklist_bench(**common, campaign=options["campaign"])
        except (RuntimeError, IntakeError) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self._print_http(result)
        if result["errors"]:
            raise CommandError(f"{result['errors']} requests failed: {result['first_errors']}")

    def _print_http(self, result: dict[str, Any]) -> None:
        items = f", {result['open_items']} open items" if "open_items" in result else ""
        if "tally_rebuild_s" in result:
            items = (
                f", month {result['month']}: {result['feed_subjects']} feed subjects, "
                f"{result['items']} items, tallies recounted in {result['tally_rebuild_s']} s "
                f"({result['tally_rows']} rows); township {result['township']}"
            )
        self.stdout.write(
            f"{result['database']}, {result['persons']} persons{items}, {result['users']} "
            f"users, {result['requests']} requests in {result['wall_s']} s "
            f"({result['server']}, think {result['think_ms']} ms, "
            f"{result['throughput_rps']} req/s)"
        )
        by_kind: dict[str, dict[str, float]] = result["by_kind"]
        for kind, stats in {"all": result["all"], **by_kind}.items():
            self.stdout.write(
                f"  {kind:14s} p50 {stats['p50_ms']:7.1f} ms  p95 {stats['p95_ms']:7.1f} ms"
                f"  p99 {stats['p99_ms']:7.1f} ms  (n={int(stats['n'])})"
            )

    def _linkage(self, options: dict[str, Any]) -> None:
        if options["people"] < 100 or options["repeat"] < 1 or options["noise"] < 0:
            raise CommandError("--people must be at least 100, --repeat positive, --noise ≥ 0")
        contenders = tuple(c.strip() for c in options["contenders"].split(",") if c.strip())
        if not contenders or set(contenders) - set(CONTENDERS):
            raise CommandError(f"--contenders: choose from {', '.join(CONTENDERS)}")
        try:
            result = run_linkage_bench(
                people=options["people"],
                noise=options["noise"],
                seed=options["seed"],
                data=options["data"],
                repeat=options["repeat"],
                contenders=contenders,
                backend=options["backend"],
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            _fail_if_any(result)
            return
        self.stdout.write(
            f"register {result['register_rows']} × feed {result['feed_rows']} rows "
            f"(noise {result['noise']}, seed {result['seed']}); load {result['load_s']} s; "
            f"renkou's model on {result['backend']}"
        )
        train = result["renkou_train"]
        if train and "failed" not in train:
            self.stdout.write(
                f"  renkou model training (once, stored): {train['wall_s']:.3f} s, "
                f"peak RSS {train['peak_rss_mib']} MiB{_jvm(train)}"
            )
        for run in result["runs"]:
            if "failed" in run:
                last = run["failed"].strip().splitlines()[-1:] or [""]
                self.stdout.write(
                    f"  {run['name']:16s} FAILED (peak RSS {run.get('os_maxrss_mib')} MiB): "
                    f"{last[0]}"
                )
                continue
            extra = (
                f"  (train {run['train_s']} s + predict {run['predict_s']} s)"
                if ("predict_s" in run)
                else ""
            )
            self.stdout.write(
                f"  {run['name']:16s} F1 {run['f1']:.6f}  P {run['precision']:.6f}  "
                f"R {run['recall']:.6f}  fp {run['fp']}  fn {run['fn']}  "
                f"pending {run['pending_review']}  wall {run['wall_s']:.3f} s  "
                f"CPU {run['cpu_s']:.3f} s  "
                f"peak RSS {run['peak_rss_mib']} MiB (load {run['load_peak_rss_mib']})  "
                f"valid-ID false links {run['valid_id_false_links']}{extra}{_jvm(run)}"
            )
        ratios = {k: v for k, v in result["ratios"].items() if v is not None}
        self.stdout.write("  ratios: " + ", ".join(f"{k} {v}" for k, v in ratios.items()))
        self.stdout.write(f"  {result['memory_note']}")
        _fail_if_any(result)

    def _imports(self, options: dict[str, Any]) -> None:
        formats = tuple(f.strip() for f in options["formats"].split(",") if f.strip())
        kinds = tuple(k.strip() for k in options["kinds"].split(",") if k.strip())
        if not formats or set(formats) - set(FORMATS) or not kinds or set(kinds) - set(KINDS):
            raise CommandError(f"--formats: {', '.join(FORMATS)}; --kinds: {', '.join(KINDS)}")
        if options["rows"] < 10 or options["repeat"] < 1:
            raise CommandError("--rows must be at least 10 and --repeat positive")
        try:
            result = run_import_bench(
                rows=options["rows"], formats=formats, kinds=kinds, repeat=options["repeat"],
                database_url=options["database_url"], data=options["data"], seed=options["seed"],
            )  # fmt: skip
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"{result['database']}, {result['rows']} rows, median of {result['repeat']} runs"
        )
        for item in result["results"]:
            wall, rate, peak = item["wall_s"], item["rows_per_s"], item["peak_rss_mib"]
            self.stdout.write(
                f"  {item['kind']:8s} {item['format']:4s} {item['rows']} rows "
                f"({item['rows_error']} rejected)"
            )
            for name in ("renkou", "raw_read", "raw_stage"):
                self.stdout.write(
                    f"    {name:9s} {wall[name]:8.3f} s (CPU {item['cpu_s'][name]:.3f} s)  "
                    f"{rate[name]:>9} rows/s  "
                    f"peak RSS {peak[name]} MiB (before {item['rss_before_mib'][name]})"
                )
            ratios = item["ratios"]
            self.stdout.write(
                f"    renkou / raw_read {ratios['renkou_vs_raw_read']}×, "
                f"renkou / raw_stage {ratios['renkou_vs_raw_stage']}×"
            )
        self.stdout.write(f"  {result['note']}")


def _jvm(run: dict[str, Any]) -> str:
    """The Spark session's start time and the driver JVM's peak, where Spark ran."""
    if "jvm_peak_rss_mib" not in run:
        return ""
    return (
        f"  (Spark {run.get('spark_master', 'local[2]')}: start {run['spark_start_s']} s, "
        f"driver JVM peak RSS {run['jvm_peak_rss_mib']} MiB)"
    )
