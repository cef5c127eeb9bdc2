"""The review queue for uncertain links: scope, the side-by-side page, decisions, undo,
reclassification, and re-runs that honour decisions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from renkou.core.models import AuditEvent
from renkou.exchange.link_review import link_decide, links_for_review
from renkou.exchange.models import FeedLink, LinkDecision
from renkou.exchange.reconcile import reconcile_month
from renkou.registry.models import Person
from renkou.worklists.models import WorkItem
from tests.exchange.feed_files import make_id
from tests.exchange.linkreview_helpers import EAST, load, pupil
from tests.factories import make_person
from tests.linkreview_factories import feed_row, pending_link

pytestmark = pytest.mark.django_db
PUPIL = make_id("20150505", "151")


@pytest.fixture
def pending(cast: Any, tmp_path: Path, settings: Any) -> FeedLink:
    """A pupil the cascade cannot link (the register has no number for him), which the
    probabilistic stage offers as 吴九 of 大官庄村 for review."""
    settings.DATA_DIR = tmp_path / "data"
    person = make_person(org_unit=cast.village, name="吴九", birth_date=dt.date(2015, 5, 5),
                         with_id=False)  # fmt: skip
    load(tmp_path, "2026-01", {"pupil": [pupil("吴九", PUPIL, "2015-05-05", addr=EAST)]})
    reconcile_month(month="2026-01", actor=None)
    link = FeedLink.objects.get(run__is_latest=True)
    FeedLink.objects.filter(pk=link.pk).update(
        person=person, method="probabilistic", probability=0.81, review="pending",
        evidence={"name": "exact", "dob": "day", "sex": "same", "place": "township"},
    )  # fmt: skip
    return FeedLink.objects.select_related("feed_row__batch", "person__org_unit", "run").get(
        pk=link.pk
    )


def _open(code: str) -> list[WorkItem]:
    return list(WorkItem.objects.filter(kind=f"discrepancy.{code}", status="open"))


def test_pending_counts_as_unlinked_until_confirmed(cast: Any, pending: FeedLink) -> None:
    [missing] = _open("missing_person")
    assert missing.subject_person is None
    record = link_decide(link=pending, decision="confirmed", actor=cast.users["clerk"],
                         expected_review="pending", note="校对学籍照片")  # fmt: skip
    assert (record.decision, record.previous, record.person) == (
        "confirmed", "pending", pending.person)  # fmt: skip
    missing.refresh_from_db()
    assert (missing.status, missing.outcome) == ("closed", "resolved")
    # The confirmed link now implies 人户分离 (the pupil lives in 东王庄村).
    [separation] = _open("separation")
    assert separation.subject_person == pending.person
    assert FeedLink.objects.get(pk=pending.pk).review == "confirmed"
    assert AuditEvent.objects.filter(action="feedlink.decide", object_id=str(pending.pk)).exists()


def test_rerun_keeps_the_decision(cast: Any, pending: FeedLink) -> None:
    link_decide(link=pending, decision="confirmed", actor=cast.users["county"],
                expected_review="pending")  # fmt: skip
    reconcile_month(month="2026-01", actor=None)
    link = FeedLink.objects.get(run__is_latest=True)
    assert (link.person, link.review) == (pending.person, "confirmed")
    assert _open("missing_person") == []
    assert len(_open("separation")) == 1


def test_reject_and_undo_keep_history(cast: Any, pending: FeedLink) -> None:
    clerk = cast.users["clerk"]
    link_decide(link=pending, decision="confirmed", actor=clerk, expected_review="pending")
    pending.refresh_from_db()
    link_decide(link=pending, decision="rejected", actor=clerk, expected_review="confirmed",
                note="不是同一人")  # fmt: skip
    assert len(_open("missing_person")) == 1  # unlinked again
    assert _open("separation") == []
    pending.refresh_from_db()
    link_decide(link=pending, decision="pending", actor=clerk, expected_review="rejected")
    history = list(LinkDecision.objects.values_list("decision", "previous"))
    assert history == [("confirmed", "pending"), ("rejected", "confirmed"),
                       ("pending", "rejected")]  # fmt: skip
    assert FeedLink.objects.get(pk=pending.pk).review == "pending"
    page = cast.client_for("clerk").get(reverse("exchange:review_detail", args=[pending.pk]))
    assert page.content.decode().count("不是同一人") >= 2


def test_stale_and_hostile_decisions(cast: Any, pending: FeedLink) -> None:
    clerk = cast.users["clerk"]
    with pytest.raises(ValidationError):  # someone decided since the page was shown
        link_decide(link=pending, decision="confirmed", actor=clerk, expected_review="rejected")
    with pytest.raises(ValidationError):
        link_decide(link=pending, decision="merge", actor=clerk, expected_review="pending")
    with pytest.raises(ValidationError):
        link_decide(link=pending, decision="rejected", actor=clerk, expected_review="pending",
                    note=f"号码 {PUPIL}")  # fmt: skip
    assert not LinkDecision.objects.exists()
    client = cast.client_for("clerk")
    url = reverse("exchange:review_decide", args=[pending.pk])
    response = client.post(url, {"decision": "bogus", "expected_review": "pending"}, follow=True)
    assert "审核决定无效" in response.content.decode()
    response = client.post(url, {"decision": "confirmed"}, follow=True)
    assert "审核决定无效" in response.content.decode()
    assert FeedLink.objects.get(pk=pending.pk).review == "pending"
    other = cast.client_for("other_clerk")
    assert (
        other.post(url, {"decision": "confirmed", "expected_review": "pending"}).status_code == 404
    )
    assert FeedLink.objects.get(pk=pending.pk).review == "pending"


def test_queue_scope_filters_and_paging(cast: Any, pending: FeedLink) -> None:
    assert list(links_for_review(user=cast.users["clerk"])) == [pending]
    assert list(links_for_review(user=cast.users["county"])) == [pending]
    assert not links_for_review(user=cast.users["other_clerk"]).exists()
    assert not links_for_review(user=cast.users["officer"]).exists()  # no REVIEW_LINKS
    assert not links_for_review(user=cast.users["clerk"], month="2026-02-01").exists()
    assert not links_for_review(user=cast.users["clerk"], kind="police").exists()
    # A candidate in another township, though the feed row names 大官庄村: that person's
    # township (and the county) decide; this clerk never sees the other township's person.
    far = make_person(org_unit=cast.other_township_village, name="吴玖",
                      birth_date=dt.date(2015, 5, 5))  # fmt: skip
    near_row = feed_row(name="吴玖", sex="M", birth_date=dt.date(2015, 5, 5),
                        place="榴园镇大官庄村")  # fmt: skip
    shared = pending_link(far, near_row)
    assert set(links_for_review(user=cast.users["clerk"])) == {pending}
    assert set(links_for_review(user=cast.users["other_clerk"])) == {shared}
    assert set(links_for_review(user=cast.users["county"])) == {pending, shared}
    far_page = reverse("exchange:review_detail", args=[shared.pk])
    assert cast.client_for("clerk").get(far_page).status_code == 404
    client = cast.client_for("clerk")
    page = client.get(reverse("exchange:review_list"), {"month": "2026-01", "kind": "pupil"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "吴九" in text
    assert PUPIL not in text
    bad = client.get(reverse("exchange:review_list"), {"month": "2026/13", "page": "x"})
    assert bad.status_code == 200
    assert "月份格式" in bad.content.decode()


def test_side_by_side_masks_numbers(cast: Any, pending: FeedLink) -> None:
    page = cast.client_for("county").get(reverse("exchange:review_detail", args=[pending.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert PUPIL not in text
    assert pending.feed_row.id_masked in text
    assert "0.810" in text
    assert "概率模型" in text  # the method by name, not its code
    assert "probabilistic" not in text
    assert cast.client_for("other_clerk").get(
        reverse("exchange:review_detail", args=[pending.pk])).status_code == 404  # fmt: skip
    person = Person.objects.get(pk=pending.person_id)
    assert person.name in text


def test_marriage_side_decision_leaves_the_other_spouse(
    cast: Any, tmp_path: Path, settings: Any
) -> None:
    from tests.exchange.feed_files import bad_check
    from tests.exchange.linkreview_helpers import marriage

    settings.DATA_DIR = tmp_path / "data"
    husband = make_person(org_unit=cast.village, name="刘强", birth_date=dt.date(1990, 1, 1),
                          with_id=False, marital_status="10")  # fmt: skip
    hid, wid = make_id("19900101", "191"), bad_check(make_id("19910101", "202"))
    load(tmp_path, "2026-01", {"marriage": [marriage(("刘强", hid, "1990-01-01"),
                                                     ("陈静", wid, "1991-01-01"), "结婚",
                                                     "2026-01-09")]})  # fmt: skip
    reconcile_month(month="2026-01", actor=None)
    [wife_item] = _open("conflicting")
    assert wife_item.subject_person is None
    link = FeedLink.objects.get(run__is_latest=True, side="husband")
    FeedLink.objects.filter(pk=link.pk).update(person=husband, review="pending",
                                               method="probabilistic", probability=0.7)  # fmt: skip
    link = FeedLink.objects.select_related("feed_row__batch", "person__org_unit", "run").get(
        pk=link.pk
    )
    link_decide(link=link, decision="confirmed", actor=cast.users["clerk"],
                expected_review="pending")  # fmt: skip
    assert [i.subject_person for i in _open("marriage_not_reflected")] == [husband]
    wife_item.refresh_from_db()
    assert wife_item.status == "open"


def test_evidence_levels_are_spelled_out(cast: Any, pending: FeedLink) -> None:
    page = cast.client_for("clerk").get(reverse("exchange:review_detail", args=[pending.pk]))
    body = page.content.decode()
    # A pupil row may name the pupil's mother: this one does not.
    assert '<span class="badge left">缺失</span>' in body
    # A birth date one day off is shown as such, never as agreeing.
    assert '<span class="badge left">相差一天</span>' in body
    assert '<span class="badge ok">一致</span>' in body  # the name


def test_the_mothers_numbers_side_by_side(cast: Any, tmp_path: Path, settings: Any) -> None:
    """A pupil row naming the pupil's mother: her number (masked) against the number of the
    register person's mother, with the model's level."""
    settings.DATA_DIR = tmp_path / "data"
    mother_number = make_id("19880808", "828")
    mother = make_person(org_unit=cast.village, name="郑芳", sex="F",
                         birth_date=dt.date(1988, 8, 8), id_number=mother_number)  # fmt: skip
    person = make_person(org_unit=cast.village, name="吴九", birth_date=dt.date(2015, 5, 5),
                         with_id=False, mother=mother)  # fmt: skip
    row = [*pupil("吴九", "", "2015-05-05", addr=EAST), mother_number]
    load(tmp_path, "2026-01", {"pupil": [row]})
    reconcile_month(month="2026-01", actor=None)
    link = FeedLink.objects.get(run__is_latest=True)
    FeedLink.objects.filter(pk=link.pk).update(
        person=person, method="probabilistic", probability=0.85, review="pending",
        evidence={"name": "exact", "dob": "exact", "sex": "same", "place": "township",
                  "mother": "exact"},
    )  # fmt: skip
    page = cast.client_for("clerk").get(reverse("exchange:review_detail", args=[link.pk]))
    body = page.content.decode()
    masked = mother_number[:6] + "********" + mother_number[14:]
    assert body.count(masked) == 2  # the row's and the register mother's
    assert mother_number not in body
    start = body.index("母亲身份证号")
    assert '<span class="badge ok">一致</span>' in body[start : start + 600]
