"""Code tables of the legacy register and the parsers that accept a name or a code."""

from __future__ import annotations

from typing import Final

from renkou.registry.models.codes import HukouType, MaritalStatus, Relation, Sex

# GB/T 3304: the 56 ethnic groups, plus 97 (other, unrecognised) and 98 (foreign origin).
ETHNIC_GROUPS: Final[dict[str, str]] = {
    "01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族", "05": "维吾尔族",
    "06": "苗族", "07": "彝族", "08": "壮族", "09": "布依族", "10": "朝鲜族",
    "11": "满族", "12": "侗族", "13": "瑶族", "14": "白族", "15": "土家族",
    "16": "哈尼族", "17": "哈萨克族", "18": "傣族", "19": "黎族", "20": "傈僳族",
    "21": "佤族", "22": "畲族", "23": "高山族", "24": "拉祜族", "25": "水族",
    "26": "东乡族", "27": "纳西族", "28": "景颇族", "29": "柯尔克孜族", "30": "土族",
    "31": "达斡尔族", "32": "仫佬族", "33": "羌族", "34": "布朗族", "35": "撒拉族",
    "36": "毛南族", "37": "仡佬族", "38": "锡伯族", "39": "阿昌族", "40": "普米族",
    "41": "塔吉克族", "42": "怒族", "43": "乌孜别克族", "44": "俄罗斯族", "45": "鄂温克族",
    "46": "德昂族", "47": "保安族", "48": "裕固族", "49": "京族", "50": "塔塔尔族",
    "51": "独龙族", "52": "鄂伦春族", "53": "赫哲族", "54": "门巴族", "55": "珞巴族",
    "56": "基诺族", "97": "其他未识别民族", "98": "外国血统中国籍人士",
}  # fmt: skip


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
