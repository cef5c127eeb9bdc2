"""Writing a validated plan: one transaction, bulk inserts, no per-row queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from django.db import connection, transaction
from django.db.models import Max

from renkou.core.audit import audit_record
from renkou.core.db import refresh_planner_stats
from renkou.core.models import ImportBatch, User
from renkou.core.sealed import SealedCharField
from renkou.linkage.names import name_initials, name_pinyin, normalize_name
from renkou.registry import identity
from renkou.registry.importer.fastinsert import FastInsert, db_date, reserve_ids, select_by
from renkou.registry.importer.plan import Plan, chunks
from renkou.registry.importer.validate import Record
from renkou.registry.models import Household, LifeEvent, Marriage, Membership, Person

BATCH = 2000
_UPDATABLE = (
    "name", "name_pinyin", "name_initials", "sex", "birth_date", "ethnicity", "hukou_type",
    "hukou_unit", "hukou_code", "residence_unit", "residence_code", "address", "org_unit",
    "marital_status", "phone_cipher", "phone_masked", "source_hash", "source_row",
    "import_batch", "version",
)  # fmt: skip
_DIFFED = (
    "name", "sex", "birth_date", "ethnicity", "hukou_type", "hukou_code",
    "residence_code", "address", "org_unit_id", "marital_status", "phone_masked",
)  # fmt: skip


@dataclass(frozen=True)
class Applied:
    created: int
    updated: int
    households: int
    marriages: int


def _fill(person: Person, record: Record, batch: ImportBatch) -> Person:
    person.name = normalize_name(record.name)
    person.name_pinyin = name_pinyin(person.name)
    person.name_initials = name_initials(person.name)
    person.sex, person.birth_date = record.sex, record.birth_date
    person.ethnicity, person.hukou_type = record.ethnicity, record.hukou_type
    person.hukou_unit, person.hukou_code = record.hukou_unit, record.hukou_code
    person.residence_unit, person.residence_code = record.residence_unit, record.residence_code
    person.address, person.org_unit = record.address, record.org_unit
    person.marital_status = record.marital_status
    person.phone_cipher, person.phone_masked = identity.phone_store(record.phone)
    person.import_batch, person.source_row = batch, record.row.number
    person.source_hash = record.source_hash
    return person


# Sealed columns (ADR 0009): the tuples below carry their blobs, sealed here.
_PERSON_ADDRESS = cast("SealedCharField[str, str]", Person._meta.get_field("address"))
_HOUSEHOLD_ADDRESS = cast("SealedCharField[str, str]", Household._meta.get_field("address"))

_PERSON_FIELDS = (
    "id", "external_id", "name", "name_pinyin", "name_initials", "sex", "birth_date",
    "id_cipher", "id_index", "id_masked", "id_kind", "id_warning", "ethnicity", "hukou_type",
    "hukou_unit_id", "hukou_code", "residence_unit_id", "residence_code", "address",
    "org_unit_id", "marital_status", "mother_id", "father_id", "phone_cipher", "phone_masked",
    "import_batch_id", "source_row", "source_hash", "created_by_id",
)  # fmt: skip


def _person_row(
    record: Record,
    pk: int,
    parents: tuple[int | None, int | None],
    batch: ImportBatch,
    actor_id: int | None,
) -> tuple[object, ...]:
    name = normalize_name(record.name)
    cipher, index, masked, kind, warning = None, "", "", "", ""
    if record.info is not None:
        stored = identity.id_store(record.info)
        cipher, index, masked, kind, warning = (
            stored.cipher,
            stored.index,
            stored.masked,
            stored.kind,
            stored.warning,
        )
    phone_cipher, phone_masked = identity.phone_store(record.phone)
    return (
        pk, record.external_id, name, name_pinyin(name), name_initials(name), record.sex,
        db_date(record.birth_date), cipher, index, masked, kind, warning, record.ethnicity,
        record.hukou_type, record.hukou_unit.pk if record.hukou_unit else None,
        record.hukou_code, record.residence_unit.pk if record.residence_unit else None,
        record.residence_code, _PERSON_ADDRESS.seal(record.address), record.org_unit.pk,
        record.marital_status,
        parents[0], parents[1], phone_cipher, phone_masked, batch.pk, record.row.number,
        record.source_hash, actor_id,
    )  # fmt: skip


class _Writer:
    def __init__(self, plan: Plan, batch: ImportBatch, actor: User | None) -> None:
        self.plan, self.batch, self.actor = plan, batch, actor
        self.pk_by_number: dict[str, int] = {n: k.pk for n, k in plan.existing_by_index.items()}
        self.sex_by_pk: dict[int, str] = {k.pk: k.sex for k in plan.existing_by_index.values()}
        self.created: list[tuple[Record, int]] = []

    def persons(self) -> None:
        by_depth: dict[int, list[Record]] = defaultdict(list)
        for record in self.plan.new:
            by_depth[self.plan.generation[record.external_id]].append(record)
        ids = iter(reserve_ids(Person, len(self.plan.new)))
        inserter = FastInsert(Person, _PERSON_FIELDS)
        actor_id = self.actor.pk if self.actor else None
        # Parents get their ids first, so every link is known when a child is built.
        for depth in sorted(by_depth):
            rows = []
            for record in by_depth[depth]:
                pk = next(ids)
                parents = (
                    self.pk_by_number.get(record.mother_id),
                    self.pk_by_number.get(record.father_id),
                )
                rows.append(_person_row(record, pk, parents, self.batch, actor_id))
                self.created.append((record, pk))
                self.sex_by_pk[pk] = record.sex
            for record, pk in self.created[-len(rows) :]:
                if record.info is not None:
                    self.pk_by_number[record.info.normalized] = pk
            inserter.insert(rows)

    def households(self) -> int:
        local = [(r, pk) for r, pk in self.created if r.household_unit is not None]
        codes = sorted({r.household_code for r, _ in local})
        existing = {c: row[0] for c, row in select_by(Household, "code", ("id",), codes).items()}
        first: dict[str, Record] = {}
        for record, _ in local:
            first.setdefault(record.household_code, record)
        # The first member's card decides the household's unit (reversed: first wins).
        unit_pk = {
            r.household_code: r.household_unit.pk for r, _ in reversed(local) if r.household_unit
        }
        fresh = [c for c in codes if c not in existing]
        position: dict[str, int] = defaultdict(int)
        # New members of an existing card go after its current last position.
        for chunk in chunks([c for c in codes if c in existing]):
            last = (
                Membership.objects.filter(household__code__in=chunk)
                .values_list("household__code")
                .annotate(top=Max("position"))
            )
            position.update(dict(last))
        ids = reserve_ids(Household, len(fresh))
        FastInsert(
            Household, ("id", "code", "org_unit_id", "hukou_type", "address", "import_batch_id")
        ).insert(
            [
                (
                    pk,
                    c,
                    unit_pk[c],
                    first[c].hukou_type,
                    _HOUSEHOLD_ADDRESS.seal(first[c].address),
                    self.batch.pk,
                )
                for pk, c in zip(ids, fresh, strict=True)
            ]
        )
        existing.update(zip(fresh, ids, strict=True))
        rows = []
        # Persons were inserted parents-first; card positions follow the file's order.
        file_order = sorted(local, key=lambda pair: (pair[0].row.sheet, pair[0].row.number))
        for record, pk in file_order:
            position[record.household_code] += 1
            rows.append(
                (
                    existing[record.household_code],
                    pk,
                    record.relation,
                    position[record.household_code],
                )
            )
        FastInsert(Membership, ("household_id", "person_id", "relation", "position")).insert(rows)
        return len(fresh)

    def marriages(self) -> int:
        couples: set[tuple[int, int]] = set()
        for record, pk in self.created:
            spouse = self.pk_by_number.get(record.spouse_id)
            if spouse is None or self.sex_by_pk.get(spouse) == record.sex:
                continue
            couples.add((pk, spouse) if record.sex == "M" else (spouse, pk))
        # Every couple here includes a person created by this batch: none can exist yet.
        FastInsert(Marriage, ("husband_id", "wife_id")).insert(sorted(couples))
        return len(couples)

    def events(self) -> None:
        ref = str(self.batch.pk)
        actor_id = self.actor.pk if self.actor else None
        FastInsert(
            LifeEvent, ("person_id", "kind", "event_date", "recorded_by_id", "source", "source_ref")
        ).insert(
            [
                (pk, LifeEvent.Kind.REGISTERED.value, db_date(r.birth_date), actor_id,
                 LifeEvent.Source.IMPORT.value, ref)
                for r, pk in self.created
            ]
        )  # fmt: skip

    def corrections(self) -> int:
        if not self.plan.changed:
            return 0
        current = Person.objects.in_bulk([pk for _, pk in self.plan.changed])
        events, people = [], []
        for record, pk in self.plan.changed:
            person = current[pk]
            before = {f: str(getattr(person, f)) for f in _DIFFED}
            _fill(person, record, self.batch)
            person.version += 1
            diff = {
                f: [before[f], str(getattr(person, f))]
                for f in _DIFFED
                if before[f] != str(getattr(person, f))
            }
            people.append(person)
            events.append(
                LifeEvent(
                    person=person,
                    kind=LifeEvent.Kind.CORRECTION,
                    recorded_by=self.actor,
                    source=LifeEvent.Source.IMPORT,
                    source_ref=str(self.batch.pk),
                    changes=diff,
                )
            )
        Person.objects.bulk_update(people, _UPDATABLE, batch_size=500)
        LifeEvent.objects.bulk_create(events, batch_size=BATCH)
        return len(people)


def apply_plan(*, plan: Plan, batch: ImportBatch, actor: User | None, rows_error: int) -> Applied:
    """Write everything in one transaction; any exception leaves the database untouched."""
    with transaction.atomic():
        if connection.vendor == "sqlite":
            # A bigger page cache for this connection: index updates of 10^5 random
            # blind-index keys otherwise thrash SQLite's default 2 MB cache.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")
        refresh_planner_stats(Person, Household, Membership, Marriage, LifeEvent)
        writer = _Writer(plan, batch, actor)
        writer.persons()
        households = writer.households()
        marriages = writer.marriages()
        writer.events()
        updated = writer.corrections()
        batch.status = ImportBatch.Status.APPLIED
        batch.rows_created, batch.rows_updated = len(writer.created), updated
        batch.rows_unchanged = plan.unchanged
        batch.save()
        audit_record(
            action="import.register",
            actor=actor,
            object_type="batch",
            object_id=batch.pk,
            detail={
                "sha256": batch.sha256, "rows": batch.rows_total, "created": len(writer.created),
                "updated": updated, "unchanged": plan.unchanged, "rejected": rows_error,
                "households": households, "marriages": marriages,
            },
        )  # fmt: skip
    return Applied(len(writer.created), updated, households, marriages)
