"""The register and the feeds as Arrow tables, read from the exports' CSV files.

Every column is read as text (identity numbers must never become numbers); the
register gets the derived matching columns once (normalised number, birth date,
name pinyin key, the place label of its hukou village and the name of that village's
township, the normalised number of the person's mother).

Optional columns (``REGISTER_OPTIONAL``, ``FEED_OPTIONAL``) are read when a file has
them and are blank otherwise: the mother's number (母亲身份证号) of a register person or
of a police or pupil row's subject; the father's number (父亲身份证号) of a birth
certificate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]

from renkou.linkage.normalize import name_key, simplified

__all__ = [
    "FATHER_ID",
    "FEED_COLUMNS",
    "FEED_OPTIONAL",
    "MOTHER_ID",
    "REGISTER_COLUMNS",
    "REGISTER_OPTIONAL",
    "Feed",
    "LinkageInputError",
    "Places",
    "Register",
]

REGISTER_COLUMNS: Final = (
    "个案编号", "姓名", "性别", "公民身份号码", "出生日期", "户籍地区划代码", "户编号",
    "与户主关系", "配偶身份证号",
)  # fmt: skip
MOTHER_ID: Final = "母亲身份证号"
FATHER_ID: Final = "父亲身份证号"
REGISTER_OPTIONAL: Final = (MOTHER_ID,)
FEED_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "police": (
        "姓名", "性别", "公民身份号码", "出生日期", "户籍地址", "户号", "与户主关系", "变动类型",
    ),
    "birth_cert": ("出生日期", "母亲姓名", "母亲身份证号", "母亲户籍地"),
    "marriage": (
        "男方姓名", "男方身份证号", "男方出生日期", "男方户籍地",
        "女方姓名", "女方身份证号", "女方出生日期", "女方户籍地",
    ),
    "pupil": ("学生姓名", "性别", "身份证号", "出生日期", "家庭住址"),
}  # fmt: skip
# Police and pupils: the number of the subject's own mother, where the file carries it.
# Not on a birth certificate: its 母亲身份证号 is the subject's own number (the subject is
# the mother), not her mother's; a certificate may carry the father's number, which
# finds the mother through his household when hers is missing (cascade).
FEED_OPTIONAL: Final[dict[str, tuple[str, ...]]] = {
    "police": (MOTHER_ID,), "birth_cert": (FATHER_ID,), "marriage": (), "pupil": (MOTHER_ID,),
}  # fmt: skip


class LinkageInputError(ValueError):
    """A register or feed file that cannot be linked (empty, wrong headers, unknown kind)."""


def _read_text_csv(path: Path, required: tuple[str, ...], what: str) -> pa.Table:
    """Read a CSV with every column as text; refuse empty files and missing columns."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise LinkageInputError(f"{what}文件为空或不存在：{path.name}")
    with path.open("rb") as fh:
        header = fh.readline().decode("utf-8-sig", errors="replace").strip().split(",")
    return _check_columns(
        pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
            ),
        ),
        required,
        what,
    )


def _check_columns(table: pa.Table, required: tuple[str, ...], what: str) -> pa.Table:
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise LinkageInputError(f"{what}缺少列：{'、'.join(missing)}")
    return table


def _mapped(column: pa.ChunkedArray, fn: object) -> pa.Array:
    """Apply a str → str function once per distinct value (names repeat a lot)."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    values = [fn(v) for v in encoded.dictionary.to_pylist()]  # type: ignore[operator]
    return pc.take(pa.array(values, pa.string()), encoded.indices)


def _dates(column: pa.ChunkedArray) -> pa.Array:
    """ISO text dates to date32; anything else becomes null."""
    ts = pc.strptime(column, format="%Y-%m-%d", unit="s", error_is_null=True)
    return pc.cast(ts, pa.date32())


@dataclass(frozen=True)
class Places:
    """What an address can name, per village code: the village ("镇名村名") and its
    township ("镇名"), both from the org-unit tree (the village's parent)."""

    village: dict[str, str]
    township: dict[str, str]

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str, str]]) -> Places:
        """From (village code, village name, township name) triples."""
        village: dict[str, str] = {}
        township: dict[str, str] = {}
        for code, name, parent in rows:
            village[code] = (parent or "") + name
            if parent:
                township[code] = parent
        return cls(village, township)


