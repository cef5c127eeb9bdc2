"""Batches of people as departments see them: register people and people we do not hold.

Every feed row is about one such person (the subject). A batch carries what a feed can
show of them; ``case_id`` is empty for people outside the register.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from renkou.synth import attributes as attr
from renkou.synth import names
from renkou.synth.dates import ymd
from renkou.synth.idnum import IdRegistry, to_text
from renkou.synth.places import random_groups
from renkou.synth.population import Population
from renkou.synth.rng import choice_index
from renkou.synth.text import labels


@dataclass
class People:
    """Parallel arrays, one entry per person."""

    name: np.ndarray  # object
    male: np.ndarray
    birth: np.ndarray  # day numbers
    id17: np.ndarray  # int64
    has_id: np.ndarray
    hukou_village: np.ndarray  # Places village index
    hukou_address: np.ndarray  # object
    residence_address: np.ndarray  # object
    residence_village: np.ndarray  # Places village index
    household_code: np.ndarray  # object
    head_name: np.ndarray  # object
    relation: np.ndarray  # object
    ethnic: np.ndarray  # object
    case_id: np.ndarray  # object, '' outside the register

    def __len__(self) -> int:
        return int(self.male.size)

    def take(self, index: np.ndarray) -> People:
        """The people at ``index``."""
        return People(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def id_text(self) -> np.ndarray:
        """18-character numbers, '' where none is on file (object array)."""
        if len(self) == 0:
            return np.empty(0, dtype=object)
        return np.where(self.has_id, to_text(self.id17), "").astype(object)


def concat(batches: list[People]) -> People:
    """One batch made of several."""
    return People(
        **{f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(People)}
    )


def empty() -> People:
    """A batch of nobody."""
    obj = np.empty(0, dtype=object)
    i64 = np.empty(0, dtype=np.int64)
    flag = np.empty(0, dtype=bool)
    return People(obj, flag, i64, i64, flag, i64, obj, obj, i64, obj, obj, obj, obj, obj)


def from_register(pop: Population, index: np.ndarray) -> People:
    """Register people (or spouses living elsewhere) by person index."""
    k, p = pop.kin, pop.places
    group = pop.group[index]
    village = p.group_village[group]
    hukou_address = p.group_address[group]
    residence = pop.residence[index]
    head = k.head[k.household[index]]
    return People(
        name=pop.name[index],
        male=k.male[index],
        birth=k.birth[index],
        id17=pop.id17[index],
        has_id=pop.has_id[index],
        hukou_village=village,
        hukou_address=hukou_address,
        residence_address=np.where(
            residence == village, hukou_address, p.village_address[residence]
        ),
        residence_village=residence,
        household_code=pop.hh_code[k.household[index]].astype(object),
        head_name=pop.name[head],
        relation=labels(attr.RELATIONS, pop.relation[index]),
        ethnic=labels(names.ETHNIC_NAMES, pop.ethnic[index]),
        case_id=pop.case_id[index].astype(object),
    )


def outsiders(
    rng: np.random.Generator,
    registry: IdRegistry,
    pop: Population,
    *,
    birth: np.ndarray,
    male: np.ndarray,
    local: np.ndarray,
) -> People:
    """New people we do not hold: locals missing from the register, or from elsewhere.

    All of them live in the county; locals also hold their hukou here.
    """
    n = birth.size
    p = pop.places
    home = choice_index(rng, p.village_weight[: p.local_villages], n)
    away = p.local_villages + rng.integers(0, max(p.outside_villages, 1), n)
    village = np.where(local, home, away)
    group = random_groups(rng, p, village)
    surname = names.draw_surnames(rng, n)
    no_dots = np.zeros(n, dtype=bool)
    name = names.full_names(
        rng, surname=surname, male=male, birth_year=ymd(birth)[0], dotted=no_dots
    )
    id17 = registry.allocate(rng, p.village_area[village], birth, male)
    hukou_address = p.group_address[group]
    serial = rng.integers(9000, 10_000, n).astype("U4")
    ethnic = names.draw_ethnic(rng, n)
    return People(
        name=name,
        male=male,
        birth=birth,
        id17=id17,
        has_id=np.ones(n, dtype=bool),
        hukou_village=village,
        hukou_address=hukou_address,
        residence_address=np.where(local, hukou_address, p.village_address[home]),
        residence_village=np.where(local, village, home),
        household_code=np.char.add(p.group_code[group], serial).astype(object),
        head_name=name.copy(),
        relation=labels(attr.RELATIONS, np.zeros(n, dtype=np.int64)),
        ethnic=labels(names.ETHNIC_NAMES, ethnic),
        case_id=np.full(n, "", dtype=object),
    )
