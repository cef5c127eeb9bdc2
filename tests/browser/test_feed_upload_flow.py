"""A township clerk sends the police file through the web, sees the error row in the
preview and applies the rest; the county runs the month's comparison; the clerk opens the
comparison report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from renkou.exchange.models import FeedRow, Job
from tests.browser.conftest import login
from tests.conftest import PASSWORD, Cast
from tests.exchange.feed_files import DATE_COLUMN, rows, write_csv
from tests.exchange_web_factories import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_uploads_previews_applies_and_opens_the_report(
    page: Page, live_server: object, cast: Cast, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    body = rows("police")
    body[2][DATE_COLUMN["police"]] = "2026-02-30"
    source = write_csv(tmp_path / "公安1月.csv", "police", body)
    base = str(live_server)

    login(page, base, "clerk", PASSWORD)
    page.goto(f"{base}/exchange/upload/")
    page.select_option("select[name=kind]", "police")
    page.fill("input[name=month]", "2026-01")
    page.set_input_files("input[name=file]", str(source))
    page.click("button:has-text('上传并预览')")
    expect(page.locator("h1")).to_contain_text("导入预览")
    expect(page.locator("table.errors")).to_contain_text("日期不存在")
    page.click("button:has-text('导入 2 行正确数据')")
    expect(page.locator("body")).to_contain_text("导入结果")
    assert FeedRow.objects.count() == 2
    page.click("button:has-text('退出')")

    login(page, base, "county", PASSWORD)
    page.goto(f"{base}/exchange/report/?month=2026-01")
    expect(page.locator("body")).to_contain_text("本月尚未比对")
    page.click("button:has-text('运行 2026-01 比对')")
    expect(page.locator("#job-progress")).to_contain_text("排队中")
    assert run_worker() == 1  # the worker beside the server picks the job up
    # The progress fragment polls every 2 s and reloads the page when the job ends.
    expect(page.locator("body")).to_contain_text("比对汇总", timeout=20_000)
    assert Job.objects.get(kind=Job.Kind.RECONCILE).status == Job.Status.DONE
    page.click("button:has-text('退出')")

    login(page, base, "clerk", PASSWORD)
    page.goto(f"{base}/exchange/report/?month=2026-01")
    expect(page.locator("table.report-table")).to_contain_text("公安户籍变动")
    expect(page.locator("table.targets")).to_contain_text("公安迁移导入率")
