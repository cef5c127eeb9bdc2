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
    )
