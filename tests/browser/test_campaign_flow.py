"""A clerk creates a screening campaign from its template and starts it (the list
freezes); a village officer closes a target on a phone; the coverage page counts it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from renkou.programmes.models import Campaign, CampaignTarget
from tests.browser.conftest import login
from tests.conftest import PASSWORD, Cast
from tests.factories import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_campaign_from_template_to_coverage(page: Page, live_server: object, cast: Cast) -> None:
    today = dt.date.today()
    for name, age in (("孙丽", 40), ("周敏", 55)):
        make_person(
            org_unit=cast.village,
            name=name,
            sex="F",
            birth_date=today.replace(year=today.year - age) - dt.timedelta(days=30),
        )
    base = str(live_server)

    login(page, base, "clerk", PASSWORD)
    page.goto(f"{base}/programmes/campaigns/")
    page.click("a:has-text('两癌')")
    expect(page.locator("input[name=age_min]")).to_have_value("35")
    page.click("button.primary:has-text('创建活动')")
    expect(page.locator("#matching")).to_have_text("2")
    page.click("button:has-text('开始')")
    expect(page.locator("#coverage-total")).to_have_text("0.0%")
    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.day_one_count) == ("started", 2)
    page.click("button:has-text('退出')")

    login(page, base, "officer", PASSWORD)
    page.goto(f"{base}/work/")
    page.click("a:has-text('孙丽')")
    expect(page.locator("body")).to_contain_text(campaign.name)
    page.select_option("select[name=outcome]", "done")
    page.fill("textarea[name=evidence]", "已在卫生院完成两癌筛查")
    page.click("button.primary:has-text('销号')")
    expect(page.locator("body")).to_contain_text("已销号")
    page.click("button:has-text('退出')")

    login(page, base, "clerk", PASSWORD)
    page.goto(f"{base}/programmes/campaigns/{campaign.pk}/")
    expect(page.locator("#coverage-total")).to_have_text("50.0%")
    expect(page.locator("table.coverage")).to_contain_text("大官庄村")
    assert CampaignTarget.objects.filter(on_day_one=True).count() == 2
