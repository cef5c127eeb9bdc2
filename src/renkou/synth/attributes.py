"""Person and household attributes of the register beyond kin: places, numbers, codes."""

from __future__ import annotations

import numpy as np

from renkou.synth import names
from renkou.synth.dates import DAYS_PER_YEAR as YEAR
from renkou.synth.dates import from_iso
from renkou.synth.idnum import IdRegistry
from renkou.synth.kin import Kin
from renkou.synth.places import Places, origins
from renkou.synth.rng import choice_index, weighted_sample

MOVED_WITHIN_COUNTY = 0.04  # households living in another village of the county
NO_ID_SHARE = 0.003  # register people without a number yet (young children)
PHONE_SHARE = 0.55  # adults with a phone number on file
HUKOU_TYPES = ("农业", "非农业", "居民户口")
RELATIONS = (
    "本人", "配偶", "子", "女", "儿媳", "女婿", "孙子", "孙女", "外孙子", "外孙女", "父亲",
    "母亲", "其他",
)  # fmt: skip
_RELATION_RANK = np.array([0, 1, 2, 2, 3, 3, 4, 4, 4, 4, 5, 5, 6])
_MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 157, 158, 159,
     166, 177, 180, 182, 183, 185, 186, 187, 188, 189, 198, 199]
)  # fmt: skip


def person_groups(
    rng: np.random.Generator, kin: Kin, places: Places, hh_group: np.ndarray
) -> np.ndarray:
    """Hukou group per person: the household's; spouses elsewhere get an outside group."""
    group = hh_group[kin.household]
    ext = np.flatnonzero(kin.external)
    outside_groups = np.arange(places.local_groups, places.group_code.size)
    group[ext] = outside_groups[rng.integers(0, outside_groups.size, ext.size)]
    return np.asarray(group)


def residences(
    rng: np.random.Generator,
    kin: Kin,
    *,
    places: Places,
    group: np.ndarray,
    hh_residence: np.ndarray,
    ref: int,
) -> np.ndarray:
    """Village of residence: the household's; some working-age people live in the cities."""
    residence = hh_residence[kin.household]
    residence[kin.external] = places.group_village[group[kin.external]]
    local = ~kin.external & (places.group_village[group] < places.local_villages)
    age = (ref - kin.birth) / YEAR
    p_out = np.select([age < 18, age < 20, age <= 40, age <= 55], [0.0, 0.10, 0.15, 0.08], 0.0)
    away = local & (rng.random(age.size) < p_out)
    start = places.outflow_start
    district = start + choice_index(rng, places.village_weight[start:], kin.households)
    residence[away] = district[kin.household[away]]
    mother = np.maximum(kin.mother, 0)
    follow = local & (age < 15) & (kin.mother >= 0) & away[mother] & (rng.random(age.size) < 0.3)
    residence[follow] = residence[mother[follow]]
    return np.asarray(residence)


def ethnic_groups(rng: np.random.Generator, kin: Kin) -> np.ndarray:
    """Ethnic group per person: the household's; most spouses from elsewhere are 汉族."""
    ethnic = names.draw_ethnic(rng, kin.households)[kin.household]
    han = kin.external & (rng.random(ethnic.size) < 0.7)
    ethnic[han] = 0
    return np.asarray(ethnic)


def hukou_types(
    rng: np.random.Generator, places: Places, hh_group: np.ndarray, hh_inflow: np.ndarray
) -> np.ndarray:
    """户口性质 per household, by urban/rural village and migrant status."""
    urban = places.village_urban[places.group_village[hh_group]]
    u = rng.random(hh_group.size)
    p_agri = np.where(hh_inflow, 0.70, np.where(urban, 0.05, 0.75))
    p_nonagri = np.where(hh_inflow, 0.05, np.where(urban, 0.60, 0.05))
    return np.where(u < p_agri, 0, np.where(u < p_agri + p_nonagri, 1, 2))


def neighbour_areas(county_code: str) -> np.ndarray:
    """Area codes of neighbouring counties (same prefecture where possible)."""
    near = [int(o[0]) for o in origins(county_code) if o[0][:4] == county_code[:4]]
    return np.array(near or [int(o[0]) for o in origins(county_code)], dtype=np.int64)


def retired_area(county_code: str) -> int:
    """A former code of the county (as if the prefecture had been renumbered)."""
    return int(f"{county_code[:2]}{(int(county_code[2]) + 2) % 10}{county_code[3:]}")


