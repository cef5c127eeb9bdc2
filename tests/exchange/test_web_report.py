"""The monthly comparison report: exact numbers on the handcrafted month, scope, Excel,
print, query count; and running the comparison from the web through the worker."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from renkou.core.models import OrgUnit
from renkou.exchange.link_review import link_decide
from renkou.exchange.models import FeedLink, Job
from renkou.exchange.monthly_report import ReportLine, monthly_report
from renkou.exchange.reconcile import reconcile_month
from renkou.exchange.report_tally import tally_compute, tally_month_rebuild, tally_stored
from renkou.exchange.resolve import discrepancy_resolve
from renkou.registry.models import Person
from renkou.worklists.models import WorkItem
from tests.exchange.test_reconcile_cases import county_cases  # noqa: F401 - the fixture
from tests.exchange_web_factories import run_worker

pytestmark = pytest.mark.django_db
JAN = "2026-01"
MONTH = dt.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    """The report's labels are read in the register's language whatever ran before."""
    with translation.override("zh-hans"):
        yield


def _lines(user: Any, unit: OrgUnit | None = None) -> dict[tuple[str, str], ReportLine]:
    """The report's lines by (kind, township or village name; 合计 for the total)."""
    report = monthly_report(user=user, month=MONTH, unit=unit)
    return {(line.kind, line.village or line.township): line for line in report.lines}


def _nums(line: ReportLine) -> tuple[int, ...]:
    return (line.received, line.auto, line.reviewed, line.pending, line.unlinked, line.open,
            line.closed)  # fmt: skip


def _exact() -> None:
    """The stored tallies are what a recount from the links and items gives."""
    assert tally_stored(MONTH) == tally_compute(MONTH)


@pytest.fixture
def compared(cast: Any, county_cases: dict[str, Person]) -> dict[str, Person]:  # noqa: F811
    reconcile_month(month=JAN, actor=cast.users["county"])
    return county_cases


def test_county_sees_one_line_per_township(cast: Any, compared: dict[str, Person]) -> None:
    lines = _lines(cast.users["county"])
    # police: 王五 (died), 赵六 (moved out), 张卫 (name differs) linked in 大官庄村 of 榴园镇;
    # 周八's invalid number placed there by its address; 钱七 from 济南 stays at the county.
    police = lines[("police", "榴园镇")]
    assert (police.drill, police.unit_id, _nums(police)) == (True, cast.township.pk,
                                                             (4, 3, 0, 0, 1, 4, 0))  # fmt: skip
    assert police.classes == {"should_have_left": 2, "conflicting": 2}
    county = lines[("police", "未落实到乡镇")]
    assert (county.drill, _nums(county)) == (False, (1, 0, 0, 0, 1, 1, 0))
    assert county.classes == {"missing_person": 1}
    total = lines[("police", "合计")]
    assert total.total
    assert _nums(total) == (5, 3, 0, 0, 2, 5, 0)
    births = lines[("birth_cert", "榴园镇")]
    assert _nums(births) == (2, 2, 0, 0, 0, 1, 0)
    assert births.classes == {"unreported_event": 1}
    assert _nums(lines[("marriage", "榴园镇")]) == (1, 1, 0, 0, 0, 1, 0)
    wife = lines[("marriage", "古邵镇")]
    assert (wife.drill, _nums(wife)) == (True, (1, 1, 0, 0, 0, 0, 0))
    assert _nums(lines[("marriage", "合计")])[:2] == (2, 2)
    assert _nums(lines[("pupil", "榴园镇")]) == (1, 0, 0, 0, 1, 1, 0)
    assert len(lines) == 10  # 6 unit lines + 4 totals
    _exact()


def test_a_township_opens_into_its_villages(cast: Any, compared: dict[str, Person]) -> None:
    county = cast.users["county"]
    report = monthly_report(user=county, month=MONTH, unit=cast.township)
    assert (report.unit, report.up) == (cast.township, cast.county)
    lines = {(line.kind, line.village): line for line in report.lines}
    police = lines[("police", "大官庄村")]
    assert (police.township, police.drill, _nums(police)) == ("榴园镇", False,
                                                              (4, 3, 0, 0, 1, 4, 0))  # fmt: skip
    assert set(lines) == {(k, v) for k in ("police", "birth_cert", "marriage", "pupil")
                          for v in ("大官庄村", "合计")}  # fmt: skip
    # The clerk of the township reads the same lines as the county opening it.
    own = monthly_report(user=cast.users["clerk"], month=MONTH)
    assert [_nums(x) for x in own.lines] == [_nums(x) for x in report.lines]
    assert own.up is None


