"""The comparison report's counts (ReportTally), kept as the data change.

The report (monthly_report.py) reads these rows instead of grouping a month's feed
links and ledger items at request time (BENCHMARKS.md §2: dashboards < 300 ms on a 1M
county). Per month, feed kind, unit and measure, counted in the unit and in every unit
above it (a township's row holds its villages'; NULL is 未定位):

- every feed subject of the month (FeedLink), in the unit its link places it
  (``FeedLink.org_unit``): ``received``; ``auto`` / ``reviewed`` / ``pending`` when it
  has a person and its review is none / confirmed / pending; and for the county targets
  ``den:<target>`` (every subject of the target's rows; for marriages, every side with
  a register person) and ``num:<target>`` (linked automatically or confirmed, and no
  discrepancy recorded on the link but the informative 人户分离);
- every discrepancy item of the month's comparisons (source ``reconcile:YYYY-MM``), in
  its item's unit and under the department of its feed row, as ``open:<class>`` or
  ``closed:<class>``: subject ``feedrow:<pk>``, or for 重登 the row that found the pair
  (``duplicate:<pk>/feedrow:<pk>``, refs.py). One (source, class, person, ref) is one
  discrepancy: when an earlier version left two items for it, the latest counts.

Who keeps them exact:

- a comparison run rebuilds its month at its end (``tally_month_rebuild``), as does
  ``renkou report_rebuild``; a month never built is built on first reading;
- the ledger tells the discrepancy kinds when items open, close or reopen
  (``WorkKind.on_status`` → ``tally_items_changed``): resolutions, exemptions,
  reopening, the system closing settled items, a review decision's reclassification;
- a review decision moves its link between the columns (``tally_link_changed``).

Every write follows the change's audit row in the same transaction, so writers are
already one at a time behind the audit chain's lock; a rebuild also locks the table on
PostgreSQL so that no change is counted twice or lost while it recounts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renkou.core.audit import audit_record
from renkou.core.db import insert_rows
from renkou.core.models import OrgUnit, User
from renkou.exchange.discrepancies import SEPARATION
from renkou.exchange.models import FeedLink, FeedRow, ReportTally, ReportTallyMonth
from renkou.exchange.refs import DUPLICATE, ROW, ref_row
from renkou.worklists.models import WorkItem

__all__ = [
    "TARGETS",
    "LinkState",
    "TargetSet",
    "link_measures",
    "link_state",
    "month_of",
    "tallies_deferred",
    "tally_compute",
    "tally_items_changed",
    "tally_link_changed",
    "tally_month_ready",
    "tally_month_rebuild",
    "tally_stored",
    "target_of",
]  # fmt: skip

Key = tuple[str, int | None, str]  # (feed kind, unit pk or None, measure)
RECEIVED: Final = "received"
AUTO: Final = "auto"
REVIEWED: Final = "reviewed"
PENDING: Final = "pending"
_SOURCE: Final = re.compile(r"reconcile:(\d{4})-(\d{2})")
CHUNK: Final = 2000


@dataclass(frozen=True)
class TargetSet:
    code: str
    label: str | Promise
    kind: str
    event_types: tuple[str, ...] = ()  # empty: every row of the kind
    # Only subjects with a register (candidate) person count: a marriage side linked to
    # nobody is a spouse from elsewhere to the comparison (no class flags it), not ours.
    ours_only: bool = False


TARGETS: Final = (
    TargetSet("police_births", _("公安出生入户导入率"), "police", ("birth",)),
    TargetSet("police_moves", _("公安迁移导入率"), "police", ("move_in", "move_out")),
    TargetSet(
        "marriages", _("婚姻登记采集率"), "marriage", ("marriage", "remarriage"), ours_only=True
    ),
    TargetSet("birth_notifications", _("医院出生报告采集率"), "birth_cert"),
)
_BY_CODE: Final = {t.code: t for t in TARGETS}
# A link's discrepancy that still leaves its event reflected in the register: none, or
# 人户分离, which is informative (DOMAIN.md §5). The link keeps the first class found, and
# 人户分离 comes last, so a link showing it shows nothing else.
REFLECTED: Final = ("", SEPARATION.code)


def target_of(kind: str, event_type: str) -> str | None:
    for t in TARGETS:
        if t.kind == kind and (not t.event_types or event_type in t.event_types):
            return t.code
    return None


def link_measures(
    *, kind: str, event_type: str, review: str, n: int, linked: int, reflected: int
) -> dict[str, int]:
    """What ``n`` links of one kind, event type and review state count for, of which
    ``linked`` have a (candidate) person and ``reflected`` have a person and no
    discrepancy but the informative 人户分离 (``REFLECTED``)."""
    out = {RECEIVED: n}
    columns: dict[str, str] = {FeedLink.Review.NONE: AUTO, FeedLink.Review.CONFIRMED: REVIEWED,
                               FeedLink.Review.PENDING: PENDING}  # fmt: skip
    column = columns.get(review)
    if column is not None:
        out[column] = linked
    target = target_of(kind, event_type)
    if target is not None:
        ours = linked if review != FeedLink.Review.REJECTED else 0
        out[f"den:{target}"] = ours if _BY_CODE[target].ours_only else n
        if review in (FeedLink.Review.NONE, FeedLink.Review.CONFIRMED):
            out[f"num:{target}"] = reflected
    return {k: v for k, v in out.items() if v}


def month_of(source: str) -> dt.date | None:
    """The month of a comparison's item source ("reconcile:2026-01"), else None."""
    match = _SOURCE.fullmatch(source)
    if match is None:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def _row_pk(ref: str) -> int | None:
    """The feed row an item counts under: its own, or the one that found a 重登 pair."""
    return ref_row(ref)


