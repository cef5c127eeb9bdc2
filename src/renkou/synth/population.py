"""The register population: households placed in villages, people named and numbered."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from renkou.synth import attributes as attr
from renkou.synth import names
from renkou.synth.dates import ymd
from renkou.synth.households import INFLOW_TEMPLATES, TEMPLATES
from renkou.synth.idnum import IdRegistry
from renkou.synth.kin import Kin, build_kin, concat, make_twins, plan_households
from renkou.synth.places import Places, random_groups
from renkou.synth.rng import choice_index, stream

INFLOW_SHARE = 0.03


@dataclass
class Population:
    """Everyone the generator knows before the first month: register and spouses elsewhere."""

    kin: Kin
    places: Places
    ref: int  # snapshot day: the day before the first month
    hh_group: np.ndarray  # hukou group per household
    hh_code: np.ndarray  # 户编号, U18
    hh_inflow: np.ndarray
    hh_hukou_type: np.ndarray  # index into attributes.HUKOU_TYPES
    group: np.ndarray  # hukou group per person
    residence: np.ndarray  # village (Places index) per person
    ethnic: np.ndarray
    surname: np.ndarray  # index into names.SURNAMES
    name: np.ndarray  # object
    id17: np.ndarray  # int64 value of the first 17 digits
    has_id: np.ndarray
    relation: np.ndarray  # index into attributes.RELATIONS
    phone: np.ndarray  # U11, '' for none
    case_id: np.ndarray  # U12, '' for people outside the register
    order: np.ndarray  # register rows: person indices in file order
    twins: np.ndarray  # (m, 2) register twins whose numbers differ in one digit

    @cached_property
    def birth_ymd(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Year, month and day of birth of everyone (computed once)."""
        return ymd(self.kin.birth)

    @property
    def in_register(self) -> np.ndarray:
        """Mask of people who are rows of the register."""
        return ~self.kin.external


def _kin(seed: int, people: int, ref: int) -> tuple[Kin, np.ndarray, int]:
    """Local and inflow households; returns (kin, twin pairs, local household count)."""
    rng = stream(seed, "households")
    local = build_kin(rng, TEMPLATES, plan_households(rng, TEMPLATES, people), ref)
    twins = make_twins(rng, local, max(1, people // 8000), ref)
    inflow_people = max(1, round(people * INFLOW_SHARE))
    inflow = build_kin(
        rng, INFLOW_TEMPLATES, plan_households(rng, INFLOW_TEMPLATES, inflow_people), ref
    )
    return concat(local, inflow), twins, local.households


def _hh_sizes(kin: Kin) -> np.ndarray:
    """Register members per household."""
    return np.bincount(kin.household[~kin.external], minlength=kin.households)


def _local_villages(places: Places, sizes: np.ndarray) -> np.ndarray:
    """Village per household, filling villages in order up to their planned size."""
    target = np.cumsum(places.village_weight[: places.local_villages])
    before = np.cumsum(sizes) - sizes
    village = np.searchsorted(target, before, side="right")
    return np.asarray(np.minimum(village, places.local_villages - 1))


def _household_codes(places: Places, hh_group: np.ndarray) -> np.ndarray:
    """户编号: village (12) + group (2) + serial (4), serials counted per group."""
    order = np.argsort(hh_group, kind="stable")
    sorted_groups = hh_group[order]
    starts = np.searchsorted(sorted_groups, sorted_groups, side="left")
    serial = np.empty(hh_group.size, dtype=np.int64)
    serial[order] = np.arange(hh_group.size) - starts + 1
    return np.char.add(places.group_code[hh_group], np.char.zfill(serial.astype("U4"), 4))


def _place_households(
    rng: np.random.Generator, kin: Kin, places: Places, n_local: int
) -> tuple[np.ndarray, np.ndarray]:
    """(hukou group, residence village) per household."""
    village = np.empty(kin.households, dtype=np.int64)
    village[:n_local] = _local_villages(places, _hh_sizes(kin)[:n_local])
    n_inflow = kin.households - n_local
    village[n_local:] = places.local_villages + rng.integers(0, places.outside_villages, n_inflow)
    residence = village.copy()
    weights = places.village_weight[: places.local_villages]
    residence[n_local:] = choice_index(rng, weights, n_inflow)
    moved = np.flatnonzero(rng.random(n_local) < attr.MOVED_WITHIN_COUNTY)
    residence[moved] = choice_index(rng, weights, moved.size)
    return random_groups(rng, places, village), residence


def _names(seed: int, kin: Kin, ethnic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(surname index, full name); children inherit surnames along the kin links."""
    rng = stream(seed, "names")
    surname = names.draw_surnames(rng, kin.male.size)
    surname = names.inherit_surnames(rng, surname, kin.mother, kin.father)
    full = names.full_names(
        rng,
        surname=surname,
        male=kin.male,
        birth_year=ymd(kin.birth)[0],
        dotted=names.DOTTED_ETHNIC[ethnic],
    )
    return surname, full


def build_population(
    *, seed: int, places: Places, people: int, ref: int, registry: IdRegistry
) -> Population:
    """The register as of day ``ref`` for ``people`` local residents plus inflow migrants."""
    kin, twins, n_local = _kin(seed, people, ref)
    rng = stream(seed, "placement")
    hh_group, hh_residence = _place_households(rng, kin, places, n_local)
    hh_inflow = np.arange(kin.households) >= n_local
    group = attr.person_groups(rng, kin, places, hh_group)
    ethnic = attr.ethnic_groups(rng, kin)
    relation = attr.relations(kin)
    order = attr.register_order(
        kin,
        places,
        hh_group=hh_group,
        hh_inflow=hh_inflow,
        hh_residence=hh_residence,
        relation=relation,
    )
    id17 = attr.identity_numbers(
        stream(seed, "ids"), kin, places=places, group=group, registry=registry, twins=twins
    )
    surname, name = _names(seed, kin, ethnic)
    return Population(
        kin=kin,
        places=places,
        ref=ref,
        hh_group=hh_group,
        hh_code=_household_codes(places, hh_group),
        hh_inflow=hh_inflow,
        hh_hukou_type=attr.hukou_types(rng, places, hh_group, hh_inflow),
        group=group,
        residence=attr.residences(
            rng, kin, places=places, group=group, hh_residence=hh_residence, ref=ref
        ),
        ethnic=ethnic,
        surname=surname,
        name=name,
        id17=id17,
        has_id=attr.issued(stream(seed, "issued"), kin, ref, twins),
        relation=relation,
        phone=attr.phones(stream(seed, "phones"), kin, ref),
        case_id=attr.case_ids(stream(seed, "case_ids"), kin.male.size, order),
        order=order,
        twins=twins,
    )
