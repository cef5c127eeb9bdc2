"""Duplicate review pages: list, side-by-side detail, merge, dismiss, undo; scope and 403s."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from renkou.registry.models import DuplicateCandidate, LeaveReason, Merge, Person
from renkou.registry.services.duplicates import duplicate_merge
from tests.conftest import Cast
from tests.duplicates_factories import candidate_for, person_with, twin_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(cast: Cast) -> DuplicateCandidate:
    return candidate_for(*twin_records(cast.village))


def test_list_shows_open_pairs_in_scope(cast: Cast, pair: DuplicateCandidate) -> None:
    response = cast.client_for("clerk").get(reverse("registry:duplicate_list"))
    assert response.status_code == 200
    assert reverse("registry:duplicate_detail", args=[pair.pk]) in response.content.decode()
    assert "李娜" in response.content.decode()


def test_list_htmx_returns_the_rows_fragment(cast: Cast, pair: DuplicateCandidate) -> None:
    response = cast.client_for("clerk").get(
        reverse("registry:duplicate_list"), {"status": "open"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "registry/_duplicate_rows.html"
    assert "<html" not in response.content.decode()


def test_list_filters_by_status_and_ignores_bad_status(
    cast: Cast, pair: DuplicateCandidate
) -> None:
    client = cast.client_for("clerk")
    detail = reverse("registry:duplicate_detail", args=[pair.pk])
    assert (
        detail
        not in client.get(reverse("registry:duplicate_list"), {"status": "merged"}).content.decode()
    )
    assert (
        detail
        in client.get(reverse("registry:duplicate_list"), {"status": "<script>"}).content.decode()
    )


def test_other_township_sees_no_pair_of_ours(cast: Cast, pair: DuplicateCandidate) -> None:
    client = cast.client_for("other_clerk")
    listing = client.get(reverse("registry:duplicate_list"))
    assert "李娜" not in listing.content.decode()
    assert client.get(reverse("registry:duplicate_detail", args=[pair.pk])).status_code == 404
    merge_url = reverse("registry:duplicate_merge", args=[pair.pk])
    assert client.post(merge_url, {"survivor": pair.first_id, "evidence": "x"}).status_code == 404
    assert (
        client.post(
            reverse("registry:duplicate_dismiss", args=[pair.pk]), {"evidence": "x"}
        ).status_code
        == 404
    )
    pair.refresh_from_db()
    assert pair.status == DuplicateCandidate.Status.OPEN


def test_a_pair_half_out_of_scope_is_hidden(cast: Cast) -> None:
    here = person_with(org_unit=cast.village)
    there = person_with(org_unit=cast.other_township_village)
    half = candidate_for(here, there)
    client = cast.client_for("clerk")
    assert client.get(reverse("registry:duplicate_detail", args=[half.pk])).status_code == 404


@pytest.mark.parametrize("who", ["officer", "head", "sysadmin", "auditor"])
def test_roles_without_the_capability_get_403(
    cast: Cast, pair: DuplicateCandidate, who: str
) -> None:
    client = cast.client_for(who)
    assert client.get(reverse("registry:duplicate_list")).status_code == 403
    assert client.post(reverse("registry:duplicate_merge", args=[pair.pk])).status_code == 403


def test_detail_highlights_differences_and_masks_ids(cast: Cast) -> None:
    first, second = twin_records(cast.village)
    Person.objects.filter(pk=second.pk).update(address="大官庄村5号")
    pair = candidate_for(first, second)
    response = cast.client_for("clerk").get(reverse("registry:duplicate_detail", args=[pair.pk]))
    rows = {str(row["label"]): row for row in response.context["rows"]}
    assert rows["详细地址"]["differs"]
    assert not rows["姓名"]["differs"]
    html = response.content.decode()
    assert "<mark>大官庄村5号</mark>" in html
    assert first.id_masked in html
    assert "*" in first.id_masked


def test_merge_page_flow_and_undo(cast: Cast, pair: DuplicateCandidate) -> None:
    client = cast.client_for("clerk")
    first = Person.objects.get(pk=pair.first_id)
    second = Person.objects.get(pk=pair.second_id)
    response = client.post(
        reverse("registry:duplicate_merge", args=[pair.pk]),
        {
            "survivor": second.pk,
            "evidence": "同一人",
            f"version_{first.pk}": first.version,
            f"version_{second.pk}": second.version,
        },
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=first.pk).left_reason == LeaveReason.DUPLICATE
    merge = Merge.objects.get()
    detail = client.get(reverse("registry:duplicate_detail", args=[pair.pk]))
    assert reverse("registry:merge_undo", args=[merge.pk]) in detail.content.decode()

    undo = reverse("registry:merge_undo", args=[merge.pk])
    assert cast.client_for("other_clerk").post(undo, {"evidence": "x"}).status_code == 404
    assert client.post(undo, {"evidence": "误合并"}).status_code == 302
    assert Person.objects.get(pk=first.pk).is_active
    # A second undo is refused with a message, and changes nothing.
    again = client.post(undo, {"evidence": "再次"}, follow=True)
    assert "已撤销" in again.content.decode()


def test_merge_with_stale_version_is_a_conflict(cast: Cast, pair: DuplicateCandidate) -> None:
    first = Person.objects.get(pk=pair.first_id)
    response = cast.client_for("clerk").post(
        reverse("registry:duplicate_merge", args=[pair.pk]),
        {"survivor": first.pk, "evidence": "同一人", f"version_{first.pk}": first.version - 1},
        follow=True,
    )
    assert "已被他人修改" in response.content.decode()
    assert not Merge.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"survivor": "abc", "evidence": "x"},
        {"survivor": "999999", "evidence": "x"},
        {"survivor": "1"},
    ],
)
def test_merge_hostile_input_changes_nothing(
    cast: Cast, pair: DuplicateCandidate, data: dict[str, Any]
) -> None:
    response = cast.client_for("clerk").post(
        reverse("registry:duplicate_merge", args=[pair.pk]), data
    )
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == DuplicateCandidate.Status.OPEN
    assert not Merge.objects.exists()


def test_merging_a_pair_that_is_not_open_is_refused(cast: Cast, pair: DuplicateCandidate) -> None:
    DuplicateCandidate.objects.filter(pk=pair.pk).update(status=DuplicateCandidate.Status.DISMISSED)
    response = cast.client_for("clerk").post(
        reverse("registry:duplicate_merge", args=[pair.pk]),
        {"survivor": pair.first_id, "evidence": "同一人"},
        follow=True,
    )
    assert "已处理" in response.content.decode()
    assert not Merge.objects.exists()


def test_dismiss_page(cast: Cast, pair: DuplicateCandidate) -> None:
    client = cast.client_for("clerk")
    url = reverse("registry:duplicate_dismiss", args=[pair.pk])
    assert client.post(url, {"evidence": ""}).status_code == 302
    pair.refresh_from_db()
    assert pair.status == DuplicateCandidate.Status.OPEN
    assert client.post(url, {"evidence": "双胞胎"}).status_code == 302
    pair.refresh_from_db()
    assert pair.status == DuplicateCandidate.Status.DISMISSED


def test_list_query_count_does_not_grow(cast: Cast, django_assert_max_num_queries: Any) -> None:
    client = cast.client_for("clerk")
    for _ in range(3):
        candidate_for(*twin_records(cast.village))
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("registry:duplicate_list"))
    for _ in range(10):
        candidate_for(*twin_records(cast.village))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("registry:duplicate_list"))
    assert len(response.context["page"].object_list) == 13


def test_merge_view_survives_a_merge_made_elsewhere(cast: Cast, pair: DuplicateCandidate) -> None:
    first = Person.objects.get(pk=pair.first_id)
    duplicate_merge(candidate=pair, survivor=first, actor=cast.users["county"], evidence="同一人")
    response = cast.client_for("clerk").post(
        reverse("registry:duplicate_merge", args=[pair.pk]), {"survivor": first.pk, "evidence": "x"}
    )
    assert response.status_code == 302
    assert Merge.objects.count() == 1
