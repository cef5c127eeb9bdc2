"""``renkou import --kind police|birth_cert|marriage|pupil``: --json, exit codes, --map."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from renkou.exchange.models import FeedRow
from tests.exchange.feed_files import HEADERS, rows, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


def _run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("import", *args, "--json", stdout=out, stderr=StringIO())
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


@pytest.mark.parametrize("kind", ["police", "birth_cert", "marriage", "pupil"])
def test_json_summary_and_rerun(cast: Any, data_dir: Path, kind: str) -> None:
    path = str(write_csv(data_dir / f"{kind}.csv", kind))
    summary = _run("--kind", kind, path, "--month", "2026-01")
    assert (summary["status"], summary["kind"], summary["month"]) == ("applied", kind, "2026-01")
    assert (summary["created"], summary["rows_error"]) == (3, 0)
    assert _run("--kind", kind, path, "--month", "2026-01")["status"] == "unchanged"


def test_rejected_file_exits_non_zero(cast: Any, data_dir: Path) -> None:
    body = rows("marriage")
    body[0][8] = "订婚"
    err = StringIO()
    path = str(write_csv(data_dir / "m.csv", "marriage", body))
    with pytest.raises(CommandError, match="有 1 行被拒绝") as info:
        call_command("import", "--kind", "marriage", path, "--month", "2026-01", stderr=err,
                     stdout=StringIO())  # fmt: skip
    assert "errors.csv" in str(info.value)
    assert "登记类型“订婚”无法识别" in err.getvalue()
    assert FeedRow.objects.count() == 0


def test_accept_valid_and_dry_run(cast: Any, data_dir: Path) -> None:
    body = rows("marriage")
    body[0][8] = "订婚"
    path = str(write_csv(data_dir / "m.csv", "marriage", body))
    dry = _run("--kind", "marriage", path, "--month", "2026-01", "--dry-run")
    assert (dry["status"], dry["rows_error"], dry["created"]) == ("dry_run", 1, 2)
    assert FeedRow.objects.count() == 0
    with pytest.raises(CommandError, match="正确的行已导入；有 1 行被拒绝") as info:
        call_command("import", "--kind", "marriage", path, "--month", "2026-01",
                     "--accept-valid", stdout=StringIO(), stderr=StringIO())  # fmt: skip
    assert info.value.returncode == 3
    assert FeedRow.objects.count() == 2


def test_month_required_and_refused_files(cast: Any, data_dir: Path) -> None:
    path = str(write_csv(data_dir / "p.csv", "pupil"))
    with pytest.raises(CommandError, match="--month"):
        call_command("import", "--kind", "pupil", path, stdout=StringIO())
    with pytest.raises(CommandError, match="月份格式"):
        call_command("import", "--kind", "pupil", path, "--month", "2026/1", stdout=StringIO())
    header = ["姓名X" if h == "学生姓名" else h for h in HEADERS["pupil"]]
    bad = str(write_csv(data_dir / "h.csv", "pupil", header=header))
    with pytest.raises(CommandError, match="缺少必需的列：学生姓名"):
        call_command("import", "--kind", "pupil", bad, "--month", "2026-01", stdout=StringIO())


def test_map_override_on_the_command_line(cast: Any, data_dir: Path) -> None:
    header = ["证件号码X" if h == "身份证号" else h for h in HEADERS["pupil"]]
    path = str(write_csv(data_dir / "p.csv", "pupil", header=header))
    summary = _run("--kind", "pupil", path, "--month", "2026-01", "--map", "证件号码X=id_number")
    assert (summary["status"], summary["created"]) == ("applied", 3)