def test_targets_numerators_and_denominators(cast: Any, compared: dict[str, Person]) -> None:
    report = monthly_report(user=cast.users["county"], month=MONTH)
    t = {x.code: x for x in report.targets}
    assert (t["police_births"].numerator, t["police_births"].denominator) == (0, 0)
    assert t["police_births"].rate is None
    assert t["police_births"].met is None
    # Moves: 赵六 (still active), 张卫 (conflicting), 钱七 and 周八 unlinked — none reflected.
    assert (t["police_moves"].numerator, t["police_moves"].denominator) == (0, 4)
    assert t["police_moves"].met is False
    assert (t["marriages"].numerator, t["marriages"].denominator) == (1, 2)
    assert (t["birth_notifications"].numerator, t["birth_notifications"].denominator) == (1, 2)
    assert t["marriages"].target == 0.95
    assert t["birth_notifications"].target == 1.0


def test_targets_come_from_settings(cast: Any, compared: dict[str, Person], settings: Any) -> None:
    settings.RENKOU_COMPARISON_TARGETS = {**settings.RENKOU_COMPARISON_TARGETS, "marriages": 0.5}
    report = monthly_report(user=cast.users["county"], month=MONTH)
    marriages = next(x for x in report.targets if x.code == "marriages")
    assert (marriages.target, marriages.met) == (0.5, True)


def test_review_and_closing_move_the_numbers(cast: Any, compared: dict[str, Person]) -> None:
    county = cast.users["county"]
    links = FeedLink.objects.filter(run__is_latest=True).select_related(
        "feed_row__batch", "person__org_unit", "run"
    )
    wife = links.get(side="wife")
    link_decide(link=wife, decision="confirmed", actor=county, expected_review="")
    # 张卫's link back to the queue: unlinked until decided, so his 错登 item is closed
    # and the number nobody in the register holds now shows 漏登.
    named = links.get(person=compared["named"])
    link_decide(link=named, decision="pending", actor=county, expected_review="")
    item = WorkItem.objects.get(kind="discrepancy.unreported_event")
    discrepancy_resolve(item=item, resolution="register_right", evidence="已核实",
                        actor=county, expected_version=item.version)  # fmt: skip
    lines = _lines(county, cast.township)
    assert _nums(_lines(county)[("marriage", "古邵镇")]) == (1, 0, 1, 0, 0, 0, 0)
    police = lines[("police", "大官庄村")]
    assert _nums(police) == (4, 2, 0, 1, 1, 4, 1)
    assert police.classes == {"should_have_left": 2, "conflicting": 2, "missing_person": 1}
    assert _nums(lines[("birth_cert", "大官庄村")]) == (2, 2, 0, 0, 0, 0, 1)
    _exact()


def test_a_township_sees_only_its_villages(cast: Any, compared: dict[str, Person]) -> None:
    lines = _lines(cast.users["clerk"])
    assert {v for _, v in lines} == {"大官庄村", "合计"}
    assert _nums(lines[("police", "合计")]) == (4, 3, 0, 0, 1, 4, 0)
    assert ("marriage", "后楼村") not in lines
    other = _lines(cast.users["other_clerk"])
    assert set(other) == {("marriage", "后楼村"), ("marriage", "合计")}
    report = monthly_report(user=cast.users["clerk"], month=MONTH)
    moves = next(x for x in report.targets if x.code == "police_moves")
    assert (moves.numerator, moves.denominator) == (0, 3)  # 钱七 is the county's


def test_report_page_and_query_count(
    cast: Any, compared: dict[str, Person], django_assert_max_num_queries: Any
) -> None:
    client = cast.client_for("county")
    url = reverse("exchange:report") + f"?month={JAN}"
    client.get(url)  # the session settles
    with django_assert_max_num_queries(18):  # session, user, audit: the report itself 5
        page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "古邵镇" in body
    assert "后楼村" not in body  # the county reads townships; a township opens its villages
    assert f"?month={JAN}&amp;unit={cast.township.pk}" in body
    assert "应销未销" in body
    assert "50.0%" in body  # marriages 1 / 2
    assert reverse("exchange:reconcile_start") in body  # the county may run the comparison
    opened = client.get(url + f"&unit={cast.other_township.pk}").content.decode()
    assert "后楼村" in opened
    assert "返回峄城区" in opened
    assert reverse("exchange:reconcile_start") not in opened  # runs are for one's own unit
    assert f"unit={cast.other_township.pk}" in opened.split("导出 Excel")[0]
    clerk_page = cast.client_for("clerk").get(url).content.decode()
    assert "后楼村" not in clerk_page
    assert "大官庄村" in clerk_page
    assert reverse("exchange:reconcile_start") in clerk_page  # the township's own files
    head_page = cast.client_for("head").get(url).content.decode()
    assert reverse("exchange:reconcile_start") not in head_page
    assert cast.client_for("officer").get(url).status_code == 403


