"""The four indicators of the programme, per village (or township) for a year.

- coverage: couples checked (results in) ÷ couples registered as planning a pregnancy;
- early-pregnancy follow-up rate: pregnancies followed up within 12 weeks of gestation ÷
  couples known to be pregnant after the check;
- outcome follow-up rate: outcomes followed up ÷ pregnancies whose follow-up is due
  (LMP + 280 + 42 days on or before the end of the period) or already done;
- high-risk rate: couples assessed as high risk ÷ couples assessed.
Each is compared with the targets of the nearest unit (NfpcpTargets).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from renkou.core.models import OrgUnit
from renkou.core.scoping import scope_filter
from renkou.programmes.models import NfpcpCheck, NfpcpResult, NfpcpTargets, RiskLevel
from renkou.programmes.nfpcp.services import OUTCOME_DUE_DAYS, early_followup_timely, targets_for


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
class UnitIndicators:
    unit: OrgUnit
    registered: int
    coverage: Rate
    early_followup: Rate
    outcome_followup: Rate
    high_risk: Rate
    targets: NfpcpTargets

    @property
    def high_risk_in_band(self) -> bool | None:
        value = self.high_risk.value
        if value is None:
            return None
        return self.targets.high_risk_low <= value <= self.targets.high_risk_high


def _compute(
    unit: OrgUnit, checks: list[NfpcpCheck], examined_ids: set[int], period_end: dt.date
) -> UnitIndicators:
    targets = targets_for(unit)
    examined = [c for c in checks if c.pk in examined_ids]
    assessed = [c for c in checks if c.assessed_on is not None]
    pregnant = [c for c in checks if c.pregnant]
    outcome_due = [
        c for c in pregnant
        if c.outcome_followup_on or (
            c.lmp is not None and c.lmp + dt.timedelta(days=OUTCOME_DUE_DAYS) <= period_end)
    ]  # fmt: skip
    return UnitIndicators(
        unit=unit,
        registered=len(checks),
        coverage=Rate(len(examined), len(checks), targets.coverage),
        early_followup=Rate(
            sum(1 for c in pregnant if early_followup_timely(c)),
            len(pregnant),
            targets.early_followup,
        ),
        outcome_followup=Rate(
            sum(1 for c in outcome_due if c.outcome_type),
            len(outcome_due),
            targets.outcome_followup,
        ),
        high_risk=Rate(sum(1 for c in assessed if c.risk_level == RiskLevel.HIGH), len(assessed)),
        targets=targets,
    )


# Sealed columns the rates do not read: each would cost an opening per check (ADR 0009).
_UNUSED_SEALED = ("risk_factors", "counselling_class", "advice", "referred_on", "referred_to",
                  "referral_reason", "outcome_date", "closed_reason")  # fmt: skip


def checks_for_year(*, user: Any, year: int) -> QuerySet[NfpcpCheck]:
    rows = NfpcpCheck.objects.filter(registered_on__year=year).select_related("org_unit")
    return scope_filter(rows, user)


def indicators_by_unit(*, user: Any, year: int, unit: OrgUnit) -> list[UnitIndicators]:
    """One row per child unit of `unit` (villages of a township, townships of a county),
    then the row of `unit` itself as the total."""
    checks = list(
        checks_for_year(user=user, year=year)
        .filter(org_unit__path__startswith=unit.path)
        .defer(*_UNUSED_SEALED)
    )
    end = dt.date(year, 12, 31)
    examined_ids = set(
        NfpcpResult.objects.filter(check_record__in=[c.pk for c in checks])
        .values_list("check_record_id", flat=True)
        .distinct()
    )
    rows = []
    children = OrgUnit.objects.filter(parent=unit).order_by("code")
    for child in children:
        mine = [c for c in checks if c.org_unit.path.startswith(child.path)]
        rows.append(_compute(child, mine, examined_ids, end))
    rows.append(_compute(unit, checks, examined_ids, end))
    return rows
