"""The legacy register layout (全员人口个案) as an intake TableSpec."""

from __future__ import annotations

from renkou.core.intake import ColumnSpec, TableSpec

REGISTER_SPEC = TableSpec(
    kind="register",
    columns=(
        ColumnSpec("external_id", ("个案编号", "个案号", "人员编号"), required=True, kind="code"),
        ColumnSpec("name", ("姓名",), required=True),
        ColumnSpec("sex", ("性别",), required=True, kind="code"),
        ColumnSpec("id_number", ("公民身份号码", "身份证号", "身份证号码", "证件号码"), kind="id"),
        ColumnSpec("birth_date", ("出生日期", "出生年月日"), required=True, kind="date"),
        ColumnSpec("ethnicity", ("民族",), kind="code"),
        ColumnSpec("hukou_type", ("户口性质", "户籍性质"), required=True, kind="code"),
        ColumnSpec("hukou_code", ("户籍地区划代码", "户籍地代码"), required=True, kind="code"),
        ColumnSpec("residence_code", ("现居住地区划代码", "现居住地代码"), kind="code"),
        ColumnSpec("household_code", ("户编号", "户编码", "户号"), required=True, kind="code"),
        ColumnSpec("relation", ("与户主关系",), required=True, kind="code"),
        ColumnSpec("marital_status", ("婚姻状况",), kind="code"),
        ColumnSpec("spouse_id", ("配偶身份证号", "配偶公民身份号码"), kind="id"),
        ColumnSpec("mother_id", ("母亲身份证号", "母亲公民身份号码"), kind="id"),
        ColumnSpec("father_id", ("父亲身份证号", "父亲公民身份号码"), kind="id"),
        ColumnSpec("phone", ("联系电话", "电话", "手机号码"), kind="phone"),
        ColumnSpec(
            "address",
            ("详细地址", "现居住地址"),
        ),
    ),
)
