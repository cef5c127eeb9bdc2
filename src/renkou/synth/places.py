"""Every place a person can hold hukou in or live in, as one indexed table.

Villages are numbered: first the county's own (same order as the org tree), then
villages elsewhere where inflow migrants and spouses from outside hold their hukou, then
the districts where outflow migrants live (no groups; code = district + zeros).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renkou.synth import data_places as dp
from renkou.synth.orgunits import (
    OrgTree,
    group_name,
    group_numbers,
    township_base_names,
    village_name,
)
from renkou.synth.rng import choice_index


@dataclass(frozen=True)
class Places:
    """Villages (local, outside, outflow districts) and their groups."""

    village_code: np.ndarray  # U12
    village_address: np.ndarray  # object
    village_area: np.ndarray  # int64, 6-digit area code
    village_weight: np.ndarray  # float: how likely people live there (local villages only)
    village_urban: np.ndarray  # bool: residents' committee (居委会)
    village_county: np.ndarray  # object: province + prefecture + county of each village
    village_township: np.ndarray  # int64: the org tree's township index (-1: not local)
    group_code: np.ndarray  # U14
    group_address: np.ndarray  # object
    group_village: np.ndarray
    local_villages: int
    local_groups: int
    outside_villages: int  # villages [local, local + outside) are outside hukou places

    @property
    def outflow_start(self) -> int:
        """Index of the first outflow district."""
        return self.local_villages + self.outside_villages


def origins(county_code: str) -> list[tuple[str, str, float]]:
    """Outside hukou places other than the county itself."""
    return [o for o in dp.INFLOW_ORIGINS if o[0] != county_code]


def _outside_villages(
    rng: np.random.Generator, county_code: str, count: int
) -> tuple[list[str], list[str], list[int], list[str]]:
    """Codes, addresses, area codes and county names of villages outside the county."""
    places = origins(county_code)
    pick = choice_index(rng, np.array([p[2] for p in places]), count)
    towns = township_base_names(rng, 12)
    codes, addresses, areas, counties = [], [], [], []
    used: set[str] = set()
    for i, p in enumerate(pick):
        area, full, _ = places[int(p)]
        town = int(rng.integers(0, 12))
        code = f"{area}{100 + town:03d}{201 + i % 150:03d}"
        if code in used:
            continue
        used.add(code)
        codes.append(code)
        addresses.append(f"{full}{towns[town]}镇{village_name(rng)}")
        areas.append(int(area))
        counties.append(full)
    return codes, addresses, areas, counties


def build_places(rng: np.random.Generator, tree: OrgTree, outside: int) -> Places:
    """Local villages from ``tree``, ``outside`` villages elsewhere, and outflow districts."""
    o_codes, o_addr, o_area, o_county = _outside_villages(rng, tree.county_code, outside)
    o_groups = rng.integers(3, 7, len(o_codes))
    g_village, g_index = group_numbers(o_groups)
    n_local = tree.village_codes.size
    flow = dp.OUTFLOW_PLACES
    v_codes = [*tree.village_codes.tolist(), *o_codes, *(f"{f[0]}000000" for f in flow)]
    v_addr = [*tree.village_address.tolist(), *o_addr, *(f[1] for f in flow)]
    v_area = [int(tree.county_code)] * n_local + o_area + [int(f[0]) for f in flow]
    weight = np.zeros(len(v_codes))
    weight[:n_local] = tree.village_target
    weight[n_local + len(o_codes) :] = [f[2] for f in flow]
    o_gcodes = [f"{o_codes[v]}{i:02d}" for v, i in zip(g_village, g_index, strict=True)]
    o_gaddr = [
        o_addr[v] + group_name(int(i), False) for v, i in zip(g_village, g_index, strict=True)
    ]
    return Places(
        village_code=np.array(v_codes, dtype="U12"),
        village_address=np.array(v_addr, dtype=object),
        village_area=np.array(v_area, dtype=np.int64),
        village_weight=weight,
        village_urban=np.concatenate([tree.village_urban, np.zeros(len(v_codes) - n_local, bool)]),
        village_county=np.array(
            [tree.county_full] * n_local + o_county + [f[1] for f in flow], dtype=object
        ),
        village_township=np.concatenate(
            [tree.village_township, np.full(len(v_codes) - n_local, -1, dtype=np.int64)]
        ),
        group_code=np.concatenate([tree.group_codes, np.array(o_gcodes, dtype="U14")]),
        group_address=np.concatenate([tree.group_address, np.array(o_gaddr, dtype=object)]),
        group_village=np.concatenate([tree.group_village, g_village + n_local]),
        local_villages=n_local,
        local_groups=tree.group_codes.size,
        outside_villages=len(o_codes),
    )


def random_groups(rng: np.random.Generator, places: Places, village: np.ndarray) -> np.ndarray:
    """A random group of each village (groups are stored sorted by village)."""
    first = np.searchsorted(places.group_village, village, side="left")
    count = np.searchsorted(places.group_village, village, side="right") - first
    return first + (rng.random(village.size) * count).astype(np.int64)
