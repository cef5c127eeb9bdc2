"""Opening one ledger item per discrepancy found by a reconciliation run.

The item's unit is the linked person's managing unit; for an unlinked row, the village
whose 12-digit code (or "镇名村名" label) appears in the row's place fields, else the
county root. Titles carry names and the feed's row number, never an identity number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Final, NamedTuple

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkou.core.audit import audit_record
from renkou.core.i18n import register_text
from renkou.core.models import OrgUnit, User
from renkou.exchange import discrepancies as d
from renkou.exchange.feeds import FEEDS
from renkou.exchange.places import Places
from renkou.exchange.reconcile_classes import Facts, Subject, duplicate_pair
from renkou.registry.models import DuplicateCandidate, Person
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome
from renkou.worklists.services import (
    OpenSpec,
    workitem_close,
    workitem_reopen,
    workitems_bulk_open,
)

__all__ = ["ItemCounts", "close_settled_duplicates", "meeting_due_date", "open_items"]

CHUNK: Final = 2000
_WIFE_FIELDS: Final = ("wife_hukou",)
_PLACE_EXTRA: Final = ("mother_hukou", "mother_residence", "address", "hukou_address")


class _Places(Places):
    def unit_of(self, s: Subject) -> OrgUnit:
        row = s.row
        fields = [row.household_code, row.place]
        extra = row.extra
        names = _WIFE_FIELDS if s.side == "wife" else _PLACE_EXTRA
        fields += [str(extra.get(k, "")) for k in names]
        return self.village_in(*fields) or self.root


def _title(code: str, s: Subject, person: Person | None) -> str:
    """The item's title, in the register's language whoever runs the comparison."""
    with translation.override(settings.LANGUAGE_CODE):
        return _title_text(code, s, person)


def _title_text(code: str, s: Subject, person: Person | None) -> str:
    cls = d.BY_CODE[code]
    name = person.name if person else (s.row.extra.get("wife_name", "") if s.side == "wife"
                                       else s.row.name)  # fmt: skip
    feed = FEEDS[s.kind].label
    where = _("%(feed)s第%(row)s行") % {"feed": feed, "row": s.row.row_number}
    text = f"{cls.label}：{name or _('（无姓名）')}（{where}）— {cls.action}"
    return text[:200]


def _persons(subjects: list[Subject], classes: list[list[str]]) -> dict[int, Person]:
    pks = sorted({s.person_id for s, c in zip(subjects, classes, strict=True) if c and s.person_id})
    out: dict[int, Person] = {}
    for start in range(0, len(pks), CHUNK):
        out.update(Person.objects.select_related("org_unit").in_bulk(pks[start : start + CHUNK]))
    return out


_DUPLICATE_REF: Final = "duplicate:"


def meeting_due_date(source: str) -> dt.date | None:
    """Discrepancies of month M's feeds (sent by the 3rd of M+1) are due at the next
    monthly meeting, the 3rd of M+2 (DOMAIN.md §4)."""
    match = re.fullmatch(r"reconcile:(\d{4})-(\d{2})", source)
    if match is None:
        return None
    months = int(match.group(1)) * 12 + int(match.group(2)) - 1 + 2
    return dt.date(months // 12, months % 12 + 1, 3)


def _duplicate_ref(s: Subject, facts: Facts, actor: User | None) -> tuple[int, str] | None:
    """Open (or find) the registry's DuplicateCandidate for the pair ``s`` shows; the item
    points to it. None when the pair was already decided."""
    found = duplicate_pair(s, facts)
    if found is None:
        return None
    (first, second), reason = found
    candidate, created = DuplicateCandidate.objects.get_or_create(
        first_id=first, second_id=second, defaults={"reason": reason}
    )
    if candidate.status != DuplicateCandidate.Status.OPEN:
        return None
    if created:
        audit_record(
            action="duplicate.flag", actor=actor, object_type="duplicate",
            object_id=candidate.pk, detail={"reason": reason, "source": f"feedrow:{s.row.pk}"},
        )  # fmt: skip
    return first, f"duplicate:{candidate.pk}"


class ItemCounts(NamedTuple):
    opened: int  # new items
    kept: int  # found again with its item open, or closed by a person
    reopened: int  # found again after the system had closed its item


ItemKey = tuple[str, int | None, str]  # (kind, subject person, subject ref)


def _latest_items(source: str) -> dict[ItemKey, tuple[int, str, int | None]]:
    """(kind, person, ref) → (pk, status, closed by) of the source's latest item each."""
    rows = (
        WorkItem.objects.filter(source=source, kind__startswith="discrepancy.")
        .order_by("pk")
        .values_list("kind", "subject_person_id", "subject_ref", "pk", "status", "closed_by_id")
    )
    return {(kind, person, ref): (pk, status, by) for kind, person, ref, pk, status, by in rows}


