"""Household templates and the kin structure (sexes, birth dates, marriages) inside them.

A template (couple with two children, three generations, widowed elderly person …) is
generated for many households at once: every member is one column of arrays, one entry
per household. Links between members (spouse, mother, father) are member indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renkou.synth.dates import DAYS_PER_YEAR as YEAR

NEVER, FIRST, REMARRIED, MARRIED, WIDOWED, DIVORCED = range(6)
MARITAL_LABELS = ("未婚", "初婚", "再婚", "已婚", "丧偶", "离婚")
MARRIED_CODES = (FIRST, REMARRIED, MARRIED)

# Relative number of people per five-year age group (0–4, 5–9, …, 100–104) in a rural
# Shandong county around 2025: few young children, the 1962–1975 cohorts largest.
PYRAMID_5Y = np.array(
    [0.70, 1.00, 1.15, 1.00, 0.95, 0.90, 1.15, 1.25, 1.00, 1.20, 1.55, 1.50, 1.25, 1.20,
     0.95, 0.65, 0.40, 0.20, 0.07, 0.02, 0.005]
)  # fmt: skip
PYRAMID = np.repeat(PYRAMID_5Y, 5)
MIN_MOTHER_AGE = 20.0  # the model's floor; the hard rule checked downstream is 14


@dataclass
class Member:
    """One member slot of a template: arrays with one entry per household."""

    male: np.ndarray
    birth: np.ndarray  # day numbers
    marital: np.ndarray
    spouse: np.ndarray  # member index, -1 for none
    mother: np.ndarray
    father: np.ndarray
    external: bool = False  # lives elsewhere with hukou elsewhere: not in the register


@dataclass
class KinBlock:
    """``size`` households of one template."""

    size: int
    members: list[Member]
    head: np.ndarray  # member index of each household's head


@dataclass(frozen=True)
class Template:
    """A household shape and its share of households."""

    name: str
    weight: float
    kind: str  # single | couple | three_gen | single_parent | spouse_away
    age: tuple[int, int]  # age of the anchor: the wife, or the single person
    children: int = 0
    parent: bool = False


# For templates with children, ``age`` is the youngest child's age range; for three
# generations with no grandchild yet, the married child's.
TEMPLATES: tuple[Template, ...] = (
    Template("widowed_elderly", 0.130, "single", (62, 97)),
    Template("single_adult", 0.050, "single", (22, 61)),
    Template("couple_old", 0.260, "couple", (52, 90)),
    Template("couple_young", 0.050, "couple", (21, 34)),
    Template("couple_1", 0.130, "couple", (0, 32), children=1),
    Template("couple_2", 0.110, "couple", (0, 27), children=2),
    Template("couple_3", 0.020, "couple", (0, 18), children=3),
    Template("couple_1_parent", 0.025, "couple", (0, 18), children=1, parent=True),
    Template("couple_2_parent", 0.025, "couple", (0, 16), children=2, parent=True),
    Template("three_gen_0", 0.035, "three_gen", (24, 38)),
    Template("three_gen_1", 0.060, "three_gen", (0, 16), children=1),
    Template("three_gen_2", 0.045, "three_gen", (0, 14), children=2),
    Template("single_parent_1", 0.025, "single_parent", (3, 24), children=1),
    Template("single_parent_2", 0.010, "single_parent", (3, 20), children=2),
    Template("spouse_away_0", 0.015, "spouse_away", (23, 60)),
    Template("spouse_away_1", 0.020, "spouse_away", (0, 18), children=1),
    Template("spouse_away_2", 0.010, "spouse_away", (0, 16), children=2),
)
# Inflow migrants: working-age singles and young families.
INFLOW_TEMPLATES: tuple[Template, ...] = (
    Template("single_adult", 0.35, "single", (19, 50)),
    Template("couple_young", 0.20, "couple", (21, 40)),
    Template("couple_1", 0.30, "couple", (0, 15), children=1),
    Template("couple_2", 0.15, "couple", (0, 12), children=2),
)
# Mother's age at her last birth (triangular: low, mode, high) by number of children.
LAST_BIRTH_AGE = {1: (21.0, 25.0, 36.0), 2: (23.0, 29.0, 40.0), 3: (26.0, 32.0, 40.0)}


def template_size(t: Template) -> int:
    """Number of register members a household of template ``t`` has."""
    sizes = {"single": 1, "couple": 2, "three_gen": 4, "single_parent": 1, "spouse_away": 1}
    return sizes[t.kind] + t.children + int(t.parent)


def none_links(k: int) -> np.ndarray:
    """A link array meaning 'nobody'."""
    return np.full(k, -1, dtype=np.int64)


def link(k: int, member: int) -> np.ndarray:
    """A link array pointing every household at the same member."""
    return np.full(k, member, dtype=np.int64)


def pyramid_ages(rng: np.random.Generator, lo: int, hi: int, k: int) -> np.ndarray:
    """Ages in years (float) drawn from the county pyramid restricted to [lo, hi]."""
    ages = np.arange(lo, hi + 1)
    w = PYRAMID[ages]
    cdf = np.cumsum(w) / w.sum()
    whole = ages[np.minimum(np.searchsorted(cdf, rng.random(k)), ages.size - 1)]
    return whole + rng.random(k)


def birth_from_age(ref: int, age_years: np.ndarray) -> np.ndarray:
    """Day numbers of birth for ages (years, float) on day ``ref``."""
    return ref - np.floor(age_years * YEAR).astype(np.int64)


def male_probability(birth: np.ndarray, order: int) -> np.ndarray:
    """P(boy) by year of birth and birth order: SRB ~105, higher for later orders 1985–2015."""
    year = 1970 + birth / YEAR
    distorted = (year >= 1985) & (year < 2016)
    srb = np.where(
        distorted, (108.0, 125.0, 160.0)[min(order, 2)], (105.0, 107.0, 110.0)[min(order, 2)]
    )
    return srb / (100.0 + srb)


def single_marital(
    rng: np.random.Generator, k: int, elderly: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(marital status, male) for people living alone."""
    u = rng.random(k)
    if elderly:
        marital = np.where(u < 0.85, WIDOWED, np.where(u < 0.90, DIVORCED, NEVER))
    else:
        marital = np.where(u < 0.60, NEVER, np.where(u < 0.90, DIVORCED, WIDOWED))
    p_male = np.select([marital == NEVER, marital == WIDOWED], [0.78, 0.35], 0.5)
    return marital, rng.random(k) < p_male