def _row_kinds(row_pks: Iterable[int]) -> dict[int, str]:
    pks = sorted(set(row_pks))
    out: dict[int, str] = {}
    for start in range(0, len(pks), CHUNK):
        rows = FeedRow.objects.filter(pk__in=pks[start : start + CHUNK])
        out.update(rows.values_list("pk", "batch__kind"))
    return out


# --- from scratch ----------------------------------------------------------------------

_ItemRow = tuple[int, str, int | None, str, int, str]  # pk, kind, person, ref, unit, status


def _counted_items(month: dt.date) -> list[_ItemRow]:
    """The month's discrepancy items that count: the latest of each discrepancy."""
    rows = (
        WorkItem.objects.filter(
            Q(subject_ref__startswith=ROW)
            | Q(subject_ref__startswith=DUPLICATE, subject_ref__contains="/" + ROW),
            source=f"reconcile:{month:%Y-%m}", kind__startswith="discrepancy.",
        )
        .order_by("pk")
        .values_list("pk", "kind", "subject_person_id", "subject_ref", "org_unit_id", "status")
    )  # fmt: skip
    latest: dict[tuple[str, int | None, str], _ItemRow] = {}
    for row in rows.iterator(chunk_size=5000):
        latest[(row[1], row[2], row[3])] = row
    return list(latest.values())


def _direct(month: dt.date) -> Counter[Key]:
    """The month's counts where each subject and item is placed (not rolled up)."""
    direct: Counter[Key] = Counter()
    links = (
        FeedLink.objects.filter(run__month=month)
        .order_by()
        .values("feed_row__batch__kind", "feed_row__event_type", "org_unit_id", "review")
        .annotate(
            n=Count("id"),
            linked=Count("id", filter=Q(person__isnull=False)),
            reflected=Count("id", filter=Q(person__isnull=False, discrepancy__in=REFLECTED)),
        )
    )
    for g in links:
        kind = g["feed_row__batch__kind"]
        measures = link_measures(
            kind=kind, event_type=g["feed_row__event_type"], review=g["review"], n=g["n"],
            linked=g["linked"], reflected=g["reflected"],
        )  # fmt: skip
        for measure, n in measures.items():
            direct[(kind, g["org_unit_id"], measure)] += n
    items = _counted_items(month)
    kinds = _row_kinds(pk for i in items if (pk := _row_pk(i[3])) is not None)
    for _pk, kind, _person, ref, unit, status in items:
        row = _row_pk(ref)
        feed_kind = kinds.get(row, "") if row is not None else ""
        direct[(feed_kind, unit, f"{status}:{kind.removeprefix('discrepancy.')}")] += 1
    return direct


