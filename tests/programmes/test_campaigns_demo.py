"""The demo's screening campaign is created once and started."""

from __future__ import annotations

import pytest

from renkou.programmes.campaigns.demo import demo_campaign
from renkou.programmes.models import Campaign
from tests.campaigns_factories import woman
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_demo_campaign_is_started_once(cast: Cast) -> None:
    for age in (36, 48, 60):
        woman(cast.village, age)
    assert demo_campaign() == 3
    assert demo_campaign() == 3
    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.template, campaign.org_unit) == (
        "started",
        "screening",
        cast.township,
    )