def identity_numbers(
    rng: np.random.Generator,
    kin: Kin,
    *,
    places: Places,
    group: np.ndarray,
    registry: IdRegistry,
    twins: np.ndarray,
) -> np.ndarray:
    """First-17 values; older locals sometimes carry a neighbouring or retired area code."""
    area = places.village_area[places.group_village[group]]
    county = int(places.village_area[0])
    county_code = str(county)
    old = kin.birth < from_iso("1995-01-01")
    u = rng.random(area.size)
    neighbours = neighbour_areas(county_code)
    near = (area == county) & old & (u < 0.02)
    area[near] = neighbours[rng.integers(0, neighbours.size, int(near.sum()))]
    area[(area == county) & old & (u >= 0.02) & (u < 0.03)] = retired_area(county_code)
    id17 = registry.allocate(rng, area, kin.birth, kin.male)
    for a, b in twins:
        variant = registry.near_variant(rng, int(id17[a]))
        if variant is not None:
            id17[b] = variant
    return id17


def issued(rng: np.random.Generator, kin: Kin, ref: int, twins: np.ndarray) -> np.ndarray:
    """Mask of people whose number is on file; a few young children have none yet."""
    has = np.ones(kin.male.size, dtype=bool)
    count = round(NO_ID_SHARE * int((~kin.external).sum()))
    age = (ref - kin.birth) / YEAR
    weight = np.where(~kin.external & (age < 10), 1.0 / (age + 0.5), 0.0)
    weight[twins.ravel()] = 0.0
    has[weighted_sample(rng, weight, count)] = False
    return has


def relations(kin: Kin) -> np.ndarray:
    """与户主关系 (index into ``RELATIONS``) from the kin links and each household's head."""
    p = np.arange(kin.male.size)
    head = kin.head[kin.household]
    head_spouse = np.where(kin.spouse[head] >= 0, kin.spouse[head], -2)
    child = (kin.mother == head) | (kin.mother == head_spouse)
    child |= (kin.father == head) | (kin.father == head_spouse)
    in_law = (kin.spouse >= 0) & child[np.maximum(kin.spouse, 0)] & ~child
    via_son = (kin.father >= 0) & child[np.maximum(kin.father, 0)]
    via_daughter = (kin.mother >= 0) & child[np.maximum(kin.mother, 0)] & ~via_son
    parent = (kin.mother[head] == p) | (kin.father[head] == p)
    m = kin.male
    conditions = [
        p == head, p == head_spouse, child & m, child & ~m, in_law & ~m, in_law & m,
        via_son & m, via_son & ~m, via_daughter & m, via_daughter & ~m, parent & m, parent & ~m,
    ]  # fmt: skip
    return np.select(conditions, list(range(12)), 12)


def phones(rng: np.random.Generator, kin: Kin, ref: int) -> np.ndarray:
    """11-digit mobile numbers for about half of the adults; '' for the rest."""
    n = kin.male.size
    adult = ~kin.external & ((ref - kin.birth) >= 18 * YEAR) & (rng.random(n) < PHONE_SHARE)
    prefix = _MOBILE_PREFIXES[rng.integers(0, _MOBILE_PREFIXES.size, n)]
    number = (prefix * 10**8 + rng.integers(0, 10**8, n)).astype("U11")
    return np.where(adult, number, "")


def register_order(
    kin: Kin,
    places: Places,
    *,
    hh_group: np.ndarray,
    hh_inflow: np.ndarray,
    hh_residence: np.ndarray,
    relation: np.ndarray,
) -> np.ndarray:
    """Register rows in file order: by village (migrants where they live), group, household,
    then head first, spouse, children, …"""
    village = np.where(hh_inflow, hh_residence, places.group_village[hh_group])
    hh_order = np.lexsort((np.arange(hh_group.size), hh_group, hh_inflow, village))
    hh_rank = np.empty(hh_group.size, dtype=np.int64)
    hh_rank[hh_order] = np.arange(hh_group.size)
    people = np.flatnonzero(~kin.external)
    keys = (kin.birth[people], _RELATION_RANK[relation[people]], hh_rank[kin.household[people]])
    return people[np.lexsort(keys)]


def case_ids(rng: np.random.Generator, size: int, order: np.ndarray) -> np.ndarray:
    """个案编号 "GA" + 10 digits, increasing along the register; '' outside the register."""
    out = np.full(size, "", dtype="U12")
    values = int(rng.integers(10**9, 3 * 10**9)) + np.cumsum(rng.integers(1, 20, order.size))
    out[order] = np.char.add("GA", values.astype("U10"))
    return out
