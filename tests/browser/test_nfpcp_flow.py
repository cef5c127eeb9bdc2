"""The issue's NFPCP path: the township clerk registers a couple and prints the numbered
slip, records consent, uploads the county centre's results file, assesses the risk and
prints the notice; the village officer, on a phone, records the early-pregnancy and the
pregnancy-outcome follow-ups from the worklist."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from renkou.programmes.models import NfpcpCheck
from renkou.programmes.nfpcp.items import ITEMS
from renkou.worklists.models import WorkItem
from tests.browser.conftest import login
from tests.conftest import PASSWORD, Cast
from tests.programmes.nfpcp_factories import IDS, make_couple

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
_VALUES = {5: "125", 8: "5.0", 9: "22", 11: "70", 12: "2.1"}


def _results_file(path: Path, check: NfpcpCheck) -> Path:
    today = timezone.localdate().isoformat()
    lines = ["通知单编号,检查对象,身份证号,项目编号,检查结果,单位,结果判定,审核人,检查日期"]
    for item in ITEMS:
        if item.no > 17:
            continue
        for subject in item.applies:
            person = check.wife if subject == "W" else check.husband
            value = _VALUES.get(item.no) or item.choices[0]
            lines.append(
                f"{check.slip_number},{'女方' if subject == 'W' else '男方'},{IDS[person.pk]},"
                f"{item.no},{value},{item.unit},正常,张医生,{today}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _clerk_part(desk: Page, base: str, cast: Cast, tmp_path: Path) -> NfpcpCheck:
    marriage = make_couple(cast.village, wife_name="陈静", husband_name="刘洋")
    login(desk, base, "clerk", PASSWORD)
    desk.click("nav >> text=孕前检查")
    desk.click("text=登记夫妇")
    desk.fill("input[name=wife_id]", IDS[marriage.wife.pk])
    appointment = timezone.localdate() + dt.timedelta(days=5)
    desk.fill("input[name=appointment_date]", appointment.isoformat())
    desk.fill("input[name=facility]", "峄城区妇幼保健计划生育服务中心")
    desk.click("button:has-text('登记并生成通知单')")
    expect(desk.locator("body")).to_contain_text("已登记，通知单编号")
    check = NfpcpCheck.objects.get(marriage=marriage)

    desk.click("text=打印通知单")
    expect(desk.locator("h1")).to_contain_text("国家免费孕前优生健康检查通知单")
    expect(desk.locator("body")).to_contain_text(check.slip_number)
    body = desk.locator("body").inner_text()
    assert IDS[marriage.wife.pk] not in body
    assert marriage.wife.id_masked in body
    assert "size: A5" in desk.content()
    desk.go_back()

    desk.check("input[name=wife]")
    desk.check("input[name=husband]")
    desk.click("button:has-text('保存知情同意')")
    expect(desk.locator("body")).to_contain_text("已保存")

    desk.goto(f"{base}/programmes/nfpcp/import/")
    desk.set_input_files("input[name=file]", str(_results_file(tmp_path / "results.csv", check)))
    desk.click("button:has-text('导入')")
    expect(desk.locator("body")).to_contain_text("新增 26")

    desk.goto(f"{base}/programmes/nfpcp/{check.pk}/")
    desk.select_option("select[name=risk_level]", "general")
    desk.fill("textarea[name=advice]", "孕前3个月开始补充叶酸，保持健康生活方式。")
    desk.fill("input[name=assessed_by]", "张医生")
    desk.click("button:has-text('保存评估')")
    expect(desk.locator("body")).to_contain_text("一般人群")
    desk.click("text=打印检查结果及评估告知书")
    expect(desk.locator("h1")).to_contain_text("孕前优生健康检查结果及评估建议告知书")
    expect(desk.locator("body")).to_contain_text("补充叶酸")
    assert IDS[marriage.husband.pk] not in desk.locator("body").inner_text()
    desk.goto(f"{base}/")
    desk.click("button:has-text('退出')")
    return check


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path


def test_a_couple_goes_from_registration_to_outcome_followup(
    page: Page, browser: Browser, live_server: Any, cast: Cast, data_dir: Path
) -> None:
    base = str(live_server)
    desk_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    desk = desk_context.new_page()
    desk.set_default_timeout(15_000)
    try:
        check = _clerk_part(desk, base, cast, data_dir)
    finally:
        desk_context.close()

    # The officer, on a phone (the default page is 390×844).
    login(page, base, "officer", PASSWORD)
    page.goto(f"{base}/work/")
    page.click("a:has-text('早孕随访：陈静')")
    page.click("a:has-text('孕前检查随访登记')")
    page.check("input[name=answer][value=pregnant]")
    lmp = timezone.localdate() - dt.timedelta(days=1)
    page.fill("input[name=lmp]", lmp.isoformat())
    page.click("button:has-text('保存并销号')")
    expect(page.locator("body")).to_contain_text("随访结果已保存")

    page.click("a:has-text('妊娠结局随访：陈静')")
    page.click("a:has-text('孕前检查随访登记')")
    page.select_option("select[name=outcome_type]", "live_birth")
    page.fill("input[name=outcome_date]", timezone.localdate().isoformat())
    page.click("button:has-text('保存并销号')")
    expect(page.locator("body")).to_contain_text("随访结果已保存")

    check.refresh_from_db()
    assert check.pregnant is True
    assert check.lmp == lmp
    assert check.outcome_type == "live_birth"
    assert not check.open
    items = WorkItem.objects.filter(subject_ref=f"nfpcp:{check.pk}")
    assert sorted(items.values_list("kind", "status", "outcome")) == [
        ("nfpcp_early_pregnancy", "closed", "done"),
        ("nfpcp_outcome", "closed", "done"),
    ]
