"""民政 marriage and divorce registrations: ``id`` is the husband's, ``id2`` the wife's;
the typed name/birth date are the husband's, the wife's are in ``extra``."""

from __future__ import annotations

from renkou.core.intake import ColumnSpec, TableSpec
from renkou.exchange.feeds.base import FeedKind, code_map

REG_TYPES = {
    "结婚": "marriage", "结婚登记": "marriage", "离婚": "divorce", "离婚登记": "divorce",
    "复婚": "remarriage", "复婚登记": "remarriage",
}  # fmt: skip


def _ids(side: str) -> tuple[str, ...]:
    return (f"{side}身份证号", f"{side}证件号码", f"{side}公民身份号码", f"{side}身份证号码")


KIND = FeedKind(
    kind="marriage",
    label="婚姻登记",
    spec=TableSpec(
        kind="feed.marriage",
        columns=(
            ColumnSpec(
                "reg_no", ("结婚证字号", "离婚证字号", "登记证号", "业务流水号"), kind="code"
            ),
            ColumnSpec("husband_name", ("男方姓名",), required=True),
            ColumnSpec("husband_id", _ids("男方"), required=True, kind="id"),
            ColumnSpec("husband_birth_date", ("男方出生日期",), kind="date"),
            ColumnSpec("husband_hukou", ("男方户籍地", "男方户籍地址")),
            ColumnSpec("wife_name", ("女方姓名",), required=True),
            ColumnSpec("wife_id", _ids("女方"), required=True, kind="id"),
            ColumnSpec("wife_birth_date", ("女方出生日期",), kind="date"),
            ColumnSpec("wife_hukou", ("女方户籍地", "女方户籍地址")),
            ColumnSpec("reg_type", ("登记类型", "业务类型"), required=True, kind="code"),
            ColumnSpec("reg_date", ("登记日期", "办理日期"), required=True, kind="date"),
            ColumnSpec("office", ("登记机关", "登记机构")),
        ),
    ),
    natural_fields=("husband_id", "wife_id", "reg_type", "reg_date"),
    source_key="reg_no",
    name="husband_name",
    fixed_sex="M",
    birth_date="husband_birth_date",
    id_field="husband_id",
    id2_field="wife_id",
    event_type="reg_type",
    event_date="reg_date",
    place="husband_hukou",
    org="office",
    normalisers={"reg_type": code_map(REG_TYPES, "登记类型")},
)
