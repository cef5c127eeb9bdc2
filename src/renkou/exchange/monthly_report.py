"""The monthly comparison report (比对报告) for the meeting on the 3rd (DOMAIN.md §4–5).

What it counts, for the month's comparisons, by department (feed kind) and unit:

- **收到 received**: feed subjects — one per row, two for a marriage row (husband, wife).
- **自动匹配 linked automatically**: the link has a person and needed no review
  (``FeedLink.review`` empty).
- **审核后匹配 linked after review**: ``FeedLink.review == "confirmed"``.
- **待审核 pending**: ``review == "pending"``; **未匹配 unlinked**: the rest (no person,
  or review rejected).
- **差异 discrepancies by class, open / closed**: the ledger items the comparisons of the
  month opened (``WorkItem.source == "reconcile:YYYY-MM"``), by class and current status;
  one discrepancy (class, person, feed row) counts once however often the month ran (a
  re-run closes those it no longer finds). **重登** counts the pairs the month's rows
  of that department found (the item names the row: exchange/refs.py).

A subject counts where its link placed it when the comparison stored it
(``FeedLink.org_unit``): its (candidate) person's managing unit, else the unit of the
item the comparison opened for the unlinked row (placed by the address in the row); a
subject with neither is "未定位" and only the county sees it. An item counts in its unit.

The county sees one line per township, each opening that township's villages; a
township sees its villages. Subjects and items placed at the county or township itself
(not in a village) are a line "未落实到乡镇" / "未落实到村".

County targets (``settings.RENKOU_COMPARISON_TARGETS``), each a rate over the month's
subjects in scope, numerator = subjects the register reflects: linked (automatically
or confirmed after review) and with no discrepancy recorded on the link but the
informative 人户分离 (DOMAIN.md §5):

- ``police_births`` (≥ 90 %): police rows of type birth (新生儿入户);
- ``police_moves`` (≥ 90 %): police rows of type move_in or move_out;
- ``marriages`` (≥ 95 %): civil-affairs rows of type marriage or remarriage, each side
  with a register person (a side linked to nobody is a spouse from elsewhere);
- ``birth_notifications`` (100 %): hospital birth certificates (linked through the
  mother).

A set with no subjects has no rate (shown as —), never 0 % or 100 %.

The numbers come from the month's tallies (report_tally.py), kept up to date as the
links and items change: a handful of small queries whatever the county's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Sum
from django.http import Http404
from django.utils.translation import gettext as _

from renkou.core.models import OrgUnit, User
from renkou.core.scoping import scope_filter, units_for_user
from renkou.exchange import discrepancies as d
from renkou.exchange.feeds import FEEDS
from renkou.exchange.models import ReconcileRun, ReportTally
from renkou.exchange.report_tally import (
    AUTO,
    PENDING,
    RECEIVED,
    REVIEWED,
    TARGETS,
    tally_month_ready,
)

__all__ = [
    "TARGETS", "MonthlyReport", "ReportLine", "TargetRate", "monthly_report", "report_unit",
]  # fmt: skip

Measures = dict[str, int]
_ROLLS_UP = (OrgUnit.Level.COUNTY, OrgUnit.Level.TOWNSHIP)


@dataclass
class ReportLine:
    """One department × unit (a township rolled up, a village, a residual line), or the
    department's total when ``total``."""

    kind: str
    kind_label: str
    township: str
    village: str
    unit_id: int | None
    drill: bool = False  # a township line of the county's report: opens its villages
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

    @property
    def counts(self) -> list[int]:
        """The line's numbers in column order (page, print and Excel alike)."""
        return [self.received, self.auto, self.reviewed, self.pending, self.unlinked,
                *self.class_counts(), self.open, self.closed]  # fmt: skip

    def filled(self, measures: Measures) -> ReportLine:
        """The line with the tallies' measures (report_tally) in its columns."""
        self.received = measures.get(RECEIVED, 0)
        self.auto, self.reviewed = measures.get(AUTO, 0), measures.get(REVIEWED, 0)
        self.pending = measures.get(PENDING, 0)
        for measure, n in measures.items():
            status, _sep, code = measure.partition(":")
            if status in ("open", "closed") and n:
                self.classes[code] = self.classes.get(code, 0) + n
                self.open += n if status == "open" else 0
                self.closed += n if status == "closed" else 0
        return self


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
    unit: OrgUnit  # whose report: the user's unit, or a township the county opened
    up: OrgUnit | None  # the report one level up, when the user may read it
    lines: list[ReportLine]  # unit lines and per-kind totals, in display order
    targets: list[TargetRate]
    classes: list[tuple[str, str]]  # (code, label) in column order

    @property
    def columns(self) -> int:
        return 3 + 5 + len(self.classes) + 2


def report_unit(*, user: User, pk: str = "") -> OrgUnit:
    """The unit whose report ``user`` reads: their own (``pk`` empty), or a county or
    township unit inside their scope (the county opening a township); else 404."""
    assert user.org_unit is not None
    if not pk:
        return user.org_unit
    if not pk.isdigit():
        raise Http404
    unit = units_for_user(user).filter(pk=int(pk), level__in=_ROLLS_UP).first()
    if unit is None:
        raise Http404
    return unit


