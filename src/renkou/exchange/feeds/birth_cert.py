"""卫生 birth certificates (出生医学证明). A newborn has no number: ``id`` holds the
mother's, ``id2`` the father's (DOMAIN.md §5 links a birth through the mother)."""

from __future__ import annotations

from renkou.core.intake import ColumnSpec, TableSpec
from renkou.exchange.feeds.base import FeedKind, parse_sex

KIND = FeedKind(
    kind="birth_cert",
    label="出生医学证明",
    spec=TableSpec(
        kind="feed.birth_cert",
        columns=(
            ColumnSpec("cert_no", ("出生证编号", "出生医学证明编号", "出生证号"), kind="code"),
            ColumnSpec("name", ("新生儿姓名", "姓名", "婴儿姓名")),
            ColumnSpec("sex", ("性别", "新生儿性别"), kind="code"),
            ColumnSpec("birth_date", ("出生日期", "出生时间"), required=True, kind="date"),
            ColumnSpec("birth_place", ("出生地点", "出生地")),
            ColumnSpec("facility", ("接生机构", "助产机构")),
            ColumnSpec("mother_name", ("母亲姓名",), required=True),
            ColumnSpec(
                "mother_id",
                ("母亲身份证号", "母亲公民身份号码", "母亲身份证号码", "母亲证件号码"),
                required=True,
                kind="id",
            ),
            ColumnSpec("father_name", ("父亲姓名",)),
            ColumnSpec(
                "father_id",
                ("父亲身份证号", "父亲公民身份号码", "父亲身份证号码", "父亲证件号码"),
                kind="id",
            ),
            ColumnSpec("mother_hukou", ("母亲户籍地", "母亲户籍地址")),
            ColumnSpec("mother_residence", ("母亲现居住地", "母亲现住址")),
            ColumnSpec("gravidity", ("孕次",), kind="code"),
            ColumnSpec("parity", ("产次",), kind="code"),
        ),
    ),
    natural_fields=("mother_id", "birth_date", "sex"),
    source_key="cert_no",
    name="name",
    sex="sex",
    birth_date="birth_date",
    id_field="mother_id",
    id2_field="father_id",
    fixed_event_type="birth",
    event_date="birth_date",
    place="birth_place",
    org="facility",
    normalisers={"sex": parse_sex},
)
