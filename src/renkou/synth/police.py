"""police.csv: hukou changes from the public security bureau (births, moves, deaths)."""

from __future__ import annotations

import numpy as np

from renkou.synth import events as ev
from renkou.synth import names
from renkou.synth import people as pp
from renkou.synth.dates import month_label
from renkou.synth.frame import Assembled, Context, Part, assemble
from renkou.synth.places import random_groups
from renkou.synth.strangers import near_count, near_strangers
from renkou.synth.text import iso_dates, numbered

POLICE_HEADER = (
    "姓名", "性别", "公民身份号码", "出生日期", "民族", "户籍地址", "户号", "户主姓名",
    "与户主关系", "变动类型", "变动日期", "业务流水号", "母亲身份证号",
)  # fmt: skip
# 出生 rows naming the newborn's mother's number (the 出生登记 form asks for it; some
# exports leave it out). Other changes leave the column blank.
MOTHER_ID_SHARE = 0.9
NONE_MIX = (("出生", 0.25), ("迁入", 0.35), ("迁出", 0.15), ("死亡", 0.25))
# Rows about people we do not hold: (age range, share with local hukou) per change type.
NONE_PEOPLE: dict[str, tuple[tuple[float, float], float]] = {
    "出生": ((0.0, 0.25), 0.9),
    "迁入": ((18.0, 60.0), 0.2),
    "迁出": ((18.0, 60.0), 0.9),
    "死亡": ((60.0, 95.0), 0.95),
}
# The baby's relation to the head, from the mother's.
BABY_RELATION = {
    "本人": ("女", "子"),
    "配偶": ("女", "子"),
    "儿媳": ("孙女", "孙子"),
    "女": ("外孙女", "外孙子"),
}


def _part(
    people: pp.People,
    change: str,
    day: np.ndarray,
    role: str,
    *,
    tag: str = "",
    protect: bool = False,
) -> Part:
    """A part of police rows of one change type."""
    extra = {"变动类型": np.full(len(people), change, dtype=object), "变动日期": iso_dates(day)}
    return Part(people, dob=people.birth, address=people.hukou_address, sort_day=day, role=role,
                extra=extra, tag=tag, protect=protect)  # fmt: skip


def newborns(ctx: Context, m: int) -> Part:
    """Babies of register mothers registered this month; the truth points at the mother."""
    b = ctx.sim.births
    rows = np.flatnonzero(b.police_month == m)
    baby = pp.from_register(ctx.pop, b.mother[rows])
    mother_relation = baby.relation.copy()
    baby.name, baby.male, baby.birth = b.name[rows], b.male[rows], b.day[rows]
    baby.id17, baby.has_id = b.id17[rows], np.ones(rows.size, dtype=bool)
    baby.relation = np.array(
        [
            BABY_RELATION.get(r, ("其他", "其他"))[int(s)]
            for r, s in zip(mother_relation, baby.male, strict=True)
        ],
        dtype=object,
    )
    part = _part(baby, "出生", b.police_day[rows], "mother", tag="newborn")
    part.mother = ctx.numbers_given(b.mother[rows], MOTHER_ID_SHARE)
    return part


def rehome(ctx: Context, people: pp.People, moving: np.ndarray, village: np.ndarray) -> None:
    """Give the ``moving`` people a new household of their own in ``village`` (in place)."""
    pop = ctx.pop
    group = random_groups(ctx.rng, pop.places, village[moving])
    serial = ctx.rng.integers(9000, 10_000, group.size).astype("U4")
    people.hukou_village = np.where(moving, village, people.hukou_village)
    people.hukou_address[moving] = pop.places.group_address[group]
    people.household_code[moving] = np.char.add(pop.places.group_code[group], serial)
    people.head_name[moving] = people.name[moving]
    people.relation[moving] = "本人"


def movers_in(ctx: Context, people: pp.People) -> pp.People:
    """Hukou moved to the village where they live."""
    residence = people.residence_village
    moving = (residence != people.hukou_village) & (residence < ctx.pop.places.local_villages)
    rehome(ctx, people, moving, residence)
    return people


def register_parts(ctx: Context, m: int) -> list[Part]:
    """Rows about register people: newborns, moves in and out, deaths."""
    parts = [newborns(ctx, m)]
    for change, events in ctx.sim.police.items():
        rows = events.in_month(m)
        people = pp.from_register(ctx.pop, events.person[rows])
        if change == "迁入":
            people = movers_in(ctx, people)
        parts.append(_part(people, change, events.day[rows], "self"))
    return parts


def none_parts(ctx: Context, m: int) -> list[Part]:
    """Rows about people we do not hold, including near-number strangers."""
    counts = ev.split(ctx.plan.none["police"][m : m + 1], NONE_MIX)
    lo, _ = ctx.plan.month_bounds(m)
    n_near = near_count(int(ctx.plan.none["police"][m]))
    pool = np.flatnonzero(
        ctx.pop.in_register & ctx.pop.has_id & (ctx.pop.kin.birth < lo - 18 * 365)
    )
    near = near_strangers(ctx, pool, min(n_near, int(counts["迁入"][0])))
    parts = [_part(near, "迁入", ctx.days_in(m, len(near)), "none", tag="near_id", protect=True)]
    for change, per_month in counts.items():
        n = int(per_month[0]) - (len(near) if change == "迁入" else 0)
        ages, local = NONE_PEOPLE[change]
        people = ctx.outsiders(n, ages, local, on=lo)
        if change == "迁入":
            people = movers_in(ctx, people)
        if change == "出生":
            people.head_name = names.father_names(ctx.rng, people.name, 1992)
            people.relation = np.where(people.male, "子", "女").astype(object)
        part = _part(people, change, ctx.days_in(m, n), "none")
        if change == "出生":
            part.mother = ctx.outside_mothers(people, MOTHER_ID_SHARE)
        parts.append(part)
    return parts


def police_columns(ctx: Context, rows: Assembled, m: int) -> list[np.ndarray]:
    """Columns in ``POLICE_HEADER`` order."""
    p = rows.people
    yyyymm = month_label(ctx.plan.start, m).replace("-", "")
    numbers = numbered(f"YW{ctx.tree.county_code}{yyyymm}", len(rows), 8)
    return [
        rows.name, np.where(p.male, "男", "女").astype(object), rows.id, rows.dob, p.ethnic,
        rows.address, p.household_code, p.head_name, p.relation, rows.extra["变动类型"],
        rows.extra["变动日期"], numbers, rows.mother_id,
    ]  # fmt: skip


def police_feed(ctx: Context, m: int) -> tuple[Assembled, list[np.ndarray]]:
    """The police feed of month ``m``."""
    rows = assemble(ctx, register_parts(ctx, m) + none_parts(ctx, m))
    return rows, police_columns(ctx, rows, m)
