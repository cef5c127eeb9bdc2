"""Assembling one feed file: parts (register rows, rows about nobody we hold), noise, order."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from renkou.synth import events as ev
from renkou.synth import people as pp
from renkou.synth.dates import DAYS_PER_YEAR as YEAR
from renkou.synth.idnum import IdRegistry
from renkou.synth.noise import Noiser
from renkou.synth.orgunits import OrgTree
from renkou.synth.population import Population
from renkou.synth.simulate import Simulation


@dataclass
class Context:
    """What every feed builder needs."""

    pop: Population
    tree: OrgTree
    plan: ev.Plan
    sim: Simulation
    registry: IdRegistry
    noiser: Noiser
    rng: np.random.Generator

    def outsiders(
        self,
        n: int,
        ages: tuple[float, float],
        local_share: float,
        *,
        on: int,
        male: np.ndarray | None = None,
    ) -> pp.People:
        """``n`` people we do not hold, aged ``ages`` on day ``on``."""
        rng = self.rng
        age = rng.uniform(ages[0], ages[1], n)
        birth = on - np.floor(age * YEAR).astype(np.int64)
        sex = rng.random(n) < 0.5 if male is None else male
        local = rng.random(n) < local_share
        return pp.outsiders(rng, self.registry, self.pop, birth=birth, male=sex, local=local)

    def numbers_given(self, mother: np.ndarray, share: float) -> np.ndarray:
        """The numbers of the people ``mother`` (person indices, -1: none known) as a file
        that gives them on a share ``share`` of its rows shows them (first-17 values; -1
        where not given, unknown or without a number)."""
        pop = self.pop
        known = (mother >= 0) & pop.has_id[np.maximum(mother, 0)]
        given = known & (self.rng.random(mother.size) < share)
        return np.where(given, pop.id17[np.maximum(mother, 0)], -1)

    def register_mothers(self, person: np.ndarray, share: float) -> np.ndarray:
        """:meth:`numbers_given` of the mothers of register people ``person``."""
        return self.numbers_given(self.pop.kin.mother[person], share)

    def outside_mothers(self, kids: pp.People, share: float) -> np.ndarray:
        """New numbers for the mothers of people we do not hold (aged 20–40 at the birth,
        registered where the child's hukou is), on a share ``share`` of the rows."""
        rng, n = self.rng, len(kids)
        given = rng.random(n) < share
        if not given.any():
            return np.full(n, -1, dtype=np.int64)
        age = rng.uniform(20.0, 40.0, int(given.sum()))
        birth = kids.birth[given] - np.floor(age * YEAR).astype(np.int64)
        area = self.pop.places.village_area[kids.hukou_village[given]]
        out = np.full(n, -1, dtype=np.int64)
        out[given] = self.registry.allocate(rng, area, birth, np.zeros(birth.size, dtype=bool))
        return out

    def days_in(self, m: int, n: int) -> np.ndarray:
        """``n`` random days of month ``m``."""
        lo, hi = self.plan.month_bounds(m)
        return lo + (self.rng.random(n) * (hi - lo)).astype(np.int64)


@dataclass
class Part:
    """Rows about one kind of subject."""

    people: pp.People
    dob: np.ndarray  # the date shown in the feed's birth-date column
    address: np.ndarray  # object: the subject's address as the feed shows it
    sort_day: np.ndarray
    role: str | np.ndarray  # truth role (self / mother / husband / wife / none), or one per row
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # other columns (object)
    tag: str = ""  # a tag every row of the part carries (newborn, near_id …)
    protect: bool = False  # no noise: rows that must keep a valid number
    # The subject's mother's number as the file gives it (first-17 value; -1: not given);
    # None: the part's file has no such column or the part gives none.
    mother: np.ndarray | None = None

    def roles(self) -> np.ndarray:
        """The truth role of every row."""
        if isinstance(self.role, np.ndarray):
            return self.role
        return np.full(len(self.people), self.role, dtype=object)


@dataclass
class Assembled:
    """Rows of one feed in file order, noise applied."""

    name: np.ndarray
    id: np.ndarray
    dob: np.ndarray
    address: np.ndarray
    people: pp.People
    extra: dict[str, np.ndarray]
    role: np.ndarray
    tags: list[str]
    mother_id: np.ndarray  # object: the mother's number column as the file shows it

    def __len__(self) -> int:
        return len(self.people)


def _obj(values: list[str]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def assemble(ctx: Context, parts: list[Part]) -> Assembled:
    """Concatenate ``parts``, apply noise, and order rows by day (ties at random)."""
    people = pp.concat([p.people for p in parts]) if parts else pp.empty()
    n = len(people)
    tags = [[p.tag] if p.tag else [] for p in parts for _ in range(len(p.people))]
    protect = np.concatenate(
        [np.full(len(p.people), p.protect) for p in parts] or [np.zeros(0, bool)]
    )
    dob = np.concatenate([p.dob for p in parts] or [np.zeros(0, np.int64)])
    address = np.concatenate([p.address for p in parts] or [np.zeros(0, object)])
    fields = ctx.noiser.apply(people, dob=dob, address=address, tags=tags, protect=protect)
    mothers = [p.mother if p.mother is not None else np.full(len(p.people), -1) for p in parts]
    if any(p.mother is not None for p in parts):
        mother_id = _obj(
            ctx.noiser.mother_ids(
                np.concatenate(mothers).astype(np.int64), tags=fields.tags, protect=protect
            )
        )
    else:
        mother_id = _obj([""] * n)
    sort_day = np.concatenate([p.sort_day for p in parts] or [np.zeros(0, np.int64)])
    order = np.lexsort((ctx.rng.random(n), sort_day))
    keys = sorted({k for p in parts for k in p.extra})
    extra = {k: np.concatenate([p.extra[k] for p in parts])[order] for k in keys}
    roles = [p.roles() for p in parts]
    return Assembled(
        name=_obj(fields.name)[order],
        id=_obj(fields.id)[order],
        dob=_obj(fields.dob)[order],
        address=_obj(fields.address)[order],
        people=people.take(order),
        extra=extra,
        role=np.concatenate(roles or [np.zeros(0, object)])[order],
        tags=[";".join(fields.tags[i]) for i in order.tolist()],
        mother_id=mother_id[order],
    )
