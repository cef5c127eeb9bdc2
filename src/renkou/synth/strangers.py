"""People we do not hold whose valid number is one digit away from a register person's.

Same area, birth date and sex, often the same name: a matcher that treats a one-digit
difference between two *valid* numbers as a typo links them, and must not.
"""

from __future__ import annotations

import numpy as np

from renkou.synth import names
from renkou.synth import people as pp
from renkou.synth.dates import ymd
from renkou.synth.frame import Context
from renkou.synth.places import random_groups
from renkou.synth.rng import choice_index

NEAR_ID_SHARE = 0.03  # of the rows about nobody we hold, in feeds with numbers


def near_count(none_rows: int) -> int:
    """How many of ``none_rows`` rows are near-number strangers."""
    return 0 if none_rows < 2 else max(1, round(NEAR_ID_SHARE * none_rows))


def near_strangers(ctx: Context, pool: np.ndarray, n: int) -> pp.People:
    """Up to ``n`` strangers, each one digit away from a person drawn from ``pool``."""
    pop, rng = ctx.pop, ctx.rng
    if n == 0 or pool.size == 0:
        return pp.empty()
    chosen = rng.choice(pool, size=min(n, pool.size), replace=False)
    found = [(int(r), ctx.registry.near_variant(rng, int(pop.id17[r]))) for r in chosen]
    kept = np.array([r for r, v in found if v is not None], dtype=np.int64)
    values = np.array([v for _, v in found if v is not None], dtype=np.int64)
    base = pp.from_register(pop, kept)
    given = names.given_names(rng, base.male, ymd(base.birth)[0])
    same_name = rng.random(kept.size) < 0.5
    base.name = np.where(same_name, base.name, names.SURNAMES[pop.surname[kept]] + given)
    village = choice_index(rng, pop.places.village_weight[: pop.places.local_villages], kept.size)
    group = random_groups(rng, pop.places, village)
    serial = rng.integers(9000, 10_000, kept.size).astype("U4")
    base.id17, base.has_id = values, np.ones(kept.size, dtype=bool)
    base.hukou_village = village
    base.hukou_address = pop.places.group_address[group]
    base.residence_address = base.hukou_address
    base.residence_village = village
    base.household_code = np.char.add(pop.places.group_code[group], serial).astype(object)
    base.head_name = base.name.copy()
    base.relation = np.full(kept.size, "本人", dtype=object)
    base.case_id = np.full(kept.size, "", dtype=object)
    return base
