"""Code tables of the legacy register and the parsers that accept a name or a code."""

from __future__ import annotations

from renkou.registry.models.codes import ETHNIC_GROUPS, HukouType, MaritalStatus, Relation, Sex


class CodeError(ValueError):
    """A value that is neither a known name nor a known code (Chinese message)."""


def _table(choices: type[Sex | HukouType | MaritalStatus | Relation]) -> dict[str, str]:
    table = {str(code): str(code) for code in choices.values}
    table.update({str(label): str(code) for code, label in choices.choices})
    return table


_SEX = {"男": "M", "女": "F", "1": "M", "2": "F", "M": "M", "F": "F", "男性": "M", "女性": "F"}
_HUKOU = {
    **_table(HukouType),
    "农业": "2",
    "非农业": "1",
    "居民户口": "9",
    "居民": "9",
    "其他": "9",
}
_MARITAL = {**_table(MaritalStatus), "有配偶": "20"}
_RELATION = {**_table(Relation), "户主": "02", "配偶": "10", "儿子": "20", "女儿": "30"}
# Relations the code list has no own code for go to GB/T 4761's group code, which
# names them explicitly (40 = 孙子、孙女或外孙子、外孙女; 60 = 祖父母或外祖父母 …).
_RELATION.update(
    dict.fromkeys(("外孙子", "外孙女", "外孙"), "40")
    | dict.fromkeys(("祖父", "祖母", "外祖父", "外祖母"), "60")
    | dict.fromkeys(("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"), "70")
    | dict.fromkeys(("公公", "婆婆", "岳父", "岳母"), "50")
)
_ETHNIC = {**{code: code for code in ETHNIC_GROUPS}, **{n: c for c, n in ETHNIC_GROUPS.items()}}
# Short forms on old cards: "汉", "蒙古".
_ETHNIC.update({n.removesuffix("族"): c for c, n in ETHNIC_GROUPS.items() if n.endswith("族")})


def _lookup(table: dict[str, str], value: str, what: str) -> str:
    code = table.get(value.strip())
    if code is None and value.strip().isdigit() and len(value.strip()) == 1:
        code = table.get("0" + value.strip())
    if code is None:
        raise CodeError(f"{what}“{value}”不是有效的名称或代码")
    return code


def parse_sex(value: str) -> str:
    return _lookup(_SEX, value, "性别")


def parse_hukou(value: str) -> str:
    return _lookup(_HUKOU, value, "户口性质")


def parse_marital(value: str) -> str:
    return _lookup(_MARITAL, value, "婚姻状况") if value.strip() else MaritalStatus.UNKNOWN.value


def parse_relation(value: str) -> str:
    return _lookup(_RELATION, value, "与户主关系")


def parse_ethnicity(value: str) -> str:
    return _lookup(_ETHNIC, value, "民族") if value.strip() else ""
