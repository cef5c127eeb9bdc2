"""The ledger's pages: scope, forms, hostile posts and query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from renkou.worklists.models import DispatchReview, SavedFilter, WorkItem
from renkou.worklists.services import workitem_close
from tests.conftest import Cast
from tests.worklists_factories import open_item

pytestmark = pytest.mark.django_db
PAST = timezone.localdate() - dt.timedelta(days=2)


def _many(cast: Cast, n: int) -> list[WorkItem]:
    return [open_item(org_unit=cast.village, due_date=PAST) for _ in range(n)]


def test_my_items_page_query_count(cast: Cast, django_assert_max_num_queries: Any) -> None:
    _many(cast, 12)
    client = cast.client_for("officer")
    # Fixed whatever the rows: the page's keys, then its rows in one join (core.paging).
    with django_assert_max_num_queries(14):
        response = client.get(reverse("worklists:my_items"))
    assert response.status_code == 200
    assert response.content.decode().count("已超期") >= 12


def test_item_list_query_count_and_filters(cast: Cast, django_assert_max_num_queries: Any) -> None:
    _many(cast, 12)
    open_item(org_unit=cast.other_village, kind="verification")
    client = cast.client_for("clerk")
    with django_assert_max_num_queries(17):  # fixed, whatever the rows
        response = client.get(reverse("worklists:item_list"), {"overdue": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('name="items"') == 12
    response = client.get(reverse("worklists:item_list"), {"kind": "verification"})
    assert response.content.decode().count('name="items"') == 1
    hx = client.get(reverse("worklists:item_list"), {"kind": "'<script>"}, HTTP_HX_REQUEST="true")
    assert hx.status_code == 200
    assert "<html" not in hx.content.decode()
    assert hx.content.decode().count('name="items"') == 13


def test_board_query_count_and_scope(cast: Cast, django_assert_max_num_queries: Any) -> None:
    _many(cast, 5)
    client = cast.client_for("clerk")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("worklists:board"))
    assert "大官庄村" in response.content.decode()
    drill = cast.client_for("clerk").get(reverse("worklists:board"), {"unit": cast.village.pk})
    assert drill.status_code == 200
    other = cast.client_for("other_clerk")
    assert other.get(reverse("worklists:board"), {"unit": cast.village.pk}).status_code == 404
    assert other.get(reverse("worklists:board"), {"unit": "x"}).status_code == 404
    assert "大官庄村" not in other.get(reverse("worklists:board")).content.decode()


def test_detail_and_out_of_scope(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    url = reverse("worklists:item_detail", args=[item.pk])
    body = cast.client_for("officer").get(url).content.decode()
    assert item.title in body
    assert "申请免办" in body
    assert "免于办理" not in body
    assert "免于办理" in cast.client_for("clerk").get(url).content.decode()
    for who in ("other_officer", "other_clerk"):
        assert cast.client_for(who).get(url).status_code == 404
        close = reverse("worklists:item_close", args=[item.pk])
        response = cast.client_for(who).post(
            close, {"outcome": "done", "evidence": "x", "version": 1}
        )
        assert response.status_code == 404
    assert WorkItem.objects.get(pk=item.pk).status == "open"


def test_close_note_exempt_reopen_through_the_pages(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    officer, clerk = cast.client_for("officer"), cast.client_for("clerk")
    note = reverse("worklists:item_note", args=[item.pk])
    officer.post(note, {"note": "入户走访"})
    exempt = reverse("worklists:item_exempt_request", args=[item.pk])
    officer.post(exempt, {"reason": "外出", "version": "1"})
    close = reverse("worklists:item_close", args=[item.pk])
    # An officer posting "exempt" by hand is refused (not among the form's choices).
    officer.post(close, {"outcome": "exempt", "evidence": "", "note": "x", "version": "2"})
    assert WorkItem.objects.get(pk=item.pk).status == "open"
    response = clerk.post(close, {"outcome": "exempt", "evidence": "", "version": "2"}, follow=True)
    item.refresh_from_db()
    assert (item.status, item.outcome, item.approved_by) == (
        "closed",
        "exempt",
        cast.users["clerk"],
    )
    assert "入户走访" in response.content.decode()
    # A stale second close answers with a message, never a 500.
    response = clerk.post(close, {"outcome": "done", "evidence": "x", "version": "2"}, follow=True)
    assert response.status_code == 200
    assert "该事项已销号。" in response.content.decode()
    reopen = reverse("worklists:item_reopen", args=[item.pk])
    assert officer.post(reopen, {"reason": "x"}).status_code == 403
    clerk.post(reopen, {"reason": "重新核实"})
    assert WorkItem.objects.get(pk=item.pk).status == "open"


def test_hostile_close_posts(cast: Cast) -> None:
    item = open_item(org_unit=cast.village, kind="verification")
    close = reverse("worklists:item_close", args=[item.pk])
    client = cast.client_for("officer")
    for data in (
        {},
        {"outcome": "declined", "version": "1"},  # not allowed for 核查
        {"outcome": "done", "evidence": "", "version": "1"},
        {"outcome": "done", "evidence": "x", "version": "abc"},
        {"outcome": "done", "evidence": "x", "version": "99"},
    ):
        assert client.post(close, data).status_code == 302
    assert WorkItem.objects.get(pk=item.pk).status == "open"
    assert client.get(close).status_code == 405


def test_bulk_assign_page(cast: Cast) -> None:
    items = _many(cast, 3)
    foreign = open_item(org_unit=cast.other_township_village)
    url = reverse("worklists:bulk_assign")
    clerk = cast.client_for("clerk")
    officer_pk = cast.users["officer"].pk
    ids = [str(i.pk) for i in items]
    clerk.post(url, {"items": [*ids, str(foreign.pk)], "assignee": officer_pk})
    assert not WorkItem.objects.filter(assignee__isnull=False).exists()
    clerk.post(url, {"items": ["x", "-1"], "assignee": officer_pk})
    response = clerk.post(
        url,
        {"items": ids, "assignee": officer_pk, "due_date": "2026-12-31", "query": "kind=followup"},
    )
    assert response.status_code == 302
    assert "kind=followup" in response["Location"]
    assert WorkItem.objects.filter(assignee_id=officer_pk).count() == 3
    other = cast.users["other_clerk"].pk  # not offered to 榴园镇's clerk: form refuses it
    clerk.post(url, {"items": ids, "assignee": other})
    assert not WorkItem.objects.filter(assignee_id=other).exists()
    assert (
        cast.client_for("officer").post(url, {"items": ids, "assignee": officer_pk}).status_code
        == 403
    )


def test_saved_filter_pages(cast: Cast) -> None:
    officer = cast.client_for("officer")
    url = reverse("worklists:item_list")
    response = officer.post(url, {"name": "我的超期", "query": "overdue=1&kind=followup"})
    assert response.status_code == 302
    assert "overdue=1" in response["Location"]
    saved = SavedFilter.objects.get(user=cast.users["officer"])
    assert "我的超期" in officer.get(url).content.decode()
    assert "我的超期" not in cast.client_for("clerk").get(url).content.decode()
    delete = reverse("worklists:filter_delete", args=[saved.pk])
    cast.client_for("clerk").post(delete)  # in scope but not the owner: refused
    assert cast.client_for("other_officer").post(delete).status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    officer.post(delete)
    assert not SavedFilter.objects.exists()
    officer.post(url, {"name": ""})
    assert not SavedFilter.objects.exists()


def test_reviews_pages(cast: Cast) -> None:
    open_item(org_unit=cast.village, due_date=PAST)
    clerk = cast.client_for("clerk")
    response = clerk.post(reverse("worklists:review_new"), {"title": "四月调度会"})
    review = DispatchReview.objects.get()
    assert response["Location"] == reverse("worklists:review_detail", args=[review.pk])
    page = clerk.get(response["Location"]).content.decode()
    assert "四月调度会" in page
    assert "大官庄村" in page
    assert "@page" in page
    assert "四月调度会" in clerk.get(reverse("worklists:review_list")).content.decode()
    assert cast.client_for("other_clerk").get(response["Location"]).status_code == 404
    county = cast.client_for("county")
    county.post(reverse("worklists:review_new"), {"title": "x"})  # the county is no township
    assert DispatchReview.objects.count() == 1
    county.post(
        reverse("worklists:review_new"), {"title": "县抽查", "township": cast.other_township.pk}
    )
    assert DispatchReview.objects.filter(org_unit=cast.other_township).exists()
    clerk.post(reverse("worklists:review_new"), {"title": "x", "township": cast.other_township.pk})
    assert DispatchReview.objects.count() == 2


def test_closed_item_shows_outcome(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    workitem_close(
        item=item, outcome="declined", evidence="", actor=cast.users["officer"], expected_version=1
    )
    body = (
        cast.client_for("officer")
        .get(reverse("worklists:item_detail", args=[item.pk]))
        .content.decode()
    )
    assert "本人拒绝" in body


def test_item_list_sorts(cast: Cast) -> None:
    soon = open_item(org_unit=cast.village, due_date=PAST)
    later = open_item(org_unit=cast.village, due_date=PAST + dt.timedelta(days=30))
    client = cast.client_for("clerk")

    def order(sort: str) -> list[str]:
        body = client.get(reverse("worklists:item_list"), {"sort": sort}).content.decode()
        return sorted((soon.title, later.title), key=body.index)

    assert order("due") == [soon.title, later.title]
    # Newest first: `later` was opened after `soon`.
    assert order("opened") == [later.title, soon.title]
    assert order("village") == [soon.title, later.title]
    # An unknown sort key falls back to the deadline order.
    response = client.get(reverse("worklists:item_list"), {"sort": "-id;drop"})
    assert response.status_code == 200
    assert '<option value="due" selected>' in response.content.decode()


def test_history_shows_labels_not_codes(cast: Cast) -> None:
    item = open_item(org_unit=cast.village)
    workitem_close(item=item, outcome="declined", evidence="", actor=cast.users["officer"],
                   expected_version=item.version, note="本人不愿参加")  # fmt: skip
    body = cast.client_for("clerk").get(reverse("worklists:item_detail", args=[item.pk]))
    text = body.content.decode()
    assert "<li>销号结果：本人拒绝</li>" in text
    assert "outcome：" not in text
    assert "source：" not in text
