"""教育 pupil registrations (学籍).

``id`` is the pupil's number; ``id2`` the pupil's mother's (母亲身份证号), optional. Only a
column whose header says 母亲 is read as the mother's: a 学籍 file's 监护人 (guardian)
may be the father, a grandparent or another relative, so 监护人身份证号 is not mapped
(it stays an unknown column and is ignored)."""

from __future__ import annotations

from renkou.core.intake import ColumnSpec, TableSpec
from renkou.exchange.feeds.base import FeedKind, parse_sex
from renkou.exchange.feeds.police import MOTHER_ID_ALIASES

KIND = FeedKind(
    kind="pupil",
    label="学籍",
    spec=TableSpec(
        kind="feed.pupil",
        columns=(
            ColumnSpec("student_no", ("全国学籍号", "学籍号", "学籍编号"), kind="code"),
            ColumnSpec("name", ("学生姓名", "姓名"), required=True),
            ColumnSpec("sex", ("性别",), kind="code"),
            ColumnSpec(
                "id_number",
                ("身份证号", "公民身份号码", "身份证号码", "证件号码"),
                required=True,
                kind="id",
            ),
            ColumnSpec("birth_date", ("出生日期", "出生时间"), required=True, kind="date"),
            ColumnSpec("school", ("学校", "学校名称", "就读学校")),
            ColumnSpec("grade", ("年级",)),
            ColumnSpec("guardian_name", ("监护人姓名", "监护人")),
            ColumnSpec("address", ("家庭住址", "家庭地址", "现住址")),
            ColumnSpec("mother_id", MOTHER_ID_ALIASES, kind="id"),
        ),
    ),
    natural_fields=("id_number", "name", "birth_date"),
    source_key="student_no",
    name="name",
    sex="sex",
    birth_date="birth_date",
    id_field="id_number",
    id2_field="mother_id",
    hash_if_filled=frozenset({"mother_id"}),
    place="address",
    org="school",
    normalisers={"sex": parse_sex},
)
