"""Feed rows → the people they are about ("subjects"), with matching columns.

A police, pupil or birth certificate row has one subject (for a certificate, the
mother); a marriage row has two (男方 and 女方). Police 出生 rows are about a newborn
who is not in the register yet: their subject is flagged ``newborn`` and linked to
the mother through the household, never through the baby's own number.

``mother_status``/``mother_id18`` describe the number of the subject's own mother where
the row carries one (tables.FEED_OPTIONAL: a police or pupil file with 母亲身份证号);
a birth certificate's mother's number is its subject's own number, not this.
``father_status``/``father_id18`` describe a birth certificate's father's number
(父亲身份证号, optional), blank on every other kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, TypeVar

from renkou.linkage import idnumber
from renkou.linkage.names import name_pinyin
from renkou.linkage.normalize import parse_date, simplified
from renkou.linkage.tables import FATHER_ID, MOTHER_ID, Feed

__all__ = ["IdStatus", "Subjects", "classify_id", "subjects_of"]

IdStatus = Literal["valid", "bad_check", "excel", "invalid", "missing"]

_MARRIAGE_SIDES: Final = (("husband", "男方", "男"), ("wife", "女方", "女"))
T = TypeVar("T")


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
    mother_status: list[IdStatus]
    mother_id18: list[str]
    father_status: list[IdStatus]
    father_id18: list[str]

    def __len__(self) -> int:
        return len(self.row)


def _column(feed: Feed, name: str) -> list[str]:
    return feed.table.column(name).to_pylist()  # type: ignore[no-any-return]


def _mapped(values: list[str], fn: Callable[[str], T]) -> list[T]:
    """``fn`` once per distinct value (names, dates and places repeat a lot)."""
    table = {v: fn(v) for v in set(values)}
    return [table[v] for v in values]


def _name_and_key(raw: str) -> tuple[str, str]:
    """(simplified name, pinyin key): ``name_key`` is the pinyin of the simplified name,
    so the simplification is done once."""
    simple = simplified(raw)
    return simple, name_pinyin(simple).lower()


def _strip(values: list[str]) -> list[str]:
    return [v.strip() for v in values]


def _mother(feed: Feed, n: int) -> list[str]:
    """The subject's mother's number per row ("" when the file has no such column)."""
    if feed.kind == "birth_cert" or MOTHER_ID not in feed.table.column_names:
        return [""] * n
    return _column(feed, MOTHER_ID)


def _build(
    rows: list[int], sides: list[str], *, name: list[str], raw_id: list[str], dob: list[str],
    sex: list[str], address: list[str], event_dob: list[str], household: list[str],
    relation: list[str], newborn: list[bool], mother: list[str], father: list[str] | None = None,
) -> Subjects:  # fmt: skip
    ids = _mapped(raw_id, classify_id)
    mothers = _mapped(mother, classify_id)
    fathers = _mapped(father if father is not None else [""] * len(rows), classify_id)
    names = _mapped(name, _name_and_key)
    dates = _mapped(dob + event_dob, lambda v: parse_date(v) if v else None)
    n = len(rows)
    return Subjects(
        row=rows,
        side=sides,
        name=name,
        simple=[x[0] for x in names],
        key=[x[1] for x in names],
        sex=_strip(sex),
        id_status=[x[0] for x in ids],
        id18=[x[1] for x in ids],
        dob=dates[:n],
        event_dob=dates[n:],
        address=address,
        household=_strip(household),
        relation=_strip(relation),
        newborn=newborn,
        mother_status=[x[0] for x in mothers],
        mother_id18=[x[1] for x in mothers],
        father_status=[x[0] for x in fathers],
        father_id18=[x[1] for x in fathers],
    )


def subjects_of(feed: Feed) -> Subjects:
    """The subjects of every row of ``feed`` (row numbers 1-based, as in the truth files).

    Column at a time: each text function runs once per distinct value."""
    n = len(feed)
    rows = list(range(1, n + 1))
    blank = [""] * n
    if feed.kind == "police":
        born = [v.strip() == "出生" for v in _column(feed, "变动类型")]
        dob = _column(feed, "出生日期")
        return _build(
            rows, ["self"] * n, name=_column(feed, "姓名"), raw_id=_column(feed, "公民身份号码"),
            dob=dob, sex=_column(feed, "性别"), address=_column(feed, "户籍地址"),
            event_dob=[d if b else "" for d, b in zip(dob, born, strict=True)],
            household=_column(feed, "户号"), relation=_column(feed, "与户主关系"), newborn=born,
            mother=_mother(feed, n),
        )  # fmt: skip
    if feed.kind == "birth_cert":
        return _build(
            rows, ["mother"] * n, name=_column(feed, "母亲姓名"),
            raw_id=_column(feed, "母亲身份证号"), dob=blank, sex=["女"] * n,
            address=_column(feed, "母亲户籍地"), event_dob=_column(feed, "出生日期"),
            household=blank, relation=blank, newborn=[False] * n, mother=blank,
            father=_column(feed, FATHER_ID) if FATHER_ID in feed.table.column_names else blank,
        )  # fmt: skip
    if feed.kind == "marriage":
        cols: dict[str, list[str]] = {k: [] for k in ("name", "id", "dob", "sex", "address")}
        sides: list[str] = []
        parts = [
            (side, sex, _column(feed, f"{p}姓名"), _column(feed, f"{p}身份证号"),
             _column(feed, f"{p}出生日期"), _column(feed, f"{p}户籍地"))
            for side, p, sex in _MARRIAGE_SIDES
        ]  # fmt: skip
        for i in range(n):
            for side, sex, names, ids, dobs, addresses in parts:
                sides.append(side)
                cols["name"].append(names[i])
                cols["id"].append(ids[i])
                cols["dob"].append(dobs[i])
                cols["sex"].append(sex)
                cols["address"].append(addresses[i])
        m = 2 * n
        return _build(
            [r for r in rows for _ in (0, 1)], sides, name=cols["name"], raw_id=cols["id"],
            dob=cols["dob"], sex=cols["sex"], address=cols["address"], event_dob=[""] * m,
            household=[""] * m, relation=[""] * m, newborn=[False] * m, mother=[""] * m,
        )  # fmt: skip
    return _build(
        rows, ["self"] * n, name=_column(feed, "学生姓名"), raw_id=_column(feed, "身份证号"),
        dob=_column(feed, "出生日期"), sex=_column(feed, "性别"), address=_column(feed, "家庭住址"),
        event_dob=blank, household=blank, relation=blank, newborn=[False] * n,
        mother=_mother(feed, n),
    )  # fmt: skip
