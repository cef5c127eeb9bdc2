"""Opening one ledger item per discrepancy found by a reconciliation run.

The item's unit is the linked person's managing unit; for an unlinked row, the village
whose 12-digit code (or "镇名村名" label) appears in the row's place fields, else the
county root. Titles carry names and the feed's row number, never an identity number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
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
from renkou.exchange.models import FeedRow
from renkou.exchange.places import Places
from renkou.exchange.reconcile_classes import Facts, Subject, duplicate_pair
from renkou.exchange.refs import DUPLICATE, duplicate_ref, ref_candidate, ref_row, row_ref
from renkou.exchange.report_tally import month_of
from renkou.exchange.scope import batches_in
from renkou.registry.models import DuplicateCandidate, Person
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome
from renkou.worklists.services import (
    OpenSpec,
    workitem_close,
    workitem_reopen,
    workitem_resubject,
    workitems_bulk_open,
)

__all__ = ["Compared", "ItemCounts", "close_settled_duplicates", "meeting_due_date", "open_items"]

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


def meeting_due_date(source: str) -> dt.date | None:
    """Discrepancies of month M's feeds (sent by the 3rd of M+1) are due at the next
    monthly meeting, the 3rd of M+2 (DOMAIN.md §4)."""
    match = re.fullmatch(r"reconcile:(\d{4})-(\d{2})", source)
    if match is None:
        return None
    months = int(match.group(1)) * 12 + int(match.group(2)) - 1 + 2
    return dt.date(months // 12, months % 12 + 1, 3)


def _duplicate_pair(s: Subject, facts: Facts, actor: User | None) -> tuple[int, int] | None:
    """Open (or find) the registry's DuplicateCandidate for the pair ``s`` shows: (the
    pair's first person, the candidate's pk). None when the pair was already decided."""
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
            object_id=candidate.pk, detail={"reason": reason, "source": row_ref(s.row.pk)},
        )  # fmt: skip
    return first, candidate.pk


class ItemCounts(NamedTuple):
    opened: int  # new items
    kept: int  # found again with its item open, or closed by a person
    reopened: int  # found again after the system had closed its item
    closed: int = 0  # the run's own discrepancies no longer found (see Compared)


@dataclass(frozen=True)
class Compared:
    """What a run compared: the current rows of ``unit``'s files of ``month`` (every kind
    the unit sent). Its items on rows of those files (current, corrected or withdrawn)
    that it no longer finds are settled; other units' and months' items are not its."""

    month: dt.date
    unit: OrgUnit | None


ItemKey = tuple[str, int | None, str]  # (kind, subject person, what it is about)


@dataclass(frozen=True)
class _Item:
    pk: int
    status: str
    closed_by: int | None
    ref: str


def _successors(month: dt.date | None) -> dict[int, int]:
    """Each row of ``month`` a corrected file replaced → the current row that replaced it
    (following a chain of corrections). Corrected rows are few: one query."""
    if month is None:
        return {}
    step = dict(
        FeedRow.objects.filter(batch__month=month, superseded_by__isnull=False).values_list(
            "pk", "superseded_by_id"
        )
    )
    out: dict[int, int] = {}
    for row in step:
        last, seen = row, {row}
        while last in step and step[last] not in seen:
            last = step[last]
            seen.add(last)
        out[row] = last
    return out


class _Ledger:
    """The source's discrepancy items, the latest of each (kind, person, ref), found by
    what they are about: a row followed through its corrections, a 重登 pair."""

    def __init__(self, source: str) -> None:
        rows = (
            WorkItem.objects.filter(source=source, kind__startswith="discrepancy.")
            .order_by("pk")
            .values_list("kind", "subject_person_id", "subject_ref", "pk", "status",
                         "closed_by_id")
        )  # fmt: skip
        latest = {(k, p, ref): _Item(pk, st, by, ref) for k, p, ref, pk, st, by in rows}
        self.latest = latest
        self.successors = _successors(month_of(source))
        self.by_key: dict[ItemKey, _Item] = {}
        for (kind, person, ref), item in latest.items():  # in pk order: the latest wins
            self.by_key[self.key(kind, person, ref)] = item

    def key(self, kind: str, person: int | None, ref: str) -> ItemKey:
        candidate = ref_candidate(ref)
        if candidate is not None:
            return kind, person, f"{DUPLICATE}{candidate}"
        row = ref_row(ref)
        if row is not None:
            return kind, person, row_ref(self.successors.get(row, row))
        return kind, person, ref

    def follows(self, item: _Item, ref: str) -> bool:
        """Whether ``item`` should now name ``ref``: its row was corrected into
        ``ref``'s, or (a 重登 item of old) it names no row yet."""
        old, new = ref_row(item.ref), ref_row(ref)
        if old is None:
            return new is not None
        return old != new and self.successors.get(old) == new


