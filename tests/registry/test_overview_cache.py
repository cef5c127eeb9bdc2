from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from renkou.registry.search import overview_for_user
from tests.conftest import Cast
from tests.factories import make_person


@pytest.mark.django_db
@override_settings(RENKOU_OVERVIEW_CACHE_SECONDS=300)
def test_overview_counts_are_cached_per_unit(cast: Cast) -> None:
    cache.clear()
    clerk = cast.users["clerk"]
    make_person(org_unit=cast.village)
    first = overview_for_user(user=clerk, unit=cast.township)
    make_person(org_unit=cast.village, name="王芳", sex="F")
    again = overview_for_user(user=clerk, unit=cast.township)
    assert again.total.total == first.total.total == 1  # served from the cache
    assert again.computed_at == first.computed_at
    # Another unit has its own entry; the county sees its own (fresh) counts.
    county = overview_for_user(user=cast.users["county"], unit=cast.county)
    assert county.total.total == 2
    cache.clear()
    assert overview_for_user(user=clerk, unit=cast.township).total.total == 2


@pytest.mark.django_db
def test_suite_profile_does_not_cache(cast: Cast) -> None:
    clerk = cast.users["clerk"]
    make_person(org_unit=cast.village)
    assert overview_for_user(user=clerk, unit=cast.township).total.total == 1
    make_person(org_unit=cast.village, name="王芳", sex="F")
    assert overview_for_user(user=clerk, unit=cast.township).total.total == 2
