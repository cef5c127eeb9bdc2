"""Duplicates inside the register (重登): finding candidate pairs, merging, undoing, dismissing.

A merge moves what hangs on the merged record (current household card, children's
parent links, marriages) onto the survivor and deregisters the merged record with
reason "duplicate". The Merge row keeps the ids of everything it moved, so an undo
puts back exactly those rows and nothing else.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkou.core.audit import audit_record
from renkou.core.i18n import register_text
from renkou.core.models import OrgUnit, User
from renkou.registry.models import (
    DuplicateCandidate,
    LeaveReason,
    LifeEvent,
    Marriage,
    Membership,
    Merge,
    Person,
    Relation,
)
from renkou.registry.services.headship import household_headship_check
from renkou.registry.services.persons import (
    ConflictError,
    event_append,
    person_deregister,
    person_restore,
    person_update,
)

Pair = tuple[int, int]
_CHUNK = 500
_ID_LIKE = re.compile(r"\d{15}")
_ACTIVE = Person.Status.ACTIVE


def clean_evidence(evidence: str) -> str:
    """Evidence is required, and must not carry a raw identity number (it is logged)."""
    text = evidence.strip()
    if not text:
        raise ValidationError(_("请填写依据。"), code="evidence_required")
    if _ID_LIKE.search(text):
        raise ValidationError(_("依据中不得填写身份证号。"), code="evidence_has_id")
    return text[:500]


# --- finding ---------------------------------------------------------------------------


def _active(org_unit: OrgUnit | None) -> QuerySet[Person]:
    persons = Person.objects.filter(status=_ACTIVE)
    if org_unit is not None:
        persons = persons.filter(org_unit__path__startswith=org_unit.path)
    return persons


def _pairs_of(groups: Iterable[list[int]]) -> Iterator[Pair]:
    for ids in groups:
        yield from itertools.combinations(sorted(ids), 2)


def _pairs_same_id(persons: QuerySet[Person]) -> Iterator[Pair]:
    # One GROUP BY ... HAVING COUNT > 1 finds the shared numbers; one scan fetches members.
    shared = (
        persons.exclude(id_index="")
        .values("id_index")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("id_index")
    )
    groups: dict[str, list[int]] = defaultdict(list)
    rows = persons.filter(id_index__in=shared).values_list("id_index", "id")
    for key, pk in rows.iterator(chunk_size=2000):
        groups[key].append(pk)
    return _pairs_of(groups.values())


def _pairs_name_dob_mother(persons: QuerySet[Person]) -> Iterator[Pair]:
    # The GROUP BY narrows to mothers with two same-named children born the same day;
    # the second query fetches those mothers' children and groups them exactly.
    grouped = (
        persons.filter(mother__isnull=False)
        .values("name", "birth_date", "mother_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("mother_id")
    )
    groups: dict[tuple[str, dt.date, int], list[int]] = defaultdict(list)
    rows = persons.filter(mother_id__in=grouped).values_list(
        "name", "birth_date", "mother_id", "id"
    )
    for name, birth, mother, pk in rows.iterator(chunk_size=2000):
        groups[(name, birth, mother)].append(pk)
    return _pairs_of(ids for ids in groups.values() if len(ids) > 1)


def _existing(pairs: set[Pair]) -> set[Pair]:
    firsts = sorted({first for first, _second in pairs})
    found: set[Pair] = set()
    for start in range(0, len(firsts), _CHUNK):
        chunk = firsts[start : start + _CHUNK]
        rows = DuplicateCandidate.objects.filter(first_id__in=chunk).values_list(
            "first_id", "second_id"
        )
        found.update((a, b) for a, b in rows if (a, b) in pairs)
    return found


def duplicates_find(*, org_unit: OrgUnit | None = None, actor: User | None = None) -> int:
    """Store new candidate pairs among active persons (within `org_unit`'s subtree).

    Pairs share an identity number, or a name, birth date and recorded mother. Pairs
    already stored in any status are skipped, so a re-run finds nothing new. Returns
    the number of new candidates.
    """
    persons = _active(org_unit)
    found: dict[Pair, str] = {}
    for pair in _pairs_name_dob_mother(persons):
        found[pair] = DuplicateCandidate.Reason.SAME_NAME_DOB_MOTHER
    for pair in _pairs_same_id(persons):
        found[pair] = DuplicateCandidate.Reason.SAME_ID  # the stronger reason wins
    new = set(found) - _existing(set(found))
    with transaction.atomic():
        DuplicateCandidate.objects.bulk_create(
            [
                DuplicateCandidate(first_id=a, second_id=b, reason=found[(a, b)])
                for a, b in sorted(new)
            ],
            batch_size=_CHUNK,
        )
        audit_record(
            action="duplicate.find",
            actor=actor,
            object_type="orgunit",
            object_id=org_unit.pk if org_unit else "",
            detail={"found": len(found), "new": len(new)},
        )
    return len(new)


# --- merging ---------------------------------------------------------------------------


def _decide(candidate: DuplicateCandidate, status: str, actor: User | None) -> None:
    """Move an open candidate to `status`; refuse when someone decided it already."""
    updated = DuplicateCandidate.objects.filter(
        pk=candidate.pk, status=DuplicateCandidate.Status.OPEN
    ).update(status=status, decided_by=actor, decided_at=timezone.now())
    if updated != 1:
        raise ValidationError(_("该疑似重复记录已处理，不能再次处理。"), code="not_open")
    candidate.status = status


def _bump(person: Person, expected_version: int) -> None:
    """The survivor's row is not edited, but a merge changes it: bump and check its version."""
    updated = Person.objects.filter(pk=person.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if updated != 1:
        raise ConflictError(Person.objects.get(pk=person.pk))
    person.version = expected_version + 1


def _fresh(person_pk: int, expected: int | None) -> Person:
    person = Person.objects.select_related("mother").get(pk=person_pk)
    if expected is not None and person.version != expected:
        raise ConflictError(person)
    return person


def _move_membership(merged: Person, survivor: Person, on: dt.date) -> dict[str, list[int]]:
    theirs = Membership.objects.filter(person=merged, left__isnull=True).first()
    if theirs is None:
        return {"memberships_closed": [], "memberships_reassigned": []}
    if Membership.objects.filter(person=survivor, left__isnull=True).exists():
        Membership.objects.filter(pk=theirs.pk).update(left=on)
        # A merged-away head leaves their card headless: the township names a new one.
        gone = merged if theirs.relation == Relation.SELF else None
        household_headship_check(theirs.household, gone=gone, on=on)
        return {"memberships_closed": [theirs.pk], "memberships_reassigned": []}
    Membership.objects.filter(pk=theirs.pk).update(person=survivor)
    return {"memberships_closed": [], "memberships_reassigned": [theirs.pk]}


def _relink_children(
    *, ids: list[int], field: str, to: Person, actor: User | None, evidence: str
) -> None:
    # Each child is a person who changes: person_update gives it its event, audit and version.
    for child in Person.objects.filter(pk__in=ids).select_related("mother"):
        person_update(
            person=child,
            expected_version=child.version,
            changes={field: to},
            actor=actor,
            source=LifeEvent.Source.SYSTEM,
            evidence=evidence,
        )


def _move_links(
    merged: Person, survivor: Person, actor: User | None, evidence: str
) -> dict[str, list[int]]:
    moved: dict[str, list[int]] = {}
    for field in ("mother", "father"):
        ids = list(Person.objects.filter(**{field: merged}).values_list("pk", flat=True))
        _relink_children(ids=ids, field=field, to=survivor, actor=actor, evidence=evidence)
        moved[f"children_{field}"] = sorted(ids)
    for field in ("husband", "wife"):
        # A marriage between the two records themselves is nonsense to move; leave it.
        rows = Marriage.objects.filter(**{field: merged}).exclude(
            Q(husband=survivor) | Q(wife=survivor)
        )
        ids = sorted(rows.values_list("pk", flat=True))
        Marriage.objects.filter(pk__in=ids).update(**{field: survivor})
        moved[f"marriages_{field}"] = ids
    return moved


def duplicate_merge(
    *,
    candidate: DuplicateCandidate,
    survivor: Person,
    actor: User,
    evidence: str,
    survivor_version: int | None = None,
    merged_version: int | None = None,
    source: str = LifeEvent.Source.FORM,
) -> Merge:
    """Merge the other record of an open candidate pair into `survivor` (reversible).

    The versions, when given, are those the clerk saw; a change since then is a conflict.
    """
    text = clean_evidence(evidence)
    if survivor.pk not in (candidate.first_id, candidate.second_id):
        raise ValidationError(_("保留人员必须是该对记录之一。"), code="bad_survivor")
    merged_pk = candidate.second_id if survivor.pk == candidate.first_id else candidate.first_id
    today = dt.date.today()
    with transaction.atomic():
        _decide(candidate, DuplicateCandidate.Status.MERGED, actor)
        keep, gone = _fresh(survivor.pk, survivor_version), _fresh(merged_pk, merged_version)
        if not (keep.is_active and gone.is_active):
            raise ValidationError(_("两条记录都必须在册才能合并。"), code="not_active")
        merge = Merge.objects.create(
            survivor=keep, merged=gone, candidate=candidate, merged_by=actor
        )
        note = _note(gettext_lazy("合并重复人员（合并记录%(pk)s）：%(text)s"), merge, text)
        moved: dict[str, Any] = _move_membership(gone, keep, today)
        moved.update(_move_links(gone, keep, actor, note))
        moved["on"] = today.isoformat()
        merge.moved = moved
        merge.save(update_fields=["moved"])
        person_deregister(
            person=gone,
            expected_version=gone.version,
            reason=LeaveReason.DUPLICATE,
            on=today,
            actor=actor,
            source=source,
            evidence=note,
        )
        _bump(keep, keep.version)
        _merge_events(merge, actor, source, note, LifeEvent.Kind.MERGE)
        audit_record(
            action="person.merge",
            actor=actor,
            object_type="merge",
            object_id=merge.pk,
            detail={"survivor": keep.pk, "merged": gone.pk, **_counts(moved)},
        )
    survivor.version = keep.version
    return merge


def _note(template: Promise, merge: Merge, text: str) -> str:
    # LifeEvent.evidence holds 500 characters; PostgreSQL refuses a longer value.
    return register_text(template, {"pk": merge.pk, "text": text})[:500]


def _counts(moved: dict[str, Any]) -> dict[str, int]:
    return {key: len(value) for key, value in moved.items() if isinstance(value, list)}


def _merge_events(merge: Merge, actor: User | None, source: str, note: str, kind: str) -> None:
    survivor, merged = str(merge.survivor_id), str(merge.merged_id)
    pairs = (
        (merge.survivor_id, {"merged": ["", merged]}),
        (merge.merged_id, {"merged_into": ["", survivor]}),
    )
    if kind == LifeEvent.Kind.UNMERGE:
        pairs = (
            (merge.survivor_id, {"merged": [merged, ""]}),
            (merge.merged_id, {"merged_into": [survivor, ""]}),
        )
    for person_pk, changes in pairs:
        event_append(
            person=Person(pk=person_pk),
            kind=kind,
            actor=actor,
            source=source,
            event_date=dt.date.today(),
            source_ref=f"merge:{merge.pk}",
            evidence=note,
            changes=changes,
        )


# --- undoing ---------------------------------------------------------------------------


def _changed_since() -> ValidationError:
    return ValidationError(
        _("合并后相关记录已有变动，无法自动撤销，请人工核对。"), code="moved_since"
    )


def _restore_memberships(merge: Merge, moved: dict[str, Any]) -> None:
    closed, reassigned = (
        moved.get("memberships_closed", []),
        moved.get("memberships_reassigned", []),
    )
    if closed and Membership.objects.filter(person_id=merge.merged_id, left__isnull=True).exists():
        raise _changed_since()
    on = dt.date.fromisoformat(moved["on"])
    heads = Membership.objects.filter(pk__in=closed, relation=Relation.SELF)
    if Membership.objects.filter(
        household__in=heads.values("household"), relation=Relation.SELF, left__isnull=True
    ).exists():
        raise _changed_since()  # the card has a new head since: two heads would follow
    if Membership.objects.filter(pk__in=closed, left=on).update(left=None) != len(closed):
        raise _changed_since()
    for membership in Membership.objects.filter(pk__in=closed).select_related("household"):
        household_headship_check(membership.household, gone=None, on=on)
    back = Membership.objects.filter(
        pk__in=reassigned, person_id=merge.survivor_id, left__isnull=True
    )
    if back.update(person_id=merge.merged_id) != len(reassigned):
        raise _changed_since()


def _restore_links(merge: Merge, moved: dict[str, Any], actor: User | None, note: str) -> None:
    merged = Person.objects.get(pk=merge.merged_id)
    for field in ("mother", "father"):
        ids = moved.get(f"children_{field}", [])
        still = Person.objects.filter(pk__in=ids, **{f"{field}_id": merge.survivor_id}).count()
        if still != len(ids):
            raise _changed_since()
        _relink_children(ids=ids, field=field, to=merged, actor=actor, evidence=note)
    for field in ("husband", "wife"):
        ids = moved.get(f"marriages_{field}", [])
        rows = Marriage.objects.filter(pk__in=ids, **{f"{field}_id": merge.survivor_id})
        if rows.update(**{f"{field}_id": merge.merged_id}) != len(ids):
            raise _changed_since()


def merge_undo(
    *, merge: Merge, actor: User | None, evidence: str, source: str = LifeEvent.Source.FORM
) -> Merge:
    """Undo a merge: put back exactly what it moved, restore the merged record (回档),
    and reopen the candidate pair for review."""
    text = clean_evidence(evidence)
    with transaction.atomic():
        done = Merge.objects.filter(pk=merge.pk, undone_at__isnull=True).update(
            undone_by=actor, undone_at=timezone.now()
        )
        if done != 1:
            raise ValidationError(_("该合并已撤销。"), code="already_undone")
        merge.refresh_from_db()
        note = _note(gettext_lazy("撤销合并（合并记录%(pk)s）：%(text)s"), merge, text)
        gone = Person.objects.get(pk=merge.merged_id)
        if gone.is_active or gone.left_reason != LeaveReason.DUPLICATE:
            raise _changed_since()
        person_restore(
            person=gone, expected_version=gone.version, actor=actor, evidence=note, source=source
        )
        _restore_memberships(merge, merge.moved)
        _restore_links(merge, merge.moved, actor, note)
        keep = Person.objects.get(pk=merge.survivor_id)
        _bump(keep, keep.version)
        if merge.candidate_id is not None:
            DuplicateCandidate.objects.filter(pk=merge.candidate_id).update(
                status=DuplicateCandidate.Status.OPEN, decided_by=None, decided_at=None
            )
        _merge_events(merge, actor, source, note, LifeEvent.Kind.UNMERGE)
        audit_record(
            action="person.unmerge",
            actor=actor,
            object_type="merge",
            object_id=merge.pk,
            detail={"survivor": merge.survivor_id, "merged": merge.merged_id},
        )
    return merge


def duplicate_dismiss(*, candidate: DuplicateCandidate, actor: User | None, evidence: str) -> None:
    """Record that the two records of a candidate pair are different people."""
    text = clean_evidence(evidence)
    with transaction.atomic():
        _decide(candidate, DuplicateCandidate.Status.DISMISSED, actor)
        audit_record(
            action="duplicate.dismiss",
            actor=actor,
            object_type="duplicate",
            object_id=candidate.pk,
            detail={"first": candidate.first_id, "second": candidate.second_id, "evidence": text},
        )
