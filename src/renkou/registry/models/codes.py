"""Code lists of the register (national standards where one exists)."""

from __future__ import annotations

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
