"""Coverage (覆盖率) = done ÷ (targets − approved exemptions), per village: GROUP BY queries.

The live figure is one grouped query over the campaign's targets joined to their items
(index campaigntarget_village_idx); the trend reads the dated snapshots.
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

_CLOSED = Q(work_item__status=WorkItem.Status.CLOSED)
_OTHER = (Outcome.MOVED, Outcome.DIED, Outcome.UNREACHABLE, Outcome.RESOLVED)


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


def _grouped(targets: Any) -> list[dict[str, Any]]:
    return list(
        targets.values("village_id")
        .annotate(
            n=Count("id"),
            n_day_one=Count("id", filter=Q(on_day_one=True)),
            n_exempt=Count("id", filter=_CLOSED & Q(work_item__outcome=Outcome.EXEMPT)),
            n_done=Count("id", filter=_CLOSED & Q(work_item__outcome=Outcome.DONE)),
            n_declined=Count("id", filter=_CLOSED & Q(work_item__outcome=Outcome.DECLINED)),
            n_other=Count("id", filter=_CLOSED & Q(work_item__outcome__in=_OTHER)),
            n_open=Count("id", filter=Q(work_item__status=WorkItem.Status.OPEN)),
            n_requested=Count(
                "id",
                filter=Q(
                    work_item__status=WorkItem.Status.OPEN, work_item__exemption_requested=True
                ),
            ),
        )
        .order_by()
    )


def campaign_coverage(campaign: Campaign, *, village_ids: set[int] | None = None) -> Coverage:
    """Coverage by village (two queries: the grouped counts, the village names).

    `village_ids` limits the rows to the villages a user may see."""
    targets = CampaignTarget.objects.filter(campaign=campaign)
    if village_ids is not None:
        targets = targets.filter(village_id__in=village_ids)
    data = _grouped(targets)
    units = {
        pk: (name, code)
        for pk, name, code in OrgUnit.objects.filter(
            pk__in=[d["village_id"] for d in data]
        ).values_list("pk", "name", "code")
    }
    rows: list[CoverageRow] = []
    total = CoverageRow(unit_id=campaign.org_unit_id, name=campaign.org_unit.name)
    day_one = 0
    for d in data:
        row = CoverageRow(
            unit_id=d["village_id"],
            name=units.get(d["village_id"], ("?", ""))[0],
            targets=d["n"],
            exempt=d["n_exempt"],
            done=d["n_done"],
            declined=d["n_declined"],
            other_closed=d["n_other"],
            outstanding=d["n_open"],
            requested=d["n_requested"],
        )
        rows.append(row)
        total.add(row)
        day_one += d["n_day_one"]
    rows.sort(key=lambda r: units.get(r.unit_id, ("", ""))[1])
    return Coverage(rows=rows, total=total, day_one=day_one, added=total.targets - day_one)


def campaign_rounds(campaign: Campaign) -> list[RoundRow]:
    """Each mop-up round: how many items it took in and how many are done now (1 query)."""
    rounds = (
        MopUpRound.objects.filter(campaign=campaign)
        .annotate(
            n=Count("targets"),
            n_done=Count(
                "targets",
                filter=Q(
                    targets__work_item__status=WorkItem.Status.CLOSED,
                    targets__work_item__outcome=Outcome.DONE,
                ),
            ),
            n_open=Count("targets", filter=Q(targets__work_item__status=WorkItem.Status.OPEN)),
        )
        .order_by("number")
    )
    return [
        RoundRow(
            number=r.number,
            due_date=r.due_date,
            started_at=r.started_at,
            in_round=r.n,
            done=r.n_done,
            still_open=r.n_open,
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


def campaign_trend(campaign: Campaign, live: Coverage, *, limit: int = 60) -> list[TrendPoint]:
    """The last snapshots (one per day: the latest of the day) and the live figure."""
    snaps = list(
        CoverageSnapshot.objects.filter(campaign=campaign)
        .order_by("-taken_at", "-id")
        .values("day", "reason", "targets", "exempt", "done", "outstanding")[: limit * 4]
    )
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
