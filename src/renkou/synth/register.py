"""register.csv: the legacy register export, one row per person, households together."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from renkou.synth import attributes as attr
from renkou.synth import households as hh
from renkou.synth import names
from renkou.synth.idnum import to_text
from renkou.synth.population import Population
from renkou.synth.text import iso_dates, labels
from renkou.synth.writer import write_csv

REGISTER_HEADER = (
    "个案编号", "姓名", "性别", "公民身份号码", "出生日期", "民族", "户口性质", "户籍地区划代码",
    "现居住地区划代码", "户编号", "与户主关系", "婚姻状况", "配偶身份证号", "母亲身份证号",
    "父亲身份证号", "联系电话",
)  # fmt: skip
SEX = ("女", "男")


def id_texts(pop: Population) -> np.ndarray:
    """Identity number text per person ('' where none is on file), object array."""
    return np.where(pop.has_id, to_text(pop.id17), "").astype(object)


def linked_ids(ids: np.ndarray, target: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """The number of the person each link points at, where the link is allowed."""
    ok = (target >= 0) & allowed[np.maximum(target, 0)]
    return np.where(ok, ids[np.maximum(target, 0)], "")


def register_columns(pop: Population) -> list[np.ndarray]:
    """Register columns in ``REGISTER_HEADER`` order, rows in file order."""
    k, p, o = pop.kin, pop.places, pop.order
    ids = id_texts(pop)
    everyone = np.ones(k.male.size, dtype=bool)
    codes = p.village_code.astype(object)
    return [
        pop.case_id[o],
        pop.name[o],
        labels(SEX, k.male[o]),
        ids[o],
        iso_dates(k.birth[o]),
        labels(names.ETHNIC_NAMES, pop.ethnic[o]),
        labels(attr.HUKOU_TYPES, pop.hh_hukou_type[k.household[o]]),
        codes[p.group_village[pop.group[o]]],
        codes[pop.residence[o]],
        pop.hh_code[k.household[o]],
        labels(attr.RELATIONS, pop.relation[o]),
        labels(hh.MARITAL_LABELS, k.marital[o]),
        linked_ids(ids, k.spouse, everyone)[o],
        linked_ids(ids, k.mother, pop.in_register)[o],
        linked_ids(ids, k.father, pop.in_register)[o],
        pop.phone[o],
    ]


def write_register(path: Path, pop: Population) -> int:
    """Write register.csv; returns the number of rows."""
    return write_csv(path, REGISTER_HEADER, register_columns(pop))