def _resubject(moves: list[tuple[_Item, str]]) -> None:
    note = register_text(gettext_lazy("部门报送了更正数据，该差异改为对应更正后的记录。"))
    items = WorkItem.objects.in_bulk([item.pk for item, _ref in moves])
    for item, ref in moves:
        workitem_resubject(item=items[item.pk], subject_ref=ref, note=note)


def _reopen(pks: list[int]) -> None:
    note = register_text(gettext_lazy("比对再次发现该差异，重新挂账。"))
    for item in WorkItem.objects.filter(pk__in=pks).order_by("pk"):
        workitem_reopen(item=item, reason=note, actor=None, expected_version=item.version)


def _rows_compared(rows: set[int], compared: Compared) -> set[int]:
    """Which of ``rows`` belong to the files the run compared."""
    pks, out = sorted(rows), set[int]()
    for start in range(0, len(pks), CHUNK):
        chunk = FeedRow.objects.filter(
            batches_in(compared.unit), batch__month=compared.month,
            pk__in=pks[start : start + CHUNK],
        )  # fmt: skip
        out.update(chunk.values_list("pk", flat=True))
    return out


def _close_gone(ledger: _Ledger, found: set[ItemKey], compared: Compared) -> int:
    """Close, as the system, the open items of the run's rows whose discrepancy the run
    no longer finds — or that a corrected row's item has taken over; returns how many."""
    gone: list[int] = []
    candidates = [
        (key, item) for key, item in ledger.latest.items()
        if item.status == WorkItem.Status.OPEN and key[0] != d.NO_HUKOU.kind
        and ref_row(item.ref) is not None
    ]  # fmt: skip
    mine = _rows_compared({ref_row(i.ref) or 0 for _k, i in candidates}, compared)
    for (kind, person, ref), item in candidates:
        if ref_row(ref) not in mine:
            continue
        key = ledger.key(kind, person, ref)
        if key not in found or ledger.by_key[key].pk != item.pk:
            gone.append(item.pk)
    note = register_text(gettext_lazy("再次比对未发现该差异（登记或部门数据已更正），系统销号。"))
    for row in WorkItem.objects.filter(pk__in=gone).order_by("pk"):
        workitem_close(item=row, outcome=Outcome.RESOLVED, evidence="", actor=None,
                       expected_version=row.version, note=note)  # fmt: skip
    return len(gone)


