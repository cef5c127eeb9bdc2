"""The township's month, as issue 3 describes it, in a real browser: the clerk uploads
the four departments' files (one with a bad row), runs the comparison, works a
discrepancy through to the register, decides a pair in the review queue and prints the
report for the meeting on the 3rd."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from renkou.exchange.models import FeedBatch, FeedLink, FeedRow
from renkou.registry.models import Person
from renkou.worklists.models import WorkItem
from tests.browser.conftest import login
from tests.conftest import PASSWORD, Cast
from tests.exchange.feed_files import DATE_COLUMN, make_id, rows, write_csv
from tests.exchange_web_factories import run_worker
from tests.factories import make_person
from tests.linkreview_factories import feed_row, pending_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KINDS = ("police", "birth_cert", "marriage", "pupil")


def _upload(page: Page, base: str, kind: str, source: Path, *, ok: int, bad: int) -> None:
    page.goto(f"{base}/exchange/upload/")
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=month]", "2026-01")
    page.set_input_files("input[name=file]", str(source))
    page.click("button:has-text('上传并预览')")
    expect(page.locator("h1")).to_contain_text("导入预览")
    if bad:
        expect(page.locator("table.errors")).to_contain_text("日期不存在")
    page.click(f"button:has-text('导入 {ok} 行正确数据')")
    expect(page.locator("body")).to_contain_text("导入结果")


def test_the_townships_month_from_four_files_to_the_printed_report(
    page: Page, live_server: object, cast: Cast, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    # 王五 is on the register; the police file reports his death (row 3 of its rows).
    wang = make_person(
        org_unit=cast.village, name="王五", birth_date=dt.date(1985, 3, 3),
        id_number=make_id("19850303", "363"),
    )  # fmt: skip
    files = {kind: write_csv(tmp_path / f"{kind}.csv", kind, rows(kind)) for kind in KINDS}
    police = rows("police")
    police.append([*police[0]])
    police[-1][DATE_COLUMN["police"]] = "2026-02-30"
    files["police"] = write_csv(tmp_path / "公安1月.csv", "police", police)
    base = str(live_server)
    login(page, base, "clerk", PASSWORD)

    # 1. The four files, each previewed and applied; the bad police row stays out.
    for kind in KINDS:
        bad = 1 if kind == "police" else 0
        _upload(page, base, kind, files[kind], ok=len(rows(kind)), bad=bad)
    assert sorted(FeedBatch.objects.values_list("kind", flat=True)) == sorted(KINDS)
    assert FeedRow.objects.filter(batch__kind="police").count() == 3

    # 2. The month's comparison runs in the background worker.
    page.goto(f"{base}/exchange/report/?month=2026-01")
    page.click("button:has-text('运行 2026-01 比对')")
    assert run_worker() == 1
    expect(page.locator("body")).to_contain_text("比对汇总", timeout=20_000)

    # 3. The death the police reported is an open 应销未销 item in 王五's village; the
    # clerk opens it from the item list and applies the police data to the register.
    page.goto(f"{base}/work/items/")
    page.click("a:has-text('应销未销：王五')")
    page.click("a:has-text('比对差异处理')")
    expect(page.locator("table.compare")).to_contain_text("死亡")
    page.check("input[name=resolution][value=apply]")
    page.fill("textarea[name=evidence]", "派出所死亡注销记录核对")
    page.click("button:has-text('确认销号')")
    expect(page.locator("body")).to_contain_text("已销号")
    wang.refresh_from_db()
    assert (wang.status, wang.left_reason, wang.death_date) == (
        Person.Status.LEFT,
        "died",
        dt.date(2026, 1, 7),
    )
    item = WorkItem.objects.get(kind="discrepancy.should_have_left", subject_person=wang)
    assert (item.status, item.outcome) == ("closed", "done")

    # 4. A pair the model was unsure of waits in the review queue; the clerk compares the
    # two sides and confirms it.
    wu = make_person(org_unit=cast.village, name="吴九", birth_date=dt.date(2015, 5, 5))
    row = feed_row(name="吴玖", sex="M", birth_date=dt.date(2015, 5, 5), place="榴园镇大官庄村")
    link = pending_link(wu, row)
    page.goto(f"{base}/exchange/links/")
    page.click("a:has-text('吴玖')")
    expect(page.locator("body")).to_contain_text("吴九")
    page.click("button:has-text('确认匹配')")
    link.refresh_from_db()
    assert link.review == FeedLink.Review.CONFIRMED

    # 5. The report for the meeting: the closed item is counted, and the print layout
    # renders to paper.
    page.goto(f"{base}/exchange/report/?month=2026-01")
    expect(page.locator("table.report-table")).to_contain_text("公安户籍变动")
    page.click("a:has-text('打印版')")
    expect(page.locator("h1")).to_contain_text("部门数据比对报告 2026-01")
    page.emulate_media(media="print")
    expect(page.locator("p.noprint").first).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 2000
