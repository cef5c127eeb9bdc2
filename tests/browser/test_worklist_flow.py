"""A village officer closes a follow-up on a phone; the township board counts it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from renkou.worklists.models import WorkItem
from renkou.worklists.services import workitem_open
from tests.browser.conftest import login
from tests.conftest import PASSWORD, Cast
from tests.factories import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_closes_an_item_and_the_board_counts_it(
    page: Page, live_server: object, cast: Cast
) -> None:
    person = make_person(
        org_unit=cast.village, name="孙丽", sex="F", birth_date=dt.date(1980, 4, 2)
    )
    item = workitem_open(
        kind="followup",
        org_unit=cast.village,
        title="产后随访：孙丽",
        due_date=dt.date.today() + dt.timedelta(days=7),
        subject_person=person,
        actor=cast.users["clerk"],
    )
    base = str(live_server)
    login(page, base, "officer", PASSWORD)
    page.goto(f"{base}/work/")
    page.click("a:has-text('产后随访：孙丽')")
    page.select_option("select[name=outcome]", "done")
    page.fill("textarea[name=evidence]", "已电话随访，母婴平安")
    page.click("button.primary:has-text('销号')")
    expect(page.locator("body")).to_contain_text("已销号")
    item.refresh_from_db()
    assert item.status == "closed"
    assert item.outcome == "done"
    page.click("button:has-text('退出')")

    login(page, base, "clerk", PASSWORD)
    page.goto(f"{base}/work/board/")
    expect(page.locator("body")).to_contain_text("大官庄村")
    assert WorkItem.objects.filter(status="closed", org_unit=cast.village).count() == 1