def open_items(
    subjects: list[Subject], classes: list[list[str]], facts: Facts, *, source: str,
    actor: User | None, compared: Compared | None = None,
) -> ItemCounts:  # fmt: skip
    """One item per discrepancy (class, person, feed row) of ``source``, however often the
    month is compared. Found again, its latest item decides: open, or closed by a person
    (a resolution on its page, an approved exemption, the spouse's item applied) — left
    alone, a person's decision stands; closed by the system (settled, no longer found,
    or no longer implied after a review decision) — reopened, the same item; none —
    opened. A 重登 item points to the registry's DuplicateCandidate and the row that found
    it ("duplicate:<pk>/feedrow:<pk>"): one open item per pair.

    An item follows its row through a department's corrected files: a row that replaced
    another (FeedRow.superseded_by) finds the replaced row's item, which is re-pointed
    to it with a history note. With ``compared`` (a whole run), the open items on the
    run's rows whose discrepancy it did not find are closed by the system."""
    ledger = _Ledger(source)
    open_pairs = {
        ref_candidate(ref)
        for ref in WorkItem.objects.filter(
            kind=d.DUPLICATE.kind, status=WorkItem.Status.OPEN
        ).values_list("subject_ref", flat=True)
    }
    persons = _persons(subjects, classes)
    places = _Places() if any(c for c in classes) else None
    kept, reopen, moves = 0, [], []
    handled: set[ItemKey] = set()
    due = meeting_due_date(source)
    specs: dict[str, list[OpenSpec]] = defaultdict(list)
    for s, codes in zip(subjects, classes, strict=True):
        for code in codes:
            pid = s.person_id if s.linked else None
            person = persons.get(pid) if pid else None
            ref = row_ref(s.row.pk)
            pair: int | None = None
            if code == d.DUPLICATE.code:
                dup = _duplicate_pair(s, facts, actor)
                if dup is None:
                    continue
                pid, pair = dup
                ref = duplicate_ref(pair, s.row.pk)
                person = Person.objects.select_related("org_unit").get(pk=pid)
            key = ledger.key(d.BY_CODE[code].kind, pid, ref)
            if key in handled:  # the other unlinked side of a marriage row: one item for both
                kept += 1
                continue
            handled.add(key)
            found = ledger.by_key.get(key)
            if found is not None and ledger.follows(found, ref):
                moves.append((found, ref))
            if (pair is not None and pair in open_pairs) or (
                found is not None
                and (found.status == WorkItem.Status.OPEN or found.closed_by is not None)
            ):
                kept += 1
            elif found is not None:
                reopen.append(found.pk)
            else:
                assert places is not None
                unit = person.org_unit if person else places.unit_of(s)
                specs[key[0]].append(
                    OpenSpec(org_unit_id=unit.pk, title=_title(code, s, person),
                             subject_person_id=person.pk if person else None, subject_ref=ref)
                )  # fmt: skip
    _resubject(moves)
    closed = _close_gone(ledger, handled, compared) if compared is not None else 0
    _reopen(reopen)
    # One bulk insert per class (items, their history, one audit row each): a county
    # month opens tens of thousands of items.
    opened = sum(
        workitems_bulk_open(kind=kind, specs=rows, source=source, due_date=due, actor=actor)
        for kind, rows in sorted(specs.items())
    )
    return ItemCounts(opened, kept, len(reopen), closed)


def close_settled_duplicates() -> int:
    """Close the open 重登 items whose DuplicateCandidate was decided on the registry's
    page since (merged, or not the same person); returns how many."""
    items = list(
        WorkItem.objects.filter(
            kind=d.DUPLICATE.kind, status=WorkItem.Status.OPEN, subject_ref__startswith=DUPLICATE
        )
    )
    pks = {pk for i in items if (pk := ref_candidate(i.subject_ref)) is not None}
    decided = set(
        DuplicateCandidate.objects.filter(pk__in=sorted(pks))
        .exclude(status=DuplicateCandidate.Status.OPEN)
        .values_list("pk", flat=True)
    )
    closed = 0
    for item in items:
        if ref_candidate(item.subject_ref) not in decided:
            continue
        workitem_close(
            item=item, outcome=Outcome.RESOLVED, evidence="", actor=None,
            expected_version=item.version,
            note=register_text(gettext_lazy("重复人员已在底册中处理（合并或确认非同一人）。")),
        )  # fmt: skip
        closed += 1
    return closed
