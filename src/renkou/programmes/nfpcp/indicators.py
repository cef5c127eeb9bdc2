"""The four indicators of the programme, per village (or township) for a year.

- coverage: couples checked (results in) ÷ couples registered as planning a pregnancy;
- early-pregnancy follow-up rate: pregnancies followed up within 12 weeks of gestation ÷
  couples known to be pregnant after the check;
- outcome follow-up rate: outcomes followed up ÷ pregnancies whose follow-up is due
  (LMP + 280 + 42 days on or before the end of the period) or already done;
- high-risk rate: couples assessed as high risk ÷ couples assessed.
Each is compared with the targets of the nearest unit (NfpcpTargets).

Every count is a count of couples, so the table goes through small-cell suppression
(core.disclosure) before anyone sees it: `UnitIndicators.shown` is what a page, a
print or an export may show.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from renkou.core.disclosure import Pattern, suppress, tree_relations
from renkou.core.models import OrgUnit
from renkou.core.scoping import scope_filter
from renkou.programmes.models import NfpcpCheck, NfpcpResult, NfpcpTargets, RiskLevel
from renkou.programmes.nfpcp.services import (
    OUTCOME_DUE_DAYS,
    followed_within_12_weeks,
    targets_for,
)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    target: Decimal | None = None  # a floor; None for the high-risk band

    @property
    def value(self) -> Decimal | None:
        if self.denominator == 0:
            return None
        return (Decimal(self.numerator) / Decimal(self.denominator)).quantize(Decimal("0.001"))

    @property
    def percent(self) -> str:
        value = self.value
        return "—" if value is None else f"{value * 100:.1f}%"

    @property
    def meets(self) -> bool | None:
        value = self.value
        if value is None or self.target is None:
            return None
        return value >= self.target


@dataclass(frozen=True)
class ShownRate:
    """A rate as it may be shown: its counts ("<5", "*" when suppressed), its percent
    ("*" when a count is suppressed) and whether it is flagged (never when hidden)."""

    percent: str
    numerator: int | str
    denominator: int | str
    warn: bool


@dataclass(frozen=True)
class Shown:
    registered: int | str
    coverage: ShownRate
    early_followup: ShownRate
    outcome_followup: ShownRate
    high_risk: ShownRate


@dataclass(frozen=True)
class UnitIndicators:
    unit: OrgUnit
    registered: int
    coverage: Rate
    early_followup: Rate
    outcome_followup: Rate
    high_risk: Rate
    targets: NfpcpTargets
    shown: Shown

    @property
    def high_risk_in_band(self) -> bool | None:
        return _in_band(self.high_risk, self.targets)


def _in_band(rate: Rate, targets: NfpcpTargets) -> bool | None:
    value = rate.value
    if value is None:
        return None
    return targets.high_risk_low <= value <= targets.high_risk_high


# The counts behind the four rates (each rate is one of them over another).
MEASURES = ("registered", "examined", "early_timely", "pregnant", "outcome_done",
            "outcome_due", "high_risk", "assessed")  # fmt: skip
Key = tuple[int, str, bool]  # (unit pk, measure, the unit's own part only)


_FIELDS = ("pk", "org_unit_id", "assessed_on", "risk_level", "pregnant", "lmp",
           "early_followup_on", "outcome_followup_on", "outcome_type")  # fmt: skip


def _flags(row: tuple[Any, ...], examined: set[int], period_end: dt.date) -> list[int]:
    """What one check (its _FIELDS) counts towards, in the order of MEASURES."""
    pk, _unit, assessed_on, risk_level, pregnant, lmp, early_on, outcome_on, outcome = row
    due = bool(pregnant) and bool(
        outcome_on or (lmp is not None and lmp + dt.timedelta(days=OUTCOME_DUE_DAYS) <= period_end)
    )
    timely = bool(pregnant) and followed_within_12_weeks(lmp=lmp, followed_on=early_on)
    assessed = assessed_on is not None
    # registered, examined, early_timely, pregnant, outcome_done, outcome_due, high_risk,
    # assessed
    return [1, int(pk in examined), int(timely), int(bool(pregnant)),
            int(due and bool(outcome)), int(due), int(assessed and risk_level == RiskLevel.HIGH),
            int(assessed)]  # fmt: skip


def _tally(checks: QuerySet[NfpcpCheck], period_end: dt.date) -> dict[Key, int]:
    """Each measure per unit (a check counts in every unit up its path) and per unit's
    own part (the checks attached to the unit itself, not to a unit below it). Three
    queries, the two lookups as subqueries (a county's checks overflow an IN list)."""
    examined = set(
        NfpcpResult.objects.filter(check_record__in=checks.values("pk"))
        .values_list("check_record_id", flat=True)
        .distinct()
    )
    own: dict[int, list[int]] = {}
    for row in checks.values_list(*_FIELDS).iterator(chunk_size=2000):
        counts = own.setdefault(row[1], [0] * len(MEASURES))
        for i, n in enumerate(_flags(row, examined, period_end)):
            counts[i] += n
    paths = dict(OrgUnit.objects.filter(pk__in=own).values_list("pk", "path"))
    values: Counter[Key] = Counter()
    for unit_id, counts in own.items():
        ancestors = [int(p) for p in paths[unit_id].strip("/").split("/")]
        for measure, n in zip(MEASURES, counts, strict=True):
            values[(unit_id, measure, True)] += n
            for ancestor in ancestors:
                values[(ancestor, measure, False)] += n
    return dict(values)


def _pattern(root: OrgUnit, year: int) -> Pattern[Key]:
    """Which cells to hide, decided over the whole tree under ``root`` whoever looks, so
    a township's page and its county's hide the same cells (else one would give back
    what the other hides). It reads every unit's counts, not only the viewer's scope;
    only the pattern leaves this function."""
    rows = NfpcpCheck.objects.filter(registered_on__year=year, org_unit__path__startswith=root.path)
    values = _tally(rows, dt.date(year, 12, 31))
    children: dict[int, list[int]] = {}
    for pk, parent in (
        OrgUnit.objects.filter(path__startswith=root.path)
        .order_by("code")
        .values_list("pk", "parent_id")
    ):
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    relations = []
    for measure in MEASURES:
        relations += tree_relations(
            {(u, measure, False): [(c, measure, False) for c in kids]
             for u, kids in children.items()},
            own={(u, measure, False): (u, measure, True) for u in children},
        )  # fmt: skip
    return suppress(values, relations)


def _shown_rate(
    rate: Rate, keys: tuple[Key, Key], pattern: Pattern[Key], *, warn: bool
) -> ShownRate:
    hidden = pattern.hidden(*keys)
    return ShownRate(
        percent=pattern.rate(rate.percent, *keys),
        numerator=pattern.count(keys[0]),
        denominator=pattern.count(keys[1]),
        warn=warn and not hidden,
    )


def _row(unit: OrgUnit, values: dict[Key, int], pattern: Pattern[Key]) -> UnitIndicators:
    targets = targets_for(unit)

    def key(measure: str) -> Key:
        return (unit.pk, measure, False)

    def rate(num: str, den: str, target: Decimal | None = None) -> Rate:
        return Rate(values.get(key(num), 0), values.get(key(den), 0), target)

    coverage = rate("examined", "registered", targets.coverage)
    early = rate("early_timely", "pregnant", targets.early_followup)
    outcome = rate("outcome_done", "outcome_due", targets.outcome_followup)
    high = rate("high_risk", "assessed")
    return UnitIndicators(
        unit=unit, registered=coverage.denominator, coverage=coverage, early_followup=early,
        outcome_followup=outcome, high_risk=high, targets=targets,
        shown=Shown(
            registered=pattern.count(key("registered")),
            coverage=_shown_rate(coverage, (key("examined"), key("registered")), pattern,
                                 warn=coverage.meets is False),
            early_followup=_shown_rate(early, (key("early_timely"), key("pregnant")), pattern,
                                       warn=early.meets is False),
            outcome_followup=_shown_rate(outcome, (key("outcome_done"), key("outcome_due")),
                                         pattern, warn=outcome.meets is False),
            high_risk=_shown_rate(high, (key("high_risk"), key("assessed")), pattern,
                                  warn=_in_band(high, targets) is False),
        ),
    )  # fmt: skip


def checks_for_year(*, user: Any, year: int) -> QuerySet[NfpcpCheck]:
    return scope_filter(NfpcpCheck.objects.filter(registered_on__year=year), user)


def indicators_by_unit(*, user: Any, year: int, unit: OrgUnit) -> list[UnitIndicators]:
    """One row per child unit of `unit` (villages of a township, townships of a county),
    then the row of `unit` itself as the total; each with its suppressed `shown` form."""
    checks = checks_for_year(user=user, year=year).filter(org_unit__path__startswith=unit.path)
    values = _tally(checks, dt.date(year, 12, 31))
    root = OrgUnit.objects.get(pk=int(unit.path.strip("/").split("/")[0]))
    pattern = _pattern(root, year)
    children = OrgUnit.objects.filter(parent=unit).order_by("code")
    return [_row(u, values, pattern) for u in [*children, unit]]
