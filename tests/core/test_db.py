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


@pytest.mark.django_db(transaction=True)
def test_some_columns_analyzed_and_the_row_count_all_the_same(cast: Cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL keeps the planner statistics refreshed here")

    def stats() -> tuple[float, dict[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", ["worklists_workitem"]
            )
            count = float(cursor.fetchone()[0])
            cursor.execute(
                "SELECT attname, concat(n_distinct, most_common_vals::text, histogram_bounds::text)"
                " FROM pg_stats WHERE tablename = %s",
                ["worklists_workitem"],
            )
            return count, dict(cursor.fetchall())

    _, before = stats()
    with transaction.atomic():
        refresh_planner_stats(WorkItem, fields=("org_unit", "status"))
        for _ in range(5):
            open_item(org_unit=cast.village, with_person=False)
    count, after = stats()
    assert count == 5
    assert {"org_unit_id", "status"} <= set(after)
    # Other columns' statistics are left as they were (absent, or an earlier test's: its
    # items had other ids).
    assert (after.get("id"), after.get("kind")) == (before.get("id"), before.get("kind"))


def _feed_batch(digit: str) -> Any:
    """A police feed batch of January 2026 to insert rows into (its import's digest of
    ``digit`` repeated)."""
    import datetime as dt

    from renkou.core.models import ImportBatch
    from renkou.exchange.models import FeedBatch

    return FeedBatch.objects.create(
        kind="police",
        month=dt.date(2026, 1, 1),
        import_batch=ImportBatch.objects.create(kind="police", sha256=digit * 64, size=1),
    )


@pytest.mark.django_db
def test_insert_rows_round_trips_every_column_type(cast: Cast) -> None:
    import datetime as dt

    from renkou.core.db import insert_rows
    from renkou.exchange.models import FeedRow

    batch = _feed_batch("0")
    rows = [
        FeedRow(batch=batch, row_number=n, natural_key=f"k{n}", content_hash="h",
                name="张三·阿布", sex="M", birth_date=dt.date(1990, 1, n),
                id_cipher=bytes([n, 0, 255]), extra={"relation": "本人", "n": str(n)})
        for n in (1, 2)
    ]  # fmt: skip
    assert insert_rows(rows) == 2
    assert insert_rows([]) == 0
    stored = list(FeedRow.objects.filter(batch=batch).order_by("row_number"))
    assert [r.birth_date for r in stored] == [dt.date(1990, 1, 1), dt.date(1990, 1, 2)]
    assert bytes(stored[1].id_cipher) == bytes([2, 0, 255])
    assert stored[0].extra == {"relation": "本人", "n": "1"}
    assert stored[0].name == "张三·阿布"
    assert stored[0].superseded_by_id is None
    assert stored[0].withdrawn is False


@pytest.mark.django_db
def test_fast_insert_fixed_values_and_defaults(cast: Cast) -> None:
    # A fixed batch, the defaults (NULL, False: in SQLite's statement) and a fixed text
    # that stays bound (a quote in it); rows go in as the tuples they are.
    from renkou.core.db import FastInsert
    from renkou.exchange.models import FeedRow

    batch = _feed_batch("1")
    inserter = FastInsert(
        FeedRow, ("row_number", "natural_key", "content_hash", "id_valid"),
        fixed={"batch_id": batch.pk, "sheet": "O'Brien 表"},
    )  # fmt: skip
    assert inserter.insert_batches([[(1, "k1", "h", True)], [(2, "k2", "h", False)]]) == 2
    inserter.insert([(3, "k3", "h", True)])
    stored = list(FeedRow.objects.filter(batch=batch).order_by("row_number"))
    assert [(r.row_number, r.natural_key, r.id_valid) for r in stored] == [
        (1, "k1", True), (2, "k2", False), (3, "k3", True),
    ]  # fmt: skip
    assert {(r.sheet, r.withdrawn, r.superseded_by_id, r.id_cipher) for r in stored} == {
        ("O'Brien 表", False, None, None)
    }
    assert stored[0].extra == {}
    with pytest.raises(ValueError, match="not fields"):
        FastInsert(FeedRow, ("row_number",), fixed={"nope": 1})
    with pytest.raises(ValueError, match="both"):
        FastInsert(FeedRow, ("row_number",), fixed={"row_number": 1})
