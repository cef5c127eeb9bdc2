"""The probabilistic stage: a Splink model for the feed subjects the cascade left unlinked.

The comparison levels are designed for these data (DOMAIN.md §2, BENCHMARKS.md §1):

- ``id``: exact; "repairable" (one side fails its check digit and the numbers are at most
  two edits apart: a typo or a transposition); otherwise "different". Two *valid* numbers
  that differ are two people: such pairs are dropped after scoring, whatever the weights.
- ``name``: the simplified characters equal (term frequency from the register); a "*"
  (a character the sender could not show) fitting; the pinyin key equal (homophones,
  a rare character sent as pinyin; term frequency from the register); pinyin keys close.
- ``dob``: exact; day and month swapped; one day apart; the same day one year apart.
- ``sex``; ``place``: the same household; the same village (the feed's address names the
  register person's village); the same township (the address names another village of
  that township, or only the township: people move between villages); another place.
- ``mother``: the number of the subject's mother (where the feed row carries one) against
  the register person's mother's number, with the levels of ``id``. Two *valid* mother's
  numbers that differ are two mothers, hence two people: dropped like ``id``.

The model is code (``settings``) plus trained parameters (``StoredModel``): the m and u
probabilities of every level and the prior, taken from Splink's model JSON, and the
fingerprint of the levels they were trained for (``levels_fingerprint``). A stored model
loads on any backend (DuckDB in-process, Spark) because the settings are rebuilt for the
backend's SQL dialect and only the parameters are copied in; a stored model trained for
other levels (an older format, another fingerprint, other labels) is refused with the
instruction to retrain (``renkou linkage_train``), never applied to levels it does not
describe.

Prediction is ``link_only`` between the register and the feed subjects: the register is
first reduced to the rows sharing a blocking key with some subject (a semi-join, so the
scored pairs are exactly those the blocking rules would give on the whole register).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import logging
import os
import random
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.dataset as ds  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from renkou.linkage.subjects import Subjects
from renkou.linkage.tables import Register

_log = logging.getLogger(__name__)

__all__ = [
    "FORMAT",
    "LEVELS",
    "ModelError",
    "Scored",
    "StoredModel",
    "Thresholds",
    "address_labels",
    "feed_frame",
    "levels_fingerprint",
    "register_frame",
    "score",
    "settings",
    "train",
]

FORMAT: Final = "renkou-linkage-model/2"
# What changed since each older format (its models are refused: retrain).
_SINCE: Final = {"renkou-linkage-model/1": "新增母亲身份证号比较和“同乡镇”地点层级"}
_RETRAIN: Final = "请运行 renkou linkage_train --month YYYY-MM 重新训练"
# Non-null levels of each comparison, best first (Splink numbers them k-1 … 0).
LEVELS: Final[dict[str, tuple[str, ...]]] = {
    "id": ("exact", "repairable", "different"),
    "name": ("exact", "masked", "pinyin", "pinyin_close", "different"),
    "dob": ("exact", "swapped", "day", "year", "different"),
    "sex": ("same", "different"),
    "place": ("household", "village", "township", "different"),
    "mother": ("exact", "repairable", "different"),
}
# Starting m and u of the mother's levels (exact, repairable, different), kept when the
# training month has no pair with a mother's number on both sides (EM and u-sampling
# only move what they observe): a mother's number agreeing is nearly as strong as the
# person's own, a valid one differing is excluded after scoring anyway.
_MOTHER_START: Final = ((0.95, 1e-4), (0.03, 1e-6), (0.02, 0.9999))
_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
FRAME_SCHEMA: Final = pa.schema(
    [
        ("unique_id", pa.int64()), ("id", pa.string()), ("id_ok", pa.bool_()),
        ("name", pa.string()), ("key", pa.string()), ("sex", pa.string()),
        ("dob", pa.string()), ("dob_year", pa.int64()), ("dob_days", pa.int64()),
        ("dob_md", pa.string()), ("place", pa.string()), ("household", pa.string()),
        ("dob_fz", pa.string()), ("township", pa.string()), ("mother", pa.string()),
        ("mother_ok", pa.bool_()),
    ]
)  # fmt: skip
# Predictions: pairs sharing one of these (the register side reduced by a semi-join).
# Pinyin keys absorb homophones, traditional characters and rare characters sent as
# pinyin; only a name with a "*" (or none) needs the birth date alone: ``dob_fz`` is the
# birth date on every register row but only on such feed rows (null on the others).
BLOCKS: Final = (
    ("key", "dob_year"),
    ("key", "dob_md"),
    ("key", "place"),
    ("dob_fz",),
)
# Training (EM): each session fixes the compared columns of its rule.
_TRAIN_BLOCKS: Final = (("dob",), ("key", "place"))


class ModelError(ValueError):
    """A stored model that cannot be used (corrupt, another format, levels out of date)."""


@dataclass(frozen=True)
class Thresholds:
    """Match probabilities: ≥ ``auto`` links, ≥ ``review`` waits for a person, below: none."""

    auto: float = 0.99
    review: float = 0.80

    def __post_init__(self) -> None:
        if not 0.0 < self.review <= self.auto <= 1.0:
            raise ValueError("thresholds must satisfy 0 < review <= auto <= 1")

    def route(self, probability: float) -> str:
        """ "auto", "pending" or "none"."""
        if probability >= self.auto:
            return "auto"
        return "pending" if probability >= self.review else "none"


@functools.cache
def levels_fingerprint() -> str:
    """SHA-256 of the comparisons as code defines them (names, labels, SQL conditions,
    term-frequency columns; not the starting m and u): what a stored model's parameters
    must have been trained for."""
    shape = [
        {
            "name": comp["output_column_name"],
            "levels": [
                {k: v for k, v in level.items() if k not in ("m_probability", "u_probability")}
                for level in comp["comparison_levels"]
            ],
        }
        for comp in settings("duckdb")["comparisons"]
    ]
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class StoredModel:
    """Trained parameters: Splink's model JSON, a training summary and the fingerprint of
    the levels they were trained for."""

    splink: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)
    levels: str = field(default_factory=levels_fingerprint)

    def to_json(self) -> str:
        return json.dumps(
            {"format": FORMAT, "levels": self.levels, "splink": self.splink,
             "summary": self.summary},
            ensure_ascii=False,
            sort_keys=True,
        )  # fmt: skip

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    @classmethod
    def from_json(cls, text: str | bytes) -> StoredModel:
        """Parse and check a stored model; ModelError when it is not one of ours or was
        trained for other comparison levels than the code's."""
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise ModelError(f"匹配模型无法读取（不是有效的 JSON）：{exc}") from exc
        if not isinstance(data, dict):
            raise ModelError(f"匹配模型格式不符，{_RETRAIN}。")
        fmt = data.get("format")
        if isinstance(fmt, str) and fmt.startswith("renkou-linkage-model/") and fmt != FORMAT:
            since = f"：{_SINCE[fmt]}" if fmt in _SINCE else ""
            raise ModelError(
                f"匹配模型是用旧版比较规则训练的（{fmt}，当前为 {FORMAT}{since}），"
                f"不能用于本次比对：{_RETRAIN}。"
            )
        if fmt != FORMAT:
            raise ModelError(f"匹配模型格式不符，{_RETRAIN}。")
        splink = data.get("splink")
        if not isinstance(splink, dict) or not isinstance(splink.get("comparisons"), list):
            raise ModelError(f"匹配模型缺少参数，{_RETRAIN}。")
        levels = data.get("levels")
        if levels != levels_fingerprint():
            raise ModelError(
                f"匹配模型训练时的比较规则（指纹 {str(levels)[:12]}）与当前程序的"
                f"（{levels_fingerprint()[:12]}）不同，不能用于本次比对：{_RETRAIN}。"
            )
        model = cls(splink=splink, summary=dict(data.get("summary") or {}), levels=levels)
        model.settings_for("duckdb")  # refuses parameters that do not fit the levels
        return model

    def settings_for(self, dialect: str) -> dict[str, Any]:
        """The code's settings for ``dialect`` with this model's parameters copied in."""
        out = settings(dialect)
        stored = {c.get("output_column_name"): c for c in self.splink["comparisons"]}
        for comp in out["comparisons"]:
            name = comp["output_column_name"]
            theirs = stored.get(name, {}).get("comparison_levels")
            labels = [lv.get("label_for_charts") for lv in theirs or []]
            mine = [lv.get("label_for_charts") for lv in comp["comparison_levels"]]
            if labels != mine:
                raise ModelError(
                    f"匹配模型的“{name}”比较层级（{'/'.join(map(str, labels)) or '无'}）与当前"
                    f"程序的（{'/'.join(mine)}）不符，不能用于本次比对：{_RETRAIN}。"
                )
            try:
                for level, their in zip(comp["comparison_levels"], theirs or [], strict=True):
                    for p in ("m_probability", "u_probability"):
                        if p in their:
                            value = float(their[p])
                            if not 0.0 <= value <= 1.0:
                                raise ValueError(p)
                            level[p] = value
            except (TypeError, ValueError) as exc:
                raise ModelError(f"匹配模型的“{name}”参数无效（{exc}），{_RETRAIN}。") from exc
        try:
            prior = float(self.splink["probability_two_random_records_match"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"匹配模型缺少先验概率（{exc}），{_RETRAIN}。") from exc
        if not 0.0 < prior < 1.0:
            raise ModelError(f"匹配模型的先验概率无效，{_RETRAIN}。")
        out["probability_two_random_records_match"] = prior
        return out


# --- the settings (code) ---------------------------------------------------------------


def _levels() -> dict[str, list[Any]]:
    import splink.comparison_level_library as cll

    def custom(sql: str, label: str) -> Any:
        return cll.CustomLevel(sql, label_for_charts=label)

    def null(sql: str) -> Any:
        return custom(sql, "null").configure(is_null_level=True)

    def number(col: str, start: Sequence[tuple[float, float]] = ()) -> list[Any]:
        """Levels of a number that knows its check digit (``id``, ``mother``)."""
        levels = [
            custom(f"{col}_l = {col}_r", "exact"),
            custom(
                f"NOT ({col}_ok_l AND {col}_ok_r) AND levenshtein({col}_l, {col}_r) <= 2",
                "repairable",
            ),
            cll.ElseLevel().configure(label_for_charts="different"),
        ]
        for level, (m, u) in zip(levels, start, strict=False):
            level.configure(m_probability=m, u_probability=u)
        return [null(f"{col}_l IS NULL OR {col}_r IS NULL"), *levels]

    return {
        "id": number("id"),
        "name": [
            null("name_l IS NULL OR name_r IS NULL"),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True).configure(
                label_for_charts="exact"
            ),
            custom(
                "(instr(name_l, '*') > 0 AND name_r LIKE replace(name_l, '*', '_')) OR "
                "(instr(name_r, '*') > 0 AND name_l LIKE replace(name_r, '*', '_'))",
                "masked",
            ),
            cll.ExactMatchLevel("key", term_frequency_adjustments=True).configure(
                label_for_charts="pinyin"
            ),
            cll.JaroWinklerLevel("key", 0.9).configure(label_for_charts="pinyin_close"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
        "dob": [
            null("dob_l IS NULL OR dob_r IS NULL"),
            custom("dob_l = dob_r", "exact"),
            custom(
                "dob_year_l = dob_year_r AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
                "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                "swapped",
            ),
            custom("abs(dob_days_l - dob_days_r) = 1", "day"),
            custom("dob_md_l = dob_md_r AND abs(dob_year_l - dob_year_r) = 1", "year"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
        "sex": [
            null("sex_l IS NULL OR sex_r IS NULL"),
            custom("sex_l = sex_r", "same"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
        "place": [
            null(
                "(place_l IS NULL OR place_r IS NULL) AND "
                "(township_l IS NULL OR township_r IS NULL) AND "
                "(household_l IS NULL OR household_r IS NULL)"
            ),
            custom("household_l = household_r", "household"),
            custom("place_l = place_r", "village"),
            custom("township_l = township_r", "township"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
        "mother": number("mother", _MOTHER_START),
    }


def settings(dialect: str = "duckdb") -> dict[str, Any]:
    """The model's Splink settings for ``dialect`` ("duckdb" or "spark"), untrained."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons: list[Any] = [
        cl.CustomComparison(comparison_levels=levels, output_column_name=name)
        for name, levels in _levels().items()
    ]
    creator = SettingsCreator(
        link_type="link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on(*cols) for cols in BLOCKS],
        probability_two_random_records_match=1e-6,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )
    return dict(creator.create_settings_dict(dialect))


# --- input frames ----------------------------------------------------------------------


def _check_sql(column: str) -> str:
    terms = " + ".join(
        f"CAST(substr({column}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(_WEIGHTS)
    )
    return (
        f"CASE WHEN regexp_full_match({column}, '[0-9]{{17}}[0-9X]') "
        f"THEN substr('10X98765432', ({terms}) % 11 + 1, 1) = substr({column}, 18, 1) "
        "ELSE false END"
    )


_FRAME_SQL: Final = f"""
    SELECT rid AS unique_id, nullif(id, '') AS id, {_check_sql("id")} AS id_ok,
           nullif(simple, '') AS name, nullif(key, '') AS key,
           nullif(trim(sex), '') AS sex, strftime(dob, '%Y-%m-%d') AS dob,
           CAST(year(dob) AS BIGINT) AS dob_year,
           CAST(dob - DATE '1970-01-01' AS BIGINT) AS dob_days,
           strftime(dob, '%m-%d') AS dob_md, nullif(place, '') AS place,
           nullif(trim(household), '') AS household, strftime(dob, '%Y-%m-%d') AS dob_fz,
           nullif(township, '') AS township, nullif(mother_id, '') AS mother,
           {_check_sql("mother_id")} AS mother_ok
    FROM reg ORDER BY rid
"""


def _frame(table: pa.Table, con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Register rows (``Register.table`` columns) in the model's columns (``FRAME_SCHEMA``)."""
    cur = con.cursor()
    try:
        cur.register("reg", table)
        return cur.sql(_FRAME_SQL).to_arrow_table().cast(FRAME_SCHEMA)
    finally:
        cur.close()


def register_frame(register: Register, con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The whole register in the model's columns (``FRAME_SCHEMA``), one query."""
    return _frame(register.table, con)


def address_labels(register: Register) -> pa.Table:
    """What a feed address may name, from the register: each village label with its
    township (``label``, ``township``) and each township name alone (``label`` null)."""
    t = register.table.select(["place", "township"])
    villages = t.filter(pc.not_equal(t["place"], "")).group_by(["place", "township"]).aggregate([])
    towns = pc.unique(t["township"].combine_chunks())
    towns = towns.filter(pc.not_equal(towns, ""))
    return pa.table(
        {
            "label": pa.concat_arrays(
                [villages["place"].combine_chunks(), pa.nulls(len(towns), pa.string())]
            ),
            "township": pa.concat_arrays([villages["township"].combine_chunks(), towns]),
        }
    )


_FEED_SQL: Final = """
    WITH vhit AS (
        SELECT r.unique_id, min(l.label) AS label, min(nullif(l.township, '')) AS township,
               count(*) AS n
        FROM raw r JOIN labels l ON l.label IS NOT NULL AND contains(r.address, l.label)
        GROUP BY r.unique_id
    ), thit AS (
        SELECT r.unique_id, min(l.township) AS township, count(*) AS n
        FROM raw r JOIN labels l ON l.label IS NULL AND contains(r.address, l.township)
        GROUP BY r.unique_id
    )
    SELECT r.unique_id, r.id, r.id_ok, r.name, r.key, r.sex,
           strftime(r.dob, '%Y-%m-%d') AS dob, CAST(year(r.dob) AS BIGINT) AS dob_year,
           CAST(r.dob - DATE '1970-01-01' AS BIGINT) AS dob_days,
           strftime(r.dob, '%m-%d') AS dob_md,
           CASE WHEN v.n = 1 THEN v.label END AS place, r.household,
           CASE WHEN r.key IS NULL OR contains(r.key, '*')
                THEN strftime(r.dob, '%Y-%m-%d') END AS dob_fz,
           CASE WHEN v.n = 1 THEN v.township WHEN t.n = 1 THEN t.township END AS township,
           r.mother, r.mother_ok
    FROM raw r LEFT JOIN vhit v USING (unique_id) LEFT JOIN thit t USING (unique_id)
    ORDER BY r.unique_id
"""


def _usable(status: str, number: str) -> bool:
    return status in ("valid", "bad_check") and bool(number)


def feed_frame(
    subjects: Sequence[tuple[Subjects, int]],
    places: pa.Table,
    con: duckdb.DuckDBPyConnection,
) -> pa.Table:
    """Feed subjects (``(subjects, index)``; ``unique_id`` = position in the sequence) in the
    model's columns. ``places`` is ``address_labels(register)``: the feed's village is the one
    register village label its address contains (none when no label or more than one
    fits), its township that village's, or else the one township name the address
    contains."""
    ids: list[str | None] = []
    ok: list[bool] = []
    mothers: list[str | None] = []
    mother_ok: list[bool] = []
    dobs: list[Any] = []
    cols: dict[str, list[Any]] = {k: [] for k in ("name", "key", "sex", "household", "address")}
    for s, i in subjects:
        ids.append(s.id18[i] if _usable(s.id_status[i], s.id18[i]) else None)
        ok.append(s.id_status[i] == "valid")
        mothers.append(s.mother_id18[i] if _usable(s.mother_status[i], s.mother_id18[i]) else None)
        mother_ok.append(s.mother_status[i] == "valid")
        dobs.append(s.dob[i])
        cols["name"].append(s.simple[i] or None)
        cols["key"].append(s.key[i] or None)
        cols["sex"].append(s.sex[i] or None)
        cols["household"].append(s.household[i] or None)
        cols["address"].append("".join(s.address[i].split()) or None)
    raw = pa.table(
        {
            "unique_id": pa.array(range(len(subjects)), pa.int64()),
            "id": pa.array(ids, pa.string()),
            "id_ok": pa.array(ok, pa.bool_()),
            "mother": pa.array(mothers, pa.string()),
            "mother_ok": pa.array(mother_ok, pa.bool_()),
            "dob": pa.array(dobs, pa.date32()),
            **{k: pa.array(v, pa.string()) for k, v in cols.items()},
        }
    )
    cur = con.cursor()
    try:
        cur.register("raw", raw)
        cur.register("labels", places)
        return cur.sql(_FEED_SQL).to_arrow_table().cast(FRAME_SCHEMA)
    finally:
        cur.close()


# Blocking columns as expressions over the raw register table (cheaper than the view's
# text columns when joined against a million rows).
_REG_KEYS: Final = {
    "key": ("r.key", "f.key"),
    "dob_year": ("year(r.dob)", "f.dob_year"),
    "dob_md": ("lpad(month(r.dob)::VARCHAR, 2, '0') || '-' || lpad(day(r.dob)::VARCHAR, 2, '0')",
               "f.dob_md"),
    "place": ("r.place", "f.place"),
    "dob_fz": ("r.dob", "CAST(f.dob_fz AS DATE)"),
}  # fmt: skip


def _reduce(register: Register, feed: pa.Table, con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The register rows sharing at least one blocking key with a feed row, in the model's
    columns (the join runs on the raw register; only the rows kept are converted). The
    blocks on the pinyin key join only the register rows whose key some feed row has
    (``rk``, one pass over the register) rather than the whole register once per block."""
    joins = " UNION ".join(
        f"SELECT r.rid FROM {'rk' if 'key' in cols else 'reg'} r JOIN feed f ON "
        + " AND ".join(f"{_REG_KEYS[c][0]} = {_REG_KEYS[c][1]}" for c in cols)
        for cols in BLOCKS
    )
    cur = con.cursor()
    try:
        cur.register("reg", register.table)
        cur.register("feed", feed)
        rids = cur.sql(
            "WITH rk AS (SELECT rid, key, dob, place FROM reg "
            "WHERE key IN (SELECT key FROM feed WHERE key IS NOT NULL)) "
            f"SELECT rid FROM ({joins}) ORDER BY rid"
        ).to_arrow_table()["rid"]
    finally:
        cur.close()
    return _frame(register.table.take(rids), con)


def _tf(
    register: Register,
    column: str,
    con: duckdb.DuckDBPyConnection,
    values: Sequence[pa.Table] = (),
) -> pa.Table:
    """Term frequencies of ``column`` ("name": the simplified name, or "key") in the
    register — never the feed. With ``values`` (tables with a ``column`` column: the
    model's inputs), only the rows for those values: Splink looks a frequency up only for
    the values of the records it compares, and the frequency is still over the whole
    register."""
    source = {"name": "simple", "key": "key"}[column]
    cur = con.cursor()
    try:
        cur.register("reg", register.table.select([source]))
        if not values:
            return cur.sql(
                f"SELECT {source} AS {column}, count(*) / sum(count(*)) OVER () AS tf_{column} "
                f"FROM reg WHERE {source} <> '' GROUP BY {source}"
            ).to_arrow_table()
        wanted = pa.concat_arrays(
            [t[column].combine_chunks().cast(pa.string()) for t in values]
        ).unique()
        cur.register("wanted", pa.table({"v": wanted}))
        return cur.sql(
            f"SELECT {source} AS {column}, count(*) / "
            f"(SELECT count(*) FROM reg WHERE {source} <> '') AS tf_{column} "
            f"FROM reg WHERE {source} <> '' AND {source} IN (SELECT v FROM wanted) "
            f"GROUP BY {source}"
        ).to_arrow_table()
    finally:
        cur.close()


# --- backends -------------------------------------------------------------------------


@dataclass
class Linked:
    """A Splink linker over one register table and one feed table, with the feed's
    ``source_dataset`` name and, on Spark, the run's private spool directory."""

    linker: Any
    feed_name: str
    spool: Path | None = None


@dataclass
class Backend:
    """Where Splink runs: ``duckdb`` (a fresh in-process connection) or ``spark``.

    On Spark no row passes through the driver's Python: the input tables and the term
    frequencies are written as Parquet (pyarrow) into a private directory under ``spool``
    and read by Spark; Splink's intermediate tables are written there too (its "parquet"
    lineage breaking), and the scored pairs come back as Parquet read in batches. The
    directory (mode 0700) holds identity data in the clear and is removed when the run
    ends, failed or not; ``spool`` must be storage that the driver and every executor see
    at the same path (a local directory in local mode), secured like the database.
    """

    name: str = "duckdb"
    spark: Any = None  # a SparkSession for "spark"
    memory_limit: str = "3GB"  # DuckDB's working memory (beyond the input tables)
    spool: str | os.PathLike[str] | None = None  # Spark's exchange files (default: temp dir)

    def __post_init__(self) -> None:
        if self.name not in ("duckdb", "spark"):
            raise ValueError(f"unknown linkage backend: {self.name}")
        if self.name == "spark" and self.spark is None:
            raise ValueError("the spark backend needs a SparkSession")

    @contextmanager
    def linked(
        self,
        register: pa.Table,
        feed: pa.Table,
        settings_dict: dict[str, Any],
        tfs: dict[str, pa.Table],
    ) -> Iterator[Linked]:
        """A Splink linker over the two tables with the term-frequency tables ``tfs``
        (column → table) registered; released on exit (the in-process database closed,
        Spark's spool directory removed), also when Splink or Spark fails. The feed's
        ``source_dataset`` name is unique per call (a Spark session keeps its tables)."""
        from splink import DuckDBAPI, Linker

        tag = uuid.uuid4().hex[:10]
        aliases = [f"register_{tag}", f"feed_{tag}"]
        if self.name == "duckdb":
            con = duckdb.connect()
            try:
                con.execute("SET threads TO 2")
                # Spill to disk rather than grow past this (DuckDB's default: 80 % of RAM).
                con.execute(f"SET memory_limit = '{self.memory_limit}'")
                con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/renkou-duckdb'")
                con.register("renkou_register", register)
                con.register("renkou_feed", feed)
                linker = Linker(
                    ["renkou_register", "renkou_feed"],
                    settings_dict,
                    db_api=DuckDBAPI(connection=con),
                    input_table_aliases=aliases,
                    set_up_basic_logging=False,
                )
                for column, tf in tfs.items():
                    linker.table_management.register_term_frequency_lookup(  # type: ignore[no-untyped-call]
                        tf, column, overwrite=True
                    )
                yield Linked(linker, aliases[1])
            finally:
                con.close()
            return
        spool = self._spool_dir()
        spark_linker: Any = None
        try:
            spark_linker = self._spark_linker(
                spool, register, feed, settings_dict=settings_dict, aliases=aliases, tfs=tfs
            )
            yield Linked(spark_linker, aliases[1], spool)
        finally:
            if spark_linker is not None:
                # Splink's views point at files about to go; a failing session must not
                # hide the error that brought us here, and the files go regardless.
                with contextlib.suppress(Exception):
                    spark_linker.table_management.delete_tables_created_by_splink_from_db()
            _remove_spool(spool)

    def _spool_dir(self) -> Path:
        """A new private directory (0700) for one run's exchange files."""
        root = Path(self.spool) if self.spool is not None else Path(tempfile.gettempdir())
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="renkou-spool-", dir=root))  # mode 0700

    def _spark_linker(
        self,
        spool: Path,
        register: pa.Table,
        feed: pa.Table,
        *,
        settings_dict: dict[str, Any],
        aliases: list[str],
        tfs: dict[str, pa.Table],
    ) -> Any:
        from splink import Linker, SparkAPI

        # Splink writes the tables it would otherwise keep in executor memory (blocked
        # pairs, comparison vectors, predictions) as Parquet under the checkpoint dir.
        self.spark.sparkContext.setCheckpointDir(str(spool / "splink"))
        api = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self.spark, break_lineage_method="parquet"
        )
        tables = [self._spark_read(spool, "register", register),
                  self._spark_read(spool, "feed", feed)]  # fmt: skip
        linker = Linker(
            tables, settings_dict, db_api=api, input_table_aliases=aliases,
            set_up_basic_logging=False,
        )  # fmt: skip
        for column, tf in tfs.items():
            linker.table_management.register_term_frequency_lookup(  # type: ignore[no-untyped-call]
                self._spark_read(spool, f"tf_{column}", tf), column, overwrite=True
            )
        return linker

    def _spark_read(self, spool: Path, name: str, table: pa.Table) -> Any:
        """``table`` written as Parquet into ``spool`` and read back by Spark (lazily: the
        file must stay until the run ends)."""
        path = spool / f"{name}.parquet"
        pq.write_table(table, path)
        return self.spark.read.parquet(str(path))

    def records(
        self, linked: Linked, frame: Any, columns: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        """The rows of a Splink result table (``columns`` only). On Spark the table is
        written as Parquet into the run's spool and read back in batches (never collected
        through the driver); consume them before the run ends."""
        if self.name == "duckdb":
            sql = f"SELECT {', '.join(columns)} FROM {frame.physical_name}"
            con = frame.db_api._con
            yield from con.sql(sql).to_arrow_table().to_pylist()
            return
        if linked.spool is None:  # pragma: no cover - linked() always sets it on Spark
            raise ValueError("a Spark run needs its spool directory")
        out = linked.spool / f"out_{uuid.uuid4().hex[:8]}"
        frame.as_spark_dataframe().select(*columns).write.parquet(str(out))
        parts = ds.dataset(out, format="parquet")  # skips _SUCCESS and .crc files
        for batch in parts.to_batches(columns=list(columns), batch_size=_BATCH_ROWS):
            yield from batch.to_pylist()


def _remove_spool(spool: Path) -> None:
    """Remove a run's spool directory. A failure is logged as an error (identity data
    would stay behind) but does not replace the error, if any, that ended the run."""

    def report(_fn: Any, path: str, exc_info: Any) -> None:
        _log.error("Spark spool not removed (identity data in the clear): %s: %s",
                   path, exc_info[1])  # fmt: skip

    shutil.rmtree(spool, onerror=report)


# Rows per batch read back from Spark's Parquet output.
_BATCH_ROWS: Final = 65_536


# --- training and scoring ---------------------------------------------------------------


def train(
    register: Register,
    subjects: Sequence[tuple[Subjects, int]],
    *,
    backend: Backend | None = None,
    max_pairs: float = 2e6,
    max_subjects: int = 30_000,
    seed: int = 1,
) -> StoredModel:
    """Train the model (u by random sampling, m by EM in two sessions) on the register and
    one month's feed subjects; returns the parameters to store.

    At most ``max_subjects`` feed subjects (a seeded random sample) take part: the EM
    session blocked on the birth date compares each with every register person born that
    day, which at 5M × 500k would be 10^8 pairs; 3·10^4 subjects already hold ~2.7·10^4
    true matches, ample for the m-probabilities (the prior does not depend on the sample).
    """
    from splink import block_on

    backend = backend or Backend()
    if len(subjects) > max_subjects:
        picked = sorted(random.Random(seed).sample(range(len(subjects)), max_subjects))
        subjects = [subjects[i] for i in picked]
    con = duckdb.connect()
    try:
        reg = register_frame(register, con)
        feed = feed_frame(subjects, address_labels(register), con)
        tfs = {c: _tf(register, c, con) for c in ("name", "key")}
    finally:
        con.close()
    if feed.num_rows == 0 or reg.num_rows == 0:
        raise ModelError("训练需要非空的底册和部门数据。")
    with backend.linked(reg, feed, settings(backend.name), tfs) as run:
        linker = run.linker
        # The prior: pairs with the same valid number are matches; most feed rows carry one.
        linker.training.estimate_probability_two_random_records_match([block_on("id")], recall=0.9)
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        for cols in _TRAIN_BLOCKS:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*cols), fix_probability_two_random_records_match=True
            )
        model = linker.misc.save_model_to_json()
    summary = {
        "register_rows": reg.num_rows,
        "feed_subjects": feed.num_rows,
        "backend": backend.name,
        "prior": model.get("probability_two_random_records_match"),
    }
    return StoredModel(splink=copy.deepcopy(model), summary=summary)


@dataclass(frozen=True)
class Scored:
    """The best register candidate of one feed subject."""

    subject: int  # position in the ``subjects`` sequence
    rid: int
    probability: float
    route: str  # "auto" or "pending"
    evidence: dict[str, str]


def _evidence(row: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, labels in LEVELS.items():
        gamma = row.get(f"gamma_{name}")
        if gamma is None or gamma < 0:
            out[name] = "missing"
        else:
            out[name] = labels[len(labels) - 1 - int(gamma)]
    return out


def _unmatched_valid_number(row: dict[str, Any]) -> bool:
    """The feed side carries a valid number and the register person none: a valid number
    not in the register is more often someone else (a person we do not hold) than a gap
    in our record, so such a link is never automatic."""
    feed_ok, reg_id = (
        (row["id_ok_l"], row["id_r"]) if row["_feed_left"] else (row["id_ok_r"], row["id_l"])
    )
    return bool(feed_ok) and reg_id is None


def _two_valid_numbers(row: dict[str, Any], col: str) -> bool:
    """Both sides carry a valid number in ``col`` and they differ."""
    return bool(row[f"{col}_ok_l"] and row[f"{col}_ok_r"] and row[f"{col}_l"] != row[f"{col}_r"])


def score(
    register: Register,
    subjects: Sequence[tuple[Subjects, int]],
    model: StoredModel,
    *,
    thresholds: Thresholds,
    backend: Backend | None = None,
) -> list[Scored]:
    """Score the subjects against the register; the best candidate of each subject at or
    above the review threshold. A subject whose runner-up also reaches the review threshold
    is never linked automatically (it goes to review); two valid, different numbers never
    link, nor do two persons whose mothers have valid, different numbers."""
    backend = backend or Backend()
    if not subjects or len(register) == 0:
        return []
    settings_dict = model.settings_for(backend.name)
    con = duckdb.connect()
    try:
        feed = feed_frame(subjects, address_labels(register), con)
        small = _reduce(register, feed, con)
        tfs = {c: _tf(register, c, con, (small, feed)) for c in ("name", "key")}
    finally:
        con.close()
    if small.num_rows == 0:
        return []
    columns = [
        "source_dataset_l", "unique_id_l", "unique_id_r", "match_probability",
        "id_ok_l", "id_ok_r", "id_l", "id_r", "mother_ok_l", "mother_ok_r", "mother_l",
        "mother_r", *(f"gamma_{n}" for n in LEVELS),
    ]  # fmt: skip
    # Per subject: the best candidate (highest probability, then lowest rid) and how many
    # candidates it had — one entry per subject, whatever the number of scored pairs.
    best: dict[int, tuple[float, int, dict[str, Any]]] = {}
    count: dict[int, int] = {}
    with backend.linked(small, feed, settings_dict, tfs) as run:
        predictions = run.linker.inference.predict(threshold_match_probability=thresholds.review)
        for r in backend.records(run, predictions, columns):
            feed_left = r["source_dataset_l"] == run.feed_name
            sid = int(r["unique_id_l"] if feed_left else r["unique_id_r"])
            rid = int(r["unique_id_r"] if feed_left else r["unique_id_l"])
            if _two_valid_numbers(r, "id") or _two_valid_numbers(r, "mother"):
                continue  # two valid numbers that differ: two people (DOMAIN.md §2)
            r["_feed_left"] = feed_left
            p = float(r["match_probability"])
            count[sid] = count.get(sid, 0) + 1
            held = best.get(sid)
            if held is None or (-p, rid) < (-held[0], held[1]):
                best[sid] = (p, rid, r)
    out: list[Scored] = []
    for sid, (p, rid, row) in sorted(best.items()):
        route = thresholds.route(p)
        if route == "auto" and (count[sid] > 1 or _unmatched_valid_number(row)):
            route = "pending"  # a second candidate, or a number we cannot check: a person
        out.append(Scored(sid, rid, p, route, _evidence(row)))
    return out
