"""Draw every event of the simulated period once, before any feed is written."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renkou.synth import events as ev
from renkou.synth import names
from renkou.synth.dates import ymd
from renkou.synth.households import male_probability
from renkou.synth.idnum import IdRegistry
from renkou.synth.population import Population
from renkou.synth.rng import stream

# Days from birth to police registration, and the share of babies in each band; the
# rest are not registered within three months.
POLICE_LAGS = ((5, 31, 0.35), (31, 61, 0.35), (61, 92, 0.15))


@dataclass
class Births:
    """Newborns of register mothers (lead months included)."""

    mother: np.ndarray  # person index
    father: np.ndarray  # person index (the mother's husband, maybe held elsewhere)
    month: np.ndarray
    day: np.ndarray
    male: np.ndarray
    name: np.ndarray  # object: the formal name given at police registration
    id17: np.ndarray  # the number issued at police registration
    police_month: np.ndarray  # -1000 when not registered within the period
    police_day: np.ndarray
    parity: np.ndarray  # 产次
    gravidity: np.ndarray  # 孕次


@dataclass
class Simulation:
    """All events of the period."""

    births: Births
    police: dict[str, ev.Events]  # 迁入 / 迁出 / 死亡
    marriage: dict[str, ev.Events]  # 结婚 / 离婚 / 复婚
    extra_pupils: np.ndarray  # register pupil rows per month that replace missing events


def _police_lag(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days to police registration; -1 for none within the period."""
    u = rng.random(n)
    lag = np.full(n, -1, dtype=np.int64)
    edge = 0.0
    for low, high, share in POLICE_LAGS:
        band = (u >= edge) & (u < edge + share)
        lag[band] = rng.integers(low, high, int(band.sum()))
        edge += share
    return lag


def month_of(plan: ev.Plan, days: np.ndarray) -> np.ndarray:
    """Month index (relative to the first month) of each day."""
    starts = np.array([plan.month_bounds(m)[0] for m in range(-ev.LEAD_MONTHS, plan.months + 1)])
    return np.searchsorted(starts, days, side="right") - 1 - ev.LEAD_MONTHS


def simulate_births(
    rng: np.random.Generator, pop: Population, plan: ev.Plan, registry: IdRegistry, busy: np.ndarray
) -> Births:
    """Births to married register women, with the babies' names and numbers."""
    k = pop.kin
    events = ev.draw(
        rng,
        plan,
        ev.mother_weights(pop),
        ev.births_per_month(plan),
        busy=busy,
        first=-ev.LEAD_MONTHS,
    )
    mother = events.person
    father = k.spouse[mother]
    born_before = np.bincount(k.mother[k.mother >= 0], minlength=k.male.size)[mother]
    p_male = [male_probability(events.day, order) for order in range(3)]
    male = rng.random(mother.size) < np.choose(np.minimum(born_before, 2), p_male)
    surname = np.where(rng.random(mother.size) < 0.9, pop.surname[father], pop.surname[mother])
    given = names.given_names(rng, male, ymd(events.day)[0])
    county = np.full(mother.size, int(pop.places.village_area[0]), dtype=np.int64)
    # Babies of migrants get their hukou where the mother holds hers, not from our police.
    local = pop.places.group_village[pop.group[mother]] < pop.places.local_villages
    lag = np.where(local, _police_lag(rng, mother.size), -1)
    police_day = np.where(lag >= 0, events.day + lag, -1)
    police_month = np.where(lag >= 0, month_of(plan, police_day), -1000)
    return Births(
        mother=mother,
        father=father,
        month=events.month,
        day=events.day,
        male=male,
        name=names.SURNAMES[surname] + given,
        id17=registry.allocate(rng, county, events.day, male),
        police_month=police_month,
        police_day=police_day,
        parity=born_before + 1,
        gravidity=born_before + 1 + rng.choice(3, mother.size, p=[0.6, 0.3, 0.1]),
    )


def _shortfall(events: ev.Events, need: np.ndarray) -> np.ndarray:
    """Per month, how many events the pool could not supply."""
    return need - np.bincount(events.month, minlength=need.size)[: need.size]


def simulate(*, seed: int, pop: Population, plan: ev.Plan, registry: IdRegistry) -> Simulation:
    """Births, hukou changes, marriages: who, when."""
    rng = stream(seed, "events")
    busy = np.zeros(pop.kin.male.size, dtype=bool)
    births = simulate_births(rng, pop, plan, registry, busy)
    need = ev.births_per_month(plan)
    got = np.bincount(births.month + ev.LEAD_MONTHS, minlength=need.size)[: need.size]
    extra = (need - got)[ev.LEAD_MONTHS :]
    registered = np.bincount(births.police_month[births.police_month >= 0], minlength=plan.months)
    reg_police = plan.rows["police"] - plan.none["police"] - registered[: plan.months]
    police_weights = {
        "迁入": ev.move_in_weights,
        "迁出": ev.move_out_weights,
        "死亡": ev.death_weights,
    }
    police: dict[str, ev.Events] = {}
    for label, need in ev.split(np.maximum(reg_police, 0), ev.POLICE_MIX).items():
        police[label] = ev.draw(rng, plan, police_weights[label](pop), need, busy=busy)
        extra += _shortfall(police[label], need)
    marriage_weights = {
        "结婚": ev.marry_weights,
        "离婚": ev.divorce_weights,
        "复婚": ev.remarry_weights,
    }
    marriage: dict[str, ev.Events] = {}
    reg_marriage = plan.rows["marriage"] - plan.none["marriage"]
    for label, need in ev.split(reg_marriage, ev.MARRIAGE_MIX).items():
        marriage[label] = ev.draw(rng, plan, marriage_weights[label](pop), need, busy=busy)
        extra += _shortfall(marriage[label], need)
    return Simulation(births=births, police=police, marriage=marriage, extra_pupils=extra)
