"""The shape every feed kind declares, and turning one intake Row into a typed FeedRecord.

A kind is a :class:`FeedKind`: the intake ``TableSpec`` (canonical columns, the Chinese
headers departments really use), which column is the department's own record number
(the natural key when present), which columns make the content-derived key otherwise,
which columns fill the typed FeedRow slots, and per-column normalisers.

Two identity-number slots per row: ``id`` (the subject; the mother for a birth
certificate, since a newborn has none; the husband for a marriage) and ``id2`` (the
father on a birth certificate; the wife on a marriage; the subject's own mother on a
police or pupil row, optional). An invalid number is KEPT (masked, encrypted, indexed,
``valid`` False, the reason in ``extra["id_problem"]`` as ``id:…``/``id2:…``): in a feed
it is itself a discrepancy (错登). An Excel-mangled one has lost digits and is a row
error, in either slot.

A column added to a kind after files of that kind were staged is listed in
``hash_if_filled``: it enters the row's content hash only when the row fills it, so a
file staged before it existed is still "unchanged" when sent again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from renkou.core import crypto
from renkou.core.intake import Row, RowError, TableSpec
from renkou.core.intake.cells import CellError, mask_raw, parse_date_text
from renkou.core.masking import mask_id_number
from renkou.linkage import idnumber
from renkou.registry import identity

FEED_ID_CONTEXT = b"feed.id_number"
MASKED_MAX: Final = 32  # FeedRow.id_masked / id2_masked max_length
Normaliser = Callable[[str], str]

_SEX = {"男": "M", "1": "M", "m": "M", "男性": "M", "女": "F", "2": "F", "f": "F", "女性": "F"}
_SEX.update({"未知": "", "未说明": "", "0": "", "9": ""})


def code_map(table: Mapping[str, str], label: str) -> Normaliser:
    """A normaliser mapping the department's words to our codes; unknown → CellError."""

    def parse(value: str) -> str:
        key = value.strip().lower()
        if key in table:
            return table[key]
        raise CellError(f"{label}“{value[:20]}”无法识别（可用：{'、'.join(sorted(table))}）")

    return parse


def parse_sex(value: str) -> str:
    """男/女/1/2/M/F → M/F; blank or 未知 → ""."""
    return code_map(_SEX, "性别")(value) if value.strip() else ""


@dataclass(frozen=True)
class FeedKind:
    """One department feed: its columns and how they fill a FeedRow."""

    kind: str
    label: str
    spec: TableSpec
    natural_fields: tuple[str, ...]
    source_key: str = ""
    name: str = ""
    sex: str = ""
    fixed_sex: str = ""
    birth_date: str = ""
    id_field: str = ""
    id2_field: str = ""
    event_type: str = ""
    fixed_event_type: str = ""
    event_date: str = ""
    place: str = ""
    org: str = ""
    household_code: str = ""
    normalisers: Mapping[str, Normaliser] = field(default_factory=dict)
    hash_if_filled: frozenset[str] = frozenset()

    def hashed(self, values: Mapping[str, str]) -> list[str]:
        """The values of one row that make its content hash, in column order."""
        return [
            values[c.field]
            for c in self.spec.columns
            if values[c.field] or c.field not in self.hash_if_filled
        ]

    def header(self, name: str) -> str:
        column = self.spec.column(name)
        return column.aliases[0] if column.aliases else name


@dataclass(frozen=True)
class StoredFeedId:
    cipher: bytes | None = None
    index: str = ""
    masked: str = ""
    valid: bool = False
    problem: str = ""


@dataclass
class FeedRecord:
    """A normalised feed row, ready to write."""

    sheet: str
    row_number: int
    source_record_id: str
    name: str
    sex: str
    birth_date: dt.date | None
    id: StoredFeedId
    id2: StoredFeedId
    event_type: str
    event_date: dt.date | None
    place: str
    org: str
    household_code: str
    extra: dict[str, str]
    content_hash: str
    key_material: str  # before hashing; the service adds an ordinal for repeats
    natural_key: str = ""