def test_only_units_in_scope_open(cast: Any, compared: dict[str, Person]) -> None:
    url = reverse("exchange:report") + f"?month={JAN}&unit="
    clerk = cast.client_for("clerk")
    assert clerk.get(url + str(cast.other_township.pk)).status_code == 404
    assert clerk.get(url + str(cast.county.pk)).status_code == 404
    assert clerk.get(url + str(cast.township.pk)).status_code == 200
    county = cast.client_for("county")
    assert county.get(url + str(cast.village.pk)).status_code == 404  # villages are lines
    assert county.get(url + "1 OR 1=1").status_code == 404
    assert county.get(url + "99999").status_code == 404
    for name in ("report_xlsx", "report_print"):
        target = reverse(f"exchange:{name}") + f"?month={JAN}&unit={cast.other_township.pk}"
        assert clerk.get(target).status_code == 404


def test_query_count_does_not_grow_with_villages(
    cast: Any, compared: dict[str, Person], django_assert_max_num_queries: Any
) -> None:
    from renkou.core.services import orgunit_create
    from renkou.exchange.models import ReconcileRun
    from tests.factories import make_person

    before = monthly_report(user=cast.users["county"], month=MONTH, unit=cast.township)
    run = ReconcileRun.objects.get(month=MONTH, is_latest=True)
    row = FeedLink.objects.filter(run=run).first().feed_row
    for n in range(5):  # five more villages, each with a linked person: five more lines
        village = orgunit_create(code=f"37040410130{n}", name=f"新村{n}", level="village",
                                 parent=cast.township)  # fmt: skip
        person = make_person(org_unit=village, name=f"新{n}")
        FeedLink.objects.create(run=run, feed_row=row, side="", person=person, method="exact_id",
                                org_unit=village)  # fmt: skip
    tally_month_rebuild(MONTH)
    with django_assert_max_num_queries(5):
        after = monthly_report(user=cast.users["county"], month=MONTH, unit=cast.township)
    assert len(after.lines) == len(before.lines) + 5


