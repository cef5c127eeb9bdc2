"""``renkou import``: exit codes, --json, --map, --dry-run, the error report, org units."""

from __future__ import annotations

import importlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from renkou.core.models import OrgUnit
from renkou.registry.models import Person
from tests.registry.importer.register_files import HEADER, family_rows, write_csv

pytestmark = pytest.mark.django_db

RowsRejectedError = importlib.import_module(
    "renkou.registry.management.commands.import"
).RowsRejectedError


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


def _run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("import", *args, "--json", stdout=out, stderr=StringIO())
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_import_register_json_summary(cast: Any, data_dir: Path) -> None:
    summary = _run("--kind", "register", str(write_csv(data_dir / "r.csv", family_rows())))
    assert (summary["status"], summary["created"], summary["rows_error"]) == ("applied", 5, 0)
    assert Person.objects.count() == 5
    assert _run(str(data_dir / "r.csv"))["status"] == "unchanged"


def test_rejected_rows_exit_non_zero_with_report(cast: Any, data_dir: Path) -> None:
    rows = family_rows()
    rows[4][2] = "未知"
    err = StringIO()
    with pytest.raises(CommandError, match="有 1 行被拒绝") as info:
        call_command(
            "import", str(write_csv(data_dir / "r.csv", rows)), stdout=StringIO(), stderr=err
        )
    report = data_dir / "data" / "imports"
    assert str(report) in str(info.value)
    assert "errors.csv" in str(info.value)
    assert "性别“未知”不是有效的名称或代码" in err.getvalue()
    assert Person.objects.count() == 0


def test_accept_valid_exits_3_when_rows_were_rejected(cast: Any, data_dir: Path) -> None:
    """A script tells "some rows rejected, the rest applied" (3) from "nothing applied" (1)."""
    rows = family_rows()
    rows[4][2] = "未知"
    path = str(write_csv(data_dir / "r.csv", rows))
    with pytest.raises(RowsRejectedError, match="正确的行已导入；有 1 行被拒绝") as info:
        call_command("import", path, "--accept-valid", stdout=StringIO(), stderr=StringIO())
    assert info.value.returncode == 3
    assert "errors.csv" in str(info.value)
    assert Person.objects.count() == 4
    rows[3][2] = "未知"  # another file, now without --accept-valid: nothing is written
    other = str(write_csv(data_dir / "r2.csv", rows))
    with pytest.raises(CommandError) as rejected:
        call_command("import", other, stdout=StringIO(), stderr=StringIO())
    assert not isinstance(rejected.value, RowsRejectedError)
    assert rejected.value.returncode == 1
    assert Person.objects.count() == 4


def test_accept_valid_with_no_bad_row_exits_0(cast: Any, data_dir: Path) -> None:
    path = str(write_csv(data_dir / "r.csv", family_rows()))
    summary = _run(path, "--accept-valid")
    assert (summary["status"], summary["rows_error"], summary["created"]) == ("applied", 0, 5)


def test_map_option_and_dry_run(cast: Any, data_dir: Path) -> None:
    header = ["证件号" if h == "公民身份号码" else h for h in HEADER]
    path = write_csv(data_dir / "r.csv", family_rows(), header=header)
    summary = _run(str(path), "--map", "证件号=id_number", "--dry-run")
    assert (summary["status"], summary["created"]) == ("dry_run", 5)
    assert Person.objects.count() == 0


def test_unknown_column_and_missing_file_are_clear_errors(cast: Any, data_dir: Path) -> None:
    header = ["证件号" if h == "公民身份号码" else h for h in HEADER]
    header[HEADER.index("户编号")] = "门牌"
    path = write_csv(data_dir / "r.csv", family_rows(), header=header)
    with pytest.raises(CommandError, match="缺少必需的列：户编号"):
        call_command("import", str(path), stdout=StringIO())
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import", str(data_dir / "nope.csv"), stdout=StringIO())


def test_import_orgunits(db: Any, data_dir: Path) -> None:
    path = data_dir / "orgunits.csv"
    path.write_text(
        "区划代码,名称,层级,上级代码,城乡分类代码\n"
        "370404000000,峄城区,county,,\n370404101000,榴园镇,township,370404000000,210\n"
        "370404101201,大官庄村,village,370404101000,220\n",
        encoding="utf-8-sig",
    )
    assert _run("--kind", "orgunits", str(path)) == {"status": "applied", "rows_total": 3}
    assert OrgUnit.objects.get(code="370404101201").parent.name == "榴园镇"  # type: ignore[union-attr]
    path.write_text("区划代码,名称,层级,上级代码\n1,x,planet,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="层级无效"):
        call_command("import", "--kind", "orgunits", str(path), stdout=StringIO())


def test_help_is_documented() -> None:
    command = load_command_class("renkou.registry", "import")
    text = command.create_parser("renkou", "import").format_help()
    for option in ("--kind", "--map", "--accept-valid", "--dry-run", "--json"):
        assert option in text
    assert "原子" in command.help
