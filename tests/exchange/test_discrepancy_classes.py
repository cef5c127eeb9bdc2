"""The three classes added to the reconciliation: 重登, 未入户, 人户分离 (DOMAIN.md §5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from renkou.exchange.models import FeedLink, FeedRow
from renkou.exchange.reconcile import reconcile_month
from renkou.registry.models import DuplicateCandidate, Person
from renkou.worklists.models import WorkItem
from tests.exchange.feed_files import make_id
from tests.exchange.linkreview_helpers import EAST, REAR, birth, load, police, pupil
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


def _items(code: str) -> list[WorkItem]:
    return list(WorkItem.objects.filter(kind=f"discrepancy.{code}").order_by("pk"))


def test_duplicate_same_number_flags_the_registry_candidate(cast: Any, tmp_path: Path) -> None:
    number = make_id("19800505", "151")
    a = make_person(org_unit=cast.village, name="周强", birth_date=dt.date(1980, 5, 5),
                    id_number=number)  # fmt: skip
    b = make_person(org_unit=cast.village, name="周强", birth_date=dt.date(1980, 5, 5),
                    id_number=number)  # fmt: skip
    load(tmp_path, "2026-01", {"pupil": [pupil("周强", number, "1980-05-05")]})
    summary = reconcile_month(month="2026-01", actor=None)
    candidate = DuplicateCandidate.objects.get()
    assert (candidate.first_id, candidate.second_id) == tuple(sorted((a.pk, b.pk)))
    assert candidate.status == "open"
    [item] = _items("duplicate")
    row = FeedRow.objects.get(name="周强")
    assert item.subject_ref == f"duplicate:{candidate.pk}/feedrow:{row.pk}"
    assert item.subject_person_id == min(a.pk, b.pk)
    assert item.org_unit == cast.village
    assert "重登" in item.title
    assert summary.by_class.get("duplicate") == 1
    # Re-running opens nothing twice; a dismissed pair is never flagged again.
    reconcile_month(month="2026-01", actor=None)
    assert len(_items("duplicate")) == 1
    DuplicateCandidate.objects.update(status="dismissed")
    WorkItem.objects.update(status="closed")
    reconcile_month(month="2026-01", actor=None)
    assert len(_items("duplicate")) == 1
    assert not FeedLink.objects.filter(run__is_latest=True, discrepancy="duplicate").exists()


def test_duplicate_newborn_through_the_mother(cast: Any, tmp_path: Path) -> None:
    mother_id = make_id("19930303", "262")
    mother = make_person(org_unit=cast.village, name="孙丽", sex="F",
                         birth_date=dt.date(1993, 3, 3), id_number=mother_id)  # fmt: skip
    kids = [make_person(org_unit=cast.village, name=n, birth_date=dt.date(2026, 1, 3),
                        with_id=False, mother=mother) for n in ("孙宝", "孙小宝")]  # fmt: skip
    load(tmp_path, "2026-01", {"birth_cert": [birth("孙宝", "男", "2026-01-03", "P1", ("孙丽",
                                                     mother_id))]})  # fmt: skip
    reconcile_month(month="2026-01", actor=None)
    candidate = DuplicateCandidate.objects.get()
    assert {candidate.first_id, candidate.second_id} == {k.pk for k in kids}
    assert candidate.reason == DuplicateCandidate.Reason.SAME_NAME_DOB_MOTHER
    row = FeedRow.objects.get(name="孙宝")
    assert [i.subject_ref for i in _items("duplicate")] == [
        f"duplicate:{candidate.pk}/feedrow:{row.pk}"
    ]
    assert _items("unreported_event") == []


def test_no_hukou_after_the_configured_months(cast: Any, tmp_path: Path, settings: Any) -> None:
    settings.RENKOU_NO_HUKOU_MONTHS = 3
    m1, m2 = make_id("19920202", "242"), make_id("19940404", "444")
    mother = make_person(org_unit=cast.village, name="李四", sex="F",
                         birth_date=dt.date(1992, 2, 2), id_number=m1)  # fmt: skip
    make_person(org_unit=cast.village, name="赵敏", sex="F", birth_date=dt.date(1994, 4, 4),
                id_number=m2)  # fmt: skip
    load(tmp_path, "2025-10", {"birth_cert": [
        birth("李宝", "男", "2025-10-02", "P1", ("李四", m1)),
        birth("赵宝", "女", "2025-10-09", "P2", ("赵敏", m2)),
    ]})  # fmt: skip
    # 赵宝 got her hukou in November: the police birth row names her.
    baby = make_id("20251009", "002")
    load(tmp_path, "2025-11", {"police": [police("赵宝", baby, "2025-10-09", "出生", "B1",
                                                  sex="女", on="2025-11-10")]})  # fmt: skip
    load(tmp_path, "2025-12", {"pupil": [pupil("无关", make_id("20150505", "151"), "2015-05-05")]})
    # Two months later: not yet overdue.
    reconcile_month(month="2025-12", actor=None)
    assert _items("no_hukou") == []
    load(tmp_path, "2026-01", {"pupil": [pupil("无关", make_id("20150505", "151"), "2015-05-05")]})
    summary = reconcile_month(month="2026-01", actor=None)
    [item] = _items("no_hukou")
    assert item.subject_person == mother
    assert item.org_unit == cast.village
    assert item.subject_ref.startswith("feedrow:")
    assert summary.by_class["no_hukou"] == 1
    reconcile_month(month="2026-01", actor=None)
    load(tmp_path, "2026-02", {"pupil": [pupil("无关", make_id("20150505", "151"), "2015-05-05")]})
    reconcile_month(month="2026-02", actor=None)
    assert len(_items("no_hukou")) == 1  # one item per certificate, ever


def test_no_hukou_is_configurable(cast: Any, tmp_path: Path, settings: Any) -> None:
    settings.RENKOU_NO_HUKOU_MONTHS = 1
    m1 = make_id("19920202", "242")
    make_person(org_unit=cast.village, name="李四", sex="F", birth_date=dt.date(1992, 2, 2),
                id_number=m1)  # fmt: skip
    load(
        tmp_path, "2025-12", {"birth_cert": [birth("李宝", "男", "2025-12-02", "P1", ("李四", m1))]}
    )
    load(tmp_path, "2026-01", {"pupil": [pupil("无关", make_id("20150505", "151"), "2015-05-05")]})
    reconcile_month(month="2026-01", actor=None)
    assert len(_items("no_hukou")) == 1


def test_separation_hukou_and_residence(cast: Any, tmp_path: Path) -> None:
    p1, p2, p3 = (make_id("19800808", "171"), make_id("20150505", "151"),
                  make_id("19700707", "191"))  # fmt: skip
    moved = make_person(org_unit=cast.village, name="张伟", birth_date=dt.date(1980, 8, 8),
                        id_number=p1)  # fmt: skip
    pupil_p = make_person(org_unit=cast.village, name="吴九", birth_date=dt.date(2015, 5, 5),
                          id_number=p2)  # fmt: skip
    make_person(org_unit=cast.village, name="王强", birth_date=dt.date(1970, 7, 7), id_number=p3)
    load(tmp_path, "2026-01", {
        "police": [police("张伟", p1, "1980-08-08", "迁入", "Y1", addr=REAR)],
        "pupil": [pupil("吴九", p2, "2015-05-05", addr=EAST),
                  pupil("王强", p3, "1970-07-07")],  # same village: nothing
    })  # fmt: skip
    reconcile_month(month="2026-01", actor=None)
    items = _items("separation")
    assert [(i.subject_person, i.org_unit) for i in items] == [
        (moved, cast.village), (pupil_p, cast.village)]  # fmt: skip
    assert all("人户分离" in i.title for i in items)
    person = Person.objects.get(pk=moved.pk)
    assert person.hukou_unit == cast.village  # informative: nothing changed by itself


def test_no_hukou_item_closes_when_the_registration_arrives(
    cast: Any, tmp_path: Path, settings: Any
) -> None:
    settings.RENKOU_NO_HUKOU_MONTHS = 1
    m1 = make_id("19920202", "242")
    make_person(org_unit=cast.village, name="李四", sex="F", birth_date=dt.date(1992, 2, 2),
                id_number=m1)  # fmt: skip
    load(
        tmp_path, "2025-12", {"birth_cert": [birth("李宝", "男", "2025-12-02", "P1", ("李四", m1))]}
    )
    load(tmp_path, "2026-01", {"pupil": [pupil("无关", make_id("20150505", "151"), "2015-05-05")]})
    reconcile_month(month="2026-01", actor=None)
    [item] = _items("no_hukou")
    assert item.status == "open"
    # In February the police register the baby: the next comparison settles the item.
    baby = make_id("20251202", "002")
    load(tmp_path, "2026-02", {"police": [police("李宝", baby, "2025-12-02", "出生", "B1",
                                                  on="2026-02-10")]})  # fmt: skip
    summary = reconcile_month(month="2026-02", actor=None)
    item.refresh_from_db()
    assert (item.status, item.outcome, item.closed_by) == ("closed", "resolved", None)
    assert "公安出生登记已到" in item.outcome_note
    assert summary.items_closed == 1
    reconcile_month(month="2026-02", actor=None)
    assert len(_items("no_hukou")) == 1  # nothing reopened or opened again


def test_duplicate_item_closes_once_the_pair_is_decided(cast: Any, tmp_path: Path) -> None:
    from renkou.registry.services.duplicates import duplicate_dismiss

    number = make_id("19800505", "151")
    for _ in range(2):
        make_person(org_unit=cast.village, name="周强", birth_date=dt.date(1980, 5, 5),
                    id_number=number)  # fmt: skip
    load(tmp_path, "2026-01", {"pupil": [pupil("周强", number, "1980-05-05")]})
    reconcile_month(month="2026-01", actor=None)
    [item] = _items("duplicate")
    assert reconcile_month(month="2026-01", actor=None).items_closed == 0
    duplicate_dismiss(
        candidate=DuplicateCandidate.objects.get(), actor=cast.users["clerk"],
        evidence="两人身份证号相同系录入错误，已核实为两人",
    )  # fmt: skip
    summary = reconcile_month(month="2026-01", actor=None)
    item.refresh_from_db()
    assert (item.status, item.outcome) == ("closed", "resolved")
    assert "重复人员已在底册中处理" in item.outcome_note
    assert summary.items_closed == 1


def test_item_titles_are_in_the_registers_language(cast: Any, tmp_path: Path) -> None:
    from django.utils import translation

    number = make_id("19800505", "151")
    load(tmp_path, "2026-01", {"pupil": [pupil("周强", number, "1980-05-05")]})
    with translation.override("en"):  # a comparison queued by an English-reading clerk
        reconcile_month(month="2026-01", actor=None)
    [item] = _items("missing_person")
    assert item.title.startswith("漏登：周强（学籍第")
