"""birth_cert.csv: birth certificates (出生医学证明) issued by hospitals.

The subject of a row is the mother: the baby has no number yet and often no name.
"""

from __future__ import annotations

import numpy as np

from renkou.synth import names
from renkou.synth import people as pp
from renkou.synth.frame import Assembled, Context, Part, assemble
from renkou.synth.text import numbered

BIRTH_CERT_HEADER = (
    "新生儿姓名", "性别", "出生日期", "出生地点", "出生证编号", "接生机构", "母亲姓名",
    "母亲身份证号", "父亲姓名", "父亲身份证号", "母亲户籍地", "母亲现居住地", "孕次", "产次",
)  # fmt: skip
NO_NAME_SHARE = 0.20  # certificates issued before the baby is named
MILK_NAME_SHARE = 0.15
NO_FATHER_SHARE = 0.05
_HOSPITALS = ("人民医院", "妇幼保健院", "中医院")


def baby_names(ctx: Context, formal: np.ndarray) -> np.ndarray:
    """What the certificate shows: the formal name, a milk name, or nothing."""
    u = ctx.rng.random(formal.size)
    shown = formal.copy()
    milk = u < MILK_NAME_SHARE
    shown[milk] = names.milk_names(ctx.rng, int(milk.sum()))
    shown[u > 1 - NO_NAME_SHARE] = ""
    return shown


def places_of_birth(
    ctx: Context, mother: pp.People, living: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(出生地点, 接生机构): the county's hospitals, or the city where the mother lives."""
    p, tree = ctx.pop.places, ctx.tree
    away = living >= p.local_villages
    place = np.where(away, p.village_county[living], tree.county_full).astype(object)
    kind = np.array(_HOSPITALS, dtype=object)[ctx.rng.integers(0, 3, living.size)]
    county = np.where(away, p.village_county[living], tree.county_name).astype(object)
    hospital = county + kind
    local = ~away & (living < p.local_villages)
    town = np.array(tree.township_names, dtype=object)[
        tree.village_township[np.where(local, living, 0)]
    ]
    clinic = local & (ctx.rng.random(living.size) < 0.25)
    hospital[clinic] = town[clinic] + "卫生院"
    return place, hospital


def _extra(
    ctx: Context,
    mother: pp.People,
    father: pp.People,
    living: np.ndarray,
    baby: tuple[np.ndarray, ...],
) -> dict[str, np.ndarray]:
    """The columns besides the mother's name, number, address and the birth date."""
    shown, male, parity, gravidity = baby
    place, hospital = places_of_birth(ctx, mother, living)
    father_known = ctx.rng.random(len(father)) >= NO_FATHER_SHARE
    return {
        "新生儿姓名": shown,
        "性别": np.where(male, "男", "女").astype(object),
        "出生地点": place,
        "接生机构": hospital,
        "父亲姓名": np.where(father_known, father.name, "").astype(object),
        "父亲身份证号": np.where(father_known, father.id_text(), "").astype(object),
        "母亲现居住地": mother.residence_address,
        "孕次": gravidity.astype(str).astype(object),
        "产次": parity.astype(str).astype(object),
    }


def register_part(ctx: Context, m: int) -> Part:
    """Certificates for babies of register mothers born this month."""
    b, pop = ctx.sim.births, ctx.pop
    rows = np.flatnonzero(b.month == m)
    mother = pp.from_register(pop, b.mother[rows])
    father = pp.from_register(pop, b.father[rows])
    baby = (baby_names(ctx, b.name[rows]), b.male[rows], b.parity[rows], b.gravidity[rows])
    extra = _extra(ctx, mother, father, pop.residence[b.mother[rows]], baby)
    day = b.day[rows]
    return Part(mother, dob=day, address=mother.hukou_address, sort_day=day, role="mother",
                extra=extra, tag="newborn")  # fmt: skip


def none_part(ctx: Context, m: int) -> Part:
    """Certificates for mothers we do not hold (from elsewhere, or missing locals)."""
    n = int(ctx.plan.none["birth_cert"][m])
    lo, _ = ctx.plan.month_bounds(m)
    mother = ctx.outsiders(n, (20, 40), 0.4, on=lo, male=np.zeros(n, dtype=bool))
    father = ctx.outsiders(n, (22, 45), 0.4, on=lo, male=np.ones(n, dtype=bool))
    male = ctx.rng.random(n) < 0.52
    day = ctx.days_in(m, n)
    formal = np.array([f[:1] for f in father.name.tolist()], dtype=object) + names.given_names(
        ctx.rng, male, np.full(n, 2026)
    )
    parity = ctx.rng.choice(np.array([1, 2, 3]), n, p=[0.5, 0.4, 0.1])
    baby = (baby_names(ctx, formal), male, parity, parity + ctx.rng.choice(2, n, p=[0.7, 0.3]))
    living = mother.residence_village
    extra = _extra(ctx, mother, father, living, baby)
    return Part(mother, dob=day, address=mother.hukou_address, sort_day=day, role="none",
                extra=extra, tag="newborn")  # fmt: skip


def birth_cert_columns(ctx: Context, rows: Assembled, m: int) -> list[np.ndarray]:
    """Columns in ``BIRTH_CERT_HEADER`` order."""
    e = rows.extra
    numbers = numbered(f"P{ctx.tree.county_code[:2]}{m % 100:02d}", len(rows), 5)
    return [
        e["新生儿姓名"], e["性别"], rows.dob, e["出生地点"], numbers, e["接生机构"],
        rows.name, rows.id, e["父亲姓名"], e["父亲身份证号"], rows.address, e["母亲现居住地"],
        e["孕次"], e["产次"],
    ]  # fmt: skip


def birth_cert_feed(ctx: Context, m: int) -> tuple[Assembled, list[np.ndarray]]:
    """The birth certificate feed of month ``m``."""
    rows = assemble(ctx, [register_part(ctx, m), none_part(ctx, m)])
    return rows, birth_cert_columns(ctx, rows, m)
