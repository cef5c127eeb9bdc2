"""marriage.csv: marriage and divorce registrations from civil affairs.

Each row has one register side (the truth's husband or wife); the partner is held
elsewhere, so the truth is never ambiguous.
"""

from __future__ import annotations

import numpy as np

from renkou.synth import people as pp
from renkou.synth.dates import DAYS_PER_YEAR as YEAR
from renkou.synth.frame import Assembled, Context, Part, assemble
from renkou.synth.strangers import near_count, near_strangers
from renkou.synth.text import iso_dates

MARRIAGE_HEADER = (
    "男方姓名", "男方身份证号", "男方出生日期", "男方户籍地", "女方姓名", "女方身份证号",
    "女方出生日期", "女方户籍地", "登记类型", "登记日期", "登记机关",
)  # fmt: skip
OFFICE = "民政局婚姻登记处"


def partners_for(ctx: Context, people: pp.People, on: int, local_share: float) -> pp.People:
    """New partners of the opposite sex: husbands 0–5 years older than wives."""
    n = len(people)
    gap = ctx.rng.uniform(0, 5, n) * np.where(people.male, -1, 1)
    age = np.clip((on - people.birth) / YEAR + gap, 20.5, 70)
    birth = on - np.floor(age * YEAR).astype(np.int64)
    local = ctx.rng.random(n) < local_share
    return pp.outsiders(ctx.rng, ctx.registry, ctx.pop, birth=birth, male=~people.male, local=local)


def _part(
    ctx: Context,
    subject: pp.People,
    partner: pp.People,
    kind: str,
    day: np.ndarray,
    *,
    ours: bool = True,
    tag: str = "",
) -> Part:
    """Rows of one registration type; ``subject`` is the side the truth names (if ``ours``)."""
    p = ctx.pop.places
    office_at = np.where(
        ctx.rng.random(len(subject)) < 0.8, subject.hukou_village, partner.hukou_village
    )
    extra = {
        "partner_name": partner.name,
        "partner_id": partner.id_text(),
        "partner_dob": iso_dates(partner.birth),
        "partner_address": partner.hukou_address,
        "登记类型": np.full(len(subject), kind, dtype=object),
        "登记日期": iso_dates(day),
        "登记机关": p.village_county[office_at] + OFFICE,
    }
    role = np.where(subject.male, "husband", "wife").astype(object) if ours else "none"
    return Part(subject, dob=subject.birth, address=subject.hukou_address, sort_day=day,
                role=role, extra=extra, tag=tag, protect=tag == "near_id")  # fmt: skip


def register_parts(ctx: Context, m: int) -> list[Part]:
    """Registrations with one register side."""
    pop, lo = ctx.pop, ctx.plan.month_bounds(m)[0]
    parts = []
    for kind, events in ctx.sim.marriage.items():
        rows = events.in_month(m)
        person = events.person[rows]
        subject = pp.from_register(pop, person)
        if kind == "离婚":
            partner = pp.from_register(pop, pop.kin.spouse[person])
        else:
            partner = partners_for(ctx, subject, lo, 0.0)
        parts.append(_part(ctx, subject, partner, kind, events.day[rows]))
    return parts


def none_parts(ctx: Context, m: int) -> list[Part]:
    """Registrations of couples we do not hold, and of near-number strangers."""
    n = int(ctx.plan.none["marriage"][m])
    lo = ctx.plan.month_bounds(m)[0]
    age = (lo - ctx.pop.kin.birth) / YEAR
    pool = np.flatnonzero(ctx.pop.in_register & ctx.pop.has_id & (age >= 22) & (age < 45))
    near = near_strangers(ctx, pool, near_count(n))
    rest = n - len(near)
    subject = ctx.outsiders(rest, (20, 40), 0.5, on=lo)
    kinds = np.where(ctx.rng.random(rest) < 0.85, "结婚", "离婚")
    parts = []
    for kind in ("结婚", "离婚"):
        people = subject.take(np.flatnonzero(kinds == kind))
        partner = partners_for(ctx, people, lo, 0.3)
        parts.append(_part(ctx, people, partner, kind, ctx.days_in(m, len(people)), ours=False))
    partner = partners_for(ctx, near, lo, 0.3)
    day = ctx.days_in(m, len(near))
    return [*parts, _part(ctx, near, partner, "结婚", day, ours=False, tag="near_id")]


def marriage_columns(rows: Assembled) -> list[np.ndarray]:
    """Columns in ``MARRIAGE_HEADER`` order: the subject on the side of their sex."""
    e, male = rows.extra, rows.people.male

    def side(mine: np.ndarray, theirs: np.ndarray, husband: bool) -> np.ndarray:
        return np.where(male == husband, mine, theirs).astype(object)

    sides = []
    for husband in (True, False):
        sides += [
            side(rows.name, e["partner_name"], husband),
            side(rows.id, e["partner_id"], husband),
            side(rows.dob, e["partner_dob"], husband),
            side(rows.address, e["partner_address"], husband),
        ]
    return [*sides, e["登记类型"], e["登记日期"], e["登记机关"]]


def marriage_feed(ctx: Context, m: int) -> tuple[Assembled, list[np.ndarray]]:
    """The marriage registration feed of month ``m``."""
    rows = assemble(ctx, register_parts(ctx, m) + none_parts(ctx, m))
    return rows, marriage_columns(rows)
