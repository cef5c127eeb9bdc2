"""Reconciling a small synthetic county (renkou.synth) against its truth files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from renkou.exchange.models import FeedLink, FeedRow, ReconcileRun
from renkou.exchange.reconcile import reconcile_month
from renkou.exchange.reconcile_inputs import feed_id_reveal
from renkou.exchange.services import feed_import
from renkou.linkage.evaluate import read_truth
from renkou.linkage.subjects import classify_id
from renkou.registry import identity
from renkou.registry.importer import register_import
from renkou.registry.importer.orgunits import orgunits_import
from renkou.synth import Manifest, generate
from renkou.worklists.models import WorkItem

pytestmark = pytest.mark.django_db
KINDS = ("police", "birth_cert", "marriage", "pupil")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(people=3000, seed=7, out_dir=tmp_path_factory.mktemp("county"), months=1)


@pytest.fixture
def loaded(county: Manifest, tmp_path: Path, settings: Any) -> Manifest:
    settings.DATA_DIR = tmp_path / "data"
    orgunits_import(path=county.out_dir / "orgunits.csv", actor=None)
    result = register_import(path=county.out_dir / "register.csv", actor=None, accept_valid=True)
    assert result.status == "applied"
    for kind in KINDS:
        path = county.out_dir / "feeds" / "2026-01" / f"{kind}.csv"
        assert feed_import(kind=kind, path=path, month="2026-01", actor=None, accept_valid=True)
    return county


def _truth_linked(county: Manifest) -> tuple[int, int]:
    """(rows whose truth names a register person, of which linked to that person)."""
    links: dict[tuple[str, int], set[str]] = {}
    rows = FeedLink.objects.filter(run__is_latest=True, person__isnull=False).values_list(
        "feed_row__batch__kind", "feed_row__row_number", "person__external_id"
    )
    for kind, line, external in rows:
        links.setdefault((kind, line - 1), set()).add(external)  # line 1 is the header
    wanted = found = 0
    for kind in KINDS:
        truth = read_truth(county.out_dir / "truth" / "2026-01" / f"{kind}.csv")
        for row, (person, _role, _tags) in truth.items():
            if person:
                wanted += 1
                found += person in links.get((kind, row), set())
    return wanted, found


def test_links_cover_the_truth_and_never_cross_valid_ids(loaded: Manifest) -> None:
    summary = reconcile_month(month="2026-01", actor=None)
    current = FeedRow.objects.filter(superseded_by__isnull=True, withdrawn=False).count()
    assert summary.rows == current > 0
    assert FeedLink.objects.count() == summary.subjects
    wanted, found = _truth_linked(loaded)
    assert wanted > 200
    assert found >= 0.95 * wanted, (found, wanted)
    crossed = 0
    for link in FeedLink.objects.filter(
        person__isnull=False, method__in=("exact_id", "name_dob_unique")
    ).select_related("feed_row", "person"):
        row = link.feed_row
        valid = row.id2_valid if link.side == "wife" else row.id_valid
        if not valid or link.person.id_cipher is None:
            continue
        feed_id = feed_id_reveal(row.id2_cipher if link.side == "wife" else row.id_cipher)
        status, id18 = classify_id(feed_id)
        crossed += status == "valid" and id18 != identity.id_reveal(link.person.id_cipher)
    assert crossed == 0
    assert set(summary.by_class) >= {"should_have_left", "missing_person", "conflicting"}
    assert WorkItem.objects.filter(source="reconcile:2026-01").count() == summary.items_opened


def test_rerun_is_idempotent(loaded: Manifest) -> None:
    first = reconcile_month(month="2026-01", actor=None)
    items = WorkItem.objects.count()
    second = reconcile_month(month="2026-01", actor=None)
    assert second.items_opened == 0
    assert second.items_existing == first.items_opened
    assert WorkItem.objects.count() == items
    assert second.by_class == first.by_class
    assert FeedLink.objects.count() == second.subjects  # the old run's links are gone
    runs = ReconcileRun.objects.order_by("pk")
    assert [r.is_latest for r in runs] == [False, True]
    assert runs[1].counts["items_existing"] == first.items_opened


@pytest.fixture
def reported(county: Manifest, tmp_path: Path, settings: Any) -> Manifest:
    """The month as a county holds its meeting: the register, then what the villages
    reported during the month (synth/village.py), then the department feeds."""
    settings.DATA_DIR = tmp_path / "data"
    orgunits_import(path=county.out_dir / "orgunits.csv", actor=None)
    for path in (county.out_dir / "register.csv",
                 county.out_dir / "village" / "2026-01" / "register.csv"):  # fmt: skip
        assert register_import(path=path, actor=None, accept_valid=True).status == "applied"
    for kind in KINDS:
        path = county.out_dir / "feeds" / "2026-01" / f"{kind}.csv"
        assert feed_import(kind=kind, path=path, month="2026-01", actor=None, accept_valid=True)
    return county


def test_a_synthetic_month_gives_plausible_target_figures(reported: Manifest) -> None:
    """Most births and marriages the departments send are already in the register the
    villages keep; the comparison finds the few they missed."""
    import datetime as dt

    from renkou.core.models import OrgUnit, Role
    from renkou.core.services import user_create
    from renkou.exchange.monthly_report import monthly_report

    reconcile_month(month="2026-01", actor=None)
    root = OrgUnit.objects.get(parent__isnull=True)
    county = user_create(username="synth-county", password="x" * 12, role=Role.COUNTY_OFFICER,
                         org_unit=root, validate=False)  # fmt: skip
    report = monthly_report(user=county, month=dt.date(2026, 1, 1))
    rates = {t.code: t for t in report.targets}
    for code in ("police_births", "police_moves", "marriages", "birth_notifications"):
        t = rates[code]
        assert 0 < t.numerator <= t.denominator, (code, t.numerator, t.denominator)
    # The villages report most births and marriages (synth: 93 % and 96 %; a month of
    # 3000 people has about ten of each, so the three together); moves out and deaths
    # are left to the comparison, so moves stay lower.
    events = [rates[c] for c in ("police_births", "marriages", "birth_notifications")]
    share = sum(t.numerator for t in events) / sum(t.denominator for t in events)
    assert share >= 0.6, [t.percent for t in events]
    # Only what the villages missed is 漏报 / 婚变未更新.
    items = WorkItem.objects.filter(source="reconcile:2026-01")
    assert items.filter(kind="discrepancy.unreported_event").count() < rates[
        "birth_notifications"].denominator  # fmt: skip
