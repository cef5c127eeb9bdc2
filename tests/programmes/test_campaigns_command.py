"""``renkou campaign_snapshot``: the daily trend point of every running campaign."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from renkou.programmes.models import CoverageSnapshot
from tests.campaigns_factories import started_campaign, woman
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_command_snapshots_running_campaigns(cast: Cast) -> None:
    woman(cast.village, 40)
    campaign = started_campaign(cast)
    out = io.StringIO()
    call_command("campaign_snapshot", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"campaigns": 1}
    daily = CoverageSnapshot.objects.get(campaign=campaign, reason="daily")
    assert (daily.targets, daily.outstanding, daily.rows[0]["name"]) == (1, 1, "大官庄村")


def test_command_with_nothing_running(cast: Cast) -> None:
    out = io.StringIO()
    call_command("campaign_snapshot", stdout=out)
    assert "0" in out.getvalue()
    assert not CoverageSnapshot.objects.exists()