def _place_labels(orgunits: Path | None) -> Places:
    """The villages of orgunits.csv and their townships (empty without the file)."""
    if orgunits is None or not Path(orgunits).is_file():
        return Places({}, {})
    rows = _read_text_csv(Path(orgunits), ("区划代码", "名称", "上级代码"), "区划").to_pylist()
    names = {r["区划代码"]: r["名称"] for r in rows}
    return Places.of(
        (r["区划代码"], r["名称"], names.get(r["上级代码"], ""))
        for r in rows
        if r.get("层级") == "village"
    )


def _optional(table: pa.Table, name: str) -> pa.ChunkedArray:
    """An optional text column, blank when the table has none."""
    if name in table.column_names:
        return table[name]
    return pa.chunked_array([pa.array([""] * table.num_rows, pa.string())])


def _number(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.utf8_upper(pc.utf8_trim_whitespace(column))


@dataclass(frozen=True)
class Register:
    """The standing register, with matching columns.

    ``table`` columns: rid (row index), case_id, name, simple, key, sex, id, dob,
    village, household, relation, spouse_id, mother_id (the mother's number, "" when
    unknown), place (village label, "" when unknown), township (the village's township
    name, "" when unknown).
    """

    table: pa.Table
    has_places: bool

    @classmethod
    def from_csv(cls, path: Path, *, orgunits: Path | None = None) -> Register:
        """Read a legacy register export; ``orgunits`` defaults to orgunits.csv beside it."""
        path = Path(path)
        table = _read_text_csv(path, REGISTER_COLUMNS, "户籍底册")
        if orgunits is None:
            orgunits = path.with_name("orgunits.csv")
        return cls.from_arrow(table, places=_place_labels(orgunits))

    @classmethod
    def from_arrow(cls, table: pa.Table, *, places: Places | None = None) -> Register:
        """Build from an Arrow table with the export's Chinese column names."""
        table = _check_columns(table, REGISTER_COLUMNS, "户籍底册")
        places = places or Places({}, {})
        village = table["户籍地区划代码"]
        out = pa.table(
            {
                "rid": pa.array(range(table.num_rows), pa.int64()),
                "case_id": table["个案编号"],
                "name": table["姓名"],
                "simple": _mapped(table["姓名"], simplified),
                "key": _mapped(table["姓名"], name_key),
                "sex": table["性别"],
                "id": _number(table["公民身份号码"]),
                "dob": _dates(table["出生日期"]),
                "village": village,
                "household": table["户编号"],
                "relation": table["与户主关系"],
                "spouse_id": _number(table["配偶身份证号"]),
                "mother_id": _number(_optional(table, MOTHER_ID)),
                "place": _mapped(village, lambda c: places.village.get(c, "")),
                "township": _mapped(village, lambda c: places.township.get(c, "")),
            }
        )
        return cls(table=out, has_places=bool(places.village))

    def __len__(self) -> int:
        return int(self.table.num_rows)


@dataclass(frozen=True)
class Feed:
    """One department file of one kind (police, birth_cert, marriage, pupil)."""

    kind: str
    table: pa.Table

    @classmethod
    def from_csv(cls, path: Path, kind: str) -> Feed:
        """Read a feed CSV; refuses an unknown kind, an empty file or missing columns."""
        if kind not in FEED_COLUMNS:
            raise LinkageInputError(f"未知的部门数据类型：{kind}")
        return cls(kind, _read_text_csv(Path(path), FEED_COLUMNS[kind], "部门数据"))

    @classmethod
    def from_arrow(cls, table: pa.Table, kind: str) -> Feed:
        """Wrap an Arrow table with the feed's Chinese column names."""
        if kind not in FEED_COLUMNS:
            raise LinkageInputError(f"未知的部门数据类型：{kind}")
        return cls(kind, _check_columns(table, FEED_COLUMNS[kind], "部门数据"))

    def __len__(self) -> int:
        return int(self.table.num_rows)
