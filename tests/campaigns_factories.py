"""Test data for campaigns (活动) and their permission-matrix objects."""

from __future__ import annotations

import datetime as dt

from renkou.core.models import OrgUnit, User
from renkou.programmes.campaigns.services import CampaignData, campaign_create, campaign_start
from renkou.programmes.models import Campaign
from tests.conftest import Cast
from tests.factories import make_person

REF = dt.date(2026, 6, 1)


def screening_data(**overrides: object) -> CampaignData:
    values: dict[str, object] = {
        "name": "两癌筛查",
        "template": "screening",
        "period_start": REF,
        "period_end": REF + dt.timedelta(days=90),
        "reference_date": REF,
        "sex": "F",
        "age_min": 35,
        "age_max": 64,
    }
    values.update(overrides)
    return CampaignData(**values)  # type: ignore[arg-type]


def woman(unit: OrgUnit, age: int, *, name: str = "王芳", days: int = 0) -> object:
    """A woman who turns `age` exactly `days` days before the reference date."""
    born = dt.date(REF.year - age, REF.month, REF.day) - dt.timedelta(days=days)
    return make_person(org_unit=unit, name=name, sex="F", birth_date=born)


def started_campaign(
    cast: Cast, *, actor: User | None = None, villages: list[OrgUnit] | None = None
) -> Campaign:
    actor = actor or cast.users["clerk"]
    campaign = campaign_create(data=screening_data(villages=villages or []), actor=actor)
    campaign_start(campaign=campaign, actor=actor)
    campaign.refresh_from_db()
    return campaign


def matrix_campaign(cast: Cast) -> int:
    woman(cast.village, 40)
    return started_campaign(cast, villages=[cast.village]).pk


MATRIX_FACTORIES = {"campaign": matrix_campaign}
