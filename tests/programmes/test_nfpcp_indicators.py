"""The indicators: coverage, early-pregnancy and outcome follow-up rates, high-risk share,
and the small-cell suppression of everything a page, print or export shows of them."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renkou.programmes.models import NfpcpCheck, NfpcpTally, NfpcpTargets
from renkou.programmes.nfpcp import indicators, services
from renkou.programmes.nfpcp.indicators import Rate, indicators_by_unit
from tests.conftest import Cast
from tests.programmes.nfpcp_factories import assessed, make_couple, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_patterns_from_other_tests() -> None:
    indicators._PATTERNS.clear()


def test_rate_math_and_targets() -> None:
    assert Rate(9, 10, Decimal("0.9")).value == Decimal("0.900")
    assert Rate(9, 10, Decimal("0.9")).meets is True
    assert Rate(2, 3, Decimal("0.8")).value == Decimal("0.667")
    assert Rate(2, 3, Decimal("0.8")).meets is False
    assert Rate(2, 3).percent == "66.7%"
    assert Rate(0, 0, Decimal("0.9")).value is None
    assert Rate(0, 0, Decimal("0.9")).meets is None
    assert Rate(0, 0).percent == "—"


def _last_year(*checks: NfpcpCheck) -> dt.date:
    """Move the checks to 10 January of last year (registered and assessed), so the
    follow-up dates below all lie in one past year whatever day the test runs."""
    start = dt.date(timezone.localdate().year - 1, 1, 10)
    for check in checks:
        rows = NfpcpCheck.objects.filter(pk=check.pk)
        rows.update(registered_on=start)
        rows.filter(assessed_on__isnull=False).update(assessed_on=start)
        check.refresh_from_db()
    return start


def test_indicators_per_village_and_township(cast: Cast) -> None:
    officer, clerk = cast.users["officer"], cast.users["clerk"]
    # 大官庄村: four couples registered, three examined and assessed (one high risk).
    waiting = register(make_couple(cast.village), clerk)  # registered only
    high = assessed(cast, high=True)
    pregnant_late = assessed(cast)
    pregnant_timely = assessed(cast)
    other = assessed(cast, unit=cast.other_village)  # 东王庄村: one couple, general risk
    start = _last_year(waiting, high, pregnant_late, pregnant_timely, other)
    lmp = start + dt.timedelta(days=20)
    # Timely: followed at 8 weeks. Late: followed at 14 weeks of gestation.
    services.nfpcp_early_followup(
        check=pregnant_timely, followed_on=lmp + dt.timedelta(weeks=8), pregnant=True,
        lmp=lmp, actor=officer,
    )  # fmt: skip
    services.nfpcp_early_followup(
        check=pregnant_late, followed_on=lmp + dt.timedelta(weeks=14), pregnant=True,
        lmp=lmp, actor=officer,
    )  # fmt: skip
    services.nfpcp_early_followup(
        check=high, followed_on=lmp, pregnant=False, lmp=None, actor=officer
    )
    services.nfpcp_outcome_followup(
        check=pregnant_late, followed_on=lmp + dt.timedelta(weeks=15), outcome_type="miscarriage",
        outcome_date=lmp + dt.timedelta(weeks=15), actor=officer,
    )  # fmt: skip
    rows = indicators_by_unit(user=clerk, year=start.year, unit=cast.township)
    by_name = {r.unit.name: r for r in rows[:-1]}
    village = by_name["大官庄村"]
    assert (village.coverage.numerator, village.coverage.denominator) == (3, 4)
    assert (village.early_followup.numerator, village.early_followup.denominator) == (1, 2)
    # Both pregnancies are due by 31 December (LMP + 322 days); one outcome is recorded.
    assert (village.outcome_followup.numerator, village.outcome_followup.denominator) == (1, 2)
    assert (village.high_risk.numerator, village.high_risk.denominator) == (1, 3)
    assert village.coverage.meets is False  # 75% < 90%
    assert village.high_risk_in_band is False  # 33% is outside 13–21%
    other = by_name["东王庄村"]
    assert (other.coverage.numerator, other.coverage.denominator) == (1, 1)
    total = rows[-1]
    assert total.unit == cast.township
    assert (total.coverage.numerator, total.coverage.denominator) == (4, 5)
    assert (total.high_risk.numerator, total.high_risk.denominator) == (1, 4)


def test_targets_come_from_the_nearest_unit_up_the_tree(cast: Cast) -> None:
    assert services.targets_for(cast.village).coverage == Decimal("0.900")
    NfpcpTargets.objects.create(org_unit=cast.county, coverage=Decimal("0.85"))
    assert services.targets_for(cast.village).coverage == Decimal("0.85")
    NfpcpTargets.objects.create(org_unit=cast.township, coverage=Decimal("0.95"))
    assert services.targets_for(cast.village).coverage == Decimal("0.95")
    assert services.targets_for(cast.other_township).coverage == Decimal("0.85")


def test_other_townships_are_not_counted(cast: Cast) -> None:
    assessed(cast)
    year = timezone.localdate().year
    # Asked about 榴园镇 itself, 古邵镇's clerk counts nothing: the scope, not the unit, decides.
    rows = indicators_by_unit(user=cast.users["other_clerk"], year=year, unit=cast.township)
    assert rows[-1].registered == 0
    assert (
        indicators_by_unit(user=cast.users["clerk"], year=year, unit=cast.township)[-1].registered
        == 1
    )
    assert NfpcpCheck.objects.count() == 1


# --- small-cell suppression (core.disclosure) on the page, its print and its export ---


def _xlsx_rows(response: object) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))  # type: ignore[attr-defined]
    return [list(row) for row in book.active.iter_rows(values_only=True)]  # type: ignore[union-attr]


def _registered(cast: Cast, unit: object, n: int) -> None:
    for _ in range(n):
        register(make_couple(unit), cast.users["county"])  # type: ignore[arg-type]


def test_small_counts_and_their_complements_are_hidden_on_page_and_export(cast: Cast) -> None:
    _registered(cast, cast.village, 6)
    _registered(cast, cast.other_village, 1)
    year = timezone.localdate().year
    rows = indicators_by_unit(user=cast.users["clerk"], year=year, unit=cast.township)
    by_name = {r.unit.name: r for r in rows}
    # 东王庄村's one couple shows as "<5"; 大官庄村 is hidden too, or 7 − 6 would give it.
    assert by_name["东王庄村"].shown.registered == "<5"
    assert by_name["大官庄村"].shown.registered == "*"
    assert by_name["榴园镇"].shown.registered == 7
    assert by_name["东王庄村"].shown.coverage.percent == "*"  # 0 of "<5"
    assert by_name["榴园镇"].shown.coverage.percent == "0.0%"
    client = cast.client_for("head")  # a township head sees no named list, only this
    page = client.get(reverse("programmes:nfpcp_indicators")).content.decode()
    assert "&lt;5" in page
    assert "1 至 4 的人数显示为“&lt;5”" in page
    cells = re.findall(r'data-label="登记夫妇" class="num">([^<]*)<', page)
    assert cells == ["*", "&lt;5", "7"]
    export = client.get(reverse("programmes:nfpcp_indicators"), {"format": "xlsx"})
    values = _xlsx_rows(export)
    assert any("1 至 4 的人数显示为“<5”" in str(row[0]) for row in values)
    header_at = next(i for i, row in enumerate(values) if row[0] == "单位")
    shown = {row[0]: row[1:4] for row in values[header_at + 1 :]}
    assert shown == {"大官庄村": ["*", 0, "*"], "东王庄村": ["<5", 0, "*"],
                     "榴园镇": [7, 0, "0.0%"]}  # fmt: skip


def test_the_county_page_and_the_township_page_hide_the_same_cells(cast: Cast) -> None:
    """古邵镇's 2 couples on the county page: hiding it takes 榴园镇 with it, so 榴园镇's
    own page (its villages and total) must not give 榴园镇 back either."""
    _registered(cast, cast.village, 6)
    _registered(cast, cast.other_village, 7)
    _registered(cast, cast.other_township_village, 2)
    year = timezone.localdate().year

    def shown(who: str, unit: object) -> dict[str, object]:
        rows = indicators_by_unit(user=cast.users[who], year=year, unit=unit)  # type: ignore[arg-type]
        return {r.unit.name: r.shown.registered for r in rows}

    assert shown("county", cast.county) == {"榴园镇": "*", "古邵镇": "<5", "峄城区": 15}
    for who in ("county", "clerk"):  # whoever looks at 榴园镇's page
        assert shown(who, cast.township) == {"大官庄村": "*", "东王庄村": 7, "榴园镇": "*"}


def test_a_hidden_rate_is_never_flagged(cast: Cast) -> None:
    assessed(cast, high=True)  # one couple: 100% high risk, outside the band, but "<5"
    year = timezone.localdate().year
    village = indicators_by_unit(user=cast.users["clerk"], year=year, unit=cast.township)[0]
    assert village.high_risk_in_band is False
    assert village.shown.high_risk.percent == "*"
    assert village.shown.high_risk.warn is False
    page = cast.client_for("clerk").get(reverse("programmes:nfpcp_indicators")).content.decode()
    assert "warn" not in page.split("<tbody>")[1].split("</tbody>")[0]


def test_indicators_read_each_check_once(cast: Cast) -> None:
    """Only the columns the rates read are fetched, as plain rows; none row by row."""
    year = timezone.localdate().year
    assessed(cast, high=True)
    with CaptureQueriesContext(connection) as few:
        indicators_by_unit(user=cast.users["clerk"], year=year, unit=cast.township)
    for _ in range(3):
        assessed(cast)
    indicators._PATTERNS.clear()  # both calls decide their pattern
    with CaptureQueriesContext(connection) as more:
        rows = indicators_by_unit(user=cast.users["clerk"], year=year, unit=cast.township)
    assert len(more.captured_queries) == len(few.captured_queries)
    assert (rows[-1].high_risk.numerator, rows[-1].high_risk.denominator) == (1, 4)


# --- the villages' tallies (NfpcpTally) ---


def _reads_checks(queries: CaptureQueriesContext) -> bool:
    """Whether a query opened the checks' sealed fields (the recount reads ``lmp``)."""
    return any('"lmp"' in q["sql"] for q in queries.captured_queries)


