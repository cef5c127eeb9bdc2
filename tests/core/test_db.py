"""refresh_planner_stats: PostgreSQL's planner sees a bulk load at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from renkou.core.db import refresh_planner_stats
from renkou.worklists.models import WorkItem
from tests.conftest import Cast
from tests.worklists_factories import open_item


@pytest.mark.django_db
def test_nothing_to_refresh_on_sqlite(django_capture_on_commit_callbacks: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite branch")
    with django_capture_on_commit_callbacks() as callbacks:
        refresh_planner_stats(WorkItem)
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_tables_are_analyzed_after_the_commit(cast: Cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL keeps the planner statistics refreshed here")

    def estimate() -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", ["worklists_workitem"]
            )
            return float(cursor.fetchone()[0])

    with transaction.atomic():
        refresh_planner_stats(WorkItem)
        for _ in range(12):
            open_item(org_unit=cast.village, with_person=False)
        assert estimate() < 12  # not yet: ANALYZE runs after the commit
    assert estimate() == 12
