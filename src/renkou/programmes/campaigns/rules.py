"""A campaign's target rule as one queryset filter (no per-person Python)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from renkou.core.models import OrgUnit
from renkou.core.scoping import scope_filter
from renkou.programmes.models import Campaign, Residence
from renkou.registry.models import Person


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_filter(reference: dt.date, age_min: int | None, age_max: int | None) -> Q:
    """Aged age_min..age_max (full years, both ends included) on `reference`."""
    q = Q()
    if age_min is not None:
        q &= Q(birth_date__lte=years_before(reference, age_min))
    if age_max is not None:
        q &= Q(birth_date__gt=years_before(reference, age_max + 1))
    return q


def campaign_units(campaign: Campaign) -> list[OrgUnit]:
    """The villages picked for the campaign, or its own unit when none was picked."""
    picked = list(campaign.villages.all().order_by("code"))
    return picked or [campaign.org_unit]


def _within(field: str, units: list[OrgUnit]) -> Q:
    q = Q()
    for unit in units:
        q |= Q(**{f"{field}__path__startswith": unit.path})
    return q


def rule_queryset(campaign: Campaign, *, user: Any) -> QuerySet[Person]:
    """Active persons of the user's scope that the campaign's rule selects."""
    units = campaign_units(campaign)
    qs = scope_filter(Person.objects.all(), user).filter(
        _within("org_unit", units), status=Person.Status.ACTIVE
    )
    if campaign.sex:
        qs = qs.filter(sex=campaign.sex)
    qs = qs.filter(age_filter(campaign.reference_date, campaign.age_min, campaign.age_max))
    if campaign.marital_statuses:
        qs = qs.filter(marital_status__in=campaign.marital_statuses)
    if campaign.hukou_types:
        qs = qs.filter(hukou_type__in=campaign.hukou_types)
    if campaign.residence == Residence.LOCAL:
        qs = qs.filter(_within("hukou_unit", units), _within("residence_unit", units))
    elif campaign.residence == Residence.INFLOW:
        qs = qs.filter(_within("residence_unit", units)).exclude(
            Q(hukou_unit__isnull=False) & _within("hukou_unit", units)
        )
    elif campaign.residence == Residence.OUTFLOW:
        qs = qs.filter(_within("hukou_unit", units)).exclude(
            Q(residence_unit__isnull=False) & _within("residence_unit", units)
        )
    return qs