def couple_marital(rng: np.random.Generator, k: int) -> np.ndarray:
    """Marital status of one spouse: 初婚 mostly, plain 已婚 in old records, some 再婚."""
    u = rng.random(k)
    return np.where(u < 0.07, REMARRIED, np.where(u < 0.22, MARRIED, FIRST))


def spouse_birth(rng: np.random.Generator, birth: np.ndarray, of_wife: bool) -> np.ndarray:
    """Birth dates of husbands (0–5 years older, sometimes younger) or of wives."""
    k = birth.size
    gap = np.where(rng.random(k) < 0.9, rng.uniform(0, 5, k), -rng.uniform(0, 2, k))
    sign = -1 if of_wife else 1
    return birth + sign * np.floor(gap * YEAR).astype(np.int64)


def mother_births(
    rng: np.random.Generator, youngest: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """(mother's birth days, (n, k) children's birth days oldest first) from the youngest."""
    low, mode, high = LAST_BIRTH_AGE[min(n, 3)]
    mother = youngest - np.floor(rng.triangular(low, mode, high, youngest.size) * YEAR)
    mother = mother.astype(np.int64)
    return mother, sibling_births(rng, youngest, mother, n)


def sibling_births(
    rng: np.random.Generator, youngest: np.ndarray, mother: np.ndarray, n: int
) -> np.ndarray:
    """(n, k) birth days ending with ``youngest``, 1.2+ years apart, mother 20 or older."""
    k = youngest.size
    out = np.empty((n, k), dtype=np.int64)
    out[-1] = youngest
    todo = np.arange(k)
    earliest = mother + int(MIN_MOTHER_AGE * YEAR)
    for _ in range(40):
        if todo.size == 0 or n == 1:
            return out
        gaps = 1.2 + rng.exponential(2.5, (n - 1, todo.size))
        back = np.floor(np.cumsum(gaps[::-1], axis=0)[::-1] * YEAR).astype(np.int64)
        births = youngest[todo] - back
        ok = births[0] >= earliest[todo]
        out[:-1, todo[ok]] = births[:, ok]
        todo = todo[~ok]
    span = (youngest[todo] - earliest[todo]) / n
    steps = np.arange(n - 1, 0, -1)[:, None]
    out[:-1, todo] = youngest[todo] - np.floor(steps * span).astype(np.int64)
    return out


def children_of(
    rng: np.random.Generator, births: np.ndarray, mother: np.ndarray, father: np.ndarray
) -> list[Member]:
    """Unmarried children (members) for a (n, k) array of birth days."""
    n, k = births.shape
    return [
        Member(
            male=rng.random(k) < male_probability(births[i], i),
            birth=births[i],
            marital=np.full(k, NEVER),
            spouse=none_links(k),
            mother=mother,
            father=father,
        )
        for i in range(n)
    ]


def couple(rng: np.random.Generator, wife: np.ndarray) -> list[Member]:
    """Husband (member 0) and wife (member 1) for the wives' birth days."""
    k = wife.size
    husband = spouse_birth(rng, wife, of_wife=False)
    none = none_links(k)
    return [
        Member(np.ones(k, bool), husband, couple_marital(rng, k), link(k, 1), none, none),
        Member(np.zeros(k, bool), wife, couple_marital(rng, k), link(k, 0), none, none),
    ]


def family(
    rng: np.random.Generator, k: int, age: tuple[int, int], n: int, ref: int
) -> list[Member]:
    """Husband (member 0), wife (1) and ``n`` children (2, 3, …) for ``k`` households.

    With children, ``age`` is the youngest child's age range; without, the wife's.
    """
    anchor = birth_from_age(ref, pyramid_ages(rng, age[0], age[1], k))
    if n == 0:
        return couple(rng, anchor)
    wife, births = mother_births(rng, anchor, n)
    return couple(rng, wife) + children_of(rng, births, link(k, 1), link(k, 0))


def pick(choose_b: np.ndarray, a: Member, b: Member) -> Member:
    """Per household, member ``b`` where ``choose_b`` else member ``a``."""
    return Member(
        male=np.where(choose_b, b.male, a.male),
        birth=np.where(choose_b, b.birth, a.birth),
        marital=np.where(choose_b, b.marital, a.marital),
        spouse=np.where(choose_b, b.spouse, a.spouse),
        mother=np.where(choose_b, b.mother, a.mother),
        father=np.where(choose_b, b.father, a.father),
    )


def single_block(rng: np.random.Generator, t: Template, k: int, ref: int) -> KinBlock:
    """People living alone: widowed elderly, bachelors, divorced adults."""
    marital, male = single_marital(rng, k, elderly=t.age[0] >= 60)
    birth = birth_from_age(ref, pyramid_ages(rng, t.age[0], t.age[1], k))
    member = Member(male, birth, marital, none_links(k), none_links(k), none_links(k))
    return KinBlock(k, [member], np.zeros(k, dtype=np.int64))


def couple_block(rng: np.random.Generator, t: Template, k: int, ref: int) -> KinBlock:
    """A couple with children at home, sometimes with the head's widowed parent."""
    members = family(rng, k, t.age, t.children, ref)
    head = np.where(rng.random(k) < 0.15, 1, 0)
    if t.parent:
        members.append(parent_of(rng, members, head, len(members), ref))
    return KinBlock(k, members, head)


def parent_of(
    rng: np.random.Generator, members: list[Member], head: np.ndarray, index: int, ref: int
) -> Member:
    """The head's widowed parent (usually the mother), linked as the head's parent."""
    k = head.size
    female = rng.random(k) < 0.72
    child_birth = np.where(head == 1, members[1].birth, members[0].birth)
    gap = np.where(female, rng.uniform(21, 36, k), rng.uniform(23, 40, k))
    birth = np.maximum(child_birth - np.floor(gap * YEAR).astype(np.int64), ref - int(99 * YEAR))
    for who in (0, 1):
        is_child = head == who
        members[who].mother = np.where(is_child & female, index, members[who].mother)
        members[who].father = np.where(is_child & ~female, index, members[who].father)
    return Member(~female, birth, np.full(k, WIDOWED), none_links(k), none_links(k), none_links(k))


def three_gen_block(rng: np.random.Generator, t: Template, k: int, ref: int) -> KinBlock:
    """Older couple, their married child (usually a son) with spouse, and grandchildren."""
    young = family(rng, k, t.age, t.children, ref)
    son = rng.random(k) < 0.9
    child = pick(~son, young[0], young[1])
    partner = pick(~son, young[1], young[0])
    child.spouse, partner.spouse = link(k, 3), link(k, 2)
    child.mother, child.father = link(k, 1), link(k, 0)
    at_birth = rng.triangular(21.0, 25.0, 34.0, k)
    elders = couple(rng, child.birth - np.floor(at_birth * YEAR).astype(np.int64))
    for kid in young[2:]:
        kid.mother, kid.father = np.where(son, 3, 2), np.where(son, 2, 3)
    u = rng.random(k)
    head = np.where(u < 0.3, 2, np.where(u < 0.4, 1, 0))
    return KinBlock(k, [*elders, child, partner, *young[2:]], head)


def lone_parent_block(rng: np.random.Generator, t: Template, k: int, ref: int) -> KinBlock:
    """One parent (divorced or widowed, mostly the mother) with children."""
    members = family(rng, k, t.age, t.children, ref)
    keep_wife = rng.random(k) < 0.7
    parent = pick(keep_wife, members[0], members[1])
    parent.spouse = none_links(k)
    parent.marital = np.where(rng.random(k) < 0.6, DIVORCED, WIDOWED)
    for kid in members[2:]:
        kid.mother = np.where(keep_wife, 0, -1)
        kid.father = np.where(keep_wife, -1, 0)
    return KinBlock(k, [parent, *members[2:]], np.zeros(k, dtype=np.int64))


def spouse_away_block(rng: np.random.Generator, t: Template, k: int, ref: int) -> KinBlock:
    """A married person (and children) whose spouse's hukou is elsewhere."""
    members = family(rng, k, t.age, t.children, ref)
    here_wife = rng.random(k) < 0.65
    here = pick(here_wife, members[0], members[1])
    away = pick(here_wife, members[1], members[0])
    here.spouse, away.spouse = link(k, 1), link(k, 0)
    away.external = True
    for kid in members[2:]:
        kid.mother = np.where(here_wife, 0, 1)
        kid.father = np.where(here_wife, 1, 0)
    return KinBlock(k, [here, away, *members[2:]], np.zeros(k, dtype=np.int64))


_BUILDERS = {
    "single": single_block,
    "couple": couple_block,
    "three_gen": three_gen_block,
    "single_parent": lone_parent_block,
    "spouse_away": spouse_away_block,
}


def build_block(rng: np.random.Generator, t: Template, k: int, ref: int) -> KinBlock:
    """``k`` households of template ``t`` as of day ``ref``."""
    return _BUILDERS[t.kind](rng, t, k, ref)
