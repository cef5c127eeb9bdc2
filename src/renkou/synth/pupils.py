"""pupil.csv: pupil registrations (学籍) from the education bureau."""

from __future__ import annotations

import numpy as np

from renkou.synth import names
from renkou.synth import people as pp
from renkou.synth.dates import ymd
from renkou.synth.frame import Assembled, Context, Part, assemble
from renkou.synth.places import Places
from renkou.synth.strangers import near_count, near_strangers

PUPIL_HEADER = (
    "学生姓名",
    "性别",
    "身份证号",
    "出生日期",
    "学校",
    "年级",
    "监护人姓名",
    "家庭住址",
    "母亲身份证号",
)
# Rows whose 学籍 record gives the mother's number (many leave it blank or name only a
# guardian, whose number this column never holds).
MOTHER_ID_SHARE = 0.7
GRADES = (
    "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级",
    "高一", "高二", "高三",
)  # fmt: skip
_HIGH_SCHOOLS = ("第一中学", "第二中学", "第三中学", "实验中学")


def school_year(month_first_day: int) -> int:
    """The school year (starting 1 September) a month belongs to."""
    year, month, _ = ymd(np.array([month_first_day]))
    return int(year[0]) if int(month[0]) >= 9 else int(year[0]) - 1


def grades(
    birth_ymd: tuple[np.ndarray, np.ndarray, np.ndarray], month_first_day: int
) -> np.ndarray:
    """School grade (1–12; ≤ 0 or > 12 means not at school) in the month starting that day.

    Children who are six by 31 August start the first grade that September.
    """
    year, month, _ = birth_ymd
    return school_year(month_first_day) - year - (month >= 9) - 5


def _short(name: str) -> str:
    """A village or township name without its suffix (大官庄村 → 大官庄)."""
    for suffix in ("社区居委会", "村", "镇", "乡", "街道"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def schools(ctx: Context, village: np.ndarray, grade: np.ndarray) -> np.ndarray:
    """School names by where the pupil lives and the grade."""
    p: Places = ctx.pop.places
    tree, rng = ctx.tree, ctx.rng
    local = village < p.local_villages
    v = np.where(local, village, 0)
    town = np.array([_short(t) for t in tree.township_names], dtype=object)[
        tree.village_township[v]
    ]
    own = np.array([_short(n) for n in tree.village_names], dtype=object)[v]
    primary = np.where(rng.random(v.size) < 0.5, own + "小学", town + "中心小学")
    high = tree.county_name + np.array(_HIGH_SCHOOLS, dtype=object)[rng.integers(0, 4, v.size)]
    name = np.select([grade <= 6, grade <= 9], [primary, town + "中学"], high).astype(object)
    city = p.village_county[village]
    away = np.where(grade <= 6, city + "第二小学", city + "第五中学")
    return np.asarray(np.where(local, name, away).astype(object))


def _part(
    ctx: Context,
    kids: pp.People,
    *,
    guardian: np.ndarray,
    grade: np.ndarray,
    role: str,
    tag: str = "",
    protect: bool = False,
    mother: np.ndarray,
) -> Part:
    """Rows of pupils (school by where they live and their grade)."""
    village = kids.residence_village
    extra = {
        "学校": schools(ctx, village, grade),
        "年级": np.array(GRADES, dtype=object)[grade - 1],
        "监护人姓名": guardian,
    }
    # Rosters come in no particular order.
    order = (ctx.rng.random(len(kids)) * 1e6).astype(np.int64)
    return Part(kids, dob=kids.birth, address=kids.residence_address, sort_day=order, role=role,
                extra=extra, tag=tag, protect=protect, mother=mother)  # fmt: skip


def guardians(ctx: Context, person: np.ndarray) -> np.ndarray:
    """Father's name, else mother's, else the household head's."""
    k, name = ctx.pop.kin, ctx.pop.name
    head = k.head[k.household[person]]
    parent = np.where(k.father[person] >= 0, k.father[person], k.mother[person])
    return np.asarray(np.where(parent >= 0, name[np.maximum(parent, 0)], name[head]).astype(object))


def register_rows(ctx: Context, m: int, pool: np.ndarray) -> np.ndarray:
    """Register pupils in this month's roster: the twins first, then a random sample."""
    n = int(ctx.plan.rows["pupil"][m] - ctx.plan.none["pupil"][m] + ctx.sim.extra_pupils[m])
    twins = ctx.pop.twins.ravel()
    first = twins[np.isin(twins, pool)]
    rest = np.setdiff1d(pool, first)
    take = ctx.rng.choice(rest, size=min(max(n - first.size, 0), rest.size), replace=False)
    return np.concatenate([first, np.sort(take)])


def register_parts(ctx: Context, m: int, grade: np.ndarray) -> list[Part]:
    """Rows about register pupils; rows of twins one digit apart carry ``near_id_twin``."""
    pool = np.flatnonzero(ctx.pop.in_register & (grade >= 1) & (grade <= 12))
    person = register_rows(ctx, m, pool)
    twin = np.isin(person, ctx.pop.twins.ravel())
    parts = []
    for is_twin in (True, False):
        sel = person[twin == is_twin]
        kids = pp.from_register(ctx.pop, sel)
        tag = "near_id_twin" if is_twin else ""
        mother = ctx.register_mothers(sel, MOTHER_ID_SHARE)
        guardian = guardians(ctx, sel)
        part = _part(ctx, kids, guardian=guardian, grade=grade[sel], role="self", tag=tag,
                     mother=mother)  # fmt: skip
        parts.append(part)
    return parts


def none_parts(ctx: Context, m: int, grade: np.ndarray) -> list[Part]:
    """Pupils we do not hold (mostly migrants' children) and near-number strangers."""
    n = int(ctx.plan.none["pupil"][m])
    lo = ctx.plan.month_bounds(m)[0]
    pool = np.flatnonzero(ctx.pop.in_register & ctx.pop.has_id & (grade >= 1) & (grade <= 12))
    near = near_strangers(ctx, pool, near_count(n))
    kids = ctx.outsiders(n - len(near), (6.1, 17.5), 0.3, on=lo)
    parts = []
    for batch, tag in ((near, "near_id"), (kids, "")):
        g = np.clip(grades(ymd(batch.birth), lo), 1, 12)
        parent = names.father_names(ctx.rng, batch.name, 1985)
        protect = tag == "near_id"
        mother = ctx.outside_mothers(batch, MOTHER_ID_SHARE)
        part = _part(ctx, batch, guardian=parent, grade=g, role="none", protect=protect,
                     tag=tag, mother=mother)  # fmt: skip
        parts.append(part)
    return parts


def pupil_columns(rows: Assembled) -> list[np.ndarray]:
    """Columns in ``PUPIL_HEADER`` order."""
    e = rows.extra
    sex = np.where(rows.people.male, "男", "女").astype(object)
    return [rows.name, sex, rows.id, rows.dob, e["学校"], e["年级"], e["监护人姓名"], rows.address,
            rows.mother_id]  # fmt: skip


def pupil_feed(ctx: Context, m: int) -> tuple[Assembled, list[np.ndarray]]:
    """The pupil feed of month ``m``."""
    grade = grades(ctx.pop.birth_ymd, ctx.plan.month_bounds(m)[0])
    rows = assemble(ctx, register_parts(ctx, m, grade) + none_parts(ctx, m, grade))
    return rows, pupil_columns(rows)
