"""Which discrepancy classes (DOMAIN.md §5) one linked or unlinked feed subject shows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Final

from renkou.exchange import discrepancies as d
from renkou.exchange.models import FeedLink, FeedRow
from renkou.exchange.places import Places
from renkou.registry.models import DuplicateCandidate, Person
from renkou.registry.models.codes import MaritalStatus

__all__ = ["Facts", "Subject", "classify", "duplicate_pair", "load_facts", "separation_of"]

CHUNK: Final = 2000
BIRTH_WINDOW: Final = dt.timedelta(days=30)
_ID_METHODS: Final = frozenset({"exact_id", "mother_id", "repaired_id"})
_AGREEING: Final = frozenset({"exact", "same", "n/a"})
_MARRIED: Final = frozenset(
    {MaritalStatus.MARRIED, MaritalStatus.FIRST_MARRIAGE, MaritalStatus.REMARRIED,
     MaritalStatus.REUNITED}
)  # fmt: skip
_LEAVING: Final = frozenset({"death", "move_out"})
_UNLINKED_REVIEWS: Final = frozenset({FeedLink.Review.PENDING, FeedLink.Review.REJECTED})
_CLOSED_PAIRS: Final = (DuplicateCandidate.Status.DISMISSED, DuplicateCandidate.Status.MERGED)


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
    # The link's review state (FeedLink.Review): a pending or rejected link counts as
    # unlinked when classifying; ``person_id`` keeps the candidate for the review queue.
    review: str = ""
    probability: float = 0.0

    @property
    def linked(self) -> bool:
        return bool(self.person_id) and self.review not in _UNLINKED_REVIEWS

    @property
    def id_index(self) -> str:
        return self.row.id2_index if self.side == "wife" else self.row.id_index

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
    hukou_unit_id: int | None = None
    residence_unit_id: int | None = None


@dataclass(frozen=True)
class Child:
    pk: int
    birth_date: dt.date
    sex: str


@dataclass
class Facts:
    """The register facts the classes need, for the linked persons only."""

    persons: dict[int, PersonFacts] = field(default_factory=dict)
    children_born: dict[int, list[dt.date]] = field(default_factory=lambda: defaultdict(list))
    children: dict[int, list[Child]] = field(default_factory=lambda: defaultdict(list))
    # Active persons sharing a feed subject's valid number (only numbers held twice+).
    same_id: dict[str, list[int]] = field(default_factory=dict)
    # Pairs a person already decided (not duplicates, or merged): never flagged again.
    closed_pairs: set[tuple[int, int]] = field(default_factory=set)
    places: Places | None = None


def load_facts(subjects: list[Subject]) -> Facts:
    """Status, marital status and unit of the linked persons; linked mothers' children."""
    facts = Facts()
    pks = sorted({s.person_id for s in subjects if s.person_id})
    mothers = sorted({s.person_id for s in subjects if s.person_id and s.role == "mother"})
    for start in range(0, len(pks), CHUNK):
        rows = Person.objects.filter(pk__in=pks[start : start + CHUNK]).values_list(
            "pk", "status", "marital_status", "org_unit_id", "hukou_unit_id", "residence_unit_id"
        )
        for pk, status, marital, unit, hukou, residence in rows:
            facts.persons[pk] = PersonFacts(status, marital, unit, hukou, residence)
    for start in range(0, len(mothers), CHUNK):
        born = Person.objects.filter(mother_id__in=mothers[start : start + CHUNK]).values_list(
            "mother_id", "birth_date", "pk", "sex", "status"
        )
        for mother, birth, child, sex, status in born:
            facts.children_born[mother].append(birth)
            if status == Person.Status.ACTIVE:
                facts.children[mother].append(Child(child, birth, sex))
    _load_duplicates(facts, subjects)
    if subjects:
        facts.places = Places()
    return facts


def _load_duplicates(facts: Facts, subjects: list[Subject]) -> None:
    # The cascade leaves a valid number held by two register records unlinked.
    numbers = sorted({s.id_index for s in subjects if not s.linked and s.id_valid and s.id_index})
    for start in range(0, len(numbers), CHUNK):
        rows = Person.objects.filter(
            id_index__in=numbers[start : start + CHUNK], status=Person.Status.ACTIVE
        ).values_list("id_index", "pk")
        found: dict[str, list[int]] = defaultdict(list)
        for index, pk in rows:
            found[index].append(pk)
        facts.same_id.update({k: sorted(v) for k, v in found.items() if len(v) > 1})
    involved = {pk for pks in facts.same_id.values() for pk in pks}
    involved |= {c.pk for kids in facts.children.values() for c in kids}
    firsts = sorted(involved)
    for start in range(0, len(firsts), CHUNK):
        pairs = DuplicateCandidate.objects.filter(
            first_id__in=firsts[start : start + CHUNK], status__in=_CLOSED_PAIRS
        ).values_list("first_id", "second_id")
        facts.closed_pairs.update(pairs)


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


