"""The database as linkage input: the register and a month's feeds as Arrow tables.

Identity numbers are decrypted here, in memory only, for the duration of a run: they are
never written anywhere (the link table stores register keys and feed row ids). A
person's mother (Person.mother) is another register person: her number is taken from
her own row of the same pass, not decrypted twice. Village labels and their townships
come from the org-unit tree (a village's parent).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from django.db.models import FilteredRelation, Q

from renkou.core import crypto
from renkou.core.models import OrgUnit
from renkou.exchange.feeds.base import FEED_ID_CONTEXT
from renkou.exchange.models import FeedRow
from renkou.exchange.scope import batches_in
from renkou.linkage.tables import (
    FEED_COLUMNS,
    FEED_OPTIONAL,
    MOTHER_ID,
    REGISTER_COLUMNS,
    Feed,
    Places,
    Register,
)
from renkou.registry import identity
from renkou.registry.models import Person

__all__ = ["FeedInput", "RegisterInput", "current_rows", "feed_input", "register_input"]

CHUNK: Final = 5000
_SEX: Final = {"M": "男", "F": "女"}
# Household-card codes → the words the cascade's mother rules use (tables.REGISTER_COLUMNS).
_RELATION: Final = {
    "02": "本人", "10": "配偶", "11": "配偶", "12": "配偶", "20": "子", "21": "子",
    "30": "女", "31": "女", "41": "孙子", "42": "孙女", "81": "儿媳", "82": "女婿",
}  # fmt: skip
_POLICE_EVENTS: Final = {"birth": "出生", "move_in": "迁入", "move_out": "迁出", "death": "死亡"}


@dataclass(frozen=True)
class RegisterInput:
    """The register for linkage, and its key (个案编号, or "pk:<id>") → Person pk."""

    register: Register
    pk_by_key: dict[str, int]


@dataclass(frozen=True)
class FeedInput:
    """A feed for linkage; ``row_ids[i]`` is the FeedRow of the cascade's row ``i + 1``."""

    feed: Feed
    row_ids: list[int]


def _reveal_person(cipher: bytes | memoryview | None) -> str:
    try:
        return identity.id_reveal(cipher)
    except Exception:
        return ""


def feed_id_reveal(cipher: bytes | memoryview | None) -> str:
    """A feed row's number, in memory only ("" when absent or unreadable)."""
    if cipher is None:
        return ""
    try:
        return crypto.decrypt(cipher, context=FEED_ID_CONTEXT)
    except Exception:
        return ""


def _place_labels() -> Places:
    """Village code → "镇名村名" and → its township's name (what an address names), for
    the place evidence."""
    rows = OrgUnit.objects.filter(level=OrgUnit.Level.VILLAGE).values_list(
        "code", "name", "parent__name"
    )
    return Places.of(rows)


def register_input() -> RegisterInput:
    """Active AND departed persons (a death may arrive after we closed the record), with the
    current household and relation, the 户籍地 (its org unit's code, else the code text)
    and the mother's number; one query streamed in chunks."""
    cols: dict[str, list[str]] = {name: [] for name in REGISTER_COLUMNS}
    pks: list[int] = []
    mothers: list[int | None] = []
    pk_by_key: dict[str, int] = {}
    rows = (
        Person.objects.annotate(
            cur=FilteredRelation("memberships", condition=Q(memberships__left__isnull=True))
        )
        .order_by("pk")
        .values_list(
            "pk",
            "external_id",
            "name",
            "sex",
            "birth_date",
            "id_cipher",
            "hukou_unit__code",
            "hukou_code",
            "cur__household__code",
            "cur__relation",
            "mother_id",
        )
    )
    for (
        pk, external, name, sex, born, cipher, unit, code, household, relation, mother,
    ) in rows.iterator(chunk_size=CHUNK):  # fmt: skip
        village = unit or code  # the 户籍地 org unit when inside the deployment
        key = external or f"pk:{pk}"
        pk_by_key[key] = pk
        pks.append(pk)
        mothers.append(mother)
        for column, value in zip(
            REGISTER_COLUMNS,
            (key, name, _SEX.get(sex, ""), _reveal_person(cipher), born.isoformat(),
             village or "", household or "", _RELATION.get(relation or "", ""), ""),
            strict=True,
        ):  # fmt: skip
            cols[column].append(value)
    table = pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})
    table = table.append_column(MOTHER_ID, _mother_numbers(table, pks, mothers))
    return RegisterInput(Register.from_arrow(table, places=_place_labels()), pk_by_key)


def _mother_numbers(table: pa.Table, pks: list[int], mothers: list[int | None]) -> pa.Array:
    """Each person's mother's number, from the mother's own row ("" when none is known)."""
    at = pc.index_in(pa.array(mothers, pa.int64()), value_set=pa.array(pks, pa.int64()))
    return pc.fill_null(pc.take(table["公民身份号码"], at), "")


def current_rows(kind: str, month: dt.date, unit: OrgUnit | None = None) -> Any:
    """The month's current rows of a kind (not superseded, not withdrawn) of the feed
    files inside ``unit`` (default: every file)."""
    return FeedRow.objects.filter(
        batches_in(unit), batch__kind=kind, batch__month=month, superseded_by__isnull=True,
        withdrawn=False,
    ).order_by("pk")  # fmt: skip


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _values(kind: str, r: FeedRow) -> tuple[str, ...]:
    """One FeedRow as the linkage's columns of its kind (FEED_COLUMNS, then FEED_OPTIONAL
    order): a police or pupil row's ``id2`` is the subject's mother's number, a birth
    certificate's the father's."""
    x = r.extra
    sex = _SEX.get(r.sex, "")
    if kind == "police":
        event = _POLICE_EVENTS.get(r.event_type, r.event_type)
        return (r.name, sex, feed_id_reveal(r.id_cipher), _iso(r.birth_date), r.place,
                r.household_code, x.get("relation", ""), event,
                feed_id_reveal(r.id2_cipher))  # fmt: skip
    if kind == "birth_cert":
        return (_iso(r.birth_date), x.get("mother_name", ""), feed_id_reveal(r.id_cipher),
                x.get("mother_hukou", ""), feed_id_reveal(r.id2_cipher))  # fmt: skip
    if kind == "marriage":
        return (r.name, feed_id_reveal(r.id_cipher), _iso(r.birth_date), r.place,
                x.get("wife_name", ""), feed_id_reveal(r.id2_cipher),
                x.get("wife_birth_date", ""), x.get("wife_hukou", ""))  # fmt: skip
    return (r.name, sex, feed_id_reveal(r.id_cipher), _iso(r.birth_date), r.place,
            feed_id_reveal(r.id2_cipher))  # fmt: skip


def feed_input(kind: str, month: dt.date, unit: OrgUnit | None = None) -> FeedInput:
    """The month's current rows of ``kind`` inside ``unit`` as a linkage Feed (numbers
    decrypted)."""
    names = FEED_COLUMNS[kind] + FEED_OPTIONAL[kind]
    cols: dict[str, list[str]] = {name: [] for name in names}
    row_ids: list[int] = []
    for r in current_rows(kind, month, unit).iterator(chunk_size=CHUNK):
        row_ids.append(r.pk)
        for column, value in zip(names, _values(kind, r), strict=True):
            cols[column].append(value or "")
    table = pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})
    return FeedInput(Feed.from_arrow(table, kind), row_ids)
