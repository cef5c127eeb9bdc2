"""Feed rows → the people they are about ("subjects"), with matching columns.

A police, pupil or birth certificate row has one subject (for a certificate, the
mother); a marriage row has two (男方 and 女方). Police 出生 rows are about a newborn
who is not in the register yet: their subject is flagged ``newborn`` and linked to
the mother through the household, never through the baby's own number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from renkou.linkage import idnumber
from renkou.linkage.normalize import name_key, parse_date, simplified
from renkou.linkage.tables import Feed

__all__ = ["IdStatus", "Subjects", "classify_id", "subjects_of"]

IdStatus = Literal["valid", "bad_check", "excel", "invalid", "missing"]

_MARRIAGE_SIDES: Final = (("husband", "男方", "男"), ("wife", "女方", "女"))


def classify_id(raw: str) -> tuple[IdStatus, str]:
    """(status, normalised 18-character number or "") of a feed identity number.

    15-digit numbers are upgraded. "bad_check" is a well-formed 18-character number
    whose check digit fails (a typing error: repairable); "excel" one Excel has
    rounded (never repaired); "invalid" anything else.
    """
    try:
        s = idnumber.normalize(raw)
    except idnumber.IdNumberError as exc:
        return ("excel" if exc.code == "excel_mangled" else "missing"), ""
    if len(s) == 15 and s.isascii() and s.isdigit():
        return "valid", idnumber.upgrade15(s)
    if len(s) != 18 or not (s.isascii() and s[:17].isdigit() and s[17] in "0123456789X"):
        return ("valid" if idnumber.is_temporary(s) else "invalid"), s
    if idnumber.check_digit(s[:17]) != s[17]:
        return "bad_check", s
    return "valid", s


@dataclass
class Subjects:
    """Column lists, one entry per subject (parallel lists)."""

    row: list[int]
    side: list[str]
    name: list[str]
    simple: list[str]
    key: list[str]
    sex: list[str]
    id_status: list[IdStatus]
    id18: list[str]
    dob: list[date | None]
    event_dob: list[date | None]  # the baby's birth date on birth rows
    address: list[str]
    household: list[str]
    relation: list[str]
    newborn: list[bool]

    def __len__(self) -> int:
        return len(self.row)


def _empty() -> Subjects:
    return Subjects([], [], [], [], [], [], [], [], [], [], [], [], [], [])


def _add(
    out: Subjects, row: int, side: str, *, name: str, raw_id: str, dob: str, sex: str,
    address: str, event_dob: str = "", household: str = "", relation: str = "",
    newborn: bool = False,
) -> None:  # fmt: skip
    status, id18 = classify_id(raw_id)
    out.row.append(row)
    out.side.append(side)
    out.name.append(name)
    out.simple.append(simplified(name))
    out.key.append(name_key(name))
    out.sex.append(sex.strip())
    out.id_status.append(status)
    out.id18.append(id18)
    out.dob.append(parse_date(dob) if dob else None)
    out.event_dob.append(parse_date(event_dob) if event_dob else None)
    out.address.append(address)
    out.household.append(household.strip())
    out.relation.append(relation.strip())
    out.newborn.append(newborn)


def subjects_of(feed: Feed) -> Subjects:
    """The subjects of every row of ``feed`` (row numbers 1-based, as in the truth files)."""
    out = _empty()
    rows = feed.table.to_pylist()
    for i, r in enumerate(rows, start=1):
        if feed.kind == "police":
            born = r["变动类型"].strip() == "出生"
            _add(out, i, "self", name=r["姓名"], raw_id=r["公民身份号码"], dob=r["出生日期"],
                 sex=r["性别"], address=r["户籍地址"], household=r["户号"],
                 relation=r["与户主关系"], newborn=born,
                 event_dob=r["出生日期"] if born else "")  # fmt: skip
        elif feed.kind == "birth_cert":
            _add(out, i, "mother", name=r["母亲姓名"], raw_id=r["母亲身份证号"], dob="",
                 sex="女", address=r["母亲户籍地"], event_dob=r["出生日期"])  # fmt: skip
        elif feed.kind == "marriage":
            for side, prefix, sex in _MARRIAGE_SIDES:
                _add(out, i, side, name=r[f"{prefix}姓名"], raw_id=r[f"{prefix}身份证号"],
                     dob=r[f"{prefix}出生日期"], sex=sex, address=r[f"{prefix}户籍地"])  # fmt: skip
        else:
            _add(out, i, "self", name=r["学生姓名"], raw_id=r["身份证号"], dob=r["出生日期"],
                 sex=r["性别"], address=r["家庭住址"])  # fmt: skip
    return out