def test_a_village_is_counted_once_then_read_from_its_tally_until_a_check_changes(
    cast: Cast,
) -> None:
    year = timezone.localdate().year
    check = assessed(cast, high=True)
    with CaptureQueriesContext(connection) as first:
        rows = indicators_by_unit(user=cast.users["county"], year=year, unit=cast.county)
    assert _reads_checks(first)
    assert (rows[-1].high_risk.numerator, rows[-1].high_risk.denominator) == (1, 1)
    tally = NfpcpTally.objects.get(org_unit=cast.village, year=year)
    assert not tally.stale
    assert tally.counts == [1, 1, 0, 0, 0, 0, 1, 1]
    with CaptureQueriesContext(connection) as again:
        rows = indicators_by_unit(user=cast.users["county"], year=year, unit=cast.county)
    assert not _reads_checks(again)
    assert (rows[-1].high_risk.numerator, rows[-1].high_risk.denominator) == (1, 1)
    # The follow-up marks the village for a recount in its own transaction.
    services.nfpcp_early_followup(
        check=check, followed_on=timezone.localdate(), pregnant=True,
        lmp=timezone.localdate() - dt.timedelta(days=30), actor=cast.users["officer"],
    )  # fmt: skip
    assert NfpcpTally.objects.get(pk=tally.pk).stale
    rows = indicators_by_unit(user=cast.users["county"], year=year, unit=cast.county)
    assert (rows[-1].early_followup.numerator, rows[-1].early_followup.denominator) == (1, 1)
    assert NfpcpTally.objects.get(pk=tally.pk).counts == [1, 1, 1, 1, 0, 0, 1, 1]


