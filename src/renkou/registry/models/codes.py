"""Code lists of the register (national standards where one exists)."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class HukouType(models.TextChoices):
    NON_AGRICULTURAL = "1", _("非农业")
    AGRICULTURAL = "2", _("农业")
    OTHER = "9", _("其他/居民户口")


class MaritalStatus(models.TextChoices):
    """GB/T 2261.2."""

    UNMARRIED = "10", _("未婚")
    MARRIED = "20", _("已婚")
    FIRST_MARRIAGE = "21", _("初婚")
    REMARRIED = "22", _("再婚")
    REUNITED = "23", _("复婚")
    WIDOWED = "30", _("丧偶")
    DIVORCED = "40", _("离婚")
    UNKNOWN = "90", _("未说明")

    @classmethod
    def married_codes(cls) -> frozenset[str]:
        return frozenset({"20", "21", "22", "23"})


class Relation(models.TextChoices):
    """与户主关系, GB/T 4761 (the codes a household card uses)."""

    SELF = "02", _("本人")
    HUSBAND = "11", _("夫")
    WIFE = "12", _("妻")
    SPOUSE = "10", _("配偶")
    SON = "20", _("子")
    ONLY_SON = "21", _("独生子")
    # Same character as the sex "女"; the context lets English say "Daughter" here.
    DAUGHTER = "30", pgettext_lazy("relation", "女")
    ONLY_DAUGHTER = "31", _("独生女")
    GRANDCHILD = "40", _("孙子、孙女或外孙子、外孙女")
    GRANDSON = "41", _("孙子")
    GRANDDAUGHTER = "42", _("孙女")
    PARENT = "50", _("父母")
    FATHER = "51", _("父亲")
    MOTHER = "52", _("母亲")
    GRANDPARENT = "60", _("祖父母或外祖父母")
    SIBLING = "70", _("兄、弟、姐、妹")
    DAUGHTER_IN_LAW = "81", _("儿媳")
    SON_IN_LAW = "82", _("女婿")
    OTHER = "99", _("其他")


class LeaveReason(models.TextChoices):
    """Why a record left the active register (出队/退档)."""

    DIED = "died", _("死亡")
    MOVED_OUT = "moved_out", _("迁出")
    DUPLICATE = "duplicate", _("重复合并")
    OTHER = "other", _("其他")


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
