"""公安 hukou changes: births registered, moves in and out, deaths (DOMAIN.md §5).

``id`` is the subject's own number (on a 出生 row the newborn's, issued at registration);
``id2`` the number of the subject's mother (母亲身份证号), optional: a 出生登记 export
names the newborn's mother, other changes usually leave it blank. It is evidence that
the newborn belongs to a register mother (the cascade's ``mother_id``) and, on any row,
that the subject is the register person whose mother has that number (the model's
``mother`` level)."""

from __future__ import annotations

from renkou.core.intake import ColumnSpec, TableSpec
from renkou.exchange.feeds.base import FeedKind, code_map, parse_sex

ID_ALIASES = ("公民身份号码", "身份证号", "身份证号码", "证件号码")
# Headers that say whose number it is: the mother's. Never a guardian's or a parent's
# column (a guardian or 父母 need not be the mother).
MOTHER_ID_ALIASES = (
    "母亲身份证号", "母亲公民身份号码", "母亲身份证号码", "母亲证件号码", "母亲身份证件号",
    "母亲身份证件号码",
)  # fmt: skip
EVENT_TYPES = {
    "出生": "birth", "新生儿入户": "birth", "出生登记": "birth", "出生入户": "birth",
    "迁入": "move_in", "户口迁入": "move_in", "迁移迁入": "move_in",
    "迁出": "move_out", "户口迁出": "move_out", "迁移迁出": "move_out",
    "死亡": "death", "死亡注销": "death",
}  # fmt: skip

KIND = FeedKind(
    kind="police",
    label="公安户籍变动",
    spec=TableSpec(
        kind="feed.police",
        columns=(
            ColumnSpec("record_no", ("业务流水号", "流水号", "业务编号"), kind="code"),
            ColumnSpec("name", ("姓名",), required=True),
            ColumnSpec("sex", ("性别",), kind="code"),
            ColumnSpec("id_number", ID_ALIASES, required=True, kind="id"),
            ColumnSpec("birth_date", ("出生日期", "出生时间"), kind="date"),
            ColumnSpec("ethnicity", ("民族",), kind="code"),
            ColumnSpec("hukou_address", ("户籍地址", "住址")),
            ColumnSpec("household_code", ("户号", "户编号"), kind="code"),
            ColumnSpec("head_name", ("户主姓名",)),
            ColumnSpec("relation", ("与户主关系",), kind="code"),
            ColumnSpec("event_type", ("变动类型", "业务类型"), required=True, kind="code"),
            ColumnSpec("event_date", ("变动日期", "办理日期"), required=True, kind="date"),
            ColumnSpec("mother_id", MOTHER_ID_ALIASES, kind="id"),
        ),
    ),
    natural_fields=("id_number", "name", "event_type", "event_date"),
    source_key="record_no",
    name="name",
    sex="sex",
    birth_date="birth_date",
    id_field="id_number",
    id2_field="mother_id",
    hash_if_filled=frozenset({"mother_id"}),
    event_type="event_type",
    event_date="event_date",
    place="hukou_address",
    household_code="household_code",
    normalisers={"sex": parse_sex, "event_type": code_map(EVENT_TYPES, "变动类型")},
)