def duplicate_pair(s: Subject, f: Facts) -> tuple[tuple[int, int], str] | None:
    """重登: two active register persons the one feed subject stands for — the same valid
    number held twice, or a newborn the mother has twice (same day, same sex). Returns the
    pair (smaller pk first) and its DuplicateCandidate reason; pairs already decided
    (dismissed or merged) are not returned."""
    pairs: list[tuple[tuple[int, int], str]] = []
    if s.id_valid and s.id_index in f.same_id:
        held = f.same_id[s.id_index]
        pairs += [((a, b), DuplicateCandidate.Reason.SAME_ID)
                  for i, a in enumerate(held) for b in held[i + 1 :]]  # fmt: skip
    born = s.row.birth_date or s.row.event_date
    if s.linked and s.role == "mother" and s.person_id and born is not None:
        kids = sorted(
            c.pk for c in f.children.get(s.person_id, [])
            if abs(c.birth_date - born) <= BIRTH_WINDOW and (not s.row.sex or c.sex == s.row.sex)
        )  # fmt: skip
        pairs += [((a, b), DuplicateCandidate.Reason.SAME_NAME_DOB_MOTHER)
                  for i, a in enumerate(kids) for b in kids[i + 1 :]]  # fmt: skip
    return next(((p, r) for p, r in pairs if p not in f.closed_pairs), None)


# Which register field a feed's place names, by kind and side: (field, extra keys).
_PLACE_FIELDS: Final = {
    ("police", ""): ("hukou_unit", ("",)),
    ("pupil", ""): ("residence_unit", ("",)),
    ("birth_cert", ""): ("residence_unit", ("mother_residence",)),
    ("marriage", "husband"): ("hukou_unit", ("",)),
    ("marriage", "wife"): ("hukou_unit", ("wife_hukou",)),
}


def separation_of(s: Subject, f: Facts) -> tuple[str, int] | None:
    """人户分离: the feed names a village of ours other than the person's 户籍地 (police,
    marriage) or 现居住地 (pupil, birth certificate). Returns (register field, village pk)."""
    spec = _PLACE_FIELDS.get((s.kind, s.side))
    if spec is None or f.places is None or not s.linked or s.person_id not in f.persons:
        return None
    if s.kind == "police" and s.row.event_type in _LEAVING:
        return None
    if s.kind == "birth_cert" and s.role != "mother":
        return None
    name, keys = spec
    texts = [s.row.place if k == "" else str(s.row.extra.get(k, "")) for k in keys]
    village = f.places.village_in(*texts)
    if village is None:
        return None
    p = f.persons[s.person_id]
    current = p.hukou_unit_id if name == "hukou_unit" else p.residence_unit_id
    return None if (current or p.org_unit_id) == village.pk else (name, village.pk)


def classify(s: Subject, facts: Facts) -> list[str]:
    """The class codes ``s`` shows, in DISCREPANCIES' priority order. A link awaiting
    review, or rejected by a reviewer, classifies as unlinked. 未入户 is found across
    months (reconcile_nohukou), not per subject."""
    if not s.linked:
        s = dataclasses.replace(s, person_id=None, method="", role="", evidence={})
    duplicate = duplicate_pair(s, facts) is not None
    found = {
        d.SHOULD_HAVE_LEFT.code: _should_have_left(s, facts),
        d.UNREPORTED_EVENT.code: _unreported_event(s, facts),
        # A number held twice in the register is 重登, not a missing person.
        d.MISSING_PERSON.code: _missing_person(s) and not duplicate,
        d.DUPLICATE.code: duplicate,
        d.CONFLICTING.code: _conflicting(s),
        d.MARRIAGE_NOT_REFLECTED.code: _marriage_not_reflected(s, facts),
        d.NO_HUKOU.code: False,
        d.SEPARATION.code: separation_of(s, facts) is not None,
    }
    return [c.code for c in d.DISCREPANCIES if found[c.code]]
