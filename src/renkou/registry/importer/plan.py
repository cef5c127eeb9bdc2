"""Resolving references before anything is written: parents, spouses, existing rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from renkou.core.intake import RowError
from renkou.registry import identity, rules
from renkou.registry.importer.fastinsert import select_by
from renkou.registry.importer.validate import Record
from renkou.registry.models import Person

_CHUNK = 900  # stays under SQLite's bound-parameter limit on old builds


@dataclass(frozen=True)
class Known:
    """A person already in the register, as far as linking needs it."""

    pk: int
    birth_date: dt.date
    sex: str


@dataclass
class Plan:
    new: list[Record] = field(default_factory=list)
    changed: list[tuple[Record, int]] = field(default_factory=list)
    unchanged: int = 0
    existing_by_index: dict[str, Known] = field(default_factory=dict)
    generation: dict[str, int] = field(default_factory=dict)  # external_id → depth


def chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _existing_ids(external_ids: list[str]) -> dict[str, tuple[int, str]]:
    rows = select_by(Person, "external_id", ("id", "source_hash"), external_ids)
    return {ext: (pk, digest) for ext, (pk, digest) in rows.items()}


def _existing_by_index(numbers: set[str]) -> dict[str, Known]:
    indexes = {identity.id_index(n): n for n in numbers}
    rows = select_by(Person, "id_index", ("id", "birth_date", "sex"), list(indexes))
    return {
        indexes[index]: Known(pk, _as_date(born), sex) for index, (pk, born, sex) in rows.items()
    }


def _as_date(value: object) -> dt.date:
    # SQLite hands dates back as ISO text through a raw cursor.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _mother_error(record: Record, mother_birth: dt.date) -> RowError | None:
    try:
        rules.check_mother_age(mother_birth=mother_birth, child_birth=record.birth_date)
    except ValidationError as exc:
        return RowError(record.row.sheet, record.row.number, "母亲身份证号", "", exc.messages[0])
    return None


def _depth(ext: str, parents: dict[str, list[str]], memo: dict[str, int], stack: set[str]) -> int:
    if ext in memo:
        return memo[ext]
    if ext in stack:
        raise ValueError(ext)
    stack.add(ext)
    depth = 1 + max((_depth(p, parents, memo, stack) for p in parents.get(ext, [])), default=-1)
    stack.discard(ext)
    memo[ext] = depth
    return depth


def plan_records(records: list[Record]) -> tuple[Plan, list[RowError]]:
    """Split into new / changed / unchanged and check parent links (mother ≥ 14)."""
    plan = Plan()
    existing = _existing_ids([r.external_id for r in records])
    by_number = {r.info.normalized: r for r in records if r.info}
    wanted = {n for r in records for n in (r.mother_id, r.father_id, r.spouse_id) if n}
    # Referenced people already in the register (from this file's earlier import too).
    plan.existing_by_index = _existing_by_index(wanted)
    errors: list[RowError] = []
    parents: dict[str, list[str]] = {}
    for record in records:
        mother = by_number.get(record.mother_id) if record.mother_id else None
        known = plan.existing_by_index.get(record.mother_id)
        mother_birth = mother.birth_date if mother else (known.birth_date if known else None)
        error = _mother_error(record, mother_birth) if mother_birth else None
        if error:
            errors.append(error)
            continue
        in_file = [
            by_number[n].external_id for n in (record.mother_id, record.father_id) if n in by_number
        ]
        parents[record.external_id] = in_file
        if record.external_id not in existing:
            plan.new.append(record)
        elif existing[record.external_id][1] != record.source_hash:
            plan.changed.append((record, existing[record.external_id][0]))
        else:
            plan.unchanged += 1
    memo: dict[str, int] = {}
    for record in list(plan.new):
        try:
            plan.generation[record.external_id] = _depth(record.external_id, parents, memo, set())
        except ValueError:
            plan.new.remove(record)
            errors.append(
                RowError(
                    record.row.sheet, record.row.number, "母亲身份证号", "", "父母关系存在循环"
                )
            )
    return plan, errors