class RowRejectedError(Exception):
    def __init__(self, column: str, raw: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.raw, self.reason = column, raw, reason

    def as_error(self, row: Row) -> RowError:
        return RowError(row.sheet, row.number, self.column, self.raw, self.reason)


def id_number(raw: str) -> tuple[str, str, str]:
    """(the number as stored, its mask, its problem) for a non-blank identity cell: an
    invalid number is kept, its problem said ("" for a valid one); IdNumberError for an
    Excel-mangled one (digits are lost). The one rule of both paths (stage.py too)."""
    number = idnumber.normalize(raw)
    problem = ""
    try:
        number = idnumber.parse(number).normalized
    except idnumber.IdNumberError as exc:
        problem = str(exc)
    masked = mask_id_number(number) if len(number) == 18 else mask_raw(number, "id")
    masked = masked[:MASKED_MAX]  # a long hostile value must still fit FeedRow.id*_masked
    return number, masked, problem


def store_id(raw: str, header: str) -> tuple[StoredFeedId, str]:
    """(stored number, its normalised form) — invalid kept, Excel-mangled rejected."""
    if not raw.strip():
        return StoredFeedId(), ""
    try:
        number, masked, problem = id_number(raw)
    except idnumber.IdNumberError as exc:
        # Only "excel_mangled" reaches here for a non-blank cell: digits are lost.
        raise RowRejectedError(header, mask_raw(raw, "id"), str(exc)) from exc
    stored = StoredFeedId(
        cipher=crypto.encrypt(number, context=FEED_ID_CONTEXT),
        index=identity.id_index(number),
        masked=masked,
        valid=not problem,
        problem=problem,
    )
    return stored, number


def _date(kind: FeedKind, row: Row, name: str, today: dt.date) -> dt.date | None:
    if not name:
        return None
    cell = row.values.get(name, "")
    if isinstance(cell, dt.date):
        value = cell
    elif not cell:
        return None
    else:
        try:  # Already cleaned by the intake for "date" columns; text here is defensive.
            value = parse_date_text(cell, date1904=False)
        except CellError as exc:
            raise RowRejectedError(kind.header(name), cell, str(exc)) from exc
    if value > today:
        raise RowRejectedError(kind.header(name), value.isoformat(), "日期晚于今天")
    return value


# The keyed digests of a feed row's content and natural key (core.crypto.row_digest).
DIGEST_PURPOSE: Final = "exchange.feed_row"


def _digest(parts: list[str]) -> str:
    # Unit separator between fields: no cleaned cell value contains it.
    return crypto.row_digest("\x1f".join(parts), purpose=DIGEST_PURPOSE)


def _values(kind: FeedKind, row: Row) -> dict[str, str]:
    """Every column as normalised text; normalisers raise CellError → row rejected."""
    values: dict[str, str] = {}
    for column in kind.spec.columns:
        text = row.text(column.field)
        normaliser = kind.normalisers.get(column.field)
        if normaliser is not None and text:
            try:
                text = normaliser(text)
            except CellError as exc:
                raise RowRejectedError(kind.header(column.field), text[:50], str(exc)) from exc
        if column.required and not text and column.kind != "id":
            raise RowRejectedError(
                kind.header(column.field), "", f"{kind.header(column.field)}为空"
            )
        values[column.field] = text
    return values


def normalise_row(kind: FeedKind, row: Row, today: dt.date) -> FeedRecord:
    """A typed FeedRecord, or RowRejectedError with the row's first problem."""
    values = _values(kind, row)
    ids: dict[str, StoredFeedId] = {}
    for slot, name in (("id", kind.id_field), ("id2", kind.id2_field)):
        ids[slot], number = (
            store_id(values[name], kind.header(name)) if name else (StoredFeedId(), "")
        )
        if name:
            values[name] = number
    typed = {
        kind.name, kind.sex, kind.birth_date, kind.id_field, kind.id2_field, kind.event_type,
        kind.event_date, kind.place, kind.org, kind.household_code, kind.source_key,
    }  # fmt: skip
    id_like = {c.field for c in kind.spec.columns if c.kind == "id"}
    extra = {k: v for k, v in values.items() if k not in typed and k not in id_like and v}
    problems = [f"{slot}:{stored.problem}" for slot, stored in ids.items() if stored.problem]
    if problems:
        extra["id_problem"] = "；".join(problems)
    source = values.get(kind.source_key, "") if kind.source_key else ""
    natural = "n:" + "\x1f".join(values[f] for f in kind.natural_fields)
    return FeedRecord(
        sheet=row.sheet, row_number=row.number, source_record_id=source[:64],
        name=values.get(kind.name, "") if kind.name else "",
        sex=kind.fixed_sex or (values.get(kind.sex, "") if kind.sex else ""),
        birth_date=_date(kind, row, kind.birth_date, today),
        id=ids["id"], id2=ids["id2"],
        event_type=kind.fixed_event_type or (values[kind.event_type] if kind.event_type else ""),
        event_date=_date(kind, row, kind.event_date, today),
        place=values.get(kind.place, "") if kind.place else "",
        org=values.get(kind.org, "") if kind.org else "",
        household_code=values.get(kind.household_code, "") if kind.household_code else "",
        extra=extra,
        content_hash=_digest(kind.hashed(values)),
        key_material=f"s:{source}" if source else natural,
    )  # fmt: skip


def key_digest(material: str) -> str:
    """The natural key of a row whose key material occurs once."""
    return _digest([material])


def key_text(material: str, seen: dict[str, int]) -> str:
    """What the natural key of the next row with this key material digests: the material,
    with an ordinal for a repeat of a content key (twins, a row sent twice) so none is
    lost. ``seen`` counts the materials so far. A repeated department record number is
    the caller's error."""
    count = seen.get(material, 0)
    seen[material] = count + 1
    return material if count == 0 else f"{material}#{count}"


def next_key(material: str, seen: dict[str, int]) -> str:
    """The natural key of the next row with this key material (:func:`key_text`)."""
    return _digest([key_text(material, seen)])


def key_digests(texts: list[str]) -> list[str]:
    """``[key_digest(t) for t in texts]`` (the keyed state prepared once)."""
    return crypto.row_digest_many(texts, purpose=DIGEST_PURPOSE)


def finish_keys(records: list[FeedRecord]) -> None:
    """Set each record's natural key (:func:`next_key`, in order)."""
    seen: dict[str, int] = {}
    for record in records:
        record.natural_key = next_key(record.key_material, seen)
