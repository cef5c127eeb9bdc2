"""Code lists of the register (national standards where one exists)."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy


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


# gettext_noop marks the names for the catalog; the table itself keeps the Chinese names
# that imports match against, and screens translate them on display.
# GB/T 3304: the 56 ethnic groups, plus 97 (other, unrecognised) and 98 (foreign origin).
ETHNIC_GROUPS: Final[dict[str, str]] = {
    "01": gettext_noop("汉族"),
    "02": gettext_noop("蒙古族"),
    "03": gettext_noop("回族"),
    "04": gettext_noop("藏族"),
    "05": gettext_noop("维吾尔族"),
    "06": gettext_noop("苗族"),
    "07": gettext_noop("彝族"),
    "08": gettext_noop("壮族"),
    "09": gettext_noop("布依族"),
    "10": gettext_noop("朝鲜族"),
    "11": gettext_noop("满族"),
    "12": gettext_noop("侗族"),
    "13": gettext_noop("瑶族"),
    "14": gettext_noop("白族"),
    "15": gettext_noop("土家族"),
    "16": gettext_noop("哈尼族"),
    "17": gettext_noop("哈萨克族"),
    "18": gettext_noop("傣族"),
    "19": gettext_noop("黎族"),
    "20": gettext_noop("傈僳族"),
    "21": gettext_noop("佤族"),
    "22": gettext_noop("畲族"),
    "23": gettext_noop("高山族"),
    "24": gettext_noop("拉祜族"),
    "25": gettext_noop("水族"),
    "26": gettext_noop("东乡族"),
    "27": gettext_noop("纳西族"),
    "28": gettext_noop("景颇族"),
    "29": gettext_noop("柯尔克孜族"),
    "30": gettext_noop("土族"),
    "31": gettext_noop("达斡尔族"),
    "32": gettext_noop("仫佬族"),
    "33": gettext_noop("羌族"),
    "34": gettext_noop("布朗族"),
    "35": gettext_noop("撒拉族"),
    "36": gettext_noop("毛南族"),
    "37": gettext_noop("仡佬族"),
    "38": gettext_noop("锡伯族"),
    "39": gettext_noop("阿昌族"),
    "40": gettext_noop("普米族"),
    "41": gettext_noop("塔吉克族"),
    "42": gettext_noop("怒族"),
    "43": gettext_noop("乌孜别克族"),
    "44": gettext_noop("俄罗斯族"),
    "45": gettext_noop("鄂温克族"),
    "46": gettext_noop("德昂族"),
    "47": gettext_noop("保安族"),
    "48": gettext_noop("裕固族"),
    "49": gettext_noop("京族"),
    "50": gettext_noop("塔塔尔族"),
    "51": gettext_noop("独龙族"),
    "52": gettext_noop("鄂伦春族"),
    "53": gettext_noop("赫哲族"),
    "54": gettext_noop("门巴族"),
    "55": gettext_noop("珞巴族"),
    "56": gettext_noop("基诺族"),
    "97": gettext_noop("其他未识别民族"),
    "98": gettext_noop("外国血统中国籍人士"),
}
