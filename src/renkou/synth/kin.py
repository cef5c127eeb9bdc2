"""Households of many templates flattened into one table of people.

Each person has a household number and links (spouse, mother, father) that are person
indices into the same table, or -1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renkou.synth.households import KinBlock, Template, build_block, template_size
from renkou.synth.rng import choice_index

_FIELDS = ("male", "birth", "marital", "external", "household")
_LINKS = ("spouse", "mother", "father")


@dataclass
class Kin:
    """People (one entry per person) and the head of each household."""

    male: np.ndarray
    birth: np.ndarray
    marital: np.ndarray
    external: np.ndarray
    household: np.ndarray
    spouse: np.ndarray
    mother: np.ndarray
    father: np.ndarray
    head: np.ndarray  # person index of each household's head
    template: np.ndarray  # template index of each household

    @property
    def households(self) -> int:
        """Number of households."""
        return self.head.size


def plan_households(
    rng: np.random.Generator, templates: tuple[Template, ...], people: int
) -> np.ndarray:
    """Template index per household, for exactly ``people`` register members in total."""
    weights = np.array([t.weight for t in templates])
    sizes = np.array([template_size(t) for t in templates])
    single = next(i for i, t in enumerate(templates) if t.name == "single_adult")
    mean = float((weights * sizes).sum() / weights.sum())
    plan = np.empty(0, dtype=np.int64)
    while int(sizes[plan].sum()) < people:
        plan = np.concatenate([plan, choice_index(rng, weights, int(people / mean * 1.05) + 10)])
    total = np.cumsum(sizes[plan])
    keep = int(np.searchsorted(total, people, side="left"))
    plan = plan[:keep]
    short = people - int(sizes[plan].sum())
    return np.concatenate([plan, np.full(short, single, dtype=np.int64)])


def _block_arrays(block: KinBlock, hh: np.ndarray, offset: int) -> dict[str, np.ndarray]:
    """A block's members, member-major (person = offset + member * k + household)."""
    k = block.size
    local = np.arange(k)
    out: dict[str, list[np.ndarray]] = {name: [] for name in (*_FIELDS, *_LINKS)}
    for member in block.members:
        out["male"].append(member.male)
        out["birth"].append(member.birth)
        out["marital"].append(member.marital)
        out["external"].append(np.full(k, member.external))
        out["household"].append(hh)
        for name in _LINKS:
            target = getattr(member, name)
            out[name].append(np.where(target >= 0, offset + target * k + local, -1))
    return {name: np.concatenate(parts) for name, parts in out.items()}


def build_kin(
    rng: np.random.Generator, templates: tuple[Template, ...], plan: np.ndarray, ref: int
) -> Kin:
    """Generate every household of ``plan`` (template per household) as of day ``ref``."""
    parts: list[dict[str, np.ndarray]] = []
    head = np.empty(plan.size, dtype=np.int64)
    offset = 0
    for t_index, template in enumerate(templates):
        hh = np.flatnonzero(plan == t_index)
        if hh.size == 0:
            continue
        block = build_block(rng, template, hh.size, ref)
        parts.append(_block_arrays(block, hh, offset))
        head[hh] = offset + block.head * hh.size + np.arange(hh.size)
        offset += len(block.members) * hh.size
    arrays = {name: np.concatenate([p[name] for p in parts]) for name in (*_FIELDS, *_LINKS)}
    return Kin(**arrays, head=head, template=plan)


def concat(a: Kin, b: Kin) -> Kin:
    """People of ``a`` then ``b``; ``b``'s links and households are renumbered."""
    shift, hh_shift = a.male.size, a.households

    def links(x: np.ndarray) -> np.ndarray:
        return np.where(x >= 0, x + shift, -1)

    return Kin(
        male=np.concatenate([a.male, b.male]),
        birth=np.concatenate([a.birth, b.birth]),
        marital=np.concatenate([a.marital, b.marital]),
        external=np.concatenate([a.external, b.external]),
        household=np.concatenate([a.household, b.household + hh_shift]),
        spouse=np.concatenate([a.spouse, links(b.spouse)]),
        mother=np.concatenate([a.mother, links(b.mother)]),
        father=np.concatenate([a.father, links(b.father)]),
        head=np.concatenate([a.head, b.head + shift]),
        template=np.concatenate([a.template, b.template + 1000]),
    )


def make_twins(rng: np.random.Generator, kin: Kin, count: int, ref: int) -> np.ndarray:
    """Turn ``count`` pairs of school-age siblings into same-sex twins; returns (m, 2)."""
    kids = np.flatnonzero((kin.mother >= 0) & ~kin.external)
    kids = kids[np.lexsort((kin.birth[kids], kin.mother[kids]))]
    same_mother = kin.mother[kids[1:]] == kin.mother[kids[:-1]]
    age = (ref - kin.birth[kids[:-1]]) / 365.2425
    ok = np.flatnonzero(same_mother & (age >= 7) & (age < 15))
    chosen = np.sort(rng.permutation(ok)[:count])
    pairs = np.column_stack([kids[chosen], kids[chosen + 1]])
    pairs = pairs[np.unique(pairs[:, 0], return_index=True)[1]]
    pairs = pairs[~np.isin(pairs[:, 0], pairs[:, 1])]
    kin.birth[pairs[:, 1]] = kin.birth[pairs[:, 0]]
    kin.male[pairs[:, 1]] = kin.male[pairs[:, 0]]
    return pairs
