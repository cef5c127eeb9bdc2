"""The demo county's campaign: one started cervical/breast screening in the first township."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from renkou.core.models import User
from renkou.programmes.campaigns.services import CampaignData, campaign_create, campaign_start
from renkou.programmes.campaigns.templates import TEMPLATES
from renkou.programmes.models import Campaign, CampaignTarget
from renkou.worklists.services import workitem_close

DEMO_CLERK = "clerk"
DEMO_OFFICER = "officer_dgz"


def demo_campaign(*, closed_per_village: int = 5) -> int | None:
    """Create and start the screening campaign once (None when there is no demo clerk);
    a few targets of the demo officer's village are already closed, so coverage shows.
    Returns the number of targets on the day-1 list."""
    clerk = User.objects.filter(username=DEMO_CLERK).first()
    if clerk is None:
        return None
    existing = Campaign.objects.filter(template="screening", org_unit=clerk.org_unit).first()
    if existing is not None:
        return existing.day_one_count
    template = TEMPLATES["screening"]
    today = timezone.localdate()
    data = CampaignData(
        name=f"{today.year}年{template.name}",
        template=template.code,
        period_start=today - dt.timedelta(days=14),
        period_end=today + dt.timedelta(days=template.days),
        reference_date=today,
        sex=template.sex,
        age_min=template.age_min,
        age_max=template.age_max,
        description=str(template.description),
    )
    campaign = campaign_create(data=data, actor=clerk)
    count = campaign_start(campaign=campaign, actor=clerk)
    officer = User.objects.filter(username=DEMO_OFFICER).first()
    if officer is not None:
        targets = CampaignTarget.objects.filter(campaign=campaign, village=officer.org_unit)
        for i, target in enumerate(targets.select_related("work_item")[:closed_per_village]):
            declined = i == closed_per_village - 1
            workitem_close(
                item=target.work_item,
                outcome="declined" if declined else "done",
                evidence="" if declined else "已在乡镇卫生院完成筛查",
                note="本人不愿参加" if declined else "",
                actor=officer,
                expected_version=target.work_item.version,
            )
    return count
