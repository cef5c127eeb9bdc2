"""教育 pupil registrations (学籍)."""

from __future__ import annotations

from renkou.core.intake import ColumnSpec, TableSpec
from renkou.exchange.feeds.base import FeedKind, parse_sex

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
        ),
    ),
    natural_fields=("id_number", "name", "birth_date"),
    source_key="student_no",
    name="name",
    sex="sex",
    birth_date="birth_date",
    id_field="id_number",
    place="address",
    org="school",
    normalisers={"sex": parse_sex},
)