def test_counts_taken_while_a_check_changed_are_not_stored(cast: Cast) -> None:
    year = timezone.localdate().year
    assessed(cast)
    tally = NfpcpTally.objects.get(org_unit=cast.village, year=year)
    assert tally.stale
    # A recount read generation g; a change committed before it stored its counts.
    NfpcpTally.objects.filter(pk=tally.pk).update(generation=tally.generation + 1)
    indicators._store(
        cast.village.pk, year, [9] * len(indicators.MEASURES), (tally.pk, tally.generation)
    )
    tally.refresh_from_db()
    assert tally.stale
    assert tally.counts != [9] * len(indicators.MEASURES)
    # The next page recounts it, and stores the counts this time.
    rows = indicators_by_unit(user=cast.users["clerk"], year=year, unit=cast.township)
    assert rows[-1].registered == 1
    tally.refresh_from_db()
    assert not tally.stale
    assert tally.counts[0] == 1


def test_a_village_without_a_tally_row_is_counted_and_gets_one(cast: Cast) -> None:
    year = timezone.localdate().year
    assessed(cast)
    NfpcpTally.objects.all().delete()  # checks from before the tallies existed
    rows = indicators_by_unit(user=cast.users["clerk"], year=year, unit=cast.township)
    assert rows[-1].registered == 1
    assert NfpcpTally.objects.get(org_unit=cast.village, year=year).counts[0] == 1