def _rolled_up(direct: Counter[Key]) -> Counter[Key]:
    """Each count (or change of a count) in its unit and in every unit above it (a
    unit's path lists them); zeros left out."""
    units = {unit for _kind, unit, _m in direct if unit is not None}
    paths = dict(OrgUnit.objects.filter(pk__in=units).values_list("pk", "path"))
    out: Counter[Key] = Counter()
    for (kind, unit, measure), n in direct.items():
        ups: list[int | None] = [None]
        if unit is not None:
            ups = [int(pk) for pk in paths[unit].strip("/").split("/")]
        for up in ups:
            out[(kind, up, measure)] += n
    return Counter({k: v for k, v in out.items() if v})


def tally_compute(month: dt.date) -> Counter[Key]:
    """The month's tallies computed from the links and items, as a rebuild stores them."""
    return _rolled_up(_direct(month))


def tally_stored(month: dt.date) -> Counter[Key]:
    """The month's tallies as stored (rows of one key added up; zeros left out)."""
    rows = (
        ReportTally.objects.filter(month=month)
        .values_list("feed_kind", "org_unit_id", "measure", "n")
        .iterator(chunk_size=5000)
    )
    out: Counter[Key] = Counter()
    for kind, unit, measure, n in rows:
        out[(kind, unit, measure)] += n
    return Counter({k: v for k, v in out.items() if v})


def _lock_table() -> None:
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ReportTally._meta.db_table)
        with connection.cursor() as cursor:
            # Blocks the writers of deltas (ROW EXCLUSIVE) until the recount commits.
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def tally_month_rebuild(month: dt.date, *, actor: User | None = None) -> int:
    """Recount ``month`` from its links and items and replace its tallies (audited as
    ``report.tally_rebuild``); returns the rows stored."""
    with transaction.atomic():
        # The audit row first: every tally writer takes the chain's lock before the
        # table's, so two writers never wait on each other the other way round.
        audit_record(action="report.tally_rebuild", actor=actor,
                     detail={"month": f"{month:%Y-%m}"})  # fmt: skip
        _lock_table()
        tallies = tally_compute(month)
        ReportTally.objects.filter(month=month).delete()
        insert_rows(
            [
                ReportTally(month=month, feed_kind=kind, org_unit_id=unit, measure=measure, n=n)
                for (kind, unit, measure), n in sorted(tallies.items(), key=_sort_key)
            ]
        )
        ReportTallyMonth.objects.update_or_create(
            month=month, defaults={"built_at": timezone.now()}
        )
    return len(tallies)


def tally_month_ready(month: dt.date, *, actor: User | None = None) -> None:
    """Build ``month``'s tallies if they never were (a month compared before tallies
    existed); afterwards the changes keep them."""
    if not ReportTallyMonth.objects.filter(month=month).exists():
        tally_month_rebuild(month, actor=actor)


def _sort_key(item: tuple[Key, int]) -> tuple[str, int, str]:
    (kind, unit, measure), _n = item
    return kind, unit or 0, measure


# --- deltas ------------------------------------------------------------------------------

# Months whose comparison is running in this thread: it rebuilds them at its end, so the
# ledger's notices about their items are not counted one by one meanwhile.
_deferred: ContextVar[frozenset[dt.date]] = ContextVar("tally_deferred", default=frozenset())


@contextmanager
def tallies_deferred(month: dt.date) -> Iterator[None]:
    token = _deferred.set(_deferred.get() | {month})
    try:
        yield
    finally:
        _deferred.reset(token)


