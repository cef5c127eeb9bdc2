"""Handcrafted legacy register files for the importer tests (the cast's county)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from renkou.linkage.idnumber import check_digit

HEADER = [
    "个案编号", "姓名", "性别", "公民身份号码", "出生日期", "民族", "户口性质", "户籍地区划代码",
    "现居住地区划代码", "户编号", "与户主关系", "婚姻状况", "配偶身份证号", "母亲身份证号",
    "父亲身份证号", "联系电话",
]  # fmt: skip
VILLAGE = "370404101201"
OTHER_VILLAGE = "370404101202"


def id_for(born: dt.date, seq: int, sex: str) -> str:
    """A valid number of the cast's county; the 17th digit follows the sex."""
    last = seq * 2 + (1 if sex == "M" else 0)
    first17 = f"370404{born:%Y%m%d}{last:03d}"
    return first17 + check_digit(first17)


FATHER = id_for(dt.date(1980, 3, 1), 1, "M")
MOTHER = id_for(dt.date(1982, 5, 6), 2, "F")
CHILD = id_for(dt.date(2008, 7, 8), 3, "M")
GRANNY = id_for(dt.date(1950, 1, 2), 4, "F")


def family_rows() -> list[list[str]]:
    """A couple, their son and the husband's mother in one household, plus a migrant."""
    hh = VILLAGE + "01" + "0001"
    return [
        ["P001", "张伟", "男", FATHER, "1980-03-01", "汉族", "农业", VILLAGE, VILLAGE, hh, "本人",
         "初婚", MOTHER, GRANNY, "", "13812345678"],
        ["P002", "李娜", "2", MOTHER, "1982/5/6", "01", "2", VILLAGE, VILLAGE, hh, "妻", "21",
         FATHER, "", "", ""],
        ["P003", "张小明", "1", CHILD, "20080708", "汉", "农业", VILLAGE, VILLAGE, hh, "子", "未婚",
         "", MOTHER, FATHER, ""],
        ["P004", "王秀英", "女", GRANNY, "1950-01-02", "回族", "农业", VILLAGE, "320100000000", hh,
         "母亲", "丧偶", "", "", "", ""],
        ["P005", "赵强", "男", id_for(dt.date(1990, 2, 3), 5, "M"), "1990-02-03", "汉族",
         "居民户口", "110101001001", OTHER_VILLAGE, OTHER_VILLAGE + "000002", "本人", "10",
         "", "", "", ""],
    ]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], *, header: list[str] | None = None,
              encoding: str = "utf-8") -> Path:  # fmt: skip
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or HEADER)
        writer.writerows(rows)
    return path
