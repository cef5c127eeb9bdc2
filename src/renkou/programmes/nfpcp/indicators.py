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

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from renkou.core.disclosure import Pattern, small_cell_min, suppress, tree_relations
from renkou.core.models import OrgUnit
from renkou.core.scoping import scope_filter
from renkou.programmes.models import (
    NfpcpCheck,
    NfpcpResult,
    NfpcpTally,
    NfpcpTargets,
    RiskLevel,
)
from renkou.programmes.nfpcp.services import (
    OUTCOME_DUE_DAYS,
    followed_within_12_weeks,
    targets_for_units,
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


def _count(checks: QuerySet[NfpcpCheck], period_end: dt.date) -> dict[int, list[int]]:
    """Each measure per unit the checks are attached to, from the checks themselves
    (their sealed fields opened one by one). Two queries, the lookup as a subquery."""
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
    return own


_RECOUNT_BATCH = 500  # villages per recount query (an IN list of unit keys)


def _unit_counts(root: OrgUnit, year: int) -> dict[int, list[int]]:
    """Each village's counts for the year under ``root``, from NfpcpTally: the villages
    whose row is stale or missing are recounted from their checks and stored — unless a
    change came while they were counted (the row's generation moved), in which case the
    fresh counts serve this page and the row stays stale for the next one."""
    rows = NfpcpTally.objects.filter(year=year, org_unit__path__startswith=root.path)
    counts: dict[int, list[int]] = {}
    stale: dict[int, tuple[int, int]] = {}  # unit → (row pk, generation)
    for pk, unit_id, generation, is_stale, stored in rows.values_list(
        "pk", "org_unit_id", "generation", "stale", "counts"
    ):
        if is_stale or len(stored) != len(MEASURES):
            stale[unit_id] = (pk, generation)
        else:
            counts[unit_id] = stored
    checks = NfpcpCheck.objects.filter(registered_on__year=year)
    with_checks = set(
        checks.filter(org_unit__path__startswith=root.path)
        .order_by()  # else the model's ordering joins the DISTINCT: a row per check
        .values_list("org_unit_id", flat=True)
        .distinct()
    )
    todo = sorted((with_checks - counts.keys()) | stale.keys())
    for i in range(0, len(todo), _RECOUNT_BATCH):
        batch = todo[i : i + _RECOUNT_BATCH]
        fresh = _count(checks.filter(org_unit_id__in=batch), dt.date(year, 12, 31))
        for unit_id in batch:
            counts[unit_id] = fresh.get(unit_id, [0] * len(MEASURES))
            _store(unit_id, year, counts[unit_id], stale.get(unit_id))
    return counts


def _store(unit_id: int, year: int, counts: list[int], row: tuple[int, int] | None) -> None:
    if row is not None:
        pk, generation = row
        NfpcpTally.objects.filter(pk=pk, generation=generation).update(counts=counts, stale=False)
        return
    try:  # a new check in the village creates the row first: then it stays stale
        with transaction.atomic():
            NfpcpTally.objects.create(org_unit_id=unit_id, year=year, counts=counts, stale=False)
    except IntegrityError:
        pass


def _tally(own: dict[int, list[int]]) -> dict[Key, int]:
    """Each measure per unit (a village's counts count in every unit up its path) and
    per unit's own part (the checks attached to the unit itself, not to one below it)."""
    paths = dict(OrgUnit.objects.filter(pk__in=own).values_list("pk", "path"))
    values: Counter[Key] = Counter()
    for unit_id, counts in own.items():
        ancestors = [int(p) for p in paths[unit_id].strip("/").split("/")]
        for measure, n in zip(MEASURES, counts, strict=True):
            values[(unit_id, measure, True)] += n
            for ancestor in ancestors:
                values[(ancestor, measure, False)] += n
    return dict(values)


# The last patterns decided, by everything they were decided from (the counts, the
# tree, the minimum): deciding one takes far longer than reading the counts, and most
# pages are asked for again before any count changes. Kept in this process only.
_PATTERNS: dict[tuple[Any, ...], Pattern[Key]] = {}
_PATTERNS_KEPT = 16


def _pattern(root: OrgUnit, own: dict[int, list[int]]) -> Pattern[Key]:
    """Which cells to hide, decided over the whole tree under ``root`` whoever looks, so
    a township's page and its county's hide the same cells (else one would give back
    what the other hides). It uses every unit's counts, not only the viewer's scope;
    only the pattern leaves this function."""
    children: dict[int, list[int]] = {}
    for pk, parent in (
        OrgUnit.objects.filter(path__startswith=root.path)
        .order_by("code")
        .values_list("pk", "parent_id")
    ):
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    key = (
        small_cell_min(),
        tuple((u, tuple(kids)) for u, kids in children.items()),
        tuple(sorted((u, tuple(counts)) for u, counts in own.items())),
    )
    pattern = _PATTERNS.get(key)
    if pattern is None:
        pattern = _decide(_tally(own), children)
        if len(_PATTERNS) >= _PATTERNS_KEPT:
            _PATTERNS.clear()
        _PATTERNS[key] = pattern
    return pattern


def _decide(values: dict[Key, int], children: dict[int, list[int]]) -> Pattern[Key]:
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


def _row(
    unit: OrgUnit, values: dict[Key, int], pattern: Pattern[Key], targets: NfpcpTargets
) -> UnitIndicators:

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


def indicators_by_unit(*, user: Any, year: int, unit: OrgUnit) -> list[UnitIndicators]:
    """One row per child unit of `unit` (villages of a township, townships of a county),
    then the row of `unit` itself as the total; each with its suppressed `shown` form.
    The figures count the checks of the user's scope under `unit`."""
    root = OrgUnit.objects.get(pk=int(unit.path.strip("/").split("/")[0]))
    own = _unit_counts(root, year)
    pattern = _pattern(root, own)
    visible = set(
        scope_filter(NfpcpTally.objects.filter(year=year), user)
        .filter(org_unit__path__startswith=unit.path)
        .values_list("org_unit_id", flat=True)
    )
    values = _tally({u: counts for u, counts in own.items() if u in visible})
    units = [*OrgUnit.objects.filter(parent=unit).order_by("code"), unit]
    targets = targets_for_units(units)
    return [_row(u, values, pattern, targets[u.pk]) for u in units]
