"""The 19 items of the free pre-pregnancy check, as a code catalogue.

Each item says to whom it applies (W wife, H husband, WH both) and what its result is:
a quantity with a fixed unit and a reference range, or one of a few qualitative results.
Item 19 (the follow-ups) has no result row: the follow-up work items record it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Applies = Literal["W", "H", "WH"]
ResultKind = Literal["quant", "qual", "followup"]

_NORMAL_ABNORMAL = ("未见异常", "异常")
_NEG_POS = ("阴性", "阳性")
_DONE = ("已完成",)
_BLOOD_TYPES = tuple(f"{abo}型Rh{rh}" for abo in ("A", "B", "O", "AB") for rh in ("阳性", "阴性"))
_TORCH = ("IgM阴性IgG阴性", "IgM阴性IgG阳性", "IgM阳性")


@dataclass(frozen=True)
class Item:
    no: int
    name: str
    applies: Applies
    kind: ResultKind
    unit: str = ""
    unit_aliases: tuple[str, ...] = ()
    low: Decimal | None = None
    high: Decimal | None = None
    choices: tuple[str, ...] = ()

    def applies_to(self, subject: str) -> bool:
        return subject in self.applies


ITEMS: tuple[Item, ...] = (
    Item(1, "优生健康教育", "WH", "qual", choices=_DONE),
    Item(2, "病史询问", "WH", "qual", choices=_NORMAL_ABNORMAL),
    Item(3, "体格检查", "WH", "qual", choices=_NORMAL_ABNORMAL),
    Item(4, "阴道分泌物检查", "W", "qual", choices=_NORMAL_ABNORMAL),
    Item(5, "血常规（血红蛋白）", "W", "quant", "g/L", ("g/l",), Decimal(110), Decimal(150)),
    Item(6, "尿常规", "WH", "qual", choices=_NORMAL_ABNORMAL),
    Item(7, "血型（ABO/Rh）", "WH", "qual", choices=_BLOOD_TYPES),
    Item(8, "血糖", "W", "quant", "mmol/L", ("mmol/l",), Decimal("3.9"), Decimal("6.1")),
    Item(9, "肝功能（谷丙转氨酶）", "WH", "quant", "U/L", ("u/l", "IU/L"), Decimal(0), Decimal(40)),
    Item(10, "乙型肝炎血清学五项", "WH", "qual",
         choices=("全部阴性", "仅表面抗体阳性", "表面抗原阳性", "其他")),
    Item(11, "肾功能（肌酐）", "WH", "quant", "μmol/L", ("umol/L", "umol/l", "µmol/L"),
         Decimal(44), Decimal(133)),
    Item(12, "甲状腺功能（促甲状腺激素）", "W", "quant", "mIU/L", ("miu/l", "μIU/mL", "uIU/mL"),
         Decimal("0.27"), Decimal("4.2")),
    Item(13, "梅毒螺旋体筛查", "WH", "qual", choices=_NEG_POS),
    Item(14, "风疹病毒IgG抗体", "W", "qual", choices=_NEG_POS),
    Item(15, "巨细胞病毒IgM/IgG抗体", "W", "qual", choices=_TORCH),
    Item(16, "弓形体IgM/IgG抗体", "W", "qual", choices=_TORCH),
    Item(17, "妇科超声常规检查", "W", "qual", choices=_NORMAL_ABNORMAL),
    Item(18, "风险评估和咨询指导", "WH", "qual", choices=_DONE),
    Item(19, "早孕及妊娠结局跟踪随访", "W", "followup"),
)  # fmt: skip
BY_NO = {item.no: item for item in ITEMS}
# What must be in before the risk assessment: every applicable item up to 17.
REQUIRED_BEFORE_ASSESSMENT = tuple(
    (item.no, subject) for item in ITEMS if item.no <= 17 for subject in item.applies
)


@dataclass(frozen=True)
class CleanResult:
    item: Item
    subject: str
    value: str
    unit: str
    abnormal: bool


def parse_item_no(raw: str) -> Item:
    text = raw.strip().removeprefix("第").removesuffix("项")
    try:
        return BY_NO[int(text)]
    except (ValueError, KeyError) as exc:
        raise ValidationError(
            _("未知的检查项目编号“%(raw)s”（应为 1–19）") % {"raw": raw[:20]}
        ) from exc


_FLAGS = {"正常": False, "未见异常": False, "0": False, "异常": True, "1": True}


def parse_flag(raw: str) -> bool:
    """正常/异常 (required: never guessed from the value)."""
    try:
        return _FLAGS[raw.strip()]
    except KeyError as exc:
        raise ValidationError(_("须注明“正常”或“异常”")) from exc


def clean_result(*, item: Item, subject: str, value: str, unit: str, abnormal: bool) -> CleanResult:
    """Check one result against the catalogue; raises ValidationError with the reason."""
    if item.kind == "followup":
        raise ValidationError(
            _("第19项由早孕随访和妊娠结局随访记录，不接受检查结果"), code="item_no"
        )
    if subject not in ("W", "H"):
        raise ValidationError(_("检查对象应为女方或男方"), code="subject")
    if not item.applies_to(subject):
        message = (
            _("第%(no)s项（%(name)s）只适用于女方")
            if subject == "H"
            else _("第%(no)s项（%(name)s）只适用于男方")
        )
        raise ValidationError(message % {"no": item.no, "name": item.name}, code="subject")
    value = value.strip()
    unit = unit.strip()
    if not value:
        raise ValidationError(_("结果为空"))
    if item.kind == "qual":
        if value not in item.choices:
            raise ValidationError(
                _("结果“%(value)s”不在可选结果中：%(choices)s")
                % {"value": value[:20], "choices": "、".join(item.choices)}
            )
        if unit:
            raise ValidationError(_("定性结果不应填写单位"), code="unit")
        return CleanResult(item, subject, value, "", abnormal)
    if unit != item.unit and unit not in item.unit_aliases:
        raise ValidationError(
            _("单位应为 %(unit)s，文件中为“%(given)s”") % {"unit": item.unit, "given": unit[:20]},
            code="unit",
        )
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise ValidationError(_("结果“%(value)s”不是数值") % {"value": value[:20]}) from exc
    if not number.is_finite() or number < 0:
        raise ValidationError(_("结果“%(value)s”不是有效数值") % {"value": value[:20]})
    assert item.low is not None
    assert item.high is not None
    if not abnormal and not item.low <= number <= item.high:
        raise ValidationError(
            _("数值 %(value)s 超出参考范围 %(low)s–%(high)s %(unit)s，却标为正常")
            % {"value": value[:20], "low": item.low, "high": item.high, "unit": item.unit}
        )
    return CleanResult(item, subject, str(number), item.unit, abnormal)
