"""Which discrepancy classes (DOMAIN.md §5) one linked or unlinked feed subject shows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Final

from renkou.exchange import discrepancies as d
from renkou.exchange.models import FeedRow
from renkou.registry.models import Person
from renkou.registry.models.codes import MaritalStatus

__all__ = ["Facts", "Subject", "classify", "load_facts"]

CHUNK: Final = 2000
BIRTH_WINDOW: Final = dt.timedelta(days=30)
_ID_METHODS: Final = frozenset({"exact_id", "mother_id", "repaired_id"})
_AGREEING: Final = frozenset({"exact", "same", "n/a"})
_MARRIED: Final = frozenset(
    {MaritalStatus.MARRIED, MaritalStatus.FIRST_MARRIAGE, MaritalStatus.REMARRIED,
     MaritalStatus.REUNITED}
)  # fmt: skip
_LEAVING: Final = frozenset({"death", "move_out"})


@dataclass
class Subject:
    """One side of a feed row and what the cascade linked it to."""

    kind: str
    row: FeedRow
    side: str  # "", "husband", "wife"
    person_id: int | None
    method: str
    role: str
    evidence: dict[str, str]
    probability: float = 1.0
    review: str = ""  # "pending": a model candidate (candidate_id) awaiting a person
    candidate_id: int | None = None

    @property
    def id_present(self) -> bool:
        return bool(self.row.id2_masked if self.side == "wife" else self.row.id_masked)

    @property
    def id_valid(self) -> bool:
        return self.row.id2_valid if self.side == "wife" else self.row.id_valid

    @property
    def police_birth(self) -> bool:
        return self.kind == "police" and self.row.event_type == "birth"


@dataclass(frozen=True)
class PersonFacts:
    status: str
    marital_status: str
    org_unit_id: int


@dataclass
class Facts:
    """The register facts the classes need, for the linked persons only."""

    persons: dict[int, PersonFacts] = field(default_factory=dict)
    children_born: dict[int, list[dt.date]] = field(default_factory=lambda: defaultdict(list))


def load_facts(subjects: list[Subject]) -> Facts:
    """Status, marital status and unit of the linked persons; linked mothers' children."""
    facts = Facts()
    pks = sorted({s.person_id for s in subjects if s.person_id})
    mothers = sorted({s.person_id for s in subjects if s.person_id and s.role == "mother"})
    for start in range(0, len(pks), CHUNK):
        rows = Person.objects.filter(pk__in=pks[start : start + CHUNK]).values_list(
            "pk", "status", "marital_status", "org_unit_id"
        )
        for pk, status, marital, unit in rows:
            facts.persons[pk] = PersonFacts(status, marital, unit)
    for start in range(0, len(mothers), CHUNK):
        born = Person.objects.filter(mother_id__in=mothers[start : start + CHUNK]).values_list(
            "mother_id", "birth_date"
        )
        for mother, birth in born:
            facts.children_born[mother].append(birth)
    return facts


def _should_have_left(s: Subject, f: Facts) -> bool:
    if s.kind != "police" or s.row.event_type not in _LEAVING or not s.person_id:
        return False
    return s.role == "self" and f.persons[s.person_id].status == Person.Status.ACTIVE


def _unreported_event(s: Subject, f: Facts) -> bool:
    if not (s.police_birth or s.kind == "birth_cert") or s.role != "mother" or not s.person_id:
        return False
    born = s.row.birth_date or s.row.event_date
    if born is None:
        return False
    return not any(abs(c - born) <= BIRTH_WINDOW for c in f.children_born.get(s.person_id, []))


def _missing_person(s: Subject) -> bool:
    # A birth is the mother's event (漏报); a death or move-out of someone never
    # registered here leaves nothing to register.
    if s.kind not in ("police", "pupil") or s.person_id or not s.id_valid:
        return False
    return not (s.kind == "police" and s.row.event_type in _LEAVING | {"birth"})


def _conflicting(s: Subject) -> bool:
    if s.id_present and not s.id_valid and not s.police_birth:
        return True
    if not s.person_id or s.method not in _ID_METHODS:
        return False
    levels = (s.evidence.get(k, "n/a") for k in ("name", "dob", "sex"))
    return any(level not in _AGREEING for level in levels)


def _marriage_not_reflected(s: Subject, f: Facts) -> bool:
    if s.kind != "marriage" or not s.person_id:
        return False
    married = f.persons[s.person_id].marital_status in _MARRIED
    if s.row.event_type in ("marriage", "remarriage"):
        return not married
    return s.row.event_type == "divorce" and married


def classify(s: Subject, facts: Facts) -> list[str]:
    """The class codes ``s`` shows, in DISCREPANCIES' priority order."""
    found = {
        d.SHOULD_HAVE_LEFT.code: _should_have_left(s, facts),
        d.UNREPORTED_EVENT.code: _unreported_event(s, facts),
        d.MISSING_PERSON.code: _missing_person(s),
        d.CONFLICTING.code: _conflicting(s),
        d.MARRIAGE_NOT_REFLECTED.code: _marriage_not_reflected(s, facts),
    }
    return [c.code for c in d.DISCREPANCIES if found[c.code]]
