"""Loading an org-unit tree file (区划代码,名称,层级,上级代码,城乡分类代码)."""

from __future__ import annotations

import csv
from pathlib import Path

from renkou.core.audit import audit_record
from renkou.core.intake import IntakeError, check_file
from renkou.core.models import User
from renkou.core.services import OrgUnitRow, orgunits_load

_LEVELS = {"county", "township", "village", "group", "县区", "乡镇街道", "村居", "村民组"}
_LEVEL_CODES = {"县区": "county", "乡镇街道": "township", "村居": "village", "村民组": "group"}


def orgunits_import(*, path: Path, actor: User | None) -> int:
    """Load the tree parent-before-child (existing codes kept); returns the row count."""
    if check_file(path) != "csv":
        raise IntakeError("组织机构文件须为 CSV。")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        try:
            rows = [
                OrgUnitRow(
                    code=r["区划代码"].strip(),
                    name=r["名称"].strip(),
                    level=_LEVEL_CODES.get(r["层级"].strip(), r["层级"].strip()),
                    parent_code=(r.get("上级代码") or "").strip(),
                    urban_rural_class=(r.get("城乡分类代码") or "").strip(),
                )
                for r in csv.DictReader(fh)
            ]
        except KeyError as exc:
            raise IntakeError(f"组织机构文件缺少列：{exc.args[0]}") from exc
    bad = [r.code for r in rows if r.level not in _LEVELS]
    if bad:
        raise IntakeError(f"层级无效的单位：{'、'.join(bad[:5])}")
    try:
        orgunits_load(rows=rows)
    except ValueError as exc:
        raise IntakeError(str(exc)) from exc
    audit_record(
        action="import.orgunits", actor=actor, object_type="orgunit", detail={"rows": len(rows)}
    )
    return len(rows)
