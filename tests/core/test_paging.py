"""KeysFirstPaginator returns the same pages as Django's Paginator."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from renkou.core.paging import KeysFirstPaginator
from renkou.worklists.models import WorkItem
from tests.conftest import Cast
from tests.worklists_factories import open_item


@pytest.mark.django_db
def test_pages_match_the_plain_paginator(cast: Cast) -> None:
    for _ in range(22):
        open_item(org_unit=cast.village, with_person=False)
    rows = WorkItem.objects.select_related("org_unit").order_by("-opened_at", "-id")
    plain, keys_first = Paginator(rows, 5, orphans=2), KeysFirstPaginator(rows, 5, orphans=2)
    assert keys_first.num_pages == plain.num_pages == 4
    for number in range(1, 5):
        assert list(keys_first.page(number)) == list(plain.page(number))
    assert keys_first.page(4).object_list[0].org_unit == cast.village  # joins kept
    assert len(keys_first.get_page("999")) == 7  # out of range: the last page, orphans in