def _apply(month: dt.date, direct: Counter[Key]) -> None:
    """Add ``direct`` (changes where placed, may be negative) to the stored tallies:
    each key's first row is updated in place, a missing one inserted."""
    delta = _rolled_up(direct)
    if not delta:
        return
    units = {u for _k, u, _m in delta}
    where = Q(org_unit__in=[u for u in units if u is not None])
    if None in units:
        where |= Q(org_unit__isnull=True)
    rows = ReportTally.objects.filter(where, month=month, measure__in={m for *_k, m in delta})
    existing: dict[Key, int] = {}
    for pk, kind, unit, measure in rows.order_by("pk").values_list(
        "pk", "feed_kind", "org_unit_id", "measure"
    ):
        existing.setdefault((kind, unit, measure), pk)
    new: list[ReportTally] = []
    for key, n in sorted(delta.items(), key=_sort_key):
        first = existing.get(key)
        if first is None:
            new.append(ReportTally(month=month, feed_kind=key[0], org_unit_id=key[1],
                                   measure=key[2], n=n))  # fmt: skip
        else:
            ReportTally.objects.filter(pk=first).update(n=F("n") + n)
    ReportTally.objects.bulk_create(new)


def _item_measure(kind: str, status: str) -> str:
    return f"{status}:{kind.removeprefix('discrepancy.')}"


def tally_items_changed(items: Sequence[WorkItem], before: str) -> None:
    """The ledger's notice (WorkKind.on_status) that ``items`` of a discrepancy kind
    were opened (``before`` ""), closed or reopened: move their counts."""
    counted = [
        (item, month) for item in items
        if (month := month_of(item.source)) is not None and month not in _deferred.get()
        and _row_pk(item.subject_ref) is not None
    ]  # fmt: skip
    if not counted:
        return
    siblings: dict[tuple[str, str, int | None, str], list[tuple[int, int, str]]] = defaultdict(list)
    same = WorkItem.objects.filter(
        source__in={i.source for i, _m in counted}, kind__in={i.kind for i, _m in counted},
        subject_ref__in={i.subject_ref for i, _m in counted},
    ).values_list("source", "kind", "subject_person_id", "subject_ref", "pk", "org_unit_id",
                  "status")  # fmt: skip
    for source, kind, person, ref, pk, unit, status in same:
        siblings[(source, kind, person, ref)].append((pk, unit, status))
    kinds = _row_kinds(row for i, _m in counted if (row := _row_pk(i.subject_ref)) is not None)
    by_month: dict[dt.date, Counter[Key]] = defaultdict(Counter)
    for item, month in counted:
        others = [s for s in siblings[(item.source, item.kind, item.subject_person_id,
                                       item.subject_ref)] if s[0] != item.pk]  # fmt: skip
        if any(pk > item.pk for pk, _u, _s in others):
            continue  # an older copy of a discrepancy: the latest item counts
        feed_kind = kinds.get(_row_pk(item.subject_ref) or 0, "")
        delta = by_month[month]
        if before:
            delta[(feed_kind, item.org_unit_id, _item_measure(item.kind, before))] -= 1
        elif others:  # a new item takes over from an earlier copy of its discrepancy
            _pk, unit, status = max(others)
            delta[(feed_kind, unit, _item_measure(item.kind, status))] -= 1
        delta[(feed_kind, item.org_unit_id, _item_measure(item.kind, item.status))] += 1
    for month, delta in sorted(by_month.items()):
        _apply(month, delta)


@dataclass(frozen=True)
class LinkState:
    """What one link counts for in the report."""

    kind: str
    event_type: str
    org_unit_id: int | None
    review: str
    linked: bool
    reflected: bool

    def counts(self) -> Counter[Key]:
        measures = link_measures(
            kind=self.kind, event_type=self.event_type, review=self.review, n=1,
            linked=int(self.linked), reflected=int(self.reflected),
        )  # fmt: skip
        return Counter({(self.kind, self.org_unit_id, m): n for m, n in measures.items()})


def link_state(pk: int) -> LinkState:
    """The link's state as stored now (inside the caller's transaction)."""
    kind, event, unit, review, person, discrepancy = FeedLink.objects.values_list(
        "feed_row__batch__kind", "feed_row__event_type", "org_unit_id", "review", "person_id",
        "discrepancy",
    ).get(pk=pk)  # fmt: skip
    linked = person is not None
    return LinkState(kind, event, unit, review, linked, linked and discrepancy in REFLECTED)


def tally_link_changed(month: dt.date, before: LinkState, after: LinkState) -> None:
    """A review decision changed one link of ``month`` from ``before`` to ``after``."""
    if month in _deferred.get():
        return
    delta = after.counts()
    delta.subtract(before.counts())
    _apply(month, delta)
