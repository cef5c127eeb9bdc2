"""Life events of register people during the simulated months.

Sizes are set by the feeds: one month of all four feeds is about people/10 rows, 90 % of
them about a register person. Event subjects are drawn once for the whole period, each
person at most one event (a person who dies does not also marry), from age-weighted pools.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renkou.synth import households as hh
from renkou.synth.dates import DAYS_PER_YEAR as YEAR
from renkou.synth.dates import month_start
from renkou.synth.population import Population
from renkou.synth.rng import weighted_sample

KINDS = ("police", "birth_cert", "marriage", "pupil")
FEED_SHARES = {"police": 0.15, "birth_cert": 0.04, "marriage": 0.04}  # pupils: the rest
NONE_SHARE = 0.10
POLICE_MIX = (("迁入", 0.4), ("迁出", 0.4), ("死亡", 0.2))
MARRIAGE_MIX = (("结婚", 0.70), ("离婚", 0.20), ("复婚", 0.10))
LEAD_MONTHS = 2  # births this many months before the first can still reach the police


@dataclass
class Plan:
    """Rows per month: total per feed kind and how many are about nobody we hold."""

    months: int
    start: str
    rows: dict[str, np.ndarray]  # kind -> rows per month
    none: dict[str, np.ndarray]

    def month_bounds(self, m: int) -> tuple[int, int]:
        """First day and one past the last day of month ``m`` (may be negative)."""
        return month_start(self.start, m), month_start(self.start, m + 1)


@dataclass
class Events:
    """One kind of event: who, in which month, on which day."""

    person: np.ndarray
    month: np.ndarray
    day: np.ndarray

    def in_month(self, m: int) -> np.ndarray:
        """Indices (into this event list) of the events of month ``m``."""
        return np.flatnonzero(self.month == m)


def plan_rows(people: int, months: int, start: str) -> Plan:
    """Feed sizes per month: all four feeds together about ``people / 10`` rows."""
    total = max(20, round(people / 10))
    sizes = {k: round(total * s) for k, s in FEED_SHARES.items()}
    sizes["pupil"] = total - sum(sizes.values())
    rows = {k: np.full(months, n, dtype=np.int64) for k, n in sizes.items()}
    none = {k: np.round(r * NONE_SHARE).astype(np.int64) for k, r in rows.items()}
    return Plan(months=months, start=start, rows=rows, none=none)


def births_per_month(plan: Plan) -> np.ndarray:
    """Newborns of register mothers per month, lead months included."""
    per = plan.rows["birth_cert"][0] - plan.none["birth_cert"][0]
    return np.full(plan.months + LEAD_MONTHS, per)


def spread(
    rng: np.random.Generator, plan: Plan, chosen: np.ndarray, need: np.ndarray, first: int
) -> Events:
    """Give the chosen people months (in order of need) and days within their month."""
    chosen = rng.permutation(chosen)
    month = np.repeat(np.arange(first, first + need.size), need)[: chosen.size]
    bounds = np.array([plan.month_bounds(m)[0] for m in range(first, first + need.size + 1)])
    lo, hi = bounds[month - first], bounds[month - first + 1]
    day = lo + (rng.random(chosen.size) * (hi - lo)).astype(np.int64)
    return Events(person=chosen, month=month, day=day)


def draw(
    rng: np.random.Generator,
    plan: Plan,
    weight: np.ndarray,
    need: np.ndarray,
    *,
    busy: np.ndarray,
    first: int = 0,
) -> Events:
    """People for events of one kind (weighted, at most one event per person)."""
    chosen = weighted_sample(rng, np.where(busy, 0.0, weight), int(need.sum()))
    busy[chosen] = True
    return spread(rng, plan, chosen, need, first)


def ages(pop: Population) -> np.ndarray:
    """Age in years (float) on the snapshot day."""
    return (pop.ref - pop.kin.birth) / YEAR


def mother_weights(pop: Population) -> np.ndarray:
    """Married women 20–39 whose youngest child is over a year old, by fertility.

    Births fall within about a year of the snapshot, so mothers are 20–40 at the birth.
    """
    k, age = pop.kin, ages(pop)
    youngest = np.full(k.male.size, -(10**9), dtype=np.int64)
    has_mother = np.flatnonzero(k.mother >= 0)
    np.maximum.at(youngest, k.mother[has_mother], k.birth[has_mother])
    ok = ~k.male & pop.in_register & np.isin(k.marital, hh.MARRIED_CODES) & (k.spouse >= 0)
    ok &= (age >= 20.5) & (age < 39) & (youngest < pop.ref - int(YEAR))
    return np.where(ok, np.exp(-(((age - 28.0) / 6.0) ** 2)), 0.0)


def death_weights(pop: Population) -> np.ndarray:
    """Gompertz mortality, steepened: the feeds ask for many deaths, keep them old.

    Only people with local hukou: our police cancel no one else's.
    """
    local_hukou = pop.in_register & ~pop.hh_inflow[pop.kin.household]
    return np.where(local_hukou, np.exp(0.12 * (ages(pop) - 85.0)), 0.0)


def move_out_weights(pop: Population) -> np.ndarray:
    """Locals 16–65; people already living in the cities, students and brides most often."""
    k, age = pop.kin, ages(pop)
    local_hukou = ~pop.hh_inflow[k.household] & pop.in_register
    away = pop.residence >= pop.places.outflow_start
    student = (age >= 18) & (age < 22)
    bride = ~k.male & (k.marital == hh.NEVER) & (age >= 20) & (age < 30)
    weight = np.select([away, student, bride], [6.0, 3.0, 1.5], 0.5)
    return np.where(local_hukou & (age >= 16) & (age < 65), weight, 0.0)


def move_in_weights(pop: Population) -> np.ndarray:
    """Inflow migrants taking local hukou; locals moving hukou to where they live."""
    k, age = pop.kin, ages(pop)
    village = pop.places.group_village[pop.group]
    elsewhere_here = (pop.residence != village) & (pop.residence < pop.places.local_villages)
    inflow = pop.hh_inflow[k.household]
    weight = np.select([inflow, elsewhere_here, (age >= 18) & (age < 30)], [8.0, 4.0, 0.3], 0.05)
    return np.where(pop.in_register & (age >= 1), weight, 0.0)


def marry_weights(pop: Population) -> np.ndarray:
    """Never-married men 22–45 and women 20–40, most around 27."""
    k, age = pop.kin, ages(pop)
    ok = pop.in_register & (k.marital == hh.NEVER)
    ok &= np.where(k.male, (age >= 22) & (age < 45), (age >= 20) & (age < 40))
    return np.where(ok, np.exp(-(((age - 27.0) / 6.0) ** 2)), 0.0)


def divorce_weights(pop: Population) -> np.ndarray:
    """Married people whose spouse is held elsewhere (the feed row has one register side)."""
    k = pop.kin
    spouse_away = (k.spouse >= 0) & k.external[np.maximum(k.spouse, 0)]
    return np.where(pop.in_register & spouse_away & (ages(pop) < 65), 1.0, 0.0)


def remarry_weights(pop: Population) -> np.ndarray:
    """Divorced people under 60 remarrying their former spouse."""
    k = pop.kin
    return np.where(pop.in_register & (k.marital == hh.DIVORCED) & (ages(pop) < 60), 1.0, 0.0)


def split(total: np.ndarray, mix: tuple[tuple[str, float], ...]) -> dict[str, np.ndarray]:
    """Split per-month counts by shares; the last part takes the rounding remainder."""
    out: dict[str, np.ndarray] = {}
    left = total.copy()
    for i, (label, share) in enumerate(mix):
        part = left if i == len(mix) - 1 else np.round(total * share).astype(np.int64)
        out[label] = part
        left = left - part
    return out