def test_excel_export_cells_and_formula_neutralisation(
    cast: Any, compared: dict[str, Person]
) -> None:
    OrgUnit.objects.filter(pk=cast.other_township.pk).update(name="=1+1镇")
    response = cast.client_for("county").get(reverse("exchange:report_xlsx") + f"?month={JAN}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="comparison-202601-{cast.county.code}'
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["比对报告"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "峄城区 2026-01 部门数据比对报告"
    assert values[1][:8] == ["部门", "乡镇", "村居", "收到", "自动匹配", "审核后匹配", "待审核",
                             "未匹配"]  # fmt: skip
    assert values[1][8:16] == ["应销未销", "漏报", "漏登", "重登", "错登", "婚变未更新", "未入户",
                               "人户分离"]  # fmt: skip
    police = next(r for r in values if r[1] == "榴园镇" and r[0] == "公安户籍变动")
    assert police[3:] == [4, 3, 0, 0, 1, 2, 0, 0, 0, 2, 0, 0, 0, 4, 0]
    wife = next(r for r in values if r[0] == "婚姻登记" and r[3] == 1 and r[16] == 0)
    assert wife[1] == "'=1+1镇"  # a cell never starts a formula
    assert not any(isinstance(v, str) and v.startswith("=") for r in values for v in r)
    targets = [[c.value for c in row] for row in book["县级指标"].iter_rows()]
    assert targets[0] == ["指标", "目标", "分子", "分母", "实际", "结论"]
    assert targets[3][1:] == ["95.0%", 1, 2, "50.0%", "未达标"]


def test_page_print_and_excel_show_the_same_lines(cast: Any, compared: dict[str, Person]) -> None:
    client = cast.client_for("county")
    for query in (f"?month={JAN}", f"?month={JAN}&unit={cast.township.pk}"):
        report = monthly_report(user=cast.users["county"], month=MONTH,
                                unit=cast.township if "unit" in query else None)  # fmt: skip
        book = openpyxl.load_workbook(io.BytesIO(
            client.get(reverse("exchange:report_xlsx") + query).content))  # fmt: skip
        rows = [[c.value for c in r] for r in book["比对报告"].iter_rows()][2:]
        expected = [
            [line.kind_label, line.township or None, line.village or None, line.received,
             line.auto, line.reviewed, line.pending, line.unlinked, *line.class_counts(),
             line.open, line.closed]
            for line in report.lines
        ]  # fmt: skip
        assert rows == expected
        printed = client.get(reverse("exchange:report_print") + query).content.decode()
        page = client.get(reverse("exchange:report") + query).content.decode()
        for line in report.lines:
            for text in (line.township, line.village):
                assert text in printed
                assert text in page
        assert printed.count("<tr") == page.count("<tr")


def test_print_layout(cast: Any, compared: dict[str, Person]) -> None:
    page = cast.client_for("clerk").get(reverse("exchange:report_print") + f"?month={JAN}")
    body = page.content.decode()
    assert page.status_code == 200
    assert "size: A4 landscape" in body
    assert "@media print" in body
    assert "大官庄村" in body
    assert "window.print()" in body


def test_a_month_without_comparison_says_so(cast: Any) -> None:
    page = cast.client_for("county").get(reverse("exchange:report") + "?month=2025-05")
    assert "本月尚未比对" in page.content.decode()
    assert "本月还没有比对结果" in page.content.decode()


# --- the comparison from the web ---------------------------------------------------------


def test_comparison_runs_in_the_worker(cast: Any, county_cases: dict[str, Person]) -> None:  # noqa: F811
    client = cast.client_for("county")
    response = client.post(reverse("exchange:reconcile_start"), {"month": JAN})
    job = Job.objects.get(kind=Job.Kind.RECONCILE)
    assert response["Location"] == reverse("exchange:job", args=[job.pk])
    assert job.status == Job.Status.QUEUED
    assert job.rows_total == 9
    assert job.created_by == cast.users["county"]
    # A second press while it waits does not queue another run.
    client.post(reverse("exchange:reconcile_start"), {"month": JAN})
    assert Job.objects.filter(kind=Job.Kind.RECONCILE).count() == 1
    page = client.get(reverse("exchange:job", args=[job.pk])).content.decode()
    assert "排队中" in page
    assert run_worker() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.reconcile_run is not None
    assert (job.summary["rows"], job.summary["items_opened"]) == (9, 8)
    assert (job.rows_done, job.rows_total) == (9, 9)
    page = client.get(reverse("exchange:job", args=[job.pk])).content.decode()
    assert "比对汇总" in page
    assert WorkItem.objects.count() == 8


def test_who_may_queue_a_comparison(cast: Any) -> None:
    for who in ("head", "officer"):
        response = cast.client_for(who).post(reverse("exchange:reconcile_start"), {"month": JAN})
        assert response.status_code == 403
    assert Job.objects.count() == 0
    # A township clerk queues the comparison of the township's own files.
    response = cast.client_for("clerk").post(reverse("exchange:reconcile_start"), {"month": JAN})
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.kind, job.org_unit) == (Job.Kind.RECONCILE, cast.township)


def test_a_bad_month_is_refused(cast: Any) -> None:
    response = cast.client_for("county").post(
        reverse("exchange:reconcile_start"), {"month": "2026-99"}
    )
    assert response.status_code == 302
    assert Job.objects.count() == 0


def test_a_failing_comparison_is_recorded_and_applies_nothing(
    cast: Any,
    county_cases: dict[str, Person],  # noqa: F811
) -> None:
    from renkou.exchange.models import ReconcileRun

    client = cast.client_for("county")
    client.post(reverse("exchange:reconcile_start"), {"month": JAN})
    job = Job.objects.get(kind=Job.Kind.RECONCILE)
    # Before the worker gets to it, the person who queued it moves to a township.
    county = cast.users["county"]
    county.org_unit = cast.township
    county.save(update_fields=["org_unit"])
    assert run_worker() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "无权" in job.error
    assert (ReconcileRun.objects.count(), WorkItem.objects.count()) == (0, 0)
