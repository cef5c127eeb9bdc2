"""The monthly comparison report (比对报告) for the meeting on the 3rd (DOMAIN.md §4–5).

What it counts, for the month's latest comparison run, by department (feed kind) and
village:

- **收到 received**: feed subjects — one per row, two for a marriage row (husband, wife).
- **自动匹配 linked automatically**: the link has a person and needed no review
  (``FeedLink.review`` empty).
- **审核后匹配 linked after review**: ``FeedLink.review == "confirmed"``.
- **待审核 pending**: ``review == "pending"``; **未匹配 unlinked**: the rest (no person,
  or review rejected).
- **差异 discrepancies by class, open / closed**: the ledger items the comparisons of the
  month opened (``WorkItem.source == "reconcile:YYYY-MM"``), by class and status.

A subject's village is its linked person's managing unit; an unlinked subject is placed
in the unit of the work item the comparison opened for it (placed by the address in
the row); a subject with neither is "未定位" and only the county sees it. (An unlinked
marriage row whose two sides share one item's unit counts for both sides there.)

County targets (``settings.RENKOU_COMPARISON_TARGETS``), each a rate over the month's
subjects in scope, numerator = subjects the register reflects: linked (automatically
or confirmed after review) and with no discrepancy recorded on the link:

- ``police_births`` (≥ 90 %): police rows of type birth (新生儿入户);
- ``police_moves`` (≥ 90 %): police rows of type move_in or move_out;
- ``marriages`` (≥ 95 %): civil-affairs rows of type marriage or remarriage (each side);
- ``birth_notifications`` (100 %): hospital birth certificates (linked through the
  mother).

A set with no subjects has no rate (shown as —), never 0 % or 100 %.

The counts are a handful of GROUP BY queries whatever the county's size; only the
unlinked subjects are placed row by row (one flat query each for them and their items).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Final

from django.conf import settings
from django.db.models import BigIntegerField, Count, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renkou.core.models import OrgUnit, User
from renkou.core.scoping import scope_filter, units_for_user
from renkou.exchange import discrepancies as d
from renkou.exchange.feeds import FEEDS
from renkou.exchange.models import FeedLink, FeedRow, ReconcileRun
from renkou.worklists.models import WorkItem

__all__ = ["TARGETS", "MonthlyReport", "ReportLine", "TargetRate", "monthly_report"]

_REF: Final = "feedrow:"


@dataclass(frozen=True)
class TargetSet:
    code: str
    label: str | Promise
    kind: str
    event_types: tuple[str, ...] = ()  # empty: every row of the kind


TARGETS: Final = (
    TargetSet("police_births", _("公安出生入户导入率"), "police", ("birth",)),
    TargetSet("police_moves", _("公安迁移导入率"), "police", ("move_in", "move_out")),
    TargetSet("marriages", _("婚姻登记采集率"), "marriage", ("marriage", "remarriage")),
    TargetSet("birth_notifications", _("医院出生报告采集率"), "birth_cert"),
)


@dataclass
class ReportLine:
    """One department × village (or a subtotal when ``unit`` is None and ``total``)."""

    kind: str
    kind_label: str
    township: str
    village: str
    unit_id: int | None
    received: int = 0
    auto: int = 0
    reviewed: int = 0
    pending: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    open: int = 0
    closed: int = 0
    total: bool = False

    @property
    def unlinked(self) -> int:
        return self.received - self.auto - self.reviewed - self.pending

    def class_counts(self) -> list[int]:
        return [self.classes.get(c.code, 0) for c in d.DISCREPANCIES]

    def add(self, other: ReportLine) -> None:
        self.received += other.received
        self.auto += other.auto
        self.reviewed += other.reviewed
        self.pending += other.pending
        self.open += other.open
        self.closed += other.closed
        for code, n in other.classes.items():
            self.classes[code] = self.classes.get(code, 0) + n


@dataclass
class TargetRate:
    code: str
    label: str
    target: float
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"

    @property
    def target_percent(self) -> str:
        return f"{self.target * 100:.1f}%"

    @property
    def met(self) -> bool | None:
        rate = self.rate
        return None if rate is None else rate + 1e-9 >= self.target


@dataclass
class MonthlyReport:
    month: dt.date
    run: ReconcileRun | None
    lines: list[ReportLine]  # village lines and per-kind totals, in display order
    targets: list[TargetRate]
    classes: list[tuple[str, str]]  # (code, label) in column order


def _target_of(kind: str, event_type: str) -> str | None:
    for t in TARGETS:
        if t.kind == kind and (not t.event_types or event_type in t.event_types):
            return t.code
    return None


class _Tally:
    def __init__(self, units: dict[int, OrgUnit], county: bool, user: User) -> None:
        self.units, self.county, self.user = units, county, user
        self.lines: dict[tuple[str, int | None], ReportLine] = {}
        self.num: dict[str, int] = defaultdict(int)
        self.den: dict[str, int] = defaultdict(int)
        self.placement: dict[tuple[str, str, str], dict[int | None, int]] | None = None

    def line(self, kind: str, unit_id: int | None) -> ReportLine | None:
        if unit_id is not None and unit_id not in self.units:
            return None
        if unit_id is None and not self.county:
            return None
        key = (kind, unit_id)
        if key not in self.lines:
            unit = self.units.get(unit_id) if unit_id is not None else None
            township = unit.parent.name if unit and unit.parent else ""
            feed = FEEDS.get(kind)
            self.lines[key] = ReportLine(
                kind=kind, kind_label=str(feed.label if feed else kind), township=township,
                village=unit.name if unit else str(_("未定位")), unit_id=unit_id,
            )  # fmt: skip
        return self.lines[key]


def _links(tally: _Tally, run: ReconcileRun) -> None:
    # Every link of the month: each feed row's links belong to the latest run covering
    # it (a township's own run, or the county's), earlier ones were replaced.
    links = FeedLink.objects.filter(run__month=run.month)
    if not tally.county:
        # A township counts its own people, and the unlinked rows (placed below by the
        # unit of their items).
        links = scope_filter(links, tally.user, unit_field="person__org_unit") | links.filter(
            person__isnull=True
        )
    grouped = links.values(
        "feed_row__batch__kind", "feed_row__event_type", "person__org_unit_id", "review"
    ).annotate(
        n=Count("id"),
        linked=Count("id", filter=Q(person__isnull=False)),
        reflected=Count("id", filter=Q(person__isnull=False, discrepancy="")),
    )
    for g in grouped:
        kind, event, unit = g["feed_row__batch__kind"], g["feed_row__event_type"], g[
            "person__org_unit_id"]  # fmt: skip
        review = g["review"]
        placed: list[tuple[int | None, int]] = []
        if unit is not None:
            placed.append((unit, g["n"]))
        else:
            placed.extend(_unlinked_units(tally, run, kind, event, review))
        for unit_id, n in placed:
            line = tally.line(kind, unit_id)
            if line is None:
                continue
            line.received += n
            if unit is not None:
                counted = g["linked"]
                if review == FeedLink.Review.NONE:
                    line.auto += counted
                elif review == FeedLink.Review.CONFIRMED:
                    line.reviewed += counted
                elif review == FeedLink.Review.PENDING:
                    line.pending += counted
            target = _target_of(kind, event)
            if target is not None:
                tally.den[target] += n
                reflects = review in (FeedLink.Review.NONE, FeedLink.Review.CONFIRMED)
                if unit is not None and reflects:
                    tally.num[target] += g["reflected"]


def _placement(
    tally: _Tally, run: ReconcileRun
) -> dict[tuple[str, str, str], dict[int | None, int]]:
    """(kind, event type, review) → unit → unlinked subjects placed there (loaded once)."""
    if tally.placement is not None:
        return tally.placement
    source = f"reconcile:{run.month:%Y-%m}"
    placed_items = WorkItem.objects.filter(
        source=source, kind__startswith="discrepancy.", subject_person__isnull=True,
        subject_ref__startswith=_REF,
    )  # fmt: skip
    if not tally.county:
        placed_items = scope_filter(placed_items, tally.user)
    item_units = dict(placed_items.values_list("subject_ref", "org_unit_id"))
    out: dict[tuple[str, str, str], dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    unlinked = FeedLink.objects.filter(run__month=run.month, person__isnull=True).values_list(
        "feed_row_id", "feed_row__batch__kind", "feed_row__event_type", "review"
    )
    for row_id, kind, event, review in unlinked.iterator(chunk_size=5000):
        unit = item_units.get(f"{_REF}{row_id}")
        out[(kind, event, review)][unit] += 1
    tally.placement = out
    return out


def _unlinked_units(
    tally: _Tally, run: ReconcileRun, kind: str, event: str, review: str
) -> list[tuple[int | None, int]]:
    return list(_placement(tally, run).get((kind, event, review), {}).items())


def _items(tally: _Tally, month: dt.date) -> None:
    ledger = (
        WorkItem.objects.all() if tally.county else scope_filter(WorkItem.objects.all(), tally.user)
    )
    items = (
        ledger.filter(
            source=f"reconcile:{month:%Y-%m}", kind__startswith="discrepancy.",
            subject_ref__startswith=_REF,
        )
        .annotate(row_pk=Cast(Substr("subject_ref", len(_REF) + 1), BigIntegerField()))
        .annotate(
            feed_kind=Subquery(FeedRow.objects.filter(pk=OuterRef("row_pk")).values(
                "batch__kind")[:1])
        )
        .values("feed_kind", "org_unit_id", "kind")
        .annotate(
            open=Count("id", filter=Q(status=WorkItem.Status.OPEN)),
            closed=Count("id", filter=~Q(status=WorkItem.Status.OPEN)),
        )
    )  # fmt: skip
    for g in items:
        unit = g["org_unit_id"]
        line = tally.line(g["feed_kind"] or "", unit if unit in tally.units else None)
        if line is None:
            continue
        code = g["kind"].removeprefix("discrepancy.")
        line.classes[code] = line.classes.get(code, 0) + g["open"] + g["closed"]
        line.open += g["open"]
        line.closed += g["closed"]


def _latest_run(user: User, month: dt.date) -> ReconcileRun | None:
    """The latest run of the month that compared the user's unit: a run of a unit that
    contains it (the county's) or lies inside it (a township's, seen by the county)."""
    assert user.org_unit is not None
    path = user.org_unit.path
    runs = ReconcileRun.objects.filter(month=month, is_latest=True).select_related("org_unit")
    for run in runs.order_by("-pk"):
        unit_path = run.org_unit.path if run.org_unit else ""
        if path.startswith(unit_path) or unit_path.startswith(path):
            return run
    return None


def monthly_report(*, user: User, month: dt.date) -> MonthlyReport:
    """The report for ``month`` (first day) over the villages in the user's scope."""
    assert user.org_unit is not None
    run = _latest_run(user, month)
    units = {u.pk: u for u in units_for_user(user).select_related("parent")}
    county = user.org_unit.parent_id is None
    tally = _Tally(units, county, user)
    if run is not None:
        _links(tally, run)
        _items(tally, month)
    lines: list[ReportLine] = []
    order = list(FEEDS)
    by_kind: dict[str, list[ReportLine]] = defaultdict(list)
    for line in tally.lines.values():
        by_kind[line.kind].append(line)
    for kind in sorted(by_kind, key=lambda k: order.index(k) if k in order else len(order)):
        rows = sorted(by_kind[kind], key=lambda r: (r.unit_id is None, r.township, r.village))
        total = ReportLine(
            kind=kind, kind_label=rows[0].kind_label, township="", village=str(_("合计")),
            unit_id=None, total=True,
        )  # fmt: skip
        for row in rows:
            total.add(row)
        lines.extend([*rows, total])
    configured = getattr(settings, "RENKOU_COMPARISON_TARGETS", {})
    targets = [
        TargetRate(
            code=t.code,
            label=str(t.label),
            target=float(configured.get(t.code, 1.0)),
            numerator=tally.num[t.code],
            denominator=tally.den[t.code],
        )
        for t in TARGETS
    ]
    classes = [(c.code, str(c.label)) for c in d.DISCREPANCIES]
    return MonthlyReport(month=month, run=run, lines=lines, targets=targets, classes=classes)
