"""village/<YYYY-MM>/register.csv: what the village officers reported by the month's
meeting (DOMAIN.md §4), in the legacy register layout, to import before the month's
comparison.

The register file is the snapshot on the day before the first month; a county compares
month M's department feeds on the 3rd of M + 1 with a register the villages have kept up
since. Each file brings the month's reported births (the first month's also those of
the lead months, born before the snapshot and registered by the police later) and the
marriages and remarriages of register people. A village misses some: each event is
reported with the share in ``REPORTED``, drawn once per event, and the comparison finds
the rest (漏报, 婚变未更新). Divorces, deaths and moves are not in the files (the layout
has no column that takes a person off the register).

A newborn is reported before the police issue the baby's number: its row has none, and
names its mother by her number. Whole households are written, head first (the
register's household rule holds per file); the import leaves unchanged rows alone and
records a correction for a changed marital status.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from renkou.synth import attributes as attr
from renkou.synth import households as hh
from renkou.synth import names
from renkou.synth.frame import Context
from renkou.synth.police import BABY_RELATION
from renkou.synth.register import REGISTER_HEADER, SEX, id_texts, register_columns
from renkou.synth.rng import stream
from renkou.synth.text import iso_dates
from renkou.synth.writer import write_csv

REPORTED: Final = {"births": 0.93, "marriages": 0.96}
_MARRIES: Final = ("结婚", "复婚")
_MARITAL: Final = REGISTER_HEADER.index("婚姻状况")


@dataclass(frozen=True)
class Reported:
    """Which simulated events the villages report (one draw per event)."""

    births: np.ndarray  # bool per birth
    marriages: dict[str, np.ndarray]  # bool per event, by registration type


def reported(ctx: Context, seed: int) -> Reported:
    rng = stream(seed, "village")
    births = rng.random(ctx.sim.births.mother.size) < REPORTED["births"]
    marriages = {
        kind: rng.random(ctx.sim.marriage[kind].person.size) < REPORTED["marriages"]
        for kind in _MARRIES
        if kind in ctx.sim.marriage
    }
    return Reported(births, marriages)


def _baby_rows(ctx: Context, rows: np.ndarray) -> list[np.ndarray]:
    """Register columns of the newborns ``rows`` (indices into the births)."""
    pop, b = ctx.pop, ctx.sim.births
    mother = b.mother[rows]
    father = b.father[rows]
    ids = id_texts(pop)
    relation = np.asarray(attr.RELATIONS, dtype=object)[pop.relation[mother]]
    n = rows.size
    county = ctx.tree.county_code
    father_ok = (father >= 0) & pop.in_register[np.maximum(father, 0)]
    return [
        np.array([f"CB{county}{i:07d}" for i in rows], dtype=object),
        b.name[rows],
        np.array([SEX[int(m)] for m in b.male[rows]], dtype=object),
        np.full(n, "", dtype=object),
        iso_dates(b.day[rows]),
        np.asarray(names.ETHNIC_NAMES, dtype=object)[pop.ethnic[mother]],
        np.asarray(attr.HUKOU_TYPES, dtype=object)[pop.hh_hukou_type[pop.kin.household[mother]]],
        pop.places.village_code.astype(object)[pop.places.group_village[pop.group[mother]]],
        pop.places.village_code.astype(object)[pop.residence[mother]],
        pop.hh_code[pop.kin.household[mother]],
        np.array(
            [
                BABY_RELATION.get(r, ("其他", "其他"))[int(s)]
                for r, s in zip(relation, b.male[rows], strict=True)
            ],
            dtype=object,
        ),
        np.full(n, hh.MARITAL_LABELS[hh.NEVER], dtype=object),
        np.full(n, "", dtype=object),
        ids[mother],
        np.where(father_ok, ids[np.maximum(father, 0)], ""),
        np.full(n, "", dtype=object),
    ]


def village_columns(ctx: Context, m: int, picked: Reported) -> list[np.ndarray]:
    """The rows of month ``m``'s file in ``REGISTER_HEADER`` order."""
    pop, b = ctx.pop, ctx.sim.births
    in_month = (b.month <= m) if m == 0 else (b.month == m)
    births = np.flatnonzero(in_month & picked.births & pop.has_id[b.mother])
    married = [
        events.person[rows[picked.marriages[kind][rows]]]
        for kind, events in ctx.sim.marriage.items()
        if kind in picked.marriages and (rows := events.in_month(m)).size
    ]
    married_people = np.concatenate(married) if married else np.zeros(0, dtype=np.int64)
    married_people = married_people[pop.in_register[married_people]]
    households = np.union1d(pop.kin.household[b.mother[births]], pop.kin.household[married_people])
    order = pop.order
    keep = np.flatnonzero(np.isin(pop.kin.household[order], households))
    columns = [c[keep] for c in register_columns(pop)]
    marital = columns[_MARITAL].copy()
    marital[np.isin(order[keep], married_people)] = hh.MARITAL_LABELS[hh.MARRIED]
    columns[_MARITAL] = marital
    babies = _baby_rows(ctx, births)
    return [np.concatenate([c, extra]) for c, extra in zip(columns, babies, strict=True)]


def write_village_month(
    ctx: Context, m: int, label: str, out_dir: Path, picked: Reported
) -> dict[str, int]:
    """Write month ``m``'s file (``YYYY-MM`` = ``label``)."""
    path = Path("village") / label / "register.csv"
    rows = write_csv(out_dir / path, REGISTER_HEADER, village_columns(ctx, m, picked))
    return {path.as_posix(): rows}
