"""Handcrafted registers and feeds for the cascade tests."""

from __future__ import annotations

from datetime import date

import pyarrow as pa  # type: ignore[import-untyped]

from renkou.linkage.tables import FEED_COLUMNS, REGISTER_COLUMNS, Feed, Register
from tests.linkage.helpers import make_id

AREA = "370404"
VILLAGE = "370404100201"
PLACES = {VILLAGE: "坊岭镇大官庄村", "370404100202": "坊岭镇孔官庄村"}
ADDRESS = "山东省枣庄市峄城区坊岭镇大官庄村第三村民组"


def person(case: str, name: str, sex: str, born: date, seq: str, **extra: str) -> dict[str, str]:
    """A register row; the number is built valid from ``born`` and ``seq`` unless given."""
    row = dict.fromkeys(REGISTER_COLUMNS, "")
    row.update(
        {
            "个案编号": case,
            "姓名": name,
            "性别": sex,
            "公民身份号码": make_id(AREA, born, seq),
            "出生日期": born.isoformat(),
            "户籍地区划代码": VILLAGE,
            "户编号": VILLAGE + "010001",
            "与户主关系": "本人",
        }
    )
    row.update(extra)
    return row


def register(*rows: dict[str, str], places: bool = True) -> Register:
    """A Register from handcrafted rows."""
    cols = {c: [r[c] for r in rows] for c in REGISTER_COLUMNS}
    table = pa.table({c: pa.array(v, pa.string()) for c, v in cols.items()})
    return Register.from_arrow(table, places=PLACES if places else None)


def feed(kind: str, *rows: dict[str, str]) -> Feed:
    """A Feed of ``kind`` from partial rows (missing columns are blank)."""
    full = [{c: r.get(c, "") for c in FEED_COLUMNS[kind]} for r in rows]
    table = pa.table({c: pa.array([r[c] for r in full], pa.string()) for c in FEED_COLUMNS[kind]})
    return Feed.from_arrow(table, kind)