def _latest_run(unit: OrgUnit, month: dt.date) -> ReconcileRun | None:
    """The latest run of the month that compared ``unit``: a run of a unit that contains
    it (the county's) or lies inside it (a township's, seen by the county)."""
    path = unit.path
    runs = ReconcileRun.objects.filter(month=month, is_latest=True).select_related("org_unit")
    for run in runs.order_by("-pk"):
        unit_path = run.org_unit.path if run.org_unit else ""
        if path.startswith(unit_path) or unit_path.startswith(path):
            return run
    return None


def _sums(
    user: User, unit: OrgUnit, children: list[OrgUnit], month: dt.date
) -> dict[tuple[str, int | None], Measures]:
    """(kind, unit or None) → measure → count, for ``unit``, its children and (the
    county's report) the subjects placed nowhere."""
    wanted = [unit.pk, *(c.pk for c in children)]
    rows = scope_filter(ReportTally.objects.filter(month=month), user).filter(org_unit__in=wanted)
    groups = [rows]
    if unit.parent_id is None:
        groups.append(ReportTally.objects.filter(month=month, org_unit__isnull=True))
    out: dict[tuple[str, int | None], Measures] = defaultdict(lambda: defaultdict(int))
    for group in groups:
        summed = group.order_by().values("feed_kind", "org_unit_id", "measure").annotate(n=Sum("n"))
        for g in summed:
            out[(g["feed_kind"], g["org_unit_id"])][g["measure"]] += g["n"]
    return out


def _combined(whole: Measures, parts: list[Measures], sign: int = -1) -> Measures:
    """``whole`` minus (``sign`` -1) or plus (+1) the ``parts``; zeros left out."""
    out = dict(whole)
    for part in parts:
        for measure, n in part.items():
            out[measure] = out.get(measure, 0) + sign * n
    return {m: n for m, n in out.items() if n}


def _kind_lines(
    kind: str, unit: OrgUnit, children: list[OrgUnit], sums: dict[tuple[str, int | None], Measures]
) -> list[ReportLine]:
    feed = FEEDS.get(kind)
    label = str(feed.label) if feed else kind

    def line(township: str, village: str, unit_id: int | None, measures: Measures) -> ReportLine:
        return ReportLine(kind=kind, kind_label=label, township=township, village=village,
                          unit_id=unit_id).filled(measures)  # fmt: skip

    county = unit.parent_id is None
    lines: list[ReportLine] = []
    parts: list[Measures] = []
    for child in children:
        measures = sums.get((kind, child.pk))
        if not measures or not any(measures.values()):
            continue
        parts.append(measures)
        if child.level == OrgUnit.Level.TOWNSHIP:
            lines.append(line(child.name, "", child.pk, measures))
            lines[-1].drill = True
        else:
            lines.append(line(unit.name, child.name, child.pk, measures))
    own = sums.get((kind, unit.pk), {})
    rest = _combined(own, parts)
    if rest:
        residual = _("未落实到乡镇") if county else _("未落实到村")
        lines.append(line("" if county else unit.name, residual, unit.pk, rest))
    nowhere = sums.get((kind, None), {}) if county else {}
    if any(nowhere.values()):
        lines.append(line("", _("未定位"), None, nowhere))
    if not lines:
        return []
    total = line("", _("合计"), None, _combined(own, [nowhere], sign=1))
    total.total = True
    return [*lines, total]


def _targets(
    kinds: list[str], unit: OrgUnit, sums: dict[tuple[str, int | None], Measures]
) -> list[TargetRate]:
    """Each target over the subjects of ``unit`` (and, the county's, those placed nowhere)."""
    configured = getattr(settings, "RENKOU_COMPARISON_TARGETS", {})
    places: list[int | None] = [unit.pk] + ([None] if unit.parent_id is None else [])
    found = [sums.get((kind, place), {}) for kind in kinds for place in places]
    return [
        TargetRate(
            code=t.code,
            label=str(t.label),
            target=float(configured.get(t.code, 1.0)),
            numerator=sum(m.get(f"num:{t.code}", 0) for m in found),
            denominator=sum(m.get(f"den:{t.code}", 0) for m in found),
        )
        for t in TARGETS
    ]


def monthly_report(*, user: User, month: dt.date, unit: OrgUnit | None = None) -> MonthlyReport:
    """The report for ``month`` (first day) of ``unit`` (default: the user's; see
    ``report_unit``): one line per unit below it, in the user's scope."""
    assert user.org_unit is not None
    unit = unit or user.org_unit
    run = _latest_run(unit, month)
    up = None
    if unit.parent_id is not None and unit.pk != user.org_unit.pk:
        up = units_for_user(user).filter(pk=unit.parent_id).first()
    lines: list[ReportLine] = []
    sums: dict[tuple[str, int | None], Measures] = {}
    children: list[OrgUnit] = []
    if run is not None:
        tally_month_ready(month, actor=user)
        children = list(units_for_user(user).filter(parent=unit).order_by("code", "pk"))
        sums = _sums(user, unit, children, month)
    order = list(FEEDS)
    kinds = sorted({k for k, _u in sums}, key=lambda k: (k not in order, order.index(k)
                                                          if k in order else 0, k))  # fmt: skip
    for kind in kinds:
        lines.extend(_kind_lines(kind, unit, children, sums))
    targets = _targets(kinds, unit, sums)
    classes = [(c.code, str(c.label)) for c in d.DISCREPANCIES]
    return MonthlyReport(month=month, run=run, unit=unit, up=up, lines=lines, targets=targets,
                         classes=classes)  # fmt: skip
