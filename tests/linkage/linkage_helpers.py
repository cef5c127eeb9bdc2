"""Handcrafted registers and feeds for the cascade tests."""

from __future__ import annotations

from datetime import date

import pyarrow as pa  # type: ignore[import-untyped]

from renkou.linkage.model import StoredModel, settings
from renkou.linkage.tables import (
    FEED_COLUMNS,
    FEED_OPTIONAL,
    REGISTER_COLUMNS,
    REGISTER_OPTIONAL,
    Feed,
    Places,
    Register,
)
from tests.linkage.helpers import make_id

AREA = "370404"
VILLAGE = "370404100201"
# Two villages of 坊岭镇 and two of 榴园镇 (code → village name, township name).
PLACES = Places.of(
    [
        (VILLAGE, "大官庄村", "坊岭镇"),
        ("370404100202", "孔官庄村", "坊岭镇"),
        ("370404101201", "王庄村", "榴园镇"),
        ("370404101202", "李庄村", "榴园镇"),
    ]
)
ADDRESS = "山东省枣庄市峄城区坊岭镇大官庄村第三村民组"


def person(case: str, name: str, sex: str, born: date, seq: str, **extra: str) -> dict[str, str]:
    """A register row; the number is built valid from ``born`` and ``seq`` unless given."""
    row = dict.fromkeys((*REGISTER_COLUMNS, *REGISTER_OPTIONAL), "")
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
    cols = {c: [r[c] for r in rows] for c in (*REGISTER_COLUMNS, *REGISTER_OPTIONAL)}
    table = pa.table({c: pa.array(v, pa.string()) for c, v in cols.items()})
    return Register.from_arrow(table, places=PLACES if places else None)


# m and u of every non-null level (model.LEVELS order) of a model as a county might have
# trained it where people who move mostly stay in their township (the synthetic county
# keeps 80 % of its moves inside the township: synth.noise.SAME_TOWNSHIP).
PARAMS: dict[str, tuple[tuple[float, float], ...]] = {
    "id": ((0.95, 1e-4), (0.04, 1e-5), (0.01, 0.9999)),
    "name": ((0.85, 2e-3), (0.02, 1e-5), (0.08, 4e-3), (0.03, 0.02), (0.02, 0.974)),
    "dob": ((0.9, 1e-4), (0.02, 1e-6), (0.03, 2e-4), (0.03, 2e-4), (0.02, 0.9995)),
    "sex": ((0.99, 0.5), (0.01, 0.5)),
    "place": ((0.3, 1e-4), (0.55, 0.05), (0.14, 0.2), (0.01, 0.75)),
    "mother": ((0.95, 1e-4), (0.03, 1e-6), (0.02, 0.9999)),
}


def model_with(params: dict[str, tuple[tuple[float, float], ...]] = PARAMS) -> StoredModel:
    """A stored model with the given parameters (prior 1e-4) on the code's levels."""
    out = settings("duckdb")
    for comp in out["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        for level, (m, u) in zip(levels, params[comp["output_column_name"]], strict=True):
            level["m_probability"], level["u_probability"] = m, u
    out["probability_two_random_records_match"] = 1e-4
    return StoredModel(splink=out)


def feed(kind: str, *rows: dict[str, str]) -> Feed:
    """A Feed of ``kind`` from partial rows (missing columns are blank; an optional column
    is there when some row gives it)."""
    names = [*FEED_COLUMNS[kind], *(c for c in FEED_OPTIONAL[kind] if any(c in r for r in rows))]
    full = [{c: r.get(c, "") for c in names} for r in rows]
    table = pa.table({c: pa.array([r[c] for r in full], pa.string()) for c in names})
    return Feed.from_arrow(table, kind)