def _reopen(pks: list[int]) -> None:
    note = register_text(gettext_lazy("比对再次发现该差异，重新挂账。"))
    for item in WorkItem.objects.filter(pk__in=pks).order_by("pk"):
        workitem_reopen(item=item, reason=note, actor=None, expected_version=item.version)


def open_items(
    subjects: list[Subject], classes: list[list[str]], facts: Facts, *, source: str,
    actor: User | None,
) -> ItemCounts:  # fmt: skip
    """One item per discrepancy (class, person, feed row) of ``source``, however often the
    month is compared. Found again, its latest item decides: open, or closed by a person
    (a resolution on its page, an approved exemption, the spouse's item applied) — left
    alone, a person's decision stands; closed by the system (settled, or no longer implied
    after a review decision) — reopened, the same item; none — opened. A 重登 item points
    to the registry's DuplicateCandidate ("duplicate:<pk>"): one open item per pair."""
    latest = _latest_items(source)
    open_pairs: set[ItemKey] = set(
        WorkItem.objects.filter(kind=d.DUPLICATE.kind, status=WorkItem.Status.OPEN).values_list(
            "kind", "subject_person_id", "subject_ref"
        )
    )
    persons = _persons(subjects, classes)
    places = _Places() if any(c for c in classes) else None
    kept, reopen = 0, []
    handled: set[ItemKey] = set()
    due = meeting_due_date(source)
    specs: dict[str, list[OpenSpec]] = defaultdict(list)
    for s, codes in zip(subjects, classes, strict=True):
        pid = s.person_id if s.linked else None
        for code in codes:
            ref = f"feedrow:{s.row.pk}"
            person = persons.get(pid) if pid else None
            if code == d.DUPLICATE.code:
                dup = _duplicate_ref(s, facts, actor)
                if dup is None:
                    continue
                pid, ref = dup
                person = Person.objects.select_related("org_unit").get(pk=pid)
            key: ItemKey = (d.BY_CODE[code].kind, pid, ref)
            if key in handled:  # the other unlinked side of a marriage row: one item for both
                kept += 1
                continue
            handled.add(key)
            found = latest.get(key)
            if key in open_pairs or (
                found is not None and (found[1] == WorkItem.Status.OPEN or found[2] is not None)
            ):
                kept += 1
            elif found is not None:
                reopen.append(found[0])
            else:
                assert places is not None
                unit = person.org_unit if person else places.unit_of(s)
                specs[key[0]].append(
                    OpenSpec(org_unit_id=unit.pk, title=_title(code, s, person),
                             subject_person_id=person.pk if person else None, subject_ref=ref)
                )  # fmt: skip
    _reopen(reopen)
    # One bulk insert per class (items, their history, one audit row each): a county
    # month opens tens of thousands of items.
    opened = sum(
        workitems_bulk_open(kind=kind, specs=rows, source=source, due_date=due, actor=actor)
        for kind, rows in sorted(specs.items())
    )
    return ItemCounts(opened, kept, len(reopen))


def close_settled_duplicates() -> int:
    """Close the open 重登 items whose DuplicateCandidate was decided on the registry's
    page since (merged, or not the same person); returns how many."""
    items = list(
        WorkItem.objects.filter(
            kind=d.DUPLICATE.kind,
            status=WorkItem.Status.OPEN,
            subject_ref__startswith=_DUPLICATE_REF,
        )
    )
    pks = {i.subject_ref.removeprefix(_DUPLICATE_REF) for i in items}
    decided = {
        str(pk)
        for pk in DuplicateCandidate.objects.filter(pk__in=[int(p) for p in pks if p.isdigit()])
        .exclude(status=DuplicateCandidate.Status.OPEN)
        .values_list("pk", flat=True)
    }
    closed = 0
    for item in items:
        if item.subject_ref.removeprefix(_DUPLICATE_REF) not in decided:
            continue
        workitem_close(
            item=item, outcome=Outcome.RESOLVED, evidence="", actor=None,
            expected_version=item.version,
            note=register_text(gettext_lazy("重复人员已在底册中处理（合并或确认非同一人）。")),
        )  # fmt: skip
        closed += 1
    return closed
