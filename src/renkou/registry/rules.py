"""Validation rules the old systems enforced, with messages a clerk can act on."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_MOTHER_AGE = 14


def age_on(birth_date: dt.date, day: dt.date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def check_birth_date(birth_date: dt.date, *, today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    if birth_date > today:
        raise ValidationError(_("出生日期不能晚于今天。"), code="birth_in_future")


def check_mother_age(*, mother_birth: dt.date, child_birth: dt.date) -> None:
    if age_on(mother_birth, child_birth) < MIN_MOTHER_AGE:
        raise ValidationError(
            _("母亲生育时未满%(age)d周岁，请核对母亲或子女的出生日期。") % {"age": MIN_MOTHER_AGE},
            code="mother_too_young",
        )


def check_death_after_birth(*, birth_date: dt.date, death_date: dt.date) -> None:
    if death_date < birth_date:
        raise ValidationError(_("死亡日期早于出生日期。"), code="death_before_birth")


def check_household_head(relations_in_order: list[str], head_code: str) -> None:
    if relations_in_order and relations_in_order[0] != head_code:
        raise ValidationError(_("户内第一位成员必须是户主（本人）。"), code="head_not_first")
