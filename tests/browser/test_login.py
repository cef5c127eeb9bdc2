from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.conftest import PASSWORD, Cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_lands_on_overview_in_chinese(page: Page, live_server: object, cast: Cast) -> None:
    login(page, str(live_server), "clerk", PASSWORD)
    expect(page.locator("h1")).to_contain_text("概况")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_wrong_password_shows_a_clear_error(page: Page, live_server: object, cast: Cast) -> None:
    login(page, str(live_server), "clerk", "Wrong-Pass-1")
    expect(page.locator("[role=alert]")).to_contain_text("用户名、密码或动态口令错误")
