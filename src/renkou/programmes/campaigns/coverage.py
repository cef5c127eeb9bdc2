"""Coverage (覆盖率) = done ÷ (targets − approved exemptions), per village: GROUP BY queries.

The live figure is one grouped query over the campaign's work items (an index-only scan
of worklists' workitem_source_idx, no join); the trend reads the dated snapshots.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from renkou.core.models import OrgUnit
from renkou.programmes.models import Campaign, CampaignTarget, CoverageSnapshot, MopUpRound
from renkou.worklists.models import WorkItem
from renkou.worklists.outcomes import Outcome


def coverage_percent(done: int, targets: int, exempt: int) -> float | None:
    base = targets - exempt
    return round(100 * done / base, 1) if base > 0 else None


@dataclass
class CoverageRow:
    unit_id: int
    name: str
    targets: int = 0
    exempt: int = 0
    done: int = 0
    declined: int = 0
    other_closed: int = 0
    outstanding: int = 0
    requested: int = 0  # open items with an exemption request awaiting approval

    @property
    def coverage(self) -> float | None:
        return coverage_percent(self.done, self.targets, self.exempt)

    def add(self, other: CoverageRow) -> None:
        for name in ("targets", "exempt", "done", "declined", "other_closed", "outstanding"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.requested += other.requested


@dataclass
class Coverage:
    rows: list[CoverageRow]
    total: CoverageRow
    day_one: int = 0
    added: int = 0


@dataclass
class RoundRow:
    number: int
    due_date: Any
    started_at: Any
    in_round: int
    done: int
    still_open: int

    @property
    def coverage(self) -> float | None:
        return round(100 * self.done / self.in_round, 1) if self.in_round else None


def viewing_unit(campaign: Campaign, unit: OrgUnit | None) -> OrgUnit | None:
    """The part of a campaign a user looks at: None for the whole campaign, or the
    user's own unit when the campaign is run above it (a township in a county
    campaign sees its own villages)."""
    if unit is None or unit.pk == campaign.org_unit_id:
        return None
    if unit.path.startswith(campaign.org_unit.path):
        return unit
    return None


def _grouped(campaign: Campaign, within: OrgUnit | None = None) -> list[dict[str, Any]]:
    """Counts by (village, status, outcome, exemption requested) of the campaign's items:
    an index-only scan of workitem_source_idx (a target's item lives in its village)."""
    items = WorkItem.objects.filter(source=campaign.source)
    if within is not None:
        items = items.filter(org_unit__path__startswith=within.path)
    return list(
        items.values("org_unit_id", "status", "outcome", "exemption_requested")
        .annotate(n=Count("id"))
        .order_by()
    )


def _add(row: CoverageRow, d: dict[str, Any]) -> None:
    n = d["n"]
    row.targets += n
    if d["status"] == WorkItem.Status.OPEN:
        row.outstanding += n
        row.requested += n if d["exemption_requested"] else 0
    elif d["outcome"] == Outcome.EXEMPT:
        row.exempt += n
    elif d["outcome"] == Outcome.DONE:
        row.done += n
    elif d["outcome"] == Outcome.DECLINED:
        row.declined += n
    else:
        row.other_closed += n


def campaign_coverage(campaign: Campaign, within: OrgUnit | None = None) -> Coverage:
    """Coverage by village (of ``within`` only, when given): two queries (the grouped
    counts, the village names)."""
    data = _grouped(campaign, within)
    units = {
        pk: (name, code)
        for pk, name, code in OrgUnit.objects.filter(
            pk__in={d["org_unit_id"] for d in data}
        ).values_list("pk", "name", "code")
    }
    by_unit: dict[int, CoverageRow] = {}
    scope = within or campaign.org_unit
    total = CoverageRow(unit_id=scope.pk, name=scope.name)
    for d in data:
        unit_id = d["org_unit_id"]
        row = by_unit.get(unit_id)
        if row is None:
            row = by_unit[unit_id] = CoverageRow(
                unit_id=unit_id, name=units.get(unit_id, ("?", ""))[0]
            )
        _add(row, d)
        _add(total, d)
    rows = sorted(by_unit.values(), key=lambda r: units.get(r.unit_id, ("", ""))[1])
    day_one = campaign.day_one_count
    if within is not None:
        day_one = CampaignTarget.objects.filter(
            campaign=campaign, on_day_one=True, village__path__startswith=within.path
        ).count()
    return Coverage(rows=rows, total=total, day_one=day_one, added=total.targets - day_one)


def campaign_rounds(campaign: Campaign, within: OrgUnit | None = None) -> list[RoundRow]:
    """Each mop-up round: the items it took in (recorded when it started), how many of
    them are done since and how many are still open: one scan of the campaign's items.

    An item belongs to a round if it was open when the round started, so "done since"
    counts items opened before the round and closed "done" after it began. (A township
    reopening an item closed before the round, then closing it again, is the one case
    this counts in a round the item was not in; MopUpRound.targets keeps the exact list.)
    ``within``: a township's part of a county campaign only."""
    rounds = list(MopUpRound.objects.filter(campaign=campaign).order_by("number"))
    if not rounds:
        return []
    counts: dict[str, Any] = {}
    for r in rounds:
        before = Q(opened_at__lt=r.started_at)
        done = Q(status=WorkItem.Status.CLOSED, outcome=Outcome.DONE, closed_at__gte=r.started_at)
        counts[f"done_{r.number}"] = Count("id", filter=before & done)
        counts[f"open_{r.number}"] = Count("id", filter=before & Q(status=WorkItem.Status.OPEN))
        if within is not None:
            counts[f"in_{r.number}"] = Count("id", filter=before & (
                Q(status=WorkItem.Status.OPEN) | Q(closed_at__gte=r.started_at)))  # fmt: skip
    first = rounds[0].started_at
    live = Q(status=WorkItem.Status.OPEN) | Q(closed_at__gte=first)
    items = WorkItem.objects.filter(live, source=campaign.source)
    if within is not None:
        items = items.filter(org_unit__path__startswith=within.path)
    totals = items.aggregate(**counts)
    return [
        RoundRow(
            number=r.number,
            due_date=r.due_date,
            started_at=r.started_at,
            in_round=r.item_count if within is None else totals[f"in_{r.number}"],
            done=totals[f"done_{r.number}"],
            still_open=totals[f"open_{r.number}"],
        )
        for r in rounds
    ]


def snapshot_take(campaign: Campaign, *, reason: str) -> CoverageSnapshot:
    """Write the campaign's current coverage as a dated snapshot (caller checks rights)."""
    cov = campaign_coverage(campaign)
    now = timezone.now()
    rows = [{k: v for k, v in asdict(r).items() if k != "requested"} for r in cov.rows]
    t = cov.total
    return CoverageSnapshot.objects.create(
        campaign=campaign,
        taken_at=now,
        day=timezone.localdate(now),
        reason=reason,
        targets=t.targets,
        exempt=t.exempt,
        done=t.done,
        declined=t.declined,
        other_closed=t.other_closed,
        outstanding=t.outstanding,
        rows=rows,
    )


@dataclass
class TrendPoint:
    day: Any
    reason: str
    coverage: float | None
    done: int
    outstanding: int
    live: bool = False
    width: int = field(default=0)


def _part(snapshot: dict[str, Any], units: set[int]) -> dict[str, Any]:
    """A snapshot's totals over some villages only (from its per-village rows)."""
    part = {"day": snapshot["day"], "reason": snapshot["reason"]}
    for key in ("targets", "exempt", "done", "outstanding"):
        part[key] = sum(r.get(key, 0) for r in snapshot["rows"] if r.get("unit_id") in units)
    return part


def campaign_trend(
    campaign: Campaign, live: Coverage, *, limit: int = 60, within: OrgUnit | None = None
) -> list[TrendPoint]:
    """The last snapshots (one per day: the latest of the day) and the live figure;
    ``within`` sums each snapshot over that unit's villages only."""
    fields = ["day", "reason", "targets", "exempt", "done", "outstanding"]
    rows = CoverageSnapshot.objects.filter(campaign=campaign).order_by("-taken_at", "-id")
    if within is None:
        snaps = list(rows.values(*fields)[: limit * 4])
    else:
        units = set(
            OrgUnit.objects.filter(path__startswith=within.path).values_list("pk", flat=True)
        )
        snaps = [_part(s, units) for s in rows.values(*fields, "rows")[: limit * 4]]
    by_day: dict[Any, Any] = {}
    for s in snaps:
        by_day.setdefault(s["day"], s)
    points = [
        TrendPoint(
            day=s["day"],
            reason=str(CoverageSnapshot.Reason(s["reason"]).label),
            coverage=coverage_percent(s["done"], s["targets"], s["exempt"]),
            done=s["done"],
            outstanding=s["outstanding"],
        )
        for s in sorted(by_day.values(), key=lambda s: s["day"])[-limit:]
    ]
    t = live.total
    points.append(
        TrendPoint(
            day=timezone.localdate(),
            reason="",
            coverage=t.coverage,
            done=t.done,
            outstanding=t.outstanding,
            live=True,
        )
    )
    for p in points:
        p.width = round(p.coverage or 0)
    return points
