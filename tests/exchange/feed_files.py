"""Small handcrafted department files for the feed tests."""

from __future__ import annotations

import csv
from pathlib import Path

from renkou.linkage.idnumber import check_digit


def make_id(born: str, seq: str = "123", area: str = "370404") -> str:
    first17 = f"{area}{born}{seq}"
    return first17 + check_digit(first17)


def bad_check(number: str) -> str:
    """The same number with a wrong check character."""
    return number[:17] + ("0" if number[17] != "0" else "1")


HEADERS = {
    "police": [
        "姓名",
        "性别",
        "公民身份号码",
        "出生日期",
        "民族",
        "户籍地址",
        "户号",
        "户主姓名",
        "与户主关系",
        "变动类型",
        "变动日期",
        "业务流水号",
        "母亲身份证号",
    ],
    "birth_cert": [
        "新生儿姓名",
        "性别",
        "出生日期",
        "出生地点",
        "出生证编号",
        "接生机构",
        "母亲姓名",
        "母亲身份证号",
        "父亲姓名",
        "父亲身份证号",
        "母亲户籍地",
        "母亲现居住地",
        "孕次",
        "产次",
    ],
    "marriage": [
        "男方姓名",
        "男方身份证号",
        "男方出生日期",
        "男方户籍地",
        "女方姓名",
        "女方身份证号",
        "女方出生日期",
        "女方户籍地",
        "登记类型",
        "登记日期",
        "登记机关",
    ],
    "pupil": [
        "学生姓名", "性别", "身份证号", "出生日期", "学校", "年级", "监护人姓名", "家庭住址",
        "母亲身份证号",
    ],
}  # fmt: skip
# The subject's mother's number (id2), per kind that has one; rows() fills it on rows 1
# and 3 and leaves row 2 blank.
MOTHER_COLUMN = {"police": 12, "pupil": 8}
MOTHER_A = make_id("19650606", "624")
MOTHER_B = make_id("19680708", "846")

# The column holding the subject's number, per kind (for hostile-row tests).
ID_COLUMN = {"police": 2, "birth_cert": 7, "marriage": 1, "pupil": 2}
DATE_COLUMN = {"police": 10, "birth_cert": 2, "marriage": 9, "pupil": 3}


def rows(kind: str) -> list[list[str]]:
    """Three valid rows of a kind."""
    a, b, c = make_id("19900101", "121"), make_id("19920202", "242"), make_id("19850303", "363")
    addr = "山东省枣庄市峄城区榴园镇大官庄村"
    if kind == "police":
        return [
            [
                "张三",
                "男",
                a,
                "1990-01-01",
                "汉族",
                addr,
                "370404101201000001",
                "张三",
                "本人",
                "迁入",
                "2026-01-05",
                "YW001",
                MOTHER_A,
            ],
            [
                "李四",
                "女",
                b.lower(),
                "1992/2/2",
                "汉族",
                addr,
                "370404101201000002",
                "李四",
                "本人",
                "迁出",
                "2026-01-06",
                "YW002",
                "",
            ],
            [
                "王五",
                "男",
                c,
                "19850303",
                "回族",
                addr,
                "370404101201000003",
                "王五",
                "本人",
                "死亡",
                "2026-01-07",
                "YW003",
                MOTHER_B,
            ],
        ]
    if kind == "birth_cert":
        return [
            [
                "张小宝",
                "男",
                "2026-01-02",
                addr,
                "P001",
                "峄城区人民医院",
                "李四",
                b,
                "张三",
                a,
                addr,
                addr,
                "1",
                "1",
            ],
            [
                "",
                "女",
                "2026-01-03",
                addr,
                "P002",
                "峄城区中医院",
                "赵六",
                make_id("19930404", "444"),
                "",
                "",
                addr,
                addr,
                "2",
                "2",
            ],
            [
                "王小花",
                "女",
                "2026-01-04",
                addr,
                "P003",
                "峄城区中医院",
                "钱七",
                make_id("19940505", "566"),
                "王五",
                c,
                addr,
                addr,
                "1",
                "1",
            ],
        ]
    if kind == "marriage":
        return [
            [
                "张三",
                a,
                "1990-01-01",
                addr,
                "李四",
                b,
                "1992-02-02",
                addr,
                "结婚",
                "2026-01-02",
                "峄城区民政局",
            ],
            [
                "王五",
                c,
                "1985-03-03",
                addr,
                "钱七",
                make_id("19940505", "566"),
                "1994-05-05",
                addr,
                "离婚",
                "2026-01-03",
                "峄城区民政局",
            ],
            [
                "孙八",
                make_id("19880808", "811"),
                "1988-08-08",
                addr,
                "周九",
                make_id("19890909", "922"),
                "1989-09-09",
                addr,
                "复婚",
                "2026-01-04",
                "峄城区民政局",
            ],
        ]
    return [
        [
            "张小一",
            "男",
            make_id("20150101", "131"),
            "2015-01-01",
            "榴园镇中心小学",
            "五年级",
            "张三",
            addr,
            MOTHER_A,
        ],
        [
            "李小二",
            "2",
            make_id("20160202", "242"),
            "2016-02-02",
            "榴园镇中心小学",
            "四年级",
            "李四",
            addr,
            "",
        ],
        [
            "王小三",
            "1",
            make_id("20170303", "353"),
            "2017-03-03",
            "榴园镇中心小学",
            "三年级",
            "王五",
            addr,
            MOTHER_B,
        ],
    ]


def write_csv(
    path: Path,
    kind: str,
    body: list[list[str]] | None = None,
    *,
    encoding: str = "utf-8-sig",
    header: list[str] | None = None,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or HEADERS[kind])
        writer.writerows(rows(kind) if body is None else body)
    return path
